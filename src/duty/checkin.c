/*
** checkin.c: storing one position report of a secretary with its flags (see
** checkin.h).
**
** Check-ins are NOT audit-logged: they are raw location data with a retention
** limit (duty_settings.retention_days, then purged by the duty job), and a
** copy of each position in the permanent, append-only audit chain would defeat
** the purge (PIPL art. 28: location tracks are sensitive personal
** information). For the same reason positions are stored encrypted and never
** written to a log.
*/
#include "duty/checkin.h"
#include "db/db_json.h"
#include "core/crypto.h"
#include "core/geo.h"
#include "core/strbuf.h"
#include "duty/spot.h"
#include "http/http.h"
#include "http/sse.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- reading back ---------------------------------------------------------- */

int checkin_pos_decode(const char *enc, double *lat, double *lon) {
    strbuf plain = STRBUF_INIT;
    char tail;
    int ok = enc && !pii_decrypt(enc, &plain) && sscanf(plain.buf, "%lf,%lf%c", lat, lon, &tail) == 2;
    strbuf_release(&plain);
    return ok ? 0 : -1;
}

static json_t *flags_json(const char *list) {
    json_t *a = json_array();
    for (const char *p = list; p && *p;) {
        size_t n = strcspn(p, ",");
        if (n) json_array_append_new(a, json_stringn(p, n));
        p += n + (p[n] == ',');
    }
    return a;
}

json_t *checkin_row_json(db_stmt *st) {
    double lat, lon;
    if (checkin_pos_decode(db_col_text(st, 5), &lat, &lon)) return NULL;
    int64_t devtime = db_col_int(st, 11);
    json_t *j = json_pack("{s:I, s:I, s:I, s:s, s:I, s:I, s:f, s:f}", "id", (json_int_t)db_col_int(st, 0),
                          "user_id", (json_int_t)db_col_int(st, 1), "org_id", (json_int_t)db_col_int(st, 2),
                          "source", db_col_text(st, 3), "received_at", (json_int_t)db_col_int(st, 12), "at",
                          (json_int_t)db_col_int(st, 13), "lat", lat, "lon", lon);
    json_object_set_new(j, "device_id", db_col_json(st, 4, 'i'));
    json_object_set_new(j, "accuracy", db_col_json(st, 6, 'r'));
    json_object_set_new(j, "altitude", db_col_json(st, 7, 'r'));
    json_object_set_new(j, "speed", db_col_json(st, 8, 'r'));
    json_object_set_new(j, "bearing", db_col_json(st, 9, 'r'));
    json_object_set_new(j, "battery", db_col_json(st, 10, 'r'));
    json_object_set_new(j, "device_time", devtime ? json_integer(devtime) : json_null());
    json_object_set_new(j, "inside", db_col_json(st, 14, 'b'));
    json_object_set_new(j, "flags", flags_json(db_col_text(st, 15)));
    const char *note = db_col_text(st, 16);
    json_object_set_new(j, "note", note ? json_string(note) : json_null());
    return j;
}

/* ---- storing ------------------------------------------------------------- */

/* Whether moving from the user's previous point (by `at`, at or before this
** one) to p at time `at` is faster than speed_max_kmh. The distance is
** reduced by both points' accuracy radii when known, so the jitter of a
** phone lying on a desk is not travel. Equal times count as one second apart
** (the resolution of the timestamps): a duplicate point is not flagged, a
** jump is. 1, 0, or -1 on error. */
static int too_fast(db *d, const duty_settings *s, int64_t user_id, const duty_point *p, int64_t at, xerr *e) {
    db_stmt *st = db_prepare(d,
        "SELECT pos, accuracy, at FROM checkin WHERE user_id = $1 AND at <= $2 ORDER BY at DESC, id DESC LIMIT 1", e);
    if (!st) return -1;
    db_bind_int(st, 1, user_id);
    db_bind_int(st, 2, at);
    int rc = db_step(st, e), fast = 0;
    double lat, lon;
    if (rc == 1 && !checkin_pos_decode(db_col_text(st, 0), &lat, &lon)) {
        double slack = (db_col_isnull(st, 1) ? 0 : db_col_double(st, 1)) + (isfinite(p->accuracy) ? p->accuracy : 0);
        double dist = fmax(0, geo_distance_m(lat, lon, p->lat, p->lon) - slack);
        int64_t dt = at - db_col_int(st, 2);
        fast = dist / (double)(dt > 0 ? dt : 1) * 3.6 > s->speed_max_kmh;
    }
    db_done(st);
    return rc < 0 ? -1 : fast;
}

static void flag(strbuf *flags, json_t *list, const char *name) {
    if (flags->len) strbuf_addch(flags, ',');
    strbuf_addstr(flags, name);
    json_array_append_new(list, json_string(name));
}

static void bind_real(db_stmt *st, int idx, double v) {
    if (isfinite(v)) db_bind_double(st, idx, v);
    else db_bind_null(st, idx);
}

typedef struct checkin_row {
    int64_t user_id, org_id, at, now;
    int inside;                  /* 1, 0, -2 no fence */
    const char *flags;
} checkin_row;

static int64_t insert_row(db *d, const duty_point *p, const checkin_row *c, xerr *e) {
    char plain[64];
    snprintf(plain, sizeof plain, "%.7f,%.7f", p->lat, p->lon);
    char *pos = pii_encrypt(plain);
    db_stmt *st = db_prepare(d,
        "INSERT INTO checkin (user_id, org_id, source, device_id, pos, accuracy, altitude, speed, bearing,"
        " battery, device_time, received_at, at, inside, flags, note, client_ref)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id", e);
    int64_t id = -1;
    if (st) {
        db_bind_int(st, 1, c->user_id);
        db_bind_int(st, 2, c->org_id);
        db_bind_text(st, 3, p->source);
        if (p->device_id) db_bind_int(st, 4, p->device_id);
        else db_bind_null(st, 4);
        db_bind_text(st, 5, pos);
        bind_real(st, 6, p->accuracy);
        bind_real(st, 7, p->altitude);
        bind_real(st, 8, p->speed);
        bind_real(st, 9, p->bearing);
        bind_real(st, 10, p->battery);
        db_bind_int(st, 11, p->device_time);
        db_bind_int(st, 12, c->now);
        db_bind_int(st, 13, c->at);
        if (c->inside == -2) db_bind_null(st, 14);
        else db_bind_int(st, 14, c->inside);
        db_bind_text(st, 15, c->flags);
        db_bind_text(st, 16, p->note);
        db_bind_text(st, 17, p->client_ref);
        id = db_step(st, e) == 1 ? db_col_int(st, 0) : -1;
        db_done(st);
    }
    free(pos);
    return id;
}

static int touch_device(db *d, int64_t device_id, int64_t now, xerr *e) {
    db_stmt *st = db_prepare(d, "UPDATE duty_device SET last_seen_at = $1 WHERE id = $2", e);
    if (!st) return -1;
    db_bind_int(st, 1, now);
    db_bind_int(st, 2, device_id);
    return db_run(st, e) < 0 ? -1 : 0;
}

/* The stored check-in as checkin_row_json() gives it, plus spot_checks. */
static json_t *stored_json(db *d, int64_t id, json_t *answered, xerr *e) {
    db_stmt *st = db_prepare(d, CHECKIN_SELECT " WHERE c.id = $1", e);
    if (!st) return NULL;
    db_bind_int(st, 1, id);
    json_t *j = db_step(st, e) == 1 ? checkin_row_json(st) : NULL;
    db_done(st);
    if (j) json_object_set(j, "spot_checks", answered);
    else if (e && !e->status) xerr_set(e, 500, "db_error", "%s", "checkin");
    return j;
}

static void queue_event(int64_t id, const duty_point *p, const checkin_row *c, json_t *flags, const char *path) {
    json_t *data = json_pack("{s:I, s:I, s:I, s:f, s:f, s:O}", "id", (json_int_t)id, "user_id",
                             (json_int_t)c->user_id, "at", (json_int_t)c->at, "lat", p->lat, "lon", p->lon,
                             "flags", flags);
    json_object_set_new(data, "inside", c->inside == -2 ? json_null() : json_boolean(c->inside));
    sse_queue("checkin", c->user_id, path, P_DUTY_READ, data);
    json_decref(data);
}

int64_t checkin_store(db *d, const duty_settings *s, int64_t user_id, const duty_point *p, int64_t now,
                      json_t **out, xerr *e) {
    if (!geo_plausible(p->lat, p->lon)) return xerr_set(e, 400, "invalid_value", "%s", "lat");
    checkin_row c = {.user_id = user_id, .now = now};
    char path[256];
    int found = duty_secretary_village(d, user_id, 1, &c.org_id, path, e);
    if (found <= 0) return found < 0 ? -1 : xerr_set(e, 403, "forbidden", "%s", "secretary");
    strbuf flags = STRBUF_INIT;
    json_t *list = json_array(), *answered = json_array();
    int64_t id = -1;
    /* A device's clock that is far off is not trusted: the point is placed at
    ** the receive time. Otherwise the device time counts, because Traccar
    ** Client buffers points while offline and sends them later: they belong
    ** to when they were taken, not to when they arrived. */
    int clock_off = p->device_time && llabs(p->device_time - now) > s->clock_skew_s;
    c.at = p->device_time && !clock_off ? p->device_time : now;
    c.inside = duty_fence_contains(d, c.org_id, p->lat, p->lon, e);
    int fast = c.inside == -1 ? -1 : too_fast(d, s, user_id, p, c.at, e);
    if (fast < 0) goto done;
    if (c.inside == 0) flag(&flags, list, "outside");
    if (isfinite(p->accuracy) && p->accuracy > s->accuracy_max_m) flag(&flags, list, "accuracy");
    if (fast) flag(&flags, list, "speed");
    if (clock_off) flag(&flags, list, "clock");
    c.flags = strbuf_str(&flags);
    id = insert_row(d, p, &c, e);
    /* A spot check is answered only by a point the device says it took after
    ** the request, trusted or not: an old point sent late says nothing of
    ** where the secretary is now. */
    int64_t taken = p->device_time ? p->device_time : now;
    if (id < 0 || spot_on_checkin(d, user_id, id, taken, now, c.inside, answered, e) ||
        (p->device_id && touch_device(d, p->device_id, now, e))) {
        id = -1;
        goto done;
    }
    queue_event(id, p, &c, list, path);
    if (out && !(*out = stored_json(d, id, answered, e))) id = -1;
done:
    strbuf_release(&flags);
    json_decref(list);
    json_decref(answered);
    return id;
}
