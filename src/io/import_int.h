/*
** import_int.h: what import.c (the file, its columns and coded values) and
** import_plan.c (validation and writes) share. Not for other callers.
*/
#ifndef XC_IMPORT_INT_H
#define XC_IMPORT_INT_H

#include "io/import.h"

#define IMPORT_FILE_COLS 256   /* columns of the file looked at (CSV and XLSX limits) */

struct import_sheet {
    strbuf arena;              /* trimmed cell texts, NUL-terminated; offset 0 is "" */
    uint32_t *cells;           /* rows x IC_COUNT offsets into arena */
    int *lines;                /* each row's line (CSV) or row number (XLSX) */
    int64_t n, alloc;
    int have_header;
    int colmap[IMPORT_FILE_COLS];   /* file column -> IC_*, -1 when not ours */
};

static inline const char *sheet_cell(const import_sheet *s, int64_t row, int col) {
    return s->arena.buf + s->cells[row * IC_COUNT + col];
}

/* The code a coded column's value stands for (labels in either language,
** the code itself, aliases), NULL when it is none of them. */
const char *import_match(int col, const char *value);

#endif
