/*
** fuzz_config: the listen address parser (config_set_listen in core/config.c)
** on arbitrary text, as it arrives from XIANGCUN_LISTEN or --listen. Either it
** refuses (and leaves the config untouched) or the host is the text before
** the last ':' (shorter than the buffer) and the port a number in 0..65535.
*/
#include "core/config.h"
#include "fuzz_util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    /* The parser explains refusals on stderr; keep libFuzzer's output readable.
    ** (libFuzzer and the sanitizers keep writing to descriptor 2.) */
    FILE *devnull = fopen("/dev/null", "w");
    if (devnull) stderr = devnull;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_in in = {data, size};
    char *s = fuzz_str(&in);
    config c, before;
    memset(&c, 0xA5, sizeof c);
    c.listen_host[sizeof c.listen_host - 1] = 0;
    before = c;
    int rc = config_set_listen(&c, s);
    const char *colon = strrchr(s, ':');
    if (rc == 0) {
        FUZZ_CHECK(colon && colon > s);
        size_t hl = (size_t)(colon - s);
        FUZZ_CHECK(hl < sizeof c.listen_host && strlen(c.listen_host) == hl);
        FUZZ_CHECK(!memcmp(c.listen_host, s, hl));
        FUZZ_CHECK(c.listen_port >= 0 && c.listen_port <= 65535);
        char *end;
        long port = strtol(colon + 1, &end, 10);
        FUZZ_CHECK(*end == 0 && port == c.listen_port);
    } else {
        FUZZ_CHECK(rc == -1);
        FUZZ_CHECK(!memcmp(&c, &before, sizeof c));
    }
    free(s);
    return 0;
}
