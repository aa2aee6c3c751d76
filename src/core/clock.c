/* clock.c: wall-clock seconds with a test offset (see clock.h). */
#include "core/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static const char *g_offset_file;

void clock_init(void) { g_offset_file = getenv("XIANGCUN_CLOCK_FILE"); }

int64_t clock_now(void) {
    int64_t now = (int64_t)time(NULL);
    if (!g_offset_file) return now;
    FILE *f = fopen(g_offset_file, "r");
    if (!f) return now;
    long long off = 0;
    if (fscanf(f, "%lld", &off) != 1) off = 0;
    fclose(f);
    return now + off;
}
