/* user.c: accounts (see user.h). */
#include "model/user.h"
#include "db/db_json.h"
#include "auth/password.h"
#include "core/crypto.h"
#include "core/mask.h"
#include "core/strbuf.h"

#include <stdlib.h>
#include <string.h>

const char *const USER_ROLES[] = {"admin", "auditor", "official", "secretary", "cadre", "villager", NULL};

int user_login_valid(const char *s) {
    size_t n = s ? strlen(s) : 0;
    if (n < 2 || n > 64) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (i > 0 && strchr("._-", c));
        if (!ok) return 0;
    }
    return 1;
}

static int role_valid(const char *role) {
    for (const char *const *r = USER_ROLES; *r; r++)
        if (!strcmp(*r, role)) return 1;
    return 0;
}

/* Bind encrypted phone, blind index and mask to three consecutive parameters. */
static int bind_phone(db_stmt *st, int first, const char *phone, xerr *e) {
    if (!phone || !*phone) {
        for (int i = 0; i < 3; i++) db_bind_null(st, first + i);
        return 0;
    }
    if (!phone_valid(phone)) return xerr_set(e, 400, "invalid_phone", "%s", "phone");
    char *enc = pii_encrypt(phone);
    char bidx[65], mask[24];
    pii_blind_index(phone, bidx);
    phone_mask(phone, mask, sizeof mask);
    db_bind_text(st, first, enc);
    db_bind_text(st, first + 1, bidx);
    db_bind_text(st, first + 2, mask);
    free(enc);
    return 0;
}

int64_t user_id_by_login(db *d, const char *login, xerr *e) {
    db_stmt *st = db_prepare(d, "SELECT id FROM app_user WHERE login = $1", e);
    if (!st) return -1;
    db_bind_text(st, 1, login);
    int rc = db_step(st, e);
    int64_t id = rc == 1 ? db_col_int(st, 0) : 0;
    db_done(st);
    return rc < 0 ? -1 : id;
}

static int audit_user(db *d, const audit_ctx *ctx, const char *action, int64_t id, json_t *before,
                      xerr *e) {
    json_t *after = user_get_json(d, id, e);
    if (!after) return -1;
    int rc = audit_append_id(d, ctx, action, "user", id, before, after, e);
    json_decref(after);
    return rc;
}

int user_create(db *d, const audit_ctx *ctx, const user_input *in, int64_t *id_out, xerr *e) {
    if (!user_login_valid(in->login)) return xerr_set(e, 400, "invalid_login", "%s", "login");
    if (!role_valid(in->role)) return xerr_set(e, 400, "invalid_value", "%s", "role");
    if (password_check_policy(in->password, e)) return -1;
    int64_t existing = user_id_by_login(d, in->login, e);
    if (existing < 0) return -1;
    if (existing) return xerr_set(e, 409, "conflict", "%s", "login");
    char hash[128];
    if (password_hash(in->password, hash, e)) return -1;
    db_stmt *st = db_prepare(d,
        "INSERT INTO app_user (login, display_name, role, org_id, phone_enc, phone_bidx, phone_mask,"
        " password_hash, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$9) RETURNING id", e);
    if (!st) return -1;
    db_bind_text(st, 1, in->login);
    db_bind_text(st, 2, in->display_name);
    db_bind_text(st, 3, in->role);
    db_bind_int(st, 4, in->org_id);
    if (bind_phone(st, 5, in->phone, e)) {
        db_done(st);
        return -1;
    }
    db_bind_text(st, 8, hash);
    db_bind_int(st, 9, ctx->now);
    int rc = db_step(st, e);
    *id_out = rc == 1 ? db_col_int(st, 0) : 0;
    db_done(st);
    if (rc != 1) return rc == 0 ? xerr_set(e, 500, "db_error", "%s", "insert returned nothing") : -1;
    return audit_user(d, ctx, "user.create", *id_out, NULL, e);
}

json_t *user_row_json(db_stmt *st) {
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:s, s:b, s:b, s:I}",
                          "id", (json_int_t)db_col_int(st, 0), "login", db_col_text(st, 1),
                          "display_name", db_col_text(st, 2), "role", db_col_text(st, 3),
                          "org_id", (json_int_t)db_col_int(st, 4), "org_name", db_col_text(st, 5),
                          "org_code", db_col_text(st, 11),
                          "disabled", (int)db_col_int(st, 7), "totp_enabled", (int)db_col_int(st, 8),
                          "created_at", (json_int_t)db_col_int(st, 9));
    const char *mask = db_col_text(st, 6);
    json_object_set_new(j, "phone", mask ? json_string(mask) : json_null());
    json_object_set_new(j, "last_login_at", db_col_json(st, 10, 'i'));
    return j;
}

json_t *user_get_json(db *d, int64_t id, xerr *e) {
    db_stmt *st = db_prepare(d, USER_SELECT " WHERE u.id = $1", e);
    if (!st) return NULL;
    db_bind_int(st, 1, id);
    int rc = db_step(st, e);
    json_t *j = rc == 1 ? user_row_json(st) : NULL;
    if (rc == 0) xerr_set(e, 404, "not_found", "%s", "user");
    db_done(st);
    return j;
}

int user_update(db *d, const audit_ctx *ctx, int64_t id, const char *display_name, const char *role,
                int64_t org_id, const char *phone, int disabled, xerr *e) {
    if (role && !role_valid(role)) return xerr_set(e, 400, "invalid_value", "%s", "role");
    json_t *before = user_get_json(d, id, e);
    if (!before) return -1;
    db_stmt *st = db_prepare(d,
        "UPDATE app_user SET display_name = COALESCE($1, display_name), role = COALESCE($2, role),"
        " org_id = CASE WHEN CAST($3 AS BIGINT) > 0 THEN CAST($3 AS BIGINT) ELSE org_id END,"
        " disabled = CASE WHEN CAST($4 AS BIGINT) >= 0 THEN CAST($4 AS BIGINT) ELSE disabled END,"
        " phone_enc = CASE WHEN CAST($5 AS BIGINT) = 1 THEN $6 ELSE phone_enc END,"
        " phone_bidx = CASE WHEN CAST($5 AS BIGINT) = 1 THEN $7 ELSE phone_bidx END,"
        " phone_mask = CASE WHEN CAST($5 AS BIGINT) = 1 THEN $8 ELSE phone_mask END,"
        " updated_at = $9 WHERE id = $10", e);
    int rc = -1;
    if (st) {
        db_bind_text(st, 1, display_name);
        db_bind_text(st, 2, role);
        db_bind_int(st, 3, org_id);
        db_bind_int(st, 4, disabled);
        db_bind_int(st, 5, phone != NULL);
        rc = bind_phone(st, 6, phone, e);
        db_bind_int(st, 9, ctx->now);
        db_bind_int(st, 10, id);
        if (!rc) rc = db_step(st, e) < 0 ? -1 : 0;
        db_done(st);
    }
    /* A disabled account loses its sessions and tokens at once. */
    if (!rc && disabled == 1) {
        rc = db_run_id(d, "DELETE FROM user_session WHERE user_id = $1", id, e) < 0 ? -1 : 0;
    }
    if (!rc) rc = audit_user(d, ctx, "user.update", id, before, e);
    json_decref(before);
    return rc;
}

int user_set_password(db *d, const audit_ctx *ctx, int64_t id, const char *password, int64_t keep_session,
                      int reset, xerr *e) {
    if (password_check_policy(password, e)) return -1;
    char hash[128];
    if (password_hash(password, hash, e)) return -1;
    db_stmt *st = db_prepare(d,
        "UPDATE app_user SET password_hash = $1, failed_logins = 0, locked_until = 0, updated_at = $2"
        " WHERE id = $3", e);
    if (!st) return -1;
    db_bind_text(st, 1, hash);
    db_bind_int(st, 2, ctx->now);
    db_bind_int(st, 3, id);
    int64_t n = db_run(st, e);
    if (n < 0) return -1;
    if (n == 0) return xerr_set(e, 404, "not_found", "%s", "user");
    st = db_prepare(d, "DELETE FROM user_session WHERE user_id = $1 AND id <> $2", e);
    if (!st) return -1;
    db_bind_int(st, 1, id);
    db_bind_int(st, 2, keep_session);
    int64_t sessions = db_run(st, e);
    if (sessions < 0) return -1;
    int64_t tokens = reset ? db_run_id(d, "DELETE FROM api_token WHERE user_id = $1", id, e) : 0;
    if (tokens < 0) return -1;
    json_t *after = json_pack("{s:b, s:I, s:I}", "reset", reset, "sessions_ended", (json_int_t)sessions,
                              "tokens_revoked", (json_int_t)tokens);
    int rc = audit_append_id(d, ctx, "user.password", "user", id, NULL, after, e);
    json_decref(after);
    return rc;
}

int user_phone_plain(db *d, int64_t id, strbuf *out, xerr *e) {
    db_stmt *st = db_prepare(d, "SELECT phone_enc FROM app_user WHERE id = $1", e);
    if (!st) return -1;
    db_bind_int(st, 1, id);
    int rc = db_step(st, e);
    if (rc == 1 && !db_col_isnull(st, 0) && pii_decrypt(db_col_text(st, 0), out))
        rc = xerr_set(e, 500, "crypto", "%s", "phone does not decrypt");
    db_done(st);
    if (rc == 0) return xerr_set(e, 404, "not_found", "%s", "user");
    return rc < 0 ? -1 : 0;
}
