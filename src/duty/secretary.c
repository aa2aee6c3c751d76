/* secretary.c: where a first secretary serves (see duty.h). */
#include "duty/duty.h"

#include <stdio.h>

int duty_secretary_village(db *d, int64_t user_id, int enabled_only, int64_t *org_id, char path[256], xerr *e) {
    db_stmt *st = db_prepare(d,
        "SELECT u.org_id, o.path FROM app_user u JOIN org_node o ON o.id = u.org_id"
        " WHERE u.id = $1 AND u.role = 'secretary' AND (u.disabled = 0 OR $2 = 0)", e);
    if (!st) return -1;
    db_bind_int(st, 1, user_id);
    db_bind_int(st, 2, enabled_only);
    int rc = db_step(st, e);
    if (rc == 1) {
        *org_id = db_col_int(st, 0);
        snprintf(path, 256, "%s", db_col_text(st, 1));
    }
    db_done(st);
    return rc;
}
