/* user.c: `xiangcun user add|passwd|disable` for administrators at the console. */
#include "cli/cli.h"
#include "core/clock.h"
#include "model/org.h"
#include "model/user.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char USAGE[] =
    "usage: xiangcun user add LOGIN --role ROLE --org CODE --name NAME [--phone PHONE]\n"
    "       xiangcun user passwd LOGIN\n"
    "       xiangcun user disable LOGIN\n"
    "The password is read from XIANGCUN_PASSWORD or one line of standard input.\n"
    "ROLE: admin, auditor, official, secretary, cadre, villager; CODE: 12-digit division code.\n"
    "Common options: --db URL, --data-dir DIR.\n";

static int add(db *d, const audit_ctx *ctx, int argc, char **argv, xerr *e) {
    static const struct option OPTS[] = {
        {"role", required_argument, NULL, 'r'}, {"org", required_argument, NULL, 'o'},
        {"name", required_argument, NULL, 'n'}, {"phone", required_argument, NULL, 'p'},
        {NULL, 0, NULL, 0},
    };
    user_input in = {0};
    const char *code = NULL;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", OPTS, NULL)) != -1) {
        if (opt == 'r') in.role = optarg;
        else if (opt == 'o') code = optarg;
        else if (opt == 'n') in.display_name = optarg;
        else if (opt == 'p') in.phone = optarg;
        else return xerr_set(e, 2, "usage", "%s", "unknown option");
    }
    if (optind >= argc || !in.role || !code || !in.display_name)
        return xerr_set(e, 2, "usage", "%s", "LOGIN, --role, --org and --name are required");
    in.login = argv[optind];
    char pw[257];
    if (cli_read_password(pw, sizeof pw)) return xerr_set(e, 2, "usage", "%s", "no password given");
    in.password = pw;
    org o;
    int64_t id;
    if (org_get_by_code(d, code, &o, e)) return -1;
    in.org_id = o.id;
    return user_create(d, ctx, &in, &id, e);
}

static int by_login(db *d, const char *login, int64_t *id, xerr *e) {
    *id = user_id_by_login(d, login, e);
    if (*id < 0) return -1;
    return *id ? 0 : xerr_set(e, 404, "not_found", "%s", login);
}

int cmd_user(int argc, char **argv) {
    config c;
    db *d = NULL;
    int rc = cli_start(argc, argv, USAGE, CLI_NESTED, &c, &d);
    if (rc) return rc < 0 ? 0 : rc;
    int sub = optind;
    if (sub >= argc || (strcmp(argv[sub], "add") && sub + 1 >= argc)) {
        fputs(USAGE, stderr);
        db_close(d);
        return 2;
    }
    xerr e = {0};
    audit_ctx ctx = {0, "console", NULL, clock_now()};
    int64_t id = 0;
    rc = db_begin(d, &e);
    if (rc) {
    } else if (!strcmp(argv[sub], "add")) {
        rc = add(d, &ctx, argc - sub, argv + sub, &e);
    } else if (!strcmp(argv[sub], "passwd")) {
        char pw[257];
        rc = by_login(d, argv[sub + 1], &id, &e);
        if (!rc && cli_read_password(pw, sizeof pw)) rc = xerr_set(&e, 2, "usage", "%s", "no password given");
        if (!rc) rc = user_set_password(d, &ctx, id, pw, 0, 1, &e);
    } else if (!strcmp(argv[sub], "disable")) {
        rc = by_login(d, argv[sub + 1], &id, &e);
        if (!rc) rc = user_update(d, &ctx, id, NULL, NULL, 0, NULL, 1, &e);
    } else {
        rc = xerr_set(&e, 2, "usage", "unknown subcommand '%s'", argv[sub]);
    }
    if (!rc) rc = db_commit(d, &e);
    else if (db_in_tx(d)) db_rollback(d);
    db_close(d);
    if (rc) {
        fprintf(stderr, "xiangcun user: %s: %s\n", e.code, e.detail);
        if (e.status == 2) fputs(USAGE, stderr);
        return e.status == 2 ? 2 : 1;
    }
    puts("ok");
    return 0;
}
