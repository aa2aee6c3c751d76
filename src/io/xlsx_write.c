/* xlsx_write.c: tabular workbooks through libxlsxwriter (see xlsx_write.h). */
#include "io/xlsx_write.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#define MAX_COLS 64

struct xlsx_writer {
    char path[512];
    lxw_workbook *wb;
    lxw_worksheet *ws;
    lxw_format *bold, *text;
    int ncols;
    int kind[MAX_COLS];
    lxw_row_t row;
};

static const char *tmp_dir(void) {
    const char *t = getenv("TMPDIR");
    return t && *t ? t : "/tmp";
}

xlsx_writer *xlsx_writer_new(xerr *e) {
    xlsx_writer *w = xcalloc(1, sizeof *w);
    snprintf(w->path, sizeof w->path, "%s/xiangcun-xlsx-XXXXXX", tmp_dir());
    int fd = mkstemp(w->path);
    if (fd < 0) {
        free(w);
        xerr_set(e, 500, "export_failed", "%s", "cannot create a temporary file");
        return NULL;
    }
    close(fd);
    lxw_workbook_options opt = {.constant_memory = 1, .tmpdir = (char *)tmp_dir(), .use_zip64 = 0};
    w->wb = workbook_new_opt(w->path, &opt);
    if (!w->wb) {
        xlsx_writer_free(w);
        xerr_set(e, 500, "export_failed", "%s", "cannot start the workbook");
        return NULL;
    }
    w->bold = workbook_add_format(w->wb);
    format_set_bold(w->bold);
    format_set_bg_color(w->bold, 0xDDEBF7);
    format_set_border(w->bold, LXW_BORDER_THIN);
    w->text = workbook_add_format(w->wb);
    format_set_num_format(w->text, "@");
    return w;
}

static int lxw_fail(lxw_error rc, xerr *e) {
    return xerr_set(e, 500, "export_failed", "%s", lxw_strerror(rc));
}

int xlsx_sheet(xlsx_writer *w, const char *name, const xlsx_col *cols, int ncols, xerr *e) {
    if (ncols > MAX_COLS) return xerr_set(e, 500, "export_failed", "%s", "too many columns");
    w->ws = workbook_add_worksheet(w->wb, name);
    if (!w->ws) return xerr_set(e, 500, "export_failed", "%s", "cannot add the sheet");
    w->ncols = ncols;
    w->row = 0;
    for (int c = 0; c < ncols; c++) {
        w->kind[c] = cols[c].kind;
        lxw_error rc = worksheet_set_column(w->ws, (lxw_col_t)c, (lxw_col_t)c, cols[c].width,
                                            cols[c].kind == XLSX_ID ? w->text : NULL);
        if (!rc) rc = worksheet_write_string(w->ws, 0, (lxw_col_t)c, cols[c].title, w->bold);
        if (rc) return lxw_fail(rc, e);
    }
    worksheet_freeze_panes(w->ws, 1, 0);
    w->row = 1;
    return 0;
}

/* A value a numeric column stores as a number: the whole text parses. */
static int as_number(const char *s, double *out) {
    char *end;
    if (!*s) return 0;
    *out = strtod(s, &end);
    return *end == 0;
}

int xlsx_row(xlsx_writer *w, const char *const *values, xerr *e) {
    if (w->row >= XLSX_MAX_ROWS) return xerr_set(e, 400, "export_too_large", "%d", XLSX_MAX_ROWS - 1);
    for (int c = 0; c < w->ncols; c++) {
        const char *v = values[c];
        double num;
        lxw_error rc = LXW_NO_ERROR;
        if (!v || !*v) continue;
        if (w->kind[c] == XLSX_NUMBER && as_number(v, &num))
            rc = worksheet_write_number(w->ws, w->row, (lxw_col_t)c, num, NULL);
        else
            rc = worksheet_write_string(w->ws, w->row, (lxw_col_t)c, v, w->kind[c] == XLSX_ID ? w->text : NULL);
        if (rc) return lxw_fail(rc, e);
    }
    w->row++;
    return 0;
}

static int slurp(const char *path, strbuf *out, xerr *e) {
    FILE *f = fopen(path, "rb");
    if (!f) return xerr_set(e, 500, "export_failed", "%s", "cannot read the workbook back");
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) strbuf_add(out, buf, n);
    int bad = ferror(f);
    fclose(f);
    return bad ? xerr_set(e, 500, "export_failed", "%s", "cannot read the workbook back") : 0;
}

int xlsx_finish(xlsx_writer *w, strbuf *out, xerr *e) {
    lxw_error rc = workbook_close(w->wb);
    w->wb = NULL;
    int ret = rc ? lxw_fail(rc, e) : slurp(w->path, out, e);
    xlsx_writer_free(w);
    return ret;
}

void xlsx_writer_free(xlsx_writer *w) {
    if (!w) return;
    if (w->wb) workbook_close(w->wb);   /* libxlsxwriter has no discard: close, then remove */
    unlink(w->path);
    free(w);
}
