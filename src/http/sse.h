/*
** sse.h: live events to open pages over Server-Sent Events (GET /api/v1/events).
**
** One hub per process: a ring of the most recent events, each encoded once;
** each subscriber is a suspended libmicrohttpd connection that is resumed when
** an event it may see arrives. An event goes to one user (user_id > 0), or to
** every signed-in user holding `perm` whose subtree contains org_path (the
** supervisors of a village), or both. A secretary's duty reading is limited
** to themselves, so a secretary never counts as holding P_DUTY_READ here: they
** hear only what is addressed to them. Clients resume with Last-Event-ID (or
** ?last_event_id=); when the ring no longer holds what they missed, or the id
** is from before a restart, they get an event "reload" and reload their state.
**
** Events are queued by the thread that makes the change and published only
** after its transaction commits (the router, and the duty job, call
** sse_flush() after a successful request and sse_discard() otherwise), so a
** page never hears of a change that was rolled back.
**
** A stream sends ": ping" every XIANGCUN_SSE_PING seconds (default 20), so a
** gone peer is noticed, and ends after XIANGCUN_SSE_MAX_AGE seconds (default
** 600; the browser reconnects, which checks the session again). One user may
** hold XIANGCUN_SSE_PER_USER streams at once (default 8; then 429).
**
** Each process numbers the events it holds itself: an event relayed from
** another process gets a local id here, so Last-Event-ID works against the
** process a page reconnects to (or asks it to reload).
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

/* Several processes (several `serve` on one PostgreSQL): hand each event
** published here, as one message, to relay (called after the commit, from the
** publishing thread; set before serving). The other processes give the
** messages they receive to sse_receive(). */
typedef void (*sse_relay_fn)(const char *msg, void *ctx);
void sse_set_relay(sse_relay_fn relay, void *ctx);
/* Publish an event relayed by another process (this process's own messages
** and malformed ones are ignored). msg NULL: some were lost, so every open
** page is told to reload. */
void sse_receive(const char *msg);

/* Open streams now (for /metrics). */
int sse_subscribers(void);

/* Resume and end every stream (before the daemon stops); later subscribers get 503. */
void sse_shutdown(void);

#endif
