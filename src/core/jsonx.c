/* jsonx.c: typed field getters for request bodies (see jsonx.h). */
#include "core/jsonx.h"
#include "core/strbuf.h"

#include <string.h>

static json_t *field(json_t *obj, const char *key, int required, int *rc, xerr *e) {
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    if (!v) *rc = required ? xerr_set(e, 400, "missing_field", "%s", key) : 0;
    return v;
}

static int string_field(json_t *obj, const char *key, int required, int allow_empty, size_t maxlen,
                        const char **out, xerr *e) {
    int rc;
    json_t *v = field(obj, key, required, &rc, e);
    if (!v) return rc;
    if (!json_is_string(v)) return xerr_set(e, 400, "invalid_type", "%s", key);
    size_t n = json_string_length(v);
    if (n == 0 && !allow_empty) return xerr_set(e, 400, "invalid_value", "%s", key);
    if (n > maxlen) return xerr_set(e, 400, "too_long", "%s", key);
    if (strlen(json_string_value(v)) != n) return xerr_set(e, 400, "invalid_value", "%s", key);
    *out = json_string_value(v);
    return 1;
}

int jx_str(json_t *obj, const char *key, int required, size_t maxlen, const char **out, xerr *e) {
    return string_field(obj, key, required, 0, maxlen, out, e);
}

int jx_text(json_t *obj, const char *key, int required, size_t maxlen, const char **out, xerr *e) {
    return string_field(obj, key, required, 1, maxlen, out, e);
}

int jx_str_or_null(json_t *obj, const char *key, size_t maxlen, const char **out, xerr *e) {
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    if (v && json_is_null(v)) {
        *out = NULL;
        return 1;
    }
    return jx_str(obj, key, JX_OPTIONAL, maxlen, out, e);
}

int jx_int(json_t *obj, const char *key, int required, int64_t min, int64_t max, int64_t *out, xerr *e) {
    int rc;
    json_t *v = field(obj, key, required, &rc, e);
    if (!v) return rc;
    if (!json_is_integer(v)) return xerr_set(e, 400, "invalid_type", "%s", key);
    json_int_t i = json_integer_value(v);
    if (i < min || i > max) return xerr_set(e, 400, "invalid_value", "%s", key);
    *out = i;
    return 1;
}

int jx_bool(json_t *obj, const char *key, int required, int *out, xerr *e) {
    int rc;
    json_t *v = field(obj, key, required, &rc, e);
    if (!v) return rc;
    if (!json_is_boolean(v)) return xerr_set(e, 400, "invalid_type", "%s", key);
    *out = json_is_true(v);
    return 1;
}

int jx_enum(json_t *obj, const char *key, int required, const char *const *choices, const char **out,
            xerr *e) {
    const char *s = NULL;
    int rc = jx_str(obj, key, required, 64, &s, e);
    if (rc <= 0) return rc;
    const char *choice = str_in_list(choices, s);
    if (!choice) return xerr_set(e, 400, "invalid_value", "%s", key);
    *out = choice;
    return 1;
}

int jx_depth(const json_t *v) {
    int max = 0;
    if (json_is_object(v)) {
        const char *k;
        json_t *c;
        json_object_foreach((json_t *)v, k, c) {
            int d = jx_depth(c);
            if (d > max) max = d;
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *c;
        json_array_foreach(v, i, c) {
            int d = jx_depth(c);
            if (d > max) max = d;
        }
    }
    return max + 1;
}
