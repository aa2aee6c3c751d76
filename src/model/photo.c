/* photo.c: checking, encoding and reading back stored photos (see photo.h). */
#include "model/photo.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

const char *photo_type(const unsigned char *p, size_t n) {
    static const unsigned char png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff) return "image/jpeg";
    if (n >= 8 && !memcmp(p, png, 8)) return "image/png";
    if (n >= 12 && !memcmp(p, "RIFF", 4) && !memcmp(p + 8, "WEBP", 4)) return "image/webp";
    return NULL;
}

int photo_prepare(const unsigned char *data, size_t len, photo_blob *out, xerr *e) {
    memset(out, 0, sizeof *out);
    if (len > PHOTO_MAX) return xerr_set(e, 413, "photo_too_large", "%s", "5 MiB");
    if (!(out->ctype = photo_type(data, len))) return xerr_set(e, 400, "photo_unsupported_type", "%s", "photo");
    unsigned char hash[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(hash, data, len);
    sodium_bin2hex(out->sha256, sizeof out->sha256, hash, sizeof hash);
    size_t b64len = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    out->b64 = xmalloc(b64len);
    sodium_bin2base64(out->b64, b64len, data, len, sodium_base64_VARIANT_ORIGINAL);
    out->bytes = len;
    return 0;
}

void photo_blob_release(photo_blob *b) {
    free(b->b64);
    b->b64 = NULL;
}

int photo_load(db *d, const char *select_sql, int64_t id, strbuf *img, const char **ctype, xerr *e) {
    db_stmt *st = db_prepare(d, select_sql, e);
    if (!st) return -1;
    db_bind_int(st, 1, id);
    int rc = db_step(st, e);
    if (rc != 1) {
        db_done(st);
        return rc < 0 ? -1 : xerr_set(e, 404, "not_found", "%s", "photo");
    }
    size_t want = (size_t)db_col_int(st, 0), got = 0;
    const char *b64 = db_col_text(st, 1);
    strbuf_reset(img);
    strbuf_grow(img, want + 1);
    int bad = sodium_base642bin((unsigned char *)img->buf, want + 1, b64, strlen(b64), NULL, &got, NULL,
                                sodium_base64_VARIANT_ORIGINAL) || got != want;
    db_done(st);
    /* The type by the stored bytes themselves. */
    *ctype = bad ? NULL : photo_type((const unsigned char *)img->buf, got);
    if (!*ctype) return xerr_set(e, 500, "internal", "%s", "photo");
    img->len = got;
    img->buf[got] = 0;
    return 0;
}
