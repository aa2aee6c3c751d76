/*
** errors.h: the catalogue of error codes and their messages in zh-CN and
** English. A code not in the catalogue falls back to a generic message, so an
** internal detail never leaks into a response.
*/
#ifndef XC_ERRORS_H
#define XC_ERRORS_H

#include <jansson.h>
#include "core/xerr.h"

/* Build {"error":{"code","message"[,"field"]}} for lang "zh" or "en". */
json_t *error_body(const xerr *e, const char *lang);
/* Pick "en" when the Accept-Language header prefers English, else "zh". */
const char *lang_from_header(const char *accept_language);

#endif
