/* leave.c: leave and official trips a secretary files and the town decides (see duty.h). */
#include "duty/duty.h"
#include "core/date.h"

#include <stdio.h>

/* The days [start, end] as day numbers, in order and at most DUTY_LEAVE_MAX_DAYS long. */
static int check_days(const char *start, const char *end, xerr *e) {
    int64_t a, b;
    if (date_to_days(start, &a)) return xerr_set(e, 400, "invalid_value", "%s", "start_day");
    if (date_to_days(end, &b)) return xerr_set(e, 400, "invalid_value", "%s", "end_day");
    if (b < a) return xerr_set(e, 400, "duty_leave_order", "%s", "end_day");
    if (b - a + 1 > DUTY_LEAVE_MAX_DAYS) return xerr_set(e, 400, "duty_leave_too_long", "%d", DUTY_LEAVE_MAX_DAYS);
    return 0;
}

/* A pending or approved request of user_id overlapping [start, end]: its id, 0, or -1. */
static int64_t overlapping(db *d, int64_t user_id, const char *start, const char *end, xerr *e) {
    db_stmt *st = db_prepare(d, "SELECT id FROM duty_leave WHERE user_id = $1 AND status IN ('pending', 'approved')"
                                " AND start_day <= $3 AND end_day >= $2 ORDER BY id LIMIT 1", e);
    if (!st) return -1;
    db_bind_int(st, 1, user_id);
    db_bind_text(st, 2, start);
    db_bind_text(st, 3, end);
    int rc = db_step(st, e);
    int64_t other = rc == 1 ? db_col_int(st, 0) : 0;
    db_done(st);
    return rc < 0 ? -1 : other;
}

int64_t duty_leave_file(db *d, int64_t user_id, const char *kind, const char *start, const char *end,
                        const char *reason, int64_t now, xerr *e) {
    if (check_days(start, end, e)) return -1;
    int64_t other = overlapping(d, user_id, start, end, e);
    if (other) return other < 0 ? -1 : xerr_set(e, 409, "duty_leave_overlap", "%lld", (long long)other);
    db_stmt *st = db_prepare(d, "INSERT INTO duty_leave (user_id, kind, start_day, end_day, reason, status, created_at)"
                                " VALUES ($1, $2, $3, $4, $5, 'pending', $6) RETURNING id", e);
    if (!st) return -1;
    db_bind_int(st, 1, user_id);
    db_bind_text(st, 2, kind);
    db_bind_text(st, 3, start);
    db_bind_text(st, 4, end);
    db_bind_text(st, 5, reason);
    db_bind_int(st, 6, now);
    int rc = db_step(st, e);
    int64_t id = rc == 1 ? db_col_int(st, 0) : 0;
    db_done(st);
    if (rc == 0) xerr_set(e, 500, "db_error", "%s", "leave");
    return rc == 1 ? id : -1;
}

/* Run an UPDATE over user's records in [start, end] (and $4 actor, $5 now when
** the SQL uses them); the rows changed or -1. */
static int64_t excuse(db *d, const char *sql, int64_t user, const char *start, const char *end,
                      const audit_ctx *ctx, xerr *e) {
    db_stmt *st = db_prepare(d, sql, e);
    if (!st) return -1;
    db_bind_int(st, 1, user);
    db_bind_text(st, 2, start);
    db_bind_text(st, 3, end);
    if (ctx) {
        db_bind_int(st, 4, ctx->actor_id);
        db_bind_int(st, 5, ctx->now);
    }
    return db_run(st, e);
}

int duty_leave_decide(db *d, const audit_ctx *ctx, const duty_leave *l, int approve, const char *note,
                      json_t **excused, xerr *e) {
    *excused = NULL;
    db_stmt *st = db_prepare(d, "UPDATE duty_leave SET status = $1, decided_by = $2, decided_at = $3,"
                                " decision_note = $4 WHERE id = $5", e);
    if (!st) return -1;
    db_bind_text(st, 1, approve ? "approved" : "rejected");
    db_bind_int(st, 2, ctx->actor_id);
    db_bind_int(st, 3, ctx->now);
    db_bind_text(st, 4, note);
    db_bind_int(st, 5, l->id);
    if (db_run(st, e) < 0) return -1;
    if (!approve) return 0;
    /* Approved leave excuses days already evaluated: their missed windows and
    ** absent days become excused, and open inquiries about them are accepted. */
    int64_t w = excuse(d, "UPDATE duty_window SET status = 'excused' WHERE user_id = $1 AND day >= $2 AND day <= $3"
                          " AND status = 'missed'", l->user_id, l->start, l->end, NULL, e);
    int64_t n = w < 0 ? -1 : excuse(d, "UPDATE duty_day SET status = 'excused' WHERE user_id = $1 AND day >= $2"
                                       " AND day <= $3 AND status = 'absent'", l->user_id, l->start, l->end, NULL, e);
    int64_t q = n < 0 ? -1 : excuse(d, "UPDATE inquiry SET status = 'accepted', decided_by = $4, decided_at = $5"
                                       " WHERE user_id = $1 AND day >= $2 AND day <= $3 AND status = 'open'",
                                    l->user_id, l->start, l->end, ctx, e);
    if (q < 0) return -1;
    *excused = json_pack("{s:I, s:I, s:I}", "windows", (json_int_t)w, "days", (json_int_t)n, "inquiries", (json_int_t)q);
    return 0;
}
