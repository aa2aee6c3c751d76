/*
** exports.c: the household ledger (台账) as CSV or XLSX, with the same scope
** and filters as GET /api/v1/households (hh_query_init): one row per member
** with its household's columns, headers and coded values in the request's
** language, ID numbers and phones masked. A cadre gets the members of the
** households they help and the household columns of the others, as the list
** shows them. Each export is audited (what, how many rows), as bulk reads of
** personal data should be.
*/
#include "api/api.h"
#include "io/import.h"
#include "io/table_out.h"

#include <stdio.h>
#include <string.h>

enum {
    X_NUMBER, X_ORG_CODE, X_ORG_NAME, X_ADDRESS, X_LAT, X_LON, X_STATUS, X_CAUSES, X_NOTES,
    X_NAME, X_ID, X_SEX, X_BIRTH, X_RELATION, X_HEALTH, X_EDUCATION, X_LABOUR, X_PHONE, X_COUNT
};

/* The template column each export column shares its header with (-1: its own). */
static const int AS_IMPORT[X_COUNT] = {IC_NUMBER, IC_ORG, -1, IC_ADDRESS, IC_LAT, IC_LON, IC_STATUS, IC_CAUSES,
                                       IC_NOTES, IC_NAME, IC_ID, -1, -1, IC_RELATION, IC_HEALTH, IC_EDUCATION,
                                       IC_LABOUR, IC_PHONE};
static const double WIDTH[X_COUNT] = {14, 15, 12, 24, 11, 11, 9, 18, 20, 10, 22, 6, 12, 11, 11, 13, 13, 14};

static const char *col_title(int c, const char *lang) {
    int en = !strcmp(lang, "en");
    if (AS_IMPORT[c] >= 0) return import_col_name(AS_IMPORT[c], lang);
    if (c == X_ORG_NAME) return en ? "org_name" : "村组";
    if (c == X_SEX) return en ? "sex" : "性别";
    return en ? "birth_date" : "出生日期";
}

static int col_kind(int c) {
    if (c == X_LAT || c == X_LON) return XLSX_NUMBER;
    if (c == X_NUMBER || c == X_ORG_CODE || c == X_ID || c == X_PHONE || c == X_BIRTH) return XLSX_ID;
    return XLSX_TEXT;
}

/* Rows go to a CSV buffer or a workbook (io/table_out.h), on one sheet; cols outlives t. */
static int sink_open(table_out *t, int xlsx, const char *lang, xlsx_col cols[X_COUNT], xerr *e) {
    for (int c = 0; c < X_COUNT; c++) cols[c] = (xlsx_col){col_title(c, lang), WIDTH[c], col_kind(c)};
    if (table_open(t, xlsx, cols, X_COUNT, e)) return -1;
    return table_sheet(t, strcmp(lang, "en") ? "台账" : "ledger", e);
}

/* The causes of household id as labels joined the language's way. */
static int causes_of(db *d, int64_t id, const char *lang, strbuf *out, xerr *e) {
    strbuf_reset(out);
    db_stmt *st = db_prepare(d, "SELECT cause FROM household_cause WHERE household_id = $1 ORDER BY cause", e);
    if (!st) return -1;
    db_bind_int(st, 1, id);
    int rc;
    while ((rc = db_step(st, e)) == 1) {
        if (out->len) strbuf_addstr(out, strcmp(lang, "en") ? "、" : ";");
        strbuf_addstr(out, import_label(IC_CAUSES, db_col_text(st, 0), lang));
    }
    db_done(st);
    return rc < 0 ? -1 : 0;
}

#define EXPORT_SELECT \
    "SELECT h.id, h.number, o.code, o.name, h.address, h.lat, h.lon, h.status, h.notes, m.name, m.id_mask," \
    " m.sex, m.birth_date, m.relation, m.health, m.education, m.labour, m.phone_mask" \
    " FROM household h JOIN org_node o ON o.id = h.org_id LEFT JOIN member m ON m.household_id = h.id" \
    " AND (CAST($%d AS BIGINT) = 0 OR h.id IN (SELECT household_id FROM help_pair WHERE cadre_id = $%d" \
    " AND end_date IS NULL)) WHERE %s ORDER BY h.number, m.id LIMIT $%d"

static const char *text_or_empty(db_stmt *st, int col) {
    const char *s = db_col_text(st, col);
    return s ? s : "";
}

/* One result row as the export's values (buffers for the formatted ones). */
static void row_values(db_stmt *st, const char *lang, const strbuf *causes, char lat[32], char lon[32],
                       const char *v[X_COUNT]) {
    int en = !strcmp(lang, "en");
    for (int c = 0; c < X_COUNT; c++) v[c] = "";
    v[X_NUMBER] = text_or_empty(st, 1);
    v[X_ORG_CODE] = text_or_empty(st, 2);
    v[X_ORG_NAME] = text_or_empty(st, 3);
    v[X_ADDRESS] = text_or_empty(st, 4);
    if (!db_col_isnull(st, 5)) {
        snprintf(lat, 32, "%.6f", db_col_double(st, 5));
        snprintf(lon, 32, "%.6f", db_col_double(st, 6));
        v[X_LAT] = lat;
        v[X_LON] = lon;
    }
    v[X_STATUS] = import_label(IC_STATUS, text_or_empty(st, 7), lang);
    v[X_CAUSES] = strbuf_str(causes);
    v[X_NOTES] = text_or_empty(st, 8);
    if (db_col_isnull(st, 9)) return;   /* a household without (visible) members */
    v[X_NAME] = text_or_empty(st, 9);
    v[X_ID] = text_or_empty(st, 10);
    v[X_SEX] = !strcmp(text_or_empty(st, 11), "M") ? (en ? "M" : "男") : (en ? "F" : "女");
    v[X_BIRTH] = text_or_empty(st, 12);
    v[X_RELATION] = import_label(IC_RELATION, text_or_empty(st, 13), lang);
    v[X_HEALTH] = import_label(IC_HEALTH, text_or_empty(st, 14), lang);
    v[X_EDUCATION] = import_label(IC_EDUCATION, text_or_empty(st, 15), lang);
    v[X_LABOUR] = import_label(IC_LABOUR, text_or_empty(st, 16), lang);
    v[X_PHONE] = text_or_empty(st, 17);
}

static int write_rows(req *r, const where *w, table_out *k) {
    strbuf sql = STRBUF_INIT;
    strbuf_addf(&sql, EXPORT_SELECT, w->n + 1, w->n + 1, w->sql.buf, w->n + 2);
    db_stmt *st = db_prepare(r->db, sql.buf, &r->err);
    strbuf_release(&sql);
    if (!st) return -1;
    int next = where_bind(w, st);
    db_bind_int(st, next, strcmp(r->who.role, "cadre") ? 0 : r->who.user_id);
    db_bind_int(st, next + 1, XLSX_MAX_ROWS);   /* one more than allowed: export_too_large */
    strbuf causes = STRBUF_INIT;
    int64_t last = 0;
    int rc, bad = 0;
    while (!bad && (rc = db_step(st, &r->err)) == 1) {
        int64_t id = db_col_int(st, 0);
        if (id != last && causes_of(r->db, id, r->lang, &causes, &r->err)) bad = 1;
        last = id;
        const char *v[X_COUNT];
        char lat[32], lon[32];
        row_values(st, r->lang, &causes, lat, lon, v);
        if (!bad && table_row(k, v, &r->err)) bad = 1;
    }
    db_done(st);
    strbuf_release(&causes);
    return bad || rc < 0 ? -1 : 0;
}

static int export(req *r, int xlsx) {
    hh_query q;
    table_out k;
    xlsx_col cols[X_COUNT];
    memset(&k, 0, sizeof k);
    if (hh_query_init(r, &q)) {
        hh_query_release(&q);
        return -1;
    }
    int rc = sink_open(&k, xlsx, r->lang, cols, &r->err);
    if (!rc) rc = write_rows(r, &q.w, &k);
    hh_query_release(&q);
    if (!rc) rc = api_reply_export(r, &k, "households", "household.export", "household");
    table_free(&k);
    return rc;
}

int h_households_export_csv(req *r) { return export(r, 0); }
int h_households_export_xlsx(req *r) { return export(r, 1); }
