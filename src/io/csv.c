/* csv.c: RFC 4180 reader and writer (see csv.h). */
#include "io/csv.h"

#include <string.h>

/* Bytes in the well-formed UTF-8 character at u[0..n), 0 when it is not one. */
static size_t utf8_len(const unsigned char *u, size_t n) {
    unsigned cp;
    size_t k;
    if (u[0] < 0x80) return u[0] ? 1 : 0;
    if (u[0] >= 0xC2 && u[0] <= 0xDF) k = 2, cp = u[0] & 0x1Fu;
    else if (u[0] >= 0xE0 && u[0] <= 0xEF) k = 3, cp = u[0] & 0x0Fu;
    else if (u[0] >= 0xF0 && u[0] <= 0xF4) k = 4, cp = u[0] & 0x07u;
    else return 0;
    if (k > n) return 0;
    for (size_t i = 1; i < k; i++) {
        if ((u[i] & 0xC0) != 0x80) return 0;
        cp = cp << 6 | (u[i] & 0x3Fu);
    }
    if ((k == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (k == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return k;
}

int csv_utf8_valid(const char *data, size_t len) {
    const unsigned char *u = (const unsigned char *)data;
    size_t i = 0;
    while (i < len) {
        if (u[i] >= 0x01 && u[i] < 0x80) {   /* fast path for ASCII */
            i++;
            continue;
        }
        size_t k = utf8_len(u + i, len - i);
        if (!k) return 0;
        i += k;
    }
    return 1;
}

int csv_open(csv_reader *r, const char *data, size_t len, xerr *e) {
    if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3)) {
        data += 3;
        len -= 3;
    }
    r->p = data;
    r->end = data + len;
    r->line = 1;
    if (!csv_utf8_valid(data, len)) return xerr_set(e, 400, "import_not_utf8", "%s", "csv");
    return 0;
}

static int malformed(xerr *e, int line, const char *why) {
    return xerr_set(e, 400, "import_bad_csv", "line %d: %s", line, why);
}

/* After a field: 1 when a comma follows (another field), 0 at the end of the
** record (line break or end of input), -1 when anything else follows. */
static int field_end(csv_reader *r) {
    if (r->p >= r->end) return 0;
    char c = *r->p;
    if (c == ',') {
        r->p++;
        return 1;
    }
    if (c == '\r' || c == '\n') {
        r->p++;
        if (c == '\r' && r->p < r->end && *r->p == '\n') r->p++;
        r->line++;
        return 0;
    }
    return -1;
}

static int quoted_field(csv_reader *r, csv_row *row, size_t start, int rec_line, xerr *e) {
    r->p++;   /* the opening quote */
    for (;;) {
        const char *q = memchr(r->p, '"', (size_t)(r->end - r->p));
        if (!q) return malformed(e, rec_line, "unterminated quote");
        for (const char *s = r->p; s < q; s++)
            if (*s == '\n' || (*s == '\r' && (s + 1 == q || s[1] != '\n'))) r->line++;
        strbuf_add(&row->buf, r->p, (size_t)(q - r->p));
        r->p = q + 1;
        if (row->buf.len - start > CSV_MAX_FIELD) return malformed(e, rec_line, "field too long");
        if (r->p < r->end && *r->p == '"') {   /* "" is one quote */
            strbuf_addch(&row->buf, '"');
            r->p++;
            continue;
        }
        break;
    }
    int rc = field_end(r);
    if (rc < 0) return malformed(e, rec_line, "text after a closing quote");
    return rc;
}

static int plain_field(csv_reader *r, csv_row *row, int rec_line, xerr *e) {
    const char *s = r->p;
    while (s < r->end && *s != ',' && *s != '\r' && *s != '\n') s++;
    if ((size_t)(s - r->p) > CSV_MAX_FIELD) return malformed(e, rec_line, "field too long");
    strbuf_add(&row->buf, r->p, (size_t)(s - r->p));
    r->p = s;
    return field_end(r);
}

int csv_next(csv_reader *r, csv_row *row, xerr *e) {
    if (r->p >= r->end) return 0;
    strbuf_reset(&row->buf);
    row->n = 0;
    row->line = r->line;
    for (;;) {
        if (row->n >= CSV_MAX_FIELDS) return malformed(e, row->line, "too many fields");
        size_t start = row->buf.len;
        row->off[row->n] = start;
        int more = *r->p == '"' ? quoted_field(r, row, start, row->line, e) : plain_field(r, row, row->line, e);
        if (more < 0) return -1;
        strbuf_addch(&row->buf, 0);
        row->n++;
        if (!more) break;
        if (r->p >= r->end) {   /* a trailing comma: one more empty field */
            if (row->n >= CSV_MAX_FIELDS) return malformed(e, row->line, "too many fields");
            row->off[row->n++] = row->buf.len;
            strbuf_addch(&row->buf, 0);
            break;
        }
    }
    for (int i = 0; i < row->n; i++) row->field[i] = row->buf.buf + row->off[i];
    return 1;
}

void csv_row_release(csv_row *row) { strbuf_release(&row->buf); }

void csv_put(strbuf *out, const char *s, int safe) {
    if (!s) s = "";
    size_t n = strlen(s);
    int formula = safe && *s && strchr("=+-@\t\r", *s);
    int quote = formula || strpbrk(s, ",\"\r\n") || (n && (s[0] == ' ' || s[n - 1] == ' '));
    if (!quote) {
        strbuf_add(out, s, n);
        return;
    }
    strbuf_addch(out, '"');
    if (formula) strbuf_addch(out, '\'');
    for (; *s; s++) {
        if (*s == '"') strbuf_addch(out, '"');
        strbuf_addch(out, *s);
    }
    strbuf_addch(out, '"');
}

void csv_sep(strbuf *out) { strbuf_addch(out, ','); }
void csv_eol(strbuf *out) { strbuf_addstr(out, "\r\n"); }
