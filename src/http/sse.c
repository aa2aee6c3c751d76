/* sse.c: STUB until its owner lands it. */
#include "http/sse.h"
void sse_queue(const char *name, int64_t user_id, const char *org_path, unsigned perm, const json_t *data) {
    (void)name; (void)user_id; (void)org_path; (void)perm; (void)data;
}
void sse_flush(void) {}
void sse_discard(void) {}
int sse_subscribe(req *r) { return fail(r, 501, "internal", "not yet"); }
void sse_shutdown(void) {}
