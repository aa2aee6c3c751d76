/*
** pg.h: opening a libpq connection the way every part of xiangcun does.
**
** The storage back end (pg.c) and the event channel (channel.c) both connect
** with it, so a URL means the same thing to both and an error never quotes
** the password.
*/
#ifndef XC_PG_H
#define XC_PG_H

#include <libpq-fe.h>
#include "core/xerr.h"

/* Connect to url ("postgresql://..."), naming the session app_name unless the
** URL does. NULL with *e set (status 500, code db_error) on failure. */
PGconn *pg_connect(const char *url, const char *app_name, xerr *e);

#endif
