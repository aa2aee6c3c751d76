/*
** migrate.h: versioned schema migrations, applied at start-up and by
** `xiangcun migrate`. Each step runs in its own transaction and records its
** version in schema_version, so applying is idempotent and resumable.
*/
#ifndef XC_MIGRATE_H
#define XC_MIGRATE_H

#include "db/db.h"

/* Apply every migration newer than the database's version. Returns the number
** applied (0 when up to date) or -1 with *e. */
int migrate_up(db *d, xerr *e);
/* The newest version this binary knows. */
int migrate_latest(void);

#endif
