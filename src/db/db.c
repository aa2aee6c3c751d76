/*
** db.c: the back-end independent half of the data-access interface (db.h):
** URL dispatch, per-thread connections, the prepared-statement cache, bound
** values, transactions and the timing counters behind /metrics.
*/
#include "db/db.h"
#include "db/db_backend.h"
#include "core/strbuf.h"
#include "core/fault.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CACHE_BUCKETS 128

struct db {
    struct db *next_thread;   /* registry of per-thread connections */
    const db_backend *be;
    void *conn;
    db_kind kind;
    int in_tx;
    db_stmt *cache[CACHE_BUCKETS];
};

static char *g_url;
static _Thread_local db *t_db;
static pthread_mutex_t g_threads_mu = PTHREAD_MUTEX_INITIALIZER;
static db *g_threads;   /* every connection handed out by db_thread() */
static atomic_uint_fast64_t g_time_ns;
static atomic_uint_fast64_t g_calls;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static const db_backend *backend_for(const char *url, db_kind *kind) {
    if (!strncmp(url, "sqlite:", 7)) { *kind = DB_SQLITE; return &db_sqlite_backend; }
    if (!strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11)) {
        *kind = DB_POSTGRES;
        return &db_pg_backend;
    }
    return NULL;
}

int db_configure(const char *url, xerr *e) {
    db_kind k;
    if (!url || !backend_for(url, &k))
        return xerr_set(e, 500, "bad_database_url", "%s", "use sqlite:PATH or postgresql://...");
    free(g_url);
    g_url = xstrdup(url);
    return 0;
}

const char *db_url(void) { return g_url; }

db *db_open(const char *url, xerr *e) {
    db_kind kind;
    const db_backend *be = backend_for(url, &kind);
    if (!be) {
        xerr_set(e, 500, "bad_database_url", "%s", "use sqlite:PATH or postgresql://...");
        return NULL;
    }
    void *conn = be->open(url, e);
    if (!conn) return NULL;
    db *d = xcalloc(1, sizeof *d);
    d->be = be;
    d->conn = conn;
    d->kind = kind;
    return d;
}

void db_close(db *d) {
    if (!d) return;
    if (d->in_tx) db_rollback(d);
    for (int b = 0; b < CACHE_BUCKETS; b++) {
        db_stmt *st = d->cache[b];
        while (st) {
            db_stmt *next = st->next;
            d->be->finalize(d->conn, st);
            for (int i = 1; i <= DB_MAX_PARAMS; i++) free(st->params[i].s);
            free(st->sql);
            free(st);
            st = next;
        }
    }
    d->be->close(d->conn);
    free(d);
}

db *db_thread(xerr *e) {
    if (t_db) return t_db;
    if (!g_url) {
        xerr_set(e, 500, "db_error", "%s", "database not configured");
        return NULL;
    }
    t_db = db_open(g_url, e);
    if (t_db) {
        pthread_mutex_lock(&g_threads_mu);
        t_db->next_thread = g_threads;
        g_threads = t_db;
        pthread_mutex_unlock(&g_threads_mu);
    }
    return t_db;
}

void db_close_all(void) {
    pthread_mutex_lock(&g_threads_mu);
    while (g_threads) {
        db *d = g_threads;
        g_threads = d->next_thread;
        db_close(d);
    }
    pthread_mutex_unlock(&g_threads_mu);
    t_db = NULL;
}

db_kind db_kind_of(const db *d) { return d->kind; }

/* Every call into a back end goes through here: fault injection and timing. */
static int enter(xerr *e) {
    atomic_fetch_add(&g_calls, 1);
    if (fault_db_should_fail())
        return xerr_set(e, 503, "db_unavailable", "%s", "injected database fault");
    return 0;
}

static void leave(uint64_t t0) { atomic_fetch_add(&g_time_ns, now_ns() - t0); }

int db_exec(db *d, const char *sql, xerr *e) {
    if (enter(e)) return -1;
    uint64_t t0 = now_ns();
    int rc = d->be->exec(d->conn, sql, e);
    leave(t0);
    return rc;
}

static unsigned hash_sql(const char *s) {
    unsigned h = 2166136261u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h % CACHE_BUCKETS;
}

db_stmt *db_prepare(db *d, const char *sql, xerr *e) {
    unsigned b = hash_sql(sql);
    for (db_stmt *st = d->cache[b]; st; st = st->next)
        if (!strcmp(st->sql, sql)) return st;
    if (enter(e)) return NULL;
    db_stmt *st = xcalloc(1, sizeof *st);
    st->d = d;
    st->sql = xstrdup(sql);
    uint64_t t0 = now_ns();
    int rc = d->be->prepare(d->conn, st, e);
    leave(t0);
    if (rc) {
        free(st->sql);
        free(st);
        return NULL;
    }
    st->next = d->cache[b];
    d->cache[b] = st;
    return st;
}

static db_value *param(db_stmt *st, int idx) {
    if (idx < 1 || idx > DB_MAX_PARAMS) abort();   /* programming error */
    if (idx > st->nparams) st->nparams = idx;
    db_value *v = &st->params[idx];
    free(v->s);
    v->s = NULL;
    return v;
}

void db_bind_int(db_stmt *st, int idx, int64_t v) {
    db_value *p = param(st, idx);
    p->type = DBV_INT;
    p->i = v;
}

void db_bind_double(db_stmt *st, int idx, double v) {
    db_value *p = param(st, idx);
    p->type = DBV_DOUBLE;
    p->d = v;
}

void db_bind_text(db_stmt *st, int idx, const char *v) {
    db_value *p = param(st, idx);
    p->type = v ? DBV_TEXT : DBV_NULL;
    if (v) p->s = xstrdup(v);
}

void db_bind_null(db_stmt *st, int idx) { param(st, idx)->type = DBV_NULL; }

int db_step(db_stmt *st, xerr *e) {
    if (!st->started && enter(e)) return -1;
    uint64_t t0 = now_ns();
    int rc = st->d->be->step(st->d->conn, st, e);
    st->started = 1;
    leave(t0);
    return rc;
}

int db_col_count(db_stmt *st) { return st->d->be->col_count(st); }
int db_col_isnull(db_stmt *st, int col) { return st->d->be->col_isnull(st, col); }
const char *db_col_text(db_stmt *st, int col) { return st->d->be->col_text(st, col); }
const char *db_col_name(db_stmt *st, int col) { return st->d->be->col_name(st, col); }

int64_t db_col_int(db_stmt *st, int col) {
    const char *s = db_col_text(st, col);
    return s ? strtoll(s, NULL, 10) : 0;
}

double db_col_double(db_stmt *st, int col) {
    const char *s = db_col_text(st, col);
    return s ? strtod(s, NULL) : 0.0;
}

int64_t db_changes(db_stmt *st) { return st->d->be->changes(st->d->conn, st); }

void db_done(db_stmt *st) {
    if (!st) return;
    st->d->be->reset(st->d->conn, st);
    for (int i = 1; i <= st->nparams; i++) {
        free(st->params[i].s);
        memset(&st->params[i], 0, sizeof st->params[i]);
    }
    st->nparams = 0;
    st->started = 0;
}

int64_t db_run(db_stmt *st, xerr *e) {
    int rc = db_step(st, e);
    int64_t n = rc < 0 ? -1 : db_changes(st);
    db_done(st);
    return n;
}

int64_t db_run_id(db *d, const char *sql, int64_t id, xerr *e) {
    db_stmt *st = db_prepare(d, sql, e);
    if (!st) return -1;
    db_bind_int(st, 1, id);
    return db_run(st, e);
}

/* SQLite takes one writer at a time, and its busy handler makes the others
** sleep and poll (naps of up to 100 ms), so under load a write can wait far
** longer than the writes before it take: ingest p99 near 1 s at 64
** connections (bench/README.md). Writers of this process queue on a mutex
** instead and start the moment the one before them ends; only other
** processes (a command-line run) still meet the busy handler. The wait is
** bounded like the busy timeout: 503 busy after it. */
#define WRITER_WAIT_S 10
static pthread_mutex_t g_writer = PTHREAD_MUTEX_INITIALIZER;

static int writer_enter(const db *d, xerr *e) {
    if (!d->be->one_writer) return 0;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += WRITER_WAIT_S;
    if (pthread_mutex_timedlock(&g_writer, &until))
        return xerr_set(e, 503, "busy", "%s", "waiting for the writer");
    return 0;
}

static void writer_leave(const db *d) {
    if (d->be->one_writer) pthread_mutex_unlock(&g_writer);
}

int db_begin(db *d, xerr *e) {
    if (writer_enter(d, e)) return -1;
    if (db_exec(d, d->be->begin_sql, e)) {
        writer_leave(d);
        return -1;
    }
    d->in_tx = 1;
    return 0;
}

int db_commit(db *d, xerr *e) {
    int rc = db_exec(d, "COMMIT", e);
    if (rc) {
        db_rollback(d);
        return -1;
    }
    d->in_tx = 0;
    writer_leave(d);
    return 0;
}

void db_rollback(db *d) {
    xerr ignore;
    d->be->exec(d->conn, "ROLLBACK", &ignore);
    if (d->in_tx) writer_leave(d);
    d->in_tx = 0;
}

int db_in_tx(const db *d) { return d->in_tx; }

int db_lock_chain(db *d, xerr *e) {
    if (!d->be->lock_chain) return 0;
    if (enter(e)) return -1;
    return d->be->lock_chain(d->conn, e);
}

uint64_t db_time_ns(void) { return atomic_load(&g_time_ns); }
uint64_t db_calls(void) { return atomic_load(&g_calls); }
