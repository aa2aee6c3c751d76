/*
** demo.c: `xiangcun demo` seeds a realistic demo county once — 洪雅县
** (Hongya county, Meishan, Sichuan) with towns, villages and groups under
** plausible statistical division codes, and one account per role — then
** prints the logins. Running it again only prints them.
*/
#include "cli/cli.h"
#include "cli/demo.h"
#include "core/clock.h"
#include "model/org.h"
#include "model/user.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_PASSWORD "Xiangcun@2026"

typedef struct { int number; const char *name; const char *villages[5]; } town;

/* Town codes are 511423NNN000 under the county; villages get 2xx numbers. */
static const town TOWNS[] = {
    {100, "洪川镇", {"桥溪村", "新庙村", "健康村", NULL}},
    {103, "中保镇", {"中保村", "兴隆村", NULL}},
    {104, "东岳镇", {"团结村", "古井村", "复兴村", NULL}},
    {105, "柳江镇", {"明月村", "杨村村", "玉屏村", "烟溪村", NULL}},
    {107, "瓦屋山镇", {"金花村", "复兴场村", NULL}},
    {108, "止戈镇", {"五龙村", "大埝村", "青杠村", NULL}},
};
static const char *const GROUPS[] = {"一组", "二组", "三组", "四组"};

typedef struct { const char *login, *name, *role, *org_code, *phone; } demo_user;

static const demo_user USERS[] = {
    {"admin", "县扶贫办管理员", "admin", "511423000000", "13890001001"},
    {"auditor", "县审计管理员", "auditor", "511423000000", "13890001002"},
    {"official", "柳江镇副镇长", "official", "511423105000", "13890001003"},
    {"secretary", "明月村第一书记", "secretary", "511423105201", "13890001004"},
    {"cadre", "明月村帮扶干部", "cadre", "511423105201", "13890001005"},
    {"villager", "明月村一组村民", "villager", "511423105701", "13890001006"},
};

static int seed(db *d, const audit_ctx *ctx, const char *password, xerr *e) {
    org county, t, v, g;
    if (org_create(d, ctx, 0, "511423000000", "洪雅县", &county, e)) return -1;
    for (size_t i = 0; i < sizeof TOWNS / sizeof TOWNS[0]; i++) {
        char code[16];
        snprintf(code, sizeof code, "511423%03d000", TOWNS[i].number);
        if (org_create(d, ctx, county.id, code, TOWNS[i].name, &t, e)) return -1;
        for (int j = 0; TOWNS[i].villages[j]; j++) {
            snprintf(code, sizeof code, "511423%03d%03d", TOWNS[i].number, 201 + j);
            if (org_create(d, ctx, t.id, code, TOWNS[i].villages[j], &v, e)) return -1;
            /* Groups have no official code: the county numbers them 7xx under the town. */
            for (int k = 0; k < 4; k++) {
                char name[64];
                snprintf(code, sizeof code, "511423%03d%03d", TOWNS[i].number, 700 + j * 10 + k + 1);
                snprintf(name, sizeof name, "%s", GROUPS[k]);
                if (org_create(d, ctx, v.id, code, name, &g, e)) return -1;
            }
        }
    }
    for (size_t i = 0; i < sizeof USERS / sizeof USERS[0]; i++) {
        org o;
        if (org_get_by_code(d, USERS[i].org_code, &o, e)) return -1;
        user_input in = {USERS[i].login, USERS[i].name, USERS[i].role, password, USERS[i].phone, o.id};
        int64_t id;
        if (user_create(d, ctx, &in, &id, e)) return -1;
    }
    return demo_households(d, ctx, e) || demo_duty(d, ctx, password, e) ? -1 : 0;
}

static int seeded(db *d, xerr *e) {
    db_stmt *st = db_prepare(d, "SELECT COUNT(*) FROM org_node", e);
    if (!st) return -1;
    int rc = db_step(st, e);
    int n = rc == 1 ? (int)db_col_int(st, 0) : -1;
    db_done(st);
    return n < 0 ? -1 : n > 0;
}

int cmd_demo(int argc, char **argv) {
    static const char usage[] =
        "usage: xiangcun demo [--db URL] [--data-dir DIR]\n"
        "Seed the demo county 洪雅县 once and print the demo logins.\n"
        "The password is XIANGCUN_DEMO_PASSWORD (default " DEFAULT_PASSWORD ").\n";
    config c;
    db *d = NULL;
    int rc = cli_start(argc, argv, usage, CLI_FLAT, &c, &d);
    if (rc) return rc < 0 ? 0 : rc;
    const char *pw = getenv("XIANGCUN_DEMO_PASSWORD");
    if (!pw || !*pw) pw = DEFAULT_PASSWORD;
    xerr e = {0};
    int have = seeded(d, &e);
    audit_ctx ctx = {0, "demo", NULL, clock_now()};
    if (have == 0) {
        if (db_begin(d, &e) || seed(d, &ctx, pw, &e) || db_commit(d, &e) || demo_duty_evaluate(d, ctx.now, &e))
            have = -1;
        if (have < 0 && db_in_tx(d)) db_rollback(d);
    }
    db_close(d);
    if (have < 0) {
        fprintf(stderr, "xiangcun demo: %s: %s\n", e.code, e.detail);
        return 1;
    }
    printf("\n演示县 洪雅县 demo county ready%s. Sign in at http://%s:%d with:\n", have ? " (already seeded)" : "",
           c.listen_host, c.listen_port);
    for (size_t i = 0; i < sizeof USERS / sizeof USERS[0]; i++)
        printf("  %-10s %-10s %s\n", USERS[i].login, USERS[i].role, USERS[i].name);
    printf("  %-10s %-10s %s\n", "secretary2..5", "secretary", DEMO_MORE_SECRETARIES);
    printf("Traccar Client device identifier of `secretary`: %s\n", DEMO_DEVICE_IDENT);
    printf("password: %s%s\n\n", have ? "" : pw,
           have ? "(the one set when the demo was first seeded; XIANGCUN_DEMO_PASSWORD)" : "");
    return 0;
}
