/* table_out.c: export rows as CSV or XLSX (see table_out.h). */
#include "io/table_out.h"
#include "io/csv.h"

#include <string.h>

int table_open(table_out *t, int xlsx, const xlsx_col *cols, int ncols, xerr *e) {
    memset(t, 0, sizeof *t);
    t->xlsx = xlsx;
    t->cols = cols;
    t->ncols = ncols;
    if (xlsx) {
        t->w = xlsx_writer_new(e);
        return t->w ? 0 : -1;
    }
    strbuf_addstr(&t->csv, "\xEF\xBB\xBF");   /* Excel then reads UTF-8 */
    for (int c = 0; c < ncols; c++) {
        if (c) csv_sep(&t->csv);
        csv_put(&t->csv, cols[c].title, 0);
    }
    csv_eol(&t->csv);
    return 0;
}

int table_sheet(table_out *t, const char *name, xerr *e) {
    return t->xlsx ? xlsx_sheet(t->w, name, t->cols, t->ncols, e) : 0;
}

int table_row(table_out *t, const char *const *values, xerr *e) {
    if (t->rows >= XLSX_MAX_ROWS - 1) return xerr_set(e, 400, "export_too_large", "%d", XLSX_MAX_ROWS - 1);
    t->rows++;
    if (t->xlsx) return xlsx_row(t->w, values, e);
    for (int c = 0; c < t->ncols; c++) {
        if (c) csv_sep(&t->csv);
        csv_put(&t->csv, values[c] ? values[c] : "", t->cols[c].kind != XLSX_NUMBER);
    }
    csv_eol(&t->csv);
    return 0;
}

int table_finish(table_out *t, strbuf *out, xerr *e) {
    if (!t->xlsx) {
        strbuf_add(out, t->csv.buf, t->csv.len);
        return 0;
    }
    xlsx_writer *w = t->w;
    t->w = NULL;
    return xlsx_finish(w, out, e);
}

void table_free(table_out *t) {
    strbuf_release(&t->csv);
    xlsx_writer_free(t->w);
    t->w = NULL;
}
