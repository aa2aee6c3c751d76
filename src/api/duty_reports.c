/* duty_reports.c: STUB until its owner lands it (duty supervision, issue 4). */
#include "api/api.h"

int h_duty_ledger(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_duty_ledger_csv(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_duty_ledger_xlsx(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_duty_today(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_duty_evaluation(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_duty_evaluation_csv(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_duty_evaluation_xlsx(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_duty_stats(req *r) { return fail(r, 501, "internal", "not yet"); }
