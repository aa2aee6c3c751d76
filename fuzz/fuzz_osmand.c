/*
** fuzz_osmand: the OsmAnd / Traccar Client 9 receiver's parser (duty/osmand.c)
** on arbitrary requests. Input layout: one selector byte (content type), the
** query string up to a NUL, then the body (any bytes, handed over with its
** length in an exact-size heap buffer, so ASan sees any read past it).
**
** Checked: osmand_parse() and the three form parsers either succeed with a
** report inside the documented ranges (osmand.h, checkin.h) or fail with a
** 400 whose code is in the error catalogue and renders as an error body; the
** query string parsed through a getter (as the HTTP layer hands it over) and
** the same text as a form body give the same outcome; a successful report,
** written back as a query string and as a Traccar Client 9 JSON body, parses
** to the same point (so no form loses or rescales a field the other keeps);
** osmand_time() and osmand_url_decode() agree with independent references.
*/
#include "core/strbuf.h"
#include "duty/osmand.h"
#include "http/errors.h"
#include "fuzz_util.h"

#include <jansson.h>
#include <math.h>
#include <time.h>

#define KNOT_MS (1852.0 / 3600.0)
#define MAX_ARGS 64

static const char *const CONTENT_TYPES[] = {NULL, "application/json", "application/x-www-form-urlencoded",
                                            "application/json; charset=utf-8"};
static const char *const CODES[] = {"missing_field", "invalid_value", "invalid_type", "bad_json",
                                    "expected_object", NULL};

/* ---- an independent form decoder: the query as the HTTP layer hands it over */

static int hex(int c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Reference decoding of s[0..len): '+' is a space, %XX a byte; NULL on a bad
** escape or a NUL byte. Caller frees. */
static char *ref_decode(const char *s, size_t len) {
    char *out = malloc(len + 1);
    FUZZ_CHECK(out != NULL);
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)s[i];
        if (c == '+') c = ' ';
        else if (c == '%') {
            int hi = i + 2 < len ? hex(s[i + 1]) : -1, lo = hi >= 0 ? hex(s[i + 2]) : -1;
            if (lo < 0) {
                free(out);
                return NULL;
            }
            c = hi * 16 + lo;
            i += 2;
        }
        if (!c) {
            free(out);
            return NULL;
        }
        out[o++] = (char)c;
    }
    out[o] = 0;
    return out;
}

typedef struct args {
    int n, ok;                       /* ok: every component decoded, at most MAX_ARGS */
    char *key[MAX_ARGS], *value[MAX_ARGS];
} args;

static void args_split(const char *q, args *a) {
    size_t len = strlen(q);
    a->n = 0;
    a->ok = 1;
    for (size_t i = 0; i <= len && a->ok;) {
        size_t end = i;
        while (end < len && q[end] != '&') end++;
        if (end > i) {
            size_t eq = i;
            while (eq < end && q[eq] != '=') eq++;
            char *k = ref_decode(q + i, eq - i);
            char *v = eq < end ? ref_decode(q + eq + 1, end - eq - 1) : ref_decode(q + end, 0);
            if (!k || !v || a->n == MAX_ARGS) {
                free(k);
                free(v);
                a->ok = 0;
                break;
            }
            a->key[a->n] = k;
            a->value[a->n++] = v;
        }
        i = end + 1;
    }
}

static void args_free(args *a) {
    for (int i = 0; i < a->n; i++) {
        free(a->key[i]);
        free(a->value[i]);
    }
}

/* The first value of name, as libmicrohttpd's lookup gives it. */
static const char *args_get(void *ctx, const char *name) {
    const args *a = ctx;
    for (int i = 0; i < a->n; i++)
        if (!strcmp(a->key[i], name)) return a->value[i];
    return NULL;
}

/* ---- what every outcome must satisfy ------------------------------------------ */

static int in_range(double v, double lo, double hi) { return isnan(v) || (v >= lo && v <= hi); }

static void check_error(int rc, const xerr *e) {
    FUZZ_CHECK(rc == -1);
    FUZZ_CHECK(e->status == 400);
    int known = 0;
    for (int i = 0; CODES[i]; i++) known |= e->code && !strcmp(e->code, CODES[i]);
    FUZZ_CHECK(known);
    FUZZ_CHECK(e->detail[0] != 0);   /* seed form_empty_key_bad_value: was "" before ae568c9 */
    json_t *body = error_body(e, "en");
    FUZZ_CHECK(body != NULL);
    const char *code = json_string_value(json_object_get(json_object_get(body, "error"), "code"));
    FUZZ_CHECK(code && !strcmp(code, e->code));
    char *text = json_dumps(body, 0);
    FUZZ_CHECK(text != NULL);
    free(text);
    json_decref(body);
}

static void check_report(const osmand_report *r) {
    const duty_point *p = &r->p;
    FUZZ_CHECK(osmand_ident_ok(r->ident));
    FUZZ_CHECK(strlen(r->ident) <= OSMAND_IDENT_MAX);
    FUZZ_CHECK(isfinite(p->lat) && isfinite(p->lon) && fabs(p->lat) <= 90 && fabs(p->lon) <= 180);
    FUZZ_CHECK(p->lat != 0 || p->lon != 0);
    FUZZ_CHECK(in_range(p->accuracy, 0, 1e7) && in_range(p->altitude, -1e5, 1e5) && in_range(p->speed, 0, 1e4));
    FUZZ_CHECK(in_range(p->bearing, 0, 360) && in_range(p->battery, 0, 100));
    FUZZ_CHECK(p->device_time >= 0);
    FUZZ_CHECK(p->source && (!strcmp(p->source, "osmand") || !strcmp(p->source, "traccar")));
    FUZZ_CHECK(p->device_id == 0 && p->note == NULL);
}

static void check_outcome(int rc, const osmand_report *r, const xerr *e) {
    if (rc == 0) check_report(r);
    else check_error(rc, e);
}

static int same(double a, double b, double rel) {
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
    return fabs(a - b) <= rel * fmax(1.0, fmax(fabs(a), fabs(b)));
}

static void check_same_point(const duty_point *a, const duty_point *b, double rel) {
    FUZZ_CHECK(a->lat == b->lat && a->lon == b->lon && a->device_time == b->device_time);
    FUZZ_CHECK(same(a->accuracy, b->accuracy, 0) && same(a->altitude, b->altitude, 0));
    FUZZ_CHECK(same(a->bearing, b->bearing, 0));
    FUZZ_CHECK(same(a->speed, b->speed, rel) && same(a->battery, b->battery, rel));
}

/* ---- a report written back in the other forms ---------------------------------- */

static void add_num(strbuf *sb, const char *name, double v) {
    if (!isnan(v)) strbuf_addf(sb, "&%s=%.17g", name, v);
}

/* As an OsmAnd form body (speed in knots; seconds below 2^31 - 1, else milliseconds). */
static void as_form(const osmand_report *r, strbuf *sb) {
    const duty_point *p = &r->p;
    strbuf_addf(sb, "id=%s&lat=%.17g&lon=%.17g", r->ident, p->lat, p->lon);
    if (p->device_time)
        strbuf_addf(sb, "&timestamp=%lld", (long long)(p->device_time < 2147483647 ? p->device_time : p->device_time * 1000));
    add_num(sb, "accuracy", p->accuracy);
    add_num(sb, "altitude", p->altitude);
    add_num(sb, "speed", isnan(p->speed) ? NAN : p->speed / KNOT_MS);
    add_num(sb, "bearing", p->bearing);
    add_num(sb, "batt", p->battery);
}

static void add_member(strbuf *sb, const char *name, double v) {
    if (!isnan(v)) strbuf_addf(sb, ",\"%s\":%.17g", name, v);
}

/* ISO-8601 times are taken for dates 1900-01-01 .. 2100-12-31 (core/date.h);
** digit timestamps go further. */
#define ISO_LAST 4133980799LL   /* 2100-12-31T23:59:59Z */

/* As a Traccar Client 9 body; 0 when the time has no ISO-8601 form we take. */
static int as_json(const osmand_report *r, strbuf *sb) {
    const duty_point *p = &r->p;
    char when[40] = "";
    if (p->device_time) {
        if (p->device_time > ISO_LAST) return 0;
        time_t t = (time_t)p->device_time;
        struct tm tm;
        FUZZ_CHECK(gmtime_r(&t, &tm) != NULL);
        strftime(when, sizeof when, "\"timestamp\":\"%Y-%m-%dT%H:%M:%S.000Z\",", &tm);
    }
    strbuf_addf(sb, "{\"device_id\":\"%s\",\"location\":{%s\"is_moving\":false,\"coords\":{\"latitude\":%.17g,"
                    "\"longitude\":%.17g", r->ident, when, p->lat, p->lon);
    add_member(sb, "accuracy", p->accuracy);
    add_member(sb, "speed", p->speed);
    add_member(sb, "heading", p->bearing);
    add_member(sb, "altitude", p->altitude);
    strbuf_addstr(sb, "}");
    if (!isnan(p->battery)) strbuf_addf(sb, ",\"battery\":{\"level\":%.17g,\"is_charging\":true}", p->battery / 100);
    strbuf_addstr(sb, "}}");
    return 1;
}

/* Values at a range's very edge may not survive a unit conversion and back
** (knots, battery fraction) by one ulp: the round trips start from r with
** those moved just inside. */
static void check_round_trips(const osmand_report *orig) {
    osmand_report copy = *orig, back;
    const osmand_report *r = &copy;
    if (copy.p.speed > 9999.999) copy.p.speed = 9999;
    if (copy.p.battery > 99.999) copy.p.battery = 100;
    xerr e = {0};
    strbuf sb = STRBUF_INIT;
    as_form(r, &sb);
    int rc = osmand_parse_form(strbuf_str(&sb), sb.len, &back, &e);
    if (rc) fprintf(stderr, "form round trip of %s: %s %s\n", strbuf_str(&sb), e.code, e.detail);
    FUZZ_CHECK(rc == 0);
    check_same_point(&r->p, &back.p, 1e-12);
    FUZZ_CHECK(!strcmp(back.ident, r->ident));
    strbuf_release(&sb);
    if (!as_json(r, &sb)) goto done;
    rc = osmand_parse_json(strbuf_str(&sb), sb.len, &back, &e);
    if (rc) fprintf(stderr, "JSON round trip of %s: %s %s\n", strbuf_str(&sb), e.code, e.detail);
    FUZZ_CHECK(rc == 0);
    check_same_point(&r->p, &back.p, 1e-12);
    FUZZ_CHECK(!strcmp(back.ident, r->ident) && !strcmp(back.p.source, "traccar"));
done:
    strbuf_release(&sb);
}

/* ---- osmand_time and osmand_url_decode against references ----------------------- */

static void check_time(const char *s) {
    int64_t t = -7;
    int rc = osmand_time(s, &t);
    FUZZ_CHECK(rc == 0 || rc == -1);
    if (rc) return;
    FUZZ_CHECK(t > 0);
    size_t n = strspn(s, "0123456789");
    if (n && !s[n]) {
        unsigned long long v = strtoull(s, NULL, 10);
        FUZZ_CHECK((unsigned long long)t == (v < 2147483647ULL ? v : v / 1000));
    }
}

/* A time from the input written as ISO-8601 with a zone offset parses back to itself. */
static void check_time_iso(uint64_t x) {
    int64_t t = 1 + (int64_t)(x % (uint64_t)ISO_LAST);
    int off = (int)((x >> 40) % 1440) - 720;   /* -12:00 .. +11:59 */
    time_t local = (time_t)(t + off * 60);
    struct tm tm;
    if (!gmtime_r(&local, &tm) || tm.tm_year + 1900 > 2100) return;
    char buf[64];
    int a = off < 0 ? -off : off;
    snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d%s%c%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, x & 1 ? ".5" : "", off < 0 ? '-' : '+', a / 60, a % 60);
    int64_t back = 0;
    int rc = osmand_time(buf, &back);
    if (rc || back != t) fprintf(stderr, "osmand_time(\"%s\") = %d, %lld; want %lld\n", buf, rc, (long long)back, (long long)t);
    FUZZ_CHECK(rc == 0 && back == t);
}

static void check_url_decode(const char *s, size_t len, size_t cap) {
    char *out = malloc(cap ? cap : 1);
    FUZZ_CHECK(out != NULL);
    int rc = osmand_url_decode(s, len, out, cap);
    char *ref = ref_decode(s, len);
    if (!ref || strlen(ref) + 1 > cap) FUZZ_CHECK(rc == -1);
    else FUZZ_CHECK(rc == 0 && !strcmp(out, ref));
    free(ref);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_in in = {data, size};
    uint8_t sel = fuzz_byte(&in);
    const char *ctype = CONTENT_TYPES[sel & 3];
    char *query = fuzz_str(&in);
    uint8_t *body = malloc(in.n ? in.n : 1);
    FUZZ_CHECK(body != NULL);
    if (in.n) memcpy(body, in.p, in.n);
    size_t blen = in.n;

    /* The whole request, with the query (when any) through a getter. */
    args a;
    args_split(query, &a);
    osmand_report r, f;
    xerr e = {0}, fe = {0};
    int rc = osmand_parse(*query ? args_get : NULL, &a, ctype, (const char *)body, blen, &r, &e);
    check_outcome(rc, &r, &e);
    if (rc == 0) check_round_trips(&r);

    /* The query's arguments and the same text as a form body agree. */
    if (a.ok) {
        xerr ae = {0};
        osmand_report ar;
        int arc = osmand_parse_args(args_get, &a, &ar, &ae);
        check_outcome(arc, &ar, &ae);
        int frc = osmand_parse_form(query, strlen(query), &f, &fe);
        check_outcome(frc, &f, &fe);
        FUZZ_CHECK(arc == frc);
        if (arc == 0) {
            check_same_point(&ar.p, &f.p, 0);
            FUZZ_CHECK(!strcmp(ar.ident, f.ident));
        } else {
            FUZZ_CHECK(!strcmp(ae.code, fe.code) && !strcmp(ae.detail, fe.detail));
        }
    }

    /* The body through each parser directly. */
    xerr be = {0};
    rc = osmand_parse_form((const char *)body, blen, &f, &be);
    check_outcome(rc, &f, &be);
    xerr je = {0};
    rc = osmand_parse_json((const char *)body, blen, &f, &je);
    check_outcome(rc, &f, &je);
    if (rc == 0) check_round_trips(&f);

    /* Timestamps and percent-decoding. */
    check_time(query);
    check_time_iso(fuzz_u64(&(fuzz_in){data, size < 8 ? size : 8}, 8));
    check_url_decode((const char *)body, blen, (sel >> 2) ? (size_t)(sel >> 2) : blen + 1);

    args_free(&a);
    free(body);
    free(query);
    return 0;
}
