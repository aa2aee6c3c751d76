/*
** fuzz_crypto: personal-data encryption (core/crypto.c). pii_decrypt reads
** text from the database, which an attacker with write access to the database
** controls: on arbitrary text it must fail cleanly (-1, output untouched) or,
** for a genuine ciphertext, succeed. Arbitrary plaintext must survive an
** encrypt/decrypt round trip, and a tampered or truncated ciphertext must never
** decrypt to anything but the original. Also: blind index and token hash are
** deterministic hex, str_equal_ct agrees with strcmp.
*/
#include "core/crypto.h"
#include "fuzz_util.h"

#include <ctype.h>
#include <unistd.h>

static char g_dir[64], g_key[128];

static void cleanup(void) {
    unlink(g_key);
    rmdir(g_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    snprintf(g_dir, sizeof g_dir, "/tmp/xc-fuzz-crypto.XXXXXX");
    FUZZ_CHECK(mkdtemp(g_dir) != NULL);
    snprintf(g_key, sizeof g_key, "%s/xiangcun.key", g_dir);
    xerr e = {0};
    FUZZ_CHECK(crypto_init(g_key, 1, &e) == 0);
    atexit(cleanup);
    return 0;
}

static int is_hex64(const char *s) {
    if (strlen(s) != 64) return 0;
    for (; *s; s++)
        if (!isxdigit((unsigned char)*s) || isupper((unsigned char)*s)) return 0;
    return 1;
}

/* Decrypt into a strbuf that already holds "prefix:", as a caller appending would. */
static int decrypt(const char *enc, strbuf *out) {
    strbuf_addstr(out, "prefix:");
    int rc = pii_decrypt(enc, out);
    FUZZ_CHECK(rc == 0 || rc == -1);
    FUZZ_CHECK(out->len >= 7 && !memcmp(out->buf, "prefix:", 7));
    FUZZ_CHECK(out->buf[out->len] == 0);
    if (rc) FUZZ_CHECK(out->len == 7);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_in in = {data, size};
    uint8_t pos = fuzz_byte(&in), with = fuzz_byte(&in);
    char *text = fuzz_str(&in);

    /* 1. Arbitrary text as a stored ciphertext. */
    strbuf out = STRBUF_INIT;
    if (decrypt(text, &out) == 0) FUZZ_CHECK(strlen(out.buf + 7) <= strlen(text));
    strbuf_release(&out);

    /* 2. Round trip of the same bytes as plaintext. */
    char *enc = pii_encrypt(text);
    FUZZ_CHECK(enc != NULL);
    size_t elen = strlen(enc);
    FUZZ_CHECK(elen > 0 && elen % 4 == 0);
    FUZZ_CHECK(decrypt(enc, &out) == 0);
    FUZZ_CHECK(out.len - 7 == strlen(text) && !strcmp(out.buf + 7, text));
    strbuf_release(&out);

    /* 3. One character changed: fails, or (a change in unused base64 bits) gives the same plaintext. */
    static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
    char *bad = strdup(enc);
    FUZZ_CHECK(bad != NULL);
    size_t at = pos % elen;
    char c = B64[with % (sizeof B64 - 1)];
    if (with >= 0xF0) c = (char)with;   /* not base64 at all */
    bad[at] = c;
    if (decrypt(bad, &out) == 0) FUZZ_CHECK(!strcmp(out.buf + 7, text));
    strbuf_release(&out);

    /* 4. Truncated: never decrypts. */
    bad[0] = 0;
    memcpy(bad, enc, at);
    bad[at] = 0;
    FUZZ_CHECK(decrypt(bad, &out) == -1);
    strbuf_release(&out);
    free(bad);
    free(enc);

    /* 5. Keyed hashes: deterministic lower-case hex. */
    char h1[65], h2[65];
    pii_blind_index(text, h1);
    pii_blind_index(text, h2);
    FUZZ_CHECK(is_hex64(h1) && !strcmp(h1, h2));
    token_hash(text, h2);
    FUZZ_CHECK(is_hex64(h2) && strcmp(h1, h2));   /* different sub-keys */

    /* 6. Constant-time comparison agrees with strcmp. */
    char *other = fuzz_str(&in);
    FUZZ_CHECK(str_equal_ct(text, other) == !strcmp(text, other));
    FUZZ_CHECK(str_equal_ct(text, text) == 1);
    free(other);
    free(text);
    return 0;
}
