/* spot.c: spot checks (约请): creating, cancelling, answers and deadlines (see spot.h). */
#include "duty/spot.h"
#include "db/db_json.h"
#include "duty/duty.h"
#include "duty/ladder.h"
#include "http/http.h"
#include "http/sse.h"

#include <stdio.h>
#include <string.h>

#define SPOT_BY_ID "SELECT " SPOT_COLUMNS ", o.path FROM " SPOT_FROM " WHERE s.id = $1"
#define MAX_ANSWERED 64

json_t *spot_row_json(db_stmt *st) {
    json_t *o = json_pack("{s:I, s:I, s:s, s:I, s:s, s:I, s:s, s:I, s:I, s:s?, s:s}",
        "id", (json_int_t)db_col_int(st, 0), "user_id", (json_int_t)db_col_int(st, 1),
        "user_name", db_col_text(st, 2), "org_id", (json_int_t)db_col_int(st, 3), "org_name", db_col_text(st, 4),
        "requested_by", (json_int_t)db_col_int(st, 5), "requested_by_name", db_col_text(st, 6),
        "requested_at", (json_int_t)db_col_int(st, 7), "deadline_at", (json_int_t)db_col_int(st, 8),
        "note", db_col_text(st, 9), "status", db_col_text(st, 10));
    json_object_set_new(o, "checkin_id", db_col_json(st, 11, 'i'));
    json_object_set_new(o, "answered_at", db_col_json(st, 12, 'i'));
    return o;
}

/* The spot check as JSON and its village's path (path may be NULL). */
static json_t *load(db *d, int64_t id, char path[256], xerr *e) {
    db_stmt *st = db_prepare(d, SPOT_BY_ID, e);
    if (!st) return NULL;
    db_bind_int(st, 1, id);
    int rc = db_step(st, e);
    json_t *o = rc == 1 ? spot_row_json(st) : NULL;
    if (rc == 1 && path) snprintf(path, 256, "%s", db_col_text(st, 13));
    db_done(st);
    if (rc == 0) xerr_set(e, 404, "not_found", "%s", "spot_check");
    return o;
}

json_t *spot_get_json(db *d, int64_t id, xerr *e) { return load(d, id, NULL, e); }

/* Audit the spot check's change and queue its live event for the secretary
** and the supervisors of the village. */
static int record(db *d, const audit_ctx *ctx, int64_t id, const char *action, const char *event, xerr *e) {
    char path[256];
    json_t *o = load(d, id, path, e);
    if (!o) return -1;
    int rc = audit_append_id(d, ctx, action, "spot_check", id, NULL, o, e);
    if (rc == 0)
        sse_queue(event, json_integer_value(json_object_get(o, "user_id")), path, P_DUTY_READ, o);
    json_decref(o);
    return rc;
}

int64_t spot_create(db *d, const audit_ctx *ctx, int64_t user_id, int64_t deadline_at, const char *note, xerr *e) {
    db_stmt *st = db_prepare(d,
        "INSERT INTO spot_check (user_id, org_id, requested_by, requested_at, deadline_at, note, status)"
        " SELECT id, org_id, $2, $3, $4, $5, 'open' FROM app_user WHERE id = $1 RETURNING id", e);
    if (!st) return -1;
    db_bind_int(st, 1, user_id);
    db_bind_int(st, 2, ctx->actor_id);
    db_bind_int(st, 3, ctx->now);
    db_bind_int(st, 4, deadline_at);
    db_bind_text(st, 5, note);
    int rc = db_step(st, e);
    int64_t id = rc == 1 ? db_col_int(st, 0) : 0;
    db_done(st);
    if (rc == 0) xerr_set(e, 400, "invalid_value", "%s", "user_ids");
    /* the index spot_check_one_open: another request asked them first */
    if (rc < 0 && e && e->status == 409) xerr_set(e, 409, "spot_check_open", "%s", "user_ids");
    if (rc != 1 || record(d, ctx, id, "spot_check.create", "spot_check", e)) return -1;
    return id;
}

int spot_cancel(db *d, const audit_ctx *ctx, int64_t id, xerr *e) {
    db_stmt *st = db_prepare(d, "UPDATE spot_check SET status = 'cancelled' WHERE id = $1 AND status = 'open'", e);
    if (!st) return -1;
    db_bind_int(st, 1, id);
    int64_t n = db_run(st, e);
    if (n < 0) return -1;
    if (n == 0) return xerr_set(e, 409, "spot_check_closed", "%s", "spot_check");
    return record(d, ctx, id, "spot_check.cancel", "spot_check", e);
}

/* The county-local day of time t, and the start of the day of `now`. */
static int local_day(db *d, int64_t t, int64_t now, char day[11], int64_t *day_start, xerr *e) {
    duty_settings s;
    if (duty_settings_load(d, &s, e)) return -1;
    duty_local_day(&s, t, day);
    if (day_start) {
        char today[11];
        duty_local_day(&s, now, today);
        *day_start = duty_day_start(&s, today);
    }
    return 0;
}

/* A failed spot check (outside, late, no_answer) gets its inquiry, about the
** local day it was requested on; once (inquiry_open answers 0 the second time). */
static int open_inquiry(db *d, const audit_ctx *ctx, int64_t id, int64_t user_id, int64_t requested_at, xerr *e) {
    char day[11];
    if (local_day(d, requested_at, requested_at, day, NULL, e)) return -1;
    return inquiry_open(d, ctx, user_id, "spot_check", day, -1, id, e) < 0 ? -1 : 0;
}

/* The system acting at time now (answers and deadlines are nobody's decision). */
static audit_ctx system_ctx(int64_t now) { return (audit_ctx){0, NULL, NULL, now}; }

typedef struct candidate { int64_t id, deadline, requested; } candidate;

/* Open ones in time, or past their deadline (open or no_answer) but
** requested the same local day; not yet answered. */
static int candidates(db *d, int64_t user_id, int64_t taken, int64_t received, candidate *c, int *n, xerr *e) {
    char today[11];
    int64_t day_start;
    if (local_day(d, received, received, today, &day_start, e)) return -1;
    db_stmt *st = db_prepare(d,
        "SELECT id, deadline_at, requested_at FROM spot_check WHERE user_id = $1 AND checkin_id IS NULL"
        " AND requested_at <= $2 AND requested_at <= $4 AND ((status = 'open' AND deadline_at >= $2)"
        " OR (status IN ('open', 'no_answer') AND requested_at >= $3)) ORDER BY id LIMIT 64", e);
    if (!st) return -1;
    db_bind_int(st, 1, user_id);
    db_bind_int(st, 2, received);
    db_bind_int(st, 3, day_start);
    db_bind_int(st, 4, taken + SPOT_TAKEN_SLACK_S);
    int rc;
    *n = 0;
    while ((rc = db_step(st, e)) == 1 && *n < MAX_ANSWERED)
        c[(*n)++] = (candidate){db_col_int(st, 0), db_col_int(st, 1), db_col_int(st, 2)};
    db_done(st);
    return rc < 0 ? -1 : 0;
}

/* Record check-in checkin_id as the answer of spot check c with status; 1 when it answered it. */
static int answer(db *d, const candidate *c, const char *status, int64_t checkin_id, int64_t received, xerr *e) {
    db_stmt *st = db_prepare(d,
        "UPDATE spot_check SET status = $1, checkin_id = $2, answered_at = $3 WHERE id = $4 AND checkin_id IS NULL"
        " AND status IN ('open', 'no_answer')", e);
    if (!st) return -1;
    db_bind_text(st, 1, status);
    db_bind_int(st, 2, checkin_id);
    db_bind_int(st, 3, received);
    db_bind_int(st, 4, c->id);
    int64_t n = db_run(st, e);
    return n < 0 ? -1 : n == 1;
}

int spot_on_checkin(db *d, int64_t user_id, int64_t checkin_id, int64_t taken, int64_t received, int inside,
                    json_t *answered, xerr *e) {
    candidate c[MAX_ANSWERED];
    int n;
    if (candidates(d, user_id, taken, received, c, &n, e)) return -1;
    audit_ctx ctx = system_ctx(received);
    for (int i = 0; i < n; i++) {
        const char *status = received > c[i].deadline ? "late" : inside == 0 ? "outside" : "ok";
        int rc = answer(d, &c[i], status, checkin_id, received, e);
        if (rc < 0) return -1;
        if (rc == 0) continue;
        if (record(d, &ctx, c[i].id, "spot_check.answer", "spot_check_answered", e) ||
            (strcmp(status, "ok") && open_inquiry(d, &ctx, c[i].id, user_id, c[i].requested, e)))
            return -1;
        json_array_append_new(answered, json_integer((json_int_t)c[i].id));
    }
    return 0;
}

/* Expire spot check id if it is still open: 1 done, 0 not open any more, -1 error. */
static int expire_one(db *d, int64_t id, int64_t now, xerr *e) {
    if (db_begin(d, e)) return -1;
    db_stmt *st = db_prepare(d,
        "UPDATE spot_check SET status = 'no_answer' WHERE id = $1 AND status = 'open' RETURNING user_id, requested_at", e);
    int rc = -1;
    int64_t user_id = 0, requested = 0;
    if (st) {
        db_bind_int(st, 1, id);
        rc = db_step(st, e);
        if (rc == 1) {
            user_id = db_col_int(st, 0);
            requested = db_col_int(st, 1);
        }
        db_done(st);
    }
    audit_ctx ctx = system_ctx(now);
    if (rc == 1 && (record(d, &ctx, id, "spot_check.expire", "spot_check", e) ||
                    open_inquiry(d, &ctx, id, user_id, requested, e)))
        rc = -1;
    if (rc < 0 || db_commit(d, e)) {
        if (db_in_tx(d)) db_rollback(d);
        sse_discard();
        return -1;
    }
    sse_flush();
    return rc;
}

int spot_expire(db *d, int64_t now, xerr *e) {
    int total = 0;
    for (;;) {
        int64_t ids[100];
        int n = 0, rc;
        db_stmt *st = db_prepare(d, "SELECT id FROM spot_check WHERE status = 'open' AND deadline_at < $1"
                                    " ORDER BY id LIMIT 100", e);
        if (!st) return -1;
        db_bind_int(st, 1, now);
        while ((rc = db_step(st, e)) == 1 && n < 100) ids[n++] = db_col_int(st, 0);
        db_done(st);
        if (rc < 0) return -1;
        if (n == 0) return total;
        for (int i = 0; i < n; i++) {
            int done = expire_one(d, ids[i], now, e);
            if (done < 0) return -1;
            total += done;
        }
    }
}
