/*
** member.c: members of a household (see household.h). ID numbers are checked
** (GB 11643), encrypted, blind-indexed so one person cannot be registered
** twice anywhere in the county, and masked; sex and birth date come from the
** number. The household's head_name follows its member whose relation is "self".
*/
#include "model/household.h"
#include "core/crypto.h"
#include "core/idcard.h"
#include "core/mask.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

json_t *member_row_json(db_stmt *st, int64_t now) {
    const char *birth = db_col_text(st, 6);
    time_t t = (time_t)now;
    struct tm tm;
    gmtime_r(&t, &tm);
    int y = 0, m = 0, d = 0;
    sscanf(birth, "%d-%d-%d", &y, &m, &d);
    int age = tm.tm_year + 1900 - y - ((tm.tm_mon + 1 < m || (tm.tm_mon + 1 == m && tm.tm_mday < d)) ? 1 : 0);
    json_t *j = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:b}",
                          "id", (json_int_t)db_col_int(st, 0), "household_id", (json_int_t)db_col_int(st, 1),
                          "name", db_col_text(st, 2), "id_number", db_col_text(st, 3),
                          "relation", db_col_text(st, 4), "sex", db_col_text(st, 5), "birth_date", birth,
                          "age", age, "health", db_col_text(st, 7), "education", db_col_text(st, 8),
                          "labour", db_col_text(st, 9), "joined", (int)db_col_int(st, 11));
    const char *phone = db_col_text(st, 10);
    json_object_set_new(j, "phone", phone ? json_string(phone) : json_null());
    return j;
}

static json_t *member_json(db *d, int64_t id, int64_t now, xerr *e) {
    db_stmt *st = db_prepare(d, MEMBER_SELECT " WHERE id = $1", e);
    if (!st) return NULL;
    db_bind_int(st, 1, id);
    int rc = db_step(st, e);
    json_t *j = rc == 1 ? member_row_json(st, now) : NULL;
    if (rc == 0) xerr_set(e, 404, "not_found", "%s", "member");
    db_done(st);
    return j;
}

int64_t member_household(db *d, int64_t member_id, xerr *e) {
    db_stmt *st = db_prepare(d, "SELECT household_id FROM member WHERE id = $1", e);
    if (!st) return -1;
    db_bind_int(st, 1, member_id);
    int rc = db_step(st, e);
    int64_t h = rc == 1 ? db_col_int(st, 0) : 0;
    db_done(st);
    return rc < 0 ? -1 : h;
}

int64_t member_id_by_id_number(db *d, const char *id_number, xerr *e) {
    idcard id;
    if (idcard_parse(id_number, &id)) return 0;
    char bidx[65];
    pii_blind_index(id.number, bidx);
    db_stmt *st = db_prepare(d, "SELECT id FROM member WHERE id_bidx = $1", e);
    if (!st) return -1;
    db_bind_text(st, 1, bidx);
    int rc = db_step(st, e);
    int64_t m = rc == 1 ? db_col_int(st, 0) : 0;
    db_done(st);
    return rc < 0 ? -1 : m;
}

static int validate(const member_in *in, int adding, xerr *e) {
    if (adding && !in->name) return xerr_set(e, 400, "missing_field", "%s", "name");
    if (in->name && (strlen(in->name) < 1 || strlen(in->name) > 60))
        return xerr_set(e, 400, "invalid_value", "%s", "name");
    if (adding && !in->relation) return xerr_set(e, 400, "missing_field", "%s", "relation");
    if (in->relation && !str_in_list(MEMBER_RELATIONS, in->relation)) return xerr_set(e, 400, "invalid_value", "%s", "relation");
    if (in->health && !str_in_list(MEMBER_HEALTH, in->health)) return xerr_set(e, 400, "invalid_value", "%s", "health");
    if (in->education && !str_in_list(MEMBER_EDUCATION, in->education))
        return xerr_set(e, 400, "invalid_value", "%s", "education");
    if (in->labour && !str_in_list(MEMBER_LABOUR, in->labour)) return xerr_set(e, 400, "invalid_value", "%s", "labour");
    if (in->phone && *in->phone && !phone_valid(in->phone)) return xerr_set(e, 400, "invalid_phone", "%s", "phone");
    return 0;
}

/* head_name is the name of the member related as "self" (empty when none). */
static int sync_head(db *d, int64_t household_id, xerr *e) {
    return db_run_id(d,
        "UPDATE household SET head_name = COALESCE((SELECT name FROM member WHERE household_id = $1"
        " AND relation = 'self' ORDER BY id LIMIT 1), '') WHERE id = $1", household_id, e) < 0 ? -1 : 0;
}

static int audit_member(db *d, const audit_ctx *ctx, const char *action, int64_t id, int64_t household_id,
                        json_t *before, json_t *after, xerr *e) {
    char entity_id[48];
    snprintf(entity_id, sizeof entity_id, "%lld", (long long)household_id);
    json_t *a = after ? json_incref(after) : json_null();
    json_object_set_new(a, "member_id", json_integer(id));
    int rc = audit_append(d, ctx, action, "household", entity_id, before, a, e);
    json_decref(a);
    return rc;
}

int member_add(db *d, const audit_ctx *ctx, int64_t household_id, const member_in *in, int64_t *id_out,
               xerr *e) {
    if (validate(in, 1, e)) return -1;
    idcard id;
    if (!in->id_number) return xerr_set(e, 400, "missing_field", "%s", "id_number");
    if (idcard_parse(in->id_number, &id)) return xerr_set(e, 400, "invalid_id_number", "%s", "id_number");
    int64_t dup = member_id_by_id_number(d, id.number, e);
    if (dup < 0) return -1;
    if (dup) return xerr_set(e, 409, "duplicate_id_number", "%s", "id_number");
    char bidx[65], mask[24], birth[11], pmask[24];
    pii_blind_index(id.number, bidx);
    idcard_mask(id.number, mask, sizeof mask);
    snprintf(birth, sizeof birth, "%04d-%02d-%02d", id.year, id.month, id.day);
    char *enc = pii_encrypt(id.number);
    char *penc = in->phone && *in->phone ? pii_encrypt(in->phone) : NULL;
    if (penc) phone_mask(in->phone, pmask, sizeof pmask);
    db_stmt *st = db_prepare(d,
        "INSERT INTO member (household_id, name, id_enc, id_bidx, id_mask, relation, sex, birth_date, health,"
        " education, labour, phone_enc, phone_mask, joined, created_at, updated_at)"
        " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$15) RETURNING id", e);
    int rc = -1;
    if (st) {
        char sex[2] = {id.sex, 0};
        db_bind_int(st, 1, household_id);
        db_bind_text(st, 2, in->name);
        db_bind_text(st, 3, enc);
        db_bind_text(st, 4, bidx);
        db_bind_text(st, 5, mask);
        db_bind_text(st, 6, in->relation);
        db_bind_text(st, 7, sex);
        db_bind_text(st, 8, birth);
        db_bind_text(st, 9, in->health ? in->health : "healthy");
        db_bind_text(st, 10, in->education ? in->education : "none");
        db_bind_text(st, 11, in->labour ? in->labour : "full");
        db_bind_text(st, 12, penc);
        db_bind_text(st, 13, penc ? pmask : NULL);
        db_bind_int(st, 14, in->joined > 0);
        db_bind_int(st, 15, ctx->now);
        rc = db_step(st, e);
        *id_out = rc == 1 ? db_col_int(st, 0) : 0;
        rc = rc == 1 ? 0 : -1;
        db_done(st);
    }
    free(enc);
    free(penc);
    if (rc || sync_head(d, household_id, e)) return -1;
    json_t *after = member_json(d, *id_out, ctx->now, e);
    if (!after) return -1;
    rc = audit_member(d, ctx, "member.create", *id_out, household_id, NULL, after, e);
    json_decref(after);
    return rc;
}

int member_update(db *d, const audit_ctx *ctx, int64_t id, const member_in *in, xerr *e) {
    if (validate(in, 0, e)) return -1;
    json_t *before = member_json(d, id, ctx->now, e);
    if (!before) return -1;
    int64_t household_id = json_integer_value(json_object_get(before, "household_id"));
    char pmask[24] = "";
    char *penc = in->phone && *in->phone ? pii_encrypt(in->phone) : NULL;
    if (penc) phone_mask(in->phone, pmask, sizeof pmask);
    db_stmt *st = db_prepare(d,
        "UPDATE member SET name = COALESCE($1, name), relation = COALESCE($2, relation),"
        " health = COALESCE($3, health), education = COALESCE($4, education), labour = COALESCE($5, labour),"
        " phone_enc = CASE WHEN CAST($6 AS BIGINT) = 1 THEN $7 ELSE phone_enc END,"
        " phone_mask = CASE WHEN CAST($6 AS BIGINT) = 1 THEN $8 ELSE phone_mask END,"
        " joined = CASE WHEN CAST($9 AS BIGINT) >= 0 THEN CAST($9 AS BIGINT) ELSE joined END,"
        " updated_at = $10 WHERE id = $11", e);
    int rc = -1;
    if (st) {
        db_bind_text(st, 1, in->name);
        db_bind_text(st, 2, in->relation);
        db_bind_text(st, 3, in->health);
        db_bind_text(st, 4, in->education);
        db_bind_text(st, 5, in->labour);
        db_bind_int(st, 6, in->phone != NULL);
        db_bind_text(st, 7, penc);
        db_bind_text(st, 8, penc ? pmask : NULL);
        db_bind_int(st, 9, in->joined);
        db_bind_int(st, 10, ctx->now);
        db_bind_int(st, 11, id);
        rc = db_step(st, e) < 0 ? -1 : 0;
        db_done(st);
    }
    free(penc);
    json_t *after = rc ? NULL : member_json(d, id, ctx->now, e);
    if (!rc) rc = after ? sync_head(d, household_id, e) : -1;
    if (!rc) rc = audit_member(d, ctx, "member.update", id, household_id, before, after, e);
    json_decref(before);
    json_decref(after);
    return rc;
}

int member_delete(db *d, const audit_ctx *ctx, int64_t id, xerr *e) {
    json_t *before = member_json(d, id, ctx->now, e);
    if (!before) return -1;
    int64_t household_id = json_integer_value(json_object_get(before, "household_id"));
    int rc = db_run_id(d, "DELETE FROM member WHERE id = $1", id, e) < 0 ? -1 : 0;
    if (!rc) rc = sync_head(d, household_id, e);
    if (!rc) rc = audit_member(d, ctx, "member.delete", id, household_id, before, NULL, e);
    json_decref(before);
    return rc;
}

int member_reveal(db *d, int64_t id, const char *field, strbuf *out, xerr *e) {
    int phone = !strcmp(field, "phone");
    if (!phone && strcmp(field, "id_number")) return xerr_set(e, 400, "invalid_value", "%s", "field");
    db_stmt *st = db_prepare(d, phone ? "SELECT phone_enc FROM member WHERE id = $1"
                                      : "SELECT id_enc FROM member WHERE id = $1", e);
    if (!st) return -1;
    db_bind_int(st, 1, id);
    int rc = db_step(st, e);
    if (rc == 1 && !db_col_isnull(st, 0) && pii_decrypt(db_col_text(st, 0), out))
        rc = xerr_set(e, 500, "crypto", "%s", "does not decrypt");
    db_done(st);
    if (rc == 0) return xerr_set(e, 404, "not_found", "%s", "member");
    return rc < 0 ? -1 : 0;
}
