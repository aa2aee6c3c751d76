/*
** main.c: entry point of the xiangcun binary; dispatches to a sub-command.
** A newcomer reading the tree: cli/ (commands) → http/ (server, router) →
** api/ (handlers, route table) → model/ (records and rules) → db/ (storage)
** with audit/, auth/ and core/ (strings, errors, crypto, config) beside them.
*/
#include "cli/cli.h"
#include "core/strbuf.h"

#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char USAGE[] =
    "usage: xiangcun COMMAND [options]\n"
    "\n"
    "commands:\n"
    "  serve          serve the web UI and the API (default 127.0.0.1:8080)\n"
    "  migrate        apply database migrations\n"
    "  demo           seed the demo county (once) and print the demo logins\n"
    "  user           add | passwd | disable accounts\n"
    "  audit verify   check the audit chain for tampering\n"
    "  routes         list the API routes\n"
    "\n"
    "Run 'xiangcun COMMAND --help' for a command's options. Configuration comes from\n"
    "XIANGCUN_* environment variables (see README.md), overridden by flags.\n";

int main(int argc, char **argv) {
    static const struct { const char *name; int (*fn)(int, char **); } CMDS[] = {
        {"serve", cmd_serve}, {"migrate", cmd_migrate}, {"demo", cmd_demo},
        {"user", cmd_user},   {"audit", cmd_audit},     {"routes", cmd_routes},
    };
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        fputs(USAGE, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* jansson silently drops bytes when an allocation fails; like the rest of
    ** xiangcun, abort instead (see strbuf.h). */
    json_set_alloc_funcs(xmalloc, free);
    for (size_t i = 0; i < sizeof CMDS / sizeof CMDS[0]; i++)
        if (!strcmp(argv[1], CMDS[i].name)) return CMDS[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "xiangcun: unknown command '%s'\n\n%s", argv[1], USAGE);
    return 2;
}
