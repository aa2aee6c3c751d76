/*
** households.c: household files over HTTP (model in model/household*.c):
** list with filters, create, read, update, status changes, 两不愁三保障
** indicators, income, the timeline, and the scope rules: admins and officials
** see their subtree, secretaries and cadres their village, a villager only
** their own household.
*/
#include "api/api.h"
#include "core/crypto.h"
#include "core/idcard.h"
#include "core/jsonx.h"
#include "model/household.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int64_t hh_villager_household(req *r) {
    if (strcmp(r->who.role, "villager")) return 0;
    db_stmt *st = db_prepare(r->db, "SELECT COALESCE(household_id, -1) FROM app_user WHERE id = $1", &r->err);
    if (!st) return -1;
    db_bind_int(st, 1, r->who.user_id);
    int rc = db_step(st, &r->err);
    /* A villager with no household sees nothing: -2 never matches an id. */
    int64_t h = rc == 1 ? db_col_int(st, 0) : -1;
    db_done(st);
    return rc < 0 ? -1 : (h > 0 ? h : -2);
}

int hh_check(req *r, int64_t id) {
    char path[256];
    if (household_org_path(r->db, id, path, &r->err)) return -1;
    if (!req_in_scope(r, path)) return fail(r, 403, "out_of_scope", NULL);
    int64_t own = hh_villager_household(r);
    if (own == -1) return -1;
    if (own && own != id) return fail(r, 403, "out_of_scope", NULL);
    return 0;
}

int hh_check_record(req *r, const char *sql, const char *what) {
    db_stmt *st = db_prepare(r->db, sql, &r->err);
    if (!st) return -1;
    db_bind_int(st, 1, req_id(r, 0));
    int rc = db_step(st, &r->err);
    int64_t h = rc == 1 ? db_col_int(st, 0) : 0;
    db_done(st);
    if (rc < 0) return -1;
    return h ? hh_check(r, h) : fail(r, 404, "not_found", what);
}

int scope_household_param(req *r) { return hh_check(r, req_id(r, 0)); }

int hh_query_init(req *r, hh_query *q) {
    memset(q, 0, sizeof *q);
    int64_t helper;
    char path[256];
    const char *status = req_query(r, "status"), *cause = req_query(r, "cause"), *unmet = req_query(r, "unmet");
    const char *text = req_query(r, "q"), *idn = req_query(r, "id_number");
    if (api_list_path(r, path) || req_query_int(r, "helper_id", 0, INT64_MAX, 0, &helper)) return -1;
    if (text && strlen(text) > 100) return fail(r, 400, "too_long", "q");
    int64_t own = hh_villager_household(r);
    if (own == -1) return -1;
    scope_range(path, q->lo, q->hi);
    where *w = &q->w;
    /* "+h.org_id" keeps SQLite from driving the query through household_org:
    ** a county-wide scope matches every row, so the list walks the number
    ** index in order and the map starts from the spatial index instead. */
    where_text(w, "+h.org_id IN (SELECT id FROM org_node WHERE path >= ?", q->lo);
    where_text(w, " AND path < ?)", q->hi);
    if (own) where_int(w, " AND h.id = ?", own);
    if (status && *status) where_text(w, " AND h.status = ?", status);
    if (cause && *cause) where_text(w, " AND h.id IN (SELECT household_id FROM household_cause WHERE cause = ?)", cause);
    if (unmet && *unmet)
        where_text(w, " AND h.id IN (SELECT household_id FROM household_guarantee WHERE indicator = ? AND met = 0)",
                   unmet);
    if (helper)
        where_int(w, " AND h.id IN (SELECT household_id FROM help_pair WHERE cadre_id = ? AND end_date IS NULL)",
                  helper);
    if (text && *text) {
        api_like_pattern(text, &q->like);
        where_text(w, " AND (h.number LIKE ? ESCAPE '\\' OR h.head_name LIKE ? ESCAPE '\\' OR h.id IN"
                      " (SELECT household_id FROM member WHERE name LIKE ? ESCAPE '\\'))", q->like.buf);
    }
    if (idn && *idn) {
        idcard id;
        /* An invalid number matches nothing rather than failing the search. */
        if (idcard_parse(idn, &id)) snprintf(q->bidx, sizeof q->bidx, "none");
        else pii_blind_index(id.number, q->bidx);
        where_text(w, " AND h.id IN (SELECT household_id FROM member WHERE id_bidx = ?)", q->bidx);
    }
    return 0;
}

void hh_query_release(hh_query *q) {
    where_release(&q->w);
    strbuf_release(&q->like);
}

/* ---- list, read ---------------------------------------------------------- */

static json_t *id_row(db_stmt *st, const void *ctx) {
    (void)ctx;
    return json_integer(db_col_int(st, 0));
}

/* Ids of one page, then each household's summary in place of its id. */
static json_t *page_households(req *r, const where *w, int64_t page, int64_t per_page) {
    json_t *items = api_page(r, "SELECT h.id FROM household h", w, "h.number", page, per_page, id_row, NULL);
    size_t i;
    json_t *id;
    json_array_foreach(items, i, id) {
        json_t *h = household_get_json(r->db, json_integer_value(id), 0, &r->err);
        if (!h) {
            json_decref(items);
            return NULL;
        }
        json_array_set_new(items, i, h);
    }
    return items;
}

int h_households_list(req *r) {
    int64_t page, per_page;
    hh_query q;
    if (hh_query_init(r, &q) || req_paging(r, &page, &per_page)) {
        hh_query_release(&q);
        return -1;
    }
    int64_t total = api_count(r, "household h", &q.w);
    json_t *items = total < 0 ? NULL : page_households(r, &q.w, page, per_page);
    hh_query_release(&q);
    if (!items) return -1;
    reply_list(r, items, total, page, per_page);
    return 0;
}

/* Cadres see the full file of the households they help, the summary of the others. */
static int full_view_allowed(req *r, int64_t id) {
    if (strcmp(r->who.role, "cadre")) return 1;
    db_stmt *st = db_prepare(r->db,
        "SELECT 1 FROM help_pair WHERE household_id = $1 AND cadre_id = $2 AND end_date IS NULL", &r->err);
    if (!st) return -1;
    db_bind_int(st, 1, id);
    db_bind_int(st, 2, r->who.user_id);
    int rc = db_step(st, &r->err);
    db_done(st);
    return rc < 0 ? -1 : rc == 1;
}

int hh_reply(req *r, int status, int64_t id) {
    int full = full_view_allowed(r, id);
    if (full < 0) return -1;
    json_t *h = household_get_json(r->db, id, full, &r->err);
    if (h) json_object_set_new(h, "full", json_boolean(full));
    return api_commit_reply(r, status, h);
}

int h_household_get(req *r) { return hh_reply(r, 200, req_id(r, 0)); }

/* ---- writes -------------------------------------------------------------- */

/* Read the household fields of a POST or PATCH body. */
static int read_household(req *r, household_in *in, int creating) {
    memset(in, 0, sizeof *in);
    json_t *j = r->json, *lat = json_object_get(j, "lat"), *lon = json_object_get(j, "lon");
    if (jx_str(j, "number", creating, 32, &in->number, &r->err) < 0 ||
        jx_int(j, "org_id", creating, 1, INT64_MAX, &in->org_id, &r->err) < 0 ||
        jx_text(j, "address", JX_OPTIONAL, 200, &in->address, &r->err) < 0 ||
        jx_text(j, "notes", JX_OPTIONAL, 2000, &in->notes, &r->err) < 0 ||
        jx_int(j, "visit_interval_days", JX_OPTIONAL, 1, 366, &in->visit_interval_days, &r->err) < 0)
        return -1;
    if (creating && jx_enum(j, "status", JX_OPTIONAL, HH_STATUSES, &in->status, &r->err) < 0) return -1;
    if (!lat != !lon) return fail(r, 400, "missing_field", lat ? "lon" : "lat");
    if (lat && json_is_null(lat) && json_is_null(lon)) {
        in->has_location = creating ? 0 : -1;
    } else if (lat) {
        if (!json_is_number(lat)) return fail(r, 400, "invalid_type", "lat");
        if (!json_is_number(lon)) return fail(r, 400, "invalid_type", "lon");
        in->has_location = 1;
        in->lat = json_number_value(lat);
        in->lon = json_number_value(lon);
    }
    json_t *causes = json_object_get(j, "causes");
    if (causes) {
        if (!json_is_array(causes) || json_array_size(causes) > HH_MAX_CAUSES) return fail(r, 400, "invalid_type", "causes");
        in->has_causes = 1;
        size_t i;
        json_t *c;
        json_array_foreach(causes, i, c) {
            if (!json_is_string(c)) return fail(r, 400, "invalid_type", "causes");
            in->causes[in->ncauses++] = json_string_value(c);
        }
    }
    return 0;
}

int h_household_create(req *r) {
    household_in in;
    if (read_household(r, &in, 1)) return -1;
    audit_ctx ctx = api_ctx(r);
    int64_t id;
    if (api_begin(r) || household_create(r->db, &ctx, &in, &id, &r->err)) return -1;
    return hh_reply(r, 201, id);
}

int h_household_update(req *r) {
    household_in in;
    if (read_household(r, &in, 0)) return -1;
    if (in.org_id && req_check_org(r, in.org_id)) return -1;
    audit_ctx ctx = api_ctx(r);
    int64_t id = req_id(r, 0);
    if (api_begin(r) || household_update(r->db, &ctx, id, &in, &r->err)) return -1;
    return hh_reply(r, 200, id);
}

int h_household_status(req *r) {
    const char *status, *date, *reason;
    if (jx_enum(r->json, "status", JX_REQUIRED, HH_STATUSES, &status, &r->err) < 0 ||
        jx_str(r->json, "effective_date", JX_REQUIRED, 10, &date, &r->err) < 0 ||
        jx_str(r->json, "reason", JX_REQUIRED, 500, &reason, &r->err) < 0)
        return -1;
    audit_ctx ctx = api_ctx(r);
    int64_t id = req_id(r, 0);
    if (api_begin(r) || household_set_status(r->db, &ctx, id, status, date, reason, &r->err)) return -1;
    return hh_reply(r, 200, id);
}

int h_household_guarantees(req *r) {
    json_t *items = json_object_get(r->json, "items"), *it;
    if (!items) return fail(r, 400, "missing_field", "items");
    if (!json_is_array(items) || json_array_size(items) > 12) return fail(r, 400, "invalid_type", "items");
    audit_ctx ctx = api_ctx(r);
    int64_t id = req_id(r, 0);
    if (api_begin(r)) return -1;
    size_t i;
    json_array_foreach(items, i, it) {
        const char *indicator, *note = NULL;
        int met;
        if (jx_enum(it, "indicator", JX_REQUIRED, HH_INDICATORS, &indicator, &r->err) < 0 ||
            jx_bool(it, "met", JX_REQUIRED, &met, &r->err) < 0 ||
            jx_text(it, "note", JX_OPTIONAL, 500, &note, &r->err) < 0 ||
            household_set_guarantee(r->db, &ctx, id, indicator, met, note, &r->err))
            return -1;
    }
    return hh_reply(r, 200, id);
}

int h_household_income(req *r) {
    int64_t amounts[6];
    for (int i = 0; i < 6; i++)
        if (jx_int(r->json, HH_INCOME_SOURCES[i], JX_REQUIRED, 0, 100000000, &amounts[i], &r->err) < 0) return -1;
    audit_ctx ctx = api_ctx(r);
    int64_t id = req_id(r, 0), year = req_id(r, 1);
    if (api_begin(r) || household_set_income(r->db, &ctx, id, year, amounts, &r->err)) return -1;
    return hh_reply(r, 200, id);
}

/* ---- timeline ------------------------------------------------------------ */

/* Every change to a household is audited under entity "household", so its
** audit records are its timeline: registration, edits, status changes,
** members, help pairs and visits, each with who did it. */
static const char *kind_of(const char *action) {
    if (!strncmp(action, "visit.", 6)) return "visit";
    if (!strcmp(action, "household.status")) return "status";
    if (!strncmp(action, "help.", 5)) return "help";
    return "change";
}

int h_household_timeline(req *r) {
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)req_id(r, 0));
    db_stmt *st = db_prepare(r->db,
        "SELECT a.ts, a.action, a.actor_login, a.before_json, a.after_json, u.display_name FROM audit_log a"
        " LEFT JOIN app_user u ON u.id = a.actor_id WHERE a.entity = 'household' AND a.entity_id = $1"
        " ORDER BY a.seq DESC LIMIT 500", &r->err);
    if (!st) return -1;
    db_bind_text(st, 1, id);
    json_t *items = json_array();
    int rc;
    while ((rc = db_step(st, &r->err)) == 1) {
        const char *action = db_col_text(st, 1);
        json_t *after = db_col_text(st, 4) ? json_loads(db_col_text(st, 4), JSON_DECODE_ANY, NULL) : NULL;
        json_t *before = db_col_text(st, 3) ? json_loads(db_col_text(st, 3), JSON_DECODE_ANY, NULL) : NULL;
        json_t *item = json_pack("{s:I, s:s, s:s, s:s?, s:s?, s:o, s:o}", "ts", (json_int_t)db_col_int(st, 0),
                                 "kind", kind_of(action), "action", action, "actor", db_col_text(st, 2),
                                 "actor_name", db_col_text(st, 5), "before", before ? before : json_null(),
                                 "after", after ? after : json_null());
        json_array_append_new(items, item);
    }
    db_done(st);
    if (rc < 0) {
        json_decref(items);
        return -1;
    }
    reply_json(r, 200, json_pack("{s:o}", "items", items));
    return 0;
}
