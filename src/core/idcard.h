/*
** idcard.h: mainland resident identity numbers (公民身份号码, GB 11643-1999):
** 17 digits and a check character (0-9 or X) computed with ISO 7064 MOD 11-2.
** Digits 7-14 are the birth date; digit 17 is odd for men, even for women.
*/
#ifndef XC_IDCARD_H
#define XC_IDCARD_H

#include <stddef.h>

typedef struct idcard {
    char number[19];      /* normalised: upper-case X */
    int year, month, day;
    char sex;             /* 'M' or 'F' */
} idcard;

/* The check character (ISO 7064 MOD 11-2) of the first 17 digits. */
char idcard_check_char(const char *first17);
/* Parse and check s; 0 when valid (out filled), -1 otherwise. */
int idcard_parse(const char *s, idcard *out);
/* "510***********1234": first 3 and last 4 characters kept. out >= 19 bytes. */
void idcard_mask(const char *number, char *out, size_t outlen);

#endif
