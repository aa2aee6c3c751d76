/*
** clock.h: the current time, injectable for tests.
**
** When XIANGCUN_CLOCK_FILE names a file, its first line is an offset in
** seconds added to the real clock (re-read on each call), so tests can move
** time forward past lockouts and idle timeouts without sleeping. A line
** "=T" instead stops the clock at Unix time T, for tests that compare the
** times the server records with exact values: with an offset, a second that
** ends between writing the file and the server reading it shifts them by one.
** Production leaves it unset and pays one branch.
*/
#ifndef XC_CLOCK_H
#define XC_CLOCK_H

#include <stdint.h>

void clock_init(void);
int64_t clock_now(void);

#endif
