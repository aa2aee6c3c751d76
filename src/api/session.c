/*
** session.c: signing in and out. Five failed attempts lock an account for 15
** minutes; a locked, disabled or unknown account costs the same argon2id
** verification as a real one, so timing does not reveal which logins exist.
*/
#include "api/api.h"
#include "auth/password.h"
#include "auth/session.h"
#include "auth/totp.h"
#include "core/crypto.h"
#include "core/jsonx.h"
#include "model/settings.h"
#include "model/user.h"

#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

#define MAX_FAILS 5
#define LOCK_SECONDS 900

typedef struct account {
    int64_t id;
    char hash[128];
    char role[16];
    int disabled, totp_enabled;
    int64_t locked_until, totp_last_step;
    char totp_enc[160];
} account;

static int load_account(req *r, const char *login, account *a) {
    db_stmt *st = db_prepare(r->db,
        "SELECT id, password_hash, role, disabled, locked_until, totp_enabled, totp_last_step,"
        " COALESCE(totp_secret_enc, '') FROM app_user WHERE login = $1", &r->err);
    if (!st) return -1;
    db_bind_text(st, 1, login);
    int rc = db_step(st, &r->err);
    if (rc == 1) {
        a->id = db_col_int(st, 0);
        snprintf(a->hash, sizeof a->hash, "%s", db_col_text(st, 1));
        snprintf(a->role, sizeof a->role, "%s", db_col_text(st, 2));
        a->disabled = (int)db_col_int(st, 3);
        a->locked_until = db_col_int(st, 4);
        a->totp_enabled = (int)db_col_int(st, 5);
        a->totp_last_step = db_col_int(st, 6);
        snprintf(a->totp_enc, sizeof a->totp_enc, "%s", db_col_text(st, 7));
    }
    db_done(st);
    return rc;   /* 1 found, 0 not, -1 error */
}

int api_auth_failed(req *r, const char *login, int64_t user_id, const char *action, const char *code) {
    audit_ctx ctx = api_ctx(r);
    int status = !strcmp(code, "account_locked") ? 423 : !strcmp(code, "reauth_failed") ? 403 : 401;
    if (api_begin(r)) return -1;
    if (user_id) {
        db_stmt *st = db_prepare(r->db,
            "UPDATE app_user SET failed_logins = CASE WHEN failed_logins + 1 >= $1 THEN 0"
            " ELSE failed_logins + 1 END,"
            " locked_until = CASE WHEN failed_logins + 1 >= $1 THEN CAST($2 AS BIGINT) ELSE locked_until END"
            " WHERE id = $3 RETURNING locked_until", &r->err);
        if (!st) return -1;
        db_bind_int(st, 1, MAX_FAILS);
        db_bind_int(st, 2, r->now + LOCK_SECONDS);
        db_bind_int(st, 3, user_id);
        int rc = db_step(st, &r->err);
        if (rc == 1 && db_col_int(st, 0) > r->now) status = 423, code = "account_locked";
        db_done(st);
        if (rc < 0) return -1;
    }
    json_t *after = json_pack("{s:s, s:s}", "login", login, "reason", code);
    int rc = audit_append(r->db, &ctx, action, "user", NULL, NULL, after, &r->err);
    json_decref(after);
    if (rc || api_commit(r)) return -1;
    return fail(r, status, code, NULL);
}

static int check_otp(req *r, const account *a, const char *otp, int64_t *step) {
    strbuf secret = STRBUF_INIT;
    int rc = pii_decrypt(a->totp_enc, &secret);
    *step = rc ? -1 : totp_check(secret.buf, otp, r->now, a->totp_last_step);
    strbuf_release(&secret);
    return *step > 0 ? 0 : -1;
}

/* The User-Agent as stored: printable ASCII, at most outlen - 1 bytes. A header
** may carry any bytes, and PostgreSQL refuses text that is not UTF-8. */
static void clean_agent(const char *agent, char *out, size_t outlen) {
    size_t n = 0;
    for (const char *p = agent ? agent : ""; *p && n + 1 < outlen; p++)
        out[n++] = *p >= 0x20 && *p < 0x7f ? *p : '?';
    out[n] = 0;
}

static int login_succeeded(req *r, const char *login, const account *a, int64_t otp_step) {
    int must_enroll = 0;
    if (!a->totp_enabled) {
        must_enroll = setting_totp_required(r->db, a->role, &r->err);
        if (must_enroll < 0) return -1;
    }
    char ua[201];
    clean_agent(req_header(r, MHD_HTTP_HEADER_USER_AGENT), ua, sizeof ua);
    char token[64], csrf[64];
    int64_t sid;
    audit_ctx ctx = api_ctx(r);
    ctx.actor_id = a->id;
    ctx.actor_login = login;
    if (api_begin(r)) return -1;
    db_stmt *st = db_prepare(r->db,
        "UPDATE app_user SET failed_logins = 0, last_login_at = $1,"
        " totp_last_step = CASE WHEN CAST($2 AS BIGINT) > 0 THEN CAST($2 AS BIGINT) ELSE totp_last_step END"
        " WHERE id = $3 AND (CAST($2 AS BIGINT) <= 0 OR totp_last_step < CAST($2 AS BIGINT))", &r->err);
    if (!st) return -1;
    db_bind_int(st, 1, r->now);
    db_bind_int(st, 2, otp_step);
    db_bind_int(st, 3, a->id);
    int64_t changed = db_run(st, &r->err);
    if (changed < 0) return -1;
    if (changed == 0) {   /* a concurrent sign-in used this code first: a replay */
        db_rollback(r->db);
        return api_auth_failed(r, login, a->id, "session.login_failed", "otp_invalid");
    }
    if (session_create(r->db, a->id, must_enroll, r->ip, ua, r->now, token, csrf, &sid, &r->err)) return -1;
    if (audit_append_id(r->db, &ctx, "session.login", "user", a->id, NULL, NULL, &r->err) || api_commit(r))
        return -1;
    json_t *user = user_get_json(r->db, a->id, &r->err);
    if (!user) return -1;
    char cookie[200];
    session_cookie(cookie, sizeof cookie, token, r->secure);
    reply_header(r, MHD_HTTP_HEADER_SET_COOKIE, cookie);
    reply_json(r, 200, json_pack("{s:o, s:s, s:b}", "user", user, "csrf", csrf, "must_enroll_totp", must_enroll));
    return 0;
}

int h_login(req *r) {
    const char *login, *password, *otp = NULL;
    if (jx_str(r->json, "login", JX_REQUIRED, 64, &login, &r->err) < 0 ||
        jx_str(r->json, "password", JX_REQUIRED, 256, &password, &r->err) < 0 ||
        jx_str(r->json, "otp", JX_OPTIONAL, 16, &otp, &r->err) < 0)
        return -1;
    account a = {0};
    int found = load_account(r, login, &a);
    if (found < 0) return -1;
    int ok = password_verify(password, found ? a.hash : password_dummy_hash()) && found;
    if (!found) return api_auth_failed(r, login, 0, "session.login_failed", "bad_credentials");
    if (a.locked_until > r->now) return api_auth_failed(r, login, 0, "session.login_failed", "account_locked");
    if (!ok) return api_auth_failed(r, login, a.id, "session.login_failed", "bad_credentials");
    if (a.disabled) return fail(r, 403, "account_disabled", NULL);
    int64_t step = 0;
    if (a.totp_enabled) {
        if (!otp) return fail(r, 401, "otp_required", NULL);
        if (check_otp(r, &a, otp, &step)) return api_auth_failed(r, login, a.id, "session.login_failed", "otp_invalid");
    }
    return login_succeeded(r, login, &a, step);
}

int h_logout(req *r) {
    audit_ctx ctx = api_ctx(r);
    if (api_begin(r)) return -1;
    if (r->who.session_id &&
        db_run_id(r->db, "DELETE FROM user_session WHERE id = $1", r->who.session_id, &r->err) < 0)
        return -1;
    if (audit_append_id(r->db, &ctx, "session.logout", "user", r->who.user_id, NULL, NULL, &r->err) ||
        api_commit(r))
        return -1;
    char cookie[200];
    session_cookie(cookie, sizeof cookie, NULL, r->secure);
    reply_header(r, MHD_HTTP_HEADER_SET_COOKIE, cookie);
    reply_empty(r, 204);
    return 0;
}
