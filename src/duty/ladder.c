/*
** ladder.c: the non-compliance ladder (see ladder.h): opening inquiries
** about missed windows and failed spot checks, and drafting the next
** sanction (notice of criticism, admonition interview, recall
** recommendation) once the county's thresholds are reached. Drafts wait for
** a supervisor's decision (api/duty_rules.c); every step is audited.
*/
#include "core/date.h"
#include "duty/ladder.h"
#include "http/sse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The secretary's village and its path, disabled or not (a recalled secretary's
** record is still decided); 404 when user_id is no secretary. */
static int user_org(db *d, int64_t user_id, int64_t *org_id, char path[256], xerr *e) {
    int found = duty_secretary_village(d, user_id, 0, org_id, path, e);
    return found > 0 ? 0 : found < 0 ? -1 : xerr_set(e, 404, "not_found", "%s", "user");
}

static void bind_opt(db_stmt *st, int idx, int64_t v) {
    if (v < 0) db_bind_null(st, idx);
    else db_bind_int(st, idx, v);
}

/* The id of the inquiry already opened about this window or spot check, 0 for none. */
static int64_t inquiry_existing(db *d, int64_t user_id, const char *kind, const char *day, int64_t window_idx,
                                int64_t spot_check_id, xerr *e) {
    db_stmt *st = db_prepare(d, "SELECT id FROM inquiry WHERE user_id = $1 AND kind = $2 AND day = $3"
                                " AND COALESCE(window_idx, -1) = $4 AND COALESCE(spot_check_id, -1) = $5", e);
    if (!st) return -1;
    db_bind_int(st, 1, user_id);
    db_bind_text(st, 2, kind);
    db_bind_text(st, 3, day);
    db_bind_int(st, 4, window_idx < 0 ? -1 : window_idx);
    db_bind_int(st, 5, spot_check_id < 0 ? -1 : spot_check_id);
    int rc = db_step(st, e);
    int64_t id = rc == 1 ? db_col_int(st, 0) : 0;
    db_done(st);
    return rc < 0 ? -1 : id;
}

int64_t inquiry_open(db *d, const audit_ctx *ctx, int64_t user_id, const char *kind, const char *day,
                     int64_t window_idx, int64_t spot_check_id, xerr *e) {
    int64_t found = inquiry_existing(d, user_id, kind, day, window_idx, spot_check_id, e), org_id;
    char path[256];
    if (found) return found < 0 ? -1 : 0;
    if (user_org(d, user_id, &org_id, path, e)) return -1;
    db_stmt *st = db_prepare(d, "INSERT INTO inquiry (user_id, org_id, kind, day, window_idx, spot_check_id,"
                                " opened_at, status) VALUES ($1, $2, $3, $4, $5, $6, $7, 'open') RETURNING id", e);
    if (!st) return -1;
    db_bind_int(st, 1, user_id);
    db_bind_int(st, 2, org_id);
    db_bind_text(st, 3, kind);
    db_bind_text(st, 4, day);
    bind_opt(st, 5, window_idx);
    bind_opt(st, 6, spot_check_id);
    db_bind_int(st, 7, ctx->now);
    int rc = db_step(st, e);
    int64_t id = rc == 1 ? db_col_int(st, 0) : 0;
    db_done(st);
    if (rc != 1) return rc < 0 ? -1 : xerr_set(e, 500, "db_error", "%s", "inquiry insert");
    json_t *after = json_pack("{s:I, s:I, s:s, s:s, s:o, s:o, s:s}", "id", (json_int_t)id, "user_id",
                              (json_int_t)user_id, "kind", kind, "day", day, "window_idx",
                              window_idx < 0 ? json_null() : json_integer(window_idx), "spot_check_id",
                              spot_check_id < 0 ? json_null() : json_integer(spot_check_id), "status", "open");
    rc = audit_append_id(d, ctx, "duty.inquiry.open", "inquiry", id, NULL, after, e);
    if (!rc) sse_queue("inquiry", user_id, path, P_DUTY_SUPERVISE, after);
    json_decref(after);
    return rc ? -1 : id;
}

/* ---- escalation --------------------------------------------------------------- */

#define LADDER_MAX_BASIS 200

/* Insert a draft sanction of kind for user_id with basis (stolen); audited; its id or -1. */
static int64_t sanction_draft(db *d, const audit_ctx *ctx, int64_t user_id, const char *kind, json_t *basis,
                              xerr *e) {
    int64_t org_id, id = -1;
    char path[256];
    char *text = json_dumps(basis, JSON_COMPACT);
    db_stmt *st = NULL;
    if (text && !user_org(d, user_id, &org_id, path, e) &&
        (st = db_prepare(d, "INSERT INTO sanction (user_id, org_id, kind, status, basis, created_at)"
                            " VALUES ($1, $2, $3, 'draft', $4, $5) RETURNING id", e))) {
        db_bind_int(st, 1, user_id);
        db_bind_int(st, 2, org_id);
        db_bind_text(st, 3, kind);
        db_bind_text(st, 4, text);
        db_bind_int(st, 5, ctx->now);
        int rc = db_step(st, e);
        if (rc == 1) id = db_col_int(st, 0);
        else if (rc == 0) xerr_set(e, 500, "db_error", "%s", "sanction insert");
    }
    db_done(st);
    free(text);
    if (id > 0) {
        json_t *after = json_pack("{s:I, s:I, s:s, s:s, s:O}", "id", (json_int_t)id, "user_id", (json_int_t)user_id,
                                  "kind", kind, "status", "draft", "basis", basis);
        if (audit_append_id(d, ctx, "duty.sanction.draft", "sanction", id, NULL, after, e)) id = -1;
        else sse_queue("sanction", 0, path, P_DUTY_SUPERVISE, after);
        json_decref(after);
    }
    json_decref(basis);
    return id;
}

/* Ids from a one-parameter-set query into arr; their number, -1 on error. */
static int collect_ids(db_stmt *st, json_t *arr, xerr *e) {
    int rc, n = 0;
    while ((rc = db_step(st, e)) == 1)
        if (n++ < LADDER_MAX_BASIS) json_array_append_new(arr, json_integer(db_col_int(st, 0)));
    db_done(st);
    return rc < 0 ? -1 : n;
}

/* Enough rejected inquiries not used by a sanction within notice_days: a notice. */
static int64_t draft_notice(db *d, const audit_ctx *ctx, const duty_settings *s, int64_t user_id, xerr *e) {
    char today[11], from[11];
    int64_t n;
    duty_local_day(s, ctx->now, today);
    if (date_to_days(today, &n)) return xerr_set(e, 500, "internal", "%s", "day");
    date_from_days(n - s->notice_days + 1, from);
    db_stmt *st = db_prepare(d, "SELECT id FROM inquiry WHERE user_id = $1 AND status = 'rejected'"
                                " AND sanction_id IS NULL AND day >= $2 AND day <= $3 ORDER BY day, id", e);
    if (!st) return -1;
    db_bind_int(st, 1, user_id);
    db_bind_text(st, 2, from);
    db_bind_text(st, 3, today);
    json_t *ids = json_array();
    int k = collect_ids(st, ids, e);
    if (k < s->notice_misses) {
        json_decref(ids);
        return k < 0 ? -1 : 0;
    }
    int64_t id = sanction_draft(d, ctx, user_id, "notice", json_pack("{s:O, s:i}", "inquiries", ids, "days",
                                                                      s->notice_days), e);
    size_t i;
    json_t *x;
    json_array_foreach(ids, i, x) {
        if (id < 0) break;
        st = db_prepare(d, "UPDATE inquiry SET sanction_id = $1 WHERE id = $2", e);
        if (!st) id = -1;
        else {
            db_bind_int(st, 1, id);
            db_bind_int(st, 2, json_integer_value(x));
            if (db_step(st, e) < 0) id = -1;
            db_done(st);
        }
    }
    json_decref(ids);
    return id;
}

/* Whether user_id has a sanction of kind, not dismissed, created in [from, to). */
static int has_sanction(db *d, int64_t user_id, const char *kind, int64_t from, int64_t to, xerr *e) {
    db_stmt *st = db_prepare(d, "SELECT 1 FROM sanction WHERE user_id = $1 AND kind = $2 AND status <> 'dismissed'"
                                " AND created_at >= $3 AND created_at < $4", e);
    if (!st) return -1;
    db_bind_int(st, 1, user_id);
    db_bind_text(st, 2, kind);
    db_bind_int(st, 3, from);
    db_bind_int(st, 4, to);
    int rc = db_step(st, e);
    db_done(st);
    return rc;
}

/* Approved notices in the local calendar year: an interview, then a recall. */
static int64_t draft_yearly(db *d, const audit_ctx *ctx, const duty_settings *s, int64_t user_id, xerr *e) {
    char today[11], first[24], next[24];
    duty_local_day(s, ctx->now, today);
    int year = atoi(today);
    snprintf(first, sizeof first, "%04d-01-01", year);
    snprintf(next, sizeof next, "%04d-01-01", year + 1);
    int64_t from = duty_day_start(s, first), to = duty_day_start(s, next), made = 0;
    db_stmt *st = db_prepare(d, "SELECT id FROM sanction WHERE user_id = $1 AND kind = 'notice'"
                                " AND status = 'approved' AND decided_at >= $2 AND decided_at < $3 ORDER BY id", e);
    if (!st) return -1;
    db_bind_int(st, 1, user_id);
    db_bind_int(st, 2, from);
    db_bind_int(st, 3, to);
    json_t *ids = json_array();
    int n = collect_ids(st, ids, e);
    static const char *const KINDS[] = {"interview", "recall"};
    int need[] = {s->interview_notices, s->recall_notices};
    for (int k = 0; k < 2 && n >= 0 && made >= 0; k++) {
        if (n < need[k]) continue;
        int has = has_sanction(d, user_id, KINDS[k], from, to, e);
        if (has < 0) made = -1;
        else if (!has)
            made = sanction_draft(d, ctx, user_id, KINDS[k],
                                  json_pack("{s:O, s:i}", "notices", ids, "year", year), e);
    }
    json_decref(ids);
    return n < 0 ? -1 : made;
}

int64_t ladder_escalate(db *d, const audit_ctx *ctx, const duty_settings *s, int64_t user_id, int64_t now,
                        xerr *e) {
    audit_ctx c = *ctx;
    c.now = now;
    int64_t notice = draft_notice(d, &c, s, user_id, e);
    if (notice < 0) return -1;
    int64_t yearly = draft_yearly(d, &c, s, user_id, e);
    if (yearly < 0) return -1;
    return yearly ? yearly : notice;
}
