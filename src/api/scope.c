/* scope.c: finding the tree node a request targets, for the router's scope check. */
#include "api/api.h"
#include "core/jsonx.h"

#include <string.h>

int scope_org_param(req *r) { return req_check_org(r, req_id(r, 0)); }

int scope_user_param(req *r) {
    db_stmt *st = db_prepare(r->db,
        "SELECT o.path FROM app_user u JOIN org_node o ON o.id = u.org_id WHERE u.id = $1", &r->err);
    if (!st) return -1;
    db_bind_int(st, 1, req_id(r, 0));
    int rc = db_step(st, &r->err), out = 0;
    if (rc < 0) out = -1;
    else if (rc == 0) out = fail(r, 404, "not_found", "user");
    else if (!req_in_scope(r, db_col_text(st, 0))) out = fail(r, 403, "out_of_scope", NULL);
    db_done(st);
    return out;
}

static int body_org(req *r, const char *field) {
    int64_t id;
    if (jx_int(r->json, field, JX_REQUIRED, 1, INT64_MAX, &id, &r->err) < 0) return -1;
    return req_check_org(r, id);
}

int scope_body_org(req *r) { return body_org(r, "org_id"); }
int scope_body_parent(req *r) { return body_org(r, "parent_id"); }

/* County-wide resources (the audit log, the settings) belong to no one node:
** only a caller whose scope is a whole county (a root, path "/N/") may use them. */
int scope_county(req *r) {
    const char *p = r->who.org_path, *second = p[0] == '/' ? strchr(p + 1, '/') : NULL;
    if (second && second[1] == 0) return 0;
    return fail(r, 403, "out_of_scope", NULL);
}
