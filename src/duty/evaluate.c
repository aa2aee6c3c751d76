/*
** evaluate.c: the scheduled duty evaluation (see evaluate.h). A pass loads
** the settings, the calendar exceptions of the last 61 days, every enabled
** secretary with the last day already evaluated for them, and today's
** evaluated windows: a few queries in all, so a pass with nothing new to do
** costs almost nothing at county scale. Then, per secretary and per working
** day not yet evaluated, one transaction records the windows that have ended
** (excused, met or missed; a missed one opens an inquiry) and, once the day
** has ended, the day (present, excused or absent). Rows are inserted with ON
** CONFLICT DO NOTHING, so two passes (after a restart, or on two instances)
** never record a window twice, and only the pass that inserted a miss opens
** its inquiry. Finally spot checks past their deadline are expired and
** check-ins past the retention period are purged.
*/
#include "duty/evaluate.h"
#include "core/clock.h"
#include "core/date.h"
#include "core/strbuf.h"
#include "core/thread.h"
#include "duty/duty.h"
#include "duty/ladder.h"
#include "duty/spot.h"
#include "http/sse.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LOOKBACK_DAYS 60
/* A window (or day) is decided this long after it ends, so that a point the
** phone queued while it had no signal, sent late with its own time, still counts. */
#define GRACE_S 300

#define QUALIFYING DUTY_QUALIFYING("checkin")

typedef struct secretary {
    int64_t id, org_id, created_at;
    int64_t next_day;      /* first day number not yet fully evaluated */
    unsigned done_today;   /* bit i: today's window i already recorded */
} secretary;

typedef struct pass {
    db *d;
    duty_settings s;
    int64_t now, today;
    audit_ctx ctx;
    char holiday_day[LOOKBACK_DAYS + 2][11];
    int holiday_working[LOOKBACK_DAYS + 2], nholidays;
    duty_run *out;
    xerr *e;
} pass;

/* ---- loading ----------------------------------------------------------------------------- */

static int load_holidays(pass *p) {
    char from[11], to[11];
    date_from_days(p->today - LOOKBACK_DAYS - 1, from);
    date_from_days(p->today, to);
    db_stmt *st = db_prepare(p->d, "SELECT day, working FROM duty_holiday WHERE day >= $1 AND day <= $2", p->e);
    if (!st) return -1;
    db_bind_text(st, 1, from);
    db_bind_text(st, 2, to);
    int rc;
    p->nholidays = 0;
    while ((rc = db_step(st, p->e)) == 1 && p->nholidays < LOOKBACK_DAYS + 2) {
        snprintf(p->holiday_day[p->nholidays], 11, "%s", db_col_text(st, 0));
        p->holiday_working[p->nholidays++] = (int)db_col_int(st, 1);
    }
    db_done(st);
    return rc < 0 ? -1 : 0;
}

static int is_working(const pass *p, int64_t n, const char *day) {
    for (int i = 0; i < p->nholidays; i++)
        if (!strcmp(p->holiday_day[i], day)) return p->holiday_working[i];
    return !!(p->s.workdays & (1u << date_weekday(n)));
}

static int64_t day_of(const pass *p, int64_t t) {
    char day[11];
    int64_t n = 0;
    duty_local_day(&p->s, t, day);
    date_to_days(day, &n);
    return n;
}

/* Every enabled secretary with the day after the last one evaluated. */
static secretary *load_secretaries(pass *p, int *count) {
    db_stmt *st = db_prepare(p->d,
        "SELECT u.id, u.org_id, u.created_at, (SELECT MAX(d.day) FROM duty_day d WHERE d.user_id = u.id)"
        " FROM app_user u WHERE u.role = 'secretary' AND u.disabled = 0 ORDER BY u.id", p->e);
    if (!st) return NULL;
    secretary *v = NULL;
    int n = 0, cap = 0, rc;
    while ((rc = db_step(st, p->e)) == 1) {
        if (n == cap) v = xrealloc(v, sizeof *v * (size_t)(cap = cap ? cap * 2 : 64));
        secretary *x = &v[n++];
        x->id = db_col_int(st, 0);
        x->org_id = db_col_int(st, 1);
        x->created_at = db_col_int(st, 2);
        x->done_today = 0;
        int64_t last, first = day_of(p, x->created_at);
        if (first < p->today - LOOKBACK_DAYS) first = p->today - LOOKBACK_DAYS;
        if (!db_col_isnull(st, 3) && !date_to_days(db_col_text(st, 3), &last) && last + 1 > first) first = last + 1;
        x->next_day = first;
    }
    db_done(st);
    if (rc < 0) {
        free(v);
        return NULL;
    }
    *count = n;
    return v ? v : xcalloc(1, sizeof *v);
}

static int by_id(const void *key, const void *elem) {
    int64_t a = *(const int64_t *)key, b = ((const secretary *)elem)->id;
    return a < b ? -1 : a > b;
}

/* Mark the windows of today that are already recorded. */
static int load_today(pass *p, secretary *v, int n) {
    char today[11];
    date_from_days(p->today, today);
    db_stmt *st = db_prepare(p->d, "SELECT user_id, idx FROM duty_window WHERE day = $1", p->e);
    if (!st) return -1;
    db_bind_text(st, 1, today);
    int rc;
    while ((rc = db_step(st, p->e)) == 1) {
        int64_t uid = db_col_int(st, 0), idx = db_col_int(st, 1);
        secretary *x = bsearch(&uid, v, (size_t)n, sizeof *v, by_id);
        if (x && idx >= 0 && idx < DUTY_MAX_WINDOWS) x->done_today |= 1u << idx;
    }
    db_done(st);
    return rc < 0 ? -1 : 0;
}

/* ---- one secretary-day ---------------------------------------------------------------- */

/* The first qualifying check-in of user in [from, to], 0 for none. */
static int64_t first_checkin(pass *p, int64_t user, int64_t from, int64_t to) {
    db_stmt *st = db_prepare(p->d, "SELECT id FROM checkin WHERE user_id = $1 AND at >= $2 AND at <= $3 AND "
                                   QUALIFYING " ORDER BY at, id LIMIT 1", p->e);
    if (!st) return -1;
    db_bind_int(st, 1, user);
    db_bind_int(st, 2, from);
    db_bind_int(st, 3, to);
    int rc = db_step(st, p->e);
    int64_t id = rc == 1 ? db_col_int(st, 0) : 0;
    db_done(st);
    return rc < 0 ? -1 : id;
}

/* Record window idx of day; 1 when this pass inserted it, 0 when it existed. */
static int record_window(pass *p, const secretary *x, const char *day, int idx, int64_t from, int64_t to,
                         int excused, json_t *log) {
    int64_t cid = excused ? 0 : first_checkin(p, x->id, from, to);
    if (cid < 0) return -1;
    const char *status = excused ? "excused" : cid ? "met" : "missed";
    db_stmt *st = db_prepare(p->d, "INSERT INTO duty_window (user_id, day, idx, start_at, end_at, status, checkin_id)"
                                   " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (user_id, day, idx) DO NOTHING", p->e);
    if (!st) return -1;
    db_bind_int(st, 1, x->id);
    db_bind_text(st, 2, day);
    db_bind_int(st, 3, idx);
    db_bind_int(st, 4, from);
    db_bind_int(st, 5, to);
    db_bind_text(st, 6, status);
    if (cid) db_bind_int(st, 7, cid);
    else db_bind_null(st, 7);
    int64_t inserted = db_run(st, p->e);
    if (inserted < 0) return -1;
    if (!inserted) return 0;
    p->out->windows++;
    json_array_append_new(log, json_pack("{s:i, s:s}", "idx", idx, "status", status));
    if (!strcmp(status, "missed")) {
        int64_t q = inquiry_open(p->d, &p->ctx, x->id, "window", day, idx, -1, p->e);
        if (q < 0) return -1;
        if (q > 0) p->out->inquiries++;
    }
    return 1;
}

/* Record the ended day: present, excused or absent, with its counts. */
static int record_day(pass *p, const secretary *x, const char *day, int64_t start, int excused, json_t *log) {
    db_stmt *st = db_prepare(p->d,
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN inside = 1 THEN 1 ELSE 0 END), 0),"
        " COALESCE(SUM(CASE WHEN " QUALIFYING " THEN 1 ELSE 0 END), 0)"
        " FROM checkin WHERE user_id = $1 AND at >= $2 AND at < $3", p->e);
    if (!st) return -1;
    db_bind_int(st, 1, x->id);
    db_bind_int(st, 2, start);
    db_bind_int(st, 3, start + 86400);
    int rc = db_step(st, p->e);
    int64_t all = 0, inside = 0, good = 0;
    if (rc == 1) all = db_col_int(st, 0), inside = db_col_int(st, 1), good = db_col_int(st, 2);
    db_done(st);
    if (rc < 0) return -1;
    st = db_prepare(p->d, "SELECT COUNT(*), COALESCE(SUM(CASE WHEN status = 'met' THEN 1 ELSE 0 END), 0)"
                          " FROM duty_window WHERE user_id = $1 AND day = $2", p->e);
    if (!st) return -1;
    db_bind_int(st, 1, x->id);
    db_bind_text(st, 2, day);
    rc = db_step(st, p->e);
    int64_t total = rc == 1 ? db_col_int(st, 0) : 0, met = rc == 1 ? db_col_int(st, 1) : 0;
    db_done(st);
    if (rc < 0) return -1;
    const char *status = good ? "present" : excused ? "excused" : "absent";
    st = db_prepare(p->d, "INSERT INTO duty_day (user_id, day, org_id, status, checkins, inside, windows_met,"
                          " windows_total, evaluated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                          " ON CONFLICT (user_id, day) DO NOTHING", p->e);
    if (!st) return -1;
    db_bind_int(st, 1, x->id);
    db_bind_text(st, 2, day);
    db_bind_int(st, 3, x->org_id);
    db_bind_text(st, 4, status);
    db_bind_int(st, 5, all);
    db_bind_int(st, 6, inside);
    db_bind_int(st, 7, met);
    db_bind_int(st, 8, total);
    db_bind_int(st, 9, p->now);
    int64_t inserted = db_run(st, p->e);
    if (inserted < 0) return -1;
    if (inserted) {
        p->out->days++;
        json_object_set_new(log, "day", json_string(status));
    }
    return 0;
}

/* The windows of day n that are due (and, for an ended day, the day) in one
** transaction; audited as one record when anything was recorded. */
static int evaluate_day(pass *p, secretary *x, int64_t n) {
    char day[11];
    date_from_days(n, day);
    int64_t start = duty_day_start(&p->s, day);
    int ended = p->now >= start + 86400 + GRACE_S;
    if (!ended && n != p->today) return 0;   /* yesterday within its grace period */
    /* Created after the day's last window: the day does not count for them. */
    int64_t last_end = start + (p->s.nwindows ? p->s.windows[p->s.nwindows - 1].end_min * 60 : 0);
    if (x->created_at > last_end) return 0;
    int due = 0;
    for (int i = 0; i < p->s.nwindows; i++) {
        int64_t end = start + p->s.windows[i].end_min * 60;
        if (p->now >= end + GRACE_S && end > x->created_at && !(n == p->today && (x->done_today & (1u << i)))) due = 1;
    }
    if (!due && !ended) return 0;
    if (db_begin(p->d, p->e)) return -1;
    int excused = duty_excused(p->d, x->id, day, p->e), rc = excused < 0 ? -1 : 0;
    json_t *log = json_pack("{s:[]}", "windows"), *wins = json_object_get(log, "windows");
    for (int i = 0; i < p->s.nwindows && !rc; i++) {
        int64_t from = start + p->s.windows[i].start_min * 60, to = start + p->s.windows[i].end_min * 60;
        if (p->now < to + GRACE_S || to <= x->created_at) continue;
        if (record_window(p, x, day, i, from, to, excused, wins) < 0) rc = -1;
    }
    if (!rc && ended) rc = record_day(p, x, day, start, excused, log);
    if (!rc && (json_array_size(wins) || json_object_get(log, "day"))) {
        char id[48];
        snprintf(id, sizeof id, "%lld/%s", (long long)x->id, day);
        rc = audit_append(p->d, &p->ctx, "duty.evaluate", "duty_day", id, NULL, log, p->e);
    }
    json_decref(log);
    if (rc || db_commit(p->d, p->e)) {
        db_rollback(p->d);
        sse_discard();
        return -1;
    }
    sse_flush();
    return 0;
}

static int evaluate_secretary(pass *p, secretary *x) {
    for (int64_t n = x->next_day; n <= p->today; n++) {
        char day[11];
        date_from_days(n, day);
        if (is_working(p, n, day) && evaluate_day(p, x, n)) return -1;
    }
    return 0;
}

/* ---- the purge --------------------------------------------------------------------------- */

/* Check-ins (and their photos) older than retention_days: deleted, audited as
** one record with the count; the evaluation rows keep their outcome. */
static int purge(pass *p) {
    int64_t cutoff = p->now - (int64_t)p->s.retention_days * 86400;
    db_stmt *st = db_prepare(p->d, "SELECT COUNT(*) FROM checkin WHERE at < $1", p->e);
    if (!st) return -1;
    db_bind_int(st, 1, cutoff);
    int rc = db_step(st, p->e);
    int64_t n = rc == 1 ? db_col_int(st, 0) : 0;
    db_done(st);
    if (rc < 0 || n == 0) return rc < 0 ? -1 : 0;
    static const char *const SQL[] = {
        "DELETE FROM checkin_photo WHERE checkin_id IN (SELECT id FROM checkin WHERE at < $1)",
        "UPDATE duty_window SET checkin_id = NULL WHERE checkin_id IN (SELECT id FROM checkin WHERE at < $1)",
        "UPDATE spot_check SET checkin_id = NULL WHERE checkin_id IN (SELECT id FROM checkin WHERE at < $1)",
        "DELETE FROM checkin WHERE at < $1",
    };
    if (db_begin(p->d, p->e)) return -1;
    int64_t photos = 0, deleted = 0;
    rc = 0;
    for (size_t i = 0; i < sizeof SQL / sizeof SQL[0] && !rc; i++) {
        if (!(st = db_prepare(p->d, SQL[i], p->e))) rc = -1;
        else {
            db_bind_int(st, 1, cutoff);
            rc = db_step(st, p->e) < 0 ? -1 : 0;
            if (i == 0) photos = db_changes(st);
            if (i == 3) deleted = db_changes(st);
            db_done(st);
        }
    }
    if (!rc) {
        json_t *after = json_pack("{s:I, s:I, s:I, s:i}", "checkins", (json_int_t)deleted, "photos", (json_int_t)photos,
                                  "before", (json_int_t)cutoff, "retention_days", p->s.retention_days);
        rc = audit_append(p->d, &p->ctx, "duty.checkin.purge", "checkin", NULL, NULL, after, p->e);
        json_decref(after);
    }
    if (rc || db_commit(p->d, p->e)) {
        db_rollback(p->d);
        return -1;
    }
    p->out->purged = deleted;
    return 0;
}

/* ---- the pass ------------------------------------------------------------------------------ */

int duty_evaluate(db *d, int64_t now, duty_run *out, xerr *e) {
    static pass zero;
    pass *p = xmalloc(sizeof *p);
    *p = zero;
    memset(out, 0, sizeof *out);
    p->d = d;
    p->now = now;
    p->out = out;
    p->e = e;
    p->ctx = (audit_ctx){.actor_id = 0, .actor_login = "system", .ip = NULL, .now = now};
    int n = 0, rc = -1;
    secretary *v = NULL;
    if (!duty_settings_load(d, &p->s, e)) {
        p->today = day_of(p, now);
        if (!load_holidays(p) && (v = load_secretaries(p, &n)) && !load_today(p, v, n)) rc = 0;
    }
    for (int i = 0; i < n && !rc; i++) rc = evaluate_secretary(p, &v[i]);
    free(v);
    if (!rc) {
        int k = spot_expire(d, now, e);
        if (k < 0) rc = -1;
        else out->spot_expired = k;
    }
    if (!rc) rc = purge(p);
    free(p);
    return rc;
}

/* ---- the job thread ------------------------------------------------------------------------ */

static pthread_t g_thread;
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static int g_running, g_stop, g_tick;

/* One pass on the job's own connection; after a failure the connection is
** dropped and the next pass opens a new one (the database may have restarted). */
static void job_pass(db **d) {
    xerr e = {0};
    duty_run run;
    if (!*d) *d = db_open(db_url(), &e);
    if (*d && !duty_evaluate(*d, clock_now(), &run, &e)) return;
    fprintf(stderr, "xiangcun: duty job: %s: %s\n", e.code ? e.code : "error", e.detail);
    if (*d) db_close(*d);
    *d = NULL;
}

static void *job_main(void *arg) {
    (void)arg;
    /* A connection of its own, closed here: the server closes the request
    ** threads' connections (db_close_all) before this thread is stopped. */
    db *d = NULL;
    pthread_mutex_lock(&g_mu);
    while (!g_stop) {
        pthread_mutex_unlock(&g_mu);
        job_pass(&d);
        pthread_mutex_lock(&g_mu);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += g_tick;
        while (!g_stop && pthread_cond_timedwait(&g_cv, &g_mu, &until) != ETIMEDOUT) {}
    }
    pthread_mutex_unlock(&g_mu);
    if (d) db_close(d);
    return NULL;
}

int duty_job_start(xerr *e) {
    const char *s = getenv("XIANGCUN_DUTY_TICK");
    char *end = NULL;
    long tick = s && *s ? strtol(s, &end, 10) : 60;
    if ((end && *end) || tick < 1 || tick > 86400)
        return xerr_set(e, 500, "bad_config", "%s", "XIANGCUN_DUTY_TICK must be an integer in [1, 86400]");
    g_tick = (int)tick;
    g_stop = 0;
    if (thread_start(&g_thread, job_main, NULL)) return xerr_set(e, 500, "internal", "%s", "cannot start the duty job");
    g_running = 1;
    return 0;
}

void duty_job_stop(void) {
    if (!g_running) return;
    pthread_mutex_lock(&g_mu);
    g_stop = 1;
    pthread_cond_signal(&g_cv);
    pthread_mutex_unlock(&g_mu);
    pthread_join(g_thread, NULL);
    g_running = 0;
}
