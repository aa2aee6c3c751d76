/* fault.c: database fault injection driven by the environment (see fault.h). */
#include "core/fault.h"

#include <stdatomic.h>
#include <stdlib.h>

static long g_nth, g_every;
static atomic_long g_count;

void fault_init(void) {
    const char *n = getenv("XIANGCUN_FAULT_DB");
    const char *every = getenv("XIANGCUN_FAULT_DB_EVERY");
    g_nth = n ? atol(n) : 0;
    g_every = every ? atol(every) : 0;
}

int fault_db_should_fail(void) {
    if (g_nth <= 0) return 0;
    long c = atomic_fetch_add(&g_count, 1) + 1;
    if (c == g_nth) return 1;
    return g_every > 0 && c > g_nth && (c - g_nth) % g_every == 0;
}
