/*
** fuzz_json: request bodies decoded into typed values, as the router and the
** handlers do: json_loadb(JSON_REJECT_DUPLICATES), jx_depth, then jx_str /
** jx_int / jx_bool / jx_enum / jx_str_or_null on the fields the input itself
** names (and on the handlers' own field names). Each getter's result is checked
** against its contract in core/jsonx.h, and every error it reports must turn
** into a valid localised error body (http/errors.c).
*/
#include "core/jsonx.h"
#include "http/errors.h"
#include "fuzz_util.h"

#include <jansson.h>

static const char *const ROLES[] = {"admin", "auditor", "official", "secretary", "cadre", "villager", NULL};
static const char *const HANDLER_KEYS[] = {
    "login", "password", "otp", "display_name", "role", "org_id", "phone", "disabled", "parent_id",
    "code", "name", "old_password", "new_password", "require_totp_admin", NULL};
static const char *const SENTINEL = "(untouched)";

/* Every error must be a 400 naming the field, and render as a JSON error body. */
static void check_err(const xerr *e, const char *key, const char *want_code) {
    FUZZ_CHECK(e->status == 400);
    FUZZ_CHECK(e->code && !strcmp(e->code, want_code));
    FUZZ_CHECK(strlen(e->detail) < sizeof e->detail);
    FUZZ_CHECK(!strncmp(e->detail, key, sizeof e->detail - 1));
    for (int en = 0; en < 2; en++) {
        json_t *body = error_body(e, en ? "en" : "zh");
        FUZZ_CHECK(body != NULL);
        json_t *err = json_object_get(body, "error");
        FUZZ_CHECK(json_is_string(json_object_get(err, "code")));
        FUZZ_CHECK(json_is_string(json_object_get(err, "message")));
        char *s = json_dumps(body, JSON_COMPACT);
        FUZZ_CHECK(s != NULL);
        free(s);
        json_decref(body);
    }
}

/* The expected outcome of reading a string field, per jsonx.h. */
static int want_str(json_t *v, int required, size_t maxlen, const char **code) {
    if (!v) {
        *code = "missing_field";
        return required ? -1 : 0;
    }
    *code = "invalid_type";
    if (!json_is_string(v)) return -1;
    size_t n = json_string_length(v);
    *code = n == 0 ? "invalid_value" : n > maxlen ? "too_long" : "invalid_value";
    if (n == 0 || n > maxlen || strlen(json_string_value(v)) != n) return -1;
    return 1;
}

static void check_fields(json_t *obj, const char *key) {
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    static const size_t MAXLEN[] = {1, 12, 32, 64, 100, 256};
    for (size_t m = 0; m < sizeof MAXLEN / sizeof MAXLEN[0]; m++) {
        for (int required = 0; required < 2; required++) {
            xerr e = {0};
            const char *out = SENTINEL, *code;
            int rc = jx_str(obj, key, required, MAXLEN[m], &out, &e);
            int want = want_str(v, required, MAXLEN[m], &code);
            FUZZ_CHECK(rc == want);
            if (rc < 0) check_err(&e, key, code);
            else FUZZ_CHECK(e.status == 0);
            if (rc == 0) FUZZ_CHECK(out == SENTINEL);
            if (rc == 1) {
                FUZZ_CHECK(out == json_string_value(v));
                FUZZ_CHECK(strlen(out) >= 1 && strlen(out) <= MAXLEN[m]);
            }
        }
        xerr e = {0};
        const char *out = SENTINEL, *code;
        int rc = jx_str_or_null(obj, key, MAXLEN[m], &out, &e);
        if (v && json_is_null(v)) {
            FUZZ_CHECK(rc == 1 && out == NULL);
        } else {
            FUZZ_CHECK(rc == want_str(v, 0, MAXLEN[m], &code));
            if (rc < 0) check_err(&e, key, code);
        }
    }

    static const int64_t RANGES[][2] = {{1, INT64_MAX}, {0, 1000000}, {INT64_MIN, INT64_MAX}, {-5, 5}};
    for (size_t i = 0; i < sizeof RANGES / sizeof RANGES[0]; i++) {
        xerr e = {0};
        int64_t out = 0x5a5a;
        int rc = jx_int(obj, key, 1, RANGES[i][0], RANGES[i][1], &out, &e);
        if (!v) {
            FUZZ_CHECK(rc == -1);
            check_err(&e, key, "missing_field");
        } else if (!json_is_integer(v)) {
            FUZZ_CHECK(rc == -1);
            check_err(&e, key, "invalid_type");
        } else if (json_integer_value(v) < RANGES[i][0] || json_integer_value(v) > RANGES[i][1]) {
            FUZZ_CHECK(rc == -1);
            check_err(&e, key, "invalid_value");
        } else {
            FUZZ_CHECK(rc == 1 && out == json_integer_value(v));
            FUZZ_CHECK(out >= RANGES[i][0] && out <= RANGES[i][1]);
        }
    }

    {
        xerr e = {0};
        int out = 7;
        int rc = jx_bool(obj, key, 0, &out, &e);
        if (!v) FUZZ_CHECK(rc == 0 && out == 7);
        else if (!json_is_boolean(v)) {
            FUZZ_CHECK(rc == -1);
            check_err(&e, key, "invalid_type");
        } else FUZZ_CHECK(rc == 1 && out == json_is_true(v));
    }

    {
        xerr e = {0};
        const char *out = SENTINEL;
        int rc = jx_enum(obj, key, 1, ROLES, &out, &e);
        if (rc == 1) {
            int found = 0;
            for (const char *const *c = ROLES; *c; c++) found |= out == *c;
            FUZZ_CHECK(found && json_is_string(v) && !strcmp(out, json_string_value(v)));
        } else {
            FUZZ_CHECK(rc == -1 && out == SENTINEL);
            FUZZ_CHECK(e.status == 400 && e.code);
            check_err(&e, key, e.code);
        }
    }
}

static void walk(json_t *obj, int depth) {
    if (!json_is_object(obj) || depth > 3) return;
    const char *k;
    json_t *v;
    int n = 0;
    json_object_foreach(obj, k, v) {
        if (n++ >= 16) break;
        check_fields(obj, k);
        walk(v, depth + 1);
    }
}

/* Depth computed independently of jx_depth. */
static int ref_depth(json_t *v) {
    int max = 0;
    if (json_is_object(v) || json_is_array(v)) {
        size_t n = json_is_object(v) ? json_object_size(v) : json_array_size(v);
        if (json_is_array(v))
            for (size_t i = 0; i < n; i++) {
                int d = ref_depth(json_array_get(v, i));
                if (d > max) max = d;
            }
        else {
            void *it = json_object_iter(v);
            for (; it; it = json_object_iter_next(v, it)) {
                int d = ref_depth(json_object_iter_value(it));
                if (d > max) max = d;
            }
        }
    }
    return max + 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    json_error_t je;
    json_t *root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        char where[96];   /* as router.c reports it */
        snprintf(where, sizeof where, "line %d column %d", je.line, je.column);
        return 0;
    }
    int d = jx_depth(root);
    FUZZ_CHECK(d >= 1 && d == ref_depth(root));

    /* What the server would send back must survive a round trip. */
    char *s = json_dumps(root, JSON_COMPACT | JSON_ENCODE_ANY);
    FUZZ_CHECK(s != NULL);
    json_t *again = json_loads(s, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
    FUZZ_CHECK(again && json_equal(root, again));
    json_decref(again);
    free(s);

    /* The router accepts only objects nested at most 16 deep. */
    if (json_is_object(root) && d <= 16) {
        walk(root, 0);
        for (const char *const *k = HANDLER_KEYS; *k; k++) check_fields(root, *k);
    } else {
        check_fields(root, "login");   /* a non-object has no fields */
    }
    json_decref(root);
    return 0;
}
