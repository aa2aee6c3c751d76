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
    long long v = 0;
    int fixed = fscanf(f, " =%lld", &v) == 1;
    if (!fixed && (fseek(f, 0, SEEK_SET) || fscanf(f, "%lld", &v) != 1)) v = 0;
    fclose(f);
    return fixed ? v : now + v;
}
