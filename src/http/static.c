/* static.c: static files and the CSP (see static.h). */
#include "http/static.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_STATIC (4u << 20)

static char g_web[512], g_vendor[512];
static char g_csp[1024];

/* npm packages the UI may load; nothing else under node_modules is served. */
static const char *const VENDOR_ALLOW[] = {"preact/", "htm/", "leaflet/", "leaflet.markercluster/", NULL};

static const struct { const char *ext, *type; } MIME[] = {
    {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
    {".json", "application/json"}, {".svg", "image/svg+xml"}, {".png", "image/png"},
    {".ico", "image/x-icon"}, {".map", "application/json"}, {".webmanifest", "application/manifest+json"},
};

static int read_file(const char *path, strbuf *out) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    struct stat sb;
    if (fstat(fd, &sb) || !S_ISREG(sb.st_mode) || (size_t)sb.st_size > MAX_STATIC) {
        close(fd);
        return -1;
    }
    strbuf_grow(out, (size_t)sb.st_size);
    ssize_t n;
    while ((n = read(fd, out->buf + out->len, out->alloc - out->len - 1)) > 0) {
        out->len += (size_t)n;
        if (out->len + 1 >= out->alloc) strbuf_grow(out, 4096);
    }
    out->buf[out->len] = 0;
    close(fd);
    return n < 0 ? -1 : 0;
}

static void import_map_hash(const char *html, char *out, size_t outlen) {
    const char *open_tag = strstr(html, "<script type=\"importmap\">");
    const char *start = open_tag ? open_tag + strlen("<script type=\"importmap\">") : NULL;
    const char *end = start ? strstr(start, "</script>") : NULL;
    out[0] = 0;
    if (!end) return;
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)start, (size_t)(end - start));
    char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(b64, sizeof b64, h, sizeof h, sodium_base64_VARIANT_ORIGINAL);
    snprintf(out, outlen, " 'sha256-%s'", b64);
}

int static_init(const char *web_dir, const char *vendor_dir, xerr *e) {
    snprintf(g_web, sizeof g_web, "%s", web_dir);
    snprintf(g_vendor, sizeof g_vendor, "%s", vendor_dir);
    char path[600], hash[80] = "";
    snprintf(path, sizeof path, "%s/index.html", web_dir);
    strbuf html = STRBUF_INIT;
    if (read_file(path, &html) == 0) import_map_hash(html.buf, hash, sizeof hash);
    else fprintf(stderr, "xiangcun: warning: %s not found; the web UI will not load\n", path);
    strbuf_release(&html);
    /* Map tiles come from a server the county chooses (OpenStreetMap, Tianditu...):
    ** XIANGCUN_TILE_HOSTS lists their origins, space-separated, for img-src. */
    const char *tiles = getenv("XIANGCUN_TILE_HOSTS");
    int tiles_ok = tiles && strlen(tiles) < 400 && !strpbrk(tiles, ";,'\"\r\n");
    snprintf(g_csp, sizeof g_csp,
             "default-src 'self'; script-src 'self'%s; style-src 'self' 'unsafe-inline'; "
             "img-src 'self' data: blob:%s%s; connect-src 'self'; object-src 'none'; base-uri 'self'; "
             "frame-ancestors 'none'; form-action 'self'",
             hash, tiles_ok ? " " : "", tiles_ok ? tiles : "");
    (void)e;
    return 0;
}

const char *static_csp(void) { return g_csp; }

static const char *mime_for(const char *path) {
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof MIME / sizeof MIME[0]; i++)
        if (!strcmp(dot, MIME[i].ext)) return MIME[i].type;
    return "application/octet-stream";
}

static int safe_path(const char *p) {
    if (strstr(p, "..") || strstr(p, "//") || strchr(p, '\\')) return 0;
    for (; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) return 0;
    return 1;
}

static int vendor_allowed(const char *rel) {
    for (const char *const *a = VENDOR_ALLOW; *a; a++)
        if (!strncmp(rel, *a, strlen(*a))) return 1;
    return 0;
}

void static_serve(req *r) {
    char path[1200];
    const char *p = r->path;
    int vendor = !strncmp(p, "/vendor/", 8);
    if (!safe_path(p) || strlen(p) > 512 || (vendor && !vendor_allowed(p + 8))) {
        fail(r, 404, "not_found", "file");
        return;
    }
    if (vendor) snprintf(path, sizeof path, "%s/%s", g_vendor, p + 8);
    else snprintf(path, sizeof path, "%s%s", g_web, strcmp(p, "/") ? p : "/index.html");
    struct stat sb;
    if (stat(path, &sb) || !S_ISREG(sb.st_mode)) {
        fail(r, 404, "not_found", "file");
        return;
    }
    char etag[64];
    snprintf(etag, sizeof etag, "\"%" PRIx64 "-%" PRIx64 "\"", (uint64_t)sb.st_mtime, (uint64_t)sb.st_size);
    reply_header(r, MHD_HTTP_HEADER_ETAG, etag);
    /* Vendor files change only with package versions; app files must refresh. */
    reply_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, vendor ? "public, max-age=86400" : "no-cache");
    const char *inm = req_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH);
    if (inm && !strcmp(inm, etag)) {
        reply_empty(r, 304);
        return;
    }
    strbuf body = STRBUF_INIT;
    if (read_file(path, &body)) {
        strbuf_release(&body);
        fail(r, 404, "not_found", "file");
        return;
    }
    reply_raw(r, 200, mime_for(path), &body);
}
