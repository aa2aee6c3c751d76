/*
** audit.h: the hash-chained audit log (痕迹监管).
**
** Every mutation appends a record in the same transaction as the change:
** time, actor, IP, action, entity, before/after JSON. Each record stores
** HMAC-SHA-256(audit key, previous hash || canonical record); the key lives
** in the key file, outside the database, so whoever can write the database
** cannot forge the chain. The table is append-only (triggers). audit_verify()
** walks the whole chain and names the first record that does not check out.
** Callers put only masked personal data into before/after.
*/
#ifndef XC_AUDIT_H
#define XC_AUDIT_H

#include <jansson.h>
#include <stdint.h>
#include "db/db.h"

typedef struct audit_ctx {
    int64_t actor_id;          /* 0 for the system or an anonymous caller */
    const char *actor_login;   /* NULL for none */
    const char *ip;            /* NULL for local commands */
    int64_t now;
} audit_ctx;

/* Append one record inside the caller's transaction. before/after may be NULL
** (they are not stolen). */
int audit_append(db *d, const audit_ctx *ctx, const char *action, const char *entity,
                 const char *entity_id, json_t *before, json_t *after, xerr *e);

/* Convenience for entity ids that are numbers. */
int audit_append_id(db *d, const audit_ctx *ctx, const char *action, const char *entity,
                    int64_t entity_id, json_t *before, json_t *after, xerr *e);

/* Verify the whole chain. Returns 0 when intact; 1 when broken, with
** *bad_seq the first bad record (or the missing sequence number) and why in
** reason; -1 when the database could not be read. *count = records checked. */
int audit_verify(db *d, int64_t *count, int64_t *bad_seq, char *reason, size_t reasonlen, xerr *e);

#endif
