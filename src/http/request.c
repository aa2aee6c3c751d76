/* request.c: reading requests and building answers for handlers (see http.h). */
#include "http/http.h"
#include "audit/audit.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

void reply_json(req *r, int status, json_t *body) {
    r->status = status;
    r->ctype = "application/json; charset=utf-8";
    strbuf_reset(&r->out);
    char *s = body ? json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(10)) : NULL;
    strbuf_addstr(&r->out, s ? s : "null");
    free(s);
    json_decref(body);
}

void reply_empty(req *r, int status) {
    r->status = status;
    r->ctype = NULL;
    strbuf_reset(&r->out);
}

void reply_raw(req *r, int status, const char *ctype, strbuf *body) {
    r->status = status;
    r->ctype = ctype;
    strbuf_release(&r->out);
    r->out = *body;
    *body = (strbuf)STRBUF_INIT;
}

void reply_header(req *r, const char *name, const char *value) {
    if (r->nhdr >= REQ_MAX_HEADERS) abort();   /* programming error */
    r->hdr_name[r->nhdr] = name;
    r->hdr_value[r->nhdr++] = xstrdup(value);
}

int fail(req *r, int status, const char *code, const char *detail) {
    return xerr_set(&r->err, status, code, "%s", detail ? detail : "");
}

const char *req_query(req *r, const char *key) {
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *req_header(req *r, const char *name) {
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

int64_t req_id(req *r, int i) { return r->params[i] ? strtoll(r->params[i], NULL, 10) : 0; }

int req_query_int(req *r, const char *key, int64_t min, int64_t max, int64_t def, int64_t *out) {
    const char *s = req_query(r, key);
    if (!s || !*s) {
        *out = def;
        return 0;
    }
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*end || end == s || v < min || v > max) return fail(r, 400, "invalid_value", key);
    *out = v;
    return 0;
}

int req_paging(req *r, int64_t *page, int64_t *per_page) {
    if (req_query_int(r, "page", 1, 1000000, 1, page)) return -1;
    return req_query_int(r, "per_page", 1, 200, 50, per_page);
}

int req_in_scope(const req *r, const char *path) {
    size_t n = strlen(r->who.org_path);
    return path && n && !strncmp(path, r->who.org_path, n);
}

int req_check_org(req *r, int64_t org_id) {
    db_stmt *st = db_prepare(r->db, "SELECT path FROM org_node WHERE id = $1", &r->err);
    if (!st) return -1;
    db_bind_int(st, 1, org_id);
    int rc = db_step(st, &r->err);
    int out = 0;
    if (rc < 0) out = -1;
    else if (rc == 0) out = fail(r, 404, "not_found", "org");
    else if (!req_in_scope(r, db_col_text(st, 0))) out = fail(r, 403, "out_of_scope", NULL);
    db_done(st);
    return out;
}

void req_audit_ctx(const req *r, struct audit_ctx *ctx) {
    ctx->actor_id = r->authed ? r->who.user_id : 0;
    ctx->actor_login = r->authed ? r->who.login : NULL;
    ctx->ip = r->ip;
    ctx->now = r->now;
}
