/*
** duty_scope.c: who may see whose duty records, shared by the api/duty_*.c
** handlers. A secretary sees only their own records; every other reader
** (town officials, the county) the records of secretaries whose village lies
** in their subtree.
*/
#include "api/api.h"

int duty_self_only(const req *r) { return (r->who.perms & P_DUTY_CHECKIN) != 0; }

int duty_may_see(req *r, int64_t user_id, const char *path) {
    int ok = req_in_scope(r, path) && (!duty_self_only(r) || user_id == r->who.user_id);
    return ok ? 0 : fail(r, 403, "out_of_scope", NULL);
}

int duty_scope_record(req *r, const char *sql, const char *what) {
    db_stmt *st = db_prepare(r->db, sql, &r->err);
    if (!st) return -1;
    db_bind_int(st, 1, req_id(r, 0));
    int rc = db_step(st, &r->err), out = 0;
    if (rc < 0) out = -1;
    else if (rc == 0) out = fail(r, 404, "not_found", what);
    else out = duty_may_see(r, db_col_int(st, 0), db_col_text(st, 1));
    db_done(st);
    return out;
}

int duty_check_secretary(req *r, int64_t user_id) {
    /* A secretary learns nothing of other ids, not even whether they exist. */
    if (duty_self_only(r) && user_id != r->who.user_id) return fail(r, 403, "out_of_scope", NULL);
    db_stmt *st = db_prepare(r->db, "SELECT o.path FROM app_user u JOIN org_node o ON o.id = u.org_id"
                                    " WHERE u.id = $1 AND u.role = 'secretary'", &r->err);
    if (!st) return -1;
    db_bind_int(st, 1, user_id);
    int rc = db_step(st, &r->err), out = 0;
    if (rc < 0) out = -1;
    else if (rc == 0) out = fail(r, 404, "not_found", "user");
    else out = duty_may_see(r, user_id, db_col_text(st, 0));
    db_done(st);
    return out;
}
