/*
** db_json.h: columns of a result row (db.h) as JSON values, for the handlers
** and models that answer with rows. One place decides how a NULL column and
** each kind of value look in an answer.
*/
#ifndef XC_DB_JSON_H
#define XC_DB_JSON_H

#include <jansson.h>
#include "db/db.h"

/* Column col of st's current row as JSON (a new reference) of kind type:
** 'i' integer, 'r' real, 'b' boolean, 's' text, 'j' JSON text (null when it
** does not parse); null when the column is NULL. */
json_t *db_col_json(db_stmt *st, int col, char type);

/* The current row as an object keyed by column name (name the columns with AS
** in the SQL), one db_col_json() type letter per column in types. */
json_t *db_row_json(db_stmt *st, const char *types);

/* Makes the current row of st JSON (a new reference); ctx is the caller's. */
typedef json_t *(*db_row_fn)(db_stmt *st, const void *ctx);
/* A db_row_fn reading the row with db_row_json: ctx is the string of types. */
json_t *db_typed_row(db_stmt *st, const void *types);

/* Every row of the bound statement st through row, as an array; then
** db_done(st). NULL on error, with *e (500 "internal" when row gives NULL). */
json_t *db_rows(db_stmt *st, db_row_fn row, const void *ctx, xerr *e);

/* Every row of sql, which takes one integer parameter ($1 = id), as an array
** of db_row_json() objects; NULL with *e when the query fails. */
json_t *db_rows_json(db *d, const char *sql, int64_t id, const char *types, xerr *e);

#endif
