/* date.c: calendar days (see date.h). Civil-from-days and days-from-civil
** after Howard Hinnant's well-known algorithms, for any year without tables. */
#include "core/date.h"

#include <stdio.h>
#include <string.h>

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

static int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int date_valid(const char *s) {
    int64_t days;
    return date_to_days(s, &days) == 0;
}

int date_to_days(const char *s, int64_t *days) {
    int y, m, d;
    char tail;
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-' || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
        return -1;
    static const int D[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1 || d > D[m - 1] || (m == 2 && d == 29 && !leap))
        return -1;
    *days = days_from_civil(y, m, d);
    return 0;
}

void date_from_days(int64_t days, char out[11]) {
    int64_t z = days + 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int d = (int)(doy - (153 * mp + 2) / 5 + 1);
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    int64_t y = yoe + era * 400 + (m <= 2);
    /* Bounded so the compiler can see the text fits. */
    unsigned yy = (unsigned)(y < 0 ? 0 : y > 9999 ? 9999 : y), mm = (unsigned)m % 100u, dd = (unsigned)d % 100u;
    snprintf(out, 11, "%04u-%02u-%02u", yy, mm, dd);
}

void date_utc(int64_t t, char out[11]) { date_from_days(floor_div(t, 86400), out); }

int date_weekday(int64_t days) { return (int)((days % 7 + 7 + 4) % 7); }   /* 1970-01-01 was a Thursday */

/* n decimal digits at s. */
static int digits(const char *s, int n, int *out) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* The zone suffix: "" (default), Z, ±hh, ±hh:mm or ±hhmm, as seconds east of UTC. */
static int parse_zone(const char *s, int def, int *offset) {
    int hh, mm = 0;
    *offset = *s ? 0 : def;
    if (!*s || ((*s == 'Z' || *s == 'z') && !s[1])) return 0;
    if ((*s != '+' && *s != '-') || digits(s + 1, 2, &hh)) return -1;
    const char *rest = s + 3;
    if (*rest == ':') rest++;
    if (*rest && (digits(rest, 2, &mm) || rest[2])) return -1;
    if (hh > 23 || mm > 59) return -1;
    *offset = (*s == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
    return 0;
}

int date_parse_time(const char *s, int default_offset, int64_t *out) {
    char day[11];
    int64_t days;
    int h, mi, sec = 0, offset;
    if (!s || strlen(s) < 16 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ')) return -1;
    memcpy(day, s, 10);
    day[10] = 0;
    if (date_to_days(day, &days) || digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi)) return -1;
    const char *p = s + 16;
    if (*p == ':') {
        if (digits(p + 1, 2, &sec)) return -1;
        p += 3;
        if (*p == '.' || *p == ',') {
            const char *frac = ++p;
            while (*p >= '0' && *p <= '9') p++;
            if (p == frac) return -1;
        }
    }
    if (parse_zone(p, default_offset, &offset) || h > 23 || mi > 59 || sec > 60) return -1;
    *out = days * 86400 + h * 3600 + mi * 60 + sec - offset;
    return 0;
}
