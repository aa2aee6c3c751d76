/* users.c: user administration over HTTP (model in model/user.c). */
#include "api/api.h"
#include "core/crypto.h"
#include "core/jsonx.h"
#include "model/user.h"

#include <string.h>

static json_t *user_row(db_stmt *st, const void *ctx) {
    (void)ctx;
    return user_row_json(st);
}

int h_users_list(req *r) {
    int64_t page, per_page;
    char path[256], lo[256], hi[256];
    if (req_paging(r, &page, &per_page) || api_list_path(r, path)) return -1;
    const char *role = req_query(r, "role"), *q = req_query(r, "q"), *phone = req_query(r, "phone");
    if (q && strlen(q) > 100) return fail(r, 400, "too_long", "q");
    scope_range(path, lo, hi);
    strbuf like = STRBUF_INIT;
    /* The subtree is a range of the org path index; the users come from app_user_org. */
    where w = {STRBUF_INIT, 0, {0}, {0}, {0}};
    where_text(&w, "u.org_id IN (SELECT id FROM org_node WHERE path >= ?", lo);
    where_text(&w, " AND path < ?)", hi);
    if (role && *role) where_text(&w, " AND u.role = ?", role);
    if (q && *q) {
        api_like_pattern(q, &like);
        where_text(&w, " AND (u.login LIKE ? ESCAPE '\\' OR u.display_name LIKE ? ESCAPE '\\')", like.buf);
    }
    char bidx[65];
    if (phone && *phone) {
        /* Exact lookup through the blind index: the phones themselves stay sealed. */
        pii_blind_index(phone, bidx);
        where_text(&w, " AND u.phone_bidx = ?", bidx);
    }
    int64_t total = api_count(r, "app_user u", &w);
    json_t *items = total < 0 ? NULL : api_page(r, USER_SELECT, &w, "u.id", page, per_page, user_row, NULL);
    where_release(&w);
    strbuf_release(&like);
    if (!items) return -1;
    reply_list(r, items, total, page, per_page);
    return 0;
}

int h_user_get(req *r) {
    json_t *u = user_get_json(r->db, req_id(r, 0), &r->err);
    if (!u) return -1;
    reply_json(r, 200, u);
    return 0;
}

/* Commit and answer with the user as stored. */
static int commit_reply_user(req *r, int status, int64_t id) {
    return api_commit_reply(r, status, user_get_json(r->db, id, &r->err));
}

int h_user_create(req *r) {
    user_input in = {0};
    if (jx_str(r->json, "login", JX_REQUIRED, 64, &in.login, &r->err) < 0 ||
        jx_str(r->json, "display_name", JX_REQUIRED, 100, &in.display_name, &r->err) < 0 ||
        jx_enum(r->json, "role", JX_REQUIRED, USER_ROLES, &in.role, &r->err) < 0 ||
        jx_str(r->json, "password", JX_REQUIRED, 256, &in.password, &r->err) < 0 ||
        jx_str_or_null(r->json, "phone", 32, &in.phone, &r->err) < 0 ||
        jx_int(r->json, "org_id", JX_REQUIRED, 1, INT64_MAX, &in.org_id, &r->err) < 0)
        return -1;
    audit_ctx ctx = api_ctx(r);
    int64_t id;
    if (api_begin(r) || user_create(r->db, &ctx, &in, &id, &r->err)) return -1;
    return commit_reply_user(r, 201, id);
}

int h_user_update(req *r) {
    const char *name = NULL, *role = NULL, *phone = NULL;
    int64_t org_id = 0;
    int disabled = -1, has_phone;
    if (jx_str(r->json, "display_name", JX_OPTIONAL, 100, &name, &r->err) < 0 ||
        jx_enum(r->json, "role", JX_OPTIONAL, USER_ROLES, &role, &r->err) < 0 ||
        jx_int(r->json, "org_id", JX_OPTIONAL, 1, INT64_MAX, &org_id, &r->err) < 0 ||
        jx_bool(r->json, "disabled", JX_OPTIONAL, &disabled, &r->err) < 0 ||
        (has_phone = jx_str_or_null(r->json, "phone", 32, &phone, &r->err)) < 0)
        return -1;
    if (has_phone && !phone) phone = "";   /* null clears the phone */
    if (org_id && req_check_org(r, org_id)) return -1;
    int64_t id = req_id(r, 0);
    if (id == r->who.user_id && (disabled == 1 || (role && strcmp(role, r->who.role))))
        return fail(r, 403, "forbidden", NULL);   /* no locking yourself out */
    audit_ctx ctx = api_ctx(r);
    if (api_begin(r) || user_update(r->db, &ctx, id, name, role, org_id, phone, disabled, &r->err)) return -1;
    return commit_reply_user(r, 200, id);
}

int h_user_password(req *r) {
    const char *pw;
    if (jx_str(r->json, "password", JX_REQUIRED, 256, &pw, &r->err) < 0) return -1;
    audit_ctx ctx = api_ctx(r);
    if (api_begin(r) || user_set_password(r->db, &ctx, req_id(r, 0), pw, 0, 1, &r->err) || api_commit(r))
        return -1;
    reply_empty(r, 204);
    return 0;
}

int h_user_reveal(req *r) {
    const char *pw;
    if (jx_str(r->json, "password", JX_REQUIRED, 256, &pw, &r->err) < 0 || api_reauth(r, pw)) return -1;
    int64_t id = req_id(r, 0);
    strbuf phone = STRBUF_INIT;
    audit_ctx ctx = api_ctx(r);
    json_t *after = json_pack("{s:s}", "field", "phone");
    int rc = user_phone_plain(r->db, id, &phone, &r->err);
    if (!rc) rc = api_begin(r);
    if (!rc) rc = audit_append_id(r->db, &ctx, "user.reveal", "user", id, NULL, after, &r->err);
    if (!rc) rc = api_commit(r);
    json_decref(after);
    if (!rc) reply_json(r, 200, json_pack("{s:s?}", "phone", phone.len ? phone.buf : NULL));
    strbuf_release(&phone);
    return rc;
}
