/*
** duty.h: first-secretary duty supervision (驻村第一书记在岗监管), shared
** definitions. The parts, one file each:
**   calendar.c  settings, local days, working days, windows, leave excuses
**   secretary.c where a secretary serves
**   device.c    registering a phone that reports positions
**   fence.c     village geofences: reading, writing, the inside test
**   leave.c     leave and official trips: filing and deciding
**   checkin.c   storing a position report with its flags (the one way in)
**   osmand.c    parsing the OsmAnd / Traccar Client protocols into a point
**   spot.c      spot checks (约请): answers and deadlines
**   ladder.c    inquiries, escalation and sanctions (the non-compliance ladder)
**   evaluate.c  the scheduled evaluation of windows and days, and the purge
** The HTTP handlers are in api/duty_*.c; docs/DUTY.md describes the rules.
*/
#ifndef XC_DUTY_H
#define XC_DUTY_H

#include <stdint.h>
#include <jansson.h>
#include "audit/audit.h"
#include "db/db.h"

#define DUTY_MAX_WINDOWS 6

/* A check-in received this long after its time was kept on the phone (no
** network) and sent later: the ledger marks it "补发" with its receive time. */
#define DUTY_SENT_LATE_S 120

/* SQL condition: check-in row `c` (a table name or alias) proves presence:
** inside the fence (or the village has none) and accurate enough. The job
** judges windows by it; the today view shows a window met by it at once. */
#define DUTY_QUALIFYING(c) \
    "(" c ".inside IS NULL OR " c ".inside = 1) AND (',' || " c ".flags || ',') NOT LIKE '%,accuracy,%'"

/* County duty settings, stored as JSON under the setting key "duty". */
typedef struct duty_settings {
    unsigned workdays;           /* bit d set: weekday d (0 Sunday .. 6 Saturday) is a working day; default Mon-Fri */
    int nwindows;
    struct { int start_min, end_min; } windows[DUTY_MAX_WINDOWS];  /* minutes after local midnight */
    int utc_offset_min;          /* county local time, default 480 (UTC+8, no DST in China) */
    double accuracy_max_m;       /* worse than this: flag "accuracy", default 200 */
    double speed_max_kmh;        /* faster than this from the previous point: flag "speed", default 150 */
    int clock_skew_s;            /* device time further than this from receive time: flag "clock", default 600 */
    int retention_days;          /* check-ins older than this are purged, default 730 */
    int spot_deadline_min;       /* default spot-check deadline, default 15 */
    int notice_misses;           /* unexcused misses ... default 3 */
    int notice_days;             /* ... within this many days draft a notice of criticism, default 30 */
    int interview_notices;       /* approved notices in a year that schedule an interview, default 2 */
    int recall_notices;          /* approved notices in a year that recommend recall, default 3 */
} duty_settings;

#define DUTY_SETTING_KEY "duty"

/* calendar.c */
/* Defaults (see the fields above). */
void duty_settings_default(duty_settings *s);
/* The county settings, defaults for what is unset; -1 on a database error. */
int duty_settings_load(db *d, duty_settings *s, xerr *e);
/* As JSON: {"workdays":[1,2,3,4,5],"windows":[{"start":"08:30","end":"09:30"}],...}. */
json_t *duty_settings_json(const duty_settings *s);
/* Merge a JSON object of changes into s; -1 with e naming the bad field (400). */
int duty_settings_parse(const json_t *j, duty_settings *s, xerr *e);
/* Store the settings (caller's transaction), audited with before and after. */
int duty_settings_save(db *d, const audit_ctx *ctx, const duty_settings *before, const duty_settings *after,
                       xerr *e);
/* The local day (YYYY-MM-DD) of a Unix time. */
void duty_local_day(const duty_settings *s, int64_t t, char out[11]);
/* Unix time of local midnight at the start of day "YYYY-MM-DD"; -1 when not a valid date. */
int64_t duty_day_start(const duty_settings *s, const char *day);
/* Replace year's exception days with days, a checked JSON array of {day
** (in year), working, name}, audited as duty.calendar.put; inside the caller's
** transaction. */
int duty_calendar_put(db *d, const audit_ctx *ctx, int year, json_t *days, xerr *e);
/* Whether day is a working day (weekly pattern, then duty_holiday); -1 on error. */
int duty_is_working(db *d, const duty_settings *s, const char *day, xerr *e);
/* Whether user_id has approved leave or an approved trip covering day; -1 on error. */
int duty_excused(db *d, int64_t user_id, const char *day, xerr *e);

/* secretary.c */
/* The village (org id and tree path) of secretary user_id; with enabled_only
** a disabled account does not count. 1 found, 0 not a secretary, -1 on error. */
int duty_secretary_village(db *d, int64_t user_id, int enabled_only, int64_t *org_id, char path[256], xerr *e);

/* device.c */
/* Register the phone with identifier ident (4+ characters, already checked)
** and label for user_id, audited as duty.device.add; only a keyed hash of
** the identifier and its last 4 characters are kept. Inside the caller's
** transaction. The new id, or -1 (409 "conflict" naming identifier when taken). */
int64_t duty_device_add(db *d, const audit_ctx *ctx, int64_t user_id, const char *ident, const char *label,
                        xerr *e);

/* fence.c */
/* A fence to store: polygon (JSON text [[lat,lon],...], checked: 3+ points,
** simple, no closing point) or, when polygon is NULL, a circle. */
typedef struct duty_fence {
    const char *polygon;
    double center[2];            /* lat, lon */
    double radius_m;
} duty_fence;
/* The fence of village org_id as JSON: {org_id, kind, polygon | center and
** radius_m, updated_by, updated_at}; NULL with 404 not_found when it has none. */
json_t *duty_fence_json(db *d, int64_t org_id, xerr *e);
/* Create or replace the fence of village org_id (the caller checked it is a
** village), by ctx's actor, audited with before and after, inside the caller's
** transaction. The new fence as JSON (new reference), NULL on error. */
json_t *duty_fence_put(db *d, const audit_ctx *ctx, int64_t org_id, const duty_fence *f, xerr *e);
/* Remove the fence of org_id, audited; -1 (404 when none) on error. */
int duty_fence_delete(db *d, const audit_ctx *ctx, int64_t org_id, xerr *e);
/* Whether (lat, lon) lies inside the fence of village org_id: 1, 0, or -2
** when the village has no fence; -1 on error. */
int duty_fence_contains(db *d, int64_t org_id, double lat, double lon, xerr *e);

/* leave.c */
#define DUTY_LEAVE_MAX_DAYS 60
/* A request as duty_leave_decide() needs it. */
typedef struct duty_leave {
    int64_t id, user_id;
    const char *start, *end;     /* YYYY-MM-DD */
} duty_leave;
/* File leave or a trip (kind "leave" or "trip", checked) for user_id over
** [start, end], pending: 400 for bad or reversed days or more than
** DUTY_LEAVE_MAX_DAYS, 409 duty_leave_overlap naming the pending or approved
** request it overlaps. The new id, -1 on error. Not audited: the caller
** audits the record as it shows it. */
int64_t duty_leave_file(db *d, int64_t user_id, const char *kind, const char *start, const char *end,
                        const char *reason, int64_t now, xerr *e);
/* Approve or reject pending request l (the caller checked it is pending) by
** ctx's actor with note (may be NULL). Approval excuses the days already
** evaluated: missed windows and absent days become excused, open inquiries
** accepted; *excused gets their counts {windows, days, inquiries} (NULL on
** rejection). Not audited. */
int duty_leave_decide(db *d, const audit_ctx *ctx, const duty_leave *l, int approve, const char *note,
                      json_t **excused, xerr *e);

#endif
