/*
** osmand.h: parsing position reports of the OsmAnd protocol and of Traccar
** Client 9 into a duty_point plus the device identifier. No HTTP here: the
** caller hands over the query arguments through a callback and the body as
** bytes, so the parser can be unit-tested and fuzzed on its own.
**
** The three forms (as Traccar's server decodes them: OsmAndProtocolDecoder
** for the first two, the JSON of the Transistorsoft background-geolocation
** plugin that Traccar Client 9 sends for the third):
**  1. GET /?id=ID&lat=..&lon=..&timestamp=..&speed=..&... (query string)
**  2. POST with the same fields form-encoded in the body (used when the
**     query string is empty, as Traccar does)
**  3. POST application/json {"device_id":ID,"location":{"timestamp":ISO,
**     "coords":{"latitude","longitude","accuracy","speed","heading",
**     "altitude"},"battery":{"level","is_charging"},"is_moving",...}}
** Units: OsmAnd `speed` is in knots, JSON `speed` in m/s; both end as m/s.
** OsmAnd `batt` is a percentage, JSON battery.level a fraction 0..1; both end
** as a percentage.
*/
#ifndef XC_OSMAND_H
#define XC_OSMAND_H

#include <stddef.h>
#include <stdint.h>
#include "core/xerr.h"
#include "duty/checkin.h"

#define OSMAND_IDENT_MAX 64

/* One parsed report. p.source is "osmand" or "traccar"; p.device_id and
** p.note are left 0/NULL (the caller resolves the identifier). */
typedef struct osmand_report {
    duty_point p;
    char ident[OSMAND_IDENT_MAX + 1];  /* the device identifier as sent */
} osmand_report;

/* Gives the value of query argument `name` (already percent-decoded), or
** NULL when absent. */
typedef const char *(*osmand_arg_fn)(void *ctx, const char *name);

/* Parse a report from named arguments (query string or decoded form).
** 0, or -1 with e: 400 "missing_field"/"invalid_value" naming the field. */
int osmand_parse_args(osmand_arg_fn get, void *ctx, osmand_report *out, xerr *e);

/* Parse a form-urlencoded body (percent escapes and '+'); as osmand_parse_args. */
int osmand_parse_form(const char *body, size_t len, osmand_report *out, xerr *e);

/* Parse the JSON body of Traccar Client 9; as osmand_parse_args (400
** "invalid_json" when it is not JSON). */
int osmand_parse_json(const char *body, size_t len, osmand_report *out, xerr *e);

/* A whole request: the query arguments when there are any (get may be NULL),
** else the body, as JSON when content_type is application/json or the body
** starts with '{', else form-encoded. 400 "missing_field" "id" on nothing. */
int osmand_parse(osmand_arg_fn get, void *ctx, const char *content_type, const char *body,
                 size_t len, osmand_report *out, xerr *e);

/* A timestamp as Unix seconds: digits (seconds, or milliseconds when above
** 2^31 - 1, as Traccar decides), ISO-8601 "YYYY-MM-DDTHH:MM:SS[.fff](Z|±hh:mm|±hhmm)"
** (no zone: UTC) or "YYYY-MM-DD HH:MM:SS" (UTC). 0, or -1 when unparseable. */
int osmand_time(const char *s, int64_t *out);

/* Whether s is a device identifier we take: 4-64 of [A-Za-z0-9._-]. */
int osmand_ident_ok(const char *s);

/* Decode one form-urlencoded component (percent escapes, '+' as space) of
** len bytes into out (at most cap - 1 bytes and a NUL). -1 on a bad escape,
** an embedded NUL or when it does not fit. */
int osmand_url_decode(const char *s, size_t len, char *out, size_t cap);

#endif
