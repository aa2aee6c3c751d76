/* checkin.c: STUB until its owner lands it. */
#include "duty/checkin.h"
int64_t checkin_store(db *d, const duty_settings *s, int64_t user_id, const duty_point *p, int64_t now, json_t **out, xerr *e) {
    (void)d; (void)s; (void)user_id; (void)p; (void)now; (void)out;
    return xerr_set(e, 501, "internal", "not yet");
}
int geofence_contains(db *d, int64_t org_id, double lat, double lon, xerr *e) { (void)d; (void)org_id; (void)lat; (void)lon; (void)e; return -2; }
