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
/* The secretaries demo_duty adds, and the fixed device identifier of
** `secretary` to enter in Traccar Client (docs/DUTY.md). */
#define DEMO_MORE_SECRETARIES "杨村村、团结村、桥溪村、五龙村第一书记"
#define DEMO_DEVICE_IDENT "hongya-demo-secretary"
/* Then, once that is committed, one run of the evaluation job at now. */
int demo_duty_evaluate(db *d, int64_t now, xerr *e);

#endif
