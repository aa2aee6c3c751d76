/*
** http.h: one request as handlers see it, and how they answer.
**
** The server (server.c) fills a `req` from libmicrohttpd, the router
** (router.c) authenticates and authorises it, and a handler answers with one
** of the reply_* functions, or returns -1 after filling r->err, which the
** router turns into {"error":{"code","message"}} in the request's language.
** A handler never touches libmicrohttpd directly.
*/
#ifndef XC_HTTP_H
#define XC_HTTP_H

#include <jansson.h>
#include <stdint.h>
#include <sys/types.h>
#include "core/strbuf.h"
#include "core/xerr.h"
#include "db/db.h"

struct MHD_Connection;

/* Permissions; roles map to sets of them (auth/principal.c). */
enum {
    P_AUTH = 1u << 0,        /* any signed-in user (self-service) */
    P_ORG_READ = 1u << 1,
    P_ORG_WRITE = 1u << 2,
    P_USER_READ = 1u << 3,
    P_USER_WRITE = 1u << 4,
    P_PII_REVEAL = 1u << 5,
    P_AUDIT_READ = 1u << 6,
    P_SETTINGS = 1u << 7,
    P_HH_READ = 1u << 8,     /* household files (within scope; villagers: their own) */
    P_HH_WRITE = 1u << 9,
    P_TARGET_WRITE = 1u << 10,
    P_DUTY_CHECKIN = 1u << 11,   /* report one's own position, file leave (secretaries) */
    P_DUTY_READ = 1u << 12,      /* duty records in scope (secretaries: their own only) */
    P_DUTY_SUPERVISE = 1u << 13, /* spot checks, inquiries, leave and sanction decisions, geofences */
};

/* Who is calling: filled by the router from the session cookie or bearer token. */
typedef struct principal {
    int64_t user_id;
    char login[65];
    char role[16];
    int64_t org_id;
    char org_path[256];      /* "/1/4/17/": the caller's subtree is every path with this prefix */
    unsigned perms;
    int64_t session_id;      /* 0 when authenticated by API token */
    int64_t token_id;
    char csrf[64];
    int must_enroll;         /* 2FA is mandatory for this role and not set up yet */
} principal;

#define REQ_MAX_PARAMS 4
#define REQ_MAX_HEADERS 6

typedef struct req {
    struct MHD_Connection *conn;
    const char *method;
    const char *path;
    int route;                        /* index in the route table, -1 static, -2 none */
    const char *params[REQ_MAX_PARAMS];  /* path parameters, in pattern order */
    char param_buf[REQ_MAX_PARAMS][24];
    strbuf body;
    size_t body_limit;                /* the body limit, or the upload limit for R_UPLOAD routes */
    int body_too_large;
    json_t *json;                     /* parsed body for routes that take JSON */
    char ip[64];
    const char *lang;                 /* "zh" or "en" */
    int secure;                       /* reached over TLS (behind a trusted proxy) */
    int authed;
    int passive;                      /* the route is R_PASSIVE: authenticating it is not activity */
    principal who;
    db *db;
    int64_t now;
    uint64_t t0_ns;
    xerr err;
    /* the answer */
    int status;
    const char *ctype;
    strbuf out;
    const char *hdr_name[REQ_MAX_HEADERS];
    char *hdr_value[REQ_MAX_HEADERS];
    int nhdr;
    /* A streamed answer of unknown length instead of out (sse.c): the server
    ** pulls it through read() (libmicrohttpd's content reader contract) and
    ** calls release(cls) once, when it is done with it or could not start it. */
    struct {
        ssize_t (*read)(void *cls, uint64_t pos, char *buf, size_t max);
        void (*release)(void *cls);
        void *cls;
    } stream;
} req;

/* Answer with JSON (steals the reference). */
void reply_json(req *r, int status, json_t *body);
/* Answer with no body (204 and the like). */
void reply_empty(req *r, int status);
/* Answer with raw bytes of a content type (takes over the buffer's contents). */
void reply_raw(req *r, int status, const char *ctype, strbuf *body);
/* Add a response header; value copied. */
void reply_header(req *r, const char *name, const char *value);
/* Fill r->err and return -1: `return fail(r, 404, "not_found", "user");` */
int fail(req *r, int status, const char *code, const char *detail);

/* A query-string value or NULL. */
const char *req_query(req *r, const char *key);
/* A request header or NULL. */
const char *req_header(req *r, const char *name);
/* Path parameter i as an id (the router only matches digits for {id}). */
int64_t req_id(req *r, int i);
/* Integer query parameter in [min,max]; absent gives def. -1 with 400 naming it. */
int req_query_int(req *r, const char *key, int64_t min, int64_t max, int64_t def, int64_t *out);
/* page/per_page of a list request, with limits and defaults. */
int req_paging(req *r, int64_t *page, int64_t *per_page);

/* Whether org path `path` lies inside the caller's subtree. */
int req_in_scope(const req *r, const char *path);
/* Look up an org node's path and check it lies inside the caller's subtree:
** 0 ok, -1 with 404 (no such node) or 403 "out_of_scope". */
int req_check_org(req *r, int64_t org_id);

/* The audit context for this request (actor and IP). */
struct audit_ctx;
void req_audit_ctx(const req *r, struct audit_ctx *ctx);

#endif
