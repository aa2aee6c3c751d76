/* totp.c: RFC 6238 codes with liboath (see totp.h). */
#include "auth/totp.h"

#include <liboath/oath.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define STEP 30
#define DIGITS 6

int totp_new_secret(char out[64]) {
    char raw[20];
    randombytes_buf(raw, sizeof raw);
    char *b32 = NULL;
    size_t len = 0;
    if (oath_init() != OATH_OK) return -1;
    if (oath_base32_encode(raw, sizeof raw, &b32, &len) != OATH_OK || len >= 64) {
        free(b32);
        return -1;
    }
    memcpy(out, b32, len);
    out[len] = 0;
    free(b32);
    return 0;
}

static int decode(const char *b32, char **raw, size_t *rawlen) {
    if (oath_init() != OATH_OK) return -1;
    return oath_base32_decode(b32, strlen(b32), raw, rawlen) == OATH_OK ? 0 : -1;
}

int totp_code(const char *secret_b32, int64_t now, char out[8]) {
    char *raw = NULL;
    size_t rawlen = 0;
    if (decode(secret_b32, &raw, &rawlen)) return -1;
    int rc = oath_totp_generate(raw, rawlen, (time_t)now, STEP, 0, DIGITS, out);
    free(raw);
    return rc == OATH_OK ? 0 : -1;
}

int64_t totp_check(const char *secret_b32, const char *code, int64_t now, int64_t last_step) {
    if (!code || strlen(code) != DIGITS || strspn(code, "0123456789") != DIGITS) return -1;
    for (int drift = -1; drift <= 1; drift++) {
        int64_t t = now + drift * STEP;
        char want[8];
        if (totp_code(secret_b32, t, want)) return -1;
        int64_t step = t / STEP;
        if (step > last_step && sodium_memcmp(want, code, DIGITS) == 0) return step;
    }
    return -1;
}
