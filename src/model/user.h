/*
** user.h: accounts. A user has a login, a display name, a role, an org node
** bounding their scope, an optional phone (encrypted at rest, blind-indexed,
** stored masked for display), an argon2id password hash, the failed-login
** counter behind the lockout, and optional TOTP. Callers hold the
** transaction; every change is audited with masked before/after values.
*/
#ifndef XC_USER_H
#define XC_USER_H

#include <jansson.h>
#include <stdint.h>
#include "audit/audit.h"
#include "core/strbuf.h"
#include "db/db.h"

typedef struct user_input {
    const char *login;
    const char *display_name;
    const char *role;
    const char *password;
    const char *phone;       /* NULL for none */
    int64_t org_id;
} user_input;

extern const char *const USER_ROLES[];   /* NULL-terminated */

/* 1 when s is a valid login: 2-64 of [a-z0-9._-], starting with a letter or digit. */
int user_login_valid(const char *s);

/* Validate and create; *id_out gets the new id. */
int user_create(db *d, const audit_ctx *ctx, const user_input *in, int64_t *id_out, xerr *e);
/* SELECT and FROM clauses whose rows user_row_json() reads. */
#define USER_SELECT \
    "SELECT u.id, u.login, u.display_name, u.role, u.org_id, o.name, u.phone_mask, u.disabled," \
    " u.totp_enabled, u.created_at, u.last_login_at, o.code" \
    " FROM app_user u JOIN org_node o ON o.id = u.org_id"
/* The current row of a USER_SELECT statement as the API shows it. */
json_t *user_row_json(db_stmt *st);

/* The user as the API shows it (phone masked), or NULL with 404/500 in *e. */
json_t *user_get_json(db *d, int64_t id, xerr *e);
/* Find a user id by login; 0 when absent. -1 on error. */
int64_t user_id_by_login(db *d, const char *login, xerr *e);
/* Apply a PATCH: any of display_name, role, org_id (0 = keep), phone ("" clears), disabled (-1 = keep). */
int user_update(db *d, const audit_ctx *ctx, int64_t id, const char *display_name, const char *role,
                int64_t org_id, const char *phone, int disabled, xerr *e);
/* Set a new password (policy checked) and clear the lockout. A new password
** means the old one may have leaked, so the user's other sessions end: all of
** them but keep_session (the caller's own, when users change their own
** password; 0 for none). An administrator's reset (reset set) also revokes
** the user's API tokens: the account is being taken back. */
int user_set_password(db *d, const audit_ctx *ctx, int64_t id, const char *password, int64_t keep_session,
                      int reset, xerr *e);
/* Decrypt the user's phone into out (NULL phone gives ""). */
int user_phone_plain(db *d, int64_t id, strbuf *out, xerr *e);

#endif
