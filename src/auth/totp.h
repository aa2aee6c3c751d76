/*
** totp.h: time-based one-time passwords (RFC 6238: 30-second steps, 6 digits,
** HMAC-SHA-1) through liboath, for two-factor login.
*/
#ifndef XC_TOTP_H
#define XC_TOTP_H

#include <stdint.h>

/* A new random secret, base32 (32 chars + NUL). */
int totp_new_secret(char out[64]);
/* Check code against the base32 secret at time now, allowing one step of
** clock drift either way. Returns the matched time step (> last_step to refuse
** replays) or -1. */
int64_t totp_check(const char *secret_b32, const char *code, int64_t now, int64_t last_step);
/* The code for a given time (tests and the CLI use it). out: 7 bytes. */
int totp_code(const char *secret_b32, int64_t now, char out[8]);

#endif
