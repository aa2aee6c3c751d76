/*
** pg.c: the PostgreSQL back end of the data-access interface (db_backend.h),
** through libpq.
**
** Statements are prepared server-side once per connection with no parameter
** types, so PostgreSQL infers each $N from its context (a bare `$1 IS NULL`
** needs a CAST). Values travel as text in both directions; booleans come back
** as "1"/"0" so callers see the same 0/1 as on SQLite.
**
** A lost connection is reopened on the next call when it was not inside a
** transaction (statements are then prepared again); inside one, every call
** fails until the caller rolls back, so half a transaction is never
** silently replayed in autocommit mode.
*/
#include "db/db_backend.h"
#include "db/pg.h"
#include "core/strbuf.h"

#include <libpq-fe.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BOOLOID 16              /* pg_type.oid of boolean */
#define CHAIN_LOCK_KEY 7461     /* advisory lock serialising audit-chain appends */

typedef struct pg_conn {
    PGconn *c;
    unsigned long next_name;    /* statement names: s1, s2, ... */
    unsigned gen;               /* bumped on each reconnect */
    int lost_in_tx;             /* the connection died inside a transaction */
} pg_conn;

typedef struct pg_stmt {
    char name[24];
    unsigned gen;               /* connection generation it was prepared in */
    int nparams;                /* as inferred by the server */
    PGresult *res;              /* result of the current execution */
    int row;                    /* current row; rows are [0, nrows) */
    int nrows;
    int64_t changes;            /* rows changed by the last INSERT/UPDATE/DELETE */
} pg_stmt;

/* ---- errors ---- */

/* Copy msg into out, replacing every "quoted" part with "..." so that values
** (which PostgreSQL quotes in data errors) never reach a log or a client. */
static void scrub_quoted(char *out, size_t n, const char *msg) {
    size_t o = 0;
    int in_quote = 0;
    for (const char *p = msg; *p && o + 4 < n; p++) {
        if (*p == '"') {
            if (!in_quote) {
                memcpy(out + o, "\"...", 4);
                o += 4;
            } else {
                out[o++] = '"';
            }
            in_quote = !in_quote;
        } else if (!in_quote && *p != '\n') {
            out[o++] = *p;
        }
    }
    out[o] = 0;
}

/* PostgreSQL's one-line message for an error. Data exceptions (class 22) quote
** the offending value, so their quoted parts are scrubbed; other messages
** quote only identifiers (tables, columns, constraints) and are kept. */
static void short_reason(const PGresult *res, const char *state, char *buf, size_t n) {
    const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    if (!primary) primary = "";
    if (!strncmp(state, "22", 2)) {
        scrub_quoted(buf, n, primary);
        return;
    }
    snprintf(buf, n, "%s", primary);
    char *nl = strchr(buf, '\n');
    if (nl) *nl = 0;
}

static int conn_lost_error(xerr *e) {
    return xerr_set(e, 503, "db_unavailable", "%s", "connection to PostgreSQL lost");
}

/* Map a failed result to an xerr by its SQLSTATE. */
static int result_error(pg_conn *pc, const PGresult *res, xerr *e) {
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (!state) {
        if (PQstatus(pc->c) == CONNECTION_BAD) return conn_lost_error(e);
        /* No result on a live connection: libpq ran out of memory. Whether a
        ** COMMIT took effect is then unknown, so stop like any other failed
        ** allocation (see strbuf.h) rather than answer with a guess. */
        if (!res) {
            fprintf(stderr, "xiangcun: out of memory in libpq\n");
            abort();
        }
        return xerr_set(e, 500, "db_error", "%s", "no result from PostgreSQL");
    }
    const char *cons = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
    const char *col = PQresultErrorField(res, PG_DIAG_COLUMN_NAME);
    if (!strcmp(state, "23505"))
        return xerr_set(e, 409, "conflict", "%s", cons ? cons : "unique");
    if (!strcmp(state, "23503") || !strcmp(state, "23514") || !strcmp(state, "23502"))
        return xerr_set(e, 400, "constraint_failed", "%s", cons ? cons : col ? col : state);
    if (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03"))
        return xerr_set(e, 503, "busy", "%s", state);
    if (!strncmp(state, "08", 2) || !strncmp(state, "57P", 3)) return conn_lost_error(e);
    char reason[120];
    short_reason(res, state, reason, sizeof reason);
    return xerr_set(e, 500, "db_error", "%s %s", state, reason);
}

/* ---- connection ---- */

/* Silence "there is no transaction in progress" (db_rollback after a failed
** COMMIT); pass other warnings to stderr as libpq would. */
static void notice_receiver(void *arg, const PGresult *res) {
    (void)arg;
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (state && !strcmp(state, "25P01")) return;
    fprintf(stderr, "%s", PQresultErrorMessage(res));
}

/* Custom plans: statements are prepared once per connection and then run
** thousands of times with different values. After five runs PostgreSQL may
** switch to a generic plan chosen without the values, and inside one long
** transaction (an import) on a growing table that plan goes stale: the member
** lookups became sequential scans and a 1M-row import turned quadratic
** (bench/README.md). Planning these small statements costs far less. */
static int session_setup(pg_conn *pc, xerr *e) {
    PQsetNoticeReceiver(pc->c, notice_receiver, NULL);
    PGresult *res = PQexec(pc->c, "SET client_min_messages = warning; SET TimeZone = 'UTC';"
                                  " SET plan_cache_mode = force_custom_plan");
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok) result_error(pc, res, e);
    PQclear(res);
    return ok ? 0 : -1;
}

/* The first line of libpq's connection error: host and user, never a password. */
static int connect_error(PGconn *c, xerr *e) {
    char msg[140];
    snprintf(msg, sizeof msg, "%s", c ? PQerrorMessage(c) : "out of memory");
    char *nl = strchr(msg, '\n');
    if (nl) *nl = 0;
    return xerr_set(e, 500, "db_error", "cannot connect to PostgreSQL: %s", msg);
}

PGconn *pg_connect(const char *url, const char *app_name, xerr *e) {
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(url, &perr);
    if (!opts) {
        /* libpq's message may quote parts of the URL, password included. */
        PQfreemem(perr);
        xerr_set(e, 500, "db_error", "%s", "invalid PostgreSQL URL");
        return NULL;
    }
    PQconninfoFree(opts);
    const char *keys[] = { "dbname", "fallback_application_name", NULL };
    const char *vals[] = { url, app_name, NULL };
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    if (!c || PQstatus(c) != CONNECTION_OK) {
        connect_error(c, e);
        PQfinish(c);
        return NULL;
    }
    return c;
}

static void *pg_open(const char *url, xerr *e) {
    PGconn *c = pg_connect(url, "xiangcun", e);
    if (!c) return NULL;
    pg_conn *pc = xcalloc(1, sizeof *pc);
    pc->c = c;
    if (session_setup(pc, e)) {
        PQfinish(c);
        free(pc);
        return NULL;
    }
    return pc;
}

static void pg_close(void *conn) {
    pg_conn *pc = conn;
    if (!pc) return;
    PQfinish(pc->c);
    free(pc);
}

/* After a failed call: remember whether the connection died inside a transaction. */
static void note_failure(pg_conn *pc, PGTransactionStatusType before) {
    if (PQstatus(pc->c) == CONNECTION_BAD && before != PQTRANS_IDLE) pc->lost_in_tx = 1;
}

/* Before a call: reopen a dead connection unless a transaction died with it.
** `rollback` is set for ROLLBACK, which ends the dead transaction. */
static int ensure_conn(pg_conn *pc, int rollback, xerr *e) {
    if (PQstatus(pc->c) == CONNECTION_OK) return 0;
    if (pc->lost_in_tx && !rollback)
        return xerr_set(e, 503, "db_unavailable", "%s", "connection lost inside a transaction");
    pc->lost_in_tx = 0;
    PQreset(pc->c);
    if (PQstatus(pc->c) != CONNECTION_OK) return conn_lost_error(e);
    pc->gen++;
    return session_setup(pc, e);
}

/* ---- scripts and transactions ---- */

static int is_word(const char *sql, const char *word) {
    while (*sql == ' ' || *sql == '\n' || *sql == '\t') sql++;
    size_t n = strlen(word);
    if (strncasecmp(sql, word, n)) return 0;
    for (sql += n; *sql; sql++)
        if (*sql != ' ' && *sql != ';' && *sql != '\n' && *sql != '\t') return 0;
    return 1;
}

static int pg_exec(void *conn, const char *sql, xerr *e) {
    pg_conn *pc = conn;
    if (ensure_conn(pc, is_word(sql, "ROLLBACK"), e)) return -1;
    PGTransactionStatusType before = PQtransactionStatus(pc->c);
    PGresult *res = PQexec(pc->c, sql);
    ExecStatusType s = PQresultStatus(res);
    if (s == PGRES_FATAL_ERROR && PQstatus(pc->c) == CONNECTION_BAD &&
        before == PQTRANS_IDLE && is_word(sql, "BEGIN")) {
        /* An idle connection that died (server restart): BEGIN is safe to retry. */
        PQclear(res);
        if (ensure_conn(pc, 0, e)) return -1;
        res = PQexec(pc->c, sql);
        s = PQresultStatus(res);
    }
    int rc = 0;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK && s != PGRES_EMPTY_QUERY) {
        rc = result_error(pc, res, e);
        note_failure(pc, before);
    } else if (is_word(sql, "COMMIT") && !strcmp(PQcmdStatus(res), "ROLLBACK")) {
        /* COMMIT of a transaction that an earlier error aborted rolls back. */
        rc = xerr_set(e, 500, "db_error", "%s", "transaction aborted by an earlier error; rolled back");
    }
    PQclear(res);
    return rc;
}

static int pg_lock_chain(void *conn, xerr *e) {
    pg_conn *pc = conn;
    if (ensure_conn(pc, 0, e)) return -1;
    if (PQtransactionStatus(pc->c) == PQTRANS_IDLE)
        return xerr_set(e, 500, "db_error", "%s", "audit chain lock taken outside a transaction");
    char sql[64];
    snprintf(sql, sizeof sql, "SELECT pg_advisory_xact_lock(%d)", CHAIN_LOCK_KEY);
    return pg_exec(conn, sql, e);
}

/* ---- statements ---- */

/* Prepare st->sql on the server under a fresh name and learn its parameter count. */
static int server_prepare(pg_conn *pc, db_stmt *st, pg_stmt *ps, xerr *e) {
    snprintf(ps->name, sizeof ps->name, "s%lu", ++pc->next_name);
    PGTransactionStatusType before = PQtransactionStatus(pc->c);
    PGresult *res = PQprepare(pc->c, ps->name, st->sql, 0, NULL);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok) result_error(pc, res, e);
    PQclear(res);
    if (ok) {
        res = PQdescribePrepared(pc->c, ps->name);
        ok = PQresultStatus(res) == PGRES_COMMAND_OK;
        if (ok) ps->nparams = PQnparams(res);
        else result_error(pc, res, e);
        PQclear(res);
    }
    if (ok && ps->nparams > DB_MAX_PARAMS) {
        ok = 0;
        xerr_set(e, 500, "db_error", "more than %d parameters", DB_MAX_PARAMS);
    }
    if (!ok) {
        note_failure(pc, before);
        return -1;
    }
    ps->gen = pc->gen;
    return 0;
}

static int pg_prepare(void *conn, db_stmt *st, xerr *e) {
    pg_conn *pc = conn;
    if (ensure_conn(pc, 0, e)) return -1;
    pg_stmt *ps = xcalloc(1, sizeof *ps);
    ps->row = -1;
    if (server_prepare(pc, st, ps, e)) {
        free(ps);
        return -1;
    }
    st->impl = ps;
    return 0;
}

static void pg_reset(void *conn, db_stmt *st) {
    (void)conn;
    pg_stmt *ps = st->impl;
    if (!ps) return;
    PQclear(ps->res);
    ps->res = NULL;
    ps->row = -1;
    ps->nrows = 0;
}

static void pg_finalize(void *conn, db_stmt *st) {
    pg_reset(conn, st);
    free(st->impl);
    st->impl = NULL;
}

/* Rows changed, from the command tag, for INSERT/UPDATE/DELETE/MERGE only. */
static int64_t dml_changes(const PGresult *res) {
    const char *tag = PQcmdStatus((PGresult *)res);
    if (strncmp(tag, "INSERT", 6) && strncmp(tag, "UPDATE", 6) &&
        strncmp(tag, "DELETE", 6) && strncmp(tag, "MERGE", 5))
        return 0;
    const char *n = PQcmdTuples((PGresult *)res);
    return *n ? strtoll(n, NULL, 10) : 0;
}

/* Bind st->params as text and run the statement. */
static int execute(pg_conn *pc, db_stmt *st, pg_stmt *ps, xerr *e) {
    /* Parameters the SQL does not use are ignored and those left unbound are
    ** NULL, as on SQLite. */
    const char *vals[DB_MAX_PARAMS + 1] = { 0 };
    char num[DB_MAX_PARAMS + 1][32];
    int n = st->nparams < ps->nparams ? st->nparams : ps->nparams;
    for (int i = 1; i <= n; i++) {
        const db_value *v = &st->params[i];
        if (v->type == DBV_INT) {
            snprintf(num[i], sizeof num[i], "%" PRId64, v->i);
            vals[i] = num[i];
        } else if (v->type == DBV_DOUBLE) {
            snprintf(num[i], sizeof num[i], "%.17g", v->d);
            vals[i] = num[i];
        } else if (v->type == DBV_TEXT) {
            vals[i] = v->s;
        }
    }
    PGTransactionStatusType before = PQtransactionStatus(pc->c);
    ps->res = PQexecPrepared(pc->c, ps->name, ps->nparams, vals + 1, NULL, NULL, 0);
    ExecStatusType s = PQresultStatus(ps->res);
    if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
        result_error(pc, ps->res, e);
        note_failure(pc, before);
        PQclear(ps->res);
        ps->res = NULL;
        return -1;
    }
    ps->changes = dml_changes(ps->res);
    ps->nrows = s == PGRES_TUPLES_OK ? PQntuples(ps->res) : 0;
    ps->row = 0;
    return 0;
}

static int pg_step(void *conn, db_stmt *st, xerr *e) {
    pg_conn *pc = conn;
    pg_stmt *ps = st->impl;
    if (st->started) {
        if (!ps->res) return 0;
        if (ps->row < ps->nrows) ps->row++;
        return ps->row < ps->nrows ? 1 : 0;
    }
    pg_reset(conn, st);
    if (ensure_conn(pc, 0, e)) return -1;
    if (ps->gen != pc->gen && server_prepare(pc, st, ps, e)) return -1;
    if (execute(pc, st, ps, e)) return -1;
    return ps->row < ps->nrows ? 1 : 0;
}

/* ---- columns ---- */

static int has_cell(const pg_stmt *ps, int col) {
    return ps && ps->res && ps->row >= 0 && ps->row < ps->nrows &&
           col >= 0 && col < PQnfields(ps->res);
}

static int pg_col_count(db_stmt *st) {
    pg_stmt *ps = st->impl;
    return ps && ps->res ? PQnfields(ps->res) : 0;
}

static int pg_col_isnull(db_stmt *st, int col) {
    pg_stmt *ps = st->impl;
    return !has_cell(ps, col) || PQgetisnull(ps->res, ps->row, col);
}

static const char *pg_col_text(db_stmt *st, int col) {
    pg_stmt *ps = st->impl;
    if (pg_col_isnull(st, col)) return NULL;
    const char *v = PQgetvalue(ps->res, ps->row, col);
    if (PQftype(ps->res, col) == BOOLOID) return *v == 't' ? "1" : "0";
    return v;
}

static const char *pg_col_name(db_stmt *st, int col) {
    pg_stmt *ps = st->impl;
    if (!ps || !ps->res || col < 0 || col >= PQnfields(ps->res)) return NULL;
    return PQfname(ps->res, col);
}

static int64_t pg_changes(void *conn, db_stmt *st) {
    (void)conn;
    pg_stmt *ps = st->impl;
    return ps ? ps->changes : 0;
}

const db_backend db_pg_backend = {
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .exec = pg_exec,
    .prepare = pg_prepare,
    .finalize = pg_finalize,
    .step = pg_step,
    .reset = pg_reset,
    .col_count = pg_col_count,
    .col_isnull = pg_col_isnull,
    .col_text = pg_col_text,
    .col_name = pg_col_name,
    .changes = pg_changes,
    .begin_sql = "BEGIN",
    .lock_chain = pg_lock_chain,
};
