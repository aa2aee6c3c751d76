/* household.c: household files and their members (see household.h). */
#include "model/household.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "core/date.h"
#include "core/idcard.h"
#include "core/mask.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *const HH_STATUSES[] = {"poor", "exited", "monitored", "removed", NULL};
const char *const HH_CAUSES[] = {"illness", "disability", "schooling", "skills", "labour",
                                 "funds", "land", "disaster", "other", NULL};
const char *const HH_INDICATORS[] = {"food", "clothing", "education", "medical", "housing", "water", NULL};
const char *const HH_INCOME_SOURCES[] = {"wages", "farming", "business", "property", "transfers", "expenses", NULL};
const char *const MEMBER_RELATIONS[] = {"self", "spouse", "child", "parent", "grandchild", "sibling",
                                        "in_law", "other", NULL};
const char *const MEMBER_HEALTH[] = {"healthy", "chronic", "serious", "disabled", NULL};
const char *const MEMBER_EDUCATION[] = {"none", "preschool", "primary", "junior", "senior", "college",
                                        "in_school", NULL};
const char *const MEMBER_LABOUR[] = {"full", "partial", "none", NULL};

static int bad(xerr *e, const char *code, const char *field) { return xerr_set(e, 400, code, "%s", field); }

/* ---- validation ------------------------------------------------------- */

int household_number_valid(const char *s) {
    size_t n = strlen(s);
    if (n < 1 || n > 32) return 0;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '-'))
            return 0;
    return 1;
}

int household_validate(db *d, const household_in *in, int creating, xerr *e) {
    if (creating && !in->number) return bad(e, "missing_field", "number");
    if (in->number && !household_number_valid(in->number)) return bad(e, "invalid_value", "number");
    if (creating && !in->org_id) return bad(e, "missing_field", "org_id");
    if (in->has_location == 1 && (!isfinite(in->lat) || !isfinite(in->lon) || in->lat < -90 || in->lat > 90 ||
                                   in->lon < -180 || in->lon > 180))
        return bad(e, "invalid_value", "lat");
    if (in->status && !str_in_list(HH_STATUSES, in->status)) return bad(e, "invalid_value", "status");
    for (int i = 0; i < in->ncauses; i++)
        if (!str_in_list(HH_CAUSES, in->causes[i])) return bad(e, "invalid_value", "causes");
    if (in->visit_interval_days && (in->visit_interval_days < 1 || in->visit_interval_days > 366))
        return bad(e, "invalid_value", "visit_interval_days");
    if (in->org_id) {
        db_stmt *st = db_prepare(d, "SELECT depth FROM org_node WHERE id = $1", e);
        if (!st) return -1;
        db_bind_int(st, 1, in->org_id);
        int rc = db_step(st, e);
        int64_t depth = rc == 1 ? db_col_int(st, 0) : -1;
        db_done(st);
        if (rc < 0) return -1;
        if (depth < 2) return bad(e, "invalid_value", "org_id");   /* a village or a group */
    }
    return 0;
}

/* ---- small writers ---------------------------------------------------- */

static int run_text_id(db *d, const char *sql, const char *text, int64_t id, xerr *e) {
    db_stmt *st = db_prepare(d, sql, e);
    if (!st) return -1;
    db_bind_text(st, 1, text);
    db_bind_int(st, 2, id);
    int rc = db_step(st, e);
    db_done(st);
    return rc < 0 ? -1 : 0;
}

/* The spatial index follows the household's location (R*Tree rows cannot be upserted). */
static int geo_set(db *d, int64_t id, int has, double lat, double lon, xerr *e) {
    if (db_run_id(d, "DELETE FROM household_geo WHERE id = $1", id, e) < 0) return -1;
    if (!has) return 0;
    db_stmt *st = db_prepare(d,
        "INSERT INTO household_geo (id, min_lat, max_lat, min_lon, max_lon) VALUES ($1, $2, $2, $3, $3)", e);
    if (!st) return -1;
    db_bind_int(st, 1, id);
    db_bind_double(st, 2, lat);
    db_bind_double(st, 3, lon);
    int rc = db_step(st, e);
    db_done(st);
    return rc < 0 ? -1 : 0;
}

static int causes_set(db *d, int64_t id, const household_in *in, xerr *e) {
    if (db_run_id(d, "DELETE FROM household_cause WHERE household_id = $1", id, e) < 0) return -1;
    for (int i = 0; i < in->ncauses; i++) {
        /* Repeated causes in the input collapse into one row. */
        if (run_text_id(d, "INSERT INTO household_cause (household_id, cause) VALUES ($2, $1)"
                           " ON CONFLICT DO NOTHING", in->causes[i], id, e))
            return -1;
    }
    return 0;
}

static int status_row(db *d, const audit_ctx *ctx, int64_t id, const char *status, const char *date,
                      const char *reason, xerr *e) {
    db_stmt *st = db_prepare(d,
        "INSERT INTO household_status (household_id, status, effective_date, reason, changed_at, changed_by)"
        " VALUES ($1, $2, $3, $4, $5, $6)", e);
    if (!st) return -1;
    db_bind_int(st, 1, id);
    db_bind_text(st, 2, status);
    db_bind_text(st, 3, date);
    db_bind_text(st, 4, reason);
    db_bind_int(st, 5, ctx->now);
    if (ctx->actor_id) db_bind_int(st, 6, ctx->actor_id);
    else db_bind_null(st, 6);
    int rc = db_step(st, e);
    db_done(st);
    return rc < 0 ? -1 : 0;
}

static int audit_hh(db *d, const audit_ctx *ctx, const char *action, int64_t id, json_t *before, xerr *e) {
    json_t *after = household_get_json(d, id, 0, e);
    if (!after) return -1;
    int rc = audit_append_id(d, ctx, action, "household", id, before, after, e);
    json_decref(after);
    return rc;
}

/* ---- households --------------------------------------------------------- */

int64_t household_id_by_number(db *d, const char *number, xerr *e) {
    db_stmt *st = db_prepare(d, "SELECT id FROM household WHERE number = $1", e);
    if (!st) return -1;
    db_bind_text(st, 1, number);
    int rc = db_step(st, e);
    int64_t id = rc == 1 ? db_col_int(st, 0) : 0;
    db_done(st);
    return rc < 0 ? -1 : id;
}

int household_create(db *d, const audit_ctx *ctx, const household_in *in, int64_t *id_out, xerr *e) {
    if (household_validate(d, in, 1, e)) return -1;
    int64_t existing = household_id_by_number(d, in->number, e);
    if (existing < 0) return -1;
    if (existing) return xerr_set(e, 409, "conflict", "%s", "number");
    const char *status = in->status ? in->status : "poor";
    db_stmt *st = db_prepare(d,
        "INSERT INTO household (number, org_id, address, lat, lon, status, visit_interval_days, notes,"
        " created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id", e);
    if (!st) return -1;
    db_bind_text(st, 1, in->number);
    db_bind_int(st, 2, in->org_id);
    db_bind_text(st, 3, in->address ? in->address : "");
    if (in->has_location == 1) {
        db_bind_double(st, 4, in->lat);
        db_bind_double(st, 5, in->lon);
    } else {
        db_bind_null(st, 4);
        db_bind_null(st, 5);
    }
    db_bind_text(st, 6, status);
    db_bind_int(st, 7, in->visit_interval_days ? in->visit_interval_days : 30);
    db_bind_text(st, 8, in->notes ? in->notes : "");
    db_bind_int(st, 9, ctx->now);
    int rc = db_step(st, e);
    int64_t id = rc == 1 ? db_col_int(st, 0) : 0;
    db_done(st);
    if (rc != 1) return -1;
    char date[11];
    date_utc(ctx->now, date);
    if (geo_set(d, id, in->has_location == 1, in->lat, in->lon, e) || causes_set(d, id, in, e) ||
        status_row(d, ctx, id, status, date, "建档立卡 registered", e))
        return -1;
    *id_out = id;
    return audit_hh(d, ctx, "household.create", id, NULL, e);
}

int household_update(db *d, const audit_ctx *ctx, int64_t id, const household_in *in, xerr *e) {
    if (household_validate(d, in, 0, e)) return -1;
    if (in->number) {
        int64_t other = household_id_by_number(d, in->number, e);
        if (other < 0) return -1;
        if (other && other != id) return xerr_set(e, 409, "conflict", "%s", "number");
    }
    json_t *before = household_get_json(d, id, 0, e);
    if (!before) return -1;
    db_stmt *st = db_prepare(d,
        "UPDATE household SET number = COALESCE($1, number),"
        " org_id = CASE WHEN CAST($2 AS BIGINT) > 0 THEN CAST($2 AS BIGINT) ELSE org_id END,"
        " address = COALESCE($3, address),"
        " lat = CASE WHEN CAST($4 AS BIGINT) = 1 THEN $5 WHEN CAST($4 AS BIGINT) = -1 THEN NULL ELSE lat END,"
        " lon = CASE WHEN CAST($4 AS BIGINT) = 1 THEN $6 WHEN CAST($4 AS BIGINT) = -1 THEN NULL ELSE lon END,"
        " notes = COALESCE($7, notes),"
        " visit_interval_days = CASE WHEN CAST($8 AS BIGINT) > 0 THEN CAST($8 AS BIGINT)"
        "   ELSE visit_interval_days END,"
        " updated_at = $9 WHERE id = $10", e);
    int rc = -1;
    if (st) {
        db_bind_text(st, 1, in->number);
        db_bind_int(st, 2, in->org_id);
        db_bind_text(st, 3, in->address);
        db_bind_int(st, 4, in->has_location);
        db_bind_double(st, 5, in->lat);
        db_bind_double(st, 6, in->lon);
        db_bind_text(st, 7, in->notes);
        db_bind_int(st, 8, in->visit_interval_days);
        db_bind_int(st, 9, ctx->now);
        db_bind_int(st, 10, id);
        rc = db_step(st, e) < 0 ? -1 : 0;
        db_done(st);
    }
    if (!rc && in->has_location) rc = geo_set(d, id, in->has_location == 1, in->lat, in->lon, e);
    if (!rc && in->has_causes) rc = causes_set(d, id, in, e);
    if (!rc) rc = audit_hh(d, ctx, "household.update", id, before, e);
    json_decref(before);
    return rc;
}

int household_set_status(db *d, const audit_ctx *ctx, int64_t id, const char *status, const char *date,
                         const char *reason, xerr *e) {
    if (!str_in_list(HH_STATUSES, status)) return bad(e, "invalid_value", "status");
    if (!date_valid(date)) return bad(e, "invalid_value", "effective_date");
    json_t *before = household_get_json(d, id, 0, e);
    if (!before) return -1;
    int rc = run_text_id(d, "UPDATE household SET status = $1 WHERE id = $2", status, id, e);
    if (!rc) rc = status_row(d, ctx, id, status, date, reason, e);
    if (!rc) rc = audit_hh(d, ctx, "household.status", id, before, e);
    json_decref(before);
    return rc;
}

int household_set_guarantee(db *d, const audit_ctx *ctx, int64_t id, const char *indicator, int met,
                            const char *note, xerr *e) {
    if (!str_in_list(HH_INDICATORS, indicator)) return bad(e, "invalid_value", "indicator");
    db_stmt *st = db_prepare(d,
        "INSERT INTO household_guarantee (household_id, indicator, met, note) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (household_id, indicator) DO UPDATE SET met = $3, note = $4", e);
    if (!st) return -1;
    db_bind_int(st, 1, id);
    db_bind_text(st, 2, indicator);
    db_bind_int(st, 3, met);
    db_bind_text(st, 4, note ? note : "");
    int rc = db_step(st, e);
    db_done(st);
    if (rc < 0) return -1;
    json_t *after = json_pack("{s:s, s:b, s:s}", "indicator", indicator, "met", met, "note", note ? note : "");
    rc = audit_append_id(d, ctx, "household.guarantee", "household", id, NULL, after, e);
    json_decref(after);
    return rc;
}

int household_set_income(db *d, const audit_ctx *ctx, int64_t id, int64_t year, const int64_t amounts[6],
                         xerr *e) {
    if (year < 2000 || year > 2100) return bad(e, "invalid_value", "year");
    for (int i = 0; i < 6; i++)
        if (amounts[i] < 0 || amounts[i] > 100000000) return bad(e, "invalid_value", HH_INCOME_SOURCES[i]);
    db_stmt *st = db_prepare(d,
        "INSERT INTO household_income (household_id, year, wages, farming, business, property, transfers, expenses)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (household_id, year) DO UPDATE SET"
        " wages = $3, farming = $4, business = $5, property = $6, transfers = $7, expenses = $8", e);
    if (!st) return -1;
    db_bind_int(st, 1, id);
    db_bind_int(st, 2, year);
    for (int i = 0; i < 6; i++) db_bind_int(st, 3 + i, amounts[i]);
    int rc = db_step(st, e);
    db_done(st);
    if (rc < 0) return -1;
    json_t *after = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "year", (json_int_t)year,
                              "wages", (json_int_t)amounts[0], "farming", (json_int_t)amounts[1],
                              "business", (json_int_t)amounts[2], "property", (json_int_t)amounts[3],
                              "transfers", (json_int_t)amounts[4], "expenses", (json_int_t)amounts[5]);
    rc = audit_append_id(d, ctx, "household.income", "household", id, NULL, after, e);
    json_decref(after);
    return rc;
}

int household_org_path(db *d, int64_t id, char path[256], xerr *e) {
    db_stmt *st = db_prepare(d,
        "SELECT o.path FROM household h JOIN org_node o ON o.id = h.org_id WHERE h.id = $1", e);
    if (!st) return -1;
    db_bind_int(st, 1, id);
    int rc = db_step(st, e);
    if (rc == 1) snprintf(path, 256, "%s", db_col_text(st, 0));
    db_done(st);
    if (rc == 0) return xerr_set(e, 404, "not_found", "%s", "household");
    return rc < 0 ? -1 : 0;
}
