/*
** household_view.c: households as the API shows them (household_get_json in
** household.h): the summary used by lists and the full file with members,
** guarantees, incomes, help pairs and status history. Personal data is masked.
*/
#include "model/household.h"
#include "db/db_json.h"
#include "core/clock.h"
#include "core/date.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Append column 0 of every row of a one-parameter query to a JSON array of strings. */
static int strings(db *d, const char *sql, int64_t id, json_t *arr, xerr *e) {
    db_stmt *st = db_prepare(d, sql, e);
    if (!st) return -1;
    db_bind_int(st, 1, id);
    int rc;
    while ((rc = db_step(st, e)) == 1) json_array_append_new(arr, json_string(db_col_text(st, 0)));
    db_done(st);
    return rc < 0 ? -1 : 0;
}

/* Members count, last visit, next due, latest per-capita income. */
static int add_figures(db *d, int64_t id, int64_t created, int64_t interval, json_t *j, xerr *e) {
    db_stmt *st = db_prepare(d,
        "SELECT (SELECT COUNT(*) FROM member WHERE household_id = $1),"
        " (SELECT MAX(visited_at) FROM visit WHERE household_id = $1)", e);
    if (!st) return -1;
    db_bind_int(st, 1, id);
    int rc = db_step(st, e);
    int64_t members = db_col_int(st, 0);
    int has_visit = !db_col_isnull(st, 1);
    int64_t last = db_col_int(st, 1);
    db_done(st);
    if (rc != 1) return -1;
    char due[11];
    date_utc((has_visit ? last : created) + interval * 86400, due);
    json_object_set_new(j, "members", json_integer(members));
    json_object_set_new(j, "last_visit_at", has_visit ? json_integer(last) : json_null());
    json_object_set_new(j, "next_visit_due", json_string(due));
    st = db_prepare(d,
        "SELECT year, wages + farming + business + property + transfers - expenses FROM household_income"
        " WHERE household_id = $1 ORDER BY year DESC LIMIT 1", e);
    if (!st) return -1;
    db_bind_int(st, 1, id);
    rc = db_step(st, e);
    json_t *pc = json_null();
    if (rc == 1 && members > 0)
        pc = json_pack("{s:I, s:I}", "year", (json_int_t)db_col_int(st, 0), "yuan",
                       (json_int_t)(db_col_int(st, 1) / members));
    db_done(st);
    json_object_set_new(j, "per_capita_income", pc);
    return rc < 0 ? -1 : 0;
}

/* j[key] = the rows of sql for this household (db_rows_json). */
static int add_rows(db *d, int64_t id, json_t *j, const char *key, const char *sql, const char *types, xerr *e) {
    json_t *arr = db_rows_json(d, sql, id, types, e);
    if (!arr) return -1;
    json_object_set_new(j, key, arr);
    return 0;
}

static int add_helpers(db *d, int64_t id, json_t *j, xerr *e) {
    return add_rows(d, id, j, "helpers",
                    "SELECT u.id AS id, u.display_name AS name FROM help_pair p JOIN app_user u ON u.id = p.cadre_id"
                    " WHERE p.household_id = $1 AND p.end_date IS NULL ORDER BY p.id", "is", e);
}

static json_t *summary(db *d, int64_t id, xerr *e) {
    db_stmt *st = db_prepare(d,
        "SELECT h.id, h.number, h.org_id, o.name, CASE WHEN o.level = 'group' THEN p.name ELSE o.name END,"
        " h.head_name, h.address, h.lat, h.lon, h.status, h.created_at, h.visit_interval_days"
        " FROM household h JOIN org_node o ON o.id = h.org_id LEFT JOIN org_node p ON p.id = o.parent_id"
        " WHERE h.id = $1", e);
    if (!st) return NULL;
    db_bind_int(st, 1, id);
    int rc = db_step(st, e);
    json_t *j = NULL;
    int64_t created = 0, interval = 30;
    if (rc == 1) {
        j = json_pack("{s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:s}",
                      "id", (json_int_t)db_col_int(st, 0), "number", db_col_text(st, 1),
                      "org_id", (json_int_t)db_col_int(st, 2), "org_name", db_col_text(st, 3),
                      "village_name", db_col_text(st, 4), "head_name", db_col_text(st, 5),
                      "address", db_col_text(st, 6), "lat", db_col_json(st, 7, 'r'), "lon", db_col_json(st, 8, 'r'),
                      "status", db_col_text(st, 9));
        created = db_col_int(st, 10);
        interval = db_col_int(st, 11);
    } else if (rc == 0) {
        xerr_set(e, 404, "not_found", "%s", "household");
    }
    db_done(st);
    if (!j) return NULL;
    json_t *causes = json_array(), *unmet = json_array();
    json_object_set_new(j, "causes", causes);
    json_object_set_new(j, "unmet", unmet);
    if (strings(d, "SELECT cause FROM household_cause WHERE household_id = $1 ORDER BY cause", id, causes, e) ||
        strings(d, "SELECT indicator FROM household_guarantee WHERE household_id = $1 AND met = 0"
                   " ORDER BY indicator", id, unmet, e) ||
        add_figures(d, id, created, interval, j, e) || add_helpers(d, id, j, e)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

static int add_members(db *d, int64_t id, json_t *j, xerr *e) {
    db_stmt *st = db_prepare(d, MEMBER_SELECT " WHERE household_id = $1 ORDER BY id", e);
    if (!st) return -1;
    db_bind_int(st, 1, id);
    json_t *arr = json_array();
    int rc;
    int64_t now = clock_now();
    while ((rc = db_step(st, e)) == 1) json_array_append_new(arr, member_row_json(st, now));
    db_done(st);
    json_object_set_new(j, "members", arr);
    return rc < 0 ? -1 : 0;
}

static int add_guarantees(db *d, int64_t id, json_t *j, xerr *e) {
    return add_rows(d, id, j, "guarantees",
                    "SELECT indicator, met, note FROM household_guarantee WHERE household_id = $1 ORDER BY indicator",
                    "sbs", e);
}

static int add_incomes(db *d, int64_t id, int64_t members, json_t *j, xerr *e) {
    db_stmt *st = db_prepare(d,
        "SELECT year, wages, farming, business, property, transfers, expenses FROM household_income"
        " WHERE household_id = $1 ORDER BY year DESC", e);
    if (!st) return -1;
    db_bind_int(st, 1, id);
    json_t *arr = json_array();
    int rc;
    while ((rc = db_step(st, e)) == 1) {
        json_t *row = json_pack("{s:I}", "year", (json_int_t)db_col_int(st, 0));
        int64_t net = 0;
        for (int i = 0; i < 6; i++) {
            int64_t v = db_col_int(st, 1 + i);
            json_object_set_new(row, HH_INCOME_SOURCES[i], json_integer(v));
            net += i < 5 ? v : -v;
        }
        json_object_set_new(row, "net", json_integer(net));
        json_object_set_new(row, "per_capita", members > 0 ? json_integer(net / members) : json_null());
        json_array_append_new(arr, row);
    }
    db_done(st);
    json_object_set_new(j, "incomes", arr);
    return rc < 0 ? -1 : 0;
}

static int add_pairs(db *d, int64_t id, json_t *j, xerr *e) {
    return add_rows(d, id, j, "help_pairs",
                    "SELECT p.id AS id, p.cadre_id AS cadre_id, u.display_name AS cadre_name, p.unit AS unit,"
                    " p.start_date AS start_date, p.end_date AS end_date FROM help_pair p"
                    " JOIN app_user u ON u.id = p.cadre_id WHERE p.household_id = $1 ORDER BY p.id", "iissss", e);
}

static int add_history(db *d, int64_t id, json_t *j, xerr *e) {
    return add_rows(d, id, j, "status_history",
                    "SELECT s.status AS status, s.effective_date AS effective_date, s.reason AS reason,"
                    " s.changed_at AS changed_at, u.display_name AS changed_by FROM household_status s"
                    " LEFT JOIN app_user u ON u.id = s.changed_by WHERE s.household_id = $1 ORDER BY s.id DESC",
                    "sssis", e);
}

static int add_details(db *d, int64_t id, json_t *j, xerr *e) {
    db_stmt *st = db_prepare(d, "SELECT notes, visit_interval_days FROM household WHERE id = $1", e);
    if (!st) return -1;
    db_bind_int(st, 1, id);
    int rc = db_step(st, e);
    if (rc == 1) {
        json_object_set_new(j, "notes", json_string(db_col_text(st, 0)));
        json_object_set_new(j, "visit_interval_days", json_integer(db_col_int(st, 1)));
    }
    db_done(st);
    return rc == 1 ? 0 : -1;
}

json_t *household_get_json(db *d, int64_t id, int full, xerr *e) {
    json_t *j = summary(d, id, e);
    if (!j || !full) return j;
    int64_t members = json_integer_value(json_object_get(j, "members"));
    json_object_set_new(j, "member_count", json_integer(members));
    if (add_details(d, id, j, e) || add_members(d, id, j, e) || add_guarantees(d, id, j, e) ||
        add_incomes(d, id, members, j, e) || add_pairs(d, id, j, e) || add_history(d, id, j, e)) {
        json_decref(j);
        return NULL;
    }
    return j;
}
