/*
** fence.c: village geofences (see duty.h): reading, writing (audited) and the
** inside test. A fence is a polygon drawn on the map (JSON [[lat,lon],...],
** stored without its closing point) or a circle around a point.
*/
#include "duty/duty.h"
#include "core/geo.h"
#include "core/strbuf.h"

#include <stdlib.h>
#include <string.h>

/* The vertices of a stored polygon (JSON [[lat,lon],...]); NULL when malformed. */
static double (*polygon_ring(const char *text, size_t *n))[2] {
    json_t *j = text ? json_loads(text, 0, NULL) : NULL;
    size_t count = json_is_array(j) ? json_array_size(j) : 0;
    double (*ring)[2] = count ? xcalloc(count, sizeof *ring) : NULL;
    for (size_t i = 0; ring && i < count; i++) {
        json_t *v = json_array_get(j, i);
        json_t *la = json_array_get(v, 0), *lo = json_array_get(v, 1);
        if (!json_is_number(la) || !json_is_number(lo)) {
            free(ring);
            ring = NULL;
            break;
        }
        ring[i][0] = json_number_value(la);
        ring[i][1] = json_number_value(lo);
    }
    json_decref(j);
    *n = count;
    return ring;
}

int duty_fence_contains(db *d, int64_t org_id, double lat, double lon, xerr *e) {
    db_stmt *st = db_prepare(d,
        "SELECT kind, polygon, center_lat, center_lon, radius_m FROM geofence WHERE org_id = $1", e);
    if (!st) return -1;
    db_bind_int(st, 1, org_id);
    int rc = db_step(st, e);
    int result = rc < 0 ? -1 : -2;
    if (rc == 1 && !strcmp(db_col_text(st, 0), "circle")) {
        double dist = geo_distance_m(db_col_double(st, 2), db_col_double(st, 3), lat, lon);
        result = dist <= db_col_double(st, 4);
    } else if (rc == 1) {
        size_t n;
        double (*ring)[2] = polygon_ring(db_col_text(st, 1), &n);
        result = ring ? geo_in_polygon((const double (*)[2])ring, n, lat, lon)
                      : xerr_set(e, 500, "db_error", "%s", "geofence");
        free(ring);
    }
    db_done(st);
    return result;
}

json_t *duty_fence_json(db *d, int64_t org_id, xerr *e) {
    db_stmt *st = db_prepare(d, "SELECT kind, polygon, center_lat, center_lon, radius_m, updated_by, updated_at"
                                " FROM geofence WHERE org_id = $1", e);
    if (!st) return NULL;
    db_bind_int(st, 1, org_id);
    int rc = db_step(st, e);
    json_t *out = NULL;
    if (rc == 1) {
        out = json_pack("{s:I, s:s, s:I, s:I}", "org_id", (json_int_t)org_id, "kind", db_col_text(st, 0),
                        "updated_by", (json_int_t)db_col_int(st, 5), "updated_at", (json_int_t)db_col_int(st, 6));
        if (!strcmp(db_col_text(st, 0), "polygon"))
            json_object_set_new(out, "polygon", json_loads(db_col_text(st, 1), 0, NULL));
        else {
            json_object_set_new(out, "center", json_pack("[f, f]", db_col_double(st, 2), db_col_double(st, 3)));
            json_object_set_new(out, "radius_m", json_real(db_col_double(st, 4)));
        }
    }
    db_done(st);
    if (rc == 0) xerr_set(e, 404, "not_found", "%s", "geofence");
    return out;
}

json_t *duty_fence_put(db *d, const audit_ctx *ctx, int64_t org_id, const duty_fence *f, xerr *e) {
    json_t *before = duty_fence_json(d, org_id, e);
    if (!before && e->status != 404) return NULL;
    xerr_clear(e);
    db_stmt *st = db_prepare(d,
        "INSERT INTO geofence (org_id, kind, polygon, center_lat, center_lon, radius_m, updated_by, updated_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (org_id) DO UPDATE SET kind = $2, polygon = $3,"
        " center_lat = $4, center_lon = $5, radius_m = $6, updated_by = $7, updated_at = $8", e);
    int rc = st ? 0 : -1;
    if (st) {
        db_bind_int(st, 1, org_id);
        db_bind_text(st, 2, f->polygon ? "polygon" : "circle");
        db_bind_text(st, 3, f->polygon);
        if (f->polygon) {
            for (int i = 4; i <= 6; i++) db_bind_null(st, i);
        } else {
            db_bind_double(st, 4, f->center[0]);
            db_bind_double(st, 5, f->center[1]);
            db_bind_double(st, 6, f->radius_m);
        }
        db_bind_int(st, 7, ctx->actor_id);
        db_bind_int(st, 8, ctx->now);
        rc = db_step(st, e) < 0 ? -1 : 0;
        db_done(st);
    }
    json_t *after = rc ? NULL : duty_fence_json(d, org_id, e);
    if (after && audit_append_id(d, ctx, before ? "duty.geofence.update" : "duty.geofence.create", "geofence",
                                 org_id, before, after, e)) {
        json_decref(after);
        after = NULL;
    }
    json_decref(before);
    return after;
}

int duty_fence_delete(db *d, const audit_ctx *ctx, int64_t org_id, xerr *e) {
    json_t *before = duty_fence_json(d, org_id, e);
    int rc = !before || db_run_id(d, "DELETE FROM geofence WHERE org_id = $1", org_id, e) < 0 ||
             audit_append_id(d, ctx, "duty.geofence.delete", "geofence", org_id, before, NULL, e) ? -1 : 0;
    json_decref(before);
    return rc;
}
