/* session.c: resolving the caller from cookie or bearer token (see session.h). */
#include "auth/session.h"
#include "core/crypto.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOUCH_INTERVAL 60

unsigned role_perms(const char *role) {
    static const struct { const char *role; unsigned perms; } ROLES[] = {
        {"admin", P_AUTH | P_ORG_READ | P_ORG_WRITE | P_USER_READ | P_USER_WRITE | P_PII_REVEAL |
                      P_AUDIT_READ | P_SETTINGS | P_HH_READ | P_HH_WRITE | P_TARGET_WRITE |
                      P_DUTY_READ | P_DUTY_SUPERVISE},
        {"auditor", P_AUTH | P_ORG_READ | P_USER_READ | P_AUDIT_READ | P_DUTY_READ},
        {"official", P_AUTH | P_ORG_READ | P_USER_READ | P_HH_READ | P_HH_WRITE | P_PII_REVEAL | P_TARGET_WRITE |
                         P_DUTY_READ | P_DUTY_SUPERVISE},
        {"secretary", P_AUTH | P_ORG_READ | P_USER_READ | P_HH_READ | P_HH_WRITE | P_PII_REVEAL |
                          P_DUTY_CHECKIN | P_DUTY_READ},
        {"cadre", P_AUTH | P_ORG_READ | P_HH_READ | P_HH_WRITE},
        {"villager", P_AUTH | P_ORG_READ | P_HH_READ},
    };
    for (size_t i = 0; i < sizeof ROLES / sizeof ROLES[0]; i++)
        if (!strcmp(ROLES[i].role, role)) return ROLES[i].perms;
    return 0;
}

int64_t session_idle_limit(void) {
    const char *s = getenv("XIANGCUN_SESSION_IDLE");
    long v = s ? atol(s) : 0;
    return v > 0 ? v : 1800;
}

static void fill_user(req *r, db_stmt *st, int first) {
    principal *w = &r->who;
    w->user_id = db_col_int(st, first);
    snprintf(w->login, sizeof w->login, "%s", db_col_text(st, first + 1));
    snprintf(w->role, sizeof w->role, "%s", db_col_text(st, first + 2));
    w->org_id = db_col_int(st, first + 3);
    snprintf(w->org_path, sizeof w->org_path, "%s", db_col_text(st, first + 4));
    w->perms = role_perms(w->role);
}

/* Update a last-seen column at most once a minute: a write per request would
** turn every read into a write transaction. */
static void touch(req *r, const char *sql, int64_t id) {
    xerr ignore;
    db_stmt *st = db_prepare(r->db, sql, &ignore);
    if (!st) return;
    db_bind_int(st, 1, r->now);
    db_bind_int(st, 2, id);
    db_step(st, &ignore);
    db_done(st);
}

static int by_token(req *r, const char *token) {
    char h[65];
    token_hash(token, h);
    db_stmt *st = db_prepare(r->db,
        "SELECT t.id, t.last_used_at, u.id, u.login, u.role, u.org_id, o.path"
        " FROM api_token t JOIN app_user u ON u.id = t.user_id JOIN org_node o ON o.id = u.org_id"
        " WHERE t.token_hash = $1 AND u.disabled = 0", &r->err);
    if (!st) return -1;
    db_bind_text(st, 1, h);
    int rc = db_step(st, &r->err);
    int64_t id = 0, last = 0;
    if (rc == 1) {
        id = db_col_int(st, 0);
        last = db_col_int(st, 1);
        fill_user(r, st, 2);
        r->who.token_id = id;
        r->authed = 1;
    }
    db_done(st);
    if (rc == 1 && r->now - last >= TOUCH_INTERVAL)
        touch(r, "UPDATE api_token SET last_used_at = $1 WHERE id = $2", id);
    return rc < 0 ? -1 : 0;
}

static int by_cookie(req *r, const char *token, int *expired) {
    char h[65];
    token_hash(token, h);
    db_stmt *st = db_prepare(r->db,
        "SELECT s.id, s.csrf, s.must_enroll, s.last_seen_at, u.id, u.login, u.role, u.org_id, o.path"
        " FROM user_session s JOIN app_user u ON u.id = s.user_id JOIN org_node o ON o.id = u.org_id"
        " WHERE s.token_hash = $1 AND u.disabled = 0", &r->err);
    if (!st) return -1;
    db_bind_text(st, 1, h);
    int rc = db_step(st, &r->err);
    int64_t sid = 0, last = 0;
    if (rc == 1) {
        sid = db_col_int(st, 0);
        last = db_col_int(st, 3);
        if (r->now - last > session_idle_limit()) {
            *expired = 1;
        } else {
            snprintf(r->who.csrf, sizeof r->who.csrf, "%s", db_col_text(st, 1));
            r->who.must_enroll = (int)db_col_int(st, 2);
            r->who.session_id = sid;
            fill_user(r, st, 4);
            r->authed = 1;
        }
    }
    db_done(st);
    if (*expired) {
        xerr ignore;
        db_stmt *del = db_prepare(r->db, "DELETE FROM user_session WHERE id = $1", &ignore);
        if (del) {
            db_bind_int(del, 1, sid);
            db_step(del, &ignore);
            db_done(del);
        }
    } else if (r->authed && !r->passive && r->now - last >= TOUCH_INTERVAL) {
        touch(r, "UPDATE user_session SET last_seen_at = $1 WHERE id = $2", sid);
    }
    return rc < 0 ? -1 : 0;
}

int auth_resolve(req *r, int *expired) {
    *expired = 0;
    const char *authz = req_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
    if (authz && !strncmp(authz, "Bearer ", 7)) {
        const char *t = authz + 7;
        return strncmp(t, TOKEN_PREFIX, strlen(TOKEN_PREFIX)) ? 0 : by_token(r, t);
    }
    const char *cookie = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, SESSION_COOKIE);
    if (!cookie || !*cookie || strlen(cookie) > 128) return 0;
    return by_cookie(r, cookie, expired);
}

int session_create(db *d, int64_t user_id, int must_enroll, const char *ip, const char *user_agent,
                   int64_t now, char *token_out, char *csrf_out, int64_t *id_out, xerr *e) {
    char h[65];
    token_new("", token_out, 64);
    token_new("", csrf_out, 64);
    token_hash(token_out, h);
    db_stmt *st = db_prepare(d,
        "INSERT INTO user_session (token_hash, user_id, csrf, must_enroll, created_at, last_seen_at,"
        " ip, user_agent) VALUES ($1, $2, $3, $4, $5, $5, $6, $7) RETURNING id", e);
    if (!st) return -1;
    db_bind_text(st, 1, h);
    db_bind_int(st, 2, user_id);
    db_bind_text(st, 3, csrf_out);
    db_bind_int(st, 4, must_enroll);
    db_bind_int(st, 5, now);
    db_bind_text(st, 6, ip);
    db_bind_text(st, 7, user_agent);
    int rc = db_step(st, e);
    if (rc == 1) *id_out = db_col_int(st, 0);
    db_done(st);
    return rc == 1 ? 0 : -1;
}

void session_cookie(char *out, size_t outlen, const char *token, int secure) {
    snprintf(out, outlen, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s", SESSION_COOKIE,
             token ? token : "", secure ? "; Secure" : "", token ? "" : "; Max-Age=0");
}
