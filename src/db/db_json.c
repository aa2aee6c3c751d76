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
