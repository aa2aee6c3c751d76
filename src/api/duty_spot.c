/* duty_spot.c: STUB until its owner lands it (duty supervision, issue 4). */
#include "api/api.h"

int h_events(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_spot_checks_list(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_spot_check_create(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_spot_check_cancel(req *r) { return fail(r, 501, "internal", "not yet"); }
int scope_spot_check_param(req *r) { return fail(r, 501, "internal", "not yet"); }
