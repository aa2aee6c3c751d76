/*
** metrics.h: counters behind GET /metrics (Prometheus text format): requests
** by route and status, a latency histogram, open connections and time spent
** in the database. Lock-free: every counter is an atomic.
*/
#ifndef XC_METRICS_H
#define XC_METRICS_H

#include <stdint.h>
#include "core/strbuf.h"

/* Size the tables for n routes; call once at start-up. */
void metrics_init(int n_routes);
/* One finished request: route index (-1 static, -2 unmatched), status, duration. */
void metrics_request(int route, int status, uint64_t ns);
void metrics_connection(int delta);
int64_t metrics_open_connections(void);
/* Render everything in the Prometheus text exposition format. */
void metrics_render(strbuf *out);

#endif
