/*
** table_out.h: the rows of an export (a ledger, an evaluation) written as CSV
** or as an XLSX workbook through one interface, so every export has the same
** conventions: CSV in UTF-8 with a byte-order mark (Excel then reads it),
** formula-like text neutralised, a header row; XLSX through xlsx_write.h, on
** one sheet or several (table_sheet starts the next one, e.g. a sheet per
** month). Either way at most XLSX_MAX_ROWS - 1 data rows in all: more is 400
** "export_too_large" (the CSV is built in memory, so it shares the bound).
*/
#ifndef XC_TABLE_OUT_H
#define XC_TABLE_OUT_H

#include <stdint.h>
#include "io/xlsx_write.h"

typedef struct table_out {
    int xlsx;
    const xlsx_col *cols;    /* borrowed: must outlive the table */
    int ncols;
    strbuf csv;
    xlsx_writer *w;
    int64_t rows;            /* data rows written so far, all sheets */
} table_out;

/* Start a CSV (with its header row) or a workbook (no sheet yet). */
int table_open(table_out *t, int xlsx, const xlsx_col *cols, int ncols, xerr *e);
/* XLSX: add sheet `name` with the header row; rows go there from now on.
** CSV: nothing (one table). */
int table_sheet(table_out *t, const char *name, xerr *e);
/* Append a row of ncols values (NULL or "" = empty). */
int table_row(table_out *t, const char *const *values, xerr *e);
/* Move the finished file into out (XLSX: closes the workbook). */
int table_finish(table_out *t, strbuf *out, xerr *e);
/* Release whatever is left (after table_finish or an error). */
void table_free(table_out *t);

#endif
