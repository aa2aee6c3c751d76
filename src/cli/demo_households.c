/*
** demo_households.c: plausible household files for the demo county — a few
** dozen poor, monitored and exited households around 明月村 and its
** neighbours, with members (valid, generated ID numbers), causes, the
** 两不愁三保障 indicators, income, the demo cadre as helper, visits and this
** year's exit targets. Deterministic, so every demo looks the same.
*/
#include "cli/demo.h"
#include "core/idcard.h"
#include "model/household.h"
#include "model/org.h"
#include "model/user.h"
#include "model/visit.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static unsigned g_seed = 20261123u;
static unsigned rnd(unsigned n) {
    g_seed = g_seed * 1103515245u + 12345u;
    return (g_seed >> 16) % n;
}

static const char *const SURNAMES[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "罗", "何", "高"};
static const char *const GIVEN_M[] = {"建国", "志强", "德明", "永福", "国华", "明亮", "天佑", "家兴"};
static const char *const GIVEN_F[] = {"秀英", "桂兰", "玉梅", "淑芬", "丽娟", "春燕", "小红", "海燕"};
#define N(a) (sizeof a / sizeof a[0])

/* A valid ID number for Hongya county (511423) born on y-m-d, odd seq for men. */
static void make_id(int y, int m, int d, int seq, char out[19]) {
    snprintf(out, 19, "511423%04d%02d%02d%03d", y, m, d, seq % 1000);
    out[17] = idcard_check_char(out);
    out[18] = 0;
}

typedef struct village { const char *code; double lat, lon; int households; } village;

/* Village centres near the real places (WGS-84). */
static const village VILLAGES[] = {
    {"511423105201", 29.7365, 103.2710, 24}, {"511423105202", 29.7220, 103.2905, 8},
    {"511423104201", 29.8650, 103.4120, 8},  {"511423100201", 29.9080, 103.3720, 6},
    {"511423108201", 29.8810, 103.4980, 6},
};

static int add_members(db *d, const audit_ctx *ctx, int64_t hid, const char *surname, int *seq, xerr *e) {
    int n = 1 + (int)rnd(4);
    for (int i = 0; i < n; i++) {
        int male = i == 0 ? 1 : i == 1 ? 0 : (int)rnd(2);
        int year = i < 2 ? 1950 + (int)rnd(30) : 2000 + (int)rnd(18);
        char id[19], name[64];
        int s = (*seq)++ * 2 + (male ? 1 : 0);
        make_id(year, 1 + (int)rnd(12), 1 + (int)rnd(28), s, id);
        snprintf(name, sizeof name, "%s%s", surname, male ? GIVEN_M[rnd(N(GIVEN_M))] : GIVEN_F[rnd(N(GIVEN_F))]);
        static const char *const HEALTH[] = {"healthy", "healthy", "chronic", "serious", "disabled"};
        member_in m = {name, id, i == 0 ? "self" : i == 1 ? "spouse" : "child", HEALTH[rnd(N(HEALTH))],
                       year >= 2005 ? "in_school" : "primary", year >= 2005 ? "none" : "full",
                       i == 0 ? "13990000000" : NULL, i == 0};
        char phone[16];
        if (i == 0) {
            snprintf(phone, sizeof phone, "139%08u", 10000000u + (unsigned)*seq);
            m.phone = phone;
        }
        int64_t mid;
        if (member_add(d, ctx, hid, &m, &mid, e)) return -1;
    }
    return 0;
}

static int add_household(db *d, const audit_ctx *ctx, const village *v, int64_t org_id, int k, int64_t cadre,
                         int *seq, int64_t *id_out, xerr *e) {
    static const char *const STATUS[] = {"poor", "poor", "poor", "monitored", "exited", "exited"};
    static const char *const CAUSE[] = {"illness", "disability", "schooling", "skills", "labour", "funds", "land"};
    char number[40], address[128];
    snprintf(number, sizeof number, "HY%s%03d", v->code + 6, k + 1);
    const char *surname = SURNAMES[rnd(N(SURNAMES))];
    snprintf(address, sizeof address, "%d组%d号", 1 + k % 4, 1 + k);
    household_in in = {.number = number, .org_id = org_id, .address = address, .has_location = 1,
                       .lat = v->lat + ((int)rnd(2000) - 1000) / 200000.0,
                       .lon = v->lon + ((int)rnd(2000) - 1000) / 200000.0, .status = "poor",
                       .has_causes = 1, .ncauses = 1, .visit_interval_days = 30};
    in.causes[0] = CAUSE[rnd(N(CAUSE))];
    if (rnd(3) == 0) in.causes[in.ncauses++] = CAUSE[rnd(N(CAUSE))];
    int64_t hid;
    if (household_create(d, ctx, &in, &hid, e) || add_members(d, ctx, hid, surname, seq, e)) return -1;
    static const char *const IND[] = {"food", "clothing", "education", "medical", "housing", "water"};
    for (size_t i = 0; i < N(IND); i++)
        if (household_set_guarantee(d, ctx, hid, IND[i], rnd(6) != 0, "", e)) return -1;
    int64_t income[6] = {2000 + rnd(9000), 1000 + rnd(4000), rnd(3) ? 0 : rnd(5000), rnd(500), 1000 + rnd(2500),
                         300 + rnd(1200)};
    if (household_set_income(d, ctx, hid, 2026, income, e)) return -1;
    const char *status = STATUS[rnd(N(STATUS))];
    if (strcmp(status, "poor") &&
        household_set_status(d, ctx, hid, status, !strcmp(status, "exited") ? "2026-06-30" : "2026-03-01",
                             !strcmp(status, "exited") ? "人均纯收入稳定超过标准，两不愁三保障均达标"
                                                       : "因病返贫风险，纳入监测",
                             e))
        return -1;
    if (cadre) {
        int64_t pair;
        if (help_pair_add(d, ctx, hid, cadre, "洪雅县农业农村局", "2026-01-01", NULL, &pair, e)) return -1;
        /* Most helped households had a visit some weeks ago; a few are overdue. */
        visit_in vi = {hid, cadre, ctx->now - 86400 * (5 + (int64_t)rnd(50)), 1, in.lat + 0.0003, in.lon, 12, "入户走访，了解生产生活情况"};
        int64_t vid;
        if (rnd(4) && visit_record(d, ctx, &vi, &vid, e)) return -1;
    }
    *id_out = hid;
    return 0;
}

int demo_households(db *d, const audit_ctx *ctx, xerr *e) {
    int seq = 1;
    int64_t cadre = user_id_by_login(d, "cadre", e), villager_home = 0;
    if (cadre < 0) return -1;
    for (size_t i = 0; i < N(VILLAGES); i++) {
        org v, g;
        if (org_get_by_code(d, VILLAGES[i].code, &v, e)) return -1;
        for (int k = 0; k < VILLAGES[i].households; k++) {
            char group_code[16];
            /* Groups are numbered 7j1..7j4 under the town (see demo.c). */
            snprintf(group_code, sizeof group_code, "%.9s%03d", VILLAGES[i].code,
                     700 + (VILLAGES[i].code[11] - '1') * 10 + 1 + k % 4);
            if (org_get_by_code(d, group_code, &g, e)) return -1;
            int64_t hid;
            if (add_household(d, ctx, &VILLAGES[i], g.id, k, i == 0 ? cadre : 0, &seq, &hid, e)) return -1;
            if (i == 0 && k == 0) villager_home = hid;
        }
    }
    if (db_run_id(d, "UPDATE app_user SET household_id = $1 WHERE login = 'villager'", villager_home, e) < 0)
        return -1;
    org county;
    if (org_get_by_code(d, "511423000000", &county, e)) return -1;
    db_stmt *st = db_prepare(d, "INSERT INTO exit_target (org_id, year, households, people)"
                                " SELECT id, 2026, $1, $2 FROM org_node WHERE code = $3", e);
    static const struct { const char *code; int hh, people; } TARGETS[] = {
        {"511423000000", 187, 498}, {"511423105000", 30, 80}, {"511423105201", 12, 31},
    };
    for (size_t i = 0; st && i < N(TARGETS); i++) {
        db_bind_int(st, 1, TARGETS[i].hh);
        db_bind_int(st, 2, TARGETS[i].people);
        db_bind_text(st, 3, TARGETS[i].code);
        int rc = db_step(st, e);
        db_done(st);
        if (rc < 0) return -1;
    }
    return st ? 0 : -1;
}
