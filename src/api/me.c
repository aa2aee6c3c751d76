/*
** me.c: self-service for any signed-in user: who am I, my password, my
** sessions, my API tokens and my two-factor sign-in.
*/
#include "api/api.h"
#include "db/db_json.h"
#include "auth/password.h"
#include "auth/session.h"
#include "auth/totp.h"
#include "core/crypto.h"
#include "core/jsonx.h"
#include "model/settings.h"
#include "model/user.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int h_me(req *r) {
    json_t *user = user_get_json(r->db, r->who.user_id, &r->err);
    if (!user) return -1;
    json_object_set_new(user, "org_path", json_string(r->who.org_path));
    int64_t home = hh_villager_household(r);
    if (home == -1) {
        json_decref(user);
        return -1;
    }
    json_object_set_new(user, "household_id", home > 0 ? json_integer(home) : json_null());
    reply_json(r, 200, json_pack("{s:o, s:s, s:b}", "user", user, "csrf", r->who.csrf,
                                 "must_enroll_totp", r->who.must_enroll));
    return 0;
}

int h_me_password(req *r) {
    const char *old, *new_pw;
    if (jx_str(r->json, "old_password", JX_REQUIRED, 256, &old, &r->err) < 0 ||
        jx_str(r->json, "new_password", JX_REQUIRED, 256, &new_pw, &r->err) < 0)
        return -1;
    if (api_reauth(r, old)) return -1;
    audit_ctx ctx = api_ctx(r);
    if (api_begin(r) || user_set_password(r->db, &ctx, r->who.user_id, new_pw, r->who.session_id, 0, &r->err) ||
        api_commit(r))
        return -1;
    reply_empty(r, 204);
    return 0;
}

/* A session row; ctx: the caller's own session id, marked current. */
static json_t *session_row(db_stmt *st, const void *ctx) {
    int64_t id = db_col_int(st, 0);
    return json_pack("{s:I, s:I, s:I, s:s?, s:s?, s:b}", "id", (json_int_t)id, "created_at",
                     (json_int_t)db_col_int(st, 1), "last_seen_at", (json_int_t)db_col_int(st, 2), "ip",
                     db_col_text(st, 3), "user_agent", db_col_text(st, 4), "current", id == *(const int64_t *)ctx);
}

static json_t *token_row(db_stmt *st, const void *ctx) {
    (void)ctx;
    json_t *t = json_pack("{s:I, s:s, s:I}", "id", (json_int_t)db_col_int(st, 0), "name", db_col_text(st, 1),
                          "created_at", (json_int_t)db_col_int(st, 2));
    if (t) json_object_set_new(t, "last_used_at", db_col_json(st, 3, 'i'));
    return t;
}

int h_me_sessions(req *r) {
    db_stmt *st = db_prepare(r->db,
        "SELECT id, created_at, last_seen_at, ip, user_agent FROM user_session"
        " WHERE user_id = $1 AND last_seen_at >= $2 ORDER BY last_seen_at DESC, id DESC", &r->err);
    if (!st) return -1;
    db_bind_int(st, 1, r->who.user_id);
    db_bind_int(st, 2, r->now - session_idle_limit());
    json_t *items = db_rows(st, session_row, &r->who.session_id, &r->err);
    if (!items) return -1;
    reply_all(r, items);
    return 0;
}

/* Delete one of my rows from a table (session or token) and audit it. */
static int delete_mine(req *r, const char *sql, const char *action, const char *entity) {
    audit_ctx ctx = api_ctx(r);
    int64_t id = req_id(r, 0);
    if (api_begin(r)) return -1;
    db_stmt *st = db_prepare(r->db, sql, &r->err);
    if (!st) return -1;
    db_bind_int(st, 1, id);
    db_bind_int(st, 2, r->who.user_id);
    int64_t n = db_run(st, &r->err);
    if (n < 0) return -1;
    if (n == 0) return fail(r, 404, "not_found", entity);
    if (audit_append_id(r->db, &ctx, action, entity, id, NULL, NULL, &r->err) || api_commit(r)) return -1;
    reply_empty(r, 204);
    return 0;
}

int h_me_session_delete(req *r) {
    return delete_mine(r, "DELETE FROM user_session WHERE id = $1 AND user_id = $2", "session.revoke",
                       "session");
}

int h_me_tokens(req *r) {
    db_stmt *st = db_prepare(r->db,
        "SELECT id, name, created_at, last_used_at FROM api_token WHERE user_id = $1 ORDER BY id", &r->err);
    if (!st) return -1;
    db_bind_int(st, 1, r->who.user_id);
    json_t *items = db_rows(st, token_row, NULL, &r->err);
    if (!items) return -1;
    reply_all(r, items);
    return 0;
}

int h_me_token_create(req *r) {
    const char *name;
    if (jx_str(r->json, "name", JX_REQUIRED, 64, &name, &r->err) < 0) return -1;
    char token[80], h[65];
    token_new(TOKEN_PREFIX, token, sizeof token);
    token_hash(token, h);
    audit_ctx ctx = api_ctx(r);
    if (api_begin(r)) return -1;
    db_stmt *st = db_prepare(r->db,
        "INSERT INTO api_token (token_hash, user_id, name, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        &r->err);
    if (!st) return -1;
    db_bind_text(st, 1, h);
    db_bind_int(st, 2, r->who.user_id);
    db_bind_text(st, 3, name);
    db_bind_int(st, 4, r->now);
    int rc = db_step(st, &r->err);
    int64_t id = rc == 1 ? db_col_int(st, 0) : 0;
    db_done(st);
    if (rc != 1) return -1;
    json_t *after = json_pack("{s:s}", "name", name);
    rc = audit_append_id(r->db, &ctx, "token.create", "token", id, NULL, after, &r->err);
    json_decref(after);
    if (rc || api_commit(r)) return -1;
    reply_json(r, 201, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "name", name, "token", token));
    return 0;
}

int h_me_token_delete(req *r) {
    return delete_mine(r, "DELETE FROM api_token WHERE id = $1 AND user_id = $2", "token.revoke", "token");
}

int h_me_totp_begin(req *r) {
    char secret[64];
    if (totp_new_secret(secret)) return fail(r, 500, "internal", "totp");
    char *enc = pii_encrypt(secret);
    audit_ctx ctx = api_ctx(r);
    int rc = api_begin(r);
    db_stmt *st = rc ? NULL : db_prepare(r->db,
        "UPDATE app_user SET totp_secret_enc = $1 WHERE id = $2 AND totp_enabled = 0", &r->err);
    if (st) {
        db_bind_text(st, 1, enc);
        db_bind_int(st, 2, r->who.user_id);
        rc = db_step(st, &r->err) < 0 ? -1 : 0;
        /* Replacing an active secret would let a stolen session silence 2FA. */
        if (!rc && db_changes(st) == 0) rc = fail(r, 409, "conflict", "totp");
        db_done(st);
    } else {
        rc = -1;
    }
    free(enc);
    if (rc || audit_append_id(r->db, &ctx, "totp.begin", "user", r->who.user_id, NULL, NULL, &r->err) ||
        api_commit(r))
        return -1;
    char uri[256];
    snprintf(uri, sizeof uri, "otpauth://totp/xiangcun:%s?secret=%s&issuer=xiangcun&digits=6&period=30",
             r->who.login, secret);
    reply_json(r, 200, json_pack("{s:s, s:s}", "secret", secret, "uri", uri));
    return 0;
}

int h_me_totp_confirm(req *r) {
    const char *code;
    if (jx_str(r->json, "code", JX_REQUIRED, 16, &code, &r->err) < 0) return -1;
    db_stmt *st = db_prepare(r->db, "SELECT totp_secret_enc, totp_last_step FROM app_user WHERE id = $1",
                             &r->err);
    if (!st) return -1;
    db_bind_int(st, 1, r->who.user_id);
    int rc = db_step(st, &r->err);
    strbuf secret = STRBUF_INIT;
    int64_t step = -1;
    if (rc == 1 && !db_col_isnull(st, 0) && pii_decrypt(db_col_text(st, 0), &secret) == 0)
        step = totp_check(secret.buf, code, r->now, db_col_int(st, 1));
    db_done(st);
    strbuf_release(&secret);
    if (rc < 0) return -1;
    if (step < 0) return fail(r, 400, "otp_invalid", NULL);
    audit_ctx ctx = api_ctx(r);
    if (api_begin(r)) return -1;
    st = db_prepare(r->db, "UPDATE app_user SET totp_enabled = 1, totp_last_step = $1 WHERE id = $2", &r->err);
    if (!st) return -1;
    db_bind_int(st, 1, step);
    db_bind_int(st, 2, r->who.user_id);
    rc = db_step(st, &r->err);
    db_done(st);
    if (rc < 0 || db_run_id(r->db, "UPDATE user_session SET must_enroll = 0 WHERE user_id = $1",
                            r->who.user_id, &r->err) < 0)
        return -1;
    if (audit_append_id(r->db, &ctx, "totp.enable", "user", r->who.user_id, NULL, NULL, &r->err) ||
        api_commit(r))
        return -1;
    reply_empty(r, 204);
    return 0;
}

int h_me_totp_disable(req *r) {
    const char *password;
    if (jx_str(r->json, "password", JX_REQUIRED, 256, &password, &r->err) < 0) return -1;
    if (api_reauth(r, password)) return -1;
    int required = setting_totp_required(r->db, r->who.role, &r->err);
    if (required < 0) return -1;
    if (required) return fail(r, 403, "forbidden", NULL);
    audit_ctx ctx = api_ctx(r);
    if (api_begin(r) ||
        db_run_id(r->db, "UPDATE app_user SET totp_enabled = 0, totp_secret_enc = NULL WHERE id = $1",
                  r->who.user_id, &r->err) < 0 ||
        audit_append_id(r->db, &ctx, "totp.disable", "user", r->who.user_id, NULL, NULL, &r->err) ||
        api_commit(r))
        return -1;
    reply_empty(r, 204);
    return 0;
}
