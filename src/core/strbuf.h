/*
** strbuf.h: a growable, always NUL-terminated byte string (after git's strbuf).
**
** The strbuf owns its buffer: strbuf_release() frees it, strbuf_detach() hands
** it to the caller. Allocation failure aborts the process: a server that cannot
** allocate a few bytes cannot do anything useful, and handling it at every call
** site would bury the logic (the fault-injection harness exercises this path).
*/
#ifndef XC_STRBUF_H
#define XC_STRBUF_H

#include <stddef.h>
#include <stdarg.h>

typedef struct strbuf {
    char *buf;      /* always NUL-terminated once anything was added */
    size_t len;     /* bytes used, not counting the NUL */
    size_t alloc;   /* bytes allocated */
} strbuf;

#define STRBUF_INIT { NULL, 0, 0 }

void strbuf_grow(strbuf *sb, size_t extra);
void strbuf_add(strbuf *sb, const void *data, size_t len);
void strbuf_addstr(strbuf *sb, const char *s);
void strbuf_addch(strbuf *sb, char c);
void strbuf_addf(strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(strbuf *sb, const char *fmt, va_list ap);
void strbuf_reset(strbuf *sb);
/* Returns the buffer ("" if empty, never NULL); the strbuf becomes empty. Caller frees. */
char *strbuf_detach(strbuf *sb);
void strbuf_release(strbuf *sb);
/* The contents, "" when nothing was added yet. */
const char *strbuf_str(const strbuf *sb);

/* Allocation helpers that abort on failure (see above). */
/* The entry of the NULL-terminated list equal to s, or NULL (also for s NULL). */
const char *str_in_list(const char *const *list, const char *s);

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

#endif
