/*
** fuzz_errors: localised error bodies (http/errors.c) for arbitrary
** Accept-Language headers and details. The detail is whatever a handler put
** in xerr, and sometimes comes from the request (the 404 detail is the
** %-decoded path: any bytes, cut at 159 bytes). The answer must always be a
** JSON object {"error":{"code","message"[,"field"]}}, never NULL or "null",
** and a code outside the catalogue must not leak its detail.
*/
#include "http/errors.h"
#include "fuzz_util.h"

#include <jansson.h>

/* The catalogue's codes (errors.c), a few unknown ones and NULL. */
static const char *const CODES[] = {
    "bad_json", "json_too_deep", "expected_object", "missing_field", "invalid_type", "invalid_value",
    "too_long", "body_too_large", "unsupported_media_type", "not_found", "method_not_allowed",
    "unauthenticated", "session_expired", "forbidden", "out_of_scope", "csrf_failed", "bad_credentials",
    "account_locked", "account_disabled", "otp_required", "otp_invalid", "totp_enrollment_required",
    "reauth_failed", "weak_password", "conflict", "constraint_failed", "invalid_org_code",
    "invalid_parent", "invalid_phone", "invalid_login", "busy", "db_unavailable",
    /* not in the catalogue: */
    "db_error", "key_file", "internal", "%s", NULL};
#define N_CODES (sizeof CODES / sizeof CODES[0])
static const char *const FIELD_CODES[] = {"missing_field", "invalid_type", "invalid_value", "too_long"};
static const int STATUS[] = {400, 401, 403, 404, 405, 409, 413, 415, 423, 500, 503, 0, 200, 599};

static int known(const char *code) {
    for (size_t i = 0; code && i < N_CODES && strcmp(CODES[i], "db_error"); i++)
        if (!strcmp(CODES[i], code)) return 1;
    return 0;
}

static int field_code(const char *code) {
    for (size_t i = 0; code && i < sizeof FIELD_CODES / sizeof FIELD_CODES[0]; i++)
        if (!strcmp(FIELD_CODES[i], code)) return 1;
    return 0;
}

static void check(const xerr *e, const char *lang) {
    json_t *body = error_body(e, lang);
    FUZZ_CHECK(body != NULL);
    char *s = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);   /* as reply_json sends it */
    FUZZ_CHECK(s != NULL && strcmp(s, "null"));
    json_error_t je;
    json_t *back = json_loads(s, JSON_REJECT_DUPLICATES, &je);
    FUZZ_CHECK(back != NULL && json_equal(back, body));
    FUZZ_CHECK(fuzz_utf8_valid(s, strlen(s)));

    json_t *err = json_object_get(back, "error");
    FUZZ_CHECK(json_is_object(err) && json_object_size(back) == 1);
    const char *code = json_string_value(json_object_get(err, "code"));
    const char *msg = json_string_value(json_object_get(err, "message"));
    json_t *field = json_object_get(err, "field");
    FUZZ_CHECK(code && msg && *msg);
    if (known(e->code)) {
        FUZZ_CHECK(!strcmp(code, e->code));
    } else {
        /* Unknown codes: a generic message, nothing of the detail. */
        FUZZ_CHECK(!strcmp(code, e->code && e->status < 500 ? e->code : "internal"));
        FUZZ_CHECK(!strcmp(msg, "Internal server error") || !strcmp(msg, "服务器内部错误") ||
                   !strcmp(msg, "Request error") || !strcmp(msg, "请求错误"));
    }
    if (field) {
        FUZZ_CHECK(field_code(e->code) && e->detail[0] && json_is_string(field));
        if (fuzz_utf8_valid(e->detail, strlen(e->detail)))
            FUZZ_CHECK(!strcmp(json_string_value(field), e->detail));
    } else {
        FUZZ_CHECK(!field_code(e->code) || !e->detail[0]);
    }
    json_decref(back);
    free(s);
    json_decref(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_in in = {data, size};
    const char *code = CODES[fuzz_byte(&in) % N_CODES];
    uint8_t st = fuzz_byte(&in);
    int status = st < 200 ? STATUS[st % (sizeof STATUS / sizeof STATUS[0])] : st + 300;
    char *al = fuzz_str(&in);
    char *detail = fuzz_str(&in);

    const char *lang = lang_from_header(al);
    FUZZ_CHECK(!strcmp(lang, "zh") || !strcmp(lang, "en"));
    FUZZ_CHECK(!strcmp(lang_from_header(NULL), "zh"));

    xerr e = {0};
    xerr_set(&e, status, code, "%s", detail);   /* as fail() does: cut at 159 bytes */
    check(&e, lang);
    check(&e, "en");
    check(&e, "zh");
    xerr none = {0};   /* a handler that returned -1 without filling r->err */
    check(&none, lang);

    free(al);
    free(detail);
    return 0;
}
