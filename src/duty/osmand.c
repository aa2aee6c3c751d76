/*
** osmand.c: the OsmAnd protocol and the Traccar Client 9 JSON body parsed
** into a duty_point (see osmand.h). Written from the way Traccar's own server
** decodes them (traccar/traccar: src/main/java/org/traccar/protocol/
** OsmAndProtocolDecoder.java for the query/form fields, units and timestamp
** rules; LacakProtocolDecoder.java for the JSON of the Transistorsoft
** background-geolocation plugin inside Traccar Client 9), with our own
** stricter range checks: a bad value is answered 400 naming the field rather
** than stored.
*/
#include "duty/osmand.h"
#include "core/date.h"
#include "core/geo.h"
#include "core/strbuf.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define KNOT_MS (1852.0 / 3600.0)  /* one knot in m/s */
#define FORM_MAX_FIELDS 64

/* ---- scalars ----------------------------------------------------------------- */

/* A whole string as a finite number. */
static int parse_number(const char *s, double *out) {
    char *end;
    if (!s || !*s) return -1;
    double v = strtod(s, &end);
    if (*end || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

int osmand_time(const char *s, int64_t *out) {
    if (!s || !*s) return -1;
    size_t n = strspn(s, "0123456789");
    if (n && !s[n]) {
        if (n > 15) return -1;  /* beyond any millisecond time this millennium */
        int64_t v = strtoll(s, NULL, 10);
        /* Traccar: below 2^31 - 1 it is seconds, else milliseconds. */
        *out = v < 2147483647 ? v : v / 1000;
        return *out > 0 ? 0 : -1;
    }
    /* ISO-8601 without a zone is taken as UTC, as Traccar does. */
    return date_parse_time(s, 0, out) || *out <= 0 ? -1 : 0;
}

/* ---- the fields -------------------------------------------------------------- */

static int bad(xerr *e, const char *field) { return xerr_set(e, 400, "invalid_value", "%s", field); }

int osmand_ident_ok(const char *s) {
    size_t n = strlen(s);
    if (n < 4 || n > OSMAND_IDENT_MAX) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '.' || *s == '_' || *s == '-'))
            return 0;
    return 1;
}

static int set_ident(osmand_report *out, const char *s, const char *field, xerr *e) {
    if (!s) return xerr_set(e, 400, "missing_field", "%s", field);
    if (!osmand_ident_ok(s)) return bad(e, field);
    strcpy(out->ident, s);
    return 0;
}

static void report_init(osmand_report *out, const char *source) {
    memset(out, 0, sizeof *out);
    out->p.accuracy = out->p.altitude = out->p.speed = out->p.bearing = out->p.battery = NAN;
    out->p.source = source;
}

/* The checks every form shares once its values are in place. Lat and lon
** both 0 is what senders without a fix send (Traccar then reuses the last
** position): it is refused, never stored. */
static int check_point(const duty_point *p, xerr *e) {
    if (!geo_plausible(p->lat, 0) || (p->lat == 0 && p->lon == 0)) return bad(e, "lat");
    if (!geo_plausible(0, p->lon)) return bad(e, "lon");
    if (!isnan(p->accuracy) && (p->accuracy < 0 || p->accuracy > 1e7)) return bad(e, "accuracy");
    if (!isnan(p->altitude) && fabs(p->altitude) > 1e5) return bad(e, "altitude");
    if (!isnan(p->speed) && (p->speed < 0 || p->speed > 1e4)) return bad(e, "speed");
    if (!isnan(p->bearing) && (p->bearing < 0 || p->bearing > 360)) return bad(e, "bearing");
    if (!isnan(p->battery) && (p->battery < 0 || p->battery > 100)) return bad(e, "batt");
    return 0;
}

/* After check_point(): name the field as the sender spelt it. */
static void rename_field(xerr *e, const char *ours, const char *theirs) {
    if (!strcmp(e->detail, ours)) xerr_set(e, 400, "invalid_value", "%s", theirs);
}

/* An optional numeric argument; NAN stays when absent. */
static int arg_number(osmand_arg_fn get, void *ctx, const char *name, double *out, xerr *e) {
    const char *v = get(ctx, name);
    return v && parse_number(v, out) ? bad(e, name) : 0;
}

static int args_position(osmand_arg_fn get, void *ctx, duty_point *p, xerr *e) {
    const char *loc = get(ctx, "location"), *lat = get(ctx, "lat"), *lon = get(ctx, "lon");
    if (!lat && !lon && loc) {
        /* location=lat,lon */
        char buf[96], *comma;
        if (strlen(loc) >= sizeof buf) return bad(e, "location");
        strcpy(buf, loc);
        if (!(comma = strchr(buf, ','))) return bad(e, "location");
        *comma = 0;
        return parse_number(buf, &p->lat) || parse_number(comma + 1, &p->lon) ? bad(e, "location") : 0;
    }
    if (!lat) return xerr_set(e, 400, "missing_field", "%s", "lat");
    if (!lon) return xerr_set(e, 400, "missing_field", "%s", "lon");
    if (parse_number(lat, &p->lat)) return bad(e, "lat");
    return parse_number(lon, &p->lon) ? bad(e, "lon") : 0;
}

int osmand_parse_args(osmand_arg_fn get, void *ctx, osmand_report *out, xerr *e) {
    report_init(out, "osmand");
    duty_point *p = &out->p;
    const char *id = get(ctx, "id"), *devid = get(ctx, "deviceid"), *ts = get(ctx, "timestamp");
    const char *heading = get(ctx, "bearing") ? "bearing" : "heading";
    if (set_ident(out, id ? id : devid, id || !devid ? "id" : "deviceid", e) ||
        args_position(get, ctx, p, e))
        return -1;
    if (ts && osmand_time(ts, &p->device_time)) return bad(e, "timestamp");
    /* hdop is accepted and ignored: a unitless dilution factor, not metres;
    ** senders that know their accuracy send `accuracy`. */
    if (arg_number(get, ctx, "speed", &p->speed, e) || arg_number(get, ctx, heading, &p->bearing, e) ||
        arg_number(get, ctx, "altitude", &p->altitude, e) || arg_number(get, ctx, "accuracy", &p->accuracy, e) ||
        arg_number(get, ctx, "batt", &p->battery, e))
        return -1;
    if (!isnan(p->speed)) {
        if (p->speed < 0) return bad(e, "speed");
        p->speed *= KNOT_MS;
    }
    if (check_point(p, e)) {
        rename_field(e, "bearing", heading);
        if (!get(ctx, "lat")) {
            rename_field(e, "lat", "location");
            rename_field(e, "lon", "location");
        }
        return -1;
    }
    return 0;
}

/* ---- form-urlencoded ---------------------------------------------------------- */

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int osmand_url_decode(const char *s, size_t len, char *out, size_t cap) {
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)s[i];
        if (c == '+') c = ' ';
        else if (c == '%') {
            int hi = i + 2 < len ? hexval(s[i + 1]) : -1, lo = hi >= 0 ? hexval(s[i + 2]) : -1;
            if (lo < 0) return -1;
            c = hi * 16 + lo;
            i += 2;
        }
        if (!c || o + 1 >= cap) return -1;
        out[o++] = (char)c;
    }
    if (!cap) return -1;
    out[o] = 0;
    return 0;
}

typedef struct form {
    int n;
    const char *key[FORM_MAX_FIELDS], *value[FORM_MAX_FIELDS];
} form;

static const char *form_get(void *ctx, const char *name) {
    const form *f = ctx;
    for (int i = 0; i < f->n; i++)
        if (!strcmp(f->key[i], name)) return f->value[i];
    return NULL;
}

/* Split body into f, decoding into buf (at least 2 * len + 2 bytes). */
static int form_split(const char *body, size_t len, form *f, char *buf, xerr *e) {
    size_t at = 0;
    f->n = 0;
    for (size_t i = 0; i < len;) {
        size_t end = i;
        while (end < len && body[end] != '&') end++;
        size_t eq = i;
        while (eq < end && body[eq] != '=') eq++;
        if (end > i) {
            if (f->n == FORM_MAX_FIELDS) return bad(e, "body");
            size_t klen = eq - i, vlen = eq < end ? end - eq - 1 : 0;
            char *k = buf + at, *v = k + klen + 1;
            if (osmand_url_decode(body + i, klen, k, klen + 1)) return bad(e, "body");
            /* Name the field when it is a plain name (the detail goes back as text). */
            if (osmand_url_decode(body + eq + 1, vlen, v, vlen + 1))
                return bad(e, klen && klen <= 32 && strspn(k, "abcdefghijklmnopqrstuvwxyz_") == klen ? k : "body");
            at += klen + vlen + 2;
            f->key[f->n] = k;
            f->value[f->n++] = v;
        }
        i = end + 1;
    }
    return 0;
}

int osmand_parse_form(const char *body, size_t len, osmand_report *out, xerr *e) {
    form f;
    char *buf = xmalloc(2 * len + 2);
    int rc = form_split(body, len, &f, buf, e);
    if (!rc) rc = osmand_parse_args(form_get, &f, out, e);
    else report_init(out, "osmand");
    free(buf);
    return rc;
}

/* ---- Traccar Client 9 JSON --------------------------------------------------- */

/* An optional number member; the plugin sends -1 for "unknown" speed,
** heading and accuracy (and battery level on emulators), so any negative
** value of such a field stays unknown (NAN). */
static int json_number(json_t *obj, const char *key, int negative_unknown, double *out, xerr *e) {
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) return 0;
    if (!json_is_number(v)) return xerr_set(e, 400, "invalid_type", "%s", key);
    double x = json_number_value(v);
    if (!(negative_unknown && x < 0)) *out = x;
    return 0;
}

static int json_coords(json_t *c, duty_point *p, xerr *e) {
    if (!json_is_object(c)) return xerr_set(e, 400, c ? "invalid_type" : "missing_field", "%s", "coords");
    json_t *lat = json_object_get(c, "latitude"), *lon = json_object_get(c, "longitude");
    if (!lat) return xerr_set(e, 400, "missing_field", "%s", "latitude");
    if (!lon) return xerr_set(e, 400, "missing_field", "%s", "longitude");
    if (!json_is_number(lat)) return xerr_set(e, 400, "invalid_type", "%s", "latitude");
    if (!json_is_number(lon)) return xerr_set(e, 400, "invalid_type", "%s", "longitude");
    p->lat = json_number_value(lat);
    p->lon = json_number_value(lon);
    return json_number(c, "accuracy", 1, &p->accuracy, e) || json_number(c, "speed", 1, &p->speed, e) ||
                   json_number(c, "heading", 1, &p->bearing, e) || json_number(c, "altitude", 0, &p->altitude, e)
               ? -1
               : 0;
}

static int json_location(json_t *loc, duty_point *p, xerr *e) {
    if (!json_is_object(loc)) return xerr_set(e, 400, loc ? "invalid_type" : "missing_field", "%s", "location");
    json_t *ts = json_object_get(loc, "timestamp"), *batt = json_object_get(loc, "battery");
    if (ts && !json_is_string(ts)) return xerr_set(e, 400, "invalid_type", "%s", "timestamp");
    if (ts && osmand_time(json_string_value(ts), &p->device_time)) return bad(e, "timestamp");
    if (json_coords(json_object_get(loc, "coords"), p, e)) return -1;
    if (batt && !json_is_object(batt)) return xerr_set(e, 400, "invalid_type", "%s", "battery");
    if (batt && json_number(batt, "level", 1, &p->battery, e)) return -1;
    if (!isnan(p->battery)) {
        if (p->battery > 1) return bad(e, "level");
        p->battery *= 100;  /* a fraction 0..1 */
    }
    return 0;
}

int osmand_parse_json(const char *body, size_t len, osmand_report *out, xerr *e) {
    report_init(out, "traccar");
    json_error_t jerr;
    json_t *root = json_loadb(body, len, 0, &jerr);
    if (!root) return xerr_set(e, 400, "bad_json", "%s", "body");
    json_t *dev = json_object_get(root, "device_id");
    int rc = !json_is_object(root) ? xerr_set(e, 400, "expected_object", "%s", "body")
             : !dev               ? xerr_set(e, 400, "missing_field", "%s", "device_id")
             : !json_is_string(dev) ? xerr_set(e, 400, "invalid_type", "%s", "device_id")
                                    : set_ident(out, json_string_value(dev), "device_id", e);
    if (!rc) rc = json_location(json_object_get(root, "location"), &out->p, e);
    if (!rc && check_point(&out->p, e)) {
        rename_field(e, "lat", "latitude");
        rename_field(e, "lon", "longitude");
        rename_field(e, "bearing", "heading");
        rename_field(e, "batt", "level");
        rc = -1;
    }
    json_decref(root);
    return rc;
}

/* ---- a whole request --------------------------------------------------------- */

int osmand_parse(osmand_arg_fn get, void *ctx, const char *content_type, const char *body, size_t len,
                 osmand_report *out, xerr *e) {
    if (get && (get(ctx, "id") || get(ctx, "deviceid") || get(ctx, "lat") || get(ctx, "location")))
        return osmand_parse_args(get, ctx, out, e);
    size_t skip = 0;
    while (skip < len && (body[skip] == ' ' || body[skip] == '\t' || body[skip] == '\r' || body[skip] == '\n'))
        skip++;
    if (skip == len) {
        report_init(out, "osmand");
        return xerr_set(e, 400, "missing_field", "%s", "id");
    }
    if ((content_type && !strncasecmp(content_type, "application/json", 16)) || body[skip] == '{')
        return osmand_parse_json(body, len, out, e);
    return osmand_parse_form(body, len, out, e);
}
