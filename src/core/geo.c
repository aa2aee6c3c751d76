/* geo.c: distance, point in polygon and coordinate checks (see geo.h). */
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
