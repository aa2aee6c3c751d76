/* mask.c: phone validation and masking (see mask.h). */
#include "core/mask.h"

#include <ctype.h>
#include <string.h>

int phone_valid(const char *s) {
    if (!s || strlen(s) != 11 || s[0] != '1') return 0;
    for (int i = 0; i < 11; i++)
        if (!isdigit((unsigned char)s[i])) return 0;
    return 1;
}

void phone_mask(const char *s, char *out, size_t outlen) {
    size_t n = strlen(s);
    if (outlen == 0) return;
    size_t keep_head = n >= 11 ? 3 : (n > 4 ? 1 : 0);
    size_t keep_tail = n >= 11 ? 4 : (n > 4 ? 1 : 0);
    size_t i = 0;
    for (; i < n && i + 1 < outlen; i++)
        out[i] = (i < keep_head || i >= n - keep_tail) ? s[i] : '*';
    out[i] = 0;
}
