/* password.c: argon2id hashing and the password policy (see password.h). */
#include "auth/password.h"

#include <ctype.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>

int password_hash(const char *pw, char out[128], xerr *e) {
    _Static_assert(crypto_pwhash_STRBYTES <= 128, "hash buffer");
    if (crypto_pwhash_str(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return xerr_set(e, 503, "busy", "%s", "password hashing out of memory");
    return 0;
}

int password_verify(const char *pw, const char *stored) {
    return crypto_pwhash_str_verify(stored, pw, strlen(pw)) == 0;
}

static char g_dummy[128];
static pthread_once_t g_dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy(void) {
    char secret[33];
    randombytes_buf(secret, 32);
    secret[32] = 0;
    for (int i = 0; i < 32; i++) secret[i] = (char)('a' + (unsigned char)secret[i] % 26);
    if (password_hash(secret, g_dummy, NULL)) g_dummy[0] = 0;
}

const char *password_dummy_hash(void) {
    pthread_once(&g_dummy_once, make_dummy);
    return g_dummy;
}

int password_check_policy(const char *pw, xerr *e) {
    int lower = 0, upper = 0, digit = 0, other = 0;
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)pw; *p; p++) {
        if ((*p & 0xC0) != 0x80) n++;   /* count UTF-8 characters, not bytes */
        if (islower(*p)) lower = 1;
        else if (isupper(*p)) upper = 1;
        else if (isdigit(*p)) digit = 1;
        else other = 1;
    }
    if (n < 8 || lower + upper + digit + other < 3 || strlen(pw) > 256)
        return xerr_set(e, 400, "weak_password", "%s", "password");
    return 0;
}
