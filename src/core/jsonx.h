/*
** jsonx.h: typed reading of JSON request bodies (jansson) with errors that
** name the field, so every handler answers bad input the same way:
** 400 "missing_field", "invalid_type", "invalid_value" or "too_long".
**
** Each getter returns 1 when the field was present and valid, 0 when absent
** and optional, -1 on error (with *e). Strings point into the json_t and live
** as long as it does.
*/
#ifndef XC_JSONX_H
#define XC_JSONX_H

#include <jansson.h>
#include <stdint.h>
#include <stddef.h>
#include "core/xerr.h"

enum { JX_OPTIONAL = 0, JX_REQUIRED = 1 };

/* A string of 1..maxlen bytes (after trimming nothing: empty strings are invalid). */
int jx_str(json_t *obj, const char *key, int required, size_t maxlen, const char **out, xerr *e);
/* Like jx_str but "" is accepted (free text that may be cleared). */
int jx_text(json_t *obj, const char *key, int required, size_t maxlen, const char **out, xerr *e);
/* Like jx_str but null is accepted and yields *out = NULL with return 1. */
int jx_str_or_null(json_t *obj, const char *key, size_t maxlen, const char **out, xerr *e);
int jx_int(json_t *obj, const char *key, int required, int64_t min, int64_t max, int64_t *out, xerr *e);
int jx_bool(json_t *obj, const char *key, int required, int *out, xerr *e);
/* One of the given NULL-terminated choices. */
int jx_enum(json_t *obj, const char *key, int required, const char *const *choices, const char **out,
            xerr *e);
/* Depth of nesting of a value (1 for a scalar). */
int jx_depth(const json_t *v);

#endif
