/*
** fuzz_totp: two-factor code checking (auth/totp.c) with arbitrary base32
** secrets, codes, clock values and last-used steps. A match must be one of the
** three steps around now, later than last_step (no replay), and the code must
** be what totp_code gives for that step; the code generated for now must be
** accepted once and refused as a replay.
*/
#include "auth/totp.h"
#include "fuzz_util.h"

static int six_digits(const char *s) {
    return strlen(s) == 6 && strspn(s, "0123456789") == 6;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_in in = {data, size};
    int64_t now = (int64_t)fuzz_u64(&in, 5);                 /* 0 .. year 36812 */
    int64_t last = (int64_t)fuzz_u64(&in, 5) - (1LL << 39);   /* around zero, either side */
    char *secret = fuzz_str(&in);
    char *code = fuzz_str(&in);

    int64_t s = totp_check(secret, code, now, last);
    if (s != -1) {
        FUZZ_CHECK(six_digits(code));
        FUZZ_CHECK(s > last);
        FUZZ_CHECK(s >= (now - 30) / 30 && s <= (now + 30) / 30);
        char want[8];
        FUZZ_CHECK(totp_code(secret, s * 30, want) == 0 && !strcmp(want, code));
    }
    FUZZ_CHECK(totp_check(secret, NULL, now, last) == -1);

    char cur[8];
    if (totp_code(secret, now, cur) == 0) {
        FUZZ_CHECK(six_digits(cur));
        int64_t step = totp_check(secret, cur, now, -1);
        FUZZ_CHECK(step >= (now - 30) / 30 && step <= now / 30);
        FUZZ_CHECK(totp_check(secret, cur, now, (now + 30) / 30) == -1);   /* already used */
        /* Codes more than one step away are refused. */
        char far[8];
        FUZZ_CHECK(totp_code(secret, now + 90, far) == 0);
        int64_t f = totp_check(secret, far, now, -1);
        FUZZ_CHECK(f == -1 || f <= (now + 30) / 30);
    }
    free(secret);
    free(code);

    char fresh[64];
    if (size && data[0] == 0x42) {   /* now and then: a new secret is 32 base32 characters */
        FUZZ_CHECK(totp_new_secret(fresh) == 0);
        FUZZ_CHECK(strlen(fresh) == 32 && strspn(fresh, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") == 32);
    }
    return 0;
}
