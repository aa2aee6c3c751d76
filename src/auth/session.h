/*
** session.h: who is calling. Cookie sessions (random 256-bit tokens stored
** only as keyed hashes, a CSRF token each, a 30-minute idle timeout) and
** long-lived bearer API tokens for devices and scripts; roles mapped to
** permissions.
*/
#ifndef XC_SESSION_H
#define XC_SESSION_H

#include <stdint.h>
#include "http/http.h"

#define SESSION_COOKIE "xc_session"
#define TOKEN_PREFIX "xct_"

/* Permissions of a role name; 0 for an unknown role. */
unsigned role_perms(const char *role);
/* Seconds of inactivity after which a session ends (XIANGCUN_SESSION_IDLE, default 1800). */
int64_t session_idle_limit(void);

/* Fill r->who / r->authed from the bearer token or session cookie.
** Sets *expired when a cookie named a session that timed out. 0, or -1 on a
** database error (r->err). */
int auth_resolve(req *r, int *expired);

/* Create a session for user_id; token_out receives the cookie value
** (>= 64 bytes) and csrf_out the CSRF token (>= 64 bytes). */
int session_create(db *d, int64_t user_id, int must_enroll, const char *ip, const char *user_agent,
                   int64_t now, char *token_out, char *csrf_out, int64_t *id_out, xerr *e);

/* The Set-Cookie value for a token (NULL token clears the cookie). */
void session_cookie(char *out, size_t outlen, const char *token, int secure);

#endif
