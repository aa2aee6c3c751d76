/*
** map.c: the household map layer as GeoJSON. A bounding box query goes
** through the spatial index (SQLite R*Tree, PostgreSQL GiST over the same
** household_geo table) and the same scope and filters as the list.
*/
#include "api/api.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FEATURES 20000

static int parse_bbox(req *r, double b[4]) {
    const char *s = req_query(r, "bbox");
    if (!s) {   /* the whole world: the scope still bounds the answer */
        b[0] = -180, b[1] = -90, b[2] = 180, b[3] = 90;
        return 0;
    }
    char *end;
    for (int i = 0; i < 4; i++) {
        b[i] = strtod(s, &end);
        if (end == s || !isfinite(b[i]) || (i < 3 && *end != ',') || (i == 3 && *end)) return fail(r, 400, "invalid_value", "bbox");
        s = end + 1;
    }
    if (b[0] > b[2] || b[1] > b[3] || fabs(b[1]) > 90 || fabs(b[3]) > 90) return fail(r, 400, "invalid_value", "bbox");
    return 0;
}

int h_map_households(req *r) {
    double b[4];
    hh_query q;
    if (hh_query_init(r, &q) || parse_bbox(r, b)) {
        hh_query_release(&q);
        return -1;
    }
    strbuf sql = STRBUF_INIT;
    strbuf_addf(&sql,
                /* CROSS JOIN: SQLite keeps this order, so the R*Tree drives the query. */
                "SELECT h.id, h.number, h.head_name, h.status, o.name, h.lat, h.lon FROM household_geo g"
                " CROSS JOIN household h JOIN org_node o ON o.id = h.org_id WHERE h.id = g.id AND %s"
                " AND g.min_lat >= $%d AND g.max_lat <= $%d AND g.min_lon >= $%d AND g.max_lon <= $%d"
                " LIMIT %d", q.w.sql.buf, q.w.n + 1, q.w.n + 2, q.w.n + 3, q.w.n + 4, MAX_FEATURES + 1);
    db_stmt *st = db_prepare(r->db, sql.buf, &r->err);
    strbuf_release(&sql);
    if (!st) {
        hh_query_release(&q);
        return -1;
    }
    int next = where_bind(&q.w, st);
    db_bind_double(st, next, b[1]);
    db_bind_double(st, next + 1, b[3]);
    db_bind_double(st, next + 2, b[0]);
    db_bind_double(st, next + 3, b[2]);
    json_t *features = json_array();
    int rc, n = 0;
    while ((rc = db_step(st, &r->err)) == 1 && n < MAX_FEATURES) {
        /* The R*Tree stores 32-bit bounds: check the exact point too. */
        double lat = db_col_double(st, 5), lon = db_col_double(st, 6);
        if (lat < b[1] || lat > b[3] || lon < b[0] || lon > b[2]) continue;
        json_array_append_new(features, json_pack(
            "{s:s, s:{s:s, s:[f,f]}, s:{s:I, s:s, s:s, s:s, s:s}}", "type", "Feature", "geometry", "type", "Point",
            "coordinates", lon, lat, "properties", "id", (json_int_t)db_col_int(st, 0), "number", db_col_text(st, 1),
            "head_name", db_col_text(st, 2), "status", db_col_text(st, 3), "org_name", db_col_text(st, 4)));
        n++;
    }
    int truncated = rc == 1;
    db_done(st);
    hh_query_release(&q);
    if (rc < 0) {
        json_decref(features);
        return -1;
    }
    reply_json(r, 200, json_pack("{s:s, s:o, s:b}", "type", "FeatureCollection", "features", features, "truncated",
                                 truncated));
    r->ctype = "application/geo+json; charset=utf-8";
    return 0;
}

/* Cross product of OA and OB: > 0 for a counter-clockwise turn. */
static double cross(const double *o, const double *a, const double *b) {
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

static int cmp_pt(const void *x, const void *y) {
    const double *a = x, *b = y;
    return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : (a[1] < b[1] ? -1 : a[1] > b[1]);
}

/* Andrew's monotone chain; pts is n x 2 (lon, lat), hull receives up to 2n points. */
static int convex_hull(double (*pts)[2], int n, double (*hull)[2]) {
    qsort(pts, (size_t)n, sizeof pts[0], cmp_pt);
    int k = 0;
    for (int i = 0; i < n; i++) {
        while (k >= 2 && cross(hull[k - 2], hull[k - 1], pts[i]) <= 0) k--;
        hull[k][0] = pts[i][0], hull[k][1] = pts[i][1], k++;
    }
    for (int i = n - 2, t = k + 1; i >= 0; i--) {
        while (k >= t && cross(hull[k - 2], hull[k - 1], pts[i]) <= 0) k--;
        hull[k][0] = pts[i][0], hull[k][1] = pts[i][1], k++;
    }
    return k;
}

static json_t *village_feature(int64_t id, const char *name, double (*pts)[2], int n) {
    double (*hull)[2] = xmalloc(sizeof(double[2]) * (size_t)(2 * n + 1));
    int k = convex_hull(pts, n, hull);
    json_t *ring = json_array();
    for (int i = 0; i < k; i++) json_array_append_new(ring, json_pack("[f,f]", hull[i][0], hull[i][1]));
    free(hull);
    return json_pack("{s:s, s:{s:s, s:[o]}, s:{s:I, s:s, s:s}}", "type", "Feature", "geometry", "type", "Polygon",
                     "coordinates", ring, "properties", "org_id", (json_int_t)id, "name", name, "source", "households");
}

/* Village outlines: no surveyed boundaries are stored yet, so each village
** with three or more located households gets the convex hull of them. */
int h_map_boundaries(req *r) {
    char lo[256], hi[256];
    scope_range(r->who.org_path, lo, hi);
    db_stmt *st = db_prepare(r->db,
        "SELECT v.id, v.name, h.lon, h.lat FROM household h JOIN org_node o ON o.id = h.org_id"
        " JOIN org_node v ON v.id = CASE WHEN o.level = 'group' THEN o.parent_id ELSE o.id END"
        " WHERE o.path >= $1 AND o.path < $2 AND h.lat IS NOT NULL ORDER BY v.id LIMIT 200000", &r->err);
    if (!st) return -1;
    db_bind_text(st, 1, lo);
    db_bind_text(st, 2, hi);
    json_t *features = json_array();
    size_t cap = 1024;
    double (*pts)[2] = xmalloc(sizeof(double[2]) * cap);
    int n = 0, rc;
    int64_t cur = 0;
    char name[128] = "";
    while ((rc = db_step(st, &r->err)) >= 0) {
        int64_t id = rc == 1 ? db_col_int(st, 0) : -1;
        if (id != cur && n >= 3) json_array_append_new(features, village_feature(cur, name, pts, n));
        if (id != cur) n = 0;
        if (rc == 0) break;
        cur = id;
        snprintf(name, sizeof name, "%s", db_col_text(st, 1));
        if ((size_t)n == cap) pts = xrealloc(pts, sizeof(double[2]) * (cap *= 2));
        pts[n][0] = db_col_double(st, 2), pts[n][1] = db_col_double(st, 3), n++;
    }
    db_done(st);
    free(pts);
    if (rc < 0) {
        json_decref(features);
        return -1;
    }
    reply_json(r, 200, json_pack("{s:s, s:o}", "type", "FeatureCollection", "features", features));
    r->ctype = "application/geo+json; charset=utf-8";
    return 0;
}
