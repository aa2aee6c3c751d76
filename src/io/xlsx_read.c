/* xlsx_read.c: the first worksheet of an .xlsx, streamed (see xlsx_read.h). */
#include "io/xlsx_read.h"
#include "core/strbuf.h"

#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

typedef struct xr {
    XML_Parser p;
    xerr *e;
    int failed;                     /* we stopped the parser ourselves; *e says why */
    strbuf text;                    /* character data of the element being collected */
    int collect;
    /* shared strings */
    strbuf sst;
    size_t *sst_off;
    size_t nsst, asst;
    int in_si, rph;
    /* workbook and its relationships */
    char rid[128];
    char target[512];
    int seen_sheet;
    /* the sheet */
    xlsx_row_fn fn;
    void *ctx;
    int row, next_row, col, next_col, in_c, in_is, has_v;
    char type[16];
    strbuf cells;                   /* values of the current row, NUL-separated */
    size_t off[XLSX_MAX_COLS];
    int set[XLSX_MAX_COLS];
    int maxcol;                     /* highest column with a value, -1 when none */
} xr;

static const char *local(const char *name) {
    const char *c = strrchr(name, ':');
    return c ? c + 1 : name;
}

static const char *attr(const char **atts, const char *name) {
    for (int i = 0; atts[i]; i += 2)
        if (!strcmp(local(atts[i]), name)) return atts[i + 1];
    return NULL;
}

static void stop(xr *x, int status, const char *code, const char *detail) {
    if (x->failed) return;
    x->failed = 1;
    xerr_set(x->e, status, code, "%s", detail);
    XML_StopParser(x->p, XML_FALSE);
}

static void on_text(void *ud, const XML_Char *s, int len) {
    xr *x = ud;
    if (!x->collect || x->failed) return;
    if (x->text.len + (size_t)len > XLSX_MAX_CELL) {
        stop(x, 400, "import_bad_xlsx", "cell text over 64 KiB");
        return;
    }
    strbuf_add(&x->text, s, (size_t)len);
}

/* Entity declarations are how "billion laughs" files blow up: no DOCTYPE at all. */
static void on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
                       int has_internal) {
    (void)name, (void)sysid, (void)pubid, (void)has_internal;
    stop(ud, 400, "import_bad_xlsx", "DOCTYPE not allowed");
}

/* ---- shared strings ---------------------------------------------------- */

static void sst_start(void *ud, const XML_Char *name, const XML_Char **atts) {
    xr *x = ud;
    (void)atts;
    const char *n = local(name);
    if (!strcmp(n, "si")) {
        x->in_si = 1;
        x->rph = 0;
        strbuf_reset(&x->text);
    } else if (!strcmp(n, "rPh")) {
        x->rph++;
    } else if (!strcmp(n, "t") && x->in_si && !x->rph) {
        x->collect = 1;
    }
}

static void sst_push(xr *x) {
    if (x->nsst >= XLSX_MAX_STRINGS) {
        stop(x, 400, "import_too_large", "sharedStrings.xml");
        return;
    }
    if (x->nsst == x->asst) {
        x->asst = x->asst ? x->asst * 2 : 1024;
        x->sst_off = xrealloc(x->sst_off, x->asst * sizeof *x->sst_off);
    }
    x->sst_off[x->nsst++] = x->sst.len;
    strbuf_add(&x->sst, strbuf_str(&x->text), x->text.len);
    strbuf_addch(&x->sst, 0);
}

static void sst_end(void *ud, const XML_Char *name) {
    xr *x = ud;
    const char *n = local(name);
    if (!strcmp(n, "t")) x->collect = 0;
    else if (!strcmp(n, "rPh") && x->rph) x->rph--;
    else if (!strcmp(n, "si") && x->in_si) {
        x->in_si = 0;
        sst_push(x);
    }
}

/* ---- workbook.xml and its relationships -------------------------------- */

static void wb_start(void *ud, const XML_Char *name, const XML_Char **atts) {
    xr *x = ud;
    if (x->seen_sheet || strcmp(local(name), "sheet")) return;
    x->seen_sheet = 1;
    for (int i = 0; atts[i]; i += 2)   /* r:id, whatever the prefix */
        if (strchr(atts[i], ':') && !strcmp(local(atts[i]), "id"))
            snprintf(x->rid, sizeof x->rid, "%s", atts[i + 1]);
}

static void rels_start(void *ud, const XML_Char *name, const XML_Char **atts) {
    xr *x = ud;
    if (strcmp(local(name), "Relationship") || !x->rid[0] || x->target[0]) return;
    const char *id = attr(atts, "Id"), *target = attr(atts, "Target");
    if (id && target && !strcmp(id, x->rid)) {
        if (target[0] == '/') snprintf(x->target, sizeof x->target, "%s", target + 1);
        else snprintf(x->target, sizeof x->target, "xl/%s", target);
    }
}

static void no_end(void *ud, const XML_Char *name) { (void)ud, (void)name; }

/* ---- the sheet ----------------------------------------------------------- */

/* "BC12" -> column 54 (0-based) and row 12; -1 when it is not a reference. */
static int parse_ref(const char *r, int *col, int *row) {
    int c = 0, n = 0;
    while (*r >= 'A' && *r <= 'Z' && n < 4) c = c * 26 + (*r++ - 'A' + 1), n++;
    if (!n || n > 3) return -1;
    long rw = 0;
    int digits = 0;
    while (*r >= '0' && *r <= '9' && digits < 8) rw = rw * 10 + (*r++ - '0'), digits++;
    if (*r || !digits || rw < 1) return -1;
    *col = c - 1;
    *row = (int)rw;
    return 0;
}

static void row_begin(xr *x, const char **atts) {
    const char *r = attr(atts, "r");
    long n = r ? strtol(r, NULL, 10) : 0;
    x->row = n >= 1 && n <= 10000000 ? (int)n : x->next_row;
    x->next_col = 0;
    x->maxcol = -1;
    strbuf_reset(&x->cells);
    memset(x->set, 0, sizeof x->set);
}

static void cell_begin(xr *x, const char **atts) {
    const char *r = attr(atts, "r"), *t = attr(atts, "t");
    int col, row;
    x->col = r && !parse_ref(r, &col, &row) ? col : x->next_col;
    snprintf(x->type, sizeof x->type, "%s", t ? t : "n");
    x->in_c = 1;
    x->has_v = 0;
    strbuf_reset(&x->text);
}

static void sheet_start(void *ud, const XML_Char *name, const XML_Char **atts) {
    xr *x = ud;
    const char *n = local(name);
    if (!strcmp(n, "row")) row_begin(x, atts);
    else if (!strcmp(n, "c")) cell_begin(x, atts);
    else if (!x->in_c) return;
    else if (!strcmp(n, "v")) {
        strbuf_reset(&x->text);
        x->collect = 1;
    } else if (!strcmp(n, "is")) {
        x->in_is = 1;
        x->rph = 0;
        strbuf_reset(&x->text);
    } else if (!strcmp(n, "rPh")) {
        x->rph++;
    } else if (!strcmp(n, "t") && x->in_is && !x->rph) {
        x->collect = 1;
    }
}

/* The text of the finished cell, by its type; NULL after stop(). */
static const char *cell_value(xr *x) {
    const char *v = strbuf_str(&x->text);
    if (!strcmp(x->type, "s")) {
        char *end;
        unsigned long i = strtoul(v, &end, 10);
        if (end == v || *end || i >= x->nsst) {
            stop(x, 400, "import_bad_xlsx", "shared string index");
            return NULL;
        }
        return x->sst.buf + x->sst_off[i];
    }
    if (!strcmp(x->type, "b")) return strcmp(v, "1") ? "FALSE" : "TRUE";
    return v;   /* n, str, inlineStr, e, d: as written */
}

static void cell_end(xr *x) {
    x->in_c = 0;
    x->collect = 0;
    x->next_col = x->col + 1;
    if (!x->has_v || x->col < 0 || x->col >= XLSX_MAX_COLS || x->set[x->col]) return;
    const char *v = cell_value(x);
    if (!v || !*v) return;   /* <v/>, an empty string: no value, as if the cell were left out */
    x->off[x->col] = x->cells.len;
    strbuf_add(&x->cells, v, strlen(v));
    strbuf_addch(&x->cells, 0);
    x->set[x->col] = 1;
    if (x->col > x->maxcol) x->maxcol = x->col;
}

static void row_end(xr *x) {
    x->next_row = x->row + 1;
    if (x->maxcol < 0) return;
    const char *cells[XLSX_MAX_COLS];
    for (int i = 0; i <= x->maxcol; i++) cells[i] = x->set[i] ? x->cells.buf + x->off[i] : "";
    if (x->fn(x->ctx, x->row, x->maxcol + 1, cells, x->e)) {
        x->failed = 1;   /* the callback filled *e */
        XML_StopParser(x->p, XML_FALSE);
    }
}

static void sheet_end(void *ud, const XML_Char *name) {
    xr *x = ud;
    const char *n = local(name);
    if (!strcmp(n, "row")) row_end(x);
    else if (!strcmp(n, "c")) cell_end(x);
    else if (!x->in_c) return;
    else if (!strcmp(n, "v")) {
        x->collect = 0;
        x->has_v = 1;
    } else if (!strcmp(n, "t")) {
        if (x->in_is && !x->rph) x->collect = 0;
    } else if (!strcmp(n, "rPh")) {
        if (x->rph) x->rph--;
    } else if (!strcmp(n, "is")) {
        x->in_is = 0;
        x->has_v = 1;
    }
}

/* ---- zip parts ----------------------------------------------------------- */

static size_t part_limit(size_t upload) {
    size_t lim = upload > XLSX_MAX_PART / XLSX_MAX_RATIO ? XLSX_MAX_PART : upload * XLSX_MAX_RATIO;
    return lim < XLSX_MIN_PART ? XLSX_MIN_PART : lim;
}

static int feed(xr *x, zip_file_t *f, const char *name, size_t limit) {
    char buf[65536];
    size_t total = 0;
    for (;;) {
        zip_int64_t n = zip_fread(f, buf, sizeof buf);
        if (n < 0) return xerr_set(x->e, 400, "import_bad_xlsx", "%s", name);
        total += (size_t)n;
        if (total > limit) return xerr_set(x->e, 400, "import_too_large", "%s", name);
        if (XML_Parse(x->p, buf, (int)n, n == 0) == XML_STATUS_ERROR) {
            if (x->failed) return -1;
            return xerr_set(x->e, 400, "import_bad_xlsx", "%s: %s at line %lu", name,
                            XML_ErrorString(XML_GetErrorCode(x->p)),
                            (unsigned long)XML_GetCurrentLineNumber(x->p));
        }
        if (x->failed) return -1;
        if (n == 0) return 0;
    }
}

/* Stream one part through expat with the given handlers. 1 when the part is
** absent (and not required), 0 when parsed, -1 with *e. */
static int parse_part(xr *x, zip_t *z, const char *name, int required, size_t limit,
                      XML_StartElementHandler start, XML_EndElementHandler end) {
    zip_int64_t idx = zip_name_locate(z, name, 0);
    if (idx < 0) return required ? xerr_set(x->e, 400, "import_not_xlsx", "%s", name) : 1;
    zip_stat_t st;
    if (zip_stat_index(z, (zip_uint64_t)idx, 0, &st)) return xerr_set(x->e, 400, "import_bad_xlsx", "%s", name);
    if ((st.valid & ZIP_STAT_SIZE) && st.size > limit)
        return xerr_set(x->e, 400, "import_too_large", "%s", name);
    zip_file_t *f = zip_fopen_index(z, (zip_uint64_t)idx, 0);
    if (!f) return xerr_set(x->e, 400, "import_bad_xlsx", "%s", name);
    x->p = XML_ParserCreate("UTF-8");
    if (!x->p) abort();   /* out of memory, as strbuf does */
    XML_SetUserData(x->p, x);
    XML_SetElementHandler(x->p, start, end);
    XML_SetCharacterDataHandler(x->p, on_text);
    XML_SetStartDoctypeDeclHandler(x->p, on_doctype);
    x->collect = x->in_si = x->rph = x->in_c = x->in_is = 0;
    int rc = feed(x, f, name, limit);
    XML_ParserFree(x->p);
    x->p = NULL;
    zip_fclose(f);
    return rc;
}

static zip_t *open_zip(const void *data, size_t len, xerr *e) {
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
    zip_t *z = src ? zip_open_from_source(src, ZIP_RDONLY, &ze) : NULL;
    if (!z && src) zip_source_free(src);
    zip_error_fini(&ze);
    if (!z) {
        xerr_set(e, 400, "import_not_xlsx", "%s", "not a zip file");
        return NULL;
    }
    if (zip_get_num_entries(z, 0) > XLSX_MAX_ENTRIES) {
        zip_discard(z);
        xerr_set(e, 400, "import_too_large", "%s", "too many files in the zip");
        return NULL;
    }
    return z;
}

/* The first sheet's part: from the workbook and its relationships, else sheet1.xml. */
static int find_sheet(xr *x, zip_t *z, size_t limit) {
    if (parse_part(x, z, "xl/workbook.xml", 1, limit, wb_start, no_end)) return -1;
    if (x->rid[0] && parse_part(x, z, "xl/_rels/workbook.xml.rels", 0, limit, rels_start, no_end) < 0) return -1;
    if (!x->target[0] || strstr(x->target, "..") || zip_name_locate(z, x->target, 0) < 0)
        snprintf(x->target, sizeof x->target, "xl/worksheets/sheet1.xml");
    return 0;
}

static int read_zip(xr *x, zip_t *z, size_t limit) {
    if (find_sheet(x, z, limit)) return -1;
    if (parse_part(x, z, "xl/sharedStrings.xml", 0, limit, sst_start, sst_end) < 0) return -1;
    x->next_row = 1;
    return parse_part(x, z, x->target, 1, limit, sheet_start, sheet_end) < 0 ? -1 : 0;
}

int xlsx_read(const void *data, size_t len, xlsx_row_fn fn, void *ctx, xerr *e) {
    zip_t *z = open_zip(data, len, e);
    if (!z) return -1;
    xr *x = xcalloc(1, sizeof *x);
    x->e = e;
    x->fn = fn;
    x->ctx = ctx;
    int rc = read_zip(x, z, part_limit(len));
    zip_discard(z);
    strbuf_release(&x->text);
    strbuf_release(&x->sst);
    strbuf_release(&x->cells);
    free(x->sst_off);
    free(x);
    return rc;
}
