/*
** fault.h: fault injection for the hardening harness.
**
** XIANGCUN_FAULT_DB=N makes the Nth database call (counted from start-up,
** then every N calls when XIANGCUN_FAULT_DB_EVERY is set) fail with 503, so
** tests can check that a request failing half-way leaves nothing half-written
** and that the server keeps serving. Unset, the checks cost one branch.
*/
#ifndef XC_FAULT_H
#define XC_FAULT_H

/* Read the XIANGCUN_FAULT_* environment; call once at start-up. */
void fault_init(void);
/* True when this database call is the one to fail. */
int fault_db_should_fail(void);

#endif
