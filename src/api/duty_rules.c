/*
** duty_rules.c: the rules of duty supervision over HTTP: the county's duty
** settings and calendar (public holidays and worked weekend days), village
** geofences, leave and official trips, inquiries about misses, sanctions,
** and the evaluation job on demand. Reads are scoped to the caller's
** subtree, and a secretary sees only their own records.
*/
#include "api/api.h"
#include "db/db_json.h"
#include "core/date.h"
#include "core/geo.h"
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
    return *year >= 1970 && *year <= 2100 ? 0 : fail(r, 404, "not_found", "year");
}

int h_duty_calendar_get(req *r) {
    int64_t year;
    duty_settings s;
    if (req_query_int(r, "year", 1970, 2100, 0, &year)) return -1;
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
    if (date_to_days(*day, &n)) return fail(r, 400, "invalid_value", "day");
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
    audit_ctx ctx = api_ctx(r);
    if (api_begin(r) || duty_calendar_put(r->db, &ctx, year, days, &r->err)) return -1;
    return api_commit_reply(r, 200, json_pack("{s:i, s:O}", "year", year, "days", days));
}

/* ---- geofences -------------------------------------------------------------------- */

#define FENCE_MAX_POINTS 200

/* [lat, lon] into p; -1 with 400 naming field. */
static int lat_lon(req *r, json_t *v, const char *field, double p[2]) {
    if (!json_is_array(v) || json_array_size(v) != 2 || !json_is_number(json_array_get(v, 0)) ||
        !json_is_number(json_array_get(v, 1)))
        return fail(r, 400, "invalid_type", field);
    p[0] = json_number_value(json_array_get(v, 0));
    p[1] = json_number_value(json_array_get(v, 1));
    return geo_plausible(p[0], p[1]) ? 0 : fail(r, 400, "invalid_value", field);
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
    if (!geo_polygon_simple((const double (*)[2])p, n)) return fail(r, 400, "duty_polygon_self_intersecting", "polygon"), NULL;
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(out, json_pack("[f, f]", p[i][0], p[i][1]));
    return out;
}

int h_geofence_get(req *r) {
    json_t *f = duty_fence_json(r->db, req_id(r, 0), &r->err);
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
    if (!center) return fail(r, 400, "missing_field", rad ? "center" : "polygon");
    if (!rad) return fail(r, 400, "missing_field", "radius_m");
    if (lat_lon(r, center, "center", c)) return -1;
    if (!json_is_number(rad)) return fail(r, 400, "invalid_type", "radius_m");
    *radius = json_number_value(rad);
    return *radius >= 50 && *radius <= 20000 ? 0 : fail(r, 400, "invalid_value", "radius_m");
}

int h_geofence_put(req *r) {
    int64_t org_id = req_id(r, 0);
    json_t *polygon;
    duty_fence f = {0};
    if (check_village(r, org_id) || read_fence(r, &polygon, f.center, &f.radius_m)) return -1;
    char *text = polygon ? json_dumps(polygon, JSON_COMPACT) : NULL;
    json_decref(polygon);
    f.polygon = text;
    audit_ctx ctx = api_ctx(r);
    json_t *after = api_begin(r) ? NULL : duty_fence_put(r->db, &ctx, org_id, &f, &r->err);
    free(text);
    return after ? api_commit_reply(r, 200, after) : -1;
}

int h_geofence_delete(req *r) {
    audit_ctx ctx = api_ctx(r);
    if (api_begin(r) || duty_fence_delete(r->db, &ctx, req_id(r, 0), &r->err) || api_commit(r)) return -1;
    reply_empty(r, 204);
    return 0;
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

/* ---- lists: leave, inquiries, sanctions -------------------------------------------------- */

/* A record table as the lists and the read-backs see it. */
typedef struct duty_table {
    const char *select;   /* SELECT ... FROM ... x JOIN app_user u ... (no WHERE) */
    const char *types;    /* db_row_json column types */
    const char *org;      /* the record's node, an expression */
    const char *order;
} duty_table;

static const duty_table LEAVES = {
    "SELECT x.id, x.user_id, u.display_name AS user_name, u.org_id, x.kind, x.start_day, x.end_day, x.reason,"
    " x.status, x.decided_by, x.decided_at, x.decision_note, x.created_at FROM duty_leave x"
    " JOIN app_user u ON u.id = x.user_id",
    "iisisssssiisi", "u.org_id", "x.start_day DESC, x.id DESC"};
static const duty_table INQUIRIES = {
    "SELECT x.id, x.user_id, u.display_name AS user_name, x.org_id, o.name AS org_name, x.kind, x.day,"
    " x.window_idx, x.spot_check_id, x.opened_at, x.status, x.call_made, x.called_at, x.reason_category,"
    " x.reason, x.decided_by, x.decided_at, x.sanction_id, x.decision_note FROM inquiry x"
    " JOIN app_user u ON u.id = x.user_id JOIN org_node o ON o.id = x.org_id",
    "iisisssiiisbissiiis", "x.org_id", "x.day DESC, x.id DESC"};
static const duty_table SANCTIONS = {
    "SELECT x.id, x.user_id, u.display_name AS user_name, x.org_id, o.name AS org_name, x.kind, x.status,"
    " x.basis, x.scheduled_at, x.note, x.created_at, x.decided_by, x.decided_at FROM sanction x"
    " JOIN app_user u ON u.id = x.user_id JOIN org_node o ON o.id = x.org_id",
    "iisisssjisiii", "x.org_id", "x.created_at DESC, x.id DESC"};

/* Record id of table as JSON; NULL with 404 when there is none. */
static json_t *record_json(req *r, const duty_table *t, int64_t id, const char *what) {
    strbuf sql = STRBUF_INIT;
    strbuf_addf(&sql, "%s WHERE x.id = $1", t->select);
    db_stmt *st = db_prepare(r->db, sql.buf, &r->err);
    strbuf_release(&sql);
    if (!st) return NULL;
    db_bind_int(st, 1, id);
    int rc = db_step(st, &r->err);
    json_t *o = rc == 1 ? db_row_json(st, t->types) : NULL;
    db_done(st);
    if (rc == 0) fail(r, 404, "not_found", what);
    return o;
}

/* The filters every duty list has: the caller's subtree or ?org_id= inside
** it, a secretary only themselves, ?user_id=, ?status= among statuses. */
static int list_filters(req *r, const duty_table *t, where *w, const char *const *statuses, char lo[256],
                        char hi[256]) {
    char path[256];
    int64_t user;
    const char *status = req_query(r, "status");
    if (api_list_path(r, path) || req_query_int(r, "user_id", 1, INT64_MAX, 0, &user)) return -1;
    if (status && !str_in_list(statuses, status)) return fail(r, 400, "invalid_value", "status");
    scope_range(path, lo, hi);
    strbuf f = STRBUF_INIT;
    strbuf_addf(&f, "%s IN (SELECT id FROM org_node WHERE path >= ?", t->org);
    where_text(w, f.buf, lo);
    strbuf_release(&f);
    where_text(w, " AND path < ?)", hi);
    if (duty_self_only(r)) where_int(w, " AND x.user_id = ?", r->who.user_id);
    if (user) where_int(w, " AND x.user_id = ?", user);
    if (status) where_text(w, " AND x.status = ?", status);
    return 0;
}

/* Answer with one page of table under w. */
static json_t *table_row(db_stmt *st, const void *ctx) { return db_row_json(st, ((const duty_table *)ctx)->types); }

static int reply_page(req *r, const duty_table *t, where *w) {
    int64_t page, per_page;
    if (req_paging(r, &page, &per_page)) return -1;
    strbuf from = STRBUF_INIT;
    strbuf_addstr(&from, strstr(t->select, " FROM ") + 6);
    int64_t total = api_count(r, from.buf, w);
    strbuf_release(&from);
    json_t *items = total < 0 ? NULL : api_page(r, t->select, w, t->order, page, per_page, table_row, t);
    if (!items) return -1;
    reply_list(r, items, total, page, per_page);
    return 0;
}

/* A ?key=YYYY-MM-DD filter; 0 when absent. */
static int day_query(req *r, const char *key, const char **out) {
    int64_t n;
    *out = req_query(r, key);
    return !*out || !date_to_days(*out, &n) ? 0 : fail(r, 400, "invalid_value", key);
}

static const char *const LEAVE_STATUSES[] = {"pending", "approved", "rejected", "cancelled", NULL};
static const char *const INQUIRY_STATUSES[] = {"open", "accepted", "rejected", NULL};
static const char *const SANCTION_STATUSES[] = {"draft", "approved", "dismissed", NULL};
static const char *const SANCTION_KINDS[] = {"notice", "interview", "recall", NULL};

int h_duty_leaves_list(req *r) {
    where w = {STRBUF_INIT, 0, {0}, {0}, {0}};
    char lo[256], hi[256];
    int rc = list_filters(r, &LEAVES, &w, LEAVE_STATUSES, lo, hi);
    if (!rc) rc = reply_page(r, &LEAVES, &w);
    where_release(&w);
    return rc;
}

int h_inquiries_list(req *r) {
    where w = {STRBUF_INIT, 0, {0}, {0}, {0}};
    char lo[256], hi[256];
    const char *from, *to;
    int rc = list_filters(r, &INQUIRIES, &w, INQUIRY_STATUSES, lo, hi);
    if (!rc) rc = day_query(r, "from", &from) || day_query(r, "to", &to) ? -1 : 0;
    if (!rc && from) where_text(&w, " AND x.day >= ?", from);
    if (!rc && to) where_text(&w, " AND x.day <= ?", to);
    if (!rc) rc = reply_page(r, &INQUIRIES, &w);
    where_release(&w);
    return rc;
}

int h_sanctions_list(req *r) {
    where w = {STRBUF_INIT, 0, {0}, {0}, {0}};
    char lo[256], hi[256], first[24], next[24];
    const char *kind = req_query(r, "kind");
    int64_t year;
    duty_settings s;
    int rc = list_filters(r, &SANCTIONS, &w, SANCTION_STATUSES, lo, hi);
    if (!rc && kind && !str_in_list(SANCTION_KINDS, kind)) rc = fail(r, 400, "invalid_value", "kind");
    if (!rc) rc = req_query_int(r, "year", 1970, 2100, 0, &year);
    if (!rc && kind) where_text(&w, " AND x.kind = ?", kind);
    if (!rc && year) {
        snprintf(first, sizeof first, "%04d-01-01", (int)year);
        snprintf(next, sizeof next, "%04d-01-01", (int)year + 1);
        rc = duty_settings_load(r->db, &s, &r->err);
        if (!rc) {
            where_int(&w, " AND x.created_at >= ?", duty_day_start(&s, first));
            where_int(&w, " AND x.created_at < ?", duty_day_start(&s, next));
        }
    }
    if (!rc) rc = reply_page(r, &SANCTIONS, &w);
    where_release(&w);
    return rc;
}

/* ---- scope of one record --------------------------------------------------------------- */

int scope_leave_param(req *r) {
    return duty_scope_record(r, "SELECT x.user_id, o.path FROM duty_leave x JOIN app_user u ON u.id = x.user_id"
                           " JOIN org_node o ON o.id = u.org_id WHERE x.id = $1", "leave");
}

int scope_inquiry_param(req *r) {
    return duty_scope_record(r, "SELECT x.user_id, o.path FROM inquiry x JOIN org_node o ON o.id = x.org_id"
                           " WHERE x.id = $1", "inquiry");
}

int scope_sanction_param(req *r) {
    return duty_scope_record(r, "SELECT x.user_id, o.path FROM sanction x JOIN org_node o ON o.id = x.org_id"
                           " WHERE x.id = $1", "sanction");
}

/* ---- decisions, shared --------------------------------------------------------------------- */

/* Inside the transaction: record id of t as `before`, which must have status `want` (409 otherwise). */
static json_t *load_for_decision(req *r, const duty_table *t, const char *what, const char *want) {
    json_t *before = record_json(r, t, req_id(r, 0), what);
    if (before && strcmp(json_string_value(json_object_get(before, "status")), want)) {
        json_decref(before);
        fail(r, 409, "duty_already_decided", what);
        return NULL;
    }
    return before;
}

/* Run a write with parameters $1..$n given as typed values (ARG_I integer,
** ARG_S text); returns the rows changed or -1. */
typedef struct arg { char t; int64_t i; const char *s; } arg;
#define ARG_I(v) ((arg){'i', (v), NULL})
#define ARG_S(v) ((arg){'s', 0, (v)})

static int64_t run(req *r, const char *sql, const arg *a, int n) {
    db_stmt *st = db_prepare(r->db, sql, &r->err);
    if (!st) return -1;
    for (int k = 0; k < n; k++) {
        if (a[k].t == 'i') db_bind_int(st, k + 1, a[k].i);
        else db_bind_text(st, k + 1, a[k].s);
    }
    return db_run(st, &r->err);
}

/* Audit the change of record id (before/after of t) and answer with after plus extra (stolen, may be NULL). */
static int decided(req *r, const duty_table *t, const char *action, const char *what, json_t *before, json_t *extra) {
    audit_ctx ctx = api_ctx(r);
    int64_t id = req_id(r, 0);
    json_t *after = record_json(r, t, id, what);
    if (after && extra) json_object_update(after, extra);
    int rc = !after || audit_append_id(r->db, &ctx, action, what, id, before, after, &r->err);
    json_decref(before);
    json_decref(extra);
    if (rc) {
        json_decref(after);
        return -1;
    }
    return api_commit_reply(r, 200, after);
}

/* ---- leave and trips ----------------------------------------------------------------------- */

int h_duty_leave_create(req *r) {
    static const char *const KINDS[] = {"leave", "trip", NULL};
    const char *kind, *start, *end, *reason;
    if (jx_enum(r->json, "kind", JX_REQUIRED, KINDS, &kind, &r->err) < 0 ||
        jx_str(r->json, "start_day", JX_REQUIRED, 10, &start, &r->err) < 0 ||
        jx_str(r->json, "end_day", JX_REQUIRED, 10, &end, &r->err) < 0 ||
        jx_str(r->json, "reason", JX_REQUIRED, 500, &reason, &r->err) < 0 || api_begin(r))
        return -1;
    int64_t id = duty_leave_file(r->db, r->who.user_id, kind, start, end, reason, r->now, &r->err);
    json_t *row = id < 0 ? NULL : record_json(r, &LEAVES, id, "leave");
    audit_ctx ctx = api_ctx(r);
    if (!row || audit_append_id(r->db, &ctx, "duty.leave.create", "duty_leave", id, NULL, row, &r->err)) {
        json_decref(row);
        return -1;
    }
    return api_commit_reply(r, 201, row);
}

int h_duty_leave_cancel(req *r) {
    if (api_begin(r)) return -1;
    json_t *before = load_for_decision(r, &LEAVES, "leave", "pending");
    if (!before || run(r, "UPDATE duty_leave SET status = 'cancelled' WHERE id = $1", (arg[]){ARG_I(req_id(r, 0))}, 1) < 0) {
        json_decref(before);
        return -1;
    }
    audit_ctx ctx = api_ctx(r);
    json_t *after = record_json(r, &LEAVES, req_id(r, 0), "leave");
    int rc = !after || audit_append_id(r->db, &ctx, "duty.leave.cancel", "duty_leave", req_id(r, 0), before, after,
                                       &r->err);
    json_decref(before);
    json_decref(after);
    if (rc || api_commit(r)) return -1;
    reply_empty(r, 204);
    return 0;
}

int h_duty_leave_decide(req *r) {
    int approve;
    const char *note = "";
    if (jx_bool(r->json, "approve", JX_REQUIRED, &approve, &r->err) < 0 ||
        jx_text(r->json, "note", JX_OPTIONAL, 500, &note, &r->err) < 0 || api_begin(r))
        return -1;
    json_t *before = load_for_decision(r, &LEAVES, "leave", "pending"), *excused = NULL;
    audit_ctx ctx = api_ctx(r);
    duty_leave l = {req_id(r, 0), json_integer_value(json_object_get(before, "user_id")),
                    json_string_value(json_object_get(before, "start_day")),
                    json_string_value(json_object_get(before, "end_day"))};
    if (!before || duty_leave_decide(r->db, &ctx, &l, approve, note, &excused, &r->err)) {
        json_decref(before);
        return -1;
    }
    return decided(r, &LEAVES, approve ? "duty.leave.approve" : "duty.leave.reject", "leave", before,
                   excused ? json_pack("{s:o}", "excused", excused) : NULL);
}

/* ---- inquiries ---------------------------------------------------------------------------- */

int h_inquiry_update(req *r) {
    static const char *const CATEGORIES[] = {"sick", "official_business", "no_signal", "device", "forgot", "other", NULL};
    int call = -1;
    const char *category = NULL, *reason = NULL;
    if (jx_bool(r->json, "call_made", JX_OPTIONAL, &call, &r->err) < 0 ||
        jx_enum(r->json, "reason_category", JX_OPTIONAL, CATEGORIES, &category, &r->err) < 0 ||
        jx_text(r->json, "reason", JX_OPTIONAL, 1000, &reason, &r->err) < 0 || api_begin(r))
        return -1;
    json_t *before = load_for_decision(r, &INQUIRIES, "inquiry", "open");
    int64_t id = req_id(r, 0);
    int rc = before ? 0 : -1;
    if (!rc && call == 1)
        rc = run(r, "UPDATE inquiry SET call_made = 1, called_at = COALESCE(called_at, $1) WHERE id = $2",
                 (arg[]){ARG_I(r->now), ARG_I(id)}, 2) < 0;
    if (!rc && call == 0)
        rc = run(r, "UPDATE inquiry SET call_made = 0, called_at = NULL WHERE id = $1", (arg[]){ARG_I(id)}, 1) < 0;
    if (!rc && category)
        rc = run(r, "UPDATE inquiry SET reason_category = $1 WHERE id = $2", (arg[]){ARG_S(category), ARG_I(id)}, 2) < 0;
    if (!rc && reason) rc = run(r, "UPDATE inquiry SET reason = $1 WHERE id = $2", (arg[]){ARG_S(reason), ARG_I(id)}, 2) < 0;
    if (rc) {
        json_decref(before);
        return -1;
    }
    return decided(r, &INQUIRIES, "duty.inquiry.update", "inquiry", before, NULL);
}

/* A drafted sanction id, or null, for the answer. */
static json_t *drafted_json(int64_t id) {
    return json_pack("{s:o}", "drafted", id > 0 ? json_integer(id) : json_null());
}

int h_inquiry_decide(req *r) {
    int accepted;
    const char *note = NULL;
    duty_settings s;
    if (jx_bool(r->json, "accepted", JX_REQUIRED, &accepted, &r->err) < 0 ||
        jx_text(r->json, "note", JX_OPTIONAL, 1000, &note, &r->err) < 0 || api_begin(r) ||
        duty_settings_load(r->db, &s, &r->err))
        return -1;
    json_t *before = load_for_decision(r, &INQUIRIES, "inquiry", "open");
    if (!before) return -1;
    int64_t id = req_id(r, 0), user = json_integer_value(json_object_get(before, "user_id")), drafted = 0;
    int rc = run(r, "UPDATE inquiry SET status = $1, decided_by = $2, decided_at = $3, decision_note = $4 WHERE id = $5",
                 (arg[]){ARG_S(accepted ? "accepted" : "rejected"), ARG_I(r->who.user_id), ARG_I(r->now), ARG_S(note),
                         ARG_I(id)},
                 5) < 0;
    json_t *idx = json_object_get(before, "window_idx");
    if (!rc && accepted && json_is_integer(idx))
        rc = run(r, "UPDATE duty_window SET status = 'excused' WHERE user_id = $1 AND day = $2 AND idx = $3"
                    " AND status = 'missed'",
                 (arg[]){ARG_I(user), ARG_S(json_string_value(json_object_get(before, "day"))), ARG_I(json_integer_value(idx))},
                 3) < 0;
    audit_ctx ctx = api_ctx(r);
    if (!rc && !accepted) rc = (drafted = ladder_escalate(r->db, &ctx, &s, user, r->now, &r->err)) < 0;
    if (rc) {
        json_decref(before);
        return -1;
    }
    return decided(r, &INQUIRIES, accepted ? "duty.inquiry.accept" : "duty.inquiry.reject", "inquiry", before,
                   drafted_json(drafted));
}

/* ---- sanctions ------------------------------------------------------------------------------ */

/* An ISO-8601 time (without a zone: county time) or Unix seconds. */
static int read_time(req *r, const duty_settings *s, const char *key, int64_t *out) {
    json_t *v = json_object_get(r->json, key);
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return *out >= 0 ? 0 : fail(r, 400, "invalid_value", key);
    }
    if (!json_is_string(v)) return fail(r, 400, "invalid_type", key);
    if (date_parse_time(json_string_value(v), s->utc_offset_min * 60, out)) return fail(r, 400, "invalid_value", key);
    return 0;
}

int h_sanction_decide(req *r) {
    int approve;
    const char *note = "";
    int64_t when = -1;
    duty_settings s;
    if (jx_bool(r->json, "approve", JX_REQUIRED, &approve, &r->err) < 0 ||
        jx_text(r->json, "note", JX_OPTIONAL, 1000, &note, &r->err) < 0 || duty_settings_load(r->db, &s, &r->err) ||
        (json_object_get(r->json, "scheduled_at") && read_time(r, &s, "scheduled_at", &when)) || api_begin(r))
        return -1;
    json_t *before = load_for_decision(r, &SANCTIONS, "sanction", "draft");
    if (!before) return -1;
    const char *kind = json_string_value(json_object_get(before, "kind"));
    if (when >= 0 && strcmp(kind, "interview")) {
        json_decref(before);
        return fail(r, 400, "invalid_value", "scheduled_at");
    }
    int64_t id = req_id(r, 0), user = json_integer_value(json_object_get(before, "user_id")), drafted = 0;
    int rc = run(r, "UPDATE sanction SET status = $1, decided_by = $2, decided_at = $3, note = $4 WHERE id = $5",
                 (arg[]){ARG_S(approve ? "approved" : "dismissed"), ARG_I(r->who.user_id), ARG_I(r->now), ARG_S(note),
                         ARG_I(id)},
                 5) < 0;
    if (!rc && when >= 0)
        rc = run(r, "UPDATE sanction SET scheduled_at = $1 WHERE id = $2", (arg[]){ARG_I(when), ARG_I(id)}, 2) < 0;
    audit_ctx ctx = api_ctx(r);
    if (!rc && approve && !strcmp(kind, "notice"))
        rc = (drafted = ladder_escalate(r->db, &ctx, &s, user, r->now, &r->err)) < 0;
    if (rc) {
        json_decref(before);
        return -1;
    }
    return decided(r, &SANCTIONS, approve ? "duty.sanction.approve" : "duty.sanction.dismiss", "sanction", before,
                   drafted_json(drafted));
}
