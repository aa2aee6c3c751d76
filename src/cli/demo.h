/* demo.h: the demo county's parts seeded by `xiangcun demo` (cli/demo.c). */
#ifndef XC_DEMO_H
#define XC_DEMO_H

#include "audit/audit.h"
#include "db/db.h"

/* Households, members, helpers, visits and targets (after the tree and the users). */
int demo_households(db *d, const audit_ctx *ctx, xerr *e);
/* First secretaries' duty data (demo_duty.c, after the households): more
** secretaries (password as the demo's), fences, calendars, devices, leave and
** check-in history, inside the seeding transaction. */
int demo_duty(db *d, const audit_ctx *ctx, const char *password, xerr *e);
/* Then, once that is committed, one run of the evaluation job at now. */
int demo_duty_evaluate(db *d, int64_t now, xerr *e);

#endif
