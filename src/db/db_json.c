/* db_json.c: result columns as JSON values (db_json.h). */
#include "db/db_json.h"

json_t *db_col_json(db_stmt *st, int col, char type) {
    if (db_col_isnull(st, col)) return json_null();
    json_t *v;
    switch (type) {
    case 'i': v = json_integer((json_int_t)db_col_int(st, col)); break;
    case 'r': v = json_real(db_col_double(st, col)); break;
    case 'b': v = json_boolean(db_col_int(st, col) != 0); break;
    case 'j': v = json_loads(db_col_text(st, col), JSON_DECODE_ANY, NULL); break;
    default: v = json_string(db_col_text(st, col)); break;
    }
    return v ? v : json_null();
}

json_t *db_row_json(db_stmt *st, const char *types) {
    json_t *o = json_object();
    for (int c = 0; types[c]; c++) json_object_set_new(o, db_col_name(st, c), db_col_json(st, c, types[c]));
    return o;
}

json_t *db_typed_row(db_stmt *st, const void *types) { return db_row_json(st, types); }

json_t *db_rows(db_stmt *st, db_row_fn row, const void *ctx, xerr *e) {
    json_t *items = json_array();
    int rc;
    while ((rc = db_step(st, e)) == 1) {
        json_t *j = row(st, ctx);
        if (!j) {
            rc = xerr_set(e, 500, "internal", "%s", "row");
            break;
        }
        json_array_append_new(items, j);
    }
    db_done(st);
    if (rc < 0) {
        json_decref(items);
        return NULL;
    }
    return items;
}

json_t *db_rows_json(db *d, const char *sql, int64_t id, const char *types, xerr *e) {
    db_stmt *st = db_prepare(d, sql, e);
    if (!st) return NULL;
    db_bind_int(st, 1, id);
    return db_rows(st, db_typed_row, types, e);
}
