/*
** targets.c: yearly exit targets (e.g. "this year 498 people in 187
** households exit poverty") per node and the progress against them, rolled
** up county → town → village. Progress counts households whose status became
** "exited" with an effective date in the year, and their members.
*/
#include "api/api.h"
#include "core/jsonx.h"
#include "model/org.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct node {
    org o;
    int64_t target_hh, target_people, exited_hh, exited_people;
    int has_target;
} node;

static int find(const node *nodes, int n, int64_t id) {
    for (int i = 0; i < n; i++)
        if (nodes[i].o.id == id) return i;
    return -1;
}

static int load_nodes(req *r, node **out, int *n) {
    char lo[256], hi[256];
    scope_range(r->who.org_path, lo, hi);
    db_stmt *st = db_prepare(r->db, "SELECT " ORG_COLUMNS " FROM org_node WHERE path >= $1 AND path < $2"
                                    " AND depth <= 2 ORDER BY path", &r->err);
    if (!st) return -1;
    db_bind_text(st, 1, lo);
    db_bind_text(st, 2, hi);
    size_t cap = 64;
    node *nodes = xcalloc(cap, sizeof *nodes);
    int rc;
    *n = 0;
    while ((rc = db_step(st, &r->err)) == 1) {
        if ((size_t)*n == cap) {
            nodes = xrealloc(nodes, sizeof *nodes * (cap *= 2));
            memset(nodes + *n, 0, sizeof *nodes * (cap - (size_t)*n));
        }
        org_read_row(st, &nodes[(*n)++].o);
    }
    db_done(st);
    *out = nodes;
    return rc < 0 ? -1 : 0;
}

static int load_targets(req *r, node *nodes, int n, int64_t year) {
    db_stmt *st = db_prepare(r->db, "SELECT org_id, households, people FROM exit_target WHERE year = $1", &r->err);
    if (!st) return -1;
    db_bind_int(st, 1, year);
    int rc;
    while ((rc = db_step(st, &r->err)) == 1) {
        int i = find(nodes, n, db_col_int(st, 0));
        if (i < 0) continue;
        nodes[i].has_target = 1;
        nodes[i].target_hh = db_col_int(st, 1);
        nodes[i].target_people = db_col_int(st, 2);
    }
    db_done(st);
    return rc < 0 ? -1 : 0;
}

/* Exits per node of the households' own org (village or group), then added
** to every ancestor in the list. */
static int load_exits(req *r, node *nodes, int n, int64_t year) {
    char lo[256], hi[256], from[11], to[11];
    scope_range(r->who.org_path, lo, hi);
    snprintf(from, sizeof from, "%04d-01-01", (int)year);
    snprintf(to, sizeof to, "%04d-12-31", (int)year);
    db_stmt *st = db_prepare(r->db,
        "SELECT o.path, COUNT(*), SUM((SELECT COUNT(*) FROM member m WHERE m.household_id = h.id))"
        " FROM household h JOIN org_node o ON o.id = h.org_id"
        " WHERE o.path >= $1 AND o.path < $2 AND h.status = 'exited' AND h.id IN (SELECT household_id"
        " FROM household_status WHERE status = 'exited' AND effective_date >= $3 AND effective_date <= $4)"
        " GROUP BY o.path", &r->err);
    if (!st) return -1;
    db_bind_text(st, 1, lo);
    db_bind_text(st, 2, hi);
    db_bind_text(st, 3, from);
    db_bind_text(st, 4, to);
    int rc;
    while ((rc = db_step(st, &r->err)) == 1) {
        const char *path = db_col_text(st, 0);
        for (int i = 0; i < n; i++)
            if (!strncmp(path, nodes[i].o.path, strlen(nodes[i].o.path))) {
                nodes[i].exited_hh += db_col_int(st, 1);
                nodes[i].exited_people += db_col_int(st, 2);
            }
    }
    db_done(st);
    return rc < 0 ? -1 : 0;
}

int h_targets_get(req *r) {
    int64_t year;
    if (req_query_int(r, "year", 2000, 2100, 1970 + r->now / 31556952, &year)) return -1;
    node *nodes = NULL;
    int n = 0;
    if (load_nodes(r, &nodes, &n) || load_targets(r, nodes, n, year) || load_exits(r, nodes, n, year)) {
        free(nodes);
        return -1;
    }
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        json_t *j = org_json(&nodes[i].o);
        json_object_set_new(j, "org_id", json_integer(nodes[i].o.id));
        json_object_set_new(j, "target", nodes[i].has_target
                                             ? json_pack("{s:I, s:I}", "households", (json_int_t)nodes[i].target_hh,
                                                         "people", (json_int_t)nodes[i].target_people)
                                             : json_null());
        json_object_set_new(j, "exited", json_pack("{s:I, s:I}", "households", (json_int_t)nodes[i].exited_hh,
                                                   "people", (json_int_t)nodes[i].exited_people));
        json_array_append_new(arr, j);
    }
    free(nodes);
    reply_json(r, 200, json_pack("{s:I, s:o}", "year", (json_int_t)year, "nodes", arr));
    return 0;
}

int h_target_put(req *r) {
    int64_t hh, people, org_id = req_id(r, 0), year = req_id(r, 1);
    if (year < 2000 || year > 2100) return fail(r, 400, "invalid_value", "year");
    if (jx_int(r->json, "households", JX_REQUIRED, 0, 10000000, &hh, &r->err) < 0 ||
        jx_int(r->json, "people", JX_REQUIRED, 0, 100000000, &people, &r->err) < 0)
        return -1;
    audit_ctx ctx = api_ctx(r);
    if (api_begin(r)) return -1;
    db_stmt *st = db_prepare(r->db,
        "INSERT INTO exit_target (org_id, year, households, people) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (org_id, year) DO UPDATE SET households = $3, people = $4", &r->err);
    if (!st) return -1;
    db_bind_int(st, 1, org_id);
    db_bind_int(st, 2, year);
    db_bind_int(st, 3, hh);
    db_bind_int(st, 4, people);
    int rc = db_step(st, &r->err);
    db_done(st);
    if (rc < 0) return -1;
    json_t *after = json_pack("{s:I, s:I, s:I}", "year", (json_int_t)year, "households", (json_int_t)hh, "people",
                              (json_int_t)people);
    rc = audit_append_id(r->db, &ctx, "target.set", "org", org_id, NULL, after, &r->err);
    if (!rc) rc = api_commit(r);
    if (!rc) reply_json(r, 200, json_pack("{s:I, s:O}", "org_id", (json_int_t)org_id, "target", after));
    json_decref(after);
    return rc;
}
