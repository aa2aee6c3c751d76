/*
** settings.h: county-wide settings kept in the `setting` table (key → text),
** such as whether two-factor sign-in is mandatory for admins and auditors.
*/
#ifndef XC_SETTINGS_H
#define XC_SETTINGS_H

#include "audit/audit.h"
#include "db/db.h"

#define SETTING_REQUIRE_TOTP "require_totp_admin"

/* The boolean setting key, def when unset; -1 on a database error. */
int setting_bool(db *d, const char *key, int def, xerr *e);
/* Store a boolean setting (audited; caller holds the transaction). */
int setting_set_bool(db *d, const audit_ctx *ctx, const char *key, int value, xerr *e);
/* Whether 2FA is mandatory for this role under the current settings. */
int setting_totp_required(db *d, const char *role, xerr *e);

#endif
