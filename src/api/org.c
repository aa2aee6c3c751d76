/* org.c: the county tree over HTTP (model in model/org.c). */
#include "api/api.h"
#include "core/jsonx.h"
#include "model/org.h"

/* Longer than a code may be, so a wrong-length code gets invalid_org_code
** from the model (which says what a code looks like) rather than too_long. */
#define ORG_CODE_MAX_INPUT 64

static json_t *org_row(db_stmt *st, const void *ctx) {
    (void)ctx;
    org o;
    org_read_row(st, &o);
    return org_json(&o);
}

int h_org_list(req *r) {
    char lo[256], hi[256];
    scope_range(r->who.org_path, lo, hi);
    db_stmt *st = db_prepare(r->db,
        "SELECT " ORG_COLUMNS " FROM org_node"
        " WHERE path >= $1 AND path < $2 ORDER BY path", &r->err);
    if (!st) return -1;
    db_bind_text(st, 1, lo);
    db_bind_text(st, 2, hi);
    json_t *items = db_rows(st, org_row, NULL, &r->err);
    if (!items) return -1;
    reply_all(r, items);
    return 0;
}

int h_org_get(req *r) {
    org o;
    if (org_get(r->db, req_id(r, 0), &o, &r->err)) return -1;
    reply_json(r, 200, org_json(&o));
    return 0;
}

int h_org_create(req *r) {
    const char *code, *name;
    int64_t parent;
    if (jx_int(r->json, "parent_id", JX_REQUIRED, 1, INT64_MAX, &parent, &r->err) < 0 ||
        jx_str(r->json, "code", JX_REQUIRED, ORG_CODE_MAX_INPUT, &code, &r->err) < 0 ||
        jx_str(r->json, "name", JX_REQUIRED, 100, &name, &r->err) < 0)
        return -1;
    audit_ctx ctx = api_ctx(r);
    org o;
    if (api_begin(r) || org_create(r->db, &ctx, parent, code, name, &o, &r->err) || api_commit(r)) return -1;
    reply_json(r, 201, org_json(&o));
    return 0;
}

int h_org_update(req *r) {
    const char *code = NULL, *name = NULL;
    int64_t parent = 0;
    if (jx_str(r->json, "code", JX_OPTIONAL, ORG_CODE_MAX_INPUT, &code, &r->err) < 0 ||
        jx_str(r->json, "name", JX_OPTIONAL, 100, &name, &r->err) < 0 ||
        jx_int(r->json, "parent_id", JX_OPTIONAL, 1, INT64_MAX, &parent, &r->err) < 0)
        return -1;
    if (parent && req_check_org(r, parent)) return -1;
    audit_ctx ctx = api_ctx(r);
    org o;
    if (api_begin(r) || org_update(r->db, &ctx, req_id(r, 0), name, code, parent, &o, &r->err) ||
        api_commit(r))
        return -1;
    reply_json(r, 200, org_json(&o));
    return 0;
}
