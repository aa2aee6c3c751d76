/*
** db.h: the one data-access interface of xiangcun, with two back ends:
** SQLite (db/sqlite.c, the embedded default) and PostgreSQL (db/pg.c).
**
** Rules every caller follows:
**  - SQL is written once, in the dialect both back ends accept, with
**    positional parameters $1, $2, ... bound through db_bind_*(). No SQL is
**    ever assembled from user input.
**  - A connection belongs to one thread. db_thread() gives the calling thread
**    its own connection (opened on first use from the URL set by db_configure()).
**  - db_prepare() returns a statement cached on the connection (prepared once,
**    reused); every db_prepare() is paired with db_done(), on every path, which
**    resets it and clears its bindings so no reader pins an old snapshot.
**  - Writes happen inside db_begin()/db_commit(): on SQLite that is
**    BEGIN IMMEDIATE (a deferred transaction that upgrades gets SQLITE_BUSY
**    despite the busy timeout).
**  - Values are text, 64-bit integers, doubles or NULL. Booleans are 0/1 and
**    times are Unix seconds, identically on both back ends.
**
** Errors: constraint violations map to xerr status 409 code "conflict"
** (unique) or 400 "constraint_failed"; a locked database to 503 "busy";
** anything else to 500 "db_error".
*/
#ifndef XC_DB_H
#define XC_DB_H

#include <stdint.h>
#include "core/xerr.h"

typedef enum { DB_SQLITE = 1, DB_POSTGRES = 2 } db_kind;

typedef struct db db;
typedef struct db_stmt db_stmt;

#define DB_MAX_PARAMS 32

/* Set the URL that db_thread() opens: "sqlite:PATH" or "postgresql://..."
** (also "postgres://..."). Returns -1 on an unknown scheme. */
int db_configure(const char *url, xerr *e);
const char *db_url(void);

/* The calling thread's connection, opened on first use; NULL with *e set on failure. */
db *db_thread(xerr *e);
/* Close every connection db_thread() opened, in any thread. Only when no
** thread uses them any more (after the HTTP server stopped). */
void db_close_all(void);

/* Open/close a standalone connection (CLI commands, tests). */
db *db_open(const char *url, xerr *e);
void db_close(db *d);
db_kind db_kind_of(const db *d);

/* Run a parameterless SQL script (may hold several statements). */
int db_exec(db *d, const char *sql, xerr *e);

/* A cached prepared statement for this SQL text; pair with db_done(). */
db_stmt *db_prepare(db *d, const char *sql, xerr *e);
/* Parameter indexes are 1-based, as in the SQL ($1 is index 1). */
void db_bind_int(db_stmt *st, int idx, int64_t v);
void db_bind_double(db_stmt *st, int idx, double v);
void db_bind_text(db_stmt *st, int idx, const char *v);  /* NULL binds NULL; copied */
void db_bind_null(db_stmt *st, int idx);
/* Step: 1 = a row is available, 0 = done, -1 = error (in *e). */
int db_step(db_stmt *st, xerr *e);
/* Columns of the current row, 0-based. Text stays valid until the next step/done. */
int db_col_count(db_stmt *st);
int db_col_isnull(db_stmt *st, int col);
int64_t db_col_int(db_stmt *st, int col);
double db_col_double(db_stmt *st, int col);
const char *db_col_text(db_stmt *st, int col);      /* NULL when SQL NULL */
const char *db_col_name(db_stmt *st, int col);
/* Rows changed by the last completed INSERT/UPDATE/DELETE on this statement. */
int64_t db_changes(db_stmt *st);
/* Reset the statement and clear its bindings; NULL is allowed. */
void db_done(db_stmt *st);

/* Step a bound INSERT, UPDATE or DELETE (without RETURNING) to completion
** and release it (db_done). Returns the rows changed, or -1 with *e. */
int64_t db_run(db_stmt *st, xerr *e);
/* Run a statement whose only parameter $1 is an id, to completion.
** Returns the rows changed, or -1 with *e. */
int64_t db_run_id(db *d, const char *sql, int64_t id, xerr *e);

/* Transactions. */
int db_begin(db *d, xerr *e);
int db_commit(db *d, xerr *e);
void db_rollback(db *d);
int db_in_tx(const db *d);

/* Serialise appends to the audit chain inside the current transaction.
** SQLite's write transaction already does; PostgreSQL takes an advisory lock. */
int db_lock_chain(db *d, xerr *e);

/* Total wall time spent inside the database, in nanoseconds, all threads. */
uint64_t db_time_ns(void);
/* Number of database calls made, all threads (for fault injection and metrics). */
uint64_t db_calls(void);

#endif
