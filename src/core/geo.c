/* geo.c: distance, point in polygon, simple polygons and coordinate checks (see geo.h). */
#include "core/geo.h"

#include <math.h>

double geo_distance_m(double lat1, double lon1, double lat2, double lon2) {
    const double R = 6371008.8, rad = M_PI / 180.0;
    double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
    double a = sin(dlat / 2) * sin(dlat / 2) + cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);
    return 2 * R * asin(fmin(1.0, sqrt(a)));
}

int geo_in_polygon(const double (*ring)[2], size_t n, double lat, double lon) {
    if (n < 3) return 0;
    int inside = 0;
    /* Cast a ray from the point towards increasing longitude (x = lon, y = lat)
    ** and count the edges it crosses. */
    for (size_t i = 0, j = n - 1; i < n; j = i++) {
        double yi = ring[i][0], xi = ring[i][1], yj = ring[j][0], xj = ring[j][1];
        if ((yi > lat) != (yj > lat)) {
            double x = xi + (lat - yi) * (xj - xi) / (yj - yi);
            if (lon < x) inside = !inside;
        }
    }
    return inside;
}

int geo_plausible(double lat, double lon) {
    return isfinite(lat) && isfinite(lon) && fabs(lat) <= 90 && fabs(lon) <= 180;
}

static double cross(const double *o, const double *a, const double *b) {
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

/* Whether segments ab and cd cross or touch. */
static int segments_meet(const double *a, const double *b, const double *c, const double *d) {
    double d1 = cross(c, d, a), d2 = cross(c, d, b), d3 = cross(a, b, c), d4 = cross(a, b, d);
    if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return 1;
    return d1 == 0 && d2 == 0 && d3 == 0 && d4 == 0 &&
           fmax(fmin(a[0], b[0]), fmin(c[0], d[0])) <= fmin(fmax(a[0], b[0]), fmax(c[0], d[0])) &&
           fmax(fmin(a[1], b[1]), fmin(c[1], d[1])) <= fmin(fmax(a[1], b[1]), fmax(c[1], d[1]));
}

int geo_polygon_simple(const double (*p)[2], size_t n) {
    double area = 0;
    for (size_t i = 0; i < n; i++) {
        const double *a = p[i], *b = p[(i + 1) % n];
        area += a[0] * b[1] - b[0] * a[1];
        for (size_t j = i + 2; j < n; j++) {
            if (i == 0 && j == n - 1) continue;
            if (segments_meet(a, b, p[j], p[(j + 1) % n])) return 0;
        }
    }
    return fabs(area) > 1e-12;
}
