/*
** spot.h: spot checks (约请). A supervisor asks a secretary to share their
** location now, with a deadline; the secretary's next check-in answers it.
** Outcomes: ok (in time, inside the fence), outside (in time, outside),
** late (after the deadline), no_answer (nothing by the deadline; a later
** check-in turns it into late). A failed check opens an inquiry.
*/
#ifndef XC_SPOT_H
#define XC_SPOT_H

#include <stdint.h>
#include <jansson.h>
#include "audit/audit.h"
#include "db/db.h"

/* A check-in of user_id received at `received` (inside: 1, 0, or -2 no
** fence, which counts as inside) answers their open and unanswered spot
** checks. Appends the ids answered to `answered` (a JSON array). Inside the
** caller's transaction; 0 or -1. */
int spot_on_checkin(db *d, int64_t user_id, int64_t checkin_id, int64_t received, int inside,
                    json_t *answered, xerr *e);

/* Mark open spot checks past their deadline no_answer and open their
** inquiries (the scheduled job); returns how many, -1 on error. Runs its own transactions. */
int spot_expire(db *d, int64_t now, xerr *e);

#endif
