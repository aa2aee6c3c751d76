/*
** sse.h: live events to open pages over Server-Sent Events (GET /api/v1/events).
**
** One hub per process: a ring of the most recent events, each encoded once;
** each subscriber is a suspended libmicrohttpd connection that is resumed when
** an event it may see arrives. An event goes to one user (user_id > 0), or to
** every signed-in user holding `perm` whose subtree contains org_path (the
** supervisors of a village), or both. Clients resume with Last-Event-ID.
**
** Events are queued by the thread that makes the change and published only
** after its transaction commits (the router, and the duty job, call
** sse_flush() after a successful request and sse_discard() otherwise), so a
** page never hears of a change that was rolled back.
*/
#ifndef XC_SSE_H
#define XC_SSE_H

#include <stdint.h>
#include <jansson.h>
#include "http/http.h"

/* Queue event `name` with data (not stolen) for this thread's next sse_flush(). */
void sse_queue(const char *name, int64_t user_id, const char *org_path, unsigned perm, const json_t *data);
/* Publish this thread's queued events / drop them. */
void sse_flush(void);
void sse_discard(void);

/* Answer r with an event stream for its caller (the GET /api/v1/events handler). */
int sse_subscribe(req *r);

/* Resume and end every stream (before the daemon stops). */
void sse_shutdown(void);

#endif
