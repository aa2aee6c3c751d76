/* idcard.c: GB 11643 identity numbers (see idcard.h). */
#include "core/idcard.h"

#include <ctype.h>
#include <string.h>

static int days_in_month(int y, int m) {
    static const int D[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : D[m - 1];
}

static int digits(const char *s, int from, int n) {
    int v = 0;
    for (int i = from; i < from + n; i++) v = v * 10 + (s[i] - '0');
    return v;
}

char idcard_check_char(const char *first17) {
    static const int W[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    static const char CHECK[] = "10X98765432";
    int sum = 0;
    for (int i = 0; i < 17; i++) sum += (first17[i] - '0') * W[i];
    return CHECK[sum % 11];
}

int idcard_parse(const char *s, idcard *out) {
    if (!s || strlen(s) != 18) return -1;
    for (int i = 0; i < 17; i++)
        if (!isdigit((unsigned char)s[i])) return -1;
    char check = (char)toupper((unsigned char)s[17]);
    if (check != idcard_check_char(s)) return -1;
    int y = digits(s, 6, 4), m = digits(s, 10, 2), d = digits(s, 12, 2);
    if (y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return -1;
    memcpy(out->number, s, 17);
    out->number[17] = check;
    out->number[18] = 0;
    out->year = y;
    out->month = m;
    out->day = d;
    out->sex = (s[16] - '0') % 2 ? 'M' : 'F';
    return 0;
}

void idcard_mask(const char *number, char *out, size_t outlen) {
    size_t n = strlen(number), i = 0;
    for (; i < n && i + 1 < outlen; i++) out[i] = (i < 3 || i + 4 >= n) ? number[i] : '*';
    out[i] = 0;
}
