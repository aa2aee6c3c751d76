/*
** duty_rules.c: the rules of duty supervision over HTTP: the county's duty
** settings and calendar (public holidays and worked weekend days), village
** geofences, leave and official trips, inquiries about misses, sanctions,
** and the evaluation job on demand. Reads are scoped to the caller's
** subtree, and a secretary sees only their own records.
*/
#include "api/api.h"
#include "core/jsonx.h"
#include "duty/duty.h"
#include "duty/evaluate.h"
#include "duty/ladder.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- settings ------------------------------------------------------------------ */

int h_duty_settings_get(req *r) {
    duty_settings s;
    if (duty_settings_load(r->db, &s, &r->err)) return -1;
    reply_json(r, 200, duty_settings_json(&s));
    return 0;
}

int h_duty_settings_update(req *r) {
    duty_settings before, after;
    audit_ctx ctx = api_ctx(r);
    if (api_begin(r) || duty_settings_load(r->db, &before, &r->err)) return -1;
    after = before;
    if (duty_settings_parse(r->json, &after, &r->err) ||
        duty_settings_save(r->db, &ctx, &before, &after, &r->err))
        return -1;
    return api_commit_reply(r, 200, duty_settings_json(&after));
}

/* ---- calendar -------------------------------------------------------------------- */

/* The {year} path parameter (the router matches digits only). */
static int year_param(req *r, int *year) {
    const char *y = r->params[0];
    *year = y && strlen(y) == 4 ? atoi(y) : 0;
    return *year >= 1970 && *year <= 9999 ? 0 : fail(r, 404, "not_found", "year");
}

int h_duty_calendar_get(req *r) {
    int64_t year;
    duty_settings s;
    if (req_query_int(r, "year", 1970, 9999, 0, &year)) return -1;
    if (!year) return fail(r, 400, "missing_field", "year");
    if (duty_settings_load(r->db, &s, &r->err)) return -1;
    char from[16], to[16];
    snprintf(from, sizeof from, "%04d-01-01", (int)year);
    snprintf(to, sizeof to, "%04d-12-31", (int)year);
    db_stmt *st = db_prepare(r->db, "SELECT day, working, name FROM duty_holiday WHERE day >= $1 AND day <= $2"
                                    " ORDER BY day", &r->err);
    if (!st) return -1;
    db_bind_text(st, 1, from);
    db_bind_text(st, 2, to);
    json_t *days = json_array();
    int rc;
    while ((rc = db_step(st, &r->err)) == 1)
        json_array_append_new(days, json_pack("{s:s, s:b, s:s}", "day", db_col_text(st, 0), "working",
                                              (int)db_col_int(st, 1), "name", db_col_text(st, 2)));
    db_done(st);
    if (rc < 0) {
        json_decref(days);
        return -1;
    }
    json_t *set = duty_settings_json(&s);
    reply_json(r, 200, json_pack("{s:I, s:O, s:O, s:i, s:o}", "year", (json_int_t)year, "workdays",
                                 json_object_get(set, "workdays"), "windows", json_object_get(set, "windows"),
                                 "utc_offset_min", s.utc_offset_min, "days", days));
    json_decref(set);
    return 0;
}

/* Check one exception day of the PUT body; its day text in *day. */
static int calendar_day(req *r, json_t *x, int year, const char **day, int *working, const char **name) {
    int64_t n;
    if (!json_is_object(x)) return fail(r, 400, "invalid_type", "days");
    if (jx_str(x, "day", JX_REQUIRED, 10, day, &r->err) < 0 || jx_bool(x, "working", JX_REQUIRED, working, &r->err) < 0 ||
        jx_str(x, "name", JX_REQUIRED, 100, name, &r->err) < 0)
        return -1;
    if (duty_day_number(*day, &n)) return fail(r, 400, "invalid_value", "day");
    if (atoi(*day) != year) return fail(r, 400, "duty_day_outside_year", *day);
    return 0;
}

int h_duty_calendar_put(req *r) {
    int year;
    json_t *days = json_object_get(r->json, "days");
    if (year_param(r, &year)) return -1;
    if (!days) return fail(r, 400, "missing_field", "days");
    if (!json_is_array(days)) return fail(r, 400, "invalid_type", "days");
    if (json_array_size(days) > 366) return fail(r, 400, "invalid_value", "days");
    size_t i;
    json_t *x;
    json_array_foreach(days, i, x) {
        const char *day, *name;
        int working;
        if (calendar_day(r, x, year, &day, &working, &name)) return -1;
        for (size_t k = 0; k < i; k++)
            if (!strcmp(json_string_value(json_object_get(json_array_get(days, k), "day")), day))
                return fail(r, 400, "duty_duplicate_day", day);
    }
    char from[16], to[16], entity[16];
    snprintf(from, sizeof from, "%04d-01-01", year);
    snprintf(to, sizeof to, "%04d-12-31", year);
    snprintf(entity, sizeof entity, "%04d", year);
    audit_ctx ctx = api_ctx(r);
    if (api_begin(r)) return -1;
    db_stmt *st = db_prepare(r->db, "DELETE FROM duty_holiday WHERE day >= $1 AND day <= $2", &r->err);
    if (!st) return -1;
    db_bind_text(st, 1, from);
    db_bind_text(st, 2, to);
    int rc = db_step(st, &r->err);
    db_done(st);
    if (rc < 0) return -1;
    json_array_foreach(days, i, x) {
        st = db_prepare(r->db, "INSERT INTO duty_holiday (day, working, name) VALUES ($1, $2, $3)", &r->err);
        if (!st) return -1;
        db_bind_text(st, 1, json_string_value(json_object_get(x, "day")));
        db_bind_int(st, 2, json_is_true(json_object_get(x, "working")));
        db_bind_text(st, 3, json_string_value(json_object_get(x, "name")));
        rc = db_step(st, &r->err);
        db_done(st);
        if (rc < 0) return -1;
    }
    json_t *after = json_pack("{s:O}", "days", days);
    rc = audit_append(r->db, &ctx, "duty.calendar.put", "duty_calendar", entity, NULL, after, &r->err);
    json_decref(after);
    if (rc) return -1;
    return api_commit_reply(r, 200, json_pack("{s:i, s:O}", "year", year, "days", days));
}

/* ---- geofences -------------------------------------------------------------------- */

#define FENCE_MAX_POINTS 200

static int valid_lat_lon(double lat, double lon) {
    return isfinite(lat) && isfinite(lon) && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180;
}

/* [lat, lon] into p; -1 with 400 naming field. */
static int lat_lon(req *r, json_t *v, const char *field, double p[2]) {
    if (!json_is_array(v) || json_array_size(v) != 2 || !json_is_number(json_array_get(v, 0)) ||
        !json_is_number(json_array_get(v, 1)))
        return fail(r, 400, "invalid_type", field);
    p[0] = json_number_value(json_array_get(v, 0));
    p[1] = json_number_value(json_array_get(v, 1));
    return valid_lat_lon(p[0], p[1]) ? 0 : fail(r, 400, "invalid_value", field);
}

static double cross(const double *o, const double *a, const double *b) {
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

/* Whether segments ab and cd cross or touch. */
static int segments_meet(const double *a, const double *b, const double *c, const double *d) {
    double d1 = cross(c, d, a), d2 = cross(c, d, b), d3 = cross(a, b, c), d4 = cross(a, b, d);
    if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return 1;
    return d1 == 0 && d2 == 0 && d3 == 0 && d4 == 0 &&
           fmax(fmin(a[0], b[0]), fmin(c[0], d[0])) <= fmin(fmax(a[0], b[0]), fmax(c[0], d[0])) &&
           fmax(fmin(a[1], b[1]), fmin(c[1], d[1])) <= fmin(fmax(a[1], b[1]), fmax(c[1], d[1]));
}

/* A simple polygon: no two edges that are not neighbours meet, and it has an area. */
static int polygon_simple(double (*p)[2], size_t n) {
    double area = 0;
    for (size_t i = 0; i < n; i++) {
        const double *a = p[i], *b = p[(i + 1) % n];
        area += a[0] * b[1] - b[0] * a[1];
        for (size_t j = i + 2; j < n; j++) {
            if (i == 0 && j == n - 1) continue;
            if (segments_meet(a, b, p[j], p[(j + 1) % n])) return 0;
        }
    }
    return fabs(area) > 1e-12;
}

/* The polygon of the PUT body, closing point dropped, as JSON (new reference). */
static json_t *read_polygon(req *r, json_t *v) {
    static _Thread_local double p[FENCE_MAX_POINTS + 1][2];
    if (!json_is_array(v)) return fail(r, 400, "invalid_type", "polygon"), NULL;
    size_t n = json_array_size(v);
    if (n < 3 || n > FENCE_MAX_POINTS + 1) return fail(r, 400, "duty_polygon_points", "polygon"), NULL;
    for (size_t i = 0; i < n; i++)
        if (lat_lon(r, json_array_get(v, i), "polygon", p[i])) return NULL;
    if (p[0][0] == p[n - 1][0] && p[0][1] == p[n - 1][1]) n--;
    if (n < 3 || n > FENCE_MAX_POINTS) return fail(r, 400, "duty_polygon_points", "polygon"), NULL;
    if (!polygon_simple(p, n)) return fail(r, 400, "duty_polygon_self_intersecting", "polygon"), NULL;
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(out, json_pack("[f, f]", p[i][0], p[i][1]));
    return out;
}

/* The fence of village org_id as JSON; NULL with 404 when it has none. */
static json_t *fence_json(req *r, int64_t org_id) {
    db_stmt *st = db_prepare(r->db, "SELECT kind, polygon, center_lat, center_lon, radius_m, updated_by, updated_at"
                                    " FROM geofence WHERE org_id = $1", &r->err);
    if (!st) return NULL;
    db_bind_int(st, 1, org_id);
    int rc = db_step(st, &r->err);
    json_t *out = NULL;
    if (rc == 1) {
        out = json_pack("{s:I, s:s, s:I, s:I}", "org_id", (json_int_t)org_id, "kind", db_col_text(st, 0),
                        "updated_by", (json_int_t)db_col_int(st, 5), "updated_at", (json_int_t)db_col_int(st, 6));
        if (!strcmp(db_col_text(st, 0), "polygon"))
            json_object_set_new(out, "polygon", json_loads(db_col_text(st, 1), 0, NULL));
        else {
            json_object_set_new(out, "center", json_pack("[f, f]", db_col_double(st, 2), db_col_double(st, 3)));
            json_object_set_new(out, "radius_m", json_real(db_col_double(st, 4)));
        }
    }
    db_done(st);
    if (rc == 0) fail(r, 404, "not_found", "geofence");
    return out;
}

int h_geofence_get(req *r) {
    json_t *f = fence_json(r, req_id(r, 0));
    if (!f) return -1;
    reply_json(r, 200, f);
    return 0;
}

/* Only villages have fences: 400 for other nodes. */
static int check_village(req *r, int64_t org_id) {
    db_stmt *st = db_prepare(r->db, "SELECT level FROM org_node WHERE id = $1", &r->err);
    if (!st) return -1;
    db_bind_int(st, 1, org_id);
    int rc = db_step(st, &r->err);
    int village = rc == 1 && !strcmp(db_col_text(st, 0), "village");
    db_done(st);
    if (rc < 0) return -1;
    return village ? 0 : fail(r, 400, "duty_not_village", "org_id");
}

/* Parse the body: exactly one of polygon or center with radius_m. */
static int read_fence(req *r, json_t **polygon, double c[2], double *radius) {
    json_t *poly = json_object_get(r->json, "polygon"), *center = json_object_get(r->json, "center");
    json_t *rad = json_object_get(r->json, "radius_m");
    *polygon = NULL;
    if (poly && (center || rad)) return fail(r, 400, "invalid_value", center ? "center" : "radius_m");
    if (poly) return (*polygon = read_polygon(r, poly)) ? 0 : -1;
    if (!center) return fail(r, 400, "missing_field", "polygon");
    if (!rad) return fail(r, 400, "missing_field", "radius_m");
    if (lat_lon(r, center, "center", c)) return -1;
    if (!json_is_number(rad)) return fail(r, 400, "invalid_type", "radius_m");
    *radius = json_number_value(rad);
    return *radius >= 50 && *radius <= 20000 ? 0 : fail(r, 400, "invalid_value", "radius_m");
}

int h_geofence_put(req *r) {
    int64_t org_id = req_id(r, 0);
    json_t *polygon;
    double c[2] = {0, 0}, radius = 0;
    if (check_village(r, org_id) || read_fence(r, &polygon, c, &radius)) return -1;
    char *text = polygon ? json_dumps(polygon, JSON_COMPACT) : NULL;
    json_decref(polygon);
    audit_ctx ctx = api_ctx(r);
    json_t *before = NULL;
    int rc = api_begin(r);
    if (!rc) {
        before = fence_json(r, org_id);
        if (!before && r->err.status == 404) xerr_clear(&r->err);
        else if (!before) rc = -1;
    }
    db_stmt *st = rc ? NULL : db_prepare(r->db,
        "INSERT INTO geofence (org_id, kind, polygon, center_lat, center_lon, radius_m, updated_by, updated_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (org_id) DO UPDATE SET kind = $2, polygon = $3,"
        " center_lat = $4, center_lon = $5, radius_m = $6, updated_by = $7, updated_at = $8", &r->err);
    if (st) {
        db_bind_int(st, 1, org_id);
        db_bind_text(st, 2, text ? "polygon" : "circle");
        db_bind_text(st, 3, text);
        if (text) {
            for (int i = 4; i <= 6; i++) db_bind_null(st, i);
        } else {
            db_bind_double(st, 4, c[0]);
            db_bind_double(st, 5, c[1]);
            db_bind_double(st, 6, radius);
        }
        db_bind_int(st, 7, r->who.user_id);
        db_bind_int(st, 8, r->now);
        rc = db_step(st, &r->err) < 0 ? -1 : 0;
    }
    db_done(st);
    free(text);
    json_t *after = rc || !st ? NULL : fence_json(r, org_id);
    if (after)
        rc = audit_append_id(r->db, &ctx, before ? "duty.geofence.update" : "duty.geofence.create", "geofence",
                             org_id, before, after, &r->err);
    json_decref(before);
    if (!after || rc) {
        json_decref(after);
        return -1;
    }
    return api_commit_reply(r, 200, after);
}

/* ---- the job on demand ------------------------------------------------------------ */

int h_duty_evaluate(req *r) {
    duty_run run;
    if (duty_evaluate(r->db, r->now, &run, &r->err)) return -1;
    reply_json(r, 200, json_pack("{s:I,s:I,s:I,s:I,s:I}", "windows", (json_int_t)run.windows, "days", (json_int_t)run.days,
                                 "inquiries", (json_int_t)run.inquiries, "spot_expired", (json_int_t)run.spot_expired,
                                 "purged", (json_int_t)run.purged));
    return 0;
}

int h_duty_leaves_list(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_duty_leave_create(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_duty_leave_decide(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_duty_leave_cancel(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_inquiries_list(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_inquiry_update(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_inquiry_decide(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_sanctions_list(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_sanction_decide(req *r) { return fail(r, 501, "internal", "not yet"); }
int scope_leave_param(req *r) { return fail(r, 501, "internal", "not yet"); }
int scope_inquiry_param(req *r) { return fail(r, 501, "internal", "not yet"); }
int scope_sanction_param(req *r) { return fail(r, 501, "internal", "not yet"); }
