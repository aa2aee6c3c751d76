/* audit.c: `xiangcun audit verify`: walk the audit chain, exit 1 naming the first bad record. */
#include "cli/cli.h"
#include "audit/audit.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int cmd_audit(int argc, char **argv) {
    static const char usage[] =
        "usage: xiangcun audit verify [--db URL] [--data-dir DIR]\n"
        "Check every audit record's HMAC link with the key file; exit 0 when the chain\n"
        "is intact, 1 naming the first altered, missing or reordered record.\n";
    config c;
    db *d = NULL;
    int rc = cli_start(argc, argv, usage, CLI_FLAT, &c, &d);
    if (rc) return rc < 0 ? 0 : rc;
    if (optind >= argc || strcmp(argv[optind], "verify")) {
        fputs(usage, stderr);
        db_close(d);
        return 2;
    }
    xerr e = {0};
    int64_t count = 0, bad = 0;
    char reason[200] = "";
    rc = audit_verify(d, &count, &bad, reason, sizeof reason, &e);
    db_close(d);
    if (rc < 0) {
        fprintf(stderr, "xiangcun audit: %s: %s\n", e.code, e.detail);
        return 2;
    }
    if (rc) {
        printf("audit chain BROKEN at record %" PRId64 ": %s (%" PRId64 " records verified before it)\n", bad,
               reason, count);
        return 1;
    }
    printf("audit chain intact: %" PRId64 " records verified\n", count);
    return 0;
}
