/* org.c: the county tree (see org.h). */
#include "model/org.h"
#include "core/strbuf.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>


int org_code_valid(const char *s) {
    if (!s || strlen(s) != 12) return 0;
    for (int i = 0; i < 12; i++)
        if (!isdigit((unsigned char)s[i])) return 0;
    return 1;
}

const char *org_level(int depth) {
    static const char *const LEVELS[] = {"county", "town", "village", "group"};
    return depth >= 0 && depth < 4 ? LEVELS[depth] : NULL;
}

void org_read_row(db_stmt *st, org *o) {
    o->id = db_col_int(st, 0);
    o->parent_id = db_col_int(st, 1);
    snprintf(o->code, sizeof o->code, "%s", db_col_text(st, 2));
    snprintf(o->name, sizeof o->name, "%s", db_col_text(st, 3));
    snprintf(o->level, sizeof o->level, "%s", db_col_text(st, 4));
    snprintf(o->path, sizeof o->path, "%s", db_col_text(st, 5));
    o->depth = (int)db_col_int(st, 6);
}

static int get_where(db *d, const char *sql, int64_t id, const char *code, org *out, xerr *e) {
    db_stmt *st = db_prepare(d, sql, e);
    if (!st) return -1;
    if (code) db_bind_text(st, 1, code);
    else db_bind_int(st, 1, id);
    int rc = db_step(st, e);
    if (rc == 1) org_read_row(st, out);
    db_done(st);
    if (rc == 0) return xerr_set(e, 404, "not_found", "%s", "org");
    return rc < 0 ? -1 : 0;
}

int org_get(db *d, int64_t id, org *out, xerr *e) {
    return get_where(d, "SELECT " ORG_COLUMNS " FROM org_node WHERE id = $1", id, NULL, out, e);
}

int org_get_by_code(db *d, const char *code, org *out, xerr *e) {
    return get_where(d, "SELECT " ORG_COLUMNS " FROM org_node WHERE code = $1", 0, code, out, e);
}

json_t *org_json(const org *o) {
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:i}", "id", (json_int_t)o->id, "code", o->code,
                          "name", o->name, "level", o->level, "depth", o->depth);
    json_object_set_new(j, "parent_id", o->parent_id ? json_integer(o->parent_id) : json_null());
    return j;
}

static int code_taken(db *d, const char *code, int64_t except_id, xerr *e) {
    db_stmt *st = db_prepare(d, "SELECT id FROM org_node WHERE code = $1 AND id <> $2", e);
    if (!st) return -1;
    db_bind_text(st, 1, code);
    db_bind_int(st, 2, except_id);
    int rc = db_step(st, e);
    db_done(st);
    if (rc == 1) return xerr_set(e, 409, "conflict", "%s", "code");
    return rc < 0 ? -1 : 0;
}

int org_create(db *d, const audit_ctx *ctx, int64_t parent_id, const char *code, const char *name,
               org *out, xerr *e) {
    org parent = {0};
    if (!org_code_valid(code)) return xerr_set(e, 400, "invalid_org_code", "%s", "code");
    if (parent_id && get_where(d, "SELECT " ORG_COLUMNS " FROM org_node WHERE id = $1", parent_id, NULL,
                               &parent, e))
        return e->status == 404 ? xerr_set(e, 400, "invalid_parent", "%s", "parent_id") : -1;
    int depth = parent_id ? parent.depth + 1 : 0;
    const char *level = org_level(depth);
    if (!level) return xerr_set(e, 400, "invalid_parent", "%s", "parent_id");
    if (code_taken(d, code, 0, e)) return -1;
    db_stmt *st = db_prepare(d,
        "INSERT INTO org_node (parent_id, code, name, level, path, depth, created_at, updated_at)"
        " VALUES ($1, $2, $3, $4, '', $5, $6, $6) RETURNING id", e);
    if (!st) return -1;
    if (parent_id) db_bind_int(st, 1, parent_id);
    else db_bind_null(st, 1);
    db_bind_text(st, 2, code);
    db_bind_text(st, 3, name);
    db_bind_text(st, 4, level);
    db_bind_int(st, 5, depth);
    db_bind_int(st, 6, ctx->now);
    int rc = db_step(st, e);
    int64_t id = rc == 1 ? db_col_int(st, 0) : 0;
    db_done(st);
    if (rc != 1) return -1;
    /* The path holds the node's own id, known only after the insert. */
    strbuf path = STRBUF_INIT;
    strbuf_addf(&path, "%s%" PRId64 "/", parent_id ? parent.path : "/", id);
    st = db_prepare(d, "UPDATE org_node SET path = $1 WHERE id = $2", e);
    if (!st) {
        strbuf_release(&path);
        return -1;
    }
    db_bind_text(st, 1, path.buf);
    strbuf_release(&path);
    db_bind_int(st, 2, id);
    rc = db_step(st, e);
    db_done(st);
    if (rc < 0 || org_get(d, id, out, e)) return -1;
    json_t *after = org_json(out);
    rc = audit_append_id(d, ctx, "org.create", "org", id, NULL, after, e);
    json_decref(after);
    return rc;
}

static int move_subtree(db *d, const org *node, const org *parent, int64_t now, xerr *e) {
    strbuf newpath = STRBUF_INIT;
    strbuf_addf(&newpath, "%s%" PRId64 "/", parent->path, node->id);
    db_stmt *st = db_prepare(d,
        "UPDATE org_node SET path = CAST($1 AS TEXT) || substr(path, $2), updated_at = $3"
        " WHERE substr(path, 1, $4) = CAST($5 AS TEXT)", e);
    if (st) db_bind_text(st, 1, newpath.buf);
    strbuf_release(&newpath);
    if (!st) return -1;
    db_bind_int(st, 2, (int64_t)strlen(node->path) + 1);
    db_bind_int(st, 3, now);
    db_bind_int(st, 4, (int64_t)strlen(node->path));
    db_bind_text(st, 5, node->path);
    int rc = db_step(st, e);
    db_done(st);
    if (rc < 0) return -1;
    st = db_prepare(d, "UPDATE org_node SET parent_id = $1 WHERE id = $2", e);
    if (!st) return -1;
    db_bind_int(st, 1, parent->id);
    db_bind_int(st, 2, node->id);
    rc = db_step(st, e);
    db_done(st);
    return rc < 0 ? -1 : 0;
}

int org_update(db *d, const audit_ctx *ctx, int64_t id, const char *name, const char *code,
               int64_t new_parent, org *out, xerr *e) {
    org cur, parent;
    if (org_get(d, id, &cur, e)) return -1;
    if (code && !org_code_valid(code)) return xerr_set(e, 400, "invalid_org_code", "%s", "code");
    if (code && code_taken(d, code, id, e)) return -1;
    if (new_parent && new_parent != cur.parent_id) {
        if (org_get(d, new_parent, &parent, e))
            return e->status == 404 ? xerr_set(e, 400, "invalid_parent", "%s", "parent_id") : -1;
        if (!cur.parent_id || parent.depth != cur.depth - 1 || !strncmp(parent.path, cur.path, strlen(cur.path)))
            return xerr_set(e, 400, "invalid_parent", "%s", "parent_id");
        if (move_subtree(d, &cur, &parent, ctx->now, e)) return -1;
    }
    db_stmt *st = db_prepare(d,
        "UPDATE org_node SET name = COALESCE($1, name), code = COALESCE($2, code), updated_at = $3"
        " WHERE id = $4", e);
    if (!st) return -1;
    db_bind_text(st, 1, name);
    db_bind_text(st, 2, code);
    db_bind_int(st, 3, ctx->now);
    db_bind_int(st, 4, id);
    int rc = db_step(st, e);
    db_done(st);
    if (rc < 0 || org_get(d, id, out, e)) return -1;
    json_t *before = org_json(&cur), *after = org_json(out);
    rc = audit_append_id(d, ctx, "org.update", "org", id, before, after, e);
    json_decref(before);
    json_decref(after);
    return rc;
}
