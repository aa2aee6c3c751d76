/* system.c: health check and Prometheus metrics. */
#include "api/api.h"
#include "http/metrics.h"

int h_healthz(req *r) {
    db_stmt *st = db_prepare(r->db, "SELECT 1", &r->err);
    if (!st) return -1;
    int rc = db_step(st, &r->err);
    db_done(st);
    if (rc != 1) return -1;
    const char *kind = db_kind_of(r->db) == DB_SQLITE ? "sqlite" : "postgresql";
    reply_json(r, 200, json_pack("{s:b, s:s}", "ok", 1, "db", kind));
    return 0;
}

int h_metrics(req *r) {
    strbuf sb = STRBUF_INIT;
    metrics_render(&sb);
    reply_raw(r, 200, "text/plain; version=0.0.4; charset=utf-8", &sb);
    return 0;
}
