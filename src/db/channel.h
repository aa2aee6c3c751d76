/*
** channel.h: messages between the serve processes that share one PostgreSQL
** database, over LISTEN/NOTIFY.
**
** Several `xiangcun serve` processes may run against one PostgreSQL (behind
** a load balancer). A change one of them makes is seen by the others on
** their next query; what a channel adds is that they hear of it at once, so
** a page connected to one process gets the live events of all (http/sse.c).
**
** A channel has a thread and a connection of its own. Messages are plain
** text of at most CHANNEL_MAX bytes, delivered to every process listening,
** the sender included, in the order each sender sent them. NOTIFY keeps
** nothing: while the connection is down (it is reopened every second)
** messages are lost, and the callback is told so with msg NULL once the
** channel is back.
*/
#ifndef XC_CHANNEL_H
#define XC_CHANNEL_H

#include "core/xerr.h"

#define CHANNEL_MAX 7900   /* PostgreSQL's NOTIFY payload limit is 8000 bytes */

typedef struct channel channel;

/* Called on the channel's thread with each message (NULL: some may be lost). */
typedef void (*channel_fn)(const char *msg, void *ctx);

/* Listen on channel `name` (a plain identifier) of the database at url;
** NULL with *e when the first connection fails. */
channel *channel_start(const char *url, const char *name, channel_fn fn, void *ctx, xerr *e);

/* Queue msg (copied) to be sent; -1 when it is longer than CHANNEL_MAX. Any thread. */
int channel_send(channel *ch, const char *msg);

/* Send what is queued, stop the thread, close the connection, free ch (NULL is fine). */
void channel_stop(channel *ch);

#endif
