/*
** test_core.c: unit tests of the pure building blocks: strings, JSON field
** readers, masking, the password policy and hashing, TOTP (RFC 6238 vectors),
** personal-data encryption and blind index, error messages, validators of
** division codes and logins, and subtree ranges.
*/
/* Project headers first: cmocka defines a fail() macro that would clash with http.h's fail(). */
#include "api/api.h"
#include "auth/password.h"
#include "auth/totp.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "core/date.h"
#include "core/jsonx.h"
#include "core/mask.h"
#include "core/strbuf.h"
#include "http/errors.h"
#include "model/org.h"
#include "model/user.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void test_strbuf(void **state) {
    (void)state;
    strbuf sb = STRBUF_INIT;
    assert_string_equal(strbuf_str(&sb), "");
    for (int i = 0; i < 1000; i++) strbuf_addf(&sb, "%d,", i);
    assert_int_equal(sb.len, strlen(sb.buf));
    assert_memory_equal(sb.buf, "0,1,2,", 6);
    strbuf_reset(&sb);
    assert_int_equal(sb.len, 0);
    strbuf_add(&sb, "a\0b", 3);
    assert_int_equal(sb.len, 3);
    char *d = strbuf_detach(&sb);
    assert_int_equal(sb.len, 0);
    assert_null(sb.buf);
    assert_memory_equal(d, "a\0b", 4);
    free(d);
    strbuf_release(&sb);
}

static void test_jsonx(void **state) {
    (void)state;
    json_t *o = json_loads("{\"s\":\"x\",\"e\":\"\",\"n\":5,\"b\":true,\"z\":null,\"r\":\"cadre\"}", 0, NULL);
    xerr e = {0};
    const char *s = NULL;
    int64_t n = 0;
    int b = 0;
    assert_int_equal(jx_str(o, "s", JX_REQUIRED, 10, &s, &e), 1);
    assert_string_equal(s, "x");
    assert_int_equal(jx_str(o, "missing", JX_OPTIONAL, 10, &s, &e), 0);
    assert_int_equal(jx_str(o, "missing", JX_REQUIRED, 10, &s, &e), -1);
    assert_string_equal(e.code, "missing_field");
    assert_string_equal(e.detail, "missing");
    assert_int_equal(jx_str(o, "n", JX_REQUIRED, 10, &s, &e), -1);
    assert_string_equal(e.code, "invalid_type");
    assert_int_equal(jx_str(o, "e", JX_REQUIRED, 10, &s, &e), -1);
    assert_string_equal(e.code, "invalid_value");
    assert_int_equal(jx_str(o, "s", JX_REQUIRED, 0, &s, &e), -1);
    assert_string_equal(e.code, "too_long");
    assert_int_equal(jx_int(o, "n", JX_REQUIRED, 1, 10, &n, &e), 1);
    assert_int_equal(n, 5);
    assert_int_equal(jx_int(o, "n", JX_REQUIRED, 6, 10, &n, &e), -1);
    assert_string_equal(e.code, "invalid_value");
    assert_int_equal(jx_bool(o, "b", JX_REQUIRED, &b, &e), 1);
    assert_true(b);
    assert_int_equal(jx_str_or_null(o, "z", 10, &s, &e), 1);
    assert_null(s);
    assert_int_equal(jx_enum(o, "r", JX_REQUIRED, USER_ROLES, &s, &e), 1);
    assert_string_equal(s, "cadre");
    assert_int_equal(jx_enum(o, "s", JX_REQUIRED, USER_ROLES, &s, &e), -1);
    json_decref(o);
    json_t *deep = json_loads("[[[[{\"a\":[1]}]]]]", 0, NULL);
    assert_int_equal(jx_depth(deep), 7);
    json_decref(deep);
    /* A string with an embedded NUL is refused: C code would see it cut short. */
    json_t *nul = json_loads("{\"s\":\"a\\u0000b\"}", JSON_ALLOW_NUL, NULL);
    assert_int_equal(jx_str(nul, "s", JX_REQUIRED, 10, &s, &e), -1);
    json_decref(nul);
}

static void test_phone(void **state) {
    (void)state;
    char out[32];
    assert_true(phone_valid("13812345678"));
    assert_false(phone_valid("23812345678"));
    assert_false(phone_valid("1381234567"));
    assert_false(phone_valid("1381234567x"));
    assert_false(phone_valid(NULL));
    phone_mask("13812345678", out, sizeof out);
    assert_string_equal(out, "138****5678");
    phone_mask("12345", out, sizeof out);
    assert_string_equal(out, "1***5");
    phone_mask("12", out, sizeof out);
    assert_string_equal(out, "**");
}

static void test_password(void **state) {
    (void)state;
    xerr e = {0};
    assert_int_equal(password_check_policy("short1A", &e), -1);
    assert_string_equal(e.code, "weak_password");
    assert_int_equal(password_check_policy("alllowercase", &e), -1);
    assert_int_equal(password_check_policy("12345678", &e), -1);
    assert_int_equal(password_check_policy("abcd1234", &e), -1);   /* two classes */
    assert_int_equal(password_check_policy("abcd123!", &e), 0);
    assert_int_equal(password_check_policy("Abcd1234", &e), 0);
    assert_int_equal(password_check_policy("密码很长很长1a", &e), 0);   /* counts characters */
    char h[128];
    assert_int_equal(password_hash("Abcd1234", h, &e), 0);
    assert_true(!strncmp(h, "$argon2id$", 10));
    assert_true(password_verify("Abcd1234", h));
    assert_false(password_verify("Abcd1235", h));
    assert_false(password_verify("Abcd1234", password_dummy_hash()));
    assert_true(!strncmp(password_dummy_hash(), "$argon2id$", 10));
}

/* RFC 6238 appendix B, SHA-1 secret "12345678901234567890", 6-digit truncation. */
static void test_totp_vectors(void **state) {
    (void)state;
    const char *secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    static const struct { int64_t t; const char *code; } V[] = {
        {59, "287082"}, {1111111109, "081804"}, {1111111111, "050471"},
        {1234567890, "005924"}, {2000000000, "279037"},
    };
    char code[8];
    for (size_t i = 0; i < sizeof V / sizeof V[0]; i++) {
        assert_int_equal(totp_code(secret, V[i].t, code), 0);
        assert_string_equal(code, V[i].code);
    }
    int64_t step = totp_check(secret, "081804", 1111111109, 0);
    assert_int_equal(step, 1111111109 / 30);
    assert_int_equal(totp_check(secret, "081804", 1111111109, step), -1);   /* replay */
    assert_int_equal(totp_check(secret, "081805", 1111111109, 0), -1);
    assert_int_equal(totp_check(secret, "08180", 1111111109, 0), -1);
    assert_int_equal(totp_check(secret, "08180a", 1111111109, 0), -1);
    assert_int_equal(totp_check(secret, "081804", 1111111109 + 30, 0), 1111111109 / 30);   /* drift */
    assert_int_equal(totp_check(secret, "081804", 1111111109 + 90, 0), -1);
    char fresh[64];
    assert_int_equal(totp_new_secret(fresh), 0);
    assert_int_equal(strlen(fresh), 32);
}

static char g_keyfile[64];

static int crypto_setup(void **state) {
    (void)state;
    snprintf(g_keyfile, sizeof g_keyfile, "/tmp/xc-unit-key-%d", (int)getpid());
    unlink(g_keyfile);
    xerr e = {0};
    return crypto_init(g_keyfile, 1, &e);
}

static int crypto_teardown(void **state) {
    (void)state;
    unlink(g_keyfile);
    return 0;
}

static void test_pii(void **state) {
    (void)state;
    char *a = pii_encrypt("13812345678"), *b = pii_encrypt("13812345678");
    assert_string_not_equal(a, b);   /* random nonces */
    strbuf out = STRBUF_INIT;
    assert_int_equal(pii_decrypt(a, &out), 0);
    assert_string_equal(out.buf, "13812345678");
    a[10] = a[10] == 'A' ? 'B' : 'A';
    strbuf_reset(&out);
    assert_int_equal(pii_decrypt(a, &out), -1);
    assert_int_equal(pii_decrypt("not base64!", &out), -1);
    assert_int_equal(pii_decrypt("", &out), -1);
    char h1[65], h2[65], h3[65];
    pii_blind_index("13812345678", h1);
    pii_blind_index("13812345678", h2);
    pii_blind_index("13812345679", h3);
    assert_string_equal(h1, h2);
    assert_string_not_equal(h1, h3);
    char t1[80], t2[80];
    token_new("xct_", t1, sizeof t1);
    token_new("xct_", t2, sizeof t2);
    assert_true(!strncmp(t1, "xct_", 4));
    assert_int_equal(strlen(t1), 4 + 43);
    assert_string_not_equal(t1, t2);
    assert_true(str_equal_ct("abc", "abc"));
    assert_false(str_equal_ct("abc", "abd"));
    assert_false(str_equal_ct("abc", "ab"));
    free(a);
    free(b);
    strbuf_release(&out);
}

/* The key file persists: a second init with the same file gives the same keys. */
static void test_key_file_persists(void **state) {
    (void)state;
    char *enc = pii_encrypt("secret");
    xerr e = {0};
    assert_int_equal(crypto_init(g_keyfile, 1, &e), 0);
    strbuf out = STRBUF_INIT;
    assert_int_equal(pii_decrypt(enc, &out), 0);
    assert_string_equal(out.buf, "secret");
    assert_int_equal(access(g_keyfile, R_OK), 0);
    free(enc);
    strbuf_release(&out);
}

static void test_error_messages(void **state) {
    (void)state;
    xerr e = {0};
    xerr_set(&e, 400, "missing_field", "%s", "login");
    json_t *zh = error_body(&e, "zh"), *en = error_body(&e, "en");
    json_t *ez = json_object_get(zh, "error"), *ee = json_object_get(en, "error");
    assert_string_equal(json_string_value(json_object_get(ez, "code")), "missing_field");
    assert_string_equal(json_string_value(json_object_get(ez, "message")), "缺少字段：login");
    assert_string_equal(json_string_value(json_object_get(ee, "message")), "Missing field: login");
    assert_string_equal(json_string_value(json_object_get(ee, "field")), "login");
    json_decref(zh);
    json_decref(en);
    /* An internal error never leaks its detail. */
    xerr_set(&e, 500, "db_error", "%s", "secret table name");
    json_t *in = error_body(&e, "en");
    const char *msg = json_string_value(json_object_get(json_object_get(in, "error"), "message"));
    assert_null(strstr(msg, "secret"));
    json_decref(in);
    assert_string_equal(lang_from_header(NULL), "zh");
    assert_string_equal(lang_from_header("en-US,en;q=0.9"), "en");
    assert_string_equal(lang_from_header("zh-CN,zh;q=0.9,en;q=0.8"), "zh");
}

static void test_validators(void **state) {
    (void)state;
    assert_true(org_code_valid("511423000000"));
    assert_false(org_code_valid("51142300000"));
    assert_false(org_code_valid("51142300000a"));
    assert_string_equal(org_level(0), "county");
    assert_string_equal(org_level(3), "group");
    assert_null(org_level(4));
    assert_true(user_login_valid("admin"));
    assert_true(user_login_valid("li.ming-2"));
    assert_false(user_login_valid("a"));
    assert_false(user_login_valid("Admin"));
    assert_false(user_login_valid(".admin"));
    assert_false(user_login_valid("li ming"));
    char lo[256], hi[256];
    scope_range("/1/4/", lo, hi);
    assert_string_equal(lo, "/1/4/");
    assert_string_equal(hi, "/1/40");
    assert_true(strcmp("/1/4/17/", lo) >= 0 && strcmp("/1/4/17/", hi) < 0);
    assert_false(strcmp("/1/41/", lo) >= 0 && strcmp("/1/41/", hi) < 0);
    assert_false(strcmp("/1/3/", lo) >= 0 && strcmp("/1/3/", hi) < 0);
}

static void test_dates(void **state) {
    (void)state;
    int64_t n;
    assert_int_equal(date_to_days("1970-01-01", &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(date_to_days("2026-11-23", &n), 0);
    assert_int_equal(n, 20780);
    assert_int_equal(date_weekday(n), 1);   /* a Monday */
    assert_int_equal(date_to_days("1900-03-01", &n), 0);
    assert_int_equal(date_weekday(n), 4);   /* a Thursday */
    assert_true(date_valid("2024-02-29"));
    assert_false(date_valid("2026-02-29"));
    assert_false(date_valid("2100-02-29"));
    assert_true(date_valid("2000-02-29"));
    const char *bad[] = {"2026-13-01", "2026-04-31", "2026-4-01", "2026/04/01", "2026-04-01x", " 2026-04-1",
                         "1899-12-31", "2101-01-01", "", NULL};
    for (const char **b = bad; *b; b++) assert_false(date_valid(*b));
    assert_false(date_valid(NULL));
    /* Every day of two centuries goes there and back. */
    char s[11];
    int64_t lo, hi;
    assert_int_equal(date_to_days("1900-01-01", &lo), 0);
    assert_int_equal(date_to_days("2100-12-31", &hi), 0);
    for (int64_t d = lo; d <= hi; d++) {
        date_from_days(d, s);
        assert_int_equal(date_to_days(s, &n), 0);
        assert_int_equal(n, d);
    }
    date_utc(-1, s);
    assert_string_equal(s, "1969-12-31");
    date_utc(1795392000 - 1, s);
    assert_string_equal(s, "2026-11-22");

    /* ISO-8601 times: zones, optional seconds and fractions, the default zone. */
    int64_t t;
    const struct { const char *s; int def; int64_t want; } OK[] = {
        {"2026-11-23T00:00:00Z", 0, 1795392000},
        {"2026-11-23 08:00:00+08:00", 0, 1795392000},
        {"2026-11-23T08:00+0800", 0, 1795392000},
        {"2026-11-23T08:00:00.123+08", 0, 1795392000},
        {"2026-11-23T08:00", 8 * 3600, 1795392000},
        {"2026-11-22T19:30:00-04:30", 0, 1795392000},
    };
    for (size_t i = 0; i < sizeof OK / sizeof OK[0]; i++) {
        assert_int_equal(date_parse_time(OK[i].s, OK[i].def, &t), 0);
        assert_int_equal(t, OK[i].want);
    }
    const char *BAD[] = {"2026-11-23", "2026-11-23T24:00", "2026-11-23T08:60", "2026-02-30T08:00",
                         "2026-11-23T08:00:00.", "2026-11-23T08:00+8", "2026-11-23T08:00Zx", "2026-11-23X08:00", NULL};
    for (const char **b = BAD; *b; b++) assert_int_equal(date_parse_time(*b, 0, &t), -1);
}

/* The test clock: an offset to the real clock, "=T" stopped at T, anything else the real clock. */
static void test_clock_file(void **state) {
    (void)state;
    char path[] = "/tmp/xc-clock-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    setenv("XIANGCUN_CLOCK_FILE", path, 1);
    clock_init();
    static const struct { const char *line; int64_t off, fixed; } CASES[] = {
        {"3600\n", 3600, 0}, {"-60\n", -60, 0}, {"=1795392000\n", 0, 1795392000}, {" =42", 0, 42}, {"junk\n", 0, 0},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(CASES[i].line, f);
        fclose(f);
        int64_t now = clock_now(), real = (int64_t)time(NULL);
        if (CASES[i].fixed) assert_int_equal(now, CASES[i].fixed);
        else assert_true(now - real - CASES[i].off >= -1 && now - real - CASES[i].off <= 1);
    }
    unlink(path);
    unsetenv("XIANGCUN_CLOCK_FILE");
    clock_init();
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strbuf),
        cmocka_unit_test(test_jsonx),
        cmocka_unit_test(test_phone),
        cmocka_unit_test(test_password),
        cmocka_unit_test(test_totp_vectors),
        cmocka_unit_test(test_pii),
        cmocka_unit_test(test_key_file_persists),
        cmocka_unit_test(test_error_messages),
        cmocka_unit_test(test_validators),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_clock_file),
    };
    return cmocka_run_group_tests(tests, crypto_setup, crypto_teardown);
}
