/*
** xlsx_read.h: reading the first worksheet of an Office Open XML workbook
** (.xlsx, as Excel, WPS and LibreOffice save it) row by row, for the household
** import. An .xlsx is a zip (libzip) of XML parts (expat, streamed):
** xl/workbook.xml names the sheets in order, xl/_rels/workbook.xml.rels maps
** the first one to its part (usually xl/worksheets/sheet1.xml), and
** xl/sharedStrings.xml holds the text that cells of type "s" point at.
**
** Cells come out as text: shared and inline strings as written, numbers as
** the digits stored in the file (a date is a serial number of days), booleans
** as TRUE/FALSE. Cells are placed by their "r" reference ("C7"), so empty
** cells that the file leaves out come out as "". Only cells with a value
** count; a row with no values is not reported.
**
** Zip bombs and hostile XML are refused: every part is decompressed in a
** stream with a hard limit on its real size (not the size the zip claims)
** and on its ratio to the upload; DOCTYPE declarations (entity expansion) are
** refused; columns past XLSX_MAX_COLS are ignored; cell text is bounded.
*/
#ifndef XC_XLSX_READ_H
#define XC_XLSX_READ_H

#include <stddef.h>
#include "core/xerr.h"

#define XLSX_MAX_COLS 256                 /* columns read per row (A..IV) */
#define XLSX_MAX_PART (256u << 20)        /* bytes of one decompressed XML part */
#define XLSX_MIN_PART (16u << 20)         /* a part may always reach this size ... */
#define XLSX_MAX_RATIO 100u               /* ... and beyond it at most 100 x the upload */
#define XLSX_MAX_CELL (64 * 1024)         /* bytes of text in one cell */
#define XLSX_MAX_STRINGS (4u << 20)       /* entries in the shared-string table */
#define XLSX_MAX_ENTRIES 10000            /* files in the zip */

/* Called for each row that has at least one value: row is the sheet's row
** number (1-based, as Excel shows it), cells[0..ncells) the text of columns
** A, B, ... ("" when empty). Return 0 to go on, -1 (with *e) to stop. */
typedef int (*xlsx_row_fn)(void *ctx, int row, int ncells, const char *const *cells, xerr *e);

/* Read the first worksheet of the workbook in data[0..len). Returns 0, or -1
** with *e: 400 "import_not_xlsx" (not a zip, or a zip without a workbook),
** 400 "import_bad_xlsx" (a damaged part or XML; detail names it), 400
** "import_too_large" (a part decompresses past the limits), or the callback's
** error. */
int xlsx_read(const void *data, size_t len, xlsx_row_fn fn, void *ctx, xerr *e);

#endif
