/* audit.c: appending to and verifying the HMAC-chained audit log (see audit.h). */
#include "audit/audit.h"
#include "core/crypto.h"
#include "core/strbuf.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GENESIS "xiangcun-audit-genesis"

/* One record's fields as stored; text pointers are borrowed. */
typedef struct rec {
    int64_t seq, ts, actor_id;
    const char *actor_login, *ip, *action, *entity, *entity_id, *before, *after;
} rec;

/* Length-prefixed fields, so no value can be shifted into its neighbour. */
static void field(strbuf *sb, const char *s) {
    if (!s) s = "";
    strbuf_addf(sb, "%zu:%s;", strlen(s), s);
}

static void canonical(strbuf *sb, const rec *r) {
    strbuf_addf(sb, "%" PRId64 ";%" PRId64 ";%" PRId64 ";", r->seq, r->ts, r->actor_id);
    field(sb, r->actor_login);
    field(sb, r->ip);
    field(sb, r->action);
    field(sb, r->entity);
    field(sb, r->entity_id);
    field(sb, r->before);
    field(sb, r->after);
}

static char *dump(json_t *v) {
    return v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
}

static int last_link(db *d, int64_t *seq, char hash[65], xerr *e) {
    db_stmt *st = db_prepare(d, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", e);
    if (!st) return -1;
    int rc = db_step(st, e);
    if (rc == 1) {
        *seq = db_col_int(st, 0);
        snprintf(hash, 65, "%s", db_col_text(st, 1));
    } else if (rc == 0) {
        *seq = 0;
        snprintf(hash, 65, "%s", GENESIS);
    }
    db_done(st);
    return rc < 0 ? -1 : 0;
}

int audit_append(db *d, const audit_ctx *ctx, const char *action, const char *entity,
                 const char *entity_id, json_t *before, json_t *after, xerr *e) {
    if (db_lock_chain(d, e)) return -1;
    int64_t prev_seq;
    char prev[65], mac[65];
    if (last_link(d, &prev_seq, prev, e)) return -1;
    char *b = dump(before), *a = dump(after);
    rec r = {prev_seq + 1, ctx->now, ctx->actor_id, ctx->actor_login, ctx->ip,
             action, entity, entity_id, b, a};
    strbuf sb = STRBUF_INIT;
    canonical(&sb, &r);
    audit_mac(prev, sb.buf, mac);
    strbuf_release(&sb);
    int rc = -1;
    db_stmt *st = db_prepare(d,
        "INSERT INTO audit_log (seq, ts, actor_id, actor_login, ip, action, entity, entity_id,"
        " before_json, after_json, prev_hash, hash) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)", e);
    if (st) {
        db_bind_int(st, 1, r.seq);
        db_bind_int(st, 2, r.ts);
        if (r.actor_id) db_bind_int(st, 3, r.actor_id); else db_bind_null(st, 3);
        db_bind_text(st, 4, r.actor_login);
        db_bind_text(st, 5, r.ip);
        db_bind_text(st, 6, action);
        db_bind_text(st, 7, entity);
        db_bind_text(st, 8, entity_id);
        db_bind_text(st, 9, b);
        db_bind_text(st, 10, a);
        db_bind_text(st, 11, prev);
        db_bind_text(st, 12, mac);
        rc = db_step(st, e) < 0 ? -1 : 0;
        db_done(st);
    }
    free(b);
    free(a);
    return rc;
}

int audit_append_id(db *d, const audit_ctx *ctx, const char *action, const char *entity,
                    int64_t entity_id, json_t *before, json_t *after, xerr *e) {
    char id[24];
    snprintf(id, sizeof id, "%" PRId64, entity_id);
    return audit_append(d, ctx, action, entity, id, before, after, e);
}

int audit_verify(db *d, int64_t *count, int64_t *bad_seq, char *reason, size_t reasonlen, xerr *e) {
    db_stmt *st = db_prepare(d,
        "SELECT seq, ts, actor_id, actor_login, ip, action, entity, entity_id, before_json,"
        " after_json, prev_hash, hash FROM audit_log ORDER BY seq", e);
    if (!st) return -1;
    char prev[65] = GENESIS, mac[65];
    int64_t expect = 1;
    int rc = 0, broken = 0;
    strbuf sb = STRBUF_INIT;
    *count = 0;
    while (!broken && (rc = db_step(st, e)) == 1) {
        rec r = {db_col_int(st, 0), db_col_int(st, 1), db_col_int(st, 2),
                 db_col_text(st, 3), db_col_text(st, 4), db_col_text(st, 5), db_col_text(st, 6),
                 db_col_text(st, 7), db_col_text(st, 8), db_col_text(st, 9)};
        const char *stored_prev = db_col_text(st, 10), *stored = db_col_text(st, 11);
        broken = 1;
        *bad_seq = r.seq;
        if (r.seq != expect) {
            *bad_seq = expect;
            snprintf(reason, reasonlen, "record %" PRId64 " is missing (next is %" PRId64 ")", expect, r.seq);
        } else if (!stored_prev || strcmp(stored_prev, prev)) {
            snprintf(reason, reasonlen, "record %" PRId64 " does not link to its predecessor", r.seq);
        } else {
            strbuf_reset(&sb);
            canonical(&sb, &r);
            audit_mac(prev, sb.buf, mac);
            if (!stored || !str_equal_ct(mac, stored))
                snprintf(reason, reasonlen, "record %" PRId64 " was altered (MAC mismatch)", r.seq);
            else
                broken = 0;
        }
        if (!broken) {
            snprintf(prev, sizeof prev, "%s", stored);
            expect++;
            (*count)++;
        }
    }
    strbuf_release(&sb);
    db_done(st);
    if (!broken && rc < 0) return -1;
    return broken;
}
