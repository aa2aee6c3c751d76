/* duty_checkins.c: STUB until its owner lands it (duty supervision, issue 4). */
#include "api/api.h"

int h_duty_checkin_create(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_duty_checkins_list(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_duty_checkin_photo_add(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_duty_checkin_photo_get(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_duty_devices_list(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_duty_device_create(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_duty_device_delete(req *r) { return fail(r, 501, "internal", "not yet"); }
int h_osmand(req *r) { return fail(r, 501, "internal", "not yet"); }
int scope_checkin_param(req *r) { return fail(r, 501, "internal", "not yet"); }
int scope_checkin_photo_param(req *r) { return fail(r, 501, "internal", "not yet"); }
int scope_device_param(req *r) { return fail(r, 501, "internal", "not yet"); }
