/*
** crypto.h: keys and the cryptography xiangcun applies to personal data,
** tokens and the audit chain (all through libsodium).
**
** One 32-byte master key lives in a file outside the database (created on
** first start, mode 0600). Sub-keys are derived from it for each purpose, so
** someone who can write the database can neither read personal data nor forge
** the audit chain without also stealing the key file.
*/
#ifndef XC_CRYPTO_H
#define XC_CRYPTO_H

#include <stddef.h>
#include "core/strbuf.h"
#include "core/xerr.h"

/* Load the key file; when it is absent, create it (0600, synced with its
** folder) if may_create, else fail: a database that already holds encrypted
** data or an audit chain must never get a fresh key silently. */
int crypto_init(const char *key_file, int may_create, xerr *e);

/* Encrypt personal data: base64(nonce || secretbox(plain)). Caller frees. */
char *pii_encrypt(const char *plain);
/* Decrypt into *out; -1 when the text was tampered with or not ours. */
int pii_decrypt(const char *enc, strbuf *out);
/* Keyed hash for exact lookup without decrypting (hex, 64 chars + NUL). */
void pii_blind_index(const char *plain, char out[65]);

/* HMAC-SHA-256 of prev_hash || record with the audit key, as hex. */
void audit_mac(const char *prev_hash, const char *record, char out[65]);

/* A random 256-bit token as "PREFIX" + base64url (no padding). out >= 64 bytes. */
void token_new(const char *prefix, char *out, size_t outlen);
/* Hash of a token for storage (hex, 64 chars + NUL). */
void token_hash(const char *token, char out[65]);

/* Constant-time comparison of two NUL-terminated strings. */
int str_equal_ct(const char *a, const char *b);

#endif
