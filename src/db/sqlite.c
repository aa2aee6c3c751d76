/*
** sqlite.c: the SQLite back end of the data-access interface (db_backend.h).
**
** Each connection is tuned for a server that promises durability: WAL so
** readers never block the writer, synchronous=FULL so a commit acknowledged
** with 2xx survives a power cut, foreign keys and secure_delete on, and a busy
** timeout so concurrent writers queue instead of failing.
*/
#include "db/db_backend.h"
#include "core/strbuf.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUSY_TIMEOUT_MS 10000

static int fail(sqlite3 *h, int rc, xerr *e) {
    int base = rc & 0xff;
    const char *msg = h ? sqlite3_errmsg(h) : sqlite3_errstr(rc);
    if (base == SQLITE_CONSTRAINT) {
        int ext = h ? sqlite3_extended_errcode(h) : rc;
        if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
            return xerr_set(e, 409, "conflict", "%s", msg);
        return xerr_set(e, 400, "constraint_failed", "%s", msg);
    }
    if (base == SQLITE_BUSY || base == SQLITE_LOCKED)
        return xerr_set(e, 503, "busy", "%s", msg);
    /* Out of memory, possibly after a COMMIT took effect: the outcome is
    ** unknown, so stop like any other failed allocation (see strbuf.h). */
    if (base == SQLITE_NOMEM || (h && sqlite3_extended_errcode(h) == SQLITE_IOERR_NOMEM)) {
        fprintf(stderr, "xiangcun: SQLite out of memory\n");
        abort();
    }
    return xerr_set(e, 500, "db_error", "%s", msg);
}

static void *sq_open(const char *url, xerr *e) {
    const char *path = url + strlen("sqlite:");
    sqlite3 *h = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path, &h, flags, NULL);
    if (rc != SQLITE_OK) {
        fail(h, rc, e);
        sqlite3_close(h);
        return NULL;
    }
    sqlite3_busy_timeout(h, BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(h, 1);
    rc = sqlite3_exec(h,
                      "PRAGMA journal_mode=WAL;"
                      "PRAGMA synchronous=FULL;"
                      "PRAGMA foreign_keys=ON;"
                      "PRAGMA secure_delete=ON;"
                      "PRAGMA temp_store=MEMORY;",
                      NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        fail(h, rc, e);
        sqlite3_close(h);
        return NULL;
    }
    return h;
}

static void sq_close(void *conn) { sqlite3_close_v2(conn); }

static int sq_exec(void *conn, const char *sql, xerr *e) {
    int rc = sqlite3_exec(conn, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : fail(conn, rc, e);
}

static int sq_prepare(void *conn, db_stmt *st, xerr *e) {
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v3(conn, st->sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL);
    if (rc != SQLITE_OK) return fail(conn, rc, e);
    st->impl = s;
    return 0;
}

static void sq_finalize(void *conn, db_stmt *st) {
    (void)conn;
    sqlite3_finalize(st->impl);
}

/* SQL says $1, $2...: SQLite treats those as named parameters whose index is
** the order of first appearance, so look each one up by name. */
static int bind_all(sqlite3 *h, db_stmt *st, xerr *e) {
    sqlite3_stmt *s = st->impl;
    for (int i = 1; i <= st->nparams; i++) {
        char name[16];
        snprintf(name, sizeof name, "$%d", i);
        int idx = sqlite3_bind_parameter_index(s, name);
        if (!idx) continue;   /* bound but unused: harmless */
        const db_value *v = &st->params[i];
        int rc;
        switch (v->type) {
        case DBV_INT: rc = sqlite3_bind_int64(s, idx, v->i); break;
        case DBV_DOUBLE: rc = sqlite3_bind_double(s, idx, v->d); break;
        case DBV_TEXT: rc = sqlite3_bind_text(s, idx, v->s, -1, SQLITE_TRANSIENT); break;
        default: rc = sqlite3_bind_null(s, idx); break;
        }
        if (rc != SQLITE_OK) return fail(h, rc, e);
    }
    return 0;
}

static int sq_step(void *conn, db_stmt *st, xerr *e) {
    if (!st->started && bind_all(conn, st, e)) return -1;
    int rc = sqlite3_step(st->impl);
    if (rc == SQLITE_ROW) return 1;
    if (rc == SQLITE_DONE) return 0;
    fail(conn, rc, e);
    sqlite3_reset(st->impl);
    return -1;
}

static void sq_reset(void *conn, db_stmt *st) {
    (void)conn;
    sqlite3_reset(st->impl);
    sqlite3_clear_bindings(st->impl);
}

static int sq_col_count(db_stmt *st) { return sqlite3_column_count(st->impl); }

/* Stop like every other allocation failure (see strbuf.h). */
static void out_of_memory(void) {
    fprintf(stderr, "xiangcun: out of memory reading a column\n");
    abort();
}

/* A column that reads as NULL may be SQLite failing to allocate while
** fetching it (it then answers NULL and sets SQLITE_NOMEM): reading NULL
** instead would turn a session's last activity into 0 (expired, deleted)
** or a row just written into "not found". */
static void nomem_check(sqlite3_stmt *s) {
    if (sqlite3_errcode(sqlite3_db_handle(s)) == SQLITE_NOMEM) out_of_memory();
}

static int sq_col_isnull(db_stmt *st, int col) {
    int null = sqlite3_column_type(st->impl, col) == SQLITE_NULL;
    if (null) nomem_check(st->impl);
    return null;
}

static const char *sq_col_text(db_stmt *st, int col) {
    const char *s = (const char *)sqlite3_column_text(st->impl, col);
    if (!s) nomem_check(st->impl);
    /* NULL for a non-NULL value: SQLite ran out of memory converting it. */
    if (!s && sqlite3_column_type(st->impl, col) != SQLITE_NULL) out_of_memory();
    return s;
}

static const char *sq_col_name(db_stmt *st, int col) { return sqlite3_column_name(st->impl, col); }

/* sqlite3_changes64() counts the connection's last INSERT/UPDATE/DELETE; a
** SELECT changed nothing, whatever ran before it. */
static int64_t sq_changes(void *conn, db_stmt *st) {
    return sqlite3_stmt_readonly(st->impl) ? 0 : sqlite3_changes64(conn);
}

const db_backend db_sqlite_backend = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .exec = sq_exec,
    .prepare = sq_prepare,
    .finalize = sq_finalize,
    .step = sq_step,
    .reset = sq_reset,
    .col_count = sq_col_count,
    .col_isnull = sq_col_isnull,
    .col_text = sq_col_text,
    .col_name = sq_col_name,
    .changes = sq_changes,
    .begin_sql = "BEGIN IMMEDIATE",
    .one_writer = 1,
    .lock_chain = NULL,
};
