/*
** db_backend.h: what a storage back end implements for db.c.
**
** db.c keeps the public interface, the per-connection statement cache, the
** bound parameter values and the timing counters; a back end only talks to its
** database. Parameters reach the back end already collected in st->params.
*/
#ifndef XC_DB_BACKEND_H
#define XC_DB_BACKEND_H

#include "db/db.h"

typedef enum { DBV_NULL = 0, DBV_INT, DBV_DOUBLE, DBV_TEXT } db_vtype;

typedef struct db_value {
    db_vtype type;
    int64_t i;
    double d;
    char *s;            /* owned copy for DBV_TEXT */
} db_value;

struct db_stmt {
    db *d;
    char *sql;                  /* owned copy, cache key */
    void *impl;                 /* back-end statement */
    int nparams;                /* highest index bound */
    db_value params[DB_MAX_PARAMS + 1];   /* 1-based */
    int started;                /* step() already ran the statement */
    struct db_stmt *next;       /* cache chain */
};

typedef struct db_backend {
    const char *name;
    /* Open a connection; return back-end handle or NULL with *e. */
    void *(*open)(const char *url, xerr *e);
    void (*close)(void *conn);
    int (*exec)(void *conn, const char *sql, xerr *e);
    /* Prepare sql; store the handle in st->impl. */
    int (*prepare)(void *conn, db_stmt *st, xerr *e);
    /* Free st->impl. */
    void (*finalize)(void *conn, db_stmt *st);
    /* First call (st->started == 0) binds st->params and executes; later calls
    ** advance. 1 = row, 0 = done, -1 = error. */
    int (*step)(void *conn, db_stmt *st, xerr *e);
    void (*reset)(void *conn, db_stmt *st);
    int (*col_count)(db_stmt *st);
    int (*col_isnull)(db_stmt *st, int col);
    const char *(*col_text)(db_stmt *st, int col);
    const char *(*col_name)(db_stmt *st, int col);
    int64_t (*changes)(void *conn, db_stmt *st);
    const char *begin_sql;     /* "BEGIN IMMEDIATE" or "BEGIN" */
    int one_writer;            /* the database takes one writer at a time: queue them in-process */
    int (*lock_chain)(void *conn, xerr *e);
} db_backend;

extern const db_backend db_sqlite_backend;
extern const db_backend db_pg_backend;

#endif
