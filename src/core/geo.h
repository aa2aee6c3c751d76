/*
** geo.h: small geometry on WGS-84 coordinates (degrees) shared by visits and
** duty check-ins: great-circle distance, point in a polygon ring, and a check
** that a coordinate pair is plausible.
*/
#ifndef XC_GEO_H
#define XC_GEO_H

#include <stddef.h>

/* Great-circle (haversine) distance in metres between two points, on a
** sphere of the mean Earth radius (error well under 0.5 %). */
double geo_distance_m(double lat1, double lon1, double lat2, double lon2);

/* Whether (lat, lon) lies inside the ring of n vertices ring[i] = {lat, lon}
** (closed implicitly; a repeated first vertex at the end is harmless), by
** ray casting on plain degrees (fine for a village, not across the
** antimeridian or a pole). Edges: a point exactly on a vertex or on an edge
** may count either way (half-open crossing rule: a horizontal ray crosses
** an edge when one end is strictly above the point and the other at or
** below), so two fences sharing an edge never both contain a point on it.
** 1 inside, 0 outside (also for fewer than 3 vertices). */
int geo_in_polygon(const double (*ring)[2], size_t n, double lat, double lon);

/* Whether lat and lon are finite, |lat| <= 90 and |lon| <= 180. */
int geo_plausible(double lat, double lon);

/* Whether the ring of n vertices {lat, lon} is a simple polygon (a fence):
** no two edges that are not neighbours cross or touch, and it has an area. */
int geo_polygon_simple(const double (*ring)[2], size_t n);

#endif
