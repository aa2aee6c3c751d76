/* server.c: libmicrohttpd glue, access log and graceful shutdown (see server.h). */
#include "http/server.h"
#include "core/clock.h"
#include "db/db.h"
#include "http/errors.h"
#include "http/http.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/sse.h"
#include "http/static.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>

static const config *g_cfg;
/* The cls of the OsmAnd listener's daemon: every request on it goes to this route. */
static const char OSMAND_PATH[] = "/api/v1/osmand";
static atomic_int g_inflight;   /* requests begun and not yet answered in full */

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void client_ip(struct MHD_Connection *c, req *r) {
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(r->ip, sizeof r->ip, "unknown");
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, r->ip, sizeof r->ip);
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, r->ip, sizeof r->ip);
    }
    if (!g_cfg->trust_proxy) return;
    /* The last address is the one the trusted proxy saw (it appends it);
    ** earlier ones come from the client and prove nothing. Only an address
    ** is taken: the header is free text and ends up in the audit log. */
    const char *xff = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-For");
    if (xff) {
        const char *last = strrchr(xff, ',');
        last = last ? last + 1 : xff;
        last += strspn(last, " \t");
        char addr[64];
        unsigned char bin[sizeof(struct in6_addr)];
        size_t n = strcspn(last, " \t");
        if (n > 0 && n < sizeof addr) {
            memcpy(addr, last, n);
            addr[n] = 0;
            if (inet_pton(AF_INET, addr, bin) == 1 || inet_pton(AF_INET6, addr, bin) == 1)
                snprintf(r->ip, sizeof r->ip, "%s", addr);
        }
    }
    const char *proto = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-Proto");
    r->secure = proto && !strcmp(proto, "https");
}

static req *req_new(struct MHD_Connection *c, const char *url, const char *method) {
    req *r = xcalloc(1, sizeof *r);
    r->conn = c;
    r->method = method;
    r->path = xstrdup(url);
    r->route = -2;
    r->t0_ns = now_ns();
    r->now = clock_now();
    r->lang = lang_from_header(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Language"));
    client_ip(c, r);
    r->body_limit = router_is_upload(method, url) ? g_cfg->upload_limit : g_cfg->body_limit;
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl && strtoull(cl, NULL, 10) > r->body_limit) r->body_too_large = 1;
    atomic_fetch_add(&g_inflight, 1);
    return r;
}

static void req_free(req *r) {
    json_decref(r->json);
    strbuf_release(&r->body);
    strbuf_release(&r->out);
    for (int i = 0; i < r->nhdr; i++) free(r->hdr_value[i]);
    if (r->stream.release) r->stream.release(r->stream.cls);   /* a stream that never started */
    free((char *)r->path);
    free(r);
}

/* Every header of the answer; 0 when one could not be added (out of memory):
** an answer missing its type or security headers must not go out. */
static int add_headers(struct MHD_Response *resp, const req *r) {
    int ok = MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff") == MHD_YES &&
             MHD_add_response_header(resp, "X-Frame-Options", "DENY") == MHD_YES &&
             MHD_add_response_header(resp, "Referrer-Policy", "no-referrer") == MHD_YES &&
             MHD_add_response_header(resp, "Content-Security-Policy", static_csp()) == MHD_YES &&
             MHD_add_response_header(resp, "Permissions-Policy",
                                     "geolocation=(self), camera=(self), microphone=()") == MHD_YES;
    if (ok && r->ctype) ok = MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->ctype) == MHD_YES;
    if (ok && r->secure)
        ok = MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000") == MHD_YES;
    if (ok && r->route != -1) ok = MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") == MHD_YES;
    for (int i = 0; ok && i < r->nhdr; i++)
        ok = MHD_add_response_header(resp, r->hdr_name[i], r->hdr_value[i]) == MHD_YES;
    return ok;
}

/* The answer's body: the buffer, or a stream (sse.c) that the response now owns. */
static struct MHD_Response *make_response(req *r) {
    if (r->stream.read && !r->err.status) {
        struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, r->stream.read,
                                                                      r->stream.cls, r->stream.release);
        if (resp) r->stream.release = NULL;
        return resp;
    }
    size_t len = r->out.len;
    char *body = strbuf_detach(&r->out);
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!resp) free(body);
    return resp;
}

static enum MHD_Result respond(struct MHD_Connection *c, req *r) {
    if (r->err.status) {
        if (r->err.status >= 500)
            fprintf(stderr, "xiangcun: %s %s -> %d %s: %s\n", r->method, r->path, r->err.status,
                    r->err.code ? r->err.code : "?", r->err.detail);
        reply_json(r, r->err.status, error_body(&r->err, r->lang));
    }
    struct MHD_Response *resp = make_response(r);
    if (!resp) return MHD_NO;
    /* Without its headers the answer is dropped and the connection closed. */
    enum MHD_Result ok = add_headers(resp, r) ? MHD_queue_response(c, (unsigned)r->status, resp) : MHD_NO;
    MHD_destroy_response(resp);
    return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls) {
    (void)version;
    req *r = *con_cls;
    if (!r) {
        *con_cls = r = req_new(c, cls ? (const char *)cls : url, method);
        /* Answer before the body only when the client waits for 100 Continue:
        ** one already sending it would hit a reset and never see the 413. The
        ** others have their body read and dropped (as a chunked one is). */
        const char *expect = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT);
        if (!r->body_too_large || !expect || strcasecmp(expect, "100-continue")) return MHD_YES;
        fail(r, 413, "body_too_large", NULL);
        return respond(c, r);
    }
    if (*upload_size) {
        if (!r->body_too_large) {
            if (r->body.len + *upload_size > r->body_limit) {
                r->body_too_large = 1;
                strbuf_release(&r->body);
            } else {
                strbuf_add(&r->body, upload, *upload_size);
            }
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->status) return MHD_YES;   /* already answered (early 413) */
    xerr e = {0};
    r->db = db_thread(&e);
    if (!r->db) fail(r, 503, "db_unavailable", NULL);
    else router_dispatch(r);
    return respond(c, r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    (void)cls;
    (void)c;
    req *r = *con_cls;
    if (!r) return;
    uint64_t ns = now_ns() - r->t0_ns;
    int status = r->status ? r->status : 0;
    metrics_request(r->route, status, ns);
    atomic_fetch_sub(&g_inflight, 1);
    if (g_cfg->access_log) {
        char ts[32];
        time_t t = time(NULL);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
        /* The path only: query strings may carry personal data. */
        printf("%s %s \"%s %s\" %d %.2fms%s\n", ts, r->ip, r->method, r->path, status, (double)ns / 1e6,
               toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted");
    }
    req_free(r);
    *con_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_ctx,
                          enum MHD_ConnectionNotificationCode code) {
    (void)cls;
    (void)c;
    (void)socket_ctx;
    metrics_connection(code == MHD_CONNECTION_NOTIFY_STARTED ? 1 : -1);
}

static void raise_nofile(void) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static int bind_addr(const char *listen_host, int port, struct sockaddr_storage *ss, xerr *e) {
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    const char *host = listen_host;
    char h6[64];
    size_t hl = strlen(host);
    if (host[0] == '[' && hl > 2 && hl < sizeof h6 && host[hl - 1] == ']') {
        memcpy(h6, host + 1, hl - 2);
        h6[hl - 2] = 0;
        host = h6;
    }
    if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)port);
        return AF_INET;
    }
    if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        return AF_INET6;
    }
    return xerr_set(e, 500, "bad_listen", "not an IP address: %s", listen_host);
}

/* A daemon on host:port with the request callbacks; cls is NULL for the
** main listener, OSMAND_PATH for the OsmAnd one. NULL with e on failure. */
static struct MHD_Daemon *start_daemon(const config *c, const char *host, int port, void *cls, xerr *e) {
    struct sockaddr_storage ss;
    int family = bind_addr(host, port, &ss, e);
    if (family < 0) return NULL;
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    if (family == AF_INET6) flags |= MHD_USE_IPv6;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, (uint16_t)port, NULL, NULL, on_request, cls,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)c->threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)c->conn_limit,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)c->per_ip_limit,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16384,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
        MHD_OPTION_END);
    if (!d) xerr_set(e, 500, "listen_failed", "cannot listen on %s:%d", host, port);
    return d;
}

int server_run(const config *c, xerr *e) {
    g_cfg = c;
    raise_nofile();
    metrics_init(N_ROUTES);
    if (static_init(c->web_dir, c->vendor_dir, e)) return -1;

    /* Pool threads inherit this mask, so only sigwait() below sees the signals. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct MHD_Daemon *d = start_daemon(c, c->listen_host, c->listen_port, NULL, e), *osmand = NULL;
    if (!d) return -1;
    /* The OsmAnd / Traccar Client listener (XIANGCUN_OSMAND_LISTEN), off when unset. */
    if (c->osmand_port && !(osmand = start_daemon(c, c->osmand_host, c->osmand_port, (void *)OSMAND_PATH, e))) {
        MHD_stop_daemon(d);
        return -1;
    }
    printf("xiangcun: serving on http://%s:%d with %d threads (%s)\n", c->listen_host, c->listen_port,
           c->threads, db_url());
    if (osmand) printf("xiangcun: OsmAnd / Traccar Client on http://%s:%d\n", c->osmand_host, c->osmand_port);
    fflush(stdout);

    int sig = 0;
    sigwait(&sigs, &sig);
    printf("xiangcun: signal %d, shutting down\n", sig);
    MHD_quiesce_daemon(d);   /* stop accepting new connections */
    sse_shutdown();          /* end the event streams, which would otherwise stay in flight */
    if (osmand) MHD_quiesce_daemon(osmand);
    /* MHD_stop_daemon() closes every connection at once: first let the
    ** requests in flight finish and their answers go out (for at most 10 s). */
    for (int i = 0; i < 1000 && atomic_load(&g_inflight) > 0; i++)
        nanosleep(&(struct timespec){0, 10000000}, NULL);
    MHD_stop_daemon(d);
    if (osmand) MHD_stop_daemon(osmand);
    db_close_all();
    printf("xiangcun: stopped\n");
    return 0;
}
