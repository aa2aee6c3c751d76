/* router.c: matching, authentication, authorisation and body parsing (see router.h). */
#include "http/router.h"
#include "auth/session.h"
#include "core/crypto.h"
#include "core/jsonx.h"
#include "http/sse.h"
#include "http/static.h"

#include <ctype.h>
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

#define MAX_JSON_DEPTH 16

/* Match path against pattern, capturing {params}. */
static int match(const char *pattern, const char *path, req *r) {
    int np = 0;
    const char *p = pattern, *s = path;
    while (*p && *s) {
        if (*p == '{') {
            const char *end = strchr(p, '}');
            size_t n = 0;
            while (isdigit((unsigned char)s[n])) n++;
            if (n == 0 || n > 18 || np >= REQ_MAX_PARAMS) return 0;
            memcpy(r->param_buf[np], s, n);
            r->param_buf[np][n] = 0;
            r->params[np] = r->param_buf[np];
            np++;
            s += n;
            p = end + 1;
        } else if (*p++ != *s++) {
            return 0;
        }
    }
    return *p == 0 && *s == 0;
}

/* Find the route; -1 for no path match, -2 for a path match with another method. */
static int find(req *r) {
    int path_matched = 0;
    const char *method = strcmp(r->method, "HEAD") ? r->method : "GET";
    for (int i = 0; i < N_ROUTES; i++) {
        if (!match(ROUTES[i].pattern, r->path, r)) continue;
        if (!strcmp(ROUTES[i].method, method)) return i;
        path_matched = 1;
    }
    return path_matched ? -2 : -1;
}

static void allow_header(req *r) {
    strbuf sb = STRBUF_INIT;
    for (int i = 0; i < N_ROUTES; i++) {
        if (!match(ROUTES[i].pattern, r->path, r)) continue;
        if (sb.len) strbuf_addstr(&sb, ", ");
        strbuf_addstr(&sb, ROUTES[i].method);
    }
    reply_header(r, MHD_HTTP_HEADER_ALLOW, strbuf_str(&sb));
    strbuf_release(&sb);
}

static int has_header(const req *r, const char *name) {
    for (int i = 0; i < r->nhdr; i++)
        if (!strcasecmp(r->hdr_name[i], name)) return 1;
    return 0;
}

static int is_utf8(const char *s) {
    json_t *j = json_string(s);   /* jansson refuses text that is not UTF-8 */
    json_decref(j);
    return j != NULL;
}

static enum MHD_Result check_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
    (void)kind;
    if (is_utf8(key) && (!value || is_utf8(value))) return MHD_YES;
    fail(cls, 400, "invalid_value", key);
    return MHD_NO;
}

/* Query parameters are text: bytes that are not UTF-8 would reach the
** database (PostgreSQL refuses them with an error, a 500) or a JSON answer. */
static int check_query(req *r) {
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, check_arg, r);
    return r->err.status ? -1 : 0;
}

static int is_mutation(const char *m) {
    return strcmp(m, "GET") && strcmp(m, "HEAD") && strcmp(m, "OPTIONS");
}

static int check_caller(req *r, const route *rt) {
    int expired = 0;
    r->passive = (rt->flags & R_PASSIVE) != 0;
    if (auth_resolve(r, &expired)) return -1;
    if (rt->flags & R_PUBLIC) return 0;
    if (!r->authed) return fail(r, 401, expired ? "session_expired" : "unauthenticated", NULL);
    if (r->who.must_enroll && !(rt->flags & R_ENROLL_OK))
        return fail(r, 403, "totp_enrollment_required", NULL);
    if ((rt->perm & r->who.perms) != rt->perm) return fail(r, 403, "forbidden", NULL);
    if (r->who.session_id && is_mutation(r->method)) {
        const char *tok = req_header(r, "X-CSRF-Token");
        if (!tok || !str_equal_ct(tok, r->who.csrf)) return fail(r, 403, "csrf_failed", NULL);
    }
    return 0;
}

/* "application/json", alone or with parameters ("; charset=utf-8"), not a
** longer type that merely starts with it ("application/jsonp"). */
static int is_json_type(const char *ct) {
    if (strncasecmp(ct, "application/json", 16)) return 0;
    return ct[16] == 0 || ct[16] == ';' || ct[16] == ' ' || ct[16] == '\t';
}

static int parse_body(req *r) {
    const char *ct = req_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (ct && !is_json_type(ct)) return fail(r, 415, "unsupported_media_type", NULL);
    json_error_t je;
    /* JSON_DECODE_ANY: a string or number is valid JSON, just not an object. */
    r->json = json_loadb(r->body.buf ? r->body.buf : "", r->body.len,
                         JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (!r->json) {
        char where[96];
        snprintf(where, sizeof where, "line %d column %d", je.line, je.column);
        return fail(r, 400, "bad_json", where);
    }
    if (!json_is_object(r->json)) return fail(r, 400, "expected_object", NULL);
    if (jx_depth(r->json) > MAX_JSON_DEPTH) return fail(r, 400, "json_too_deep", NULL);
    return 0;
}

void router_dispatch(req *r) {
    int api = !strncmp(r->path, "/api/", 5) || !strcmp(r->path, "/healthz") || !strcmp(r->path, "/metrics");
    if (!api) {
        r->route = -1;
        if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD")) {
            reply_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
            fail(r, 405, "method_not_allowed", NULL);
            return;
        }
        static_serve(r);
        /* A missing file's error must not be cached as if it were the file. */
        if (r->err.status && !has_header(r, MHD_HTTP_HEADER_CACHE_CONTROL))
            reply_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
        return;
    }
    int i = find(r);
    if (i == -1) {
        r->route = -2;
        fail(r, 404, "not_found", r->path);
        return;
    }
    if (i == -2) {
        r->route = -2;
        allow_header(r);
        fail(r, 405, "method_not_allowed", NULL);
        return;
    }
    r->route = i;
    const route *rt = &ROUTES[i];
    if (r->body_too_large) {
        fail(r, 413, "body_too_large", NULL);
        return;
    }
    if (check_caller(r, rt) || check_query(r)) return;
    if ((rt->flags & R_JSON) && parse_body(r)) return;
    if (rt->scope && rt->scope(r)) return;
    if (rt->fn(r) && !r->err.status) fail(r, 500, "internal", NULL);
    int open_tx = db_in_tx(r->db);
    if (open_tx) db_rollback(r->db);   /* a handler that failed mid-transaction */
    /* Live events of the request go out only once its changes are committed. */
    if (r->err.status || open_tx) sse_discard();
    else sse_flush();
}

int router_is_upload(const char *method, const char *path) {
    req scratch = {.method = method, .path = path};
    int i = find(&scratch);
    return i >= 0 && (ROUTES[i].flags & R_UPLOAD);
}

void router_print(void) {
    for (int i = 0; i < N_ROUTES; i++)
        printf("%s %s%s\n", ROUTES[i].method, ROUTES[i].pattern,
               (ROUTES[i].flags & R_PUBLIC) ? " public" : "");
}
