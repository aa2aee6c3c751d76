/*
** date.h: calendar days as "YYYY-MM-DD" text, the form the API, the
** database and the ledgers use. Days are counted from 1970-01-01 (day 0) in
** the proleptic Gregorian calendar, so a local day is just
** date_from_days(floor((t + utc_offset) / 86400)).
*/
#ifndef XC_DATE_H
#define XC_DATE_H

#include <stdint.h>

/* Whether s is a real date "YYYY-MM-DD" between 1900-01-01 and 2100-12-31. */
int date_valid(const char *s);
/* Days since 1970-01-01 of a valid date; -1 when s is not valid (see date_valid). */
int date_to_days(const char *s, int64_t *days);
/* The date of a day number. */
void date_from_days(int64_t days, char out[11]);
/* The UTC date of Unix time t. */
void date_utc(int64_t t, char out[11]);
/* Day of the week of a day number: 0 Sunday .. 6 Saturday. */
int date_weekday(int64_t days);
/* An ISO-8601 time "YYYY-MM-DD(T| )HH:MM[:SS[.fff]][Z|±hh|±hh:mm|±hhmm]"
** (fractions dropped) as Unix seconds; without a zone it is local time
** default_offset seconds east of UTC. 0, or -1 when s is not such a time. */
int date_parse_time(const char *s, int default_offset, int64_t *out);

#endif
