/* ladder.c: STUB until its owner lands it. */
#include "duty/ladder.h"
int64_t inquiry_open(db *d, const audit_ctx *ctx, int64_t user_id, const char *kind, const char *day,
                     int64_t window_idx, int64_t spot_check_id, xerr *e) {
    (void)d; (void)ctx; (void)user_id; (void)kind; (void)day; (void)window_idx; (void)spot_check_id; (void)e; return 0;
}
int64_t ladder_escalate(db *d, const audit_ctx *ctx, const duty_settings *s, int64_t user_id, int64_t now, xerr *e) {
    (void)d; (void)ctx; (void)s; (void)user_id; (void)now; (void)e; return 0;
}
