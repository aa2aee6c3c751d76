/*
** fuzz_csv: the RFC 4180 reader (io/csv.c) and the household import's file
** side (io/import.c) on arbitrary bytes. Each record must respect the field
** limits with non-decreasing line numbers; a record written back with
** csv_put() must read back as the same fields; import_parse() must answer
** with rows or a 400 whose code the error catalogue renders.
*/
#include "http/errors.h"
#include "io/csv.h"
#include "io/import.h"
#include "fuzz_util.h"

/* Every error is a 400 with a code that renders as an error body. */
static void check_err(const xerr *e) {
    FUZZ_CHECK(e->status == 400);
    FUZZ_CHECK(e->code != NULL);
    json_t *body = error_body(e, "zh");
    FUZZ_CHECK(body != NULL);
    json_decref(body);
}

/* Write the row back and read it again: the same fields. */
static void round_trip(const csv_row *row) {
    strbuf sb = STRBUF_INIT;
    strbuf_addstr(&sb, "\xEF\xBB\xBF");   /* skipped: a field may itself start with a BOM */
    for (int i = 0; i < row->n; i++) {
        if (i) csv_sep(&sb);
        csv_put(&sb, row->field[i], 0);
    }
    csv_eol(&sb);
    csv_reader r;
    csv_row back = {0};
    xerr e = {0};
    FUZZ_CHECK(csv_open(&r, sb.buf, sb.len, &e) == 0);
    if (row->n == 1 && !row->field[0][0]) {
        FUZZ_CHECK(csv_next(&r, &back, &e) == 1 && back.n == 1 && !back.field[0][0]);
    } else {
        FUZZ_CHECK(csv_next(&r, &back, &e) == 1);
        FUZZ_CHECK(back.n == row->n);
        for (int i = 0; i < row->n; i++) FUZZ_CHECK(!strcmp(back.field[i], row->field[i]));
    }
    FUZZ_CHECK(csv_next(&r, &back, &e) == 0);
    csv_row_release(&back);
    strbuf_release(&sb);
}

static void read_all(const char *data, size_t size) {
    csv_reader r;
    csv_row row = {0};
    xerr e = {0};
    if (csv_open(&r, data, size, &e)) {
        check_err(&e);
        FUZZ_CHECK(!csv_utf8_valid(data, size) || (size >= 3 && !csv_utf8_valid(data + 3, size - 3)));
        return;
    }
    int rc, last = 0;
    while ((rc = csv_next(&r, &row, &e)) == 1) {
        FUZZ_CHECK(row.n >= 1 && row.n <= CSV_MAX_FIELDS);
        FUZZ_CHECK(row.line > last);
        last = row.line;
        for (int i = 0; i < row.n; i++) FUZZ_CHECK(strlen(row.field[i]) <= CSV_MAX_FIELD);
        round_trip(&row);
    }
    if (rc < 0) check_err(&e);
    csv_row_release(&row);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    read_all((const char *)data, size);
    xerr e = {0};
    import_sheet *s = import_parse((const char *)data, size, 0, &e);
    if (s) FUZZ_CHECK(import_rows(s) >= 1);
    else check_err(&e);
    import_sheet_free(s);
    return 0;
}
