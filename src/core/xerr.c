/* xerr.c: filling in error values (see xerr.h). */
#include "core/xerr.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int xerr_set(xerr *e, int status, const char *code, const char *fmt, ...) {
    if (!e) return -1;
    e->status = status;
    e->code = code;
    e->detail[0] = 0;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->detail, sizeof e->detail, fmt, ap);
        va_end(ap);
    }
    return -1;
}

void xerr_clear(xerr *e) {
    if (e) memset(e, 0, sizeof *e);
}
