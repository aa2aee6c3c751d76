/* common.c: helpers shared by the API handlers (see api.h). */
#include "api/api.h"
#include "auth/password.h"
#include "io/table_out.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void scope_range(const char *path, char lo[256], char hi[256]) {
    snprintf(lo, 256, "%s", path);
    snprintf(hi, 256, "%s", path);
    size_t n = strlen(hi);
    if (n) hi[n - 1] = '0';
}

void reply_list(req *r, json_t *items, int64_t total, int64_t page, int64_t per_page) {
    reply_json(r, 200, json_pack("{s:o, s:I, s:I, s:I}", "items", items, "total", (json_int_t)total,
                                 "page", (json_int_t)page, "per_page", (json_int_t)per_page));
}

audit_ctx api_ctx(const req *r) {
    audit_ctx c;
    req_audit_ctx(r, &c);
    return c;
}

int api_begin(req *r) { return db_begin(r->db, &r->err); }
int api_commit(req *r) { return db_commit(r->db, &r->err); }

int api_commit_reply(req *r, int status, json_t *body) {
    if (!body) return -1;
    if (db_in_tx(r->db) && api_commit(r)) {
        json_decref(body);
        return -1;
    }
    reply_json(r, status, body);
    return 0;
}

static void where_add(where *w, const char *fragment) {
    if (w->n >= WHERE_MAX) abort();   /* programming error: too many filters */
    w->n++;
    for (const char *p = fragment; *p; p++) {
        if (*p == '?') strbuf_addf(&w->sql, "$%d", w->n);
        else strbuf_addch(&w->sql, *p);
    }
}

void where_text(where *w, const char *fragment, const char *value) {
    where_add(w, fragment);
    w->is_int[w->n - 1] = 0;
    w->text[w->n - 1] = value;
}

void where_int(where *w, const char *fragment, int64_t value) {
    where_add(w, fragment);
    w->is_int[w->n - 1] = 1;
    w->num[w->n - 1] = value;
}

int where_bind(const where *w, db_stmt *st) {
    for (int i = 0; i < w->n; i++) {
        if (w->is_int[i]) db_bind_int(st, i + 1, w->num[i]);
        else db_bind_text(st, i + 1, w->text[i]);
    }
    return w->n + 1;
}

void where_release(where *w) { strbuf_release(&w->sql); }

/* The subtree path a request lists: the caller's, or ?org_id= inside it. */
int api_list_path(req *r, char path[256]) {
    int64_t org_id;
    if (req_query_int(r, "org_id", 0, INT64_MAX, 0, &org_id)) return -1;
    snprintf(path, 256, "%s", r->who.org_path);
    if (!org_id) return 0;
    if (req_check_org(r, org_id)) return -1;
    db_stmt *st = db_prepare(r->db, "SELECT path FROM org_node WHERE id = $1", &r->err);
    if (!st) return -1;
    db_bind_int(st, 1, org_id);
    int rc = db_step(st, &r->err);
    if (rc == 1) snprintf(path, 256, "%s", db_col_text(st, 0));
    db_done(st);
    return rc < 0 ? -1 : 0;
}

json_t *api_page(req *r, const char *select, const where *w, const char *order, int64_t page, int64_t per_page,
                 db_row_fn row, const void *ctx) {
    strbuf sql = STRBUF_INIT;
    strbuf_addf(&sql, "%s WHERE %s ORDER BY %s LIMIT $%d OFFSET $%d", select, w->sql.buf, order, w->n + 1, w->n + 2);
    db_stmt *st = db_prepare(r->db, sql.buf, &r->err);
    strbuf_release(&sql);
    if (!st) return NULL;
    int next = where_bind(w, st);
    db_bind_int(st, next, per_page);
    db_bind_int(st, next + 1, (page - 1) * per_page);
    return db_rows(st, row, ctx, &r->err);
}

void reply_all(req *r, json_t *items) {
    int64_t n = (int64_t)json_array_size(items);
    reply_list(r, items, n, 1, n);
}

int64_t api_count(req *r, const char *from, const where *w) {
    strbuf sql = STRBUF_INIT;
    strbuf_addf(&sql, "SELECT COUNT(*) FROM %s WHERE %s", from, w->sql.buf);
    db_stmt *st = db_prepare(r->db, sql.buf, &r->err);
    strbuf_release(&sql);
    if (!st) return -1;
    where_bind(w, st);
    int rc = db_step(st, &r->err);
    int64_t n = rc == 1 ? db_col_int(st, 0) : -1;
    db_done(st);
    return n;
}

void api_like_pattern(const char *q, strbuf *out) {
    strbuf_addch(out, '%');
    for (; *q; q++) {
        if (strchr("%_\\", *q)) strbuf_addch(out, '\\');
        strbuf_addch(out, *q);
    }
    strbuf_addch(out, '%');
}

int api_reply_export(req *r, table_out *t, const char *name, const char *action, const char *entity) {
    strbuf out = STRBUF_INIT;
    audit_ctx ctx = api_ctx(r);
    json_t *after = json_pack("{s:s, s:I}", "format", t->xlsx ? "xlsx" : "csv", "rows", (json_int_t)t->rows);
    int rc = table_finish(t, &out, &r->err);
    if (!rc) rc = api_begin(r);
    if (!rc) rc = audit_append(r->db, &ctx, action, entity, NULL, NULL, after, &r->err);
    if (!rc) rc = api_commit(r);
    json_decref(after);
    if (rc) {
        strbuf_release(&out);
        return -1;
    }
    char disp[128], day[16];
    time_t now = (time_t)r->now;
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(day, sizeof day, "%Y%m%d", &tm);
    snprintf(disp, sizeof disp, "attachment; filename=\"xiangcun-%s-%s.%s\"", name, day, t->xlsx ? "xlsx" : "csv");
    reply_header(r, "Content-Disposition", disp);
    reply_raw(r, 200, t->xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                              : "text/csv; charset=utf-8", &out);
    return 0;
}

/* Failures count towards the same lockout as sign-in, so a borrowed session
** cannot be used to guess the password. */
int api_reauth(req *r, const char *password) {
    db_stmt *st = db_prepare(r->db, "SELECT password_hash, locked_until FROM app_user WHERE id = $1", &r->err);
    if (!st) return -1;
    db_bind_int(st, 1, r->who.user_id);
    int rc = db_step(st, &r->err);
    int locked = rc == 1 && db_col_int(st, 1) > r->now;
    int ok = rc == 1 && !locked && password_verify(password, db_col_text(st, 0));
    db_done(st);
    if (rc < 0) return -1;
    if (locked) return fail(r, 423, "account_locked", NULL);
    return ok ? 0 : api_auth_failed(r, r->who.login, r->who.user_id, "session.reauth_failed", "reauth_failed");
}
