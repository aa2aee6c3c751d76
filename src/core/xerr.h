/*
** xerr.h: how errors travel up the call stack in xiangcun.
**
** A function that can fail takes an `xerr *` last and returns -1 (or NULL)
** after filling it in; callers either handle it or return -1 themselves.
** The `code` is a stable snake_case identifier that also becomes the
** "code" of an HTTP error body; `status` is the HTTP status the error maps to
** (500 for internal failures); `detail` names the field or thing at fault and
** is substituted into the localised message (see http/errors.h).
*/
#ifndef XC_XERR_H
#define XC_XERR_H

typedef struct xerr {
    int status;          /* HTTP status this error maps to; 0 = no error */
    const char *code;    /* static snake_case code, e.g. "missing_field" */
    char detail[160];    /* field name or short detail; never personal data */
} xerr;

/* Fill *e (if non-NULL) and return -1, so callers can `return xerr_set(...)`. */
int xerr_set(xerr *e, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Clear an error. */
void xerr_clear(xerr *e);

#endif
