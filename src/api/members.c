/* members.c: household members over HTTP, and revealing a full ID number or phone. */
#include "api/api.h"
#include "core/jsonx.h"
#include "model/household.h"

#include <sodium.h>
#include <string.h>

int scope_member_param(req *r) {
    int64_t h = member_household(r->db, req_id(r, 0), &r->err);
    if (h < 0) return -1;
    if (h == 0) return fail(r, 404, "not_found", "member");
    return hh_check(r, h);
}

static int read_member(req *r, member_in *in, int adding) {
    memset(in, 0, sizeof *in);
    in->joined = -1;
    int joined = 0, has_joined;
    json_t *j = r->json;
    if (jx_str(j, "name", adding, 60, &in->name, &r->err) < 0 ||
        (adding && jx_str(j, "id_number", JX_REQUIRED, 18, &in->id_number, &r->err) < 0) ||
        jx_enum(j, "relation", adding, MEMBER_RELATIONS, &in->relation, &r->err) < 0 ||
        jx_enum(j, "health", JX_OPTIONAL, MEMBER_HEALTH, &in->health, &r->err) < 0 ||
        jx_enum(j, "education", JX_OPTIONAL, MEMBER_EDUCATION, &in->education, &r->err) < 0 ||
        jx_enum(j, "labour", JX_OPTIONAL, MEMBER_LABOUR, &in->labour, &r->err) < 0 ||
        jx_str_or_null(j, "phone", 20, &in->phone, &r->err) < 0 ||
        (has_joined = jx_bool(j, "joined", JX_OPTIONAL, &joined, &r->err)) < 0)
        return -1;
    if (!adding && json_object_get(j, "id_number")) return fail(r, 400, "invalid_value", "id_number");
    if (json_is_null(json_object_get(j, "phone"))) in->phone = "";
    if (has_joined) in->joined = joined;
    return 0;
}

/* Answer with the member as stored, from its household's full file. */
static int reply_member(req *r, int status, int64_t household_id, int64_t member_id) {
    json_t *h = household_get_json(r->db, household_id, 1, &r->err);
    if (!h) return -1;
    json_t *m, *found = NULL;
    size_t i;
    json_array_foreach(json_object_get(h, "members"), i, m)
        if (json_integer_value(json_object_get(m, "id")) == member_id) found = json_incref(m);
    json_decref(h);
    if (!found) return fail(r, 404, "not_found", "member");
    return api_commit_reply(r, status, found);
}

int h_member_create(req *r) {
    member_in in;
    if (read_member(r, &in, 1)) return -1;
    audit_ctx ctx = api_ctx(r);
    int64_t hid = req_id(r, 0), id;
    if (api_begin(r) || member_add(r->db, &ctx, hid, &in, &id, &r->err)) return -1;
    return reply_member(r, 201, hid, id);
}

int h_member_update(req *r) {
    member_in in;
    if (read_member(r, &in, 0)) return -1;
    audit_ctx ctx = api_ctx(r);
    int64_t id = req_id(r, 0);
    int64_t hid = member_household(r->db, id, &r->err);
    if (hid <= 0) return -1;
    if (api_begin(r) || member_update(r->db, &ctx, id, &in, &r->err)) return -1;
    return reply_member(r, 200, hid, id);
}

int h_member_delete(req *r) {
    audit_ctx ctx = api_ctx(r);
    if (api_begin(r) || member_delete(r->db, &ctx, req_id(r, 0), &r->err) || api_commit(r)) return -1;
    reply_empty(r, 204);
    return 0;
}

int h_member_reveal(req *r) {
    const char *pw, *field;
    static const char *const FIELDS[] = {"id_number", "phone", NULL};
    if (jx_str(r->json, "password", JX_REQUIRED, 256, &pw, &r->err) < 0 ||
        jx_enum(r->json, "field", JX_REQUIRED, FIELDS, &field, &r->err) < 0 || api_reauth(r, pw))
        return -1;
    int64_t id = req_id(r, 0);
    int64_t hid = member_household(r->db, id, &r->err);
    if (hid <= 0) return -1;
    strbuf value = STRBUF_INIT;
    audit_ctx ctx = api_ctx(r);
    json_t *after = json_pack("{s:I, s:s}", "member_id", (json_int_t)id, "field", field);
    int rc = member_reveal(r->db, id, field, &value, &r->err);
    if (!rc) rc = api_begin(r);
    if (!rc) rc = audit_append_id(r->db, &ctx, "member.reveal", "household", hid, NULL, after, &r->err);
    if (!rc) rc = api_commit(r);
    json_decref(after);
    if (!rc) reply_json(r, 200, json_pack("{s:s?}", "value", value.len ? value.buf : NULL));
    if (value.buf) sodium_memzero(value.buf, value.len);
    strbuf_release(&value);
    return rc;
}
