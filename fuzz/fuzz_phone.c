/*
** fuzz_phone: phone validation and masking (core/mask.c) on arbitrary text.
** phone_valid must agree with the rule in mask.h; phone_mask must never write
** past outlen, must give exactly as many characters as it was given (when the
** buffer is big enough), may only replace characters by '*', and must keep
** the first 3 and last 4 digits of a valid number and star the 4 between.
*/
#include "core/mask.h"
#include "fuzz_util.h"

#include <ctype.h>

static int ref_valid(const char *s) {
    size_t n = strlen(s);
    if (n != 11 || s[0] != '1') return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return 0;
    return 1;
}

/* Mask into a heap buffer of exactly outlen bytes, so ASan sees any overrun. */
static char *mask(const char *s, size_t outlen) {
    char *out = malloc(outlen ? outlen : 1);
    FUZZ_CHECK(out != NULL);
    memset(out, 'X', outlen ? outlen : 1);
    phone_mask(s, out, outlen);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_in in = {data, size};
    char *s = fuzz_str(&in);
    size_t n = strlen(s);

    FUZZ_CHECK(phone_valid(s) == ref_valid(s));
    FUZZ_CHECK(phone_valid(NULL) == 0);

    /* The documented buffer: strlen(s)+1 bytes, at least 16. */
    size_t full = n + 1 < 16 ? 16 : n + 1;
    char *out = mask(s, full);
    FUZZ_CHECK(strlen(out) == n);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(out[i] == s[i] || out[i] == '*');
        if (s[i] != '*' && out[i] == s[i]) kept++;
    }
    /* At most 7 characters shown for long values, 2 for mid-length, none for short. */
    FUZZ_CHECK(kept <= (n >= 11 ? 7u : n > 4 ? 2u : 0u));
    if (phone_valid(s)) {
        FUZZ_CHECK(!memcmp(out, s, 3));
        FUZZ_CHECK(!memcmp(out + 3, "****", 4));
        FUZZ_CHECK(!memcmp(out + 7, s + 7, 4));
    }
    /* Nothing of the middle of an 11+ character value may show. */
    for (size_t i = 3; n >= 11 && i + 4 < n; i++) FUZZ_CHECK(out[i] == '*');

    /* Smaller buffers (a caller's mistake) truncate, never overflow. */
    size_t small = in.n ? fuzz_byte(&in) % (n + 2) : n / 2;
    char *cut = mask(s, small);
    if (small) {
        size_t want = n < small - 1 ? n : small - 1;
        FUZZ_CHECK(strlen(cut) == want);
        FUZZ_CHECK(!memcmp(cut, out, want));
    } else {
        FUZZ_CHECK(cut[0] == 'X');   /* outlen 0: nothing written */
    }
    free(cut);
    free(out);
    free(s);
    return 0;
}
