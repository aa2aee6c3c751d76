/*
** server.h: the HTTP server (libmicrohttpd, epoll, a thread pool sized to the
** cores, suspend/resume allowed for long-lived streams), running until
** SIGINT or SIGTERM, then shutting down gracefully: stop accepting, let
** in-flight requests finish, close every database connection.
*/
#ifndef XC_SERVER_H
#define XC_SERVER_H

#include "core/config.h"
#include "core/xerr.h"

/* Serve until a termination signal; 0 on a clean shutdown. */
int server_run(const config *c, xerr *e);

#endif
