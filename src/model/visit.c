/* visit.c: help pairs and follow-up visits (see visit.h). */
#include "model/visit.h"
#include "db/db_json.h"
#include "core/date.h"
#include "core/geo.h"
#include "core/strbuf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int help_pair_add(db *d, const audit_ctx *ctx, int64_t household_id, int64_t cadre_id, const char *unit,
                  const char *start_date, const char *end_date, int64_t *id_out, xerr *e) {
    if (!date_valid(start_date)) return xerr_set(e, 400, "invalid_value", "%s", "start_date");
    if (end_date && (!date_valid(end_date) || strcmp(end_date, start_date) < 0))
        return xerr_set(e, 400, "invalid_value", "%s", "end_date");
    db_stmt *st = db_prepare(d, "SELECT role FROM app_user WHERE id = $1 AND disabled = 0", e);
    if (!st) return -1;
    db_bind_int(st, 1, cadre_id);
    int rc = db_step(st, e);
    int ok = rc == 1 && strcmp(db_col_text(st, 0), "villager") && strcmp(db_col_text(st, 0), "auditor");
    db_done(st);
    if (rc < 0) return -1;
    if (!ok) return xerr_set(e, 400, "invalid_value", "%s", "cadre_id");
    st = db_prepare(d,
        "INSERT INTO help_pair (household_id, cadre_id, unit, start_date, end_date, created_at)"
        " VALUES ($1, $2, $3, $4, $5, $6) RETURNING id", e);
    if (!st) return -1;
    db_bind_int(st, 1, household_id);
    db_bind_int(st, 2, cadre_id);
    db_bind_text(st, 3, unit);
    db_bind_text(st, 4, start_date);
    db_bind_text(st, 5, end_date);
    db_bind_int(st, 6, ctx->now);
    rc = db_step(st, e);
    *id_out = rc == 1 ? db_col_int(st, 0) : 0;
    db_done(st);
    if (rc != 1) return -1;
    json_t *after = json_pack("{s:I, s:I, s:s, s:s, s:s?}", "help_pair_id", (json_int_t)*id_out, "cadre_id",
                              (json_int_t)cadre_id, "unit", unit, "start_date", start_date, "end_date", end_date);
    rc = audit_append_id(d, ctx, "help.assign", "household", household_id, NULL, after, e);
    json_decref(after);
    return rc;
}

int help_pair_end(db *d, const audit_ctx *ctx, int64_t id, const char *date, int64_t *household_out, xerr *e) {
    db_stmt *st = db_prepare(d,
        "UPDATE help_pair SET end_date = $1 WHERE id = $2 AND end_date IS NULL RETURNING household_id, cadre_id", e);
    if (!st) return -1;
    db_bind_text(st, 1, date);
    db_bind_int(st, 2, id);
    int rc = db_step(st, e);
    int64_t hh = rc == 1 ? db_col_int(st, 0) : 0, cadre = rc == 1 ? db_col_int(st, 1) : 0;
    db_done(st);
    if (rc < 0) return -1;
    if (rc == 0) return xerr_set(e, 404, "not_found", "%s", "help_pair");
    *household_out = hh;
    json_t *after = json_pack("{s:I, s:I, s:s}", "help_pair_id", (json_int_t)id, "cadre_id", (json_int_t)cadre,
                              "end_date", date);
    rc = audit_append_id(d, ctx, "help.end", "household", hh, NULL, after, e);
    json_decref(after);
    return rc;
}

static double max_distance(db *d, xerr *e) {
    db_stmt *st = db_prepare(d, "SELECT value FROM setting WHERE key = 'visit_max_distance_m'", e);
    if (!st) return -1;
    int rc = db_step(st, e);
    double v = rc == 1 ? atof(db_col_text(st, 0)) : VISIT_DEFAULT_MAX_M;
    db_done(st);
    return rc < 0 ? -1 : (v > 0 ? v : VISIT_DEFAULT_MAX_M);
}

int visit_record(db *d, const audit_ctx *ctx, const visit_in *in, int64_t *id_out, xerr *e) {
    if (in->has_location && !geo_plausible(in->lat, in->lon))
        return xerr_set(e, 400, "invalid_value", "%s", "lat");
    if (in->visited_at < ctx->now - 366 * 86400 || in->visited_at > ctx->now + 600)
        return xerr_set(e, 400, "invalid_value", "%s", "visited_at");
    db_stmt *st = db_prepare(d, "SELECT lat, lon FROM household WHERE id = $1", e);
    if (!st) return -1;
    db_bind_int(st, 1, in->household_id);
    int rc = db_step(st, e);
    int home = rc == 1 && !db_col_isnull(st, 0) && !db_col_isnull(st, 1);
    double hlat = home ? db_col_double(st, 0) : 0, hlon = home ? db_col_double(st, 1) : 0;
    db_done(st);
    if (rc < 0) return -1;
    if (rc == 0) return xerr_set(e, 404, "not_found", "%s", "household");
    double limit = max_distance(d, e);
    if (limit < 0) return -1;
    int measured = home && in->has_location;
    double dist = measured ? geo_distance_m(hlat, hlon, in->lat, in->lon) : 0;
    /* A visit with no position cannot show where it was made: flagged as well. */
    int flagged = !in->has_location || (measured && dist > limit);
    st = db_prepare(d,
        "INSERT INTO visit (household_id, cadre_id, visited_at, lat, lon, accuracy, distance_m, flagged, notes,"
        " created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id", e);
    if (!st) return -1;
    db_bind_int(st, 1, in->household_id);
    db_bind_int(st, 2, in->cadre_id);
    db_bind_int(st, 3, in->visited_at);
    if (in->has_location) {
        db_bind_double(st, 4, in->lat);
        db_bind_double(st, 5, in->lon);
        db_bind_double(st, 6, in->accuracy);
    } else {
        db_bind_null(st, 4);
        db_bind_null(st, 5);
        db_bind_null(st, 6);
    }
    if (measured) db_bind_double(st, 7, dist);
    else db_bind_null(st, 7);
    db_bind_int(st, 8, flagged);
    db_bind_text(st, 9, in->notes ? in->notes : "");
    db_bind_int(st, 10, ctx->now);
    rc = db_step(st, e);
    *id_out = rc == 1 ? db_col_int(st, 0) : 0;
    db_done(st);
    if (rc != 1) return -1;
    /* The visit point is a location track: the audit keeps the distance, not the point. */
    json_t *after = json_pack("{s:I, s:I, s:b}", "visit_id", (json_int_t)*id_out, "visited_at",
                              (json_int_t)in->visited_at, "flagged", flagged);
    json_object_set_new(after, "distance_m", measured ? json_integer((json_int_t)dist) : json_null());
    rc = audit_append_id(d, ctx, "visit.record", "household", in->household_id, NULL, after, e);
    json_decref(after);
    return rc;
}

json_t *visit_row_json(db_stmt *st) {
    json_t *j = json_pack("{s:I, s:I, s:I, s:s, s:I, s:b, s:s}", "id", (json_int_t)db_col_int(st, 0),
                          "household_id", (json_int_t)db_col_int(st, 1), "cadre_id", (json_int_t)db_col_int(st, 2),
                          "cadre_name", db_col_text(st, 3), "visited_at", (json_int_t)db_col_int(st, 4),
                          "flagged", (int)db_col_int(st, 9), "notes", db_col_text(st, 10));
    json_object_set_new(j, "lat", db_col_json(st, 5, 'r'));
    json_object_set_new(j, "lon", db_col_json(st, 6, 'r'));
    json_object_set_new(j, "accuracy", db_col_json(st, 7, 'r'));
    json_object_set_new(j, "distance_m", db_col_json(st, 8, 'r'));
    return j;
}

/* ---- photos ---------------------------------------------------------------- */

json_t *visit_photo_ref(int64_t id) {
    char url[64];
    snprintf(url, sizeof url, "/api/v1/visit-photos/%lld", (long long)id);
    return json_pack("{s:I, s:s}", "id", (json_int_t)id, "url", url);
}

static int photo_insert(db *d, int64_t visit_id, const photo_blob *b, int64_t actor, int64_t now,
                        int64_t *id_out, xerr *e) {
    db_stmt *st = db_prepare(d,
        "INSERT INTO visit_photo (visit_id, content_type, bytes, sha256, data, created_by, created_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id", e);
    if (!st) return -1;
    db_bind_int(st, 1, visit_id);
    db_bind_text(st, 2, b->ctype);
    db_bind_int(st, 3, (int64_t)b->bytes);
    db_bind_text(st, 4, b->sha256);
    db_bind_text(st, 5, b->b64);
    db_bind_int(st, 6, actor);
    db_bind_int(st, 7, now);
    int rc = db_step(st, e);
    *id_out = rc == 1 ? db_col_int(st, 0) : 0;
    db_done(st);
    return rc == 1 ? 0 : -1;
}

int visit_photo_add(db *d, const audit_ctx *ctx, int64_t visit_id, int64_t household_id,
                    const unsigned char *data, size_t len, int64_t *id_out, const char **ctype_out, xerr *e) {
    photo_blob b;
    if (photo_prepare(data, len, &b, e)) return -1;
    int rc = photo_insert(d, visit_id, &b, ctx->actor_id, ctx->now, id_out, e);
    json_t *after = rc ? NULL : json_pack("{s:I, s:I, s:s, s:I, s:s}", "photo_id", (json_int_t)*id_out, "visit_id",
                                          (json_int_t)visit_id, "content_type", b.ctype, "bytes", (json_int_t)len,
                                          "sha256", b.sha256);
    if (!rc) rc = audit_append_id(d, ctx, "visit.photo", "household", household_id, NULL, after, e);
    json_decref(after);
    *ctype_out = b.ctype;
    photo_blob_release(&b);
    return rc;
}

static json_t *visit_by_id(json_t *items, int64_t id) {
    size_t i;
    json_t *v;
    json_array_foreach(items, i, v)
        if (json_integer_value(json_object_get(v, "id")) == id) return v;
    return NULL;
}

int visit_photos_attach(db *d, int64_t household_id, json_t *items, xerr *e) {
    size_t i;
    json_t *v;
    json_array_foreach(items, i, v) json_object_set_new(v, "photos", json_array());
    db_stmt *st = db_prepare(d,
        "SELECT p.id, p.visit_id FROM visit_photo p JOIN visit v ON v.id = p.visit_id"
        " WHERE v.household_id = $1 ORDER BY p.id", e);
    if (!st) return -1;
    db_bind_int(st, 1, household_id);
    int rc;
    while ((rc = db_step(st, e)) == 1) {
        json_t *visit = visit_by_id(items, db_col_int(st, 1));
        if (visit) json_array_append_new(json_object_get(visit, "photos"), visit_photo_ref(db_col_int(st, 0)));
    }
    db_done(st);
    return rc < 0 ? -1 : 0;
}
