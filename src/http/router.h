/*
** router.h: the route table and the checks made before any handler runs.
**
** Each route names its method and path pattern ("/api/v1/users/{id}", where
** {id} matches 1-18 digits), the permission it needs and, where it touches a
** particular node of the county tree, a scope function that finds that node
** and checks it lies in the caller's subtree. router_dispatch() answers 404,
** 405, 401, 403 (permission, scope, CSRF, pending 2FA enrolment), 400 and 413
** itself, so no handler can forget a check. The table is in api/routes.c.
*/
#ifndef XC_ROUTER_H
#define XC_ROUTER_H

#include "http/http.h"

typedef int (*handler_fn)(req *r);
/* Check the node the request targets is inside the caller's subtree: 0 or -1 with r->err. */
typedef int (*scope_fn)(req *r);

enum {
    R_PUBLIC = 1u << 0,      /* no sign-in needed */
    R_JSON = 1u << 1,        /* the body must be a JSON object, parsed into r->json */
    R_ENROLL_OK = 1u << 2,   /* allowed while mandatory 2FA enrolment is pending */
    R_UPLOAD = 1u << 3,      /* the body is a file: the upload size limit applies */
    R_PASSIVE = 1u << 4,     /* not the user's activity: keeps no session from idling out */
};

typedef struct route {
    const char *method;
    const char *pattern;
    handler_fn fn;
    unsigned perm;           /* P_* bits the caller must hold (0 with R_PUBLIC) */
    scope_fn scope;          /* NULL when the handler filters by scope itself */
    unsigned flags;
} route;

extern const route ROUTES[];
extern const int N_ROUTES;

/* Answer the request: API route, static file or error. */
void router_dispatch(req *r);

/* Whether method and path name an R_UPLOAD route (decided before the body arrives). */
int router_is_upload(const char *method, const char *path);

/* Print the route table (for `xiangcun routes` and the access-control test). */
void router_print(void);

#endif
