/*
** evaluate.h: the duty job that runs inside `serve`. For every secretary and
** every working day since they started (at most 60 days back), it records each
** check-in window once it has ended (met, missed or excused; a missed one opens
** an inquiry) and each day once it has ended (present, absent or excused);
** then expires spot checks and purges check-ins past the retention period.
** The primary keys of duty_window and duty_day make it idempotent, so it is
** safe to run again after a restart, or from several instances at once.
*/
#ifndef XC_EVALUATE_H
#define XC_EVALUATE_H

#include <stdint.h>
#include "db/db.h"

typedef struct duty_run {
    int64_t windows, days, inquiries, spot_expired, purged;
} duty_run;

/* One pass at time now. 0, or -1 with e. */
int duty_evaluate(db *d, int64_t now, duty_run *out, xerr *e);

/* Run duty_evaluate every XIANGCUN_DUTY_TICK seconds (default 60) on a
** thread of its own until duty_job_stop(). */
int duty_job_start(xerr *e);
void duty_job_stop(void);

#endif
