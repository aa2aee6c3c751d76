/* audit.c: browsing and exporting the audit log (read-only: no route changes it). */
#include "api/api.h"
#include "db/db_json.h"

#include <string.h>

#define AUDIT_WHERE \
    " WHERE (CAST($1 AS TEXT) = '' OR actor_login = $1)" \
    " AND (CAST($2 AS TEXT) = '' OR action = $2)" \
    " AND (CAST($3 AS TEXT) = '' OR entity = $3)" \
    " AND (CAST($4 AS TEXT) = '' OR entity_id = $4)" \
    " AND ts >= $5 AND ts <= $6"
#define AUDIT_COLS "seq, ts, actor_id, actor_login, ip, action, entity, entity_id, before_json, after_json"

typedef struct filters {
    const char *actor, *action, *entity, *entity_id;
    int64_t from, to;
} filters;

static int read_filters(req *r, filters *f) {
    static const char *const KEYS[] = {"actor", "action", "entity", "entity_id"};
    const char **vals[] = {&f->actor, &f->action, &f->entity, &f->entity_id};
    for (int i = 0; i < 4; i++) {
        const char *v = req_query(r, KEYS[i]);
        if (v && strlen(v) > 100) return fail(r, 400, "too_long", KEYS[i]);
        *vals[i] = v ? v : "";
    }
    return req_query_int(r, "from", 0, INT64_MAX, 0, &f->from) ||
           req_query_int(r, "to", 0, INT64_MAX, INT64_MAX, &f->to);
}

static void bind_filters(db_stmt *st, const filters *f) {
    db_bind_text(st, 1, f->actor);
    db_bind_text(st, 2, f->action);
    db_bind_text(st, 3, f->entity);
    db_bind_text(st, 4, f->entity_id);
    db_bind_int(st, 5, f->from);
    db_bind_int(st, 6, f->to);
}

static json_t *row_json(db_stmt *st) {
    json_t *j = json_pack("{s:I, s:I, s:s?, s:s?, s:s, s:s?, s:s?}", "seq", (json_int_t)db_col_int(st, 0),
                          "ts", (json_int_t)db_col_int(st, 1), "actor_login", db_col_text(st, 3),
                          "ip", db_col_text(st, 4), "action", db_col_text(st, 5),
                          "entity", db_col_text(st, 6), "entity_id", db_col_text(st, 7));
    json_object_set_new(j, "actor_id", db_col_json(st, 2, 'i'));
    json_object_set_new(j, "before", db_col_json(st, 8, 'j'));
    json_object_set_new(j, "after", db_col_json(st, 9, 'j'));
    return j;
}

int h_audit_list(req *r) {
    filters f;
    int64_t page, per_page, total = 0;
    if (read_filters(r, &f) || req_paging(r, &page, &per_page)) return -1;
    db_stmt *st = db_prepare(r->db, "SELECT COUNT(*) FROM audit_log" AUDIT_WHERE, &r->err);
    if (!st) return -1;
    bind_filters(st, &f);
    int rc = db_step(st, &r->err);
    total = db_col_int(st, 0);
    db_done(st);
    if (rc != 1) return -1;
    st = db_prepare(r->db, "SELECT " AUDIT_COLS " FROM audit_log" AUDIT_WHERE
                           " ORDER BY seq DESC LIMIT $7 OFFSET $8", &r->err);
    if (!st) return -1;
    bind_filters(st, &f);
    db_bind_int(st, 7, per_page);
    db_bind_int(st, 8, (page - 1) * per_page);
    json_t *items = json_array();
    while ((rc = db_step(st, &r->err)) == 1) json_array_append_new(items, row_json(st));
    db_done(st);
    if (rc < 0) {
        json_decref(items);
        return -1;
    }
    reply_list(r, items, total, page, per_page);
    return 0;
}

/* RFC 4180 field; a leading =, +, - or @ is neutralised so spreadsheets
** do not run it as a formula. */
static void csv_field(strbuf *sb, const char *s, int last) {
    if (!s) s = "";
    strbuf_addch(sb, '"');
    if (strchr("=+-@", *s) && *s) strbuf_addch(sb, '\'');
    for (; *s; s++) {
        if (*s == '"') strbuf_addch(sb, '"');
        strbuf_addch(sb, *s);
    }
    strbuf_addstr(sb, last ? "\"\r\n" : "\",");
}

int h_audit_csv(req *r) {
    filters f;
    if (read_filters(r, &f)) return -1;
    db_stmt *st = db_prepare(r->db, "SELECT " AUDIT_COLS " FROM audit_log" AUDIT_WHERE
                                    " ORDER BY seq LIMIT 200000", &r->err);
    if (!st) return -1;
    bind_filters(st, &f);
    strbuf sb = STRBUF_INIT;
    strbuf_addstr(&sb, "\xEF\xBB\xBF");   /* BOM: Excel then reads the file as UTF-8 */
    strbuf_addstr(&sb, "seq,ts,actor_id,actor_login,ip,action,entity,entity_id,before,after\r\n");
    int rc;
    while ((rc = db_step(st, &r->err)) == 1)
        for (int c = 0; c < 10; c++) csv_field(&sb, db_col_text(st, c), c == 9);
    db_done(st);
    if (rc < 0) {
        strbuf_release(&sb);
        return -1;
    }
    reply_header(r, "Content-Disposition", "attachment; filename=\"xiangcun-audit.csv\"");
    reply_raw(r, 200, "text/csv; charset=utf-8", &sb);
    return 0;
}
