/*
** csv.h: reading and writing RFC 4180 CSV (comma-separated, fields quoted
** with '"' and '""' inside quotes, quoted fields may hold commas and line
** breaks, records end with CRLF or LF). Used by the household import
** (io/import.c), the ledger export and the import reports.
**
** The reader works on a buffer in memory, skips a UTF-8 byte-order mark (Excel
** writes one with "CSV UTF-8"), refuses text that is not UTF-8 (GBK files from
** older Excel versions: the caller asks for UTF-8 or XLSX instead) and NUL
** bytes, and enforces limits on the number of fields and their length so a
** hostile file cannot make it allocate without bound.
*/
#ifndef XC_CSV_H
#define XC_CSV_H

#include <stddef.h>
#include "core/strbuf.h"
#include "core/xerr.h"

#define CSV_MAX_FIELDS 256          /* fields in one record */
#define CSV_MAX_FIELD (64 * 1024)   /* bytes in one field */

typedef struct csv_reader {
    const char *p, *end;
    int line;                       /* physical line (1-based) where the next record starts */
} csv_reader;

typedef struct csv_row {
    int line;                       /* physical line where this record started */
    int n;                          /* fields in the record (a blank line has one empty field) */
    const char *field[CSV_MAX_FIELDS];
    strbuf buf;                     /* the fields' bytes, NUL-separated */
    size_t off[CSV_MAX_FIELDS];
} csv_row;

/* Start reading data[0..len). Returns -1 with 400 "import_not_utf8" when the
** text (after a BOM) is not well-formed UTF-8 or holds a NUL byte. */
int csv_open(csv_reader *r, const char *data, size_t len, xerr *e);
/* The next record into row: 1 when one was read, 0 at the end of the input,
** -1 with 400 "import_bad_csv" (detail "line N") on a malformed record (an
** unterminated quote, text after a closing quote, too many or too long fields). */
int csv_next(csv_reader *r, csv_row *row, xerr *e);
void csv_row_release(csv_row *row);

/* Whether data[0..len) is well-formed UTF-8 without NUL bytes. */
int csv_utf8_valid(const char *data, size_t len);

/* Append one field, quoted when it holds a comma, quote, CR or LF or starts
** or ends with a space. With `safe`, a field starting with =, +, -, @, TAB or
** CR gets a leading apostrophe so spreadsheets do not run it as a formula. */
void csv_put(strbuf *out, const char *s, int safe);
/* Separators: a comma between fields, CRLF after the last one. */
void csv_sep(strbuf *out);
void csv_eol(strbuf *out);

#endif
