/* device.c: registering a phone that reports positions (see duty.h). */
#include "duty/duty.h"
#include "core/crypto.h"

#include <string.h>

int64_t duty_device_add(db *d, const audit_ctx *ctx, int64_t user_id, const char *ident, const char *label,
                        xerr *e) {
    char hash[65];
    const char *hint = ident + strlen(ident) - 4;
    /* Only a keyed hash is kept: the identifier is the device's credential. */
    pii_blind_index(ident, hash);
    db_stmt *st = db_prepare(d, "INSERT INTO duty_device (user_id, ident_hash, ident_hint, label, created_at)"
                                " VALUES ($1, $2, $3, $4, $5) RETURNING id", e);
    if (!st) return -1;
    db_bind_int(st, 1, user_id);
    db_bind_text(st, 2, hash);
    db_bind_text(st, 3, hint);
    db_bind_text(st, 4, label);
    db_bind_int(st, 5, ctx->now);
    int rc = db_step(st, e);
    int64_t id = rc == 1 ? db_col_int(st, 0) : -1;
    db_done(st);
    if (rc < 0 && e->status == 409) return xerr_set(e, 409, "conflict", "%s", "identifier");
    if (id < 0) return -1;
    json_t *after = json_pack("{s:I, s:s, s:s}", "device_id", (json_int_t)id, "label", label, "hint", hint);
    rc = audit_append_id(d, ctx, "duty.device.add", "user", user_id, NULL, after, e);
    json_decref(after);
    return rc ? -1 : id;
}
