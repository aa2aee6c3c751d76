/*
** checkin.h: storing one position report (签到) of a secretary, from the web
** button or a device (OsmAnd / Traccar Client). Every report goes through
** checkin_store(), which computes its flags, stores it durably (the position
** encrypted), answers the secretary's open spot checks and queues live events.
*/
#ifndef XC_CHECKIN_H
#define XC_CHECKIN_H

#include <stdint.h>
#include <jansson.h>
#include "db/db.h"
#include "duty/duty.h"

/* How old a check-in the web page queued may be when it finally arrives (age_s). */
#define CHECKIN_MAX_AGE_S (30 * 86400)

typedef struct duty_point {
    double lat, lon;             /* WGS-84 degrees, already range-checked */
    double accuracy;             /* metres; NAN when unknown */
    double altitude, speed, bearing;  /* metres, m/s, degrees; NAN when unknown */
    double battery;              /* percent 0-100; NAN when unknown */
    int64_t device_time;         /* Unix seconds from the device; 0 when absent (the web button) */
    const char *source;          /* "web", "osmand" or "traccar" */
    int64_t device_id;           /* duty_device.id, 0 for the web */
    const char *note;            /* may be NULL */
    const char *client_ref;      /* the web page's key for a queued check-in; may be NULL */
} duty_point;

/* Store p for secretary user_id (their village is the fence) at server time
** now, inside the caller's transaction. *out (may be NULL) receives the stored
** check-in as JSON: {id, at, received_at, device_time, lat, lon, accuracy,
** inside, flags:[...], source, spot_checks:[ids answered]}. Returns the new id, -1 on error. */
int64_t checkin_store(db *d, const duty_settings *s, int64_t user_id, const duty_point *p,
                      int64_t now, json_t **out, xerr *e);

/* SELECT ... FROM checkin c whose rows checkin_row_json() reads (append
** WHERE/ORDER on alias c). */
#define CHECKIN_SELECT \
    "SELECT c.id, c.user_id, c.org_id, c.source, c.device_id, c.pos, c.accuracy, c.altitude, c.speed," \
    " c.bearing, c.battery, c.device_time, c.received_at, c.at, c.inside, c.flags, c.note FROM checkin c"
/* A row of CHECKIN_SELECT as {id, user_id, org_id, source, device_id, at,
** received_at, device_time (null for the web), lat, lon, accuracy, altitude,
** speed, bearing, battery, inside (true/false/null), flags:[...], note}. NULL
** when the stored position cannot be decrypted. */
json_t *checkin_row_json(db_stmt *st);
/* Decrypt a stored position (checkin.pos) into lat and lon; -1 when it does not decrypt. */
int checkin_pos_decode(const char *enc, double *lat, double *lon);

#endif
