/* spot.c: STUB until its owner lands it. */
#include "duty/spot.h"
int spot_on_checkin(db *d, int64_t user_id, int64_t checkin_id, int64_t received, int inside, json_t *answered, xerr *e) {
    (void)d; (void)user_id; (void)checkin_id; (void)received; (void)inside; (void)answered; (void)e; return 0;
}
int spot_expire(db *d, int64_t now, xerr *e) { (void)d; (void)now; (void)e; return 0; }
