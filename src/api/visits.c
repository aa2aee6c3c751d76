/*
** visits.c: helper duty and follow-up over HTTP: assigning and ending help
** pairs, recording visits (the caller is the visitor, with the phone's GPS
** point), their photos, a cadre's own households, and the overdue list per
** cadre and village.
*/
#include "api/api.h"
#include "core/date.h"
#include "core/jsonx.h"
#include "model/household.h"
#include "model/visit.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int scope_help_pair_param(req *r) {
    return hh_check_record(r, "SELECT household_id FROM help_pair WHERE id = $1", "help_pair");
}

/* The household and the recording cadre of visit id; 404 when there is none. */
static int visit_owner(req *r, int64_t id, int64_t *household, int64_t *cadre) {
    db_stmt *st = db_prepare(r->db, "SELECT household_id, cadre_id FROM visit WHERE id = $1", &r->err);
    if (!st) return -1;
    db_bind_int(st, 1, id);
    int rc = db_step(st, &r->err);
    *household = rc == 1 ? db_col_int(st, 0) : 0;
    *cadre = rc == 1 ? db_col_int(st, 1) : 0;
    db_done(st);
    if (rc < 0) return -1;
    return rc == 1 ? 0 : fail(r, 404, "not_found", "visit");
}

/* Photos are added by the visit's cadre, or by whoever may write the household. */
int scope_visit_param(req *r) {
    int64_t h, cadre;
    if (visit_owner(r, req_id(r, 0), &h, &cadre)) return -1;
    return cadre == r->who.user_id ? 0 : hh_check(r, h);
}

int scope_visit_photo_param(req *r) {
    return hh_check_record(r, "SELECT v.household_id FROM visit_photo p JOIN visit v ON v.id = p.visit_id"
                              " WHERE p.id = $1", "photo");
}

int h_visit_photo_add(req *r) {
    int64_t vid = req_id(r, 0), h, cadre, id;
    const char *ctype = NULL;
    if (visit_owner(r, vid, &h, &cadre)) return -1;
    if (r->body.len > PHOTO_MAX) return fail(r, 413, "photo_too_large", "5 MiB");
    audit_ctx ctx = api_ctx(r);
    if (api_begin(r) ||
        visit_photo_add(r->db, &ctx, vid, h, (const unsigned char *)r->body.buf, r->body.len, &id, &ctype, &r->err))
        return -1;
    json_t *out = visit_photo_ref(id);
    json_object_set_new(out, "visit_id", json_integer((json_int_t)vid));
    json_object_set_new(out, "content_type", json_string(ctype));
    json_object_set_new(out, "bytes", json_integer((json_int_t)r->body.len));
    return api_commit_reply(r, 201, out);
}

int h_visit_photo_get(req *r) {
    strbuf img = STRBUF_INIT;
    const char *ctype;
    if (photo_load(r->db, "SELECT bytes, data FROM visit_photo WHERE id = $1", req_id(r, 0), &img, &ctype, &r->err)) {
        strbuf_release(&img);
        return -1;
    }
    reply_header(r, "Cache-Control", "private, max-age=86400");
    reply_raw(r, 200, ctype, &img);
    return 0;
}

int h_helper_add(req *r) {
    int64_t cadre;
    const char *unit, *start, *end = NULL;
    if (jx_int(r->json, "cadre_id", JX_REQUIRED, 1, INT64_MAX, &cadre, &r->err) < 0 ||
        jx_str(r->json, "unit", JX_REQUIRED, 100, &unit, &r->err) < 0 ||
        jx_str(r->json, "start_date", JX_REQUIRED, 10, &start, &r->err) < 0 ||
        jx_str_or_null(r->json, "end_date", 10, &end, &r->err) < 0)
        return -1;
    audit_ctx ctx = api_ctx(r);
    int64_t id, hid = req_id(r, 0);
    if (api_begin(r) || help_pair_add(r->db, &ctx, hid, cadre, unit, start, end, &id, &r->err) || api_commit(r))
        return -1;
    reply_json(r, 201, json_pack("{s:I, s:I, s:I, s:s, s:s, s:s?}", "id", (json_int_t)id, "household_id",
                                 (json_int_t)hid, "cadre_id", (json_int_t)cadre, "unit", unit, "start_date", start,
                                 "end_date", end));
    return 0;
}

int h_help_pair_end(req *r) {
    char date[11];
    date_utc(r->now, date);
    audit_ctx ctx = api_ctx(r);
    int64_t hid;
    if (api_begin(r) || help_pair_end(r->db, &ctx, req_id(r, 0), date, &hid, &r->err) || api_commit(r)) return -1;
    reply_empty(r, 204);
    return 0;
}

static json_t *visit_row(db_stmt *st, const void *ctx) {
    (void)ctx;
    return visit_row_json(st);
}

int h_visits_list(req *r) {
    db_stmt *st = db_prepare(r->db, VISIT_SELECT " WHERE v.household_id = $1 ORDER BY v.visited_at DESC, v.id DESC"
                                    " LIMIT 500", &r->err);
    if (!st) return -1;
    db_bind_int(st, 1, req_id(r, 0));
    json_t *items = db_rows(st, visit_row, NULL, &r->err);
    if (!items) return -1;
    if (visit_photos_attach(r->db, req_id(r, 0), items, &r->err)) {
        json_decref(items);
        return -1;
    }
    reply_all(r, items);
    return 0;
}

static int number_field(req *r, const char *key, double *out) {
    json_t *v = json_object_get(r->json, key);
    if (!v || json_is_null(v)) return 0;
    if (!json_is_number(v)) return fail(r, 400, "invalid_type", key);
    *out = json_number_value(v);
    return 1;
}

int h_visit_create(req *r) {
    visit_in in = {.household_id = req_id(r, 0), .cadre_id = r->who.user_id, .visited_at = r->now};
    int has_lat, has_lon, has_acc;
    if (jx_int(r->json, "visited_at", JX_OPTIONAL, 0, INT64_MAX, &in.visited_at, &r->err) < 0 ||
        jx_text(r->json, "notes", JX_REQUIRED, 2000, &in.notes, &r->err) < 0 ||
        (has_lat = number_field(r, "lat", &in.lat)) < 0 || (has_lon = number_field(r, "lon", &in.lon)) < 0 ||
        (has_acc = number_field(r, "accuracy", &in.accuracy)) < 0)
        return -1;
    if (has_lat != has_lon) return fail(r, 400, "missing_field", has_lat ? "lon" : "lat");
    if (has_acc && (!isfinite(in.accuracy) || in.accuracy < 0 || in.accuracy > 100000))
        return fail(r, 400, "invalid_value", "accuracy");
    in.has_location = has_lat;
    audit_ctx ctx = api_ctx(r);
    int64_t id;
    if (api_begin(r) || visit_record(r->db, &ctx, &in, &id, &r->err) || api_commit(r)) return -1;
    db_stmt *st = db_prepare(r->db, VISIT_SELECT " WHERE v.id = $1", &r->err);
    if (!st) return -1;
    db_bind_int(st, 1, id);
    int rc = db_step(st, &r->err);
    json_t *v = rc == 1 ? visit_row_json(st) : NULL;
    db_done(st);
    if (!v) return -1;
    json_object_set_new(v, "photos", json_array());
    reply_json(r, 201, v);
    return 0;
}

/* Households whose next visit was due before now: last visit (or registration)
** plus the household's interval. */
#define DUE_SQL \
    "SELECT id, due FROM (SELECT h.id AS id, COALESCE((SELECT MAX(v.visited_at) FROM visit v" \
    " WHERE v.household_id = h.id), h.created_at) + h.visit_interval_days * 86400 AS due" \
    " FROM household h WHERE h.status <> 'removed' AND %s) t WHERE due < $%d ORDER BY due LIMIT 2000"

typedef struct tally { int64_t id; char name[128]; int64_t n; } tally;

static void count_into(tally *t, int *n, int max, int64_t id, const char *name) {
    for (int i = 0; i < *n; i++)
        if (t[i].id == id) {
            t[i].n++;
            return;
        }
    if (*n >= max) return;
    t[*n].id = id;
    snprintf(t[*n].name, sizeof t[*n].name, "%s", name ? name : "");
    t[(*n)++].n = 1;
}

static json_t *tally_json(const tally *t, int n, const char *key) {
    json_t *arr = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(arr, json_pack("{s:I, s:s, s:I}", key, (json_int_t)t[i].id, "name", t[i].name,
                                             "overdue", (json_int_t)t[i].n));
    return arr;
}

/* Who helps a household (active pairs) and which village it is in, for the tallies. */
static int tally_household(req *r, int64_t id, tally *cadres, int *nc, tally *villages, int *nv) {
    db_stmt *st = db_prepare(r->db,
        "SELECT u.id, u.display_name FROM help_pair p JOIN app_user u ON u.id = p.cadre_id"
        " WHERE p.household_id = $1 AND p.end_date IS NULL", &r->err);
    if (!st) return -1;
    db_bind_int(st, 1, id);
    int rc;
    while ((rc = db_step(st, &r->err)) == 1) count_into(cadres, nc, 256, db_col_int(st, 0), db_col_text(st, 1));
    db_done(st);
    if (rc < 0) return -1;
    st = db_prepare(r->db,
        "SELECT CASE WHEN o.level = 'group' THEN p.id ELSE o.id END, CASE WHEN o.level = 'group' THEN p.name"
        " ELSE o.name END FROM household h JOIN org_node o ON o.id = h.org_id LEFT JOIN org_node p"
        " ON p.id = o.parent_id WHERE h.id = $1", &r->err);
    if (!st) return -1;
    db_bind_int(st, 1, id);
    rc = db_step(st, &r->err);
    if (rc == 1) count_into(villages, nv, 256, db_col_int(st, 0), db_col_text(st, 1));
    db_done(st);
    return rc < 0 ? -1 : 0;
}

int h_visits_overdue(req *r) {
    int64_t cadre;
    hh_query q;
    if (hh_query_init(r, &q) || req_query_int(r, "cadre_id", 0, INT64_MAX, 0, &cadre)) {
        hh_query_release(&q);
        return -1;
    }
    if (cadre) where_int(&q.w, " AND h.id IN (SELECT household_id FROM help_pair WHERE cadre_id = ?"
                               " AND end_date IS NULL)", cadre);
    strbuf sql = STRBUF_INIT;
    strbuf_addf(&sql, DUE_SQL, q.w.sql.buf, q.w.n + 1);
    db_stmt *st = db_prepare(r->db, sql.buf, &r->err);
    strbuf_release(&sql);
    int64_t ids[2000], dues[2000];
    int n = 0, rc = -1;
    if (st) {
        /* Overdue means due before today (UTC days): due today is not late yet. */
        db_bind_int(st, where_bind(&q.w, st), r->now - r->now % 86400);
        while (n < 2000 && (rc = db_step(st, &r->err)) == 1) {
            ids[n] = db_col_int(st, 0);
            dues[n++] = db_col_int(st, 1);
        }
        if (n == 2000) rc = 0;
        db_done(st);
    }
    hh_query_release(&q);
    if (rc < 0) return -1;
    static _Thread_local tally cadres[256], villages[256];
    int nc = 0, nv = 0;
    json_t *items = json_array();
    for (int i = 0; i < n; i++) {
        json_t *h = i < 200 ? household_get_json(r->db, ids[i], 0, &r->err) : NULL;
        if ((i < 200 && !h) || tally_household(r, ids[i], cadres, &nc, villages, &nv)) {
            json_decref(h);
            json_decref(items);
            return -1;
        }
        if (!h) continue;
        char due[11];
        date_utc(dues[i], due);
        json_array_append_new(items, json_pack("{s:o, s:s, s:I}", "household", h, "due", due, "days_overdue",
                                               (json_int_t)((r->now - r->now % 86400 - 1 - dues[i]) / 86400 + 1)));
    }
    reply_json(r, 200, json_pack("{s:o, s:I, s:o, s:o}", "items", items, "total", (json_int_t)n, "by_cadre",
                                 tally_json(cadres, nc, "cadre_id"), "by_village", tally_json(villages, nv, "org_id")));
    return 0;
}

int h_my_households(req *r) {
    db_stmt *st = db_prepare(r->db,
        "SELECT DISTINCT p.household_id, h.number FROM help_pair p JOIN household h ON h.id = p.household_id"
        " WHERE p.cadre_id = $1 AND p.end_date IS NULL ORDER BY h.number LIMIT 200", &r->err);
    if (!st) return -1;
    db_bind_int(st, 1, r->who.user_id);
    int64_t ids[200];
    int n = 0, rc;
    while (n < 200 && (rc = db_step(st, &r->err)) == 1) ids[n++] = db_col_int(st, 0);
    db_done(st);
    if (n < 200 && rc < 0) return -1;
    json_t *items = json_array();
    for (int i = 0; i < n; i++) {
        json_t *h = household_get_json(r->db, ids[i], 0, &r->err);
        if (!h) {
            json_decref(items);
            return -1;
        }
        json_array_append_new(items, h);
    }
    reply_all(r, items);
    return 0;
}
