/*
** ladder.h: the non-compliance ladder. A missed window or failed spot check
** opens an inquiry for the town's staff (call made, reason and its category,
** accepted or not). Unexcused misses escalate by the county's rules: enough
** rejected inquiries within notice_days draft a notice of criticism (通报批评)
** for approval; approved notices in a year schedule an admonition interview
** (约谈) and then recommend recall. Every step is audited with who decided.
*/
#ifndef XC_LADDER_H
#define XC_LADDER_H

#include <stdint.h>
#include "audit/audit.h"
#include "db/db.h"
#include "duty/duty.h"

/* Open an inquiry (kind "window" with window_idx, or "spot_check" with
** spot_check_id; pass -1 for the one that does not apply) for user_id about
** local day; audited under ctx; inside the caller's transaction. Returns its
** id, 0 when one for the same window or spot check already exists, -1 on error. */
int64_t inquiry_open(db *d, const audit_ctx *ctx, int64_t user_id, const char *kind, const char *day,
                     int64_t window_idx, int64_t spot_check_id, xerr *e);

/* After a decision about user_id (an inquiry rejected, a sanction approved),
** draft the next sanction if the county's thresholds are reached. Inside the
** caller's transaction; returns the new sanction id, 0 for none, -1 on error. */
int64_t ladder_escalate(db *d, const audit_ctx *ctx, const duty_settings *s, int64_t user_id,
                        int64_t now, xerr *e);

#endif
