/*
** mask.h: validating and masking personal identifiers for display.
** Masking happens on the server; the client never receives what it may not see.
*/
#ifndef XC_MASK_H
#define XC_MASK_H

#include <stddef.h>

/* A mainland mobile number: 11 digits starting with 1. Returns 1 if valid. */
int phone_valid(const char *s);
/* "13812345678" -> "138****5678"; anything else keeps its first and last
** characters at most and stars the rest. out must hold strlen(s)+1 bytes (>= 16). */
void phone_mask(const char *s, char *out, size_t outlen);

#endif
