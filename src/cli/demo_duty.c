/*
** demo_duty.c: the demo county's first-secretary duty data — a first
** secretary for five demo villages (the existing `secretary` of 明月村 and
** secretary2..secretary5), their village geofences (a drawn polygon for
** 明月村, circles elsewhere, centred where the village's households are), the
** 2026 and 2027 duty calendars, two weeks of check-in history with a
** plausible mix (most in the windows and inside, one late, one outside, one
** day without, one inaccurate fix, one approved leave), a Traccar Client
** device for `secretary` with a fixed identifier, and finally one run of the
** evaluation job, so the ledger, the today view and the evaluation show real
** data and a few inquiries exist. Deterministic: times are relative to the
** moment of seeding, nothing is random.
*/
#include "cli/demo.h"
#include "duty/checkin.h"
#include "duty/duty.h"
#include "duty/evaluate.h"
#include "http/sse.h"
#include "model/org.h"
#include "model/user.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N(a) (sizeof a / sizeof a[0])
#define HISTORY_WORKDAYS 10    /* working days of check-ins before today */
#define CIRCLE_RADIUS_M 1200.0

/* `secretary` first (it exists already), then the ones made here. */
typedef struct demo_sec { const char *login, *name, *village_code, *phone; } demo_sec;
static const demo_sec SECS[] = {
    {"secretary", NULL, "511423105201", NULL},
    {"secretary2", "杨村村第一书记", "511423105202", "13890001012"},
    {"secretary3", "团结村第一书记", "511423104201", "13890001013"},
    {"secretary4", "桥溪村第一书记", "511423100201", "13890001014"},
    {"secretary5", "五龙村第一书记", "511423108201", "13890001015"},
};

/* Days that differ from Monday-Friday: the State Council's public holidays
** (working 0) and the weekend days worked in their place (working 1). 2026
** follows the State Council notice for 2026 (国办发明电〔2025〕7号) as we know
** it; 2027 is PROVISIONAL, laid out the usual way around the festival dates
** until the notice is published (normally in November of the year before).
** An administrator must check both against the official notice each year and
** correct them under 设置 → 值守日历 (PUT /api/v1/duty/calendar/{year}). */
typedef struct cal_day { const char *day; int working; const char *name; } cal_day;
static const cal_day CALENDAR[] = {
    {"2026-01-01", 0, "元旦"}, {"2026-01-02", 0, "元旦"}, {"2026-01-03", 0, "元旦"}, {"2026-01-04", 1, "元旦调休上班"},
    {"2026-02-14", 1, "春节调休上班"}, {"2026-02-15", 0, "春节"}, {"2026-02-16", 0, "春节"}, {"2026-02-17", 0, "春节"},
    {"2026-02-18", 0, "春节"}, {"2026-02-19", 0, "春节"}, {"2026-02-20", 0, "春节"}, {"2026-02-21", 0, "春节"},
    {"2026-02-22", 0, "春节"}, {"2026-02-23", 0, "春节"}, {"2026-02-28", 1, "春节调休上班"},
    {"2026-04-04", 0, "清明节"}, {"2026-04-05", 0, "清明节"}, {"2026-04-06", 0, "清明节"},
    {"2026-05-01", 0, "劳动节"}, {"2026-05-02", 0, "劳动节"}, {"2026-05-03", 0, "劳动节"}, {"2026-05-04", 0, "劳动节"},
    {"2026-05-05", 0, "劳动节"}, {"2026-05-09", 1, "劳动节调休上班"},
    {"2026-06-19", 0, "端午节"}, {"2026-06-20", 0, "端午节"}, {"2026-06-21", 0, "端午节"},
    {"2026-09-20", 1, "国庆节调休上班"}, {"2026-09-25", 0, "中秋节"}, {"2026-09-26", 0, "中秋节"},
    {"2026-09-27", 0, "中秋节"}, {"2026-10-01", 0, "国庆节"}, {"2026-10-02", 0, "国庆节"}, {"2026-10-03", 0, "国庆节"},
    {"2026-10-04", 0, "国庆节"}, {"2026-10-05", 0, "国庆节"}, {"2026-10-06", 0, "国庆节"}, {"2026-10-07", 0, "国庆节"},
    {"2026-10-10", 1, "国庆节调休上班"},
    {"2027-01-01", 0, "元旦"}, {"2027-01-02", 0, "元旦"}, {"2027-01-03", 0, "元旦"},
    {"2027-02-05", 0, "春节"}, {"2027-02-06", 0, "春节"}, {"2027-02-07", 0, "春节"}, {"2027-02-08", 0, "春节"},
    {"2027-02-09", 0, "春节"}, {"2027-02-10", 0, "春节"}, {"2027-02-11", 0, "春节"}, {"2027-02-20", 1, "春节调休上班"},
    {"2027-04-03", 0, "清明节"}, {"2027-04-04", 0, "清明节"}, {"2027-04-05", 0, "清明节"},
    {"2027-05-01", 0, "劳动节"}, {"2027-05-02", 0, "劳动节"}, {"2027-05-03", 0, "劳动节"}, {"2027-05-04", 0, "劳动节"},
    {"2027-05-05", 0, "劳动节"}, {"2027-05-08", 1, "劳动节调休上班"},
    {"2027-06-09", 0, "端午节"}, {"2027-09-15", 0, "中秋节"},
    {"2027-09-26", 1, "国庆节调休上班"}, {"2027-10-01", 0, "国庆节"}, {"2027-10-02", 0, "国庆节"},
    {"2027-10-03", 0, "国庆节"}, {"2027-10-04", 0, "国庆节"}, {"2027-10-05", 0, "国庆节"}, {"2027-10-06", 0, "国庆节"},
    {"2027-10-07", 0, "国庆节"}, {"2027-10-09", 1, "国庆节调休上班"},
};

/* DEMO_DEVICE_IDENT (demo.h) is the device of `secretary`: entered as the
** device identifier in Traccar Client (server URL http://HOST:5055 with
** XIANGCUN_OSMAND_LISTEN, or http://HOST:PORT/api/v1/osmand), its reports
** land in 明月村's ledger. */

typedef struct sec_ctx {
    int64_t id, village;
    double lat, lon;         /* where the village's households are */
} sec_ctx;

static int ensure_secretary(db *d, const audit_ctx *ctx, const demo_sec *s, const char *password, int64_t *id,
                            xerr *e) {
    org v;
    if (org_get_by_code(d, s->village_code, &v, e)) return -1;
    if (!s->name) {
        *id = user_id_by_login(d, s->login, e);
        return *id < 0 ? -1 : 0;
    }
    user_input in = {s->login, s->name, "secretary", password, s->phone, v.id};
    return user_create(d, ctx, &in, id, e);
}

/* The mean position of the village's households (its centre for the fence). */
static int village_centre(db *d, const char *code, sec_ctx *c, xerr *e) {
    db_stmt *st = db_prepare(d, "SELECT v.id, AVG(h.lat), AVG(h.lon) FROM org_node v JOIN org_node g"
                                " ON g.path >= v.path AND g.path < (v.path || 'z') JOIN household h ON h.org_id = g.id"
                                " WHERE v.code = $1 AND h.lat IS NOT NULL GROUP BY v.id", e);
    if (!st) return -1;
    db_bind_text(st, 1, code);
    int rc = db_step(st, e);
    if (rc == 1) {
        c->village = db_col_int(st, 0);
        c->lat = db_col_double(st, 1);
        c->lon = db_col_double(st, 2);
    }
    db_done(st);
    if (rc == 0) return xerr_set(e, 500, "internal", "%s", "demo village without households");
    return rc < 0 ? -1 : 0;
}

/* 明月村's fence as drawn on the map: an irregular octagon around its
** households; the others a circle around theirs. */
/* The village's fence, drawn by the admin: an octagon for the first, a circle elsewhere. */
static int add_fence(db *d, const audit_ctx *ctx, int64_t admin, const sec_ctx *c, int polygon, xerr *e) {
    static const double R[8] = {1.0, 0.85, 1.1, 0.9, 1.05, 0.8, 1.15, 0.95};
    audit_ctx as_admin = *ctx;
    as_admin.actor_id = admin;
    duty_fence f = {.center = {c->lat, c->lon}, .radius_m = CIRCLE_RADIUS_M};
    char *text = NULL;
    if (polygon) {
        json_t *ring = json_array();
        for (int i = 0; i < 8; i++)
            json_array_append_new(ring, json_pack("[f, f]", c->lat + 0.009 * R[i] * sin(i * M_PI / 4),
                                                  c->lon + 0.010 * R[i] * cos(i * M_PI / 4)));
        f.polygon = text = json_dumps(ring, JSON_COMPACT);
        json_decref(ring);
    }
    json_t *after = duty_fence_put(d, &as_admin, c->village, &f, e);
    int rc = after ? 0 : -1;
    free(text);
    json_decref(after);
    return rc;
}

/* Each year's exception days of CALENDAR, as an administrator enters them. */
static int add_calendar(db *d, const audit_ctx *ctx, xerr *e) {
    for (int year = 2026; year <= 2027; year++) {
        json_t *days = json_array();
        for (size_t i = 0; i < N(CALENDAR); i++)
            if (atoi(CALENDAR[i].day) == year)
                json_array_append_new(days, json_pack("{s:s, s:b, s:s}", "day", CALENDAR[i].day, "working",
                                                      CALENDAR[i].working, "name", CALENDAR[i].name));
        int rc = duty_calendar_put(d, ctx, year, days, e);
        json_decref(days);
        if (rc) return -1;
    }
    return 0;
}

/* Leave for user_id over [from, to], filed by them and approved by admin, each step audited. */
static int add_leave(db *d, const audit_ctx *ctx, int64_t admin, int64_t user_id, const char *from, const char *to,
                     xerr *e) {
    audit_ctx by_secretary = *ctx, by_admin = *ctx;
    by_secretary.actor_id = user_id;
    by_admin.actor_id = admin;
    duty_leave l = {duty_leave_file(d, user_id, "leave", from, to, "家中老人住院，回乡照料", ctx->now, e), user_id, from, to};
    json_t *excused = NULL, *filed = json_pack("{s:I, s:s, s:s, s:s}", "user_id", (json_int_t)user_id, "start_day",
                                               from, "end_day", to, "status", "pending");
    json_t *approved = json_deep_copy(filed);
    json_object_set_new(approved, "status", json_string("approved"));
    int rc = l.id < 0 || audit_append_id(d, &by_secretary, "duty.leave.create", "duty_leave", l.id, NULL, filed, e) ||
             duty_leave_decide(d, &by_admin, &l, 1, "同意", &excused, e) ||
             audit_append_id(d, &by_admin, "duty.leave.approve", "duty_leave", l.id, filed, approved, e) ? -1 : 0;
    json_decref(filed);
    json_decref(approved);
    json_decref(excused);
    return rc;
}

/* One check-in of secretary c at Unix time at, offset (dlat, dlon) from the
** village centre; from the phone's Traccar Client when device_id, else the web. */
static int checkin(db *d, const duty_settings *s, const sec_ctx *c, int64_t at, double dlat, double dlon,
                   double accuracy, int64_t device_id, xerr *e) {
    duty_point p = {.lat = c->lat + dlat, .lon = c->lon + dlon, .accuracy = accuracy, .altitude = NAN,
                    .speed = NAN, .bearing = NAN, .battery = device_id ? 64 : NAN,
                    .device_time = device_id ? at : 0, .source = device_id ? "traccar" : "web",
                    .device_id = device_id, .note = NULL};
    return checkin_store(d, s, c->id, &p, at, NULL, e) < 0 ? -1 : 0;
}

/* What secretary j did on the k-th working day before today (1 = the last
** one): the exceptions to "both windows met, inside, accurate". */
enum { DAY_NORMAL, DAY_LATE, DAY_OUTSIDE, DAY_NONE, DAY_LEAVE, DAY_INACCURATE };
#define LEAVE_FIRST 7          /* secretary4's leave: working days 7 and 6 before today */
#define LEAVE_LAST 6
static int day_kind(size_t j, int k) {
    if (j == 0 && k == 3) return DAY_LATE;
    if (j == 1 && k == 2) return DAY_OUTSIDE;
    if (j == 2 && k == 5) return DAY_NONE;
    if (j == 3 && k >= LEAVE_LAST && k <= LEAVE_FIRST) return DAY_LEAVE;
    if (j == 4 && k == 1) return DAY_INACCURATE;
    return DAY_NORMAL;
}

/* Check-ins of secretary j on working day k (0 today) starting at t0, up to now. */
static int history_day(db *d, const duty_settings *s, const sec_ctx *c, size_t j, int k, int64_t t0, int64_t now,
                       int64_t device, xerr *e) {
    int kind = day_kind(j, k);
    /* Today only the first, second and fourth have checked in so far. */
    if (kind == DAY_NONE || kind == DAY_LEAVE || s->nwindows < 2 || (k == 0 && (j == 2 || j == 4))) return 0;
    int64_t w0 = t0 + s->windows[0].start_min * 60, w1 = t0 + s->windows[1].start_min * 60;
    int64_t am = kind == DAY_LATE ? t0 + s->windows[0].end_min * 60 + 25 * 60
                                  : w0 + (8 + ((int64_t)j * 7 + k * 3) % 40) * 60;
    int64_t pm = w1 + (5 + ((int64_t)j * 11 + k * 5) % 45) * 60;
    double jitter = (double)(((int64_t)j * 13 + k * 7) % 11 - 5) / 20000.0;
    if (am <= now && checkin(d, s, c, am, jitter, -jitter, kind == DAY_INACCURATE ? 350 : 12 + (double)j, 0, e))
        return -1;
    /* The outside point: 6 km east of the village, at the county seat. */
    double dlon = kind == DAY_OUTSIDE ? 0.062 : jitter;
    if (pm <= now && checkin(d, s, c, pm, -jitter, dlon, 20, j == 0 ? device : 0, e)) return -1;
    return 0;
}

/* Local midnights of today (index 0) and the HISTORY_WORKDAYS working days before it. */
static int working_days(db *d, const duty_settings *s, int64_t now, int64_t t0[HISTORY_WORKDAYS + 1], int *today,
                        xerr *e) {
    char day[11];
    duty_local_day(s, now, day);
    int64_t t = duty_day_start(s, day);
    int n = 0;
    for (int back = 0; n <= HISTORY_WORKDAYS && back < 60; back++, t -= 86400) {
        duty_local_day(s, t, day);
        int w = duty_is_working(d, s, day, e);
        if (w < 0) return -1;
        if (!back) *today = w;
        if (w || !back) t0[n++] = t;
    }
    return n == HISTORY_WORKDAYS + 1 ? 0 : xerr_set(e, 500, "internal", "%s", "demo calendar");
}

/* Appointed when the history starts: the evaluation covers the days since an account was made. */
static int backdate(db *d, int64_t user_id, int64_t t, xerr *e) {
    db_stmt *st = db_prepare(d, "UPDATE app_user SET created_at = $1 WHERE id = $2", e);
    if (!st) return -1;
    db_bind_int(st, 1, t);
    db_bind_int(st, 2, user_id);
    return db_run(st, e) < 0 ? -1 : 0;
}

static int history(db *d, const audit_ctx *ctx, const duty_settings *s, int64_t admin, const sec_ctx *secs,
                   int64_t device, xerr *e) {
    int64_t t0[HISTORY_WORKDAYS + 1];
    int today;
    char from[11], to[11];
    if (working_days(d, s, ctx->now, t0, &today, e)) return -1;
    duty_local_day(s, t0[LEAVE_FIRST], from);
    duty_local_day(s, t0[LEAVE_LAST], to);
    if (add_leave(d, ctx, admin, secs[3].id, from, to, e)) return -1;
    for (size_t j = 0; j < N(SECS); j++)
        if (backdate(d, secs[j].id, t0[HISTORY_WORKDAYS], e)) return -1;
    for (int k = HISTORY_WORKDAYS; k >= !today; k--)
        for (size_t j = 0; j < N(SECS); j++)
            if (history_day(d, s, &secs[j], j, k, t0[k], ctx->now, device, e)) return -1;
    return 0;
}

int demo_duty(db *d, const audit_ctx *ctx, const char *password, xerr *e) {
    duty_settings s;
    sec_ctx secs[N(SECS)];
    int64_t admin = user_id_by_login(d, "admin", e);
    if (admin < 0 || duty_settings_load(d, &s, e) || add_calendar(d, ctx, e)) return -1;
    for (size_t j = 0; j < N(SECS); j++) {
        if (ensure_secretary(d, ctx, &SECS[j], password, &secs[j].id, e) ||
            village_centre(d, SECS[j].village_code, &secs[j], e) || add_fence(d, ctx, admin, &secs[j], j == 0, e))
            return -1;
    }
    int64_t device = duty_device_add(d, ctx, secs[0].id, DEMO_DEVICE_IDENT, "演示手机 Traccar Client", e);
    int rc = device < 0 || history(d, ctx, &s, admin, secs, device, e) ? -1 : 0;
    sse_discard();   /* no page listens while the demo is seeded */
    return rc;
}

int demo_duty_evaluate(db *d, int64_t now, xerr *e) {
    duty_run r;
    return duty_evaluate(d, now, &r, e);
}
