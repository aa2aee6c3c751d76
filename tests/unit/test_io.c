/*
** test_io.c: unit tests of the file formats behind the household import and
** export: the RFC 4180 CSV reader and writer (io/csv.c), the .xlsx reader
** (io/xlsx_read.c: shared and inline strings, numbers, gaps, the first sheet
** found through the workbook, zip bombs, DOCTYPEs, files that are not
** workbooks) and the .xlsx writer (io/xlsx_write.c), read back by the reader.
*/
/* Project headers first: cmocka defines a fail() macro. */
#include "io/csv.h"
#include "io/xlsx_read.h"
#include "io/xlsx_write.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

/* ---- CSV --------------------------------------------------------------- */

/* Read all of text; the records joined as "line:f1|f2\n"; NULL result on error (code in *e). */
static char *csv_dump(const char *text, size_t len, xerr *e) {
    csv_reader r;
    csv_row row = {0};
    strbuf out = STRBUF_INIT;
    if (csv_open(&r, text, len, e)) return NULL;
    int rc;
    while ((rc = csv_next(&r, &row, e)) == 1) {
        strbuf_addf(&out, "%d:", row.line);
        for (int i = 0; i < row.n; i++) strbuf_addf(&out, "%s%s", i ? "|" : "", row.field[i]);
        strbuf_addch(&out, '\n');
    }
    csv_row_release(&row);
    if (rc < 0) {
        strbuf_release(&out);
        return NULL;
    }
    return strbuf_detach(&out);
}

static void expect_csv(const char *text, const char *want) {
    xerr e = {0};
    char *got = csv_dump(text, strlen(text), &e);
    if (!got) fprintf(stderr, "csv error %s: %s\n", e.code, e.detail);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void expect_csv_error(const char *text, size_t len, const char *code, const char *detail) {
    xerr e = {0};
    char *got = csv_dump(text, len, &e);
    assert_null(got);
    assert_int_equal(e.status, 400);
    assert_string_equal(e.code, code);
    if (detail) assert_non_null(strstr(e.detail, detail));
}

static void test_csv_read(void **state) {
    (void)state;
    expect_csv("a,b,c\r\n1,2,3\r\n", "1:a|b|c\n2:1|2|3\n");
    expect_csv("\xEF\xBB\xBF户编号,姓名\n1,张三", "1:户编号|姓名\n2:1|张三\n");
    /* quotes, commas, doubled quotes and line breaks inside a field; lines keep counting */
    expect_csv("x,\"a,b\",\"say \"\"hi\"\"\"\n\"two\r\nlines\",\"\"\nlast,1\n",
               "1:x|a,b|say \"hi\"\n2:two\r\nlines|\n4:last|1\n");
    expect_csv("a,\n,\n\nb", "1:a|\n2:|\n3:\n4:b\n");
    expect_csv("a\rb\r\n", "1:a\n2:b\n");
    expect_csv("", "");
    expect_csv("\"\"", "1:\n");
    expect_csv("a,b,", "1:a|b|\n");
    expect_csv("ab\"c,d\n", "1:ab\"c|d\n");   /* a quote inside an unquoted field is kept */
}

static void test_csv_errors(void **state) {
    (void)state;
    expect_csv_error("a,b\n\"open,c\n", 12, "import_bad_csv", "line 2");
    expect_csv_error("a\n\"x\"y,z\n", 9, "import_bad_csv", "line 2");
    expect_csv_error("\xBB\xA7\xB1\xE0\xBA\xC5,x\n", 9, "import_not_utf8", NULL);   /* GBK 户编号 */
    expect_csv_error("a,b\0c\n", 6, "import_not_utf8", NULL);
    expect_csv_error("\xED\xA0\x80\n", 4, "import_not_utf8", NULL);                   /* a surrogate */
    strbuf many = STRBUF_INIT;
    for (int i = 0; i <= CSV_MAX_FIELDS; i++) strbuf_addstr(&many, "x,");
    expect_csv_error(many.buf, many.len, "import_bad_csv", "too many fields");
    strbuf_reset(&many);
    strbuf_addch(&many, '"');
    for (int i = 0; i <= CSV_MAX_FIELD; i++) strbuf_addch(&many, 'y');
    strbuf_addch(&many, '"');
    expect_csv_error(many.buf, many.len, "import_bad_csv", "too long");
    strbuf_release(&many);
}

static void test_csv_write(void **state) {
    (void)state;
    const char *in[] = {"plain", "a,b", "say \"x\"", "two\nlines", " pad", "=1+2", "-3", "@cmd", "", "中文"};
    int n = (int)(sizeof in / sizeof in[0]);
    strbuf out = STRBUF_INIT;
    for (int i = 0; i < n; i++) {
        if (i) csv_sep(&out);
        csv_put(&out, in[i], 1);
    }
    csv_eol(&out);
    assert_string_equal(out.buf, "plain,\"a,b\",\"say \"\"x\"\"\",\"two\nlines\",\" pad\",\"'=1+2\",\"'-3\",\"'@cmd\",,中文\r\n");
    /* read back: the same values, formulas neutralised */
    csv_reader r;
    csv_row row = {0};
    xerr e = {0};
    assert_int_equal(csv_open(&r, out.buf, out.len, &e), 0);
    assert_int_equal(csv_next(&r, &row, &e), 1);
    assert_int_equal(row.n, n);
    for (int i = 0; i < n; i++) {
        if (i >= 5 && i <= 7) assert_string_equal(row.field[i] + 1, in[i]);
        else assert_string_equal(row.field[i], in[i]);
    }
    assert_int_equal(csv_next(&r, &row, &e), 0);
    csv_row_release(&row);
    strbuf_reset(&out);
    csv_put(&out, "-3", 0);   /* unsafe mode: numbers stay numbers */
    assert_string_equal(out.buf, "-3");
    strbuf_release(&out);
}

/* ---- XLSX ---------------------------------------------------------------- */

typedef struct part { const char *name, *xml; } part;

/* A zip of the given parts, in memory. */
static char *make_zip(const part *parts, int n, size_t *len) {
    char path[] = "/tmp/xc-test-zip-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    int err;
    zip_t *z = zip_open(path, ZIP_TRUNCATE, &err);
    assert_non_null(z);
    for (int i = 0; i < n; i++) {
        zip_source_t *s = zip_source_buffer(z, parts[i].xml, strlen(parts[i].xml), 0);
        assert_non_null(s);
        assert_true(zip_file_add(z, parts[i].name, s, ZIP_FL_OVERWRITE) >= 0);
    }
    assert_int_equal(zip_close(z), 0);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    strbuf sb = STRBUF_INIT;
    char buf[4096];
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, f)) > 0) strbuf_add(&sb, buf, k);
    fclose(f);
    unlink(path);
    *len = sb.len;
    return strbuf_detach(&sb);
}

static int dump_row(void *ctx, int row, int ncells, const char *const *cells, xerr *e) {
    (void)e;
    strbuf *out = ctx;
    strbuf_addf(out, "%d:", row);
    for (int i = 0; i < ncells; i++) strbuf_addf(out, "%s%s", i ? "|" : "", cells[i]);
    strbuf_addch(out, '\n');
    return 0;
}

static int stop_at_2(void *ctx, int row, int ncells, const char *const *cells, xerr *e) {
    (void)ctx, (void)ncells, (void)cells;
    return row == 2 ? xerr_set(e, 400, "callback_said_no", "%d", row) : 0;
}

/* Read a workbook; the rows dumped, or NULL with *e. */
static char *xlsx_dump(const char *data, size_t len, xerr *e) {
    strbuf out = STRBUF_INIT;
    if (xlsx_read(data, len, dump_row, &out, e)) {
        strbuf_release(&out);
        return NULL;
    }
    return strbuf_detach(&out);
}

#define WB "<?xml version=\"1.0\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"" \
           " xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets>"
#define RELS "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
#define SHEET(rows) "<?xml version=\"1.0\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">" \
                    "<sheetData>" rows "</sheetData></worksheet>"

static const char *const SST =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
    "<si><t>户编号</t></si><si><t xml:space=\"preserve\"> 姓名 </t></si>"
    "<si><r><rPr><b/></rPr><t>张</t></r><r><t>三</t></r><rPh sb=\"0\" eb=\"1\"><t>ZHANG</t></rPh></si>"
    "<si><t>a&amp;b&lt;c</t></si><si><t></t></si></sst>";

static void test_xlsx_read(void **state) {
    (void)state;
    part parts[] = {
        {"xl/workbook.xml", WB "<sheet name=\"台账\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"},
        {"xl/_rels/workbook.xml.rels", RELS "<Relationship Id=\"rId1\" Type=\"x\" Target=\"worksheets/sheet1.xml\"/></Relationships>"},
        {"xl/sharedStrings.xml", SST},
        {"xl/worksheets/sheet1.xml",
         SHEET("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"C1\" t=\"s\"><v>1</v></c></row>"
               "<row r=\"2\"><c r=\"A2\" s=\"3\"/><c r=\"B2\"><v>511423105201</v></c><c r=\"C2\" t=\"s\"><v>2</v></c>"
               "<c r=\"D2\" t=\"inlineStr\"><is><t>内联</t></is></c><c r=\"E2\" t=\"b\"><v>1</v></c>"
               "<c r=\"F2\"><f>1+1</f><v>2</v></c><c r=\"G2\" t=\"str\"><f>\"x\"</f><v>x</v></c></row>"
               "<row r=\"3\"><c r=\"B3\" s=\"1\"/></row>"
               /* empty values: a row of them is not reported, nor does one widen a row */
               "<row r=\"4\"><c r=\"A4\"><v></v></c><c r=\"B4\" t=\"s\"><v>4</v></c>"
               "<c r=\"C4\" t=\"inlineStr\"><is><t></t></is></c></row>"
               "<row r=\"5\"><c t=\"s\"><v>3</v></c><c><v>30.5</v></c><c r=\"IW5\"><v>ignored</v></c><c r=\"IV5\"><v/></c></row>"
               "<row><c r=\"A6\"><v>-1E-3</v></c></row>")},
    };
    size_t len;
    char *zip = make_zip(parts, 4, &len);
    xerr e = {0};
    char *got = xlsx_dump(zip, len, &e);
    if (!got) fprintf(stderr, "xlsx error %s: %s\n", e.code, e.detail);
    assert_non_null(got);
    assert_string_equal(got, "1:户编号|| 姓名 \n2:|511423105201|张三|内联|TRUE|2|x\n5:a&b<c|30.5\n6:-1E-3\n");
    free(got);
    /* the callback's error stops the read and comes out as it is */
    assert_int_equal(xlsx_read(zip, len, stop_at_2, NULL, &e), -1);
    assert_string_equal(e.code, "callback_said_no");
    free(zip);
}

static void test_xlsx_first_sheet(void **state) {
    (void)state;
    /* the first sheet of the workbook lives in sheet7.xml; sheet1.xml is the second one */
    part parts[] = {
        {"xl/workbook.xml", WB "<sheet name=\"A\" sheetId=\"2\" r:id=\"rId9\"/><sheet name=\"B\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"},
        {"xl/_rels/workbook.xml.rels", RELS "<Relationship Id=\"rId1\" Target=\"worksheets/sheet1.xml\"/>"
                                            "<Relationship Id=\"rId9\" Target=\"/xl/worksheets/sheet7.xml\"/></Relationships>"},
        {"xl/worksheets/sheet1.xml", SHEET("<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>second</t></is></c></row>")},
        {"xl/worksheets/sheet7.xml", SHEET("<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>first</t></is></c></row>")},
    };
    size_t len;
    char *zip = make_zip(parts, 4, &len);
    xerr e = {0};
    char *got = xlsx_dump(zip, len, &e);
    assert_non_null(got);
    assert_string_equal(got, "1:first\n");
    free(got);
    free(zip);
    /* no relationships: sheet1.xml */
    part bare[] = {
        {"xl/workbook.xml", WB "<sheet name=\"A\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"},
        {"xl/worksheets/sheet1.xml", SHEET("<row r=\"2\"><c r=\"B2\"><v>7</v></c></row>")},
    };
    zip = make_zip(bare, 2, &len);
    got = xlsx_dump(zip, len, &e);
    assert_non_null(got);
    assert_string_equal(got, "2:|7\n");
    free(got);
    free(zip);
}

static void expect_xlsx_error(const part *parts, int n, const char *code) {
    size_t len;
    char *zip = make_zip(parts, n, &len);
    xerr e = {0};
    char *got = xlsx_dump(zip, len, &e);
    assert_null(got);
    assert_int_equal(e.status, 400);
    assert_string_equal(e.code, code);
    free(zip);
}

static void test_xlsx_hostile(void **state) {
    (void)state;
    xerr e = {0};
    assert_null(xlsx_dump("not a zip at all", 16, &e));
    assert_string_equal(e.code, "import_not_xlsx");
    assert_null(xlsx_dump("", 0, &e));
    assert_string_equal(e.code, "import_not_xlsx");
    part docx[] = {{"word/document.xml", "<w/>"}};
    expect_xlsx_error(docx, 1, "import_not_xlsx");
    part nosheet[] = {{"xl/workbook.xml", WB "</sheets></workbook>"}};
    expect_xlsx_error(nosheet, 1, "import_not_xlsx");
    part laughs[] = {
        {"xl/workbook.xml", WB "<sheet name=\"A\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"},
        {"xl/worksheets/sheet1.xml", "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
                                     "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]><worksheet><sheetData><row><c t=\"inlineStr\">"
                                     "<is><t>&lol2;</t></is></c></row></sheetData></worksheet>"},
    };
    expect_xlsx_error(laughs, 2, "import_bad_xlsx");
    part broken[] = {
        {"xl/workbook.xml", WB "<sheet name=\"A\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"},
        {"xl/worksheets/sheet1.xml", SHEET("<row><c><v>1</v></row>")},
    };
    expect_xlsx_error(broken, 2, "import_bad_xlsx");
    part badidx[] = {
        {"xl/workbook.xml", WB "<sheet name=\"A\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"},
        {"xl/worksheets/sheet1.xml", SHEET("<row><c t=\"s\"><v>99</v></c></row>")},
    };
    expect_xlsx_error(badidx, 2, "import_bad_xlsx");
    /* a bomb: 20 MiB of blanks inside the sheet compress to a few KiB */
    size_t big = 20u << 20;
    char *xml = malloc(big + 200);
    assert_non_null(xml);
    strcpy(xml, "<worksheet><sheetData>");
    size_t at = strlen(xml);
    memset(xml + at, ' ', big);
    strcpy(xml + at + big, "</sheetData></worksheet>");
    part bomb[] = {
        {"xl/workbook.xml", WB "<sheet name=\"A\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"},
        {"xl/worksheets/sheet1.xml", xml},
    };
    expect_xlsx_error(bomb, 2, "import_too_large");
    free(xml);
}

static void test_xlsx_write_read(void **state) {
    (void)state;
    xerr e = {0};
    xlsx_writer *w = xlsx_writer_new(&e);
    assert_non_null(w);
    xlsx_col cols[] = {{"户编号", 12, XLSX_ID}, {"纬度", 10, XLSX_NUMBER}, {"身份证号", 22, XLSX_ID}, {"备注", 20, XLSX_TEXT}};
    assert_int_equal(xlsx_sheet(w, "台账", cols, 4, &e), 0);
    const char *r1[] = {"HY-0001", "29.6", "510***********1234", "a<b & \"c\""};
    const char *r2[] = {"0002", "", NULL, "=SUM(A1)"};
    assert_int_equal(xlsx_row(w, r1, &e), 0);
    assert_int_equal(xlsx_row(w, r2, &e), 0);
    xlsx_col notes[] = {{"说明", 40, XLSX_TEXT}};
    assert_int_equal(xlsx_sheet(w, "说明", notes, 1, &e), 0);
    const char *n1[] = {"第二个表不会被导入"};
    assert_int_equal(xlsx_row(w, n1, &e), 0);
    strbuf out = STRBUF_INIT;
    assert_int_equal(xlsx_finish(w, &out, &e), 0);
    assert_memory_equal(out.buf, "PK\x03\x04", 4);
    char *got = xlsx_dump(out.buf, out.len, &e);
    if (!got) fprintf(stderr, "xlsx error %s: %s\n", e.code, e.detail);
    assert_non_null(got);
    assert_string_equal(got, "1:户编号|纬度|身份证号|备注\n2:HY-0001|29.6|510***********1234|a<b & \"c\"\n"
                             "3:0002|||=SUM(A1)\n");
    free(got);
    strbuf_release(&out);
    /* abandoning a workbook leaves no file behind */
    w = xlsx_writer_new(&e);
    assert_non_null(w);
    xlsx_writer_free(w);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_read),
        cmocka_unit_test(test_csv_errors),
        cmocka_unit_test(test_csv_write),
        cmocka_unit_test(test_xlsx_read),
        cmocka_unit_test(test_xlsx_first_sheet),
        cmocka_unit_test(test_xlsx_hostile),
        cmocka_unit_test(test_xlsx_write_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
