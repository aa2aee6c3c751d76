/*
** xlsx_write.h: writing simple tabular workbooks (the household ledger 台账
** and the import template) with libxlsxwriter. Each sheet gets a bold header
** row, frozen panes below it, column widths and, for columns of identifiers
** (ID numbers, phones, division codes), the text format "@" so Excel never
** turns 18 digits into 5.1E+17. Values are strings; columns marked numeric
** store values that parse as numbers as numbers.
**
** libxlsxwriter writes files, so the workbook is built in a temporary file
** (constant-memory mode: rows go to disk as they come) that is read back into
** memory and removed.
*/
#ifndef XC_XLSX_WRITE_H
#define XC_XLSX_WRITE_H

#include "core/strbuf.h"
#include "core/xerr.h"

#define XLSX_MAX_ROWS 1048576   /* Excel's limit, header included */

typedef struct xlsx_col {
    const char *title;
    double width;       /* in characters (a CJK character counts about 2) */
    int kind;           /* XLSX_TEXT, XLSX_ID (text format "@") or XLSX_NUMBER */
} xlsx_col;

enum { XLSX_TEXT = 0, XLSX_ID = 1, XLSX_NUMBER = 2 };

typedef struct xlsx_writer xlsx_writer;

/* A new workbook; NULL with 500 "export_failed" when no temporary file can be made. */
xlsx_writer *xlsx_writer_new(xerr *e);
/* Add a sheet with its header row and make it the one rows go to. */
int xlsx_sheet(xlsx_writer *w, const char *name, const xlsx_col *cols, int ncols, xerr *e);
/* Append a row of ncols values (NULL = empty) to the current sheet. Past
** Excel's row limit: 400 "export_too_large". */
int xlsx_row(xlsx_writer *w, const char *const *values, xerr *e);
/* Close the workbook and move its bytes into out; frees w whatever happens. */
int xlsx_finish(xlsx_writer *w, strbuf *out, xerr *e);
/* Abandon a workbook (after an error); NULL is allowed. */
void xlsx_writer_free(xlsx_writer *w);

#endif
