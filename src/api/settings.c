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
    if (api_begin(r) || setting_set_bool(r->db, &ctx, SETTING_REQUIRE_TOTP, v, &r->err) || api_commit(r))
        return -1;
    return reply_settings(r);
}
