/*
** import_plan.c: validating an import row by row and writing it (see
** import.h). Three passes over the rows:
**  1. each row on its own: household number (and the stored household it
**     names, which must be in scope), coded values, dates, coordinates,
**     division codes, the member's ID number (checksum, duplicates in the file,
**     duplicates in the database unless it is the same household's member,
**     whose stored data is compared now);
**  2. each household: its columns merged from its good rows (a value that
**     differs from an earlier row's is a problem), then what needs the whole
**     household: a division code for a new one, both coordinates inside the
**     county's box, one head. A household with such a problem is not imported
**     at all, and each of its rows says so;
**  3. each stored household compared with the merged values.
** import_apply() then writes only what differs.
*/
#include "io/import_int.h"
#include "core/crypto.h"
#include "core/idcard.h"
#include "core/mask.h"
#include "model/household.h"
#include "model/org.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HH_COLS (IC_NOTES + 1)          /* household columns come first */
#define PROGRESS_EVERY 500
#define MAX_ADDRESS 200
#define MAX_NOTES 2000
#define MAX_NAME 60

/* ---- a string -> int map ------------------------------------------------- */

typedef struct smap {
    char **key;
    int *val;
    size_t cap, n;
} smap;

static uint64_t fnv1a(const char *s) {
    uint64_t h = 1469598103934665603u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static void smap_grow(smap *m) {
    smap old = *m;
    m->cap = old.cap ? old.cap * 2 : 1024;
    m->key = xcalloc(m->cap, sizeof *m->key);
    m->val = xcalloc(m->cap, sizeof *m->val);
    m->n = 0;
    for (size_t i = 0; i < old.cap; i++) {
        if (!old.key[i]) continue;
        size_t j = fnv1a(old.key[i]) & (m->cap - 1);
        while (m->key[j]) j = (j + 1) & (m->cap - 1);
        m->key[j] = old.key[i];
        m->val[j] = old.val[i];
        m->n++;
    }
    free(old.key);
    free(old.val);
}

/* The value slot of key: NULL when absent and !insert; a new slot holds -1. */
static int *smap_slot(smap *m, const char *key, int insert) {
    if (insert && (m->n + 1) * 2 > m->cap) smap_grow(m);
    if (!m->cap) return NULL;
    size_t j = fnv1a(key) & (m->cap - 1);
    for (; m->key[j]; j = (j + 1) & (m->cap - 1))
        if (!strcmp(m->key[j], key)) return &m->val[j];
    if (!insert) return NULL;
    m->key[j] = xstrdup(key);
    m->val[j] = -1;
    m->n++;
    return &m->val[j];
}

static void smap_free(smap *m) {
    for (size_t i = 0; i < m->cap; i++) free(m->key[i]);
    free(m->key);
    free(m->val);
}

/* ---- the plan ------------------------------------------------------------ */

typedef struct org_ent {
    int64_t id;
    int depth, found;
    char path[256];
} org_ent;

typedef struct hh {
    int64_t existing, id;
    int first_row, good_rows, out_of_scope;
    int bad_line;                  /* line of a household-wide problem, 0 when none */
    const char *v[HH_COLS];        /* merged values, NULL = not given */
    int vline[HH_COLS];
    int heads;
    unsigned changed;              /* household columns that differ from the stored ones */
    int status_change;
} hh;

typedef struct prow {
    int hh;                        /* index in hhs, -1 when the number is unusable */
    unsigned char bad, member, action;   /* action: 0 none, 1 create, 2 update */
    unsigned changed;              /* member columns (bit col - IC_NAME) that differ */
    const char *relation, *health, *education, *labour;
    int64_t member_id;
    char id[19];
} prow;

struct import_plan {
    import_sheet *s;
    import_opts o;
    char scope[256];
    hh *hhs;
    int nhh, ahh;
    smap numbers, ids, orgs;
    org_ent *orgv;
    int norg, aorg;
    prow *rows;
    import_problem *probs;
    int nprob, aprob;
    import_counts *c;
};

static const char *cell(const import_plan *p, int64_t row, int col) { return sheet_cell(p->s, row, col); }
static int line_of(const import_plan *p, int64_t row) { return p->s->lines[row]; }

/* Copy as much of src as fits, never cutting a UTF-8 character. */
static void copy_utf8(char *dst, size_t dstlen, const char *src) {
    size_t k = strlen(src);
    if (k >= dstlen) {
        k = dstlen - 1;
        while (k && ((unsigned char)src[k] & 0xC0) == 0x80) k--;
    }
    memcpy(dst, src, k);
    dst[k] = 0;
}

static void problem(import_plan *p, int64_t row, int col, const char *code, const char *detail) {
    p->rows[row].bad = 1;
    if (p->nprob >= IMPORT_MAX_PROBLEMS) return;
    if (p->nprob == p->aprob) {
        p->aprob = p->aprob ? p->aprob * 2 : 64;
        p->probs = xrealloc(p->probs, (size_t)p->aprob * sizeof *p->probs);
    }
    import_problem *q = &p->probs[p->nprob++];
    q->line = line_of(p, row);
    q->col = col;
    q->code = code;
    copy_utf8(q->detail, sizeof q->detail, detail ? detail : "");
    const char *num = cell(p, row, IC_NUMBER);
    snprintf(q->number, sizeof q->number, "%s", household_number_valid(num) ? num : "");
}

static void problem_line(import_plan *p, int64_t row, int col, const char *code, int line) {
    char d[16];
    snprintf(d, sizeof d, "%d", line);
    problem(p, row, col, code, d);
}

static int in_scope(const import_plan *p, const char *path) {
    size_t n = strlen(p->scope);
    return n && !strncmp(path, p->scope, n);
}

/* ---- values --------------------------------------------------------------- */

static int days_in(int y, int m) {
    static const int D[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0) ? 29 : D[m - 1];
}

static void ymd_of(int64_t t, char out[11]) {
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* An Excel serial day number (1900 system) as YYYY-MM-DD; -1 outside 1900-03-01..2099. */
static int excel_serial(double v, char out[11]) {
    if (v < 61 || v >= 73051) return -1;
    ymd_of(((int64_t)v - 25569) * 86400, out);
    return 0;
}

/* YYYY-MM-DD, YYYY/M/D, YYYY.M.D, YYYY年M月D日, YYYYMMDD or an Excel serial,
** as YYYY-MM-DD; -1 when not a real date between 1900 and today. */
static int parse_date(const char *s, int64_t now, char out[11]) {
    char buf[64], today[11];
    int y, m, d;
    char tail, *end;
    double serial = strtod(s, &end);
    size_t n = strlen(s);
    if (n < 5 || n >= sizeof buf) return -1;
    if (*end == 0 && n <= 9 && serial < 100000) {
        if (excel_serial(serial, out)) return -1;
    } else {
        size_t k = 0;
        for (const char *q = s; *q;) {   /* separators to '-', a closing 日 dropped */
            if (!strncmp(q, "年", 3) || !strncmp(q, "月", 3)) buf[k++] = '-', q += 3;
            else if (!strncmp(q, "日", 3)) q += 3;
            else buf[k++] = (*q == '/' || *q == '.') ? '-' : *q, q++;
        }
        buf[k] = 0;
        if (k == 8 && strspn(buf, "0123456789") == 8) {
            if (sscanf(buf, "%4d%2d%2d", &y, &m, &d) != 3) return -1;
        } else if (sscanf(buf, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || strspn(buf, "0123456789-") != k) {
            return -1;
        }
        if (y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1 || d > days_in(y, m)) return -1;
        snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u, (unsigned)d % 100u);
    }
    ymd_of(now, today);
    return strcmp(out, today) > 0 ? -1 : 0;
}

static int parse_coord(const char *s, double *out) {
    char *end;
    *out = strtod(s, &end);
    return end != s && *end == 0 && isfinite(*out) ? 0 : -1;
}

/* The causes in s (separated by 、 ; ； , ， / or spaces) as a bit set over
** HH_CAUSES; -1 with the first unknown one in bad. */
static int parse_causes(const char *s, unsigned *set, char *bad, size_t badlen) {
    char buf[512];
    snprintf(buf, sizeof buf, "%s", s);
    *set = 0;
    for (char *p = buf; *p;) {
        size_t k = 0;
        while (p[k] && !strchr(";,/ ", p[k]) && strncmp(p + k, "、", 3) && strncmp(p + k, "；", 3) &&
               strncmp(p + k, "，", 3))
            k++;
        char save = p[k];
        p[k] = 0;
        if (*p) {
            const char *code = import_match(IC_CAUSES, p);
            int i = 0;
            while (code && HH_CAUSES[i] && strcmp(HH_CAUSES[i], code)) i++;
            if (!code || !HH_CAUSES[i]) {
                copy_utf8(bad, badlen, p);
                return -1;
            }
            *set |= 1u << i;
        }
        p[k] = save;
        if (!save) break;
        p += k + (save == ';' || save == ',' || save == '/' || save == ' ' ? 1 : 3);
    }
    return 0;
}

/* Two values of household column col mean the same thing. */
static int same_value(int col, const char *a, const char *b, int64_t now) {
    double x, y;
    unsigned sa, sb;
    char da[11], db_[11], bad[64];
    switch (col) {
    case IC_LAT:
    case IC_LON: return !parse_coord(a, &x) && !parse_coord(b, &y) && fabs(x - y) < 1e-9;
    case IC_STATUS: return import_match(col, a) == import_match(col, b);
    case IC_STATUS_DATE: return !parse_date(a, now, da) && !parse_date(b, now, db_) && !strcmp(da, db_);
    case IC_CAUSES:
        return !parse_causes(a, &sa, bad, sizeof bad) && !parse_causes(b, &sb, bad, sizeof bad) && sa == sb;
    default: return !strcmp(a, b);
    }
}

/* ---- pass 1: each row ------------------------------------------------------ */

static int org_lookup(db *d, import_plan *p, const char *code, xerr *e) {
    int *slot = smap_slot(&p->orgs, code, 1);
    if (*slot >= 0) return *slot;
    if (p->norg == p->aorg) {
        p->aorg = p->aorg ? p->aorg * 2 : 64;
        p->orgv = xrealloc(p->orgv, (size_t)p->aorg * sizeof *p->orgv);
    }
    org_ent *o = &p->orgv[p->norg];
    memset(o, 0, sizeof *o);
    db_stmt *st = db_prepare(d, "SELECT id, depth, path FROM org_node WHERE code = $1", e);
    if (!st) return -1;
    db_bind_text(st, 1, code);
    int rc = db_step(st, e);
    if (rc == 1) {
        o->found = 1;
        o->id = db_col_int(st, 0);
        o->depth = (int)db_col_int(st, 1);
        snprintf(o->path, sizeof o->path, "%s", db_col_text(st, 2));
    }
    db_done(st);
    if (rc < 0) return -1;
    *slot = p->norg;
    return p->norg++;
}

static int check_org(db *d, import_plan *p, int64_t i, const char *code, xerr *e) {
    if (!org_code_valid(code)) {
        problem(p, i, IC_ORG, "invalid_org_code", NULL);
        return 0;
    }
    int k = org_lookup(d, p, code, e);
    if (k < 0) return -1;
    const org_ent *o = &p->orgv[k];
    if (!o->found) problem(p, i, IC_ORG, "import_unknown_org", NULL);
    else if (o->depth < 2) problem(p, i, IC_ORG, "import_not_village", NULL);
    else if (!in_scope(p, o->path)) problem(p, i, IC_ORG, "out_of_scope", NULL);
    return 0;
}

/* The household of row i's number, made on first sight (with its stored twin). */
static int household_for(db *d, import_plan *p, int64_t i, const char *number, xerr *e) {
    int *slot = smap_slot(&p->numbers, number, 1);
    if (*slot >= 0) return *slot;
    if (p->nhh == p->ahh) {
        p->ahh = p->ahh ? p->ahh * 2 : 256;
        p->hhs = xrealloc(p->hhs, (size_t)p->ahh * sizeof *p->hhs);
    }
    hh *h = &p->hhs[p->nhh];
    memset(h, 0, sizeof *h);
    h->first_row = (int)i;
    h->existing = household_id_by_number(d, number, e);
    if (h->existing < 0) return -1;
    if (h->existing) {
        char path[256];
        if (household_org_path(d, h->existing, path, e)) return -1;
        h->out_of_scope = !in_scope(p, path);
    }
    *slot = p->nhh;
    return p->nhh++;
}

static void check_text(import_plan *p, int64_t i, int col, size_t max) {
    if (strlen(cell(p, i, col)) > max) problem(p, i, col, "import_too_long", NULL);
}

static void check_coded(import_plan *p, int64_t i, int col, const char **out) {
    const char *v = cell(p, i, col);
    *out = NULL;
    if (!*v) return;
    *out = import_match(col, v);
    if (!*out) problem(p, i, col, "import_bad_value", v);
}

static int check_household_cols(db *d, import_plan *p, int64_t i, xerr *e) {
    const char *code = cell(p, i, IC_ORG);
    if (*code && check_org(d, p, i, code, e)) return -1;
    check_text(p, i, IC_ADDRESS, MAX_ADDRESS);
    check_text(p, i, IC_NOTES, MAX_NOTES);
    for (int col = IC_LAT; col <= IC_LON; col++) {
        double v;
        if (*cell(p, i, col) && parse_coord(cell(p, i, col), &v)) problem(p, i, col, "import_bad_coordinate", NULL);
    }
    check_coded(p, i, IC_STATUS, &code);
    char date[11], bad[64];
    unsigned set;
    if (*cell(p, i, IC_STATUS_DATE) && parse_date(cell(p, i, IC_STATUS_DATE), p->o.ctx.now, date))
        problem(p, i, IC_STATUS_DATE, "import_bad_date", NULL);
    if (*cell(p, i, IC_CAUSES) && parse_causes(cell(p, i, IC_CAUSES), &set, bad, sizeof bad))
        problem(p, i, IC_CAUSES, "import_bad_value", bad);
    return 0;
}

static int member_given(const import_plan *p, int64_t i) {
    for (int col = IC_NAME; col < IC_COUNT; col++)
        if (*cell(p, i, col)) return 1;
    return 0;
}

/* Stored member m: which of the row's given columns differ. */
static int compare_member(db *d, import_plan *p, int64_t i, xerr *e) {
    prow *r = &p->rows[i];
    db_stmt *st = db_prepare(d,
        "SELECT name, relation, health, education, labour, phone_enc FROM member WHERE id = $1", e);
    if (!st) return -1;
    db_bind_int(st, 1, r->member_id);
    int rc = db_step(st, e);
    if (rc == 1) {
        static const int COL[5] = {IC_NAME, IC_RELATION, IC_HEALTH, IC_EDUCATION, IC_LABOUR};
        const char *want[5] = {cell(p, i, IC_NAME), r->relation, r->health, r->education, r->labour};
        for (int k = 0; k < 5; k++)
            if (want[k] && strcmp(want[k], db_col_text(st, k))) r->changed |= 1u << (COL[k] - IC_NAME);
        const char *phone = cell(p, i, IC_PHONE);
        strbuf plain = STRBUF_INIT;
        if (*phone && (db_col_isnull(st, 5) || pii_decrypt(db_col_text(st, 5), &plain) ||
                       strcmp(strbuf_str(&plain), phone)))
            r->changed |= 1u << (IC_PHONE - IC_NAME);
        if (plain.buf) sodium_memzero(plain.buf, plain.len);
        strbuf_release(&plain);
    }
    db_done(st);
    if (rc < 0) return -1;
    r->action = r->changed ? 2 : 0;
    return 0;
}

static int check_id(db *d, import_plan *p, int64_t i, xerr *e) {
    prow *r = &p->rows[i];
    const char *v = cell(p, i, IC_ID);
    idcard id;
    if (!*v) {
        problem(p, i, IC_ID, "import_missing_value", NULL);
        return 0;
    }
    if (idcard_parse(v, &id)) {
        problem(p, i, IC_ID, strpbrk(v, "Ee.") ? "import_id_as_number" : "invalid_id_number", NULL);
        return 0;
    }
    memcpy(r->id, id.number, sizeof r->id);
    int *slot = smap_slot(&p->ids, id.number, 1);
    if (*slot >= 0) {
        problem_line(p, i, IC_ID, "import_duplicate_in_file", line_of(p, *slot));
        return 0;
    }
    *slot = (int)i;
    int64_t m = member_id_by_id_number(d, id.number, e);
    if (m <= 0) return m < 0 ? -1 : 0;
    int64_t owner = member_household(d, m, e);
    if (owner < 0) return -1;
    if (r->hh >= 0 && p->hhs[r->hh].existing == owner) r->member_id = m;
    else problem(p, i, IC_ID, "import_duplicate_in_db", NULL);
    return 0;
}

static int check_member(db *d, import_plan *p, int64_t i, xerr *e) {
    prow *r = &p->rows[i];
    if (!member_given(p, i)) return 0;
    r->member = 1;
    int bad_before = r->bad;
    r->bad = 0;
    const char *name = cell(p, i, IC_NAME);
    if (!*name) problem(p, i, IC_NAME, "import_missing_value", NULL);
    check_text(p, i, IC_NAME, MAX_NAME);
    if (check_id(d, p, i, e)) return -1;
    if (!*cell(p, i, IC_RELATION)) problem(p, i, IC_RELATION, "import_missing_value", NULL);
    check_coded(p, i, IC_RELATION, &r->relation);
    check_coded(p, i, IC_HEALTH, &r->health);
    check_coded(p, i, IC_EDUCATION, &r->education);
    check_coded(p, i, IC_LABOUR, &r->labour);
    const char *phone = cell(p, i, IC_PHONE);
    if (*phone && !phone_valid(phone)) problem(p, i, IC_PHONE, "invalid_phone", NULL);
    int member_bad = r->bad;
    r->bad |= bad_before;
    r->action = 1;
    if (!member_bad && r->member_id) return compare_member(d, p, i, e);
    return 0;
}

static int check_row(db *d, import_plan *p, int64_t i, xerr *e) {
    prow *r = &p->rows[i];
    const char *num = cell(p, i, IC_NUMBER);
    r->hh = -1;
    if (!*num) problem(p, i, IC_NUMBER, "import_missing_value", NULL);
    else if (!household_number_valid(num)) problem(p, i, IC_NUMBER, "import_bad_number", NULL);
    else if ((r->hh = household_for(d, p, i, num, e)) < 0) return -1;
    else if (p->hhs[r->hh].out_of_scope) problem(p, i, IC_NUMBER, "out_of_scope", NULL);
    if (check_household_cols(d, p, i, e)) return -1;
    return check_member(d, p, i, e);
}

/* ---- pass 2: each household ------------------------------------------------- */

/* Take row i's household columns into its household, unless one contradicts
** an earlier row's (then the row is bad and gives nothing). */
static void merge_row(import_plan *p, int64_t i) {
    hh *h = &p->hhs[p->rows[i].hh];
    for (int col = IC_ORG; col < HH_COLS; col++) {
        const char *v = cell(p, i, col);
        if (*v && h->v[col] && !same_value(col, h->v[col], v, p->o.ctx.now)) {
            problem_line(p, i, col, "import_conflicting_value", h->vline[col]);
            return;
        }
    }
    for (int col = IC_ORG; col < HH_COLS; col++) {
        const char *v = cell(p, i, col);
        if (*v && !h->v[col]) {
            h->v[col] = v;
            h->vline[col] = line_of(p, i);
        }
    }
    h->good_rows++;
}

/* The row that gave household column col (for reporting), else its first good row. */
static int64_t row_of(const import_plan *p, int hi, int col) {
    const hh *h = &p->hhs[hi];
    for (int64_t i = h->first_row; i < p->s->n; i++)
        if (p->rows[i].hh == hi && !p->rows[i].bad && (col < 0 || (h->vline[col] == line_of(p, i) && *cell(p, i, col))))
            return i;
    return h->first_row;
}

static void household_problem(import_plan *p, int hi, int col, const char *code) {
    int64_t i = row_of(p, hi, col >= 0 && p->hhs[hi].v[col] ? col : -1);
    problem(p, i, col, code, NULL);
    p->hhs[hi].bad_line = line_of(p, i);
}

static void check_household(import_plan *p, int hi) {
    hh *h = &p->hhs[hi];
    if (!h->good_rows) return;
    if (!h->existing && !h->v[IC_ORG]) {
        household_problem(p, hi, IC_ORG, "import_missing_value");
        return;
    }
    if (!h->v[IC_LAT] != !h->v[IC_LON]) {
        household_problem(p, hi, h->v[IC_LAT] ? IC_LON : IC_LAT, "import_half_location");
        return;
    }
    double lat, lon;
    if (h->v[IC_LAT] && !parse_coord(h->v[IC_LAT], &lat) && !parse_coord(h->v[IC_LON], &lon) &&
        (lon < p->o.bbox[0] || lat < p->o.bbox[1] || lon > p->o.bbox[2] || lat > p->o.bbox[3]))
        household_problem(p, hi, IC_LAT, "import_outside_county");
}

static void households_pass(import_plan *p) {
    for (int64_t i = 0; i < p->s->n; i++)
        if (!p->rows[i].bad && p->rows[i].hh >= 0) merge_row(p, i);
    for (int hi = 0; hi < p->nhh; hi++) check_household(p, hi);
    for (int64_t i = 0; i < p->s->n; i++) {
        prow *r = &p->rows[i];
        if (r->bad || r->hh < 0 || !r->member || !r->relation || strcmp(r->relation, "self")) continue;
        if (p->hhs[r->hh].heads++) problem(p, i, IC_RELATION, "import_two_heads", NULL);
    }
    for (int64_t i = 0; i < p->s->n; i++) {
        prow *r = &p->rows[i];
        if (!r->bad && r->hh >= 0 && p->hhs[r->hh].bad_line)
            problem_line(p, i, -1, "import_household_bad", p->hhs[r->hh].bad_line);
    }
}

/* Reads in batches of READ_BATCH rows share one read transaction: on SQLite
** each statement outside a transaction takes and drops the file locks itself,
** which costs more than the lookup. Short batches keep old snapshots unpinned. */
#define READ_BATCH 1000

static int read_batch(db *d, int64_t i, xerr *e) {
    if (i % READ_BATCH) return 0;
    if (i && db_exec(d, "COMMIT", e)) return -1;
    return db_exec(d, "BEGIN", e);
}

static void read_batch_end(db *d) {
    xerr ignore = {0};
    if (db_exec(d, "COMMIT", &ignore)) db_exec(d, "ROLLBACK", &ignore);
}

/* ---- pass 3: stored households -------------------------------------------- */

static int64_t org_id_of(import_plan *p, const char *code) {
    int *slot = smap_slot(&p->orgs, code, 0);
    return slot && *slot >= 0 ? p->orgv[*slot].id : 0;
}

static int causes_differ(db *d, const hh *h, xerr *e) {
    unsigned want, have = 0;
    char bad[64];
    if (parse_causes(h->v[IC_CAUSES], &want, bad, sizeof bad)) return 1;
    db_stmt *st = db_prepare(d, "SELECT cause FROM household_cause WHERE household_id = $1", e);
    if (!st) return -1;
    db_bind_int(st, 1, h->existing);
    int rc;
    while ((rc = db_step(st, e)) == 1)
        for (int k = 0; HH_CAUSES[k]; k++)
            if (!strcmp(HH_CAUSES[k], db_col_text(st, 0))) have |= 1u << k;
    db_done(st);
    return rc < 0 ? -1 : want != have;
}

static int compare_household(db *d, import_plan *p, hh *h, xerr *e) {
    db_stmt *st = db_prepare(d, "SELECT org_id, address, lat, lon, status, notes FROM household WHERE id = $1", e);
    if (!st) return -1;
    db_bind_int(st, 1, h->existing);
    int rc = db_step(st, e);
    double lat, lon;
    if (rc == 1) {
        if (h->v[IC_ORG] && org_id_of(p, h->v[IC_ORG]) != db_col_int(st, 0)) h->changed |= 1u << IC_ORG;
        if (h->v[IC_ADDRESS] && strcmp(h->v[IC_ADDRESS], db_col_text(st, 1))) h->changed |= 1u << IC_ADDRESS;
        if (h->v[IC_LAT] && !parse_coord(h->v[IC_LAT], &lat) && !parse_coord(h->v[IC_LON], &lon) &&
            (db_col_isnull(st, 2) || fabs(db_col_double(st, 2) - lat) > 1e-9 || fabs(db_col_double(st, 3) - lon) > 1e-9))
            h->changed |= 1u << IC_LAT;
        if (h->v[IC_STATUS] && strcmp(import_match(IC_STATUS, h->v[IC_STATUS]), db_col_text(st, 4))) h->status_change = 1;
        if (h->v[IC_NOTES] && strcmp(h->v[IC_NOTES], db_col_text(st, 5))) h->changed |= 1u << IC_NOTES;
    }
    db_done(st);
    if (rc < 0) return -1;
    int c = h->v[IC_CAUSES] ? causes_differ(d, h, e) : 0;
    if (c < 0) return -1;
    if (c) h->changed |= 1u << IC_CAUSES;
    return 0;
}

static int hh_writes(const hh *h) { return !h->existing || h->changed || h->status_change; }
static int hh_eligible(const hh *h) { return h->good_rows && !h->bad_line; }

static int count_pass(db *d, import_plan *p, import_counts *c, xerr *e) {
    for (int hi = 0; hi < p->nhh; hi++) {
        hh *h = &p->hhs[hi];
        if (read_batch(d, hi + 1, e)) return -1;   /* + 1: the rows' batch is still open */
        if (!hh_eligible(h)) continue;
        if (h->existing && compare_household(d, p, h, e)) return -1;
        if (!h->existing) c->households_created++;
        else if (h->changed || h->status_change) c->households_updated++;
    }
    for (int64_t i = 0; i < p->s->n; i++) {
        const prow *r = &p->rows[i];
        if (r->bad) {
            c->rows_bad++;
            continue;
        }
        if (r->member && r->action == 1) c->members_created++;
        if (r->member && r->action == 2) c->members_updated++;
        if ((!r->member || !r->action) && !hh_writes(&p->hhs[r->hh])) c->unchanged++;
    }
    return 0;
}

static int by_line(const void *a, const void *b) {
    const import_problem *x = a, *y = b;
    if (x->line != y->line) return x->line < y->line ? -1 : 1;
    return x->col < y->col ? -1 : x->col > y->col;
}

import_plan *import_plan_make(db *d, import_sheet *s, const import_opts *o, import_counts *c, xerr *e) {
    import_plan *p = xcalloc(1, sizeof *p);
    p->s = s;
    p->o = *o;
    snprintf(p->scope, sizeof p->scope, "%s", o->scope_path);
    p->o.scope_path = p->scope;
    p->rows = xcalloc((size_t)s->n, sizeof *p->rows);
    memset(c, 0, sizeof *c);
    c->rows_total = s->n;
    int rc = 0;
    if (!o->bbox[0] && !o->bbox[1] && !o->bbox[2] && !o->bbox[3]) rc = import_bbox(d, p->scope, p->o.bbox, e);
    for (int64_t i = 0; !rc && i < s->n; i++) {
        rc = read_batch(d, i, e);
        if (!rc) rc = check_row(d, p, i, e);
        c->rows_done = i + 1;
        if (o->progress && (i + 1) % PROGRESS_EVERY == 0) o->progress(o->progress_arg, c, "validating");
    }
    if (!rc) households_pass(p);
    if (!rc) rc = count_pass(d, p, c, e);
    read_batch_end(d);
    if (rc) {
        import_plan_free(p);
        return NULL;
    }
    if (p->nprob > 1) qsort(p->probs, (size_t)p->nprob, sizeof *p->probs, by_line);
    return p;
}

const import_problem *import_problems(const import_plan *p, int *n) {
    *n = p->nprob;
    return p->probs;
}

/* ---- writing ---------------------------------------------------------------- */

static void household_fields(import_plan *p, const hh *h, unsigned cols, household_in *in) {
    unsigned set;
    char bad[64];
    memset(in, 0, sizeof *in);
    if (cols & (1u << IC_ORG)) in->org_id = org_id_of(p, h->v[IC_ORG]);
    if (cols & (1u << IC_ADDRESS)) in->address = h->v[IC_ADDRESS];
    if (cols & (1u << IC_NOTES)) in->notes = h->v[IC_NOTES];
    if ((cols & (1u << IC_LAT)) && h->v[IC_LAT]) {
        in->has_location = 1;
        parse_coord(h->v[IC_LAT], &in->lat);
        parse_coord(h->v[IC_LON], &in->lon);
    }
    if ((cols & (1u << IC_CAUSES)) && h->v[IC_CAUSES] && !parse_causes(h->v[IC_CAUSES], &set, bad, sizeof bad)) {
        in->has_causes = 1;
        for (int k = 0; HH_CAUSES[k] && in->ncauses < HH_MAX_CAUSES; k++)
            if (set & (1u << k)) in->causes[in->ncauses++] = HH_CAUSES[k];
    }
}

static int write_household(db *d, import_plan *p, hh *h, xerr *e) {
    household_in in;
    const audit_ctx *ctx = &p->o.ctx;
    if (!h->existing) {
        household_fields(p, h, ~0u, &in);
        in.number = cell(p, h->first_row, IC_NUMBER);
        if (h->v[IC_STATUS]) in.status = import_match(IC_STATUS, h->v[IC_STATUS]);
        return household_create(d, ctx, &in, &h->id, e);
    }
    h->id = h->existing;
    if (h->changed) {
        household_fields(p, h, h->changed, &in);
        if (household_update(d, ctx, h->id, &in, e)) return -1;
    }
    if (!h->status_change) return 0;
    char date[11], reason[96];
    if (!h->v[IC_STATUS_DATE] || parse_date(h->v[IC_STATUS_DATE], ctx->now, date)) ymd_of(ctx->now, date);
    snprintf(reason, sizeof reason, "批量导入 import #%lld", (long long)p->o.job_id);
    return household_set_status(d, ctx, h->id, import_match(IC_STATUS, h->v[IC_STATUS]), date, reason, e);
}

static int write_member(db *d, import_plan *p, int64_t i, xerr *e) {
    prow *r = &p->rows[i];
    unsigned all = r->action == 1 ? ~0u : r->changed;
    member_in in = {0};
    in.joined = r->action == 1 ? 0 : -1;
    if (all & 1u) in.name = cell(p, i, IC_NAME);
    if (all & (1u << (IC_RELATION - IC_NAME))) in.relation = r->relation;
    if (all & (1u << (IC_HEALTH - IC_NAME))) in.health = r->health;
    if (all & (1u << (IC_EDUCATION - IC_NAME))) in.education = r->education;
    if (all & (1u << (IC_LABOUR - IC_NAME))) in.labour = r->labour;
    if ((all & (1u << (IC_PHONE - IC_NAME))) && *cell(p, i, IC_PHONE)) in.phone = cell(p, i, IC_PHONE);
    if (r->action == 2) return member_update(d, &p->o.ctx, r->member_id, &in, e);
    in.id_number = r->id;
    int64_t id;
    return member_add(d, &p->o.ctx, p->hhs[r->hh].id, &in, &id, e);
}

static int audit_import(db *d, const import_plan *p, const import_counts *c, xerr *e) {
    static const char *const MODES[] = {"validate", "commit", "valid_only"};
    json_t *after = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "mode", MODES[p->o.mode],
                              "rows_total", (json_int_t)c->rows_total, "rows_bad", (json_int_t)c->rows_bad,
                              "households_created", (json_int_t)c->households_created,
                              "households_updated", (json_int_t)c->households_updated,
                              "members_created", (json_int_t)c->members_created,
                              "members_updated", (json_int_t)c->members_updated);
    int rc = audit_append_id(d, &p->o.ctx, "import.commit", "import_job", p->o.job_id, NULL, after, e);
    json_decref(after);
    return rc;
}

int import_apply(db *d, import_plan *p, import_counts *c, xerr *e) {
    for (int hi = 0; hi < p->nhh; hi++) {
        hh *h = &p->hhs[hi];
        h->id = h->existing;
        if (hh_eligible(h) && hh_writes(h) && write_household(d, p, h, e)) return -1;
    }
    c->rows_done = 0;
    for (int64_t i = 0; i < p->s->n; i++) {
        const prow *r = &p->rows[i];
        if (!r->bad && r->member && r->action && write_member(d, p, i, e)) return -1;
        c->rows_done = i + 1;
        if (p->o.progress && (i + 1) % PROGRESS_EVERY == 0) p->o.progress(p->o.progress_arg, c, "writing");
    }
    int wrote = c->households_created || c->households_updated || c->members_created || c->members_updated;
    return wrote ? audit_import(d, p, c, e) : 0;
}

void import_plan_free(import_plan *p) {
    if (!p) return;
    free(p->hhs);
    smap_free(&p->numbers);
    smap_free(&p->ids);
    smap_free(&p->orgs);
    free(p->orgv);
    for (int64_t i = 0; p->rows && i < p->s->n; i++) sodium_memzero(p->rows[i].id, sizeof p->rows[i].id);
    free(p->rows);
    free(p->probs);
    free(p);
}
