/* crypto.c: master key file, sub-keys, PII encryption, blind index, MACs (see crypto.h). */
#include "core/crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KDF_CTX "xiangcun"

static unsigned char k_pii[crypto_secretbox_KEYBYTES];
static unsigned char k_bidx[crypto_generichash_KEYBYTES];
static unsigned char k_audit[crypto_auth_hmacsha256_KEYBYTES];
static unsigned char k_token[crypto_generichash_KEYBYTES];

static int read_key(const char *path, unsigned char key[crypto_kdf_KEYBYTES], xerr *e) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? 1 : xerr_set(e, 500, "key_file", "%s: %s", path, strerror(errno));
    ssize_t n = read(fd, key, crypto_kdf_KEYBYTES);
    close(fd);
    if (n != crypto_kdf_KEYBYTES) return xerr_set(e, 500, "key_file", "%s: not a 32-byte key", path);
    return 0;
}

static int create_key(const char *path, unsigned char key[crypto_kdf_KEYBYTES], xerr *e) {
    crypto_kdf_keygen(key);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return xerr_set(e, 500, "key_file", "%s: %s", path, strerror(errno));
    int ok = write(fd, key, crypto_kdf_KEYBYTES) == crypto_kdf_KEYBYTES && fsync(fd) == 0;
    close(fd);
    if (!ok) return xerr_set(e, 500, "key_file", "%s: write failed", path);
    /* The new directory entry must survive a power cut too. */
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", path);
    int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

int crypto_init(const char *key_file, int may_create, xerr *e) {
    if (sodium_init() < 0) return xerr_set(e, 500, "crypto", "%s", "libsodium failed to initialise");
    unsigned char master[crypto_kdf_KEYBYTES];
    int rc = read_key(key_file, master, e);
    if (rc == 1 && !may_create)
        return xerr_set(e, 500, "key_file",
                        "%s is missing but the database already holds data sealed with it: restore the key file",
                        key_file);
    if (rc == 1) rc = create_key(key_file, master, e);
    if (rc) return -1;
    crypto_kdf_derive_from_key(k_pii, sizeof k_pii, 1, KDF_CTX, master);
    crypto_kdf_derive_from_key(k_bidx, sizeof k_bidx, 2, KDF_CTX, master);
    crypto_kdf_derive_from_key(k_audit, sizeof k_audit, 3, KDF_CTX, master);
    crypto_kdf_derive_from_key(k_token, sizeof k_token, 4, KDF_CTX, master);
    sodium_memzero(master, sizeof master);
    return 0;
}

static void to_hex(const unsigned char *b, size_t n, char *out) {
    sodium_bin2hex(out, n * 2 + 1, b, n);
}

char *pii_encrypt(const char *plain) {
    size_t plen = strlen(plain);
    size_t blen = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plen;
    unsigned char *box = xmalloc(blen);
    randombytes_buf(box, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, (const unsigned char *)plain, plen,
                          box, k_pii);
    size_t olen = sodium_base64_ENCODED_LEN(blen, sodium_base64_VARIANT_ORIGINAL);
    char *out = xmalloc(olen);
    sodium_bin2base64(out, olen, box, blen, sodium_base64_VARIANT_ORIGINAL);
    free(box);
    return out;
}

int pii_decrypt(const char *enc, strbuf *out) {
    size_t elen = strlen(enc), blen = 0;
    unsigned char *box = xmalloc(elen + 1);
    int rc = -1;
    if (sodium_base642bin(box, elen, enc, elen, NULL, &blen, NULL, sodium_base64_VARIANT_ORIGINAL) == 0 &&
        blen >= crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
        size_t plen = blen - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
        strbuf_grow(out, plen);
        if (crypto_secretbox_open_easy((unsigned char *)out->buf + out->len,
                                       box + crypto_secretbox_NONCEBYTES,
                                       blen - crypto_secretbox_NONCEBYTES, box, k_pii) == 0) {
            out->len += plen;
            out->buf[out->len] = 0;
            rc = 0;
        }
    }
    free(box);
    return rc;
}

void pii_blind_index(const char *plain, char out[65]) {
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)plain, strlen(plain), k_bidx, sizeof k_bidx);
    to_hex(h, sizeof h, out);
}

void audit_mac(const char *prev_hash, const char *record, char out[65]) {
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, k_audit, sizeof k_audit);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)prev_hash, strlen(prev_hash));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)record, strlen(record));
    crypto_auth_hmacsha256_final(&st, mac);
    to_hex(mac, sizeof mac, out);
}

void token_new(const char *prefix, char *out, size_t outlen) {
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    size_t pl = strlen(prefix);
    if (outlen < pl + 44) abort();   /* programming error: buffer too small */
    memcpy(out, prefix, pl);
    sodium_bin2base64(out + pl, outlen - pl, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
}

void token_hash(const char *token, char out[65]) {
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)token, strlen(token), k_token, sizeof k_token);
    to_hex(h, sizeof h, out);
}

int str_equal_ct(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb) return 0;
    return sodium_memcmp(a, b, la) == 0;
}
