/*
** import.c: the household import's file side (see import.h): the template's
** columns and coded values in both languages, reading an upload into rows
** with its header matched to the columns, the county box for coordinates,
** and the template files. Validation and writes are in import_plan.c.
*/
#include "io/import_int.h"
#include "io/csv.h"
#include "io/xlsx_read.h"
#include "io/xlsx_write.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- columns --------------------------------------------------------------- */

typedef struct colspec {
    const char *zh, *en;
    int required;
    const char *aliases;       /* other accepted headers, normalised, '|'-separated */
    double width;
    int kind;                  /* XLSX_TEXT, XLSX_ID, XLSX_NUMBER */
    const char *help_zh, *help_en;
} colspec;

static const colspec COLS[IC_COUNT] = {
    {"户编号", "household_number", 1, "户号|户码|household_no|household|number", 14, XLSX_ID,
     "必填。1 到 32 位字母、数字或连字符；同一户的各行填同一个户编号，已存在的户按户编号更新",
     "Required. 1-32 letters, digits or hyphens; every row of a household carries the same number; an existing household is updated"},
    {"村组代码", "org_code", 1, "区划代码|村组编码|村代码|组代码|village_code|division_code", 15, XLSX_ID,
     "新户必填。所属村或组的 12 位统计用区划代码", "Required for a new household. The 12-digit code of its village or group"},
    {"地址", "address", 0, "住址|家庭住址|家庭地址", 24, XLSX_TEXT, "可选。最多 200 字节", "Optional. At most 200 bytes"},
    {"纬度", "lat", 0, "latitude", 11, XLSX_NUMBER, "可选。WGS-84 纬度，如 29.7365；与经度同时填写",
     "Optional. WGS-84 latitude such as 29.7365; give it with the longitude"},
    {"经度", "lon", 0, "longitude|lng", 11, XLSX_NUMBER, "可选。WGS-84 经度，如 103.2710",
     "Optional. WGS-84 longitude such as 103.2710"},
    {"状态", "status", 0, "户类型|户状态|贫困状态|household_status", 10, XLSX_TEXT,
     "可选（新户默认贫困户）。贫困户、已脱贫、监测户、已清退", "Optional (new households: poor). poor, exited, monitored, removed"},
    {"状态日期", "status_date", 0, "状态变更日期|脱贫日期|status_changed", 12, XLSX_ID,
     "可选。状态变更的日期 YYYY-MM-DD，不晚于今天；不填为导入当天", "Optional. Date of a status change, YYYY-MM-DD, not in the future; default: the day of the import"},
    {"致贫原因", "causes", 0, "主要致贫原因|poverty_causes|cause", 18, XLSX_TEXT,
     "可选。因病、因残、因学、缺技术、缺劳力、缺资金、缺土地、因灾、其他，多个用“、”或“;”分隔",
     "Optional. illness, disability, schooling, skills, labour, funds, land, disaster, other; several separated by 、 or ;"},
    {"备注", "notes", 0, "说明|note|remarks", 20, XLSX_TEXT, "可选。最多 2000 字节", "Optional. At most 2000 bytes"},
    {"成员姓名", "name", 1, "姓名|member_name|member", 10, XLSX_TEXT, "每行一位成员，必填（只填户信息的行可留空）",
     "One member per row; required (may be empty on a row with household columns only)"},
    {"身份证号", "id_number", 1, "身份证号码|公民身份号码|证件号码|id_card|idcard|id", 22, XLSX_ID,
     "必填。18 位公民身份号码（请设为文本格式）；同一人只能登记一次", "Required. The 18-character national ID number (format the column as text); one person is registered once"},
    {"与户主关系", "relation", 1, "关系|与户主的关系|relationship", 11, XLSX_TEXT,
     "必填。户主、配偶、子女、父母、孙子女、兄弟姐妹、儿媳/女婿、其他；每户一位户主",
     "Required. self, spouse, child, parent, grandchild, sibling, in_law, other; one head (self) per household"},
    {"健康状况", "health", 0, "健康|health_status", 11, XLSX_TEXT, "可选。健康、长期慢性病、患有大病、残疾",
     "Optional. healthy, chronic, serious, disabled"},
    {"文化程度", "education", 0, "学历|education_level", 13, XLSX_TEXT,
     "可选。文盲或半文盲、学龄前儿童、小学、初中、高中、大专及以上、在校生",
     "Optional. none, preschool, primary, junior, senior, college, in_school"},
    {"劳动能力", "labour", 0, "劳动技能|labor|labour_ability", 13, XLSX_TEXT, "可选。普通劳动力、弱劳动力或半劳动力、无劳动力",
     "Optional. full, partial, none"},
    {"联系电话", "phone", 0, "电话|手机|手机号|手机号码|联系方式|mobile", 14, XLSX_ID, "可选。11 位手机号码",
     "Optional. An 11-digit mobile number"},
};

const char *import_col_name(int col, const char *lang) {
    if (col < 0 || col >= IC_COUNT) return "";
    return strcmp(lang, "en") ? COLS[col].zh : COLS[col].en;
}

int import_col_required(int col) { return col >= 0 && col < IC_COUNT && COLS[col].required; }

/* ---- coded values -------------------------------------------------------- */

typedef struct vmap {
    const char *code, *zh, *aliases;   /* aliases: other labels, '|'-separated */
} vmap;

static const vmap STATUS_MAP[] = {
    {"poor", "贫困户", "贫困|未脱贫|建档立卡贫困户|建档立卡户"},
    {"exited", "已脱贫", "脱贫户|脱贫|已脱贫户|脱贫不稳定户"},
    {"monitored", "监测户", "监测对象|边缘易致贫户|突发严重困难户"},
    {"removed", "已清退", "清退|已清退户"},
    {NULL, NULL, NULL},
};
static const vmap CAUSE_MAP[] = {
    {"illness", "因病", "疾病"}, {"disability", "因残", "残疾"}, {"schooling", "因学", "上学"},
    {"skills", "缺技术", "缺技能"}, {"labour", "缺劳力", "缺劳动力|labor"}, {"funds", "缺资金", ""},
    {"land", "缺土地", ""}, {"disaster", "因灾", "灾害"},
    {"other", "其他", "其它|交通条件落后|自身发展动力不足|缺水|因婚"}, {NULL, NULL, NULL},
};
static const vmap RELATION_MAP[] = {
    {"self", "户主", "本人|head"}, {"spouse", "配偶", "妻|夫|妻子|丈夫"},
    {"child", "子女", "子|女|儿子|女儿|之子|之女|长子|次子|长女|次女"},
    {"parent", "父母", "父|母|父亲|母亲"},
    {"grandchild", "孙子女", "孙子|孙女|之孙子|之孙女|外孙子|外孙女|外孙"},
    {"sibling", "兄弟姐妹", "兄弟|姐妹|兄|弟|姐|妹"},
    {"in_law", "儿媳/女婿", "儿媳|之儿媳|女婿|之女婿|公婆|岳父母|公公|婆婆|岳父|岳母|in-law"},
    {"other", "其他", "其它"}, {NULL, NULL, NULL},
};
static const vmap HEALTH_MAP[] = {
    {"healthy", "健康", ""}, {"chronic", "长期慢性病", "慢性病"}, {"serious", "患有大病", "大病|重病"},
    {"disabled", "残疾", "残疾人"}, {NULL, NULL, NULL},
};
static const vmap EDUCATION_MAP[] = {
    {"none", "文盲或半文盲", "文盲|半文盲|无"}, {"preschool", "学龄前儿童", "学龄前"}, {"primary", "小学", ""},
    {"junior", "初中", ""}, {"senior", "高中", "中专|高中/中专|职高"}, {"college", "大专及以上", "大专|本科|大学|研究生"},
    {"in_school", "在校生", "在校|in school"}, {NULL, NULL, NULL},
};
static const vmap LABOUR_MAP[] = {
    {"full", "普通劳动力", "技能劳动力|劳动力|有劳动力"}, {"partial", "弱劳动力或半劳动力", "弱劳动力|半劳动力"},
    {"none", "无劳动力", "丧失劳动力"}, {NULL, NULL, NULL},
};

static const vmap *map_for(int col) {
    switch (col) {
    case IC_STATUS: return STATUS_MAP;
    case IC_CAUSES: return CAUSE_MAP;
    case IC_RELATION: return RELATION_MAP;
    case IC_HEALTH: return HEALTH_MAP;
    case IC_EDUCATION: return EDUCATION_MAP;
    case IC_LABOUR: return LABOUR_MAP;
    default: return NULL;
    }
}

const char *import_label(int col, const char *code, const char *lang) {
    const vmap *m = map_for(col);
    for (; m && m->code; m++)
        if (!strcmp(m->code, code)) return strcmp(lang, "en") ? m->zh : m->code;
    return code;
}

/* Whether s is one of the '|'-separated words of list. */
static int in_alternatives(const char *list, const char *s) {
    size_t n = strlen(s);
    for (const char *p = list; p && *p;) {
        const char *bar = strchr(p, '|');
        size_t k = bar ? (size_t)(bar - p) : strlen(p);
        if (k == n && !memcmp(p, s, n)) return 1;
        p = bar ? bar + 1 : NULL;
    }
    return 0;
}

/* ASCII lower case, spaces and hyphens as underscores: "In School" -> "in_school". */
static void fold(const char *s, char *out, size_t outlen) {
    size_t i = 0;
    for (; *s && i + 1 < outlen; s++)
        out[i++] = (*s == ' ' || *s == '-') ? '_' : (char)tolower((unsigned char)*s);
    out[i] = 0;
}

const char *import_match(int col, const char *value) {
    char f[128];
    fold(value, f, sizeof f);
    for (const vmap *m = map_for(col); m && m->code; m++) {
        if (!strcmp(value, m->zh) || !strcmp(f, m->code) || in_alternatives(m->aliases, value) ||
            in_alternatives(m->aliases, f))
            return m->code;
    }
    return NULL;
}

/* ---- reading the upload ---------------------------------------------------- */

/* Bytes of the white space (ASCII, U+00A0, U+3000, U+FEFF) at s, 0 when none. */
static size_t space_at(const char *s, const char *end) {
    const unsigned char *u = (const unsigned char *)s;
    size_t n = (size_t)(end - s);
    if (n >= 1 && (u[0] == ' ' || u[0] == '\t' || u[0] == '\r' || u[0] == '\n')) return 1;
    if (n >= 2 && u[0] == 0xC2 && u[1] == 0xA0) return 2;
    if (n >= 3 && u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x80) return 3;
    if (n >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) return 3;
    return 0;
}

/* The trimmed part of s as [*from, *to). */
static void trim(const char *s, const char **from, const char **to) {
    const char *b = s, *e = s + strlen(s);
    size_t k;
    while (b < e && (k = space_at(b, e))) b += k;
    for (int moved = 1; moved && e > b;) {
        moved = 0;
        for (k = 1; k <= 3 && k <= (size_t)(e - b); k++)
            if (space_at(e - k, e) == k) {
                e -= k;
                moved = 1;
                break;
            }
    }
    *from = b;
    *to = e;
}

/* A header as compared: trimmed, without a required-mark '*' or a trailing
** "(...)" / "（...）" note, folded. */
static void header_key(const char *h, char *out, size_t outlen) {
    char buf[256];
    const char *b, *e;
    trim(h, &b, &e);
    size_t n = (size_t)(e - b) < sizeof buf - 1 ? (size_t)(e - b) : sizeof buf - 1;
    memcpy(buf, b, n);
    buf[n] = 0;
    char *open = NULL;
    if (n && buf[n - 1] == ')') open = strrchr(buf, '(');
    else if (n >= 3 && !strcmp(buf + n - 3, "）")) open = strstr(buf, "（");
    if (open && open > buf) *open = 0;
    char *p = buf;
    while (*p == '*') p++;
    n = strlen(p);
    while (n && (p[n - 1] == '*' || p[n - 1] == ' ')) p[--n] = 0;
    if (n >= 3 && !strcmp(p + n - 3, "＊")) p[n - 3] = 0;
    trim(p, &b, &e);
    char t[256];
    n = (size_t)(e - b);
    memcpy(t, b, n);
    t[n] = 0;
    fold(t, out, outlen);
}

static int find_column(const char *header) {
    char key[256];
    header_key(header, key, sizeof key);
    if (!*key) return -1;
    for (int c = 0; c < IC_COUNT; c++)
        if (!strcmp(key, COLS[c].zh) || !strcmp(key, COLS[c].en) || in_alternatives(COLS[c].aliases, key)) return c;
    return -1;
}

static int read_header(import_sheet *s, int ncells, const char *const *cells, xerr *e) {
    int have[IC_COUNT] = {0};
    for (int i = 0; i < IMPORT_FILE_COLS; i++) s->colmap[i] = -1;
    for (int i = 0; i < ncells && i < IMPORT_FILE_COLS; i++) {
        int c = find_column(cells[i]);
        if (c < 0) continue;
        if (have[c]) return xerr_set(e, 400, "import_duplicate_column", "%s / %s", COLS[c].zh, COLS[c].en);
        have[c] = 1;
        s->colmap[i] = c;
    }
    for (int c = 0; c < IC_COUNT; c++)
        if (COLS[c].required && !have[c])
            return xerr_set(e, 400, "import_missing_column", "%s / %s", COLS[c].zh, COLS[c].en);
    s->have_header = 1;
    return 0;
}

static int blank(int ncells, const char *const *cells) {
    for (int i = 0; i < ncells; i++) {
        const char *b, *t;
        trim(cells[i], &b, &t);
        if (b < t) return 0;
    }
    return 1;
}

/* Store a cell's trimmed text; identifier columns lose a leading apostrophe
** (Excel's "this is text" mark, and how our exports defuse formulas). */
static uint32_t store(import_sheet *s, int col, const char *text, xerr *e) {
    const char *b, *t;
    trim(text, &b, &t);
    if (b + 1 < t && *b == '\'' && (COLS[col].kind == XLSX_ID || strchr("=+-@", b[1]))) b++;
    if (b == t) return 0;
    if (s->arena.len + (size_t)(t - b) + 1 > UINT32_MAX) {
        xerr_set(e, 400, "import_too_large", "%s", "cells");
        return UINT32_MAX;
    }
    uint32_t off = (uint32_t)s->arena.len;
    strbuf_add(&s->arena, b, (size_t)(t - b));
    strbuf_addch(&s->arena, 0);
    return off;
}

static int add_row(import_sheet *s, int line, int ncells, const char *const *cells, xerr *e) {
    if (s->n >= IMPORT_MAX_ROWS) return xerr_set(e, 400, "import_too_many_rows", "%d", IMPORT_MAX_ROWS);
    if (s->n == s->alloc) {
        s->alloc = s->alloc ? s->alloc * 2 : 1024;
        s->cells = xrealloc(s->cells, (size_t)s->alloc * IC_COUNT * sizeof *s->cells);
        s->lines = xrealloc(s->lines, (size_t)s->alloc * sizeof *s->lines);
    }
    uint32_t *row = s->cells + s->n * IC_COUNT;
    memset(row, 0, IC_COUNT * sizeof *row);
    for (int i = 0; i < ncells && i < IMPORT_FILE_COLS; i++) {
        int c = s->colmap[i];
        if (c < 0) continue;
        row[c] = store(s, c, cells[i], e);
        if (row[c] == UINT32_MAX) return -1;
    }
    for (int c = 0; c < IC_COUNT; c++)
        if (row[c]) {   /* a row with text only in other columns is blank to us */
            s->lines[s->n++] = line;
            break;
        }
    return 0;
}

static int on_row(void *ctx, int line, int ncells, const char *const *cells, xerr *e) {
    import_sheet *s = ctx;
    if (blank(ncells, cells)) return 0;
    if (!s->have_header) return read_header(s, ncells, cells, e);
    return add_row(s, line, ncells, cells, e);
}

static int read_csv(import_sheet *s, const char *data, size_t len, xerr *e) {
    csv_reader r;
    csv_row row = {0};
    if (csv_open(&r, data, len, e)) return -1;
    int rc;
    while ((rc = csv_next(&r, &row, e)) == 1)
        if (on_row(s, row.line, row.n, row.field, e)) {
            rc = -1;
            break;
        }
    csv_row_release(&row);
    return rc < 0 ? -1 : 0;
}

import_sheet *import_parse(const char *data, size_t len, int xlsx, xerr *e) {
    if (!len) {
        xerr_set(e, 400, "import_empty_file", "%s", "");
        return NULL;
    }
    import_sheet *s = xcalloc(1, sizeof *s);
    strbuf_addch(&s->arena, 0);   /* offset 0: the empty cell */
    int rc = xlsx ? xlsx_read(data, len, on_row, s, e) : read_csv(s, data, len, e);
    if (!rc && !s->have_header) rc = xerr_set(e, 400, "import_no_header", "%s", "");
    if (!rc && !s->n) rc = xerr_set(e, 400, "import_no_rows", "%s", "");
    if (rc) {
        import_sheet_free(s);
        return NULL;
    }
    return s;
}

void import_sheet_free(import_sheet *s) {
    if (!s) return;
    strbuf_release(&s->arena);
    free(s->cells);
    free(s->lines);
    free(s);
}

int64_t import_rows(const import_sheet *s) { return s->n; }

/* ---- the county's box -------------------------------------------------------- */

static const double CHINA[4] = {73.4, 3.8, 135.1, 53.6};

static int bbox_from_env(double out[4]) {
    const char *v = getenv("XIANGCUN_IMPORT_BBOX");
    double b[4];
    char tail;
    if (!v || sscanf(v, "%lf,%lf,%lf,%lf%c", &b[0], &b[1], &b[2], &b[3], &tail) != 4) return 0;
    if (!(b[0] < b[2] && b[1] < b[3] && b[0] >= -180 && b[2] <= 180 && b[1] >= -90 && b[3] <= 90)) return 0;
    memcpy(out, b, sizeof b);
    return 1;
}

int import_bbox(db *d, const char *scope_path, double out[4], xerr *e) {
    if (bbox_from_env(out)) return 0;
    memcpy(out, CHINA, sizeof CHINA);
    char root[256], hi[256];
    const char *second = scope_path[0] == '/' ? strchr(scope_path + 1, '/') : NULL;
    if (!second) return 0;
    snprintf(root, sizeof root, "%.*s", (int)(second - scope_path + 1), scope_path);
    snprintf(hi, sizeof hi, "%s", root);
    hi[strlen(hi) - 1] = '0';
    db_stmt *st = db_prepare(d,
        "SELECT COUNT(*), MIN(h.lon), MIN(h.lat), MAX(h.lon), MAX(h.lat) FROM household h"
        " JOIN org_node o ON o.id = h.org_id WHERE o.path >= $1 AND o.path < $2 AND h.lat IS NOT NULL", e);
    if (!st) return -1;
    db_bind_text(st, 1, root);
    db_bind_text(st, 2, hi);
    int rc = db_step(st, e);
    if (rc == 1 && db_col_int(st, 0) >= 3) {
        for (int i = 0; i < 4; i++)
            out[i] = db_col_double(st, i + 1) + (i < 2 ? -IMPORT_BBOX_MARGIN : IMPORT_BBOX_MARGIN);
    }
    db_done(st);
    return rc < 0 ? -1 : 0;
}

/* ---- the template ---------------------------------------------------------------- */

void import_template_csv(const char *lang, strbuf *out) {
    strbuf_addstr(out, "\xEF\xBB\xBF");
    for (int c = 0; c < IC_COUNT; c++) {
        if (c) csv_sep(out);
        csv_put(out, import_col_name(c, lang), 0);
    }
    csv_eol(out);
}

/* The second sheet: each column, whether it is required, what goes in it. */
static int help_sheet(xlsx_writer *w, int en, xerr *e) {
    xlsx_col cols[] = {{en ? "column" : "列", 16, XLSX_TEXT}, {en ? "required" : "必填", 8, XLSX_TEXT},
                       {en ? "what to enter" : "填写说明", 90, XLSX_TEXT}};
    if (xlsx_sheet(w, en ? "help" : "填写说明", cols, 3, e)) return -1;
    for (int c = 0; c < IC_COUNT; c++) {
        const char *row[3] = {en ? COLS[c].en : COLS[c].zh, COLS[c].required ? (en ? "yes" : "是") : "",
                              en ? COLS[c].help_en : COLS[c].help_zh};
        if (xlsx_row(w, row, e)) return -1;
    }
    const char *note[3] = {"", "", en ? "One row per member. Only the first worksheet is imported."
                                      : "每位成员一行。只导入第一个工作表。"};
    return xlsx_row(w, note, e);
}

int import_template_xlsx(const char *lang, strbuf *out, xerr *e) {
    int en = !strcmp(lang, "en");
    xlsx_writer *w = xlsx_writer_new(e);
    if (!w) return -1;
    xlsx_col cols[IC_COUNT];
    for (int c = 0; c < IC_COUNT; c++)
        cols[c] = (xlsx_col){import_col_name(c, lang), COLS[c].width, COLS[c].kind == XLSX_NUMBER ? XLSX_TEXT : COLS[c].kind};
    if (xlsx_sheet(w, en ? "households" : "台账", cols, IC_COUNT, e) || help_sheet(w, en, e)) {
        xlsx_writer_free(w);
        return -1;
    }
    return xlsx_finish(w, out, e);
}
