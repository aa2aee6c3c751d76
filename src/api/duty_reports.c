/*
** duty_reports.c: what supervisors read about first secretaries' duty
** (docs/DUTY.md): the location ledger (位置共享台账) per secretary per day
** with its CSV and XLSX exports (a sheet per month), the today view, the
** annual evaluation with its exports, and the published figures (stats).
** Everything is computed from the records (check-ins, duty_window and
** duty_day rows of the evaluation job, spot checks, inquiries, sanctions),
** never typed in. Scope: a secretary sees only themselves, others the
** secretaries whose village lies in their subtree (or ?org_id= inside it).
** Each query covers a whole page (or the whole scope) at once, so the number
** of queries does not grow with the number of check-ins.
*/
#include "api/api.h"
#include "db/db_json.h"
#include "duty/checkin.h"
#include "duty/duty.h"
#include "io/table_out.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAY_S 86400
#define LEDGER_MAX_DAYS 366
#define EXPORT_CHUNK 2000      /* ledger items filled per round of queries in an export */
#define TODAY_MAX_OPEN 500     /* open spot checks / inquiries listed in the today view */

/* The secretaries a request covers: $1 and $2 bound to the subtree's path
** range, $3 to one user id or 0 for all. */
#define SEC_WHERE \
    "u.role = 'secretary' AND v.path >= $1 AND v.path < $2 AND (CAST($3 AS BIGINT) = 0 OR u.id = $3)"
#define SEC_IDS "SELECT u.id FROM app_user u JOIN org_node v ON v.id = u.org_id WHERE " SEC_WHERE

typedef struct scope {
    char lo[256], hi[256];
    int64_t user_id;         /* one secretary, or 0 */
} scope;

static void scope_bind(db_stmt *st, const scope *sc) {
    db_bind_text(st, 1, sc->lo);
    db_bind_text(st, 2, sc->hi);
    db_bind_int(st, 3, sc->user_id);
}

/* The caller's subtree (or ?org_id=) and ?user_id=; a secretary only themselves. */
static int scope_init(req *r, scope *sc) {
    char path[256];
    memset(sc, 0, sizeof *sc);
    if (api_list_path(r, path) || req_query_int(r, "user_id", 0, INT64_MAX, 0, &sc->user_id)) return -1;
    scope_range(path, sc->lo, sc->hi);
    if (duty_self_only(r)) {
        if (sc->user_id && sc->user_id != r->who.user_id) return fail(r, 403, "out_of_scope", NULL);
        sc->user_id = r->who.user_id;
        return 0;
    }
    return sc->user_id ? duty_check_secretary(r, sc->user_id) : 0;
}

/* ---- secretaries ---- */

typedef struct sec {
    int64_t id, village_id;
    int disabled;
    char *name, *village, *town;
} sec;

typedef struct sec_list {
    sec *v;
    int n;
    int64_t (*by_id)[2];     /* {id, index in v}, sorted by id */
} sec_list;

static int cmp_id(const void *a, const void *b) {
    int64_t x = ((const int64_t *)a)[0], y = ((const int64_t *)b)[0];
    return (x > y) - (x < y);
}

static char *col_dup(db_stmt *st, int col) {
    const char *s = db_col_text(st, col);
    return xstrdup(s ? s : "");
}

/* The secretaries in scope in ledger order (town, village, id); with
** all == 0 only those whose account is enabled. */
static int secs_load(req *r, const scope *sc, int all, sec_list *out) {
    memset(out, 0, sizeof *out);
    db_stmt *st = db_prepare(r->db,
                             "SELECT u.id, u.display_name, u.org_id, v.name, t.name, u.disabled FROM app_user u"
                             " JOIN org_node v ON v.id = u.org_id LEFT JOIN org_node t ON t.id = v.parent_id"
                             " WHERE " SEC_WHERE " AND u.disabled <= $4 ORDER BY t.code, v.code, u.id",
                             &r->err);
    if (!st) return -1;
    scope_bind(st, sc);
    db_bind_int(st, 4, all ? 1 : 0);
    int rc, cap = 0;
    while ((rc = db_step(st, &r->err)) == 1) {
        if (out->n == cap) out->v = xrealloc(out->v, sizeof(sec) * (size_t)(cap = cap ? cap * 2 : 16));
        sec *s = &out->v[out->n++];
        s->id = db_col_int(st, 0);
        s->name = col_dup(st, 1);
        s->village_id = db_col_int(st, 2);
        s->village = col_dup(st, 3);
        s->town = col_dup(st, 4);
        s->disabled = (int)db_col_int(st, 5);
    }
    db_done(st);
    out->by_id = xcalloc((size_t)out->n + 1, sizeof out->by_id[0]);
    for (int i = 0; i < out->n; i++) {
        out->by_id[i][0] = out->v[i].id;
        out->by_id[i][1] = i;
    }
    qsort(out->by_id, (size_t)out->n, sizeof out->by_id[0], cmp_id);
    return rc < 0 ? -1 : 0;
}

/* Index of secretary id in the list, -1 when not there. */
static int secs_find(const sec_list *l, int64_t id) {
    int64_t key[2] = {id, 0};
    const int64_t(*hit)[2] = bsearch(key, l->by_id, (size_t)l->n, sizeof l->by_id[0], cmp_id);
    return hit ? (int)(*hit)[1] : -1;
}

static void secs_free(sec_list *l) {
    for (int i = 0; i < l->n; i++) {
        free(l->v[i].name);
        free(l->v[i].village);
        free(l->v[i].town);
    }
    free(l->v);
    free(l->by_id);
    memset(l, 0, sizeof *l);
}

static json_t *sec_json(const sec *s) {
    return json_pack("{s:I, s:s, s:I, s:s, s:s}", "user_id", (json_int_t)s->id, "name", s->name, "village_id",
                     (json_int_t)s->village_id, "village", s->village, "town", s->town);
}

/* ---- times and days ---- */

/* Local "HH:MM:SS" (or "HH:MM" with seconds 0) of Unix time t. */
static void local_time(const duty_settings *s, int64_t t, int seconds, char out[9]) {
    time_t lt = (time_t)(t + (int64_t)s->utc_offset_min * 60);
    struct tm tm;
    gmtime_r(&lt, &tm);
    strftime(out, 9, seconds ? "%H:%M:%S" : "%H:%M", &tm);
}

/* Query parameter key as a local day; absent gives def. 400 naming it when bad. */
static int query_day(req *r, const duty_settings *s, const char *key, const char *def, char out[11]) {
    const char *v = req_query(r, key);
    if (!v) v = def;
    if (strlen(v) != 10 || duty_day_start(s, v) < 0) return fail(r, 400, "invalid_value", key);
    memcpy(out, v, 11);
    return 0;
}

/* ?year= (default this local year), and its bounds: local days and Unix times. */
typedef struct year_span {
    int year;
    char first[11], last[11];
    int64_t t0, t1;          /* [t0, t1) */
} year_span;

static int query_year(req *r, const duty_settings *s, year_span *y) {
    char today[11];
    duty_local_day(s, r->now, today);
    int64_t year;
    if (req_query_int(r, "year", 2000, 2100, atoi(today), &year)) return -1;
    char next[16];
    y->year = (int)year;
    snprintf(y->first, sizeof y->first, "%04u-01-01", (unsigned)y->year % 10000);
    snprintf(y->last, sizeof y->last, "%04u-12-31", (unsigned)y->year % 10000);
    snprintf(next, sizeof next, "%04u-01-01", (unsigned)(y->year + 1) % 10000);
    y->t0 = duty_day_start(s, y->first);
    y->t1 = duty_day_start(s, next);
    if (y->t0 < 0 || y->t1 < 0) return fail(r, 400, "invalid_value", "year");
    return 0;
}

/* ---- the ledger: items for (day, secretary) ---- */

typedef struct key { int day, sec; } key;

typedef struct ledger {
    duty_settings s;
    scope sc;
    sec_list secs;
    int ndays;
    int64_t t0;              /* local midnight of the first day */
    char (*days)[11];
    unsigned char *working;  /* per day: 1 a working day */
    unsigned char *has;      /* per secretary x day: check-ins that day */
    char today[11];
    int64_t total;           /* items */
} ledger;

static int ledger_working_days(req *r, ledger *L) {
    for (int i = 0; i < L->ndays; i++) {
        duty_local_day(&L->s, L->t0 + (int64_t)i * DAY_S, L->days[i]);
        int w = duty_is_working(r->db, &L->s, L->days[i], &r->err);
        if (w < 0) return -1;
        L->working[i] = (unsigned char)w;
    }
    return 0;
}

/* Which secretaries checked in on which days (items on days off need it). */
static int ledger_checkin_days(req *r, ledger *L) {
    db_stmt *st = db_prepare(r->db,
                             "SELECT DISTINCT c.user_id, (c.at - $4) / 86400 FROM checkin c WHERE c.user_id IN ("
                             SEC_IDS ") AND c.at >= $4 AND c.at < $5", &r->err);
    if (!st) return -1;
    scope_bind(st, &L->sc);
    db_bind_int(st, 4, L->t0);
    db_bind_int(st, 5, L->t0 + (int64_t)L->ndays * DAY_S);
    int rc;
    while ((rc = db_step(st, &r->err)) == 1) {
        int j = secs_find(&L->secs, db_col_int(st, 0));
        int64_t i = db_col_int(st, 1);
        if (j >= 0 && i >= 0 && i < L->ndays) L->has[(size_t)j * (size_t)L->ndays + (size_t)i] = 1;
    }
    db_done(st);
    return rc < 0 ? -1 : 0;
}

static int ledger_included(const ledger *L, int day, int s) {
    return L->working[day] || L->has[(size_t)s * (size_t)L->ndays + (size_t)day];
}

/* Parse the ledger's query (from, to: last 7 days by default, at most 366;
** org_id, user_id) and find its items. */
static int ledger_open(req *r, ledger *L) {
    memset(L, 0, sizeof *L);
    if (duty_settings_load(r->db, &L->s, &r->err) || scope_init(r, &L->sc)) return -1;
    char from[11], to[11], week_ago[11];
    duty_local_day(&L->s, r->now, L->today);
    duty_local_day(&L->s, r->now - 6 * DAY_S, week_ago);
    if (query_day(r, &L->s, "to", L->today, to) || query_day(r, &L->s, "from", week_ago, from)) return -1;
    L->t0 = duty_day_start(&L->s, from);
    int64_t span = (duty_day_start(&L->s, to) - L->t0) / DAY_S + 1;
    if (span < 1) return fail(r, 400, "invalid_value", "from");
    if (span > LEDGER_MAX_DAYS) return fail(r, 400, "duty_range_too_long", "366");
    L->ndays = (int)span;
    L->days = xcalloc((size_t)L->ndays, sizeof L->days[0]);
    L->working = xcalloc((size_t)L->ndays, 1);
    if (secs_load(r, &L->sc, 0, &L->secs) || ledger_working_days(r, L)) return -1;
    L->has = xcalloc((size_t)L->ndays * (size_t)L->secs.n + 1, 1);
    if (ledger_checkin_days(r, L)) return -1;
    for (int i = 0; i < L->ndays; i++)
        for (int j = 0; j < L->secs.n; j++) L->total += ledger_included(L, i, j);
    return 0;
}

static void ledger_close(ledger *L) {
    secs_free(&L->secs);
    free(L->days);
    free(L->working);
    free(L->has);
}

/* A page of items: keys[0..n) with their JSON objects. */
typedef struct page {
    key *keys;
    json_t **items;
    const char **status;     /* the day's evaluation, NULL until found */
    int n;
} page;

static int cmp_key(const void *a, const void *b) {
    const key *x = a, *y = b;
    if (x->day != y->day) return x->day - y->day;
    return x->sec - y->sec;
}

/* Index of the item for (day, secretary) in the page, -1 when not on it. */
static int page_find(const page *p, int day, int s) {
    key k = {day, s};
    const key *hit = bsearch(&k, p->keys, (size_t)p->n, sizeof k, cmp_key);
    return hit ? (int)(hit - p->keys) : -1;
}

static void page_free(page *p) {
    for (int i = 0; i < p->n; i++) json_decref(p->items[i]);
    free(p->keys);
    free(p->items);
    free(p->status);
    memset(p, 0, sizeof *p);
}

/* The day index of local day text, -1 outside the ledger. */
static int ledger_day_index(const ledger *L, const char *day) {
    int64_t t = duty_day_start(&L->s, day);
    int64_t i = t < 0 ? -1 : (t - L->t0) / DAY_S;
    return i >= 0 && i < L->ndays ? (int)i : -1;
}

static json_t *flags_json(const char *flags) {
    json_t *a = json_array();
    const char *p = flags ? flags : "";
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n) json_array_append_new(a, json_stringn(p, n));
        p += n + (end ? 1 : 0);
    }
    return a;
}

#define LEDGER_CHECKINS \
    "SELECT c.id, c.user_id, c.at, c.pos, c.accuracy, c.inside, c.flags, c.source, c.note," \
    " CASE WHEN EXISTS (SELECT 1 FROM checkin_photo p WHERE p.checkin_id = c.id) THEN 1 ELSE 0 END," \
    " c.received_at FROM checkin c WHERE c.user_id IN (" SEC_IDS ") AND c.at >= $4 AND c.at < $5 ORDER BY c.at, c.id"

/* A row of LEDGER_CHECKINS as the ledger shows it; NULL when its position does not decrypt. */
static json_t *checkin_json(db_stmt *st) {
    double lat, lon;
    if (checkin_pos_decode(db_col_text(st, 3), &lat, &lon)) return NULL;
    const char *note = db_col_text(st, 8);
    int64_t at = db_col_int(st, 2), received = db_col_int(st, 10);
    return json_pack("{s:I, s:I, s:I, s:b, s:f, s:f, s:o, s:o, s:o, s:s, s:s?, s:b}",
                     "id", (json_int_t)db_col_int(st, 0), "at", (json_int_t)at, "received_at", (json_int_t)received,
                     "sent_late", received - at >= DUTY_SENT_LATE_S, "lat", lat, "lon", lon,
                     "accuracy", db_col_json(st, 4, 'r'), "inside", db_col_json(st, 5, 'b'),
                     "flags", flags_json(db_col_text(st, 6)), "source", db_col_text(st, 7), "note", note,
                     "has_photo", (int)db_col_int(st, 9));
}

static int fill_checkins(req *r, const ledger *L, page *p) {
    db_stmt *st = db_prepare(r->db, LEDGER_CHECKINS, &r->err);
    if (!st) return -1;
    scope_bind(st, &L->sc);
    db_bind_int(st, 4, L->t0 + (int64_t)p->keys[0].day * DAY_S);
    db_bind_int(st, 5, L->t0 + (int64_t)(p->keys[p->n - 1].day + 1) * DAY_S);
    int rc;
    while ((rc = db_step(st, &r->err)) == 1) {
        int k = page_find(p, (int)((db_col_int(st, 2) - L->t0) / DAY_S), secs_find(&L->secs, db_col_int(st, 1)));
        json_t *c = k < 0 ? NULL : checkin_json(st);
        if (c) json_array_append_new(json_object_get(p->items[k], "checkins"), c);
    }
    db_done(st);
    return rc < 0 ? -1 : 0;
}

static int fill_windows(req *r, const ledger *L, page *p) {
    db_stmt *st = db_prepare(r->db,
                             "SELECT w.user_id, w.day, w.idx, w.start_at, w.end_at, w.status, w.checkin_id"
                             " FROM duty_window w WHERE w.user_id IN (" SEC_IDS ") AND w.day >= $4 AND w.day <= $5"
                             " ORDER BY w.day, w.user_id, w.idx", &r->err);
    if (!st) return -1;
    scope_bind(st, &L->sc);
    db_bind_text(st, 4, L->days[p->keys[0].day]);
    db_bind_text(st, 5, L->days[p->keys[p->n - 1].day]);
    int rc;
    while ((rc = db_step(st, &r->err)) == 1) {
        int k = page_find(p, ledger_day_index(L, db_col_text(st, 1)), secs_find(&L->secs, db_col_int(st, 0)));
        if (k < 0) continue;
        json_t *ci = db_col_json(st, 6, 'i');
        json_array_append_new(json_object_get(p->items[k], "windows"),
                              json_pack("{s:I, s:I, s:I, s:s, s:o}", "idx", (json_int_t)db_col_int(st, 2), "start",
                                        (json_int_t)db_col_int(st, 3), "end", (json_int_t)db_col_int(st, 4),
                                        "status", db_col_text(st, 5), "checkin_id", ci));
    }
    db_done(st);
    return rc < 0 ? -1 : 0;
}

static const char *const DAY_STATUS[] = {"present", "absent", "excused", NULL};

static int fill_days(req *r, const ledger *L, page *p) {
    db_stmt *st = db_prepare(r->db,
                             "SELECT d.user_id, d.day, d.status FROM duty_day d WHERE d.user_id IN (" SEC_IDS
                             ") AND d.day >= $4 AND d.day <= $5", &r->err);
    if (!st) return -1;
    scope_bind(st, &L->sc);
    db_bind_text(st, 4, L->days[p->keys[0].day]);
    db_bind_text(st, 5, L->days[p->keys[p->n - 1].day]);
    int rc;
    while ((rc = db_step(st, &r->err)) == 1) {
        int k = page_find(p, ledger_day_index(L, db_col_text(st, 1)), secs_find(&L->secs, db_col_int(st, 0)));
        if (k >= 0) p->status[k] = str_in_list(DAY_STATUS, db_col_text(st, 2));
    }
    db_done(st);
    return rc < 0 ? -1 : 0;
}

/* The windows of a working day not evaluated yet: from the settings, pending. */
static void pending_windows(const ledger *L, int day, json_t *windows) {
    int64_t t = L->t0 + (int64_t)day * DAY_S;
    for (int w = 0; w < L->s.nwindows; w++)
        json_array_append_new(windows, json_pack("{s:i, s:I, s:I, s:s, s:n}", "idx", w, "start",
                                                 (json_int_t)(t + L->s.windows[w].start_min * 60), "end",
                                                 (json_int_t)(t + L->s.windows[w].end_min * 60), "status",
                                                 "pending", "checkin_id"));
}

/* Each item's status: the evaluation's, else pending on a working day (today,
** or a day the job has not evaluated), else null (a day off). */
static void finish_items(const ledger *L, page *p) {
    for (int k = 0; k < p->n; k++) {
        int day = p->keys[k].day;
        json_t *item = p->items[k], *windows = json_object_get(item, "windows");
        if (L->working[day] && !json_array_size(windows)) pending_windows(L, day, windows);
        const char *status = p->status[k] ? p->status[k] : L->working[day] ? "pending" : NULL;
        json_object_set_new(item, "status", status ? json_string(status) : json_null());
    }
}

/* Items [off, off + n) of the ledger, with their check-ins, windows and status. */
static int ledger_page(req *r, const ledger *L, int64_t off, int64_t n, page *p) {
    memset(p, 0, sizeof *p);
    int64_t seen = 0;
    for (int i = 0; i < L->ndays && p->n < n; i++)
        for (int j = 0; j < L->secs.n && p->n < n; j++) {
            if (!ledger_included(L, i, j) || seen++ < off) continue;
            if (!p->n) {
                int64_t cap = n < L->total ? n : L->total;
                p->keys = xcalloc((size_t)cap, sizeof p->keys[0]);
                p->items = xcalloc((size_t)cap, sizeof p->items[0]);
                p->status = xcalloc((size_t)cap, sizeof p->status[0]);
            }
            json_t *item = sec_json(&L->secs.v[j]);
            json_object_set_new(item, "day", json_string(L->days[i]));
            json_object_set_new(item, "working", json_boolean(L->working[i]));
            json_object_set_new(item, "windows", json_array());
            json_object_set_new(item, "checkins", json_array());
            p->keys[p->n] = (key){i, j};
            p->items[p->n++] = item;
        }
    if (!p->n) return 0;
    if (fill_checkins(r, L, p) || fill_windows(r, L, p) || fill_days(r, L, p)) return -1;
    finish_items(L, p);
    return 0;
}

int h_duty_ledger(req *r) {
    int64_t pg, per;
    ledger L;
    page p;
    memset(&p, 0, sizeof p);
    if (req_paging(r, &pg, &per)) return -1;
    int rc = ledger_open(r, &L);
    if (!rc) rc = ledger_page(r, &L, (pg - 1) * per, per, &p);
    if (!rc) {
        json_t *items = json_array();
        for (int k = 0; k < p.n; k++) json_array_append(items, p.items[k]);
        reply_list(r, items, L.total, pg, per);
    }
    page_free(&p);
    ledger_close(&L);
    return rc;
}

/* ---- exports ---- */

static int en(const req *r) { return !strcmp(r->lang, "en"); }

/* Answer with the export as xiangcun-NAME-YYYYMMDD.(csv|xlsx), audited as duty.NAME.export. */
static int reply_export(req *r, const char *name, table_out *t) {
    char action[48];
    snprintf(action, sizeof action, "duty.%s.export", name);
    return api_reply_export(r, t, name, action, "duty");
}

enum { LC_DATE, LC_TOWN, LC_VILLAGE, LC_NAME, LC_TIME, LC_LAT, LC_LON, LC_ACC, LC_INSIDE, LC_FLAGS, LC_SOURCE,
       LC_NOTE, LC_COUNT };

static const xlsx_col LEDGER_ZH[LC_COUNT] = {
    {"日期", 11, XLSX_TEXT}, {"乡镇", 10, XLSX_TEXT}, {"村", 10, XLSX_TEXT}, {"姓名", 10, XLSX_TEXT},
    {"时间", 9, XLSX_TEXT}, {"纬度", 11, XLSX_NUMBER}, {"经度", 11, XLSX_NUMBER}, {"精度(米)", 9, XLSX_NUMBER},
    {"是否在村", 9, XLSX_TEXT}, {"标记", 16, XLSX_TEXT}, {"来源", 9, XLSX_TEXT}, {"备注", 24, XLSX_TEXT}};
static const xlsx_col LEDGER_EN[LC_COUNT] = {
    {"date", 11, XLSX_TEXT}, {"town", 10, XLSX_TEXT}, {"village", 10, XLSX_TEXT}, {"name", 10, XLSX_TEXT},
    {"time", 9, XLSX_TEXT}, {"lat", 11, XLSX_NUMBER}, {"lon", 11, XLSX_NUMBER}, {"accuracy_m", 9, XLSX_NUMBER},
    {"inside", 9, XLSX_TEXT}, {"flags", 16, XLSX_TEXT}, {"source", 9, XLSX_TEXT}, {"note", 24, XLSX_TEXT}};

/* Labels of a check-in's codes in the request's language. */
static const char *ledger_label(const req *r, const char *code) {
    static const char *const L[][3] = {
        {"outside", "村外", "outside"},   {"accuracy", "精度差", "accuracy"}, {"speed", "速度异常", "speed"},
        {"clock", "时间异常", "clock"},   {"web", "网页", "web"},             {"osmand", "OsmAnd", "osmand"},
        {"traccar", "Traccar", "traccar"}, {"yes", "是", "yes"},              {"no", "否", "no"},
        {"none", "无签到", "no check-in"}, {"sent_late", "补发", "sent"},
    };
    for (size_t i = 0; i < sizeof L / sizeof L[0]; i++)
        if (!strcmp(L[i][0], code)) return L[i][en(r) ? 2 : 1];
    return code;
}

/* The check-in's flags as labels joined the language's way, then "补发 HH:MM:SS"
** (its receive time) when it was sent late. */
static void flags_text(const req *r, const duty_settings *s, json_t *c, strbuf *out) {
    size_t i;
    json_t *f;
    const char *sep = en(r) ? ";" : "、";
    strbuf_reset(out);
    json_array_foreach(json_object_get(c, "flags"), i, f) {
        if (i) strbuf_addstr(out, sep);
        strbuf_addstr(out, ledger_label(r, json_string_value(f)));
    }
    if (json_is_true(json_object_get(c, "sent_late"))) {
        char at[9];
        local_time(s, json_integer_value(json_object_get(c, "received_at")), 1, at);
        strbuf_addf(out, "%s%s %s", out->len ? sep : "", ledger_label(r, "sent_late"), at);
    }
}

/* One row of the ledger export: a check-in of an item, or the item alone (c NULL). */
static int ledger_row(req *r, const duty_settings *s, json_t *item, json_t *c, table_out *t) {
    const char *v[LC_COUNT] = {0};
    char time[9], lat[24], lon[24], acc[24];
    strbuf flags = STRBUF_INIT;
    v[LC_DATE] = json_string_value(json_object_get(item, "day"));
    v[LC_TOWN] = json_string_value(json_object_get(item, "town"));
    v[LC_VILLAGE] = json_string_value(json_object_get(item, "village"));
    v[LC_NAME] = json_string_value(json_object_get(item, "name"));
    if (!c) {
        v[LC_NOTE] = ledger_label(r, "none");
    } else {
        json_t *inside = json_object_get(c, "inside"), *a = json_object_get(c, "accuracy");
        local_time(s, json_integer_value(json_object_get(c, "at")), 1, time);
        snprintf(lat, sizeof lat, "%.6f", json_real_value(json_object_get(c, "lat")));
        snprintf(lon, sizeof lon, "%.6f", json_real_value(json_object_get(c, "lon")));
        if (json_is_real(a)) snprintf(acc, sizeof acc, "%.0f", json_real_value(a));
        flags_text(r, s, c, &flags);
        v[LC_TIME] = time;
        v[LC_LAT] = lat;
        v[LC_LON] = lon;
        v[LC_ACC] = json_is_real(a) ? acc : NULL;
        v[LC_INSIDE] = json_is_boolean(inside) ? ledger_label(r, json_is_true(inside) ? "yes" : "no") : NULL;
        v[LC_FLAGS] = strbuf_str(&flags);
        v[LC_SOURCE] = ledger_label(r, json_string_value(json_object_get(c, "source")));
        v[LC_NOTE] = json_string_value(json_object_get(c, "note"));
    }
    int rc = table_row(t, v, &r->err);
    strbuf_release(&flags);
    return rc;
}

/* Write a page's items: a new sheet whenever the month changes. */
static int ledger_rows(req *r, const ledger *L, const page *p, char month[8], table_out *t) {
    for (int k = 0; k < p->n; k++) {
        const char *day = L->days[p->keys[k].day];
        if (strncmp(month, day, 7)) {
            snprintf(month, 8, "%.7s", day);
            if (table_sheet(t, month, &r->err)) return -1;
        }
        json_t *checkins = json_object_get(p->items[k], "checkins"), *c;
        size_t i;
        if (!json_array_size(checkins) && ledger_row(r, &L->s, p->items[k], NULL, t)) return -1;
        json_array_foreach(checkins, i, c) if (ledger_row(r, &L->s, p->items[k], c, t)) return -1;
    }
    return 0;
}

static int ledger_export(req *r, int xlsx) {
    ledger L;
    table_out t;
    char month[8] = "";
    memset(&t, 0, sizeof t);
    int rc = ledger_open(r, &L);
    if (!rc) rc = table_open(&t, xlsx, en(r) ? LEDGER_EN : LEDGER_ZH, LC_COUNT, &r->err);
    for (int64_t off = 0; !rc && off < L.total; off += EXPORT_CHUNK) {
        page p;
        rc = ledger_page(r, &L, off, EXPORT_CHUNK, &p);
        if (!rc) rc = ledger_rows(r, &L, &p, month, &t);
        page_free(&p);
    }
    /* A workbook needs a sheet even when nothing matched: the first month's. */
    if (!rc && !month[0]) {
        snprintf(month, sizeof month, "%.7s", L.days[0]);
        rc = table_sheet(&t, month, &r->err);
    }
    if (!rc) rc = reply_export(r, "ledger", &t);
    table_free(&t);
    ledger_close(&L);
    return rc;
}

int h_duty_ledger_csv(req *r) { return ledger_export(r, 0); }
int h_duty_ledger_xlsx(req *r) { return ledger_export(r, 1); }

/* ---- the today view ---- */

typedef struct today {
    duty_settings s;
    scope sc;
    sec_list secs;
    json_t **objs;           /* per secretary */
    int *count;              /* check-ins today, per secretary */
    char day[11];
    int64_t t0;
    int working;
} today;

/* The county's windows today as the settings give them ({start, end} as
** "HH:MM"), with their times today and their state now: upcoming, open or closed. */
static json_t *today_windows(const today *T, int64_t now) {
    json_t *settings = duty_settings_json(&T->s), *a = json_array(), *w;
    size_t i;
    json_array_foreach(json_object_get(settings, "windows"), i, w) {
        int64_t start = T->t0 + T->s.windows[i].start_min * 60, end = T->t0 + T->s.windows[i].end_min * 60;
        json_t *o = json_deep_copy(w);
        json_object_set_new(o, "idx", json_integer((json_int_t)i));
        json_object_set_new(o, "start_at", json_integer(start));
        json_object_set_new(o, "end_at", json_integer(end));
        json_object_set_new(o, "state", json_string(now < start ? "upcoming" : now < end ? "open" : "closed"));
        json_array_append_new(a, o);
    }
    json_decref(settings);
    return a;
}

/* Each secretary's last position ever (null when none). */
static int today_last(req *r, today *T) {
    db_stmt *st = db_prepare(r->db,
                             "SELECT c.user_id, c.at, c.pos, c.inside, c.flags FROM checkin c WHERE c.user_id IN ("
                             SEC_IDS ") AND c.at = (SELECT MAX(c2.at) FROM checkin c2 WHERE c2.user_id = c.user_id)"
                             " ORDER BY c.user_id, c.id DESC", &r->err);
    if (!st) return -1;
    scope_bind(st, &T->sc);
    int rc;
    double lat, lon;
    while ((rc = db_step(st, &r->err)) == 1) {
        int j = secs_find(&T->secs, db_col_int(st, 0));
        if (j < 0 || !json_is_null(json_object_get(T->objs[j], "last"))) continue;
        if (checkin_pos_decode(db_col_text(st, 2), &lat, &lon)) continue;
        json_object_set_new(T->objs[j], "last",
                            json_pack("{s:I, s:f, s:f, s:o, s:o}", "at", (json_int_t)db_col_int(st, 1), "lat", lat,
                                      "lon", lon, "inside", db_col_json(st, 3, 'b'), "flags",
                                      flags_json(db_col_text(st, 4))));
    }
    db_done(st);
    return rc < 0 ? -1 : 0;
}

static int today_counts(req *r, today *T) {
    db_stmt *st = db_prepare(r->db,
                             "SELECT c.user_id, COUNT(*) FROM checkin c WHERE c.user_id IN (" SEC_IDS
                             ") AND c.at >= $4 AND c.at < $5 GROUP BY c.user_id", &r->err);
    if (!st) return -1;
    scope_bind(st, &T->sc);
    db_bind_int(st, 4, T->t0);
    db_bind_int(st, 5, T->t0 + DAY_S);
    int rc;
    while ((rc = db_step(st, &r->err)) == 1) {
        int j = secs_find(&T->secs, db_col_int(st, 0));
        if (j >= 0) T->count[j] = (int)db_col_int(st, 1);
    }
    db_done(st);
    return rc < 0 ? -1 : 0;
}

/* Today's windows per secretary: the evaluation's status once a window is
** evaluated, "pending" before. */
static int today_window_status(req *r, today *T) {
    db_stmt *st = db_prepare(r->db,
                             "SELECT w.user_id, w.idx, w.status FROM duty_window w WHERE w.user_id IN (" SEC_IDS
                             ") AND w.day = $4", &r->err);
    if (!st) return -1;
    scope_bind(st, &T->sc);
    db_bind_text(st, 4, T->day);
    int rc;
    while ((rc = db_step(st, &r->err)) == 1) {
        int j = secs_find(&T->secs, db_col_int(st, 0));
        json_t *w = j < 0 ? NULL : json_object_get(T->objs[j], "windows");
        int64_t idx = db_col_int(st, 1);
        if (w && idx >= 0 && (size_t)idx < json_array_size(w))
            json_array_set_new(w, (size_t)idx, json_string(db_col_text(st, 2)));
    }
    db_done(st);
    return rc < 0 ? -1 : 0;
}

/* Windows begun today that the job has not judged yet: met at once by a
** qualifying check-in inside them (what the job will record), excused for a
** secretary on leave; the rest stay pending. */
static int today_window_live(req *r, const today *T, int64_t now) {
    for (int k = 0; T->working && k < T->s.nwindows; k++) {
        int64_t from = T->t0 + T->s.windows[k].start_min * 60, to = T->t0 + T->s.windows[k].end_min * 60;
        if (now < from) break;
        db_stmt *st = db_prepare(r->db,
                                 "SELECT DISTINCT c.user_id FROM checkin c WHERE c.user_id IN (" SEC_IDS
                                 ") AND c.at >= $4 AND c.at <= $5 AND " DUTY_QUALIFYING("c"), &r->err);
        if (!st) return -1;
        scope_bind(st, &T->sc);
        db_bind_int(st, 4, from);
        db_bind_int(st, 5, to);
        int rc;
        while ((rc = db_step(st, &r->err)) == 1) {
            int j = secs_find(&T->secs, db_col_int(st, 0));
            json_t *w = j < 0 ? NULL : json_object_get(T->objs[j], "windows");
            if (w && !strcmp(json_string_value(json_array_get(w, (size_t)k)), "pending"))
                json_array_set_new(w, (size_t)k, json_string("met"));
        }
        db_done(st);
        if (rc < 0) return -1;
    }
    return 0;
}

/* Set the pending windows of an excused secretary to excused. */
static void today_excuse(json_t *windows) {
    size_t k;
    json_t *v;
    json_array_foreach(windows, k, v)
        if (!strcmp(json_string_value(v), "pending")) json_array_set_new(windows, k, json_string("excused"));
}

static int today_secretaries(req *r, today *T, json_t *out, json_t *missing) {
    T->objs = xcalloc((size_t)T->secs.n + 1, sizeof T->objs[0]);
    T->count = xcalloc((size_t)T->secs.n + 1, sizeof T->count[0]);
    for (int j = 0; j < T->secs.n; j++) {
        json_t *o = sec_json(&T->secs.v[j]), *w = json_array();
        json_object_set_new(o, "id", json_integer(T->secs.v[j].id));
        json_object_set_new(o, "last", json_null());
        for (int k = 0; T->working && k < T->s.nwindows; k++) json_array_append_new(w, json_string("pending"));
        json_object_set_new(o, "windows", w);
        json_array_append_new(out, o);
        T->objs[j] = o;
    }
    if (today_last(r, T) || today_counts(r, T) || today_window_status(r, T) || today_window_live(r, T, r->now))
        return -1;
    for (int j = 0; j < T->secs.n; j++) {
        int excused = duty_excused(r->db, T->secs.v[j].id, T->day, &r->err);
        if (excused < 0) return -1;
        if (excused) today_excuse(json_object_get(T->objs[j], "windows"));
        json_object_set_new(T->objs[j], "checked_in_today", json_boolean(T->count[j] > 0));
        json_object_set_new(T->objs[j], "checkins_today", json_integer(T->count[j]));
        json_object_set_new(T->objs[j], "excused", json_boolean(excused));
        if (T->working && !excused && !T->count[j]) json_array_append_new(missing, json_integer(T->secs.v[j].id));
    }
    return 0;
}

/* The open records (spot checks, inquiries) of the secretaries in scope, by sql
** (scope in $1-$3, LIMIT $4), with db_row_json column types; NULL on error. */
static json_t *today_open(req *r, const today *T, const char *sql, const char *types) {
    db_stmt *st = db_prepare(r->db, sql, &r->err);
    if (!st) return NULL;
    scope_bind(st, &T->sc);
    db_bind_int(st, 4, TODAY_MAX_OPEN);
    return db_rows(st, db_typed_row, types, &r->err);
}

int h_duty_today(req *r) {
    today T;
    memset(&T, 0, sizeof T);
    if (duty_settings_load(r->db, &T.s, &r->err) || scope_init(r, &T.sc)) return -1;
    duty_local_day(&T.s, r->now, T.day);
    T.t0 = duty_day_start(&T.s, T.day);
    T.working = duty_is_working(r->db, &T.s, T.day, &r->err);
    json_t *secs = json_array(), *missing = json_array(), *spots = NULL, *inquiries = NULL;
    int rc = T.working < 0 || secs_load(r, &T.sc, 0, &T.secs) ? -1 : 0;
    if (!rc) rc = today_secretaries(r, &T, secs, missing);
    if (!rc && !(spots = today_open(r, &T,
                                    "SELECT s.id AS id, s.user_id AS user_id, s.requested_at AS requested_at,"
                                    " s.deadline_at AS deadline_at, s.note AS note FROM spot_check s"
                                    " WHERE s.status = 'open' AND s.user_id IN (" SEC_IDS ")"
                                    " ORDER BY s.deadline_at, s.id LIMIT $4", "iiiis")))
        rc = -1;
    if (!rc && !(inquiries = today_open(r, &T,
                                        "SELECT i.id AS id, i.user_id AS user_id, i.kind AS kind, i.day AS day,"
                                        " i.window_idx AS window_idx, i.spot_check_id AS spot_check_id,"
                                        " i.opened_at AS opened_at, i.call_made AS call_made FROM inquiry i"
                                        " WHERE i.status = 'open' AND i.user_id IN (" SEC_IDS ")"
                                        " ORDER BY i.opened_at, i.id LIMIT $4", "iissiiib")))
        rc = -1;
    if (!rc)
        reply_json(r, 200, json_pack("{s:I, s:s, s:b, s:o, s:O, s:O, s:O, s:O}", "now", (json_int_t)r->now, "day",
                                     T.day, "working", T.working, "windows", today_windows(&T, r->now), "secretaries", secs, "not_checked_in",
                                     missing, "open_spot_checks", spots, "open_inquiries", inquiries));
    json_decref(secs);
    json_decref(missing);
    json_decref(spots);
    json_decref(inquiries);
    secs_free(&T.secs);
    free(T.objs);
    free(T.count);
    return rc;
}

/* ---- the annual evaluation ---- */

/* One secretary's figures for a year (docs/DUTY.md defines each). */
typedef struct figures {
    int64_t working, excused, present;
    int64_t w_met, w_missed, w_excused;
    int64_t spots, spot_in_time, spot_decided;
    int64_t inq, inq_accepted, inq_rejected, inq_open;
    int64_t notices, interviews, recalls;
    double median_s;         /* NAN when nothing was answered */
} figures;

#define FIG(x) offsetof(figures, x)
#define CNT(cond) ", SUM(CASE WHEN " cond " THEN 1 ELSE 0 END)"

/* A query grouped by user_id whose other columns are counts into figures;
** $4 and $5 bound to the year's first and last local day (by_day) or to its
** Unix time bounds [t0, t1). */
typedef struct grouped {
    const char *sql;
    int by_day, n;
    size_t off[4];
} grouped;

static const grouped GROUPED[] = {
    {"SELECT d.user_id, COUNT(*)" CNT("d.status = 'excused'") CNT("d.status = 'present'")
     " FROM duty_day d WHERE d.user_id IN (" SEC_IDS ") AND d.day >= $4 AND d.day <= $5 GROUP BY d.user_id",
     1, 3, {FIG(working), FIG(excused), FIG(present)}},
    {"SELECT w.user_id" CNT("w.status = 'met'") CNT("w.status = 'missed'") CNT("w.status = 'excused'")
     " FROM duty_window w WHERE w.user_id IN (" SEC_IDS ") AND w.day >= $4 AND w.day <= $5 GROUP BY w.user_id",
     1, 3, {FIG(w_met), FIG(w_missed), FIG(w_excused)}},
    {"SELECT s.user_id, COUNT(*)" CNT("s.status IN ('ok', 'outside')") CNT("s.status <> 'open'")
     " FROM spot_check s WHERE s.user_id IN (" SEC_IDS ") AND s.status <> 'cancelled'"
     " AND s.requested_at >= $4 AND s.requested_at < $5 GROUP BY s.user_id",
     0, 3, {FIG(spots), FIG(spot_in_time), FIG(spot_decided)}},
    {"SELECT i.user_id, COUNT(*)" CNT("i.status = 'accepted'") CNT("i.status = 'rejected'") CNT("i.status = 'open'")
     " FROM inquiry i WHERE i.user_id IN (" SEC_IDS ") AND i.opened_at >= $4 AND i.opened_at < $5"
     " GROUP BY i.user_id",
     0, 4, {FIG(inq), FIG(inq_accepted), FIG(inq_rejected), FIG(inq_open)}},
    {"SELECT x.user_id" CNT("x.kind = 'notice'") CNT("x.kind = 'interview'") CNT("x.kind = 'recall'")
     " FROM sanction x WHERE x.user_id IN (" SEC_IDS ") AND x.status = 'approved'"
     " AND x.decided_at >= $4 AND x.decided_at < $5 GROUP BY x.user_id",
     0, 3, {FIG(notices), FIG(interviews), FIG(recalls)}},
};

static void bind_year(db_stmt *st, const year_span *y, int by_day) {
    if (by_day) {
        db_bind_text(st, 4, y->first);
        db_bind_text(st, 5, y->last);
    } else {
        db_bind_int(st, 4, y->t0);
        db_bind_int(st, 5, y->t1);
    }
}

static int run_grouped(req *r, const scope *sc, const sec_list *secs, const year_span *y, const grouped *g,
                       figures *f) {
    db_stmt *st = db_prepare(r->db, g->sql, &r->err);
    if (!st) return -1;
    scope_bind(st, sc);
    bind_year(st, y, g->by_day);
    int rc;
    while ((rc = db_step(st, &r->err)) == 1) {
        int j = secs_find(secs, db_col_int(st, 0));
        for (int c = 0; j >= 0 && c < g->n; c++) *(int64_t *)((char *)&f[j] + g->off[c]) = db_col_int(st, c + 1);
    }
    db_done(st);
    return rc < 0 ? -1 : 0;
}

/* Median of sorted values v[0..n). */
static double median(const int64_t *v, size_t n) {
    return n % 2 ? (double)v[n / 2] : ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2;
}

/* The median time from request to answer of each secretary's answered spot checks. */
static int spot_medians(req *r, const scope *sc, const sec_list *secs, const year_span *y, figures *f) {
    db_stmt *st = db_prepare(r->db,
                             "SELECT s.user_id, s.answered_at - s.requested_at FROM spot_check s WHERE s.user_id IN ("
                             SEC_IDS ") AND s.status <> 'cancelled' AND s.answered_at IS NOT NULL"
                             " AND s.requested_at >= $4 AND s.requested_at < $5 ORDER BY s.user_id, 2", &r->err);
    if (!st) return -1;
    scope_bind(st, sc);
    bind_year(st, y, 0);
    int64_t *v = NULL, user = -1;
    size_t n = 0, cap = 0;
    int rc;
    do {
        rc = db_step(st, &r->err);
        int64_t u = rc == 1 ? db_col_int(st, 0) : -2;
        if (u != user && n) {
            int j = secs_find(secs, user);
            if (j >= 0) f[j].median_s = median(v, n);
            n = 0;
        }
        user = u;
        if (rc != 1) break;
        if (n == cap) v = xrealloc(v, sizeof *v * (cap = cap ? cap * 2 : 64));
        v[n++] = db_col_int(st, 1);
    } while (1);
    db_done(st);
    free(v);
    return rc < 0 ? -1 : 0;
}

typedef struct evaluation {
    duty_settings s;
    scope sc;
    year_span y;
    sec_list secs;
    figures *f;
} evaluation;

/* Every secretary in scope (disabled accounts too: a recalled secretary's
** year still counts) with their figures for ?year=. */
static int evaluation_open(req *r, evaluation *E) {
    memset(E, 0, sizeof *E);
    if (duty_settings_load(r->db, &E->s, &r->err) || query_year(r, &E->s, &E->y) || scope_init(r, &E->sc) ||
        secs_load(r, &E->sc, 1, &E->secs))
        return -1;
    E->f = xcalloc((size_t)E->secs.n + 1, sizeof E->f[0]);
    for (int j = 0; j < E->secs.n; j++) E->f[j].median_s = NAN;
    for (size_t g = 0; g < sizeof GROUPED / sizeof GROUPED[0]; g++)
        if (run_grouped(r, &E->sc, &E->secs, &E->y, &GROUPED[g], E->f)) return -1;
    return spot_medians(r, &E->sc, &E->secs, &E->y, E->f);
}

static void evaluation_close(evaluation *E) {
    secs_free(&E->secs);
    free(E->f);
}

/* num / den, or NAN when den is 0. */
static double ratio(int64_t num, int64_t den) { return den > 0 ? (double)num / (double)den : NAN; }

static double presence_rate(const figures *f) { return ratio(f->present, f->working - f->excused); }
static double window_rate(const figures *f) { return ratio(f->w_met, f->w_met + f->w_missed); }
static double spot_rate(const figures *f) { return ratio(f->spot_in_time, f->spot_decided); }

static json_t *real_json(double v) { return isnan(v) ? json_null() : json_real(v); }

static json_t *figures_json(const sec *s, const figures *f) {
    json_t *o = sec_json(s);
    json_t *fig = json_pack(
        "{s:b, s:I, s:I, s:I, s:o, s:I, s:I, s:I, s:o, s:I, s:I, s:o, s:o, s:{s:I, s:I, s:I, s:I}, s:I, s:I, s:I}",
        "disabled", s->disabled, "working_days", (json_int_t)f->working, "excused_days", (json_int_t)f->excused,
        "present_days", (json_int_t)f->present, "presence_rate", real_json(presence_rate(f)), "windows_met",
        (json_int_t)f->w_met, "windows_missed", (json_int_t)f->w_missed, "windows_excused", (json_int_t)f->w_excused,
        "window_rate", real_json(window_rate(f)), "spot_checks", (json_int_t)f->spots, "spot_answered_in_time",
        (json_int_t)f->spot_in_time, "spot_answer_rate", real_json(spot_rate(f)), "spot_median_answer_s",
        real_json(f->median_s), "inquiries", "opened", (json_int_t)f->inq, "accepted", (json_int_t)f->inq_accepted,
        "rejected", (json_int_t)f->inq_rejected, "open", (json_int_t)f->inq_open, "notices", (json_int_t)f->notices,
        "interviews", (json_int_t)f->interviews, "recalls", (json_int_t)f->recalls);
    json_object_update(o, fig);
    json_decref(fig);
    return o;
}

int h_duty_evaluation(req *r) {
    int64_t pg, per;
    evaluation E;
    if (req_paging(r, &pg, &per)) return -1;
    int rc = evaluation_open(r, &E);
    if (!rc) {
        json_t *items = json_array();
        for (int64_t j = (pg - 1) * per; j < E.secs.n && j < pg * per; j++)
            json_array_append_new(items, figures_json(&E.secs.v[j], &E.f[j]));
        json_t *body = json_pack("{s:o, s:I, s:I, s:I, s:i}", "items", items, "total", (json_int_t)E.secs.n,
                                 "page", (json_int_t)pg, "per_page", (json_int_t)per, "year", E.y.year);
        reply_json(r, 200, body);
    }
    evaluation_close(&E);
    return rc;
}

enum { EC_TOWN, EC_VILLAGE, EC_NAME, EC_WORKING, EC_EXCUSED, EC_PRESENT, EC_PRESENCE, EC_MET, EC_MISSED,
       EC_WEXCUSED, EC_WRATE, EC_SPOTS, EC_INTIME, EC_SRATE, EC_MEDIAN, EC_INQ, EC_ACCEPTED, EC_REJECTED,
       EC_OPEN, EC_NOTICES, EC_INTERVIEWS, EC_RECALLS, EC_COUNT };

#define N_(w) w, XLSX_NUMBER
static const xlsx_col EVAL_ZH[EC_COUNT] = {
    {"乡镇", 10, XLSX_TEXT}, {"村", 10, XLSX_TEXT}, {"姓名", 10, XLSX_TEXT}, {"应在岗天数", N_(11)},
    {"请假出差天数", N_(12)}, {"在岗天数", N_(9)}, {"在岗率", N_(8)}, {"时段达标", N_(9)}, {"时段未达标", N_(10)},
    {"时段豁免", N_(9)}, {"时段达标率", N_(10)}, {"约请次数", N_(9)}, {"按时应答", N_(9)}, {"应答率", N_(8)},
    {"应答时长中位数(秒)", N_(16)}, {"问询", N_(6)}, {"问询采纳", N_(9)}, {"问询不采纳", N_(10)},
    {"问询待处理", N_(10)}, {"通报批评", N_(9)}, {"约谈", N_(6)}, {"召回", N_(6)}};
static const xlsx_col EVAL_EN[EC_COUNT] = {
    {"town", 10, XLSX_TEXT}, {"village", 10, XLSX_TEXT}, {"name", 10, XLSX_TEXT}, {"working_days", N_(12)},
    {"excused_days", N_(12)}, {"present_days", N_(12)}, {"presence_rate", N_(13)}, {"windows_met", N_(12)},
    {"windows_missed", N_(14)}, {"windows_excused", N_(15)}, {"window_rate", N_(11)}, {"spot_checks", N_(11)},
    {"spot_answered_in_time", N_(20)}, {"spot_answer_rate", N_(16)}, {"spot_median_answer_s", N_(20)},
    {"inquiries", N_(9)}, {"inquiries_accepted", N_(17)}, {"inquiries_rejected", N_(17)}, {"inquiries_open", N_(14)},
    {"notices", N_(8)}, {"interviews", N_(10)}, {"recalls", N_(8)}};

static int evaluation_row(req *r, const sec *s, const figures *f, table_out *t) {
    char buf[EC_COUNT][24];
    const char *v[EC_COUNT] = {s->town, s->village, s->name};
    const int64_t counts[][2] = {{EC_WORKING, f->working}, {EC_EXCUSED, f->excused}, {EC_PRESENT, f->present},
                                 {EC_MET, f->w_met}, {EC_MISSED, f->w_missed}, {EC_WEXCUSED, f->w_excused},
                                 {EC_SPOTS, f->spots}, {EC_INTIME, f->spot_in_time}, {EC_INQ, f->inq},
                                 {EC_ACCEPTED, f->inq_accepted}, {EC_REJECTED, f->inq_rejected},
                                 {EC_OPEN, f->inq_open}, {EC_NOTICES, f->notices}, {EC_INTERVIEWS, f->interviews},
                                 {EC_RECALLS, f->recalls}};
    const struct { int col; double v; int decimals; } reals[] = {
        {EC_PRESENCE, presence_rate(f), 4}, {EC_WRATE, window_rate(f), 4}, {EC_SRATE, spot_rate(f), 4},
        {EC_MEDIAN, f->median_s, 0}};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        snprintf(buf[counts[i][0]], sizeof buf[0], "%lld", (long long)counts[i][1]);
        v[counts[i][0]] = buf[counts[i][0]];
    }
    for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++) {
        if (isnan(reals[i].v)) continue;
        snprintf(buf[reals[i].col], sizeof buf[0], "%.*f", reals[i].decimals, reals[i].v);
        v[reals[i].col] = buf[reals[i].col];
    }
    return table_row(t, v, &r->err);
}

static int evaluation_export(req *r, int xlsx) {
    evaluation E;
    table_out t;
    char sheet[32];
    memset(&t, 0, sizeof t);
    int rc = evaluation_open(r, &E);
    if (!rc) rc = table_open(&t, xlsx, en(r) ? EVAL_EN : EVAL_ZH, EC_COUNT, &r->err);
    if (!rc) {
        if (en(r)) snprintf(sheet, sizeof sheet, "evaluation %d", E.y.year);
        else snprintf(sheet, sizeof sheet, "%d年度考核", E.y.year);
        rc = table_sheet(&t, sheet, &r->err);
    }
    for (int j = 0; !rc && j < E.secs.n; j++) rc = evaluation_row(r, &E.secs.v[j], &E.f[j], &t);
    if (!rc) rc = reply_export(r, "evaluation", &t);
    table_free(&t);
    evaluation_close(&E);
    return rc;
}

int h_duty_evaluation_csv(req *r) { return evaluation_export(r, 0); }
int h_duty_evaluation_xlsx(req *r) { return evaluation_export(r, 1); }

/* ---- published figures ---- */

#define STAT_IN_YEAR(alias, col) " AND " alias "." col " >= $4 AND " alias "." col " < $5)"
#define STAT_SANCTION(kind)                                                                               \
    "(SELECT COUNT(DISTINCT x.user_id) FROM sanction x WHERE x.user_id IN (" SEC_IDS ") AND x.kind = '" kind \
    "' AND x.status = 'approved'" STAT_IN_YEAR("x", "decided_at")

static const char *const STAT_NAMES[] = {"problems_found", "problems_fixed", "spot_checks", "spot_checks_failed",
                                         "secretaries_criticised", "secretaries_interviewed", "secretaries_recalled",
                                         "secretaries", "checkins", NULL};

/* One column per STAT_NAMES entry, in that order (docs/DUTY.md defines each). */
static const char STATS_SQL[] =
    "SELECT (SELECT COUNT(*) FROM inquiry i WHERE i.user_id IN (" SEC_IDS ")" STAT_IN_YEAR("i", "opened_at") ","
    " (SELECT COUNT(*) FROM inquiry i WHERE i.user_id IN (" SEC_IDS ") AND i.status <> 'open'"
    STAT_IN_YEAR("i", "decided_at") ","
    " (SELECT COUNT(*) FROM spot_check s WHERE s.user_id IN (" SEC_IDS ") AND s.status <> 'cancelled'"
    STAT_IN_YEAR("s", "requested_at") ","
    " (SELECT COUNT(*) FROM spot_check s WHERE s.user_id IN (" SEC_IDS ") AND s.status IN ('late', 'outside',"
    " 'no_answer')" STAT_IN_YEAR("s", "requested_at") ","
    " " STAT_SANCTION("notice") ", " STAT_SANCTION("interview") ", " STAT_SANCTION("recall") ","
    " (SELECT COUNT(*) FROM app_user u JOIN org_node v ON v.id = u.org_id WHERE " SEC_WHERE " AND u.disabled = 0),"
    " (SELECT COUNT(*) FROM checkin c WHERE c.user_id IN (" SEC_IDS ")" STAT_IN_YEAR("c", "at");

int h_duty_stats(req *r) {
    duty_settings s;
    scope sc;
    year_span y;
    if (duty_settings_load(r->db, &s, &r->err) || query_year(r, &s, &y) || scope_init(r, &sc)) return -1;
    db_stmt *st = db_prepare(r->db, STATS_SQL, &r->err);
    if (!st) return -1;
    scope_bind(st, &sc);
    bind_year(st, &y, 0);
    int rc = db_step(st, &r->err);
    json_t *body = json_pack("{s:i}", "year", y.year);
    for (int c = 0; rc == 1 && STAT_NAMES[c]; c++) json_object_set_new(body, STAT_NAMES[c], json_integer(db_col_int(st, c)));
    db_done(st);
    if (rc != 1) {
        json_decref(body);
        return rc < 0 ? -1 : fail(r, 500, "internal", "stats");
    }
    reply_json(r, 200, body);
    return 0;
}
