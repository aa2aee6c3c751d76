/* common.c: start-up shared by the sub-commands (see cli.h). */
#include "cli/cli.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "core/fault.h"
#include "db/migrate.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const struct option COMMON[] = {
    {"db", required_argument, NULL, 'd'},
    {"data-dir", required_argument, NULL, 'D'},
    {"listen", required_argument, NULL, 'l'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* 1 when nothing was ever recorded: the only time a new key may be made. */
static int database_is_empty(db *d, xerr *e) {
    db_stmt *st = db_prepare(d, "SELECT COUNT(*) FROM audit_log", e);
    if (!st) return -1;
    int rc = db_step(st, e);
    int empty = rc == 1 ? db_col_int(st, 0) == 0 : -1;
    db_done(st);
    return empty;
}

int cli_start(int argc, char **argv, const char *usage, int nested, config *c, db **d) {
    if (config_load(c)) return 2;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, nested ? "+h" : "h", COMMON, NULL)) != -1) {
        switch (opt) {
        case 'd': snprintf(c->db_url, sizeof c->db_url, "%s", optarg); break;
        case 'D': config_set_data_dir(c, optarg); break;
        case 'l': if (config_set_listen(c, optarg)) return 2; break;
        case 'h': fputs(usage, stdout); return -1;
        default: fputs(usage, stderr); return 2;
        }
    }
    clock_init();
    fault_init();
    if (mkdir(c->data_dir, 0700) && errno != EEXIST) {
        fprintf(stderr, "xiangcun: cannot create %s: %s\n", c->data_dir, strerror(errno));
        return 1;
    }
    xerr e = {0};
    if (db_configure(c->db_url, &e)) {
        fprintf(stderr, "xiangcun: %s: %s\n", e.code, e.detail);
        return 1;
    }
    *d = db_open(c->db_url, &e);
    int applied = *d ? migrate_up(*d, &e) : -1;
    int fresh = applied >= 0 ? database_is_empty(*d, &e) : -1;
    if (applied < 0 || fresh < 0) {
        fprintf(stderr, "xiangcun: database %s: %s\n", e.code ? e.code : "error", e.detail);
        db_close(*d);
        *d = NULL;
        return 1;
    }
    if (applied > 0) fprintf(stderr, "xiangcun: applied %d migration(s)\n", applied);
    if (crypto_init(c->key_file, fresh, &e)) {
        fprintf(stderr, "xiangcun: %s: %s\n", e.code, e.detail);
        db_close(*d);
        *d = NULL;
        return 1;
    }
    return 0;
}

int cli_read_password(char *buf, size_t n) {
    const char *env = getenv("XIANGCUN_PASSWORD");
    if (env) {
        snprintf(buf, n, "%s", env);
        return 0;
    }
    if (!fgets(buf, (int)n, stdin)) return -1;
    buf[strcspn(buf, "\r\n")] = 0;
    return 0;
}
