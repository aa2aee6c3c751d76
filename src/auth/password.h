/*
** password.h: password hashing (argon2id via libsodium) and the password policy
** (at least 8 characters drawn from at least 3 of: lower case, upper case,
** digits, other characters), as MLPS 2.0 asks.
*/
#ifndef XC_PASSWORD_H
#define XC_PASSWORD_H

#include "core/xerr.h"

/* argon2id encoded hash into out (crypto_pwhash_STRBYTES). -1 on failure (out of memory). */
int password_hash(const char *pw, char out[128], xerr *e);
/* 1 when pw matches the stored hash. */
int password_verify(const char *pw, const char *stored);
/* A valid hash of a random secret, computed once: verifying against it when a
** login is unknown costs the same time as a real check. */
const char *password_dummy_hash(void);
/* 0 when pw satisfies the policy, else -1 with 400 "weak_password". */
int password_check_policy(const char *pw, xerr *e);

#endif
