/*
** sse.c: the live event hub (see sse.h).
**
** How a stream runs on libmicrohttpd (epoll, thread pool, suspend/resume):
** each subscriber is one response made with MHD_create_response_from_callback
** of unknown size (chunked). Its reader copies what the subscriber may see
** from the ring; when there is nothing, it suspends the connection and
** returns 0 (returning 0 without suspending would make MHD call it again at
** once, a busy loop). A publisher, the ping timer or sse_shutdown() resumes
** it, and MHD calls the reader again from the connection's own thread.
** MHD_resume_connection() on a connection that is not suspended is undefined,
** so `suspended` (guarded by the hub's mutex, like everything here) says who
** may be resumed, and only the reader sets it, right when it suspends.
*/
#include "http/sse.h"
#include "core/strbuf.h"

#include <errno.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RING 1024
#define RETRY_MS 3000

typedef struct event {
    int64_t user_id;
    unsigned perm;
    char *org_path;      /* NULL: not for a subtree */
    char *bytes;         /* "id: ...\nevent: ...\ndata: ...\n\n" */
    size_t len;
} event;

typedef struct sub {
    struct sub *prev, *next;
    struct MHD_Connection *conn;
    int64_t user_id;
    unsigned perms;
    char org_path[256];
    uint64_t next_id;    /* the next event id to look at */
    uint64_t ping_seen;
    int64_t started;     /* monotonic seconds */
    int suspended;
    strbuf pend;         /* bytes owed to the client before anything else */
    size_t pend_off;
} sub;

/* One event queued by this thread, not yet published. */
typedef struct pending {
    struct pending *next;
    char *name, *org_path, *data;
    int64_t user_id;
    unsigned perm;
} pending;

static struct {
    pthread_mutex_t mu;
    pthread_cond_t wake;         /* the ping timer sleeps on it */
    sub *subs;
    int nsubs;
    event ring[RING];
    uint64_t next_id;            /* the id the next event gets; ids start at 1 */
    uint64_t ping_gen;
    int closing, timer_on;
    pthread_t timer;
    char boot[17];               /* this process's id prefix: ids do not survive a restart */
    int ping_s, max_age_s, per_user;
} g = {.mu = PTHREAD_MUTEX_INITIALIZER, .next_id = 1};

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static _Thread_local pending *t_first, *t_last;

static int env_seconds(const char *name, int def, int max) {
    const char *s = getenv(name);
    long v = s ? strtol(s, NULL, 10) : 0;
    return v > 0 && v <= max ? (int)v : def;
}

static void hub_init(void) {
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&g.wake, &ca);
    pthread_condattr_destroy(&ca);
    snprintf(g.boot, sizeof g.boot, "%08" PRIx32 "%08" PRIx32, randombytes_random(), randombytes_random());
    g.ping_s = env_seconds("XIANGCUN_SSE_PING", 20, 3600);
    g.max_age_s = env_seconds("XIANGCUN_SSE_MAX_AGE", 600, 86400 * 7);
    g.per_user = env_seconds("XIANGCUN_SSE_PER_USER", 8, 100000);
}

static int64_t mono_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

static uint64_t oldest_id(void) { return g.next_id > RING ? g.next_id - RING : 1; }

static int visible(const sub *s, const event *ev) {
    if (ev->user_id > 0 && ev->user_id == s->user_id) return 1;
    size_t n = strlen(s->org_path);
    return ev->perm && ev->org_path && (s->perms & ev->perm) == ev->perm && n &&
           !strncmp(ev->org_path, s->org_path, n);
}

/* Caller holds the mutex. */
static void resume(sub *s) {
    if (!s->suspended) return;
    s->suspended = 0;
    MHD_resume_connection(s->conn);
}

/* ---- the reader: runs on the connection's thread ---- */

/* Copy what is left of s->pend into buf. */
static size_t drain(sub *s, char *buf, size_t max) {
    size_t k = s->pend.len - s->pend_off;
    if (k > max) k = max;
    memcpy(buf, s->pend.buf + s->pend_off, k);
    s->pend_off += k;
    if (s->pend_off == s->pend.len) {
        strbuf_reset(&s->pend);
        s->pend_off = 0;
    }
    return k;
}

/* Add bytes to this call's output; what does not fit into an empty call is
** owed through pend. 0 when the caller should stop (send this call first). */
static int put(sub *s, char *buf, size_t max, size_t *n, const char *bytes, size_t len) {
    if (*n + len <= max) {
        memcpy(buf + *n, bytes, len);
        *n += len;
        return 1;
    }
    if (*n) return 0;
    strbuf_add(&s->pend, bytes, len);
    *n = drain(s, buf, max);
    return 0;
}

static void owe_reload(sub *s) {
    strbuf_addf(&s->pend, "id: %s-%" PRIu64 "\nevent: reload\ndata: {}\n\n", g.boot, g.next_id - 1);
    s->next_id = g.next_id;
}

/* The events s may see, from s->next_id on, as many as fit. */
static void fill(sub *s, char *buf, size_t max, size_t *n) {
    if (s->next_id < oldest_id()) owe_reload(s);   /* fell behind the ring */
    if (s->pend.len) {
        *n = drain(s, buf, max);
        if (s->pend.len) return;
    }
    for (; s->next_id < g.next_id; s->next_id++) {
        const event *ev = &g.ring[s->next_id % RING];
        if (visible(s, ev) && !put(s, buf, max, n, ev->bytes, ev->len)) {
            if (s->pend.len) s->next_id++;   /* started: the rest is in pend */
            return;
        }
    }
}

static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max) {
    (void)pos;
    sub *s = cls;
    size_t n = 0;
    pthread_mutex_lock(&g.mu);
    int live = !g.closing && mono_s() - s->started < g.max_age_s;
    if (!g.closing) fill(s, buf, max, &n);
    if (n == 0 && live && s->ping_seen != g.ping_gen) put(s, buf, max, &n, ": ping\n\n", 8);
    s->ping_seen = g.ping_gen;
    if (n == 0 && live) {
        s->suspended = 1;
        MHD_suspend_connection(s->conn);
    }
    pthread_mutex_unlock(&g.mu);
    /* Nothing to send and not waiting: the stream ends (shutdown, or old enough). */
    return n || live ? (ssize_t)n : MHD_CONTENT_READER_END_OF_STREAM;
}

/* MHD is done with the response (the stream ended or the peer went away). */
static void release(void *cls) {
    sub *s = cls;
    pthread_mutex_lock(&g.mu);
    if (s->prev) s->prev->next = s->next;
    else g.subs = s->next;
    if (s->next) s->next->prev = s->prev;
    g.nsubs--;
    pthread_mutex_unlock(&g.mu);
    strbuf_release(&s->pend);
    free(s);
}

/* ---- the ping timer ---- */

static void *timer_main(void *arg) {
    (void)arg;
    pthread_mutex_lock(&g.mu);
    while (!g.closing) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += g.ping_s;
        int rc = 0;
        while (!g.closing && rc != ETIMEDOUT) rc = pthread_cond_timedwait(&g.wake, &g.mu, &ts);
        if (g.closing) break;
        g.ping_gen++;
        for (sub *s = g.subs; s; s = s->next) resume(s);
    }
    pthread_mutex_unlock(&g.mu);
    return NULL;
}

/* ---- subscribing ---- */

/* Where a client resumes: after "<boot>-<n>" of this process that the ring
** still covers; anything else (absent: from now on) owes a reload. */
static void start_at(sub *s, const char *last) {
    s->next_id = g.next_id;
    if (!last || !*last) return;
    size_t bl = strlen(g.boot);
    char *end = NULL;
    unsigned long long n = 0;
    int ours = !strncmp(last, g.boot, bl) && last[bl] == '-' && last[bl + 1] >= '0' && last[bl + 1] <= '9';
    if (ours) {
        errno = 0;
        n = strtoull(last + bl + 1, &end, 10);
        ours = !errno && !*end && n < g.next_id && n + 1 >= oldest_id();
    }
    if (ours) s->next_id = n + 1;
    else owe_reload(s);
}

static int user_streams(int64_t user_id) {
    int n = 0;
    for (const sub *s = g.subs; s; s = s->next) n += s->user_id == user_id;
    return n;
}

static int start_timer(req *r) {
    if (g.timer_on) return 0;
    if (pthread_create(&g.timer, NULL, timer_main, NULL)) return fail(r, 503, "busy", NULL);
    g.timer_on = 1;
    return 0;
}

int sse_subscribe(req *r) {
    pthread_once(&g_once, hub_init);
    const char *last = req_header(r, "Last-Event-ID");
    if (!last) last = req_query(r, "last_event_id");
    pthread_mutex_lock(&g.mu);
    int rc;
    if (g.closing) rc = fail(r, 503, "busy", NULL);
    else if (user_streams(r->who.user_id) >= g.per_user) rc = fail(r, 429, "too_many_streams", NULL);
    else rc = start_timer(r);
    if (rc) {
        pthread_mutex_unlock(&g.mu);
        return -1;
    }
    sub *s = xcalloc(1, sizeof *s);
    s->conn = r->conn;
    s->user_id = r->who.user_id;
    s->perms = r->who.perms;
    if (s->perms & P_DUTY_CHECKIN) s->perms &= ~(unsigned)P_DUTY_READ;   /* a secretary: themselves only */
    snprintf(s->org_path, sizeof s->org_path, "%s", r->who.org_path);
    s->started = mono_s();
    s->ping_seen = g.ping_gen;
    /* Something at once, so the headers leave now; and how soon to reconnect. */
    strbuf_addf(&s->pend, "retry: %d\n: connected\n\n", RETRY_MS);
    start_at(s, last);
    s->next = g.subs;
    if (g.subs) g.subs->prev = s;
    g.subs = s;
    g.nsubs++;
    pthread_mutex_unlock(&g.mu);
    r->status = 200;
    r->ctype = "text/event-stream";
    r->stream.read = reader;
    r->stream.release = release;
    r->stream.cls = s;
    reply_header(r, "X-Accel-Buffering", "no");   /* nginx: pass each event on at once */
    return 0;
}

int sse_subscribers(void) {
    pthread_mutex_lock(&g.mu);
    int n = g.nsubs;
    pthread_mutex_unlock(&g.mu);
    return n;
}

/* ---- publishing ---- */

static void pending_free(pending *p) {
    while (p) {
        pending *next = p->next;
        free(p->name);
        free(p->org_path);
        free(p->data);
        free(p);
        p = next;
    }
}

void sse_queue(const char *name, int64_t user_id, const char *org_path, unsigned perm, const json_t *data) {
    pending *p = xcalloc(1, sizeof *p);
    p->name = xstrdup(name);
    p->org_path = org_path ? xstrdup(org_path) : NULL;
    p->data = data ? json_dumps(data, JSON_COMPACT) : NULL;
    if (!p->data) p->data = xstrdup("{}");
    p->user_id = user_id;
    p->perm = perm;
    if (t_last) t_last->next = p;
    else t_first = p;
    t_last = p;
}

void sse_discard(void) {
    pending_free(t_first);
    t_first = t_last = NULL;
}

/* Put p into the ring (the mutex held), replacing the oldest event. */
static void ring_add(const pending *p) {
    event *ev = &g.ring[g.next_id % RING];
    free(ev->org_path);
    free(ev->bytes);
    strbuf sb = STRBUF_INIT;
    strbuf_addf(&sb, "id: %s-%" PRIu64 "\nevent: %s\ndata: %s\n\n", g.boot, g.next_id, p->name, p->data);
    ev->len = sb.len;
    ev->bytes = strbuf_detach(&sb);
    g.next_id++;
    ev->user_id = p->user_id;
    ev->perm = p->perm;
    ev->org_path = p->org_path ? xstrdup(p->org_path) : NULL;
}

/* Resume the waiting subscribers that may see one of the events from `first`
** on; the others have nothing new and simply move past them. */
static void wake_from(uint64_t first) {
    for (sub *s = g.subs; s; s = s->next) {
        if (!s->suspended) continue;
        int any = 0;
        for (uint64_t id = first; id < g.next_id && !any; id++) any = visible(s, &g.ring[id % RING]);
        if (any) resume(s);
        else s->next_id = g.next_id;
    }
}

/* Put the events from p on into the ring and wake who may see them. */
static void publish(const pending *p) {
    pthread_once(&g_once, hub_init);
    pthread_mutex_lock(&g.mu);
    if (!g.closing) {
        uint64_t first = g.next_id;
        for (; p; p = p->next) ring_add(p);
        wake_from(first);
    }
    pthread_mutex_unlock(&g.mu);
}

/* ---- other processes ---- */

static sse_relay_fn g_relay;
static void *g_relay_ctx;

void sse_set_relay(sse_relay_fn relay, void *ctx) {
    g_relay = relay;
    g_relay_ctx = ctx;
}

/* The message for p: {"from": boot, "name", "user", "perm", "data", "path" (when set)}. */
static char *relay_msg(const pending *p) {
    json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:s, s:s*}", "from", g.boot, "name", p->name,
                          "user", (json_int_t)p->user_id, "perm", (json_int_t)p->perm, "data", p->data,
                          "path", p->org_path);
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!text) abort();   /* out of memory, as xmalloc */
    return text;
}

static void relay(const pending *p) {
    for (; p && g_relay; p = p->next) {
        char *text = relay_msg(p);
        g_relay(text, g_relay_ctx);
        free(text);
    }
}

/* Every open page reloads: events meant for it may have been lost. */
static void reload_all(void) {
    pthread_mutex_lock(&g.mu);
    for (sub *s = g.subs; s; s = s->next) {
        owe_reload(s);
        resume(s);
    }
    pthread_mutex_unlock(&g.mu);
}

void sse_receive(const char *msg) {
    pthread_once(&g_once, hub_init);
    if (!msg) {
        reload_all();
        return;
    }
    json_t *o = json_loads(msg, 0, NULL);
    const char *from = NULL, *data = NULL;
    json_int_t user = 0, perm = 0;
    pending p = {0};
    /* "path" last: an absent optional key ends jansson's matching. */
    if (o && !json_unpack(o, "{s:s, s:s, s:I, s:I, s:s, s?s}", "from", &from, "name", &p.name, "user", &user,
                          "perm", &perm, "data", &data, "path", &p.org_path) &&
        strcmp(from, g.boot)) {
        p.data = (char *)data;
        p.user_id = user;
        p.perm = (unsigned)perm;
        publish(&p);
    }
    json_decref(o);
}

void sse_flush(void) {
    if (!t_first) return;
    publish(t_first);
    relay(t_first);
    sse_discard();
}

void sse_shutdown(void) {
    pthread_once(&g_once, hub_init);
    pthread_mutex_lock(&g.mu);
    g.closing = 1;
    for (sub *s = g.subs; s; s = s->next) resume(s);
    pthread_cond_broadcast(&g.wake);
    int joined = g.timer_on;
    g.timer_on = 0;
    for (int i = 0; i < RING; i++) {
        free(g.ring[i].org_path);
        free(g.ring[i].bytes);
        g.ring[i] = (event){0};
    }
    pthread_mutex_unlock(&g.mu);
    if (joined) pthread_join(g.timer, NULL);
}
