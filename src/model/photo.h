/*
** photo.h: photos attached to records (visit photos, check-in photos), one
** way for all: the type told by the magic bytes (JPEG, PNG or WebP, never
** trusting a Content-Type), at most 5 MiB, kept in the database as base64
** next to their size and SHA-256, and read back checked against both.
*/
#ifndef XC_PHOTO_H
#define XC_PHOTO_H

#include <stddef.h>
#include <stdint.h>
#include "core/strbuf.h"
#include "db/db.h"

#define PHOTO_MAX (5u << 20)

/* The image type of data by its magic bytes, or NULL when it is none we take. */
const char *photo_type(const unsigned char *data, size_t len);

/* A photo checked and encoded for storage. */
typedef struct photo_blob {
    const char *ctype;           /* static string */
    size_t bytes;
    char sha256[65];             /* hex */
    char *b64;                   /* base64 (original variant); photo_blob_release frees it */
} photo_blob;

/* Check data (413 "photo_too_large", 400 "photo_unsupported_type") and encode it into *out. */
int photo_prepare(const unsigned char *data, size_t len, photo_blob *out, xerr *e);
void photo_blob_release(photo_blob *b);

/* Run select_sql (fixed text; $1 is the photo id; its row is bytes, data)
** and decode the photo into img; *ctype gets its type by the stored bytes.
** 0, or -1 with 404 "not_found" "photo", or 500 when the stored data does not
** decode to its recorded size and a type we take. */
int photo_load(db *d, const char *select_sql, int64_t id, strbuf *img, const char **ctype, xerr *e);

#endif
