/*
** thread.h: starting the server's background threads.
**
** SIGINT and SIGTERM belong to the server's sigwait() (http/server.c). A
** thread inherits the signal mask of its creator, so a background thread
** started before the server blocked them would take a signal meant for the
** shutdown. thread_start() blocks them in the new thread whoever starts it.
*/
#ifndef XC_THREAD_H
#define XC_THREAD_H

#include <pthread.h>

/* pthread_create(t, fn, arg) with SIGINT and SIGTERM blocked in the new thread; 0 or an errno. */
int thread_start(pthread_t *t, void *(*fn)(void *), void *arg);

#endif
