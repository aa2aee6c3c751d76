/* serve.c: `xiangcun serve`, `xiangcun migrate` and `xiangcun routes`. */
#include "cli/cli.h"
#include "http/router.h"
#include "http/server.h"
#include "db/migrate.h"
#include "api/api.h"
#include "duty/evaluate.h"
#include "db/channel.h"
#include "http/sse.h"

#include <stdio.h>
#include <string.h>

#define COMMON_FLAGS \
    "  --db URL          sqlite:PATH or postgresql://... (XIANGCUN_DB)\n" \
    "  --data-dir DIR    data folder: database and key file (XIANGCUN_DATA_DIR)\n"

/* The event hub's relay over the channel (sse.h, channel.h). */
static void relay_event(const char *msg, void *ctx) {
    if (channel_send(ctx, msg))
        fprintf(stderr, "xiangcun: an event of %zu bytes is too long for the other processes\n", strlen(msg));
}

static void sse_receive_msg(const char *msg, void *ctx) {
    (void)ctx;
    sse_receive(msg);
}

int cmd_serve(int argc, char **argv) {
    static const char usage[] =
        "usage: xiangcun serve [--listen HOST:PORT] [--db URL] [--data-dir DIR]\n"
        "Serve the web UI and the JSON API until SIGINT or SIGTERM.\n"
        "  --listen HOST:PORT  address to listen on (XIANGCUN_LISTEN, default 127.0.0.1:8080)\n"
        COMMON_FLAGS;
    config c;
    db *d = NULL;
    int rc = cli_start(argc, argv, usage, CLI_FLAT, &c, &d);
    if (rc) return rc < 0 ? 0 : rc;
    xerr e = {0};
    /* Import jobs a previous process left unfinished were rolled back: say so. */
    if (import_jobs_recover(d, &e)) {
        fprintf(stderr, "xiangcun: %s: %s\n", e.code, e.detail);
        db_close(d);
        return 1;
    }
    int shared = db_kind_of(d) == DB_POSTGRES;
    db_close(d);   /* migrations done; each server thread opens its own connection */
    /* Processes sharing one PostgreSQL relay their live events to each other. */
    channel *events = NULL;
    if (shared) {
        if (!(events = channel_start(db_url(), "xiangcun_events", sse_receive_msg, NULL, &e))) {
            fprintf(stderr, "xiangcun: %s\n", e.detail);
            return 1;
        }
        sse_set_relay(relay_event, events);
    }
    /* The duty evaluation job (docs/DUTY.md) runs beside the server until it stops. */
    if (duty_job_start(&e)) {
        fprintf(stderr, "xiangcun: %s\n", e.detail);
        channel_stop(events);
        return 1;
    }
    rc = server_run(&c, &e);
    duty_job_stop();
    sse_set_relay(NULL, NULL);   /* nothing publishes any more */
    channel_stop(events);
    if (rc) {
        fprintf(stderr, "xiangcun: %s\n", e.detail);
        return 1;
    }
    return 0;
}

int cmd_migrate(int argc, char **argv) {
    static const char usage[] = "usage: xiangcun migrate [--db URL] [--data-dir DIR]\n"
                                "Apply every database migration this binary knows.\n" COMMON_FLAGS;
    config c;
    db *d = NULL;
    int rc = cli_start(argc, argv, usage, CLI_FLAT, &c, &d);
    if (rc) return rc < 0 ? 0 : rc;
    printf("schema at version %d\n", migrate_latest());
    db_close(d);
    return 0;
}

int cmd_routes(int argc, char **argv) {
    (void)argv;
    if (argc > 1) {
        fputs("usage: xiangcun routes\nList every API route: METHOD PATTERN [public].\n", stdout);
        return 0;
    }
    router_print();
    return 0;
}
