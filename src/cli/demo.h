/* demo.h: the demo county's parts seeded by `xiangcun demo` (cli/demo.c). */
#ifndef XC_DEMO_H
#define XC_DEMO_H

#include "audit/audit.h"
#include "db/db.h"

/* Households, members, helpers, visits and targets (after the tree and the users). */
int demo_households(db *d, const audit_ctx *ctx, xerr *e);

#endif
