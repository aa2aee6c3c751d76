/* duty_rules.c: STUB until its owner lands it (duty supervision, issue 4). */
#include "api/api.h"
#include "duty/evaluate.h"

int h_duty_settings_get(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_duty_settings_update(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_duty_calendar_get(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_duty_calendar_put(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_geofence_get(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_geofence_put(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_duty_leaves_list(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_duty_leave_create(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_duty_leave_decide(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_duty_leave_cancel(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_inquiries_list(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_inquiry_update(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_inquiry_decide(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_sanctions_list(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_sanction_decide(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_duty_evaluate(req *r) {
    duty_run run;
    if (duty_evaluate(r->db, r->now, &run, &r->err)) return -1;
    reply_json(r, 200, json_pack("{s:I,s:I,s:I,s:I,s:I}", "windows", (json_int_t)run.windows, "days", (json_int_t)run.days,
                                 "inquiries", (json_int_t)run.inquiries, "spot_expired", (json_int_t)run.spot_expired,
                                 "purged", (json_int_t)run.purged));
    return 0;
}
int scope_leave_param(req *r) { return fail(r, 501, "internal", "not yet"); }
int scope_inquiry_param(req *r) { return fail(r, 501, "internal", "not yet"); }
int scope_sanction_param(req *r) { return fail(r, 501, "internal", "not yet"); }
