/* evaluate.c: STUB until its owner lands it (only expires spot checks for now). */
#include "duty/evaluate.h"
#include "duty/spot.h"
#include <string.h>
int duty_evaluate(db *d, int64_t now, duty_run *out, xerr *e) {
    memset(out, 0, sizeof *out);
    int n = spot_expire(d, now, e);
    if (n < 0) return -1;
    out->spot_expired = n;
    return 0;
}
int duty_job_start(xerr *e) { (void)e; return 0; }
void duty_job_stop(void) {}
