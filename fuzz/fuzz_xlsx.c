/*
** fuzz_xlsx: the .xlsx reader (io/xlsx_read.c) and the import's header
** matching (io/import.c) on arbitrary bytes, mostly damaged zips and XML.
** Rows must come with at most XLSX_MAX_COLS cells of bounded, NUL-terminated
** text and increasing row numbers only as the file gives them; every failure
** must be a 400 the error catalogue renders. libFuzzer's -rss_limit_mb
** catches a zip bomb that gets past the limits.
*/
#include "http/errors.h"
#include "io/import.h"
#include "io/xlsx_read.h"
#include "fuzz_util.h"

static void check_err(const xerr *e) {
    FUZZ_CHECK(e->status == 400);
    FUZZ_CHECK(e->code != NULL);
    json_t *body = error_body(e, "en");
    FUZZ_CHECK(body != NULL);
    json_decref(body);
}

static int on_row(void *ctx, int row, int ncells, const char *const *cells, xerr *e) {
    (void)e;
    int *rows = ctx;
    FUZZ_CHECK(row >= 1);
    FUZZ_CHECK(ncells >= 1 && ncells <= XLSX_MAX_COLS);
    int any = 0;
    for (int i = 0; i < ncells; i++) {
        FUZZ_CHECK(cells[i] != NULL);
        FUZZ_CHECK(strlen(cells[i]) <= XLSX_MAX_CELL);
        any |= cells[i][0] != 0;
    }
    FUZZ_CHECK(any);   /* rows without values are not reported */
    (*rows)++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    int rows = 0;
    xerr e = {0};
    if (xlsx_read(data, size, on_row, &rows, &e)) check_err(&e);
    xerr e2 = {0};
    import_sheet *s = import_parse((const char *)data, size, 1, &e2);
    if (s) FUZZ_CHECK(import_rows(s) >= 1 && import_rows(s) <= rows);
    else check_err(&e2);
    import_sheet_free(s);
    return 0;
}
