/*
** static.h: serving the web UI's files: web/ at "/" and an allow-list of npm
** packages from node_modules/ at "/vendor/", plus the Content-Security-Policy
** that pins index.html's inline import map by its SHA-256 hash.
*/
#ifndef XC_STATIC_H
#define XC_STATIC_H

#include "http/http.h"

/* Remember the folders and compute the CSP from web_dir/index.html. */
int static_init(const char *web_dir, const char *vendor_dir, xerr *e);
/* Answer a GET/HEAD for a static path (404 JSON when absent). */
void static_serve(req *r);
/* The Content-Security-Policy header value. */
const char *static_csp(void);

#endif
