/*
** spot.h: spot checks (约请). A supervisor asks a secretary to share their
** location now, with a deadline; the secretary's next check-in answers it.
** Outcomes: ok (in time, inside the fence), outside (in time, outside),
** late (after the deadline), no_answer (nothing by the deadline; a later
** check-in the same county-local day turns it into late). A failed check
** (outside, late, no_answer) opens an inquiry, once per spot check.
**
** Live events (http/sse.h), to the secretary and to whoever holds
** P_DUTY_READ over their village, with the spot check as data (SPOT_COLUMNS):
** "spot_check" when one is created, cancelled or expires (see its status),
** "spot_check_answered" when a check-in answers it.
*/
#ifndef XC_SPOT_H
#define XC_SPOT_H

#include <stdint.h>
#include <jansson.h>
#include "audit/audit.h"
#include "db/db.h"

/* The columns spot_row_json() reads, on "spot_check s" with its secretary
** "u", requester "q" and village "o" joined as SPOT_FROM does. */
#define SPOT_COLUMNS                                                                              \
    "s.id, s.user_id, u.display_name, s.org_id, o.name, s.requested_by, q.display_name,"          \
    " s.requested_at, s.deadline_at, s.note, s.status, s.checkin_id, s.answered_at"
#define SPOT_FROM                                                                                 \
    "spot_check s JOIN app_user u ON u.id = s.user_id JOIN app_user q ON q.id = s.requested_by"   \
    " JOIN org_node o ON o.id = s.org_id"

/* {id, user_id, user_name, org_id, org_name, requested_by, requested_by_name,
**  requested_at, deadline_at, note, status, checkin_id, answered_at} */
json_t *spot_row_json(db_stmt *st);
/* Spot check id as JSON; NULL with 404 when there is none. */
json_t *spot_get_json(db *d, int64_t id, xerr *e);

/* Ask secretary user_id (the caller checked: an enabled secretary in scope)
** for their location by deadline_at; note may be NULL. Audited under ctx,
** its event queued; inside the caller's transaction. The new id, -1 on error. */
int64_t spot_create(db *d, const audit_ctx *ctx, int64_t user_id, int64_t deadline_at, const char *note, xerr *e);

/* Cancel open spot check id (409 "spot_check_closed" when it is not open).
** Audited, its event queued; inside the caller's transaction. */
int spot_cancel(db *d, const audit_ctx *ctx, int64_t id, xerr *e);

/* A check-in of user_id taken at `taken` and received at `received` (inside:
** 1, 0, or -2 no fence, which counts as inside) answers their open and
** unanswered spot checks requested before it was taken (SPOT_TAKEN_SLACK_S
** allowing for a device clock a little behind): a spot check asks where the
** secretary is now, which a point buffered from before the request does not
** say. Appends the ids answered to `answered` (a JSON array). Inside the
** caller's transaction; 0 or -1. */
#define SPOT_TAKEN_SLACK_S 60
int spot_on_checkin(db *d, int64_t user_id, int64_t checkin_id, int64_t taken, int64_t received, int inside,
                    json_t *answered, xerr *e);

/* Mark open spot checks past their deadline no_answer and open their
** inquiries (the scheduled job); returns how many, -1 on error. Runs its own
** transactions, one per spot check, and publishes each one's events
** (sse_flush) once it is committed: call it outside any transaction. */
int spot_expire(db *d, int64_t now, xerr *e);

#endif
