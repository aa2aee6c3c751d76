/*
** duty_checkins.c: check-ins (签到) over HTTP: the web button, the list of a
** secretary's points for them and their supervisors, check-in photos, the
** secretary's registered devices, and the OsmAnd / Traccar Client receiver
** (also every path of XIANGCUN_OSMAND_LISTEN). Storing a point and its flags
** is duty/checkin.c; parsing the device protocols is duty/osmand.c.
*/
#include "api/api.h"
#include "db/db_json.h"
#include "core/crypto.h"
#include "core/jsonx.h"
#include "duty/checkin.h"
#include "duty/osmand.h"
#include "model/photo.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* ---- who may see whose points ------------------------------------------------ */

/* Owner and village path of check-in (or, with photo set, check-in photo) id; 404 when none. */
static int checkin_owner(req *r, int64_t id, int photo, int64_t *user_id, char path[256]) {
    db_stmt *st = db_prepare(r->db, photo
        ? "SELECT c.user_id, o.path FROM checkin_photo p JOIN checkin c ON c.id = p.checkin_id"
          " JOIN org_node o ON o.id = c.org_id WHERE p.id = $1"
        : "SELECT c.user_id, o.path FROM checkin c JOIN org_node o ON o.id = c.org_id WHERE c.id = $1", &r->err);
    if (!st) return -1;
    db_bind_int(st, 1, id);
    int rc = db_step(st, &r->err);
    if (rc == 1) {
        *user_id = db_col_int(st, 0);
        snprintf(path, 256, "%s", db_col_text(st, 1));
    }
    db_done(st);
    if (rc < 0) return -1;
    return rc == 1 ? 0 : fail(r, 404, "not_found", photo ? "photo" : "checkin");
}

/* Photos are added by the check-in's own secretary only. */
int scope_checkin_param(req *r) {
    int64_t owner;
    char path[256];
    if (checkin_owner(r, req_id(r, 0), 0, &owner, path)) return -1;
    return owner == r->who.user_id ? 0 : fail(r, 403, "out_of_scope", NULL);
}

int scope_checkin_photo_param(req *r) {
    int64_t owner;
    char path[256];
    return checkin_owner(r, req_id(r, 0), 1, &owner, path) ? -1 : duty_may_see(r, owner, path);
}

int scope_device_param(req *r) {
    db_stmt *st = db_prepare(r->db, "SELECT user_id FROM duty_device WHERE id = $1", &r->err);
    if (!st) return -1;
    db_bind_int(st, 1, req_id(r, 0));
    int rc = db_step(st, &r->err);
    int64_t owner = rc == 1 ? db_col_int(st, 0) : 0;
    db_done(st);
    if (rc < 0) return -1;
    if (!owner) return fail(r, 404, "not_found", "device");
    return owner == r->who.user_id ? 0 : fail(r, 403, "out_of_scope", NULL);
}

/* ---- the web button ------------------------------------------------------------ */

/* An optional (or required) number field within [min, max]; NAN stays when absent. */
static int number_in(req *r, const char *key, int required, double min, double max, double *out) {
    json_t *v = json_object_get(r->json, key);
    if (!v || json_is_null(v)) return required ? fail(r, 400, "missing_field", key) : 0;
    if (!json_is_number(v)) return fail(r, 400, "invalid_type", key);
    double x = json_number_value(v);
    if (!(x >= min && x <= max)) return fail(r, 400, "invalid_value", key);
    *out = x;
    return 0;
}

static json_t *photo_ref(int64_t id) {
    char url[64];
    snprintf(url, sizeof url, "/api/v1/duty/checkin-photos/%lld", (long long)id);
    return json_pack("{s:I, s:s}", "id", (json_int_t)id, "url", url);
}

/* A queued check-in's key from the phone: 8-64 of [A-Za-z0-9_-] (a UUID fits). */
static int client_ref_valid(const char *s) {
    size_t n = strlen(s);
    return n >= 8 && n <= 64 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

static json_t *stored_by_ref(req *r, const char *client_ref);

/* The button, or a check-in the page queued without a network and sends now:
** age_s says how long ago the position was taken (by the phone's own clock,
** so a phone set to the wrong time still gives the right delay), client_ref
** makes a resend of a stored check-in answer 200 with that one. */
int h_duty_checkin_create(req *r) {
    duty_point p = {.accuracy = NAN, .altitude = NAN, .speed = NAN, .bearing = NAN, .battery = NAN,
                    .source = "web"};
    duty_settings s;
    json_t *out = NULL;
    int64_t age = 0;
    int aged;
    if (number_in(r, "lat", 1, -90, 90, &p.lat) || number_in(r, "lon", 1, -180, 180, &p.lon) ||
        number_in(r, "accuracy", 0, 0, 1e7, &p.accuracy) ||
        jx_text(r->json, "note", JX_OPTIONAL, 500, &p.note, &r->err) < 0 ||
        (aged = jx_int(r->json, "age_s", JX_OPTIONAL, 0, CHECKIN_MAX_AGE_S, &age, &r->err)) < 0 ||
        jx_str(r->json, "client_ref", JX_OPTIONAL, 64, &p.client_ref, &r->err) < 0)
        return -1;
    if (p.client_ref && !client_ref_valid(p.client_ref)) return fail(r, 400, "invalid_value", "client_ref");
    /* Like a device's time: within clock_skew_s it places the point, beyond it is flagged. */
    if (aged) p.device_time = r->now - age;
    if (duty_settings_load(r->db, &s, &r->err) || api_begin(r)) return -1;
    if (p.client_ref && (out = stored_by_ref(r, p.client_ref)) != NULL) return api_commit_reply(r, 200, out);
    if (r->err.status || checkin_store(r->db, &s, r->who.user_id, &p, r->now, &out, &r->err) < 0) return -1;
    json_object_set_new(out, "photos", json_array());
    return api_commit_reply(r, 201, out);
}

/* ---- the list -------------------------------------------------------------------- */

/* The filters of the list: whose points (user_id, checked) and which local days. */
static int list_filters(req *r, const duty_settings *s, where *w, char lo[256], char hi[256]) {
    int64_t user_id;
    char path[256];
    const char *from = req_query(r, "from"), *to = req_query(r, "to");
    if (req_query_int(r, "user_id", 1, INT64_MAX, 0, &user_id) || api_list_path(r, path) ||
        (user_id && duty_check_secretary(r, user_id)))
        return -1;
    if (duty_self_only(r)) {
        /* All of one's own points, wherever they were taken. */
        where_int(w, "c.user_id = ?", r->who.user_id);
    } else {
        /* The points taken in villages of the subtree (the secretary's village then). */
        scope_range(path, lo, hi);
        where_text(w, "c.org_id IN (SELECT id FROM org_node WHERE path >= ?", lo);
        where_text(w, " AND path < ?)", hi);
        if (user_id) where_int(w, " AND c.user_id = ?", user_id);
    }
    int64_t t0 = from ? duty_day_start(s, from) : 0, t1 = to ? duty_day_start(s, to) : 0;
    if (t0 < 0) return fail(r, 400, "invalid_value", "from");
    if (t1 < 0) return fail(r, 400, "invalid_value", "to");
    if (from) where_int(w, " AND c.at >= ?", t0);
    if (to) where_int(w, " AND c.at < ?", t1 + 86400);
    return 0;
}

static json_t *id_json(int64_t id) { return json_integer((json_int_t)id); }

/* Add key:[...] to each check-in of items: one value, made by make() from
** column 0, per row of sql, whose column 1 is a check-in id and which takes
** the range of the page's ids as $1 and $2. */
static int attach(req *r, json_t *items, int64_t lo, int64_t hi, const char *key, const char *sql,
                  json_t *(*make)(int64_t)) {
    size_t i;
    json_t *v;
    json_array_foreach(items, i, v) json_object_set_new(v, key, json_array());
    db_stmt *st = db_prepare(r->db, sql, &r->err);
    if (!st) return -1;
    db_bind_int(st, 1, lo);
    db_bind_int(st, 2, hi);
    int rc;
    while ((rc = db_step(st, &r->err)) == 1)
        json_array_foreach(items, i, v) if (json_integer_value(json_object_get(v, "id")) == db_col_int(st, 1))
            json_array_append_new(json_object_get(v, key), make(db_col_int(st, 0)));
    db_done(st);
    return rc < 0 ? -1 : 0;
}

static json_t *checkin_row(db_stmt *st, const void *ctx) {
    (void)ctx;
    return checkin_row_json(st);
}

/* A page of check-ins with their photos and the spot checks they answered. */
static json_t *page_checkins(req *r, const where *w, int64_t page, int64_t per_page) {
    json_t *items = api_page(r, CHECKIN_SELECT, w, "c.at DESC, c.id DESC", page, per_page, checkin_row, NULL);
    if (!items) return NULL;
    int64_t lo = INT64_MAX, hi = 0;
    size_t i;
    json_t *c;
    json_array_foreach(items, i, c) {
        int64_t id = json_integer_value(json_object_get(c, "id"));
        lo = id < lo ? id : lo;
        hi = id > hi ? id : hi;
    }
    /* Photos as {id, url}; the spot checks each check-in answered, as ids. */
    if (attach(r, items, lo, hi, "photos", "SELECT id, checkin_id FROM checkin_photo"
               " WHERE checkin_id >= $1 AND checkin_id <= $2 ORDER BY id", photo_ref) ||
        attach(r, items, lo, hi, "spot_checks", "SELECT id, checkin_id FROM spot_check"
               " WHERE checkin_id >= $1 AND checkin_id <= $2 ORDER BY id", id_json)) {
        json_decref(items);
        return NULL;
    }
    return items;
}

/* The caller's check-in stored under client_ref, as the list shows it; NULL
** when there is none (r->err clear) or on error. */
static json_t *stored_by_ref(req *r, const char *client_ref) {
    where w = {STRBUF_INIT, 0, {0}, {0}, {0}};
    where_int(&w, "c.user_id = ?", r->who.user_id);
    where_text(&w, " AND c.client_ref = ?", client_ref);
    json_t *items = page_checkins(r, &w, 1, 1);
    where_release(&w);
    json_t *one = json_incref(json_array_get(items, 0));
    json_decref(items);
    return one;
}

int h_duty_checkins_list(req *r) {
    int64_t page, per_page, total = -1;
    char lo[256], hi[256];
    duty_settings s;
    where w = {STRBUF_INIT, 0, {0}, {0}, {0}};
    json_t *items = NULL;
    if (!req_paging(r, &page, &per_page) && !duty_settings_load(r->db, &s, &r->err) &&
        !list_filters(r, &s, &w, lo, hi) && (total = api_count(r, "checkin c", &w)) >= 0)
        items = page_checkins(r, &w, page, per_page);
    where_release(&w);
    if (!items) return -1;
    reply_list(r, items, total, page, per_page);
    return 0;
}

/* ---- photos ------------------------------------------------------------------------ */

static int photo_insert(req *r, int64_t checkin_id, const photo_blob *b, int64_t *id) {
    db_stmt *st = db_prepare(r->db,
        "INSERT INTO checkin_photo (checkin_id, content_type, bytes, sha256, data, created_at)"
        " VALUES ($1, $2, $3, $4, $5, $6) RETURNING id", &r->err);
    if (!st) return -1;
    db_bind_int(st, 1, checkin_id);
    db_bind_text(st, 2, b->ctype);
    db_bind_int(st, 3, (int64_t)b->bytes);
    db_bind_text(st, 4, b->sha256);
    db_bind_text(st, 5, b->b64);
    db_bind_int(st, 6, r->now);
    int rc = db_step(st, &r->err);
    *id = rc == 1 ? db_col_int(st, 0) : 0;
    db_done(st);
    return rc == 1 ? 0 : -1;
}

/* The photo is audited by size and hash (never its bytes, never the position). */
int h_duty_checkin_photo_add(req *r) {
    int64_t cid = req_id(r, 0), id;
    photo_blob b;
    if (photo_prepare((const unsigned char *)r->body.buf, r->body.len, &b, &r->err)) return -1;
    audit_ctx ctx = api_ctx(r);
    int rc = api_begin(r) || photo_insert(r, cid, &b, &id) ? -1 : 0;
    json_t *after = rc ? NULL : json_pack("{s:I, s:s, s:I, s:s}", "photo_id", (json_int_t)id, "content_type",
                                          b.ctype, "bytes", (json_int_t)b.bytes, "sha256", b.sha256);
    if (!rc) rc = audit_append_id(r->db, &ctx, "duty.checkin.photo", "checkin", cid, NULL, after, &r->err);
    json_decref(after);
    json_t *out = rc ? NULL : photo_ref(id);
    if (out) {
        json_object_set_new(out, "checkin_id", json_integer((json_int_t)cid));
        json_object_set_new(out, "content_type", json_string(b.ctype));
        json_object_set_new(out, "bytes", json_integer((json_int_t)b.bytes));
    }
    photo_blob_release(&b);
    return api_commit_reply(r, 201, out);
}

int h_duty_checkin_photo_get(req *r) {
    strbuf img = STRBUF_INIT;
    const char *ctype;
    if (photo_load(r->db, "SELECT bytes, data FROM checkin_photo WHERE id = $1", req_id(r, 0), &img, &ctype,
                   &r->err)) {
        strbuf_release(&img);
        return -1;
    }
    reply_header(r, "Cache-Control", "private, max-age=86400");
    reply_raw(r, 200, ctype, &img);
    return 0;
}

/* ---- devices ------------------------------------------------------------------------ */

#define DEVICE_SELECT \
    "SELECT id, label, ident_hint, created_at, last_seen_at, revoked_at FROM duty_device"

static json_t *device_row(db_stmt *st, const void *ctx) {
    (void)ctx;
    json_t *j = json_pack("{s:I, s:s, s:s, s:I}", "id", (json_int_t)db_col_int(st, 0), "label", db_col_text(st, 1),
                          "hint", db_col_text(st, 2), "created_at", (json_int_t)db_col_int(st, 3));
    json_object_set_new(j, "last_seen_at", db_col_json(st, 4, 'i'));
    json_object_set_new(j, "revoked_at", db_col_json(st, 5, 'i'));
    return j;
}

/* The caller's devices, the revoked ones last. */
int h_duty_devices_list(req *r) {
    db_stmt *st = db_prepare(r->db, DEVICE_SELECT " WHERE user_id = $1 ORDER BY revoked_at IS NOT NULL, id DESC"
                                                  " LIMIT 200", &r->err);
    if (!st) return -1;
    db_bind_int(st, 1, r->who.user_id);
    json_t *items = db_rows(st, device_row, NULL, &r->err);
    if (!items) return -1;
    reply_all(r, items);
    return 0;
}

/* Ten random digits: easy to type into Traccar Client's "device identifier". */
static void generate_ident(char out[11]) {
    for (int i = 0; i < 10; i++) out[i] = (char)('0' + randombytes_uniform(10));
    out[10] = 0;
}

static json_t *device_get(req *r, int64_t id) {
    db_stmt *st = db_prepare(r->db, DEVICE_SELECT " WHERE id = $1", &r->err);
    if (!st) return NULL;
    db_bind_int(st, 1, id);
    json_t *j = db_step(st, &r->err) == 1 ? device_row(st, NULL) : NULL;
    db_done(st);
    return j;
}

int h_duty_device_create(req *r) {
    const char *label, *ident = NULL;
    char generated[11];
    int64_t id;
    if (jx_str(r->json, "label", JX_REQUIRED, 100, &label, &r->err) < 0 ||
        jx_str(r->json, "identifier", JX_OPTIONAL, OSMAND_IDENT_MAX, &ident, &r->err) < 0)
        return -1;
    if (ident && !osmand_ident_ok(ident)) return fail(r, 400, "invalid_value", "identifier");
    if (!ident) {
        generate_ident(generated);
        ident = generated;
    }
    audit_ctx ctx = api_ctx(r);
    if (api_begin(r) || (id = duty_device_add(r->db, &ctx, r->who.user_id, ident, label, &r->err)) < 0) return -1;
    json_t *out = device_get(r, id);
    /* Shown this once: only its hash is stored. */
    if (out) json_object_set_new(out, "identifier", json_string(ident));
    return api_commit_reply(r, 201, out);
}

/* Revoke one's own device: its reports are refused from now on (the
** identifier stays taken, so a revoked one is never accepted again). */
int h_duty_device_delete(req *r) {
    int64_t id = req_id(r, 0);
    audit_ctx ctx = api_ctx(r);
    if (api_begin(r)) return -1;
    db_stmt *st = db_prepare(r->db, "UPDATE duty_device SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
                             &r->err);
    if (!st) return -1;
    db_bind_int(st, 1, r->now);
    db_bind_int(st, 2, id);
    int64_t changed = db_run(st, &r->err);
    if (changed < 0) return -1;
    if (!changed) return fail(r, 404, "not_found", "device");
    json_t *after = json_pack("{s:I}", "device_id", (json_int_t)id);
    int rc = audit_append_id(r->db, &ctx, "duty.device.revoke", "user", r->who.user_id, NULL, after, &r->err);
    json_decref(after);
    if (rc || api_commit(r)) return -1;
    reply_empty(r, 204);
    return 0;
}

/* ---- the OsmAnd / Traccar Client receiver -------------------------------------------------- */

static const char *query_arg(void *ctx, const char *name) { return req_query(ctx, name); }

/* The active device with this identifier and its secretary; 400 "unknown_device"
** (Traccar's server also answers 400) when there is none. */
static int device_lookup(req *r, const char *ident, int64_t *device_id, int64_t *user_id) {
    char hash[65];
    pii_blind_index(ident, hash);
    db_stmt *st = db_prepare(r->db,
        "SELECT d.id, d.user_id FROM duty_device d JOIN app_user u ON u.id = d.user_id"
        " WHERE d.ident_hash = $1 AND d.revoked_at IS NULL AND u.disabled = 0 AND u.role = 'secretary'", &r->err);
    if (!st) return -1;
    db_bind_text(st, 1, hash);
    int rc = db_step(st, &r->err);
    if (rc == 1) {
        *device_id = db_col_int(st, 0);
        *user_id = db_col_int(st, 1);
    }
    db_done(st);
    if (rc < 0) return -1;
    return rc == 1 ? 0 : fail(r, 400, "unknown_device", NULL);
}

/* Answers 200 with an empty body, as Traccar's server does. */
int h_osmand(req *r) {
    osmand_report rep;
    duty_settings s;
    int64_t user_id = 0;
    if (osmand_parse(query_arg, r, req_header(r, "Content-Type"), r->body.buf ? r->body.buf : "", r->body.len, &rep,
                     &r->err) ||
        device_lookup(r, rep.ident, &rep.p.device_id, &user_id) || duty_settings_load(r->db, &s, &r->err) ||
        api_begin(r) || checkin_store(r->db, &s, user_id, &rep.p, r->now, NULL, &r->err) < 0 || api_commit(r))
        return -1;
    reply_empty(r, 200);
    return 0;
}
