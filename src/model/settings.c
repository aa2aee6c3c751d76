/* settings.c: county settings (see settings.h). */
#include "model/settings.h"

#include <string.h>

int setting_bool(db *d, const char *key, int def, xerr *e) {
    db_stmt *st = db_prepare(d, "SELECT value FROM setting WHERE key = $1", e);
    if (!st) return -1;
    db_bind_text(st, 1, key);
    int rc = db_step(st, e);
    int v = rc == 1 ? !strcmp(db_col_text(st, 0), "true") : def;
    db_done(st);
    return rc < 0 ? -1 : v;
}

int setting_set_bool(db *d, const audit_ctx *ctx, const char *key, int value, xerr *e) {
    int before = setting_bool(d, key, 0, e);
    if (before < 0) return -1;
    db_stmt *st = db_prepare(d,
        "INSERT INTO setting (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2", e);
    if (!st) return -1;
    db_bind_text(st, 1, key);
    db_bind_text(st, 2, value ? "true" : "false");
    int rc = db_step(st, e);
    db_done(st);
    if (rc < 0) return -1;
    json_t *b = json_pack("{s:b}", key, before), *a = json_pack("{s:b}", key, value);
    rc = audit_append(d, ctx, "settings.update", "setting", key, b, a, e);
    json_decref(b);
    json_decref(a);
    return rc;
}

int setting_totp_required(db *d, const char *role, xerr *e) {
    if (strcmp(role, "admin") && strcmp(role, "auditor")) return 0;
    return setting_bool(d, SETTING_REQUIRE_TOTP, 0, e);
}
