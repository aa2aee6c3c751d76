/*
** org.h: the administrative tree county → town → village → group.
**
** Each node has its 12-digit statistical division code (统计用区划代码), a
** name, a level fixed by its depth, and a materialised path ("/1/4/17/") so
** "is X inside Y's subtree" is a prefix test and a subtree is one indexed
** range. Callers hold the transaction; every change is audited.
*/
#ifndef XC_ORG_H
#define XC_ORG_H

#include <jansson.h>
#include <stdint.h>
#include "audit/audit.h"
#include "db/db.h"

typedef struct org {
    int64_t id, parent_id;     /* parent_id 0 for the county */
    char code[16];
    char name[128];
    char level[12];            /* county, town, village, group */
    char path[256];
    int depth;
} org;

/* The columns org_read_row() expects, for SELECTs on org_node. */
#define ORG_COLUMNS "id, COALESCE(parent_id, 0), code, name, level, path, depth"
/* Fill *o from the current row of a statement that selected ORG_COLUMNS first. */
void org_read_row(db_stmt *st, org *o);

/* 1 when s is 12 ASCII digits. */
int org_code_valid(const char *s);
/* Level name for a depth, NULL beyond "group". */
const char *org_level(int depth);

int org_get(db *d, int64_t id, org *out, xerr *e);
int org_get_by_code(db *d, const char *code, org *out, xerr *e);
json_t *org_json(const org *o);

/* Create a node under parent_id (0: a county root). */
int org_create(db *d, const audit_ctx *ctx, int64_t parent_id, const char *code, const char *name,
               org *out, xerr *e);
/* Rename, recode and/or move (new_parent 0 = stay). A node moves only to a
** parent at the same level as its old one, so levels stay consistent. */
int org_update(db *d, const audit_ctx *ctx, int64_t id, const char *name, const char *code,
               int64_t new_parent, org *out, xerr *e);

#endif
