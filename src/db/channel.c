/*
** channel.c: LISTEN/NOTIFY between serve processes (channel.h).
**
** The thread waits in poll() on the connection's socket and on a pipe that
** channel_send() and channel_stop() write a byte to. Each turn it sends what
** is queued (SELECT pg_notify($1, $2), one message each: the payload is a
** bound parameter, never SQL text) and then hands over the notifications
** libpq has collected, those that arrived during the sends included.
*/
#include "db/channel.h"
#include "db/pg.h"
#include "core/strbuf.h"
#include "core/thread.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RECONNECT_MS 1000

typedef struct msg {
    struct msg *next;
    char text[];
} msg;

struct channel {
    char *url;
    char name[64];
    channel_fn fn;
    void *ctx;
    PGconn *c;
    pthread_t thread;
    int wake[2];               /* pipe: [0] polled by the thread */
    pthread_mutex_t mu;        /* guards the queue and stop */
    msg *first, *last;
    int stop;
};

static void poke(channel *ch) {
    ssize_t n = write(ch->wake[1], "x", 1);
    (void)n;   /* a full pipe already wakes the thread */
}

/* Connect and LISTEN; 0, or -1 with the connection closed. */
static int open_conn(channel *ch, xerr *e) {
    ch->c = pg_connect(ch->url, "xiangcun-events", e);
    if (!ch->c) return -1;
    strbuf sql = STRBUF_INIT;
    strbuf_addf(&sql, "LISTEN %s", ch->name);   /* name: an identifier checked by channel_start */
    PGresult *res = PQexec(ch->c, sql.buf);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    strbuf_release(&sql);
    if (ok) return 0;
    PQfinish(ch->c);
    ch->c = NULL;
    return xerr_set(e, 500, "db_error", "LISTEN %s failed", ch->name);
}

/* Take the queue (the caller frees it) and whether to stop. */
static msg *take(channel *ch, int *stop) {
    pthread_mutex_lock(&ch->mu);
    msg *m = ch->first;
    ch->first = ch->last = NULL;
    *stop = ch->stop;
    pthread_mutex_unlock(&ch->mu);
    return m;
}

/* Send the messages in order; 0, or -1 when the connection failed (the rest are dropped). */
static int send_all(channel *ch, msg *m) {
    int rc = 0;
    while (m) {
        msg *next = m->next;
        if (!rc) {
            const char *vals[2] = {ch->name, m->text};
            PGresult *res = PQexecParams(ch->c, "SELECT pg_notify($1, $2)", 2, NULL, vals, NULL, NULL, 0);
            if (PQresultStatus(res) != PGRES_TUPLES_OK) {
                fprintf(stderr, "xiangcun: event channel: %s", PQerrorMessage(ch->c));
                rc = PQstatus(ch->c) == CONNECTION_OK ? 0 : -1;
            }
            PQclear(res);
        }
        free(m);
        m = next;
    }
    return rc;
}

/* Hand over what has arrived; -1 when the connection is gone. */
static int receive(channel *ch) {
    if (!PQconsumeInput(ch->c)) return -1;
    PGnotify *n;
    while ((n = PQnotifies(ch->c))) {
        ch->fn(n->extra, ch->ctx);
        PQfreemem(n);
    }
    return PQstatus(ch->c) == CONNECTION_OK ? 0 : -1;
}

/* Wait for the socket (when connected) or the pipe, at most ms (-1: no limit). */
static void wait_for(channel *ch, int ms) {
    struct pollfd p[2] = {{ch->wake[0], POLLIN, 0}, {ch->c ? PQsocket(ch->c) : -1, POLLIN, 0}};
    if (poll(p, 2, ms) > 0 && (p[0].revents & POLLIN)) {
        char buf[64];
        while (read(ch->wake[0], buf, sizeof buf) > 0) {}
    }
}

static void drop(msg *m) {
    while (m) {
        msg *next = m->next;
        free(m);
        m = next;
    }
}

static void *channel_main(void *arg) {
    channel *ch = arg;
    int lost = 0, stop = 0;
    while (!stop) {
        if (!ch->c) {
            xerr e = {0};
            if (open_conn(ch, &e)) {
                drop(take(ch, &stop));   /* nobody would hear them now */
                if (!stop) wait_for(ch, RECONNECT_MS);
                continue;
            }
            if (lost) ch->fn(NULL, ch->ctx);
            lost = 0;
        }
        if (send_all(ch, take(ch, &stop)) || receive(ch)) {
            fprintf(stderr, "xiangcun: event channel: connection lost, reconnecting\n");
            PQfinish(ch->c);
            ch->c = NULL;
            lost = 1;
            continue;
        }
        if (!stop) wait_for(ch, -1);
    }
    return NULL;
}

static int is_identifier(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n >= 64 || !((*s >= 'a' && *s <= 'z') || *s == '_')) return 0;
    return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

static void channel_free(channel *ch) {
    if (ch->c) PQfinish(ch->c);
    close(ch->wake[0]);
    close(ch->wake[1]);
    pthread_mutex_destroy(&ch->mu);
    drop(ch->first);
    free(ch->url);
    free(ch);
}

channel *channel_start(const char *url, const char *name, channel_fn fn, void *ctx, xerr *e) {
    if (!is_identifier(name)) {
        xerr_set(e, 500, "internal", "%s", "bad channel name");
        return NULL;
    }
    channel *ch = xcalloc(1, sizeof *ch);
    ch->url = xstrdup(url);
    snprintf(ch->name, sizeof ch->name, "%s", name);
    ch->fn = fn;
    ch->ctx = ctx;
    pthread_mutex_init(&ch->mu, NULL);
    if (pipe2(ch->wake, O_NONBLOCK | O_CLOEXEC)) {
        ch->wake[0] = ch->wake[1] = -1;
        xerr_set(e, 500, "internal", "%s", "cannot create the event channel's pipe");
    } else if (!open_conn(ch, e) && !thread_start(&ch->thread, channel_main, ch)) {
        return ch;
    } else if (ch->c) {
        xerr_set(e, 500, "internal", "%s", "cannot start the event channel's thread");
    }
    channel_free(ch);
    return NULL;
}

int channel_send(channel *ch, const char *text) {
    size_t n = strlen(text);
    if (n > CHANNEL_MAX) return -1;
    msg *m = xmalloc(sizeof *m + n + 1);
    m->next = NULL;
    memcpy(m->text, text, n + 1);
    pthread_mutex_lock(&ch->mu);
    if (ch->last) ch->last->next = m;
    else ch->first = m;
    ch->last = m;
    pthread_mutex_unlock(&ch->mu);
    poke(ch);
    return 0;
}

void channel_stop(channel *ch) {
    if (!ch) return;
    pthread_mutex_lock(&ch->mu);
    ch->stop = 1;
    pthread_mutex_unlock(&ch->mu);
    poke(ch);
    pthread_join(ch->thread, NULL);
    channel_free(ch);
}
