/* metrics.c: request counters and histograms (see metrics.h). */
#include "http/metrics.h"
#include "db/db.h"
#include "http/router.h"
#include "http/sse.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>

static const int STATUSES[] = {200, 201, 204, 304, 400, 401, 403, 404, 405, 409,
                               413, 415, 423, 429, 500, 503};
#define N_STATUS ((int)(sizeof STATUSES / sizeof STATUSES[0]) + 1)   /* + "other" */
static const double BUCKETS[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define N_BUCKETS ((int)(sizeof BUCKETS / sizeof BUCKETS[0]))

static int g_routes;
static atomic_uint_fast64_t *g_count;   /* (routes + 2) x N_STATUS */
static atomic_uint_fast64_t g_hist[N_BUCKETS + 1];
static atomic_uint_fast64_t g_sum_ns;
static atomic_int_fast64_t g_open;

void metrics_init(int n_routes) {
    g_routes = n_routes;
    g_count = calloc((size_t)(n_routes + 2) * N_STATUS, sizeof *g_count);
    if (!g_count) abort();
}

static int status_slot(int status) {
    for (int i = 0; i < N_STATUS - 1; i++)
        if (STATUSES[i] == status) return i;
    return N_STATUS - 1;
}

void metrics_request(int route_index, int status, uint64_t ns) {
    if (!g_count) return;
    int row = route_index >= 0 ? route_index : g_routes + (route_index == -1 ? 0 : 1);
    atomic_fetch_add(&g_count[row * N_STATUS + status_slot(status)], 1);
    double s = (double)ns / 1e9;
    int b = 0;
    while (b < N_BUCKETS && s > BUCKETS[b]) b++;
    atomic_fetch_add(&g_hist[b], 1);
    atomic_fetch_add(&g_sum_ns, ns);
}

void metrics_connection(int delta) { atomic_fetch_add(&g_open, delta); }
int64_t metrics_open_connections(void) { return atomic_load(&g_open); }

static void route_label(strbuf *out, int row) {
    if (row < g_routes) strbuf_addf(out, "method=\"%s\",route=\"%s\"", ROUTES[row].method, ROUTES[row].pattern);
    else strbuf_addf(out, "method=\"\",route=\"%s\"", row == g_routes ? "static" : "unmatched");
}

void metrics_render(strbuf *out) {
    strbuf_addstr(out, "# HELP xiangcun_http_requests_total HTTP requests by route and status.\n"
                       "# TYPE xiangcun_http_requests_total counter\n");
    for (int row = 0; g_count && row < g_routes + 2; row++)
        for (int s = 0; s < N_STATUS; s++) {
            uint64_t n = atomic_load(&g_count[row * N_STATUS + s]);
            if (!n) continue;
            strbuf_addstr(out, "xiangcun_http_requests_total{");
            route_label(out, row);
            if (s < N_STATUS - 1) strbuf_addf(out, ",status=\"%d\"} %" PRIu64 "\n", STATUSES[s], n);
            else strbuf_addf(out, ",status=\"other\"} %" PRIu64 "\n", n);
        }
    strbuf_addstr(out, "# HELP xiangcun_http_request_duration_seconds Request latency.\n"
                       "# TYPE xiangcun_http_request_duration_seconds histogram\n");
    uint64_t cum = 0;
    for (int b = 0; b <= N_BUCKETS; b++) {
        cum += atomic_load(&g_hist[b]);
        if (b < N_BUCKETS)
            strbuf_addf(out, "xiangcun_http_request_duration_seconds_bucket{le=\"%g\"} %" PRIu64 "\n", BUCKETS[b], cum);
        else
            strbuf_addf(out, "xiangcun_http_request_duration_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n", cum);
    }
    strbuf_addf(out, "xiangcun_http_request_duration_seconds_sum %.6f\n"
                     "xiangcun_http_request_duration_seconds_count %" PRIu64 "\n",
                (double)atomic_load(&g_sum_ns) / 1e9, cum);
    strbuf_addf(out, "# HELP xiangcun_open_connections Open HTTP connections.\n"
                     "# TYPE xiangcun_open_connections gauge\nxiangcun_open_connections %" PRId64 "\n",
                metrics_open_connections());
    strbuf_addf(out, "# HELP xiangcun_event_streams Open live event streams (GET /api/v1/events).\n"
                     "# TYPE xiangcun_event_streams gauge\nxiangcun_event_streams %d\n", sse_subscribers());
    strbuf_addf(out, "# HELP xiangcun_db_seconds_total Time spent in database calls.\n"
                     "# TYPE xiangcun_db_seconds_total counter\nxiangcun_db_seconds_total %.6f\n"
                     "# HELP xiangcun_db_calls_total Database calls.\n"
                     "# TYPE xiangcun_db_calls_total counter\nxiangcun_db_calls_total %" PRIu64 "\n",
                (double)db_time_ns() / 1e9, db_calls());
}
