/*
** test_duty.c: unit tests of the check-in building blocks that need no
** database: distances, point in polygon and coordinate checks (core/geo.c),
** the OsmAnd / Traccar Client parser with every timestamp form, knots,
** location=, the JSON body and bad input (duty/osmand.c), and photo sniffing
** (model/photo.c).
*/
/* Project headers first: cmocka defines a fail() macro that would clash with http.h's fail(). */
#include "core/geo.h"
#include "duty/osmand.h"
#include "model/photo.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

/* ---- geo ------------------------------------------------------------------------ */

static void test_distance(void **state) {
    (void)state;
    assert_true(geo_distance_m(29.7, 103.2, 29.7, 103.2) == 0);
    /* One degree of latitude is about 111.2 km on the mean sphere. */
    assert_true(fabs(geo_distance_m(0, 0, 1, 0) - 111195) < 10);
    /* Beijing Tiananmen to Shanghai People's Square: about 1067 km. */
    double d = geo_distance_m(39.9087, 116.3975, 31.2304, 121.4737);
    assert_true(d > 1060e3 && d < 1075e3);
    assert_true(fabs(geo_distance_m(29.7, 103.2, 29.8, 103.3) - geo_distance_m(29.8, 103.3, 29.7, 103.2)) < 1e-6);
}

static void test_polygon(void **state) {
    (void)state;
    const double square[][2] = {{29.0, 103.0}, {29.0, 104.0}, {30.0, 104.0}, {30.0, 103.0}};
    assert_int_equal(geo_in_polygon(square, 4, 29.5, 103.5), 1);
    assert_int_equal(geo_in_polygon(square, 4, 30.5, 103.5), 0);
    assert_int_equal(geo_in_polygon(square, 4, 29.5, 102.9), 0);
    assert_int_equal(geo_in_polygon(square, 4, 29.5, 104.1), 0);
    /* A closed ring (first vertex repeated) gives the same answers. */
    const double closed[][2] = {{29.0, 103.0}, {29.0, 104.0}, {30.0, 104.0}, {30.0, 103.0}, {29.0, 103.0}};
    assert_int_equal(geo_in_polygon(closed, 5, 29.5, 103.5), 1);
    assert_int_equal(geo_in_polygon(closed, 5, 28.5, 103.5), 0);
    /* Concave: an L shape; the notch is outside. */
    const double ell[][2] = {{0, 0}, {0, 2}, {1, 2}, {1, 1}, {2, 1}, {2, 0}};
    assert_int_equal(geo_in_polygon(ell, 6, 0.5, 1.5), 1);
    assert_int_equal(geo_in_polygon(ell, 6, 1.5, 0.5), 1);
    assert_int_equal(geo_in_polygon(ell, 6, 1.5, 1.5), 0);
    /* Two squares sharing the edge lon = 1: a point on it is in exactly one. */
    const double left[][2] = {{0, 0}, {0, 1}, {1, 1}, {1, 0}}, right[][2] = {{0, 1}, {0, 2}, {1, 2}, {1, 1}};
    assert_int_equal(geo_in_polygon(left, 4, 0.5, 1.0) + geo_in_polygon(right, 4, 0.5, 1.0), 1);
    /* Degenerate rings contain nothing. */
    assert_int_equal(geo_in_polygon(square, 2, 29.5, 103.5), 0);
    assert_int_equal(geo_in_polygon(square, 0, 29.5, 103.5), 0);
}

static void test_plausible(void **state) {
    (void)state;
    assert_true(geo_plausible(29.7, 103.2));
    assert_true(geo_plausible(-90, 180));
    assert_false(geo_plausible(90.0001, 0));
    assert_false(geo_plausible(0, -180.5));
    assert_false(geo_plausible(NAN, 0));
    assert_false(geo_plausible(0, INFINITY));
}

/* ---- timestamps ----------------------------------------------------------------- */

static void test_time_forms(void **state) {
    (void)state;
    int64_t t;
    const int64_t T = 1700000000;  /* 2023-11-14T22:13:20Z */
    assert_int_equal(osmand_time("1700000000", &t), 0);
    assert_int_equal(t, T);
    assert_int_equal(osmand_time("1700000000123", &t), 0);  /* milliseconds */
    assert_int_equal(t, T);
    assert_int_equal(osmand_time("2147483646", &t), 0);     /* just below 2^31 - 1: seconds */
    assert_int_equal(t, 2147483646);
    assert_int_equal(osmand_time("2147483647", &t), 0);     /* from there on: milliseconds */
    assert_int_equal(t, 2147483);
    assert_int_equal(osmand_time("2023-11-14T22:13:20Z", &t), 0);
    assert_int_equal(t, T);
    assert_int_equal(osmand_time("2023-11-14T22:13:20.123Z", &t), 0);
    assert_int_equal(t, T);
    assert_int_equal(osmand_time("2023-11-15T06:13:20+08:00", &t), 0);
    assert_int_equal(t, T);
    assert_int_equal(osmand_time("2023-11-15T06:13:20.5+0800", &t), 0);
    assert_int_equal(t, T);
    assert_int_equal(osmand_time("2023-11-14T17:13:20-05:00", &t), 0);
    assert_int_equal(t, T);
    assert_int_equal(osmand_time("2023-11-15T03:43:20+05:30", &t), 0);
    assert_int_equal(t, T);
    assert_int_equal(osmand_time("2023-11-14T22:13:20", &t), 0);   /* no zone: UTC */
    assert_int_equal(t, T);
    assert_int_equal(osmand_time("2023-11-14 22:13:20", &t), 0);   /* Traccar's other text form */
    assert_int_equal(t, T);
    assert_int_equal(osmand_time("2024-02-29T00:00:00Z", &t), 0);  /* leap day */
    assert_int_equal(t, 1709164800);
}

static void test_time_bad(void **state) {
    (void)state;
    int64_t t;
    const char *bad[] = {"", "0", "-1700000000", "1700000000.5", "17e8", "abc", "1234567890123456",
                         "2023-13-01T00:00:00Z", "2023-02-29T00:00:00Z", "2023-11-31T00:00:00Z",
                         "2023-11-14T24:00:00Z", "2023-11-14T22:60:00Z", "2023-11-14T22:13:20+24:00",
                         "2023-11-14T22:13:20Zjunk", "2023-11-14T22:13:20.Z", "2023-11-14T22:1",
                         "2023-11-14", "2023/11/14T22:13:20Z", "2023-11-14T22:13:20+8", "0000-01-01T00:00:00Z"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (osmand_time(bad[i], &t) != -1) fail_msg("accepted '%s'", bad[i]);
    }
    assert_int_equal(osmand_time(NULL, &t), -1);
}

/* ---- the query / form forms --------------------------------------------------------- */

typedef struct args { const char *k[16], *v[16]; } args;

static const char *get_arg(void *ctx, const char *name) {
    const args *a = ctx;
    for (int i = 0; i < 16 && a->k[i]; i++)
        if (!strcmp(a->k[i], name)) return a->v[i];
    return NULL;
}

static void test_args(void **state) {
    (void)state;
    osmand_report r;
    xerr e = {0};
    args a = {{"id", "lat", "lon", "timestamp", "speed", "bearing", "altitude", "accuracy", "hdop", "batt"},
              {"123456", "29.7301", "103.2702", "1700000000", "10", "90.5", "512", "8", "0.9", "77"}};
    assert_int_equal(osmand_parse_args(get_arg, &a, &r, &e), 0);
    assert_string_equal(r.ident, "123456");
    assert_string_equal(r.p.source, "osmand");
    assert_true(r.p.lat == 29.7301 && r.p.lon == 103.2702);
    assert_int_equal(r.p.device_time, 1700000000);
    assert_true(fabs(r.p.speed - 10 * 1852.0 / 3600.0) < 1e-9);  /* knots to m/s */
    assert_true(r.p.bearing == 90.5 && r.p.altitude == 512 && r.p.accuracy == 8 && r.p.battery == 77);
    assert_int_equal(r.p.device_id, 0);

    /* deviceid, location=lat,lon, heading, no timestamp and nothing optional. */
    args b = {{"deviceid", "location", "heading"}, {"phone-7", "-33.8568,151.2153", "270"}};
    assert_int_equal(osmand_parse_args(get_arg, &b, &r, &e), 0);
    assert_string_equal(r.ident, "phone-7");
    assert_true(r.p.lat == -33.8568 && r.p.lon == 151.2153 && r.p.bearing == 270);
    assert_int_equal(r.p.device_time, 0);
    assert_true(isnan(r.p.speed) && isnan(r.p.accuracy) && isnan(r.p.battery) && isnan(r.p.altitude));
}

/* The error of parsing a, as "code:detail". */
static const char *args_error(args *a) {
    static char buf[200];
    osmand_report r;
    xerr e = {0};
    if (!osmand_parse_args(get_arg, a, &r, &e)) return "ok";
    assert_int_equal(e.status, 400);
    snprintf(buf, sizeof buf, "%s:%s", e.code, e.detail);
    return buf;
}

static void test_args_bad(void **state) {
    (void)state;
    struct { args a; const char *want; } cases[] = {
        {{{"lat", "lon"}, {"29", "103"}}, "missing_field:id"},
        {{{"id", "lat", "lon"}, {"ab", "29", "103"}}, "invalid_value:id"},             /* too short */
        {{{"id", "lat", "lon"}, {"bad id!", "29", "103"}}, "invalid_value:id"},
        {{{"deviceid", "lat", "lon"}, {"a/b/c/d", "29", "103"}}, "invalid_value:deviceid"},
        {{{"id", "lon"}, {"123456", "103"}}, "missing_field:lat"},
        {{{"id", "lat"}, {"123456", "29"}}, "missing_field:lon"},
        {{{"id", "lat", "lon"}, {"123456", "north", "103"}}, "invalid_value:lat"},
        {{{"id", "lat", "lon"}, {"123456", "91", "103"}}, "invalid_value:lat"},
        {{{"id", "lat", "lon"}, {"123456", "29", "181"}}, "invalid_value:lon"},
        {{{"id", "lat", "lon"}, {"123456", "nan", "103"}}, "invalid_value:lat"},
        {{{"id", "lat", "lon"}, {"123456", "0", "0"}}, "invalid_value:lat"},           /* no fix */
        {{{"id", "lat", "lon"}, {"123456", "29", ""}}, "invalid_value:lon"},
        {{{"id", "location"}, {"123456", "29.7"}}, "invalid_value:location"},
        {{{"id", "location"}, {"123456", "29.7,x"}}, "invalid_value:location"},
        {{{"id", "location"}, {"123456", "99,103"}}, "invalid_value:location"},
        {{{"id", "lat", "lon", "timestamp"}, {"123456", "29", "103", "yesterday"}}, "invalid_value:timestamp"},
        {{{"id", "lat", "lon", "timestamp"}, {"123456", "29", "103", "2023-02-30T00:00:00Z"}}, "invalid_value:timestamp"},
        {{{"id", "lat", "lon", "speed"}, {"123456", "29", "103", "-3"}}, "invalid_value:speed"},
        {{{"id", "lat", "lon", "speed"}, {"123456", "29", "103", "fast"}}, "invalid_value:speed"},
        {{{"id", "lat", "lon", "bearing"}, {"123456", "29", "103", "361"}}, "invalid_value:bearing"},
        {{{"id", "lat", "lon", "heading"}, {"123456", "29", "103", "-1"}}, "invalid_value:heading"},
        {{{"id", "lat", "lon", "accuracy"}, {"123456", "29", "103", "-5"}}, "invalid_value:accuracy"},
        {{{"id", "lat", "lon", "altitude"}, {"123456", "29", "103", "1e9"}}, "invalid_value:altitude"},
        {{{"id", "lat", "lon", "batt"}, {"123456", "29", "103", "101"}}, "invalid_value:batt"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (strcmp(args_error(&cases[i].a), cases[i].want))
            fail_msg("case %zu: want %s, got %s", i, cases[i].want, args_error(&cases[i].a));
    /* hdop is ignored, even when it is not a number. */
    args h = {{"id", "lat", "lon", "hdop"}, {"123456", "29", "103", "n/a"}};
    assert_string_equal(args_error(&h), "ok");
}

static void test_url_decode(void **state) {
    (void)state;
    char out[32];
    assert_int_equal(osmand_url_decode("a%20b+c%2Bd%e4%B8%AD", 20, out, sizeof out), 0);
    assert_string_equal(out, "a b c+d\xe4\xb8\xad");
    assert_int_equal(osmand_url_decode("", 0, out, sizeof out), 0);
    assert_string_equal(out, "");
    assert_int_equal(osmand_url_decode("%", 1, out, sizeof out), -1);
    assert_int_equal(osmand_url_decode("%4", 2, out, sizeof out), -1);
    assert_int_equal(osmand_url_decode("%zz", 3, out, sizeof out), -1);
    assert_int_equal(osmand_url_decode("a%00b", 5, out, sizeof out), -1);   /* embedded NUL */
    assert_int_equal(osmand_url_decode("abcd", 4, out, 4), -1);             /* does not fit */
    assert_int_equal(osmand_url_decode("abc", 3, out, 4), 0);
    /* Only len bytes are read. */
    assert_int_equal(osmand_url_decode("abc%", 3, out, sizeof out), 0);
    assert_string_equal(out, "abc");
}

static void test_form(void **state) {
    (void)state;
    osmand_report r;
    xerr e = {0};
    const char *body = "id=dev%2D01&lat=29.73&lon=103.27&timestamp=2023-11-15T06%3A13%3A20%2B08%3A00"
                       "&speed=1&batt=55.5&&empty=&flag";
    assert_int_equal(osmand_parse_form(body, strlen(body), &r, &e), 0);
    assert_string_equal(r.ident, "dev-01");
    assert_int_equal(r.p.device_time, 1700000000);
    assert_true(fabs(r.p.speed - 0.514444) < 1e-5);
    assert_true(r.p.battery == 55.5);
    /* '+' in a value is a space: "29.73 " is not a number. */
    const char *plus = "id=dev-01&lat=29.73+&lon=103.27";
    assert_int_equal(osmand_parse_form(plus, strlen(plus), &r, &e), -1);
    assert_string_equal(e.detail, "lat");
    const char *esc = "id=dev-01&lat=29.73&lon=%G1";
    assert_int_equal(osmand_parse_form(esc, strlen(esc), &r, &e), -1);
    assert_string_equal(e.code, "invalid_value");
    assert_string_equal(e.detail, "lon");
    const char *oddkey = "id=dev-01&lat=29.73&lon=103.27&%FF%FE=%ZZ";
    assert_int_equal(osmand_parse_form(oddkey, strlen(oddkey), &r, &e), -1);
    assert_string_equal(e.detail, "body");
    /* Only len bytes count: the same body cut before lon. */
    assert_int_equal(osmand_parse_form(body, 22, &r, &e), -1);
    assert_string_equal(e.code, "missing_field");
    assert_string_equal(e.detail, "lon");
}

/* ---- Traccar Client 9 JSON -------------------------------------------------------------- */

/* A body as Traccar Client 9 sends it (the Transistorsoft plugin's location). */
static const char *TRACCAR9 =
    "{\"location\":{\"event\":\"motionchange\",\"is_moving\":false,\"uuid\":\"8b0d5c3e-7f\","
    "\"timestamp\":\"2023-11-14T22:13:20.456Z\",\"odometer\":1234.5,"
    "\"coords\":{\"latitude\":29.7301234,\"longitude\":103.2701234,\"accuracy\":9.8,\"speed\":1.5,"
    "\"speed_accuracy\":0.5,\"heading\":180.2,\"heading_accuracy\":10,\"altitude\":512.3,"
    "\"altitude_accuracy\":3.1,\"ellipsoidal_altitude\":540.1,\"floor\":null},"
    "\"activity\":{\"type\":\"still\",\"confidence\":100},"
    "\"battery\":{\"is_charging\":true,\"level\":0.87},\"extras\":{}},"
    "\"device_id\":\"734021965\"}";

static void test_json(void **state) {
    (void)state;
    osmand_report r;
    xerr e = {0};
    assert_int_equal(osmand_parse_json(TRACCAR9, strlen(TRACCAR9), &r, &e), 0);
    assert_string_equal(r.p.source, "traccar");
    assert_string_equal(r.ident, "734021965");
    assert_int_equal(r.p.device_time, 1700000000);
    assert_true(r.p.lat == 29.7301234 && r.p.lon == 103.2701234);
    assert_true(r.p.accuracy == 9.8 && r.p.speed == 1.5 && r.p.bearing == 180.2 && r.p.altitude == 512.3);
    assert_true(fabs(r.p.battery - 87) < 1e-9);
    /* osmand_parse picks the JSON form by type or by the first byte. */
    assert_int_equal(osmand_parse(NULL, NULL, "application/json; charset=utf-8", TRACCAR9, strlen(TRACCAR9), &r, &e), 0);
    assert_string_equal(r.p.source, "traccar");
    assert_int_equal(osmand_parse(NULL, NULL, NULL, TRACCAR9, strlen(TRACCAR9), &r, &e), 0);
    assert_string_equal(r.p.source, "traccar");
    /* -1 is the plugin's "unknown" for speed, heading, accuracy and battery. */
    const char *unknown = "{\"device_id\":\"734021965\",\"location\":{\"timestamp\":\"2023-11-14T22:13:20Z\","
                          "\"coords\":{\"latitude\":29.73,\"longitude\":103.27,\"speed\":-1,\"heading\":-1,"
                          "\"accuracy\":-1},\"battery\":{\"level\":-1,\"is_charging\":false}}}";
    assert_int_equal(osmand_parse_json(unknown, strlen(unknown), &r, &e), 0);
    assert_true(isnan(r.p.speed) && isnan(r.p.bearing) && isnan(r.p.accuracy) && isnan(r.p.battery));
}

static const char *json_error(const char *body) {
    static char buf[200];
    osmand_report r;
    xerr e = {0};
    if (!osmand_parse_json(body, strlen(body), &r, &e)) return "ok";
    assert_int_equal(e.status, 400);
    snprintf(buf, sizeof buf, "%s:%s", e.code, e.detail);
    return buf;
}

static void test_json_bad(void **state) {
    (void)state;
    struct { const char *body, *want; } cases[] = {
        {"{", "bad_json:body"},
        {"[1]", "expected_object:body"},
        {"{\"location\":{}}", "missing_field:device_id"},
        {"{\"device_id\":734021965,\"location\":{}}", "invalid_type:device_id"},
        {"{\"device_id\":\"x\",\"location\":{}}", "invalid_value:device_id"},
        {"{\"device_id\":\"734021965\"}", "missing_field:location"},
        {"{\"device_id\":\"734021965\",\"location\":[]}", "invalid_type:location"},
        {"{\"device_id\":\"734021965\",\"location\":{}}", "missing_field:coords"},
        {"{\"device_id\":\"734021965\",\"location\":{\"coords\":{\"longitude\":103}}}", "missing_field:latitude"},
        {"{\"device_id\":\"734021965\",\"location\":{\"coords\":{\"latitude\":29}}}", "missing_field:longitude"},
        {"{\"device_id\":\"734021965\",\"location\":{\"coords\":{\"latitude\":\"29\",\"longitude\":103}}}", "invalid_type:latitude"},
        {"{\"device_id\":\"734021965\",\"location\":{\"coords\":{\"latitude\":95,\"longitude\":103}}}", "invalid_value:latitude"},
        {"{\"device_id\":\"734021965\",\"location\":{\"coords\":{\"latitude\":29,\"longitude\":-200}}}", "invalid_value:longitude"},
        {"{\"device_id\":\"734021965\",\"location\":{\"timestamp\":\"now\",\"coords\":{\"latitude\":29,\"longitude\":103}}}", "invalid_value:timestamp"},
        {"{\"device_id\":\"734021965\",\"location\":{\"timestamp\":1700000000,\"coords\":{\"latitude\":29,\"longitude\":103}}}", "invalid_type:timestamp"},
        {"{\"device_id\":\"734021965\",\"location\":{\"coords\":{\"latitude\":29,\"longitude\":103,\"speed\":\"1\"}}}", "invalid_type:speed"},
        {"{\"device_id\":\"734021965\",\"location\":{\"coords\":{\"latitude\":29,\"longitude\":103,\"heading\":400}}}", "invalid_value:heading"},
        {"{\"device_id\":\"734021965\",\"location\":{\"coords\":{\"latitude\":29,\"longitude\":103},\"battery\":{\"level\":1.5}}}", "invalid_value:level"},
        {"{\"device_id\":\"734021965\",\"location\":{\"coords\":{\"latitude\":29,\"longitude\":103},\"battery\":7}}", "invalid_type:battery"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (strcmp(json_error(cases[i].body), cases[i].want))
            fail_msg("case %zu: want %s, got %s", i, cases[i].want, json_error(cases[i].body));
}

static const char *query_only(void *ctx, const char *name) { return get_arg(ctx, name); }

static void test_dispatch(void **state) {
    (void)state;
    osmand_report r;
    xerr e = {0};
    /* Query arguments win over the body (as in Traccar). */
    args q = {{"id", "lat", "lon"}, {"query-dev", "29.1", "103.1"}};
    assert_int_equal(osmand_parse(query_only, &q, "application/json", TRACCAR9, strlen(TRACCAR9), &r, &e), 0);
    assert_string_equal(r.ident, "query-dev");
    assert_string_equal(r.p.source, "osmand");
    /* No query arguments: the form body. */
    args none = {{NULL}, {NULL}};
    const char *form = "id=form-dev&lat=29.2&lon=103.2";
    assert_int_equal(osmand_parse(query_only, &none, "application/x-www-form-urlencoded", form, strlen(form), &r, &e), 0);
    assert_string_equal(r.ident, "form-dev");
    /* Nothing at all names the identifier. */
    assert_int_equal(osmand_parse(query_only, &none, NULL, " \r\n", 3, &r, &e), -1);
    assert_string_equal(e.code, "missing_field");
    assert_string_equal(e.detail, "id");
    assert_int_equal(osmand_parse(NULL, NULL, NULL, "", 0, &r, &e), -1);
}

static void test_ident(void **state) {
    (void)state;
    assert_true(osmand_ident_ok("1234"));
    assert_true(osmand_ident_ok("Phone_1.a-b"));
    assert_false(osmand_ident_ok("123"));
    assert_false(osmand_ident_ok("with space"));
    assert_false(osmand_ident_ok("中文设备"));
    char long_id[66];
    memset(long_id, 'a', 65);
    long_id[65] = 0;
    assert_false(osmand_ident_ok(long_id));
    long_id[64] = 0;
    assert_true(osmand_ident_ok(long_id));
}

static void test_photo_type(void **state) {
    (void)state;
    const unsigned char jpeg[] = {0xff, 0xd8, 0xff, 0xe0}, png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    assert_string_equal(photo_type(jpeg, sizeof jpeg), "image/jpeg");
    assert_string_equal(photo_type(png, sizeof png), "image/png");
    assert_string_equal(photo_type((const unsigned char *)"RIFF\0\0\0\0WEBPVP8 ", 16), "image/webp");
    assert_null(photo_type((const unsigned char *)"GIF89a", 6));
    assert_null(photo_type(png, 7));
    xerr e = {0};
    photo_blob b;
    assert_int_equal(photo_prepare((const unsigned char *)"<svg>", 5, &b, &e), -1);
    assert_string_equal(e.code, "photo_unsupported_type");
    assert_int_equal(photo_prepare(png, sizeof png, &b, &e), 0);
    assert_string_equal(b.b64, "iVBORw0KGgo=");
    assert_int_equal(strlen(b.sha256), 64);
    photo_blob_release(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_distance),   cmocka_unit_test(test_polygon),  cmocka_unit_test(test_plausible),
        cmocka_unit_test(test_time_forms), cmocka_unit_test(test_time_bad), cmocka_unit_test(test_args),
        cmocka_unit_test(test_args_bad),   cmocka_unit_test(test_url_decode), cmocka_unit_test(test_form),
        cmocka_unit_test(test_json),       cmocka_unit_test(test_json_bad), cmocka_unit_test(test_dispatch),
        cmocka_unit_test(test_ident),      cmocka_unit_test(test_photo_type),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
