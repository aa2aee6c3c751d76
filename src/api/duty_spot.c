/*
** duty_spot.c: spot checks (约请) over HTTP: a supervisor asks named
** secretaries, or N picked at random under a node, to share their location
** by a deadline; the list (a secretary sees their own); cancelling an open
** one; and GET /api/v1/events, the live event stream that brings a spot
** check to the secretary's open page at once (http/sse.c).
*/
#include "api/api.h"
#include "core/jsonx.h"
#include "duty/duty.h"
#include "duty/spot.h"
#include "http/sse.h"

#include <sodium.h>
#include <string.h>

#define MAX_TARGETS 50
#define MAX_CANDIDATES 5000

static const char *const STATUSES[] = {"open", "ok", "late", "outside", "no_answer", "cancelled", NULL};

int h_events(req *r) { return sse_subscribe(r); }

int scope_spot_check_param(req *r) {
    return duty_scope_record(r, "SELECT s.user_id, o.path FROM spot_check s JOIN org_node o ON o.id = s.org_id"
                                " WHERE s.id = $1", "spot_check");
}

/* ---- the list ---- */

static json_t *spot_row(db_stmt *st, const void *ctx) {
    (void)ctx;
    return spot_row_json(st);
}

int h_spot_checks_list(req *r) {
    int64_t page, per_page, user_id;
    char path[256], lo[256], hi[256];
    if (req_paging(r, &page, &per_page) || req_query_int(r, "user_id", 1, INT64_MAX, 0, &user_id) ||
        api_list_path(r, path))
        return -1;
    const char *status = req_query(r, "status");
    if (status && *status && !str_in_list(STATUSES, status)) return fail(r, 400, "invalid_value", "status");
    scope_range(path, lo, hi);
    where w = {STRBUF_INIT, 0, {0}, {0}, {0}};
    where_text(&w, "o.path >= ?", lo);
    where_text(&w, " AND o.path < ?", hi);
    if (duty_self_only(r)) where_int(&w, " AND s.user_id = ?", r->who.user_id);
    if (user_id) where_int(&w, " AND s.user_id = ?", user_id);
    if (status && *status) where_text(&w, " AND s.status = ?", status);
    int64_t total = api_count(r, SPOT_FROM, &w);
    json_t *items = total < 0 ? NULL
                              : api_page(r, "SELECT " SPOT_COLUMNS " FROM " SPOT_FROM, &w,
                                         "s.requested_at DESC, s.id DESC", page, per_page, spot_row, NULL);
    where_release(&w);
    if (!items) return -1;
    reply_list(r, items, total, page, per_page);
    return 0;
}

/* ---- creating ---- */

/* Check that user_id is an enabled secretary (400) inside the caller's subtree
** (403) without an open spot check (409). */
static int check_target(req *r, int64_t user_id) {
    db_stmt *st = db_prepare(r->db,
        "SELECT o.path, (SELECT COUNT(*) FROM spot_check s WHERE s.user_id = u.id AND s.status = 'open')"
        " FROM app_user u JOIN org_node o ON o.id = u.org_id"
        " WHERE u.id = $1 AND u.role = 'secretary' AND u.disabled = 0", &r->err);
    if (!st) return -1;
    db_bind_int(st, 1, user_id);
    int rc = db_step(st, &r->err), out = 0;
    if (rc < 0) out = -1;
    else if (rc == 0) out = fail(r, 400, "invalid_value", "user_ids");
    else if (!req_in_scope(r, db_col_text(st, 0))) out = fail(r, 403, "out_of_scope", NULL);
    else if (db_col_int(st, 1) > 0) out = fail(r, 409, "spot_check_open", NULL);
    db_done(st);
    return out;
}

/* The named targets: 1..MAX_TARGETS distinct positive ids (checked one by
** one as they are asked: a bad one fails the whole request). */
static int named_targets(req *r, json_t *arr, int64_t *ids, int *n) {
    if (!json_is_array(arr)) return fail(r, 400, "invalid_type", "user_ids");
    size_t count = json_array_size(arr), i;
    if (count == 0 || count > MAX_TARGETS) return fail(r, 400, "invalid_value", "user_ids");
    json_t *v;
    json_array_foreach(arr, i, v) {
        if (!json_is_integer(v)) return fail(r, 400, "invalid_type", "user_ids");
        ids[i] = json_integer_value(v);
        if (ids[i] < 1) return fail(r, 400, "invalid_value", "user_ids");
        for (size_t j = 0; j < i; j++)
            if (ids[j] == ids[i]) return fail(r, 400, "invalid_value", "user_ids");
    }
    *n = (int)count;
    return 0;
}

/* count secretaries picked at random under node org_id: enabled, without an
** open spot check, not on approved leave or a trip today. */
static int random_targets(req *r, int64_t org_id, int64_t count, const duty_settings *s, int64_t *ids, int *n) {
    if (req_check_org(r, org_id)) return -1;
    db_stmt *st = db_prepare(r->db, "SELECT path FROM org_node WHERE id = $1", &r->err);
    if (!st) return -1;
    db_bind_int(st, 1, org_id);
    char lo[256], hi[256];
    int rc = db_step(st, &r->err);
    if (rc == 1) scope_range(db_col_text(st, 0), lo, hi);
    db_done(st);
    if (rc != 1) return -1;
    st = db_prepare(r->db,
        "SELECT u.id FROM app_user u JOIN org_node o ON o.id = u.org_id WHERE u.role = 'secretary'"
        " AND u.disabled = 0 AND o.path >= $1 AND o.path < $2 AND NOT EXISTS (SELECT 1 FROM spot_check s"
        " WHERE s.user_id = u.id AND s.status = 'open') ORDER BY u.id LIMIT $3", &r->err);
    if (!st) return -1;
    db_bind_text(st, 1, lo);
    db_bind_text(st, 2, hi);
    db_bind_int(st, 3, MAX_CANDIDATES);
    static _Thread_local int64_t pool[MAX_CANDIDATES];
    int have = 0;
    while (have < MAX_CANDIDATES && (rc = db_step(st, &r->err)) == 1) pool[have++] = db_col_int(st, 0);
    db_done(st);
    if (rc < 0) return -1;
    char today[11];
    duty_local_day(s, r->now, today);
    *n = 0;
    /* A partial Fisher-Yates shuffle, skipping the excused. */
    for (int i = 0; i < have && *n < count; i++) {
        int j = i + (int)randombytes_uniform((uint32_t)(have - i));
        int64_t t = pool[i];
        pool[i] = pool[j];
        pool[j] = t;
        int excused = duty_excused(r->db, pool[i], today, &r->err);
        if (excused < 0) return -1;
        if (!excused) ids[(*n)++] = pool[i];
    }
    return *n ? 0 : fail(r, 400, "spot_no_secretaries", NULL);
}

/* Ask one secretary (a named one checked first); the new id, -1 on error. */
static int64_t ask_one(req *r, const audit_ctx *ctx, int64_t user_id, int named, int64_t deadline, const char *note) {
    if (named && check_target(r, user_id)) return -1;
    return spot_create(r->db, ctx, user_id, deadline, note, &r->err);
}

/* Who the request names: {user_ids:[...]} or {town_id, count}. */
static int targets(req *r, const duty_settings *s, int64_t *ids, int *n, int *named_out) {
    json_t *named = json_object_get(r->json, "user_ids");
    int64_t town = 0, count = 1;
    int has_town = jx_int(r->json, "town_id", JX_OPTIONAL, 1, INT64_MAX, &town, &r->err), has_count;
    if (has_town < 0 || (has_count = jx_int(r->json, "count", JX_OPTIONAL, 1, MAX_TARGETS, &count, &r->err)) < 0)
        return -1;
    if (named && has_town) return fail(r, 400, "invalid_value", "town_id");
    if (has_count && !has_town) return fail(r, 400, "invalid_value", "count");
    *named_out = named != NULL;
    if (named) return named_targets(r, named, ids, n);
    if (!has_town) return fail(r, 400, "missing_field", "user_ids");
    return random_targets(r, town, count, s, ids, n);
}

int h_spot_check_create(req *r) {
    duty_settings s;
    int64_t minutes = 0, ids[MAX_TARGETS];
    const char *note = NULL;
    int n = 0, named = 0;
    if (duty_settings_load(r->db, &s, &r->err)) return -1;
    if (jx_int(r->json, "deadline_minutes", JX_OPTIONAL, 1, 240, &minutes, &r->err) < 0 ||
        jx_text(r->json, "note", JX_OPTIONAL, 500, &note, &r->err) < 0)
        return -1;
    if (!minutes) minutes = s.spot_deadline_min;   /* the county default */
    if (note && !*note) note = NULL;
    audit_ctx ctx = api_ctx(r);
    if (api_begin(r) || targets(r, &s, ids, &n, &named)) return -1;
    json_t *items = json_array();
    for (int i = 0; i < n; i++) {
        int64_t id = ask_one(r, &ctx, ids[i], named, r->now + minutes * 60, note);
        json_t *o = id > 0 ? spot_get_json(r->db, id, &r->err) : NULL;
        if (!o) {
            json_decref(items);
            return -1;
        }
        json_array_append_new(items, o);
    }
    return api_commit_reply(r, 201, json_pack("{s:o}", "items", items));
}

int h_spot_check_cancel(req *r) {
    audit_ctx ctx = api_ctx(r);
    int64_t id = req_id(r, 0);
    if (api_begin(r) || spot_cancel(r->db, &ctx, id, &r->err)) return -1;
    return api_commit_reply(r, 200, spot_get_json(r->db, id, &r->err));
}
