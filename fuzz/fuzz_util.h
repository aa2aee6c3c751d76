/*
** fuzz_util.h: small helpers shared by the libFuzzer targets in fuzz/.
** A failed invariant calls FUZZ_CHECK's abort(), which libFuzzer reports as a
** crash and saves the input that caused it.
*/
#ifndef XC_FUZZ_UTIL_H
#define XC_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond)                                                                      \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);      \
            abort();                                                                          \
        }                                                                                     \
    } while (0)

/* A cursor over the input: take bytes and NUL-separated strings off its front. */
typedef struct fuzz_in {
    const uint8_t *p;
    size_t n;
} fuzz_in;

static inline uint8_t fuzz_byte(fuzz_in *in) {
    if (!in->n) return 0;
    in->n--;
    return *in->p++;
}

static inline uint64_t fuzz_u64(fuzz_in *in, int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) v = (v << 8) | fuzz_byte(in);
    return v;
}

/* The next string: bytes up to a NUL (consumed) or the end. Caller frees. */
static inline char *fuzz_str(fuzz_in *in) {
    const uint8_t *z = memchr(in->p, 0, in->n);
    size_t len = z ? (size_t)(z - in->p) : in->n;
    char *s = malloc(len + 1);
    if (!s) abort();
    if (len) memcpy(s, in->p, len);
    s[len] = 0;
    in->p += len + (z ? 1 : 0);
    in->n -= len + (z ? 1 : 0);
    return s;
}

/* Whether s[0..n) is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF). */
static inline int fuzz_utf8_valid(const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned c = u[i];
        size_t k;
        unsigned cp;
        if (c < 0x80) { i++; continue; }
        else if (c >= 0xC2 && c <= 0xDF) { k = 1; cp = c & 0x1F; }
        else if (c >= 0xE0 && c <= 0xEF) { k = 2; cp = c & 0x0F; }
        else if (c >= 0xF0 && c <= 0xF4) { k = 3; cp = c & 0x07; }
        else return 0;
        for (size_t j = 1; j <= k; j++) {
            if (i + j >= n || (u[i + j] & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (u[i + j] & 0x3F);
        }
        if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += k + 1;
    }
    return 1;
}

#endif
