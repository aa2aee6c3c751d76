/* settings.c: county settings over HTTP (model in model/settings.c). */
#include "api/api.h"
#include "core/jsonx.h"
#include "model/settings.h"

static int reply_settings(req *r) {
    int v = setting_bool(r->db, SETTING_REQUIRE_TOTP, 0, &r->err);
    if (v < 0) return -1;
    reply_json(r, 200, json_pack("{s:b}", SETTING_REQUIRE_TOTP, v));
    return 0;
}

int h_settings_get(req *r) { return reply_settings(r); }

int h_settings_update(req *r) {
    int v;
    int has = jx_bool(r->json, SETTING_REQUIRE_TOTP, JX_REQUIRED, &v, &r->err);
    if (has < 0) return -1;
    audit_ctx ctx = api_ctx(r);
    if (api_begin(r) || setting_set_bool(r->db, &ctx, SETTING_REQUIRE_TOTP, v, &r->err)) return -1;
    /* Sessions already open must enrol too, not only the next sign-ins; all
    ** but the caller's own, so the admin making the change can still undo it. */
    if (v && db_run_id(r->db,
                       "UPDATE user_session SET must_enroll = 1 WHERE id <> $1 AND user_id IN (SELECT id"
                       " FROM app_user WHERE role IN ('admin','auditor') AND totp_enabled = 0)",
                       r->who.session_id, &r->err) < 0)
        return -1;
    if (api_commit(r)) return -1;
    return reply_settings(r);
}
