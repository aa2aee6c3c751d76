/*
** cli.h: the sub-commands of the xiangcun binary (cli/main.c dispatches).
** Each takes argc/argv starting at its own name, prints --help, and returns
** the process exit status.
*/
#ifndef XC_CLI_H
#define XC_CLI_H

#include "core/config.h"
#include "db/db.h"

int cmd_serve(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_routes(int argc, char **argv);

/* Shared start-up: parse the common flags (--db, --data-dir, --listen) out of
** argv, load the key file, open the database and apply migrations.
** *d receives an open, migrated connection. Returns 0 or an
** exit status (-1 after printing --help). Leaves the operands in
** argv[optind..]; with CLI_NESTED, parsing stops at the first operand so a
** nested command ("user add ...") can parse its own options. */
enum { CLI_FLAT = 0, CLI_NESTED = 1 };
int cli_start(int argc, char **argv, const char *usage, int nested, config *c, db **d);

/* Read a password from XIANGCUN_PASSWORD or one line of standard input. */
int cli_read_password(char *buf, size_t n);

#endif
