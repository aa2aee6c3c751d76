/* strbuf.c: growable strings and aborting allocators (see strbuf.h). */
#include "core/strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n) {
    fprintf(stderr, "xiangcun: out of memory allocating %zu bytes\n", n);
    abort();
}

void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) oom(n);
    return p;
}

void *xcalloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) oom(n * size);
    return p;
}

void *xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) oom(n);
    return q;
}

char *xstrdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = xmalloc(n);
    memcpy(p, s, n);
    return p;
}

void strbuf_grow(strbuf *sb, size_t extra) {
    size_t need = sb->len + extra + 1;
    if (need <= sb->alloc) return;
    size_t a = sb->alloc ? sb->alloc : 64;
    while (a < need) a *= 2;
    sb->buf = xrealloc(sb->buf, a);
    sb->alloc = a;
}

void strbuf_add(strbuf *sb, const void *data, size_t len) {
    strbuf_grow(sb, len);
    if (len) memcpy(sb->buf + sb->len, data, len);
    sb->len += len;
    sb->buf[sb->len] = 0;
}

void strbuf_addstr(strbuf *sb, const char *s) { strbuf_add(sb, s, strlen(s)); }

void strbuf_addch(strbuf *sb, char c) { strbuf_add(sb, &c, 1); }

void strbuf_vaddf(strbuf *sb, const char *fmt, va_list ap) {
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0) return;
    strbuf_grow(sb, (size_t)n);
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    sb->len += (size_t)n;
}

void strbuf_addf(strbuf *sb, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    strbuf_vaddf(sb, fmt, ap);
    va_end(ap);
}

void strbuf_reset(strbuf *sb) {
    sb->len = 0;
    if (sb->buf) sb->buf[0] = 0;
}

char *strbuf_detach(strbuf *sb) {
    char *p = sb->buf ? sb->buf : xstrdup("");
    sb->buf = NULL;
    sb->len = sb->alloc = 0;
    return p;
}

void strbuf_release(strbuf *sb) {
    free(sb->buf);
    sb->buf = NULL;
    sb->len = sb->alloc = 0;
}

const char *strbuf_str(const strbuf *sb) { return sb->buf ? sb->buf : ""; }

const char *str_in_list(const char *const *list, const char *s) {
    for (; s && *list; list++)
        if (!strcmp(*list, s)) return *list;
    return NULL;
}
