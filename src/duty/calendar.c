/*
** calendar.c: the county's duty settings (setting key "duty": working
** weekdays, check-in windows, local time, flag thresholds, retention,
** escalation), local-day arithmetic, the working-day test (weekly pattern
** plus the duty_holiday exceptions) and the leave excuse. See duty.h.
*/
#include "duty/duty.h"
#include "core/date.h"
#include "core/strbuf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void duty_settings_default(duty_settings *s) {
    memset(s, 0, sizeof *s);
    s->workdays = 0x3e;   /* Monday .. Friday */
    s->nwindows = 2;
    s->windows[0].start_min = 8 * 60 + 30;
    s->windows[0].end_min = 9 * 60 + 30;
    s->windows[1].start_min = 14 * 60 + 30;
    s->windows[1].end_min = 15 * 60 + 30;
    s->utc_offset_min = 480;
    s->accuracy_max_m = 200;
    s->speed_max_kmh = 150;
    s->clock_skew_s = 600;
    s->retention_days = 730;
    s->spot_deadline_min = 15;
    s->notice_misses = 3;
    s->notice_days = 30;
    s->interview_notices = 2;
    s->recall_notices = 3;
}

/* ---- days --------------------------------------------------------------- */

void duty_local_day(const duty_settings *s, int64_t t, char out[11]) {
    int64_t local = t + (int64_t)s->utc_offset_min * 60;
    int64_t n = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    date_from_days(n, out);
}

int64_t duty_day_start(const duty_settings *s, const char *day) {
    int64_t n;
    if (date_to_days(day, &n)) return -1;
    return n * 86400 - (int64_t)s->utc_offset_min * 60;
}

/* ---- settings as JSON ----------------------------------------------------- */

static void hhmm(int min, char out[6]) {
    unsigned h = (unsigned)min / 60 % 100, m = (unsigned)min % 60;
    snprintf(out, 6, "%02u:%02u", h, m);
}

json_t *duty_settings_json(const duty_settings *s) {
    json_t *days = json_array(), *wins = json_array();
    for (int d = 0; d < 7; d++)
        if (s->workdays & (1u << d)) json_array_append_new(days, json_integer(d));
    for (int i = 0; i < s->nwindows; i++) {
        char a[6], b[6];
        hhmm(s->windows[i].start_min, a);
        hhmm(s->windows[i].end_min, b);
        json_array_append_new(wins, json_pack("{s:s, s:s}", "start", a, "end", b));
    }
    return json_pack("{s:o, s:o, s:i, s:f, s:f, s:i, s:i, s:i, s:{s:i, s:i, s:i, s:i}}", "workdays", days,
                     "windows", wins, "utc_offset_min", s->utc_offset_min, "accuracy_max_m", s->accuracy_max_m,
                     "speed_max_kmh", s->speed_max_kmh, "clock_skew_s", s->clock_skew_s, "retention_days",
                     s->retention_days, "spot_deadline_min", s->spot_deadline_min, "escalation", "notice_misses",
                     s->notice_misses, "notice_days", s->notice_days, "interview_notices", s->interview_notices,
                     "recall_notices", s->recall_notices);
}

/* ---- parsing and validating changes ------------------------------------- */

static int bad(xerr *e, const char *code, const char *field) { return xerr_set(e, 400, code, "%s", field); }

static int int_field(json_t *v, const char *name, int min, int max, int *out, xerr *e) {
    if (!json_is_integer(v)) return bad(e, "invalid_type", name);
    json_int_t i = json_integer_value(v);
    if (i < min || i > max) return bad(e, "invalid_value", name);
    *out = (int)i;
    return 0;
}

static int num_field(json_t *v, const char *name, double min, double max, double *out, xerr *e) {
    if (!json_is_number(v)) return bad(e, "invalid_type", name);
    double x = json_number_value(v);
    if (!isfinite(x) || x < min || x > max) return bad(e, "invalid_value", name);
    *out = x;
    return 0;
}

static int parse_workdays(json_t *v, unsigned *out, xerr *e) {
    if (!json_is_array(v)) return bad(e, "invalid_type", "workdays");
    unsigned set = 0;
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) {
        int d;
        if (int_field(x, "workdays", 0, 6, &d, e)) return -1;
        if (set & (1u << d)) return bad(e, "invalid_value", "workdays");
        set |= 1u << d;
    }
    *out = set;
    return 0;
}

/* "HH:MM", 00:00 .. 24:00, as minutes after midnight; -1 when malformed. */
static int parse_hhmm(json_t *v) {
    const char *t = json_string_value(v);
    if (!t || strlen(t) != 5 || t[2] != ':') return -1;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (t[i] < '0' || t[i] > '9')) return -1;
    int h = atoi(t), m = atoi(t + 3);
    if (h > 24 || m > 59 || (h == 24 && m)) return -1;
    return h * 60 + m;
}

static int by_start(const void *a, const void *b) {
    const int *x = a, *y = b;
    return x[0] - y[0];
}

static int parse_windows(json_t *v, duty_settings *s, xerr *e) {
    if (!json_is_array(v)) return bad(e, "invalid_type", "windows");
    if (json_array_size(v) > DUTY_MAX_WINDOWS) return xerr_set(e, 400, "duty_too_many_windows", "%d", DUTY_MAX_WINDOWS);
    int w[DUTY_MAX_WINDOWS][2], n = 0;
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) {
        if (!json_is_object(x)) return bad(e, "invalid_type", "windows");
        json_t *a = json_object_get(x, "start"), *b = json_object_get(x, "end");
        if (!a) return bad(e, "missing_field", "windows.start");
        if (!b) return bad(e, "missing_field", "windows.end");
        if (!json_is_string(a)) return bad(e, "invalid_type", "windows.start");
        if (!json_is_string(b)) return bad(e, "invalid_type", "windows.end");
        if ((w[n][0] = parse_hhmm(a)) < 0) return bad(e, "invalid_value", "windows.start");
        if ((w[n][1] = parse_hhmm(b)) < 0 || w[n][1] <= w[n][0]) return bad(e, "invalid_value", "windows.end");
        n++;
    }
    qsort(w, (size_t)n, sizeof w[0], by_start);
    for (int k = 1; k < n; k++)
        if (w[k][0] < w[k - 1][1]) return xerr_set(e, 400, "duty_windows_overlap", "%s", "windows");
    s->nwindows = n;
    for (int k = 0; k < n; k++) {
        s->windows[k].start_min = w[k][0];
        s->windows[k].end_min = w[k][1];
    }
    return 0;
}

static int parse_escalation(json_t *v, duty_settings *s, xerr *e) {
    if (!json_is_object(v)) return bad(e, "invalid_type", "escalation");
    const char *k;
    json_t *x;
    json_object_foreach(v, k, x) {
        int rc;
        if (!strcmp(k, "notice_misses")) rc = int_field(x, "escalation.notice_misses", 1, 100, &s->notice_misses, e);
        else if (!strcmp(k, "notice_days")) rc = int_field(x, "escalation.notice_days", 1, 366, &s->notice_days, e);
        else if (!strcmp(k, "interview_notices"))
            rc = int_field(x, "escalation.interview_notices", 1, 100, &s->interview_notices, e);
        else if (!strcmp(k, "recall_notices"))
            rc = int_field(x, "escalation.recall_notices", 1, 100, &s->recall_notices, e);
        else rc = xerr_set(e, 400, "duty_unknown_field", "escalation.%s", k);
        if (rc) return -1;
    }
    return 0;
}

static int parse_one(const char *k, json_t *x, duty_settings *s, xerr *e) {
    if (!strcmp(k, "workdays")) return parse_workdays(x, &s->workdays, e);
    if (!strcmp(k, "windows")) return parse_windows(x, s, e);
    if (!strcmp(k, "utc_offset_min")) return int_field(x, k, -720, 840, &s->utc_offset_min, e);
    if (!strcmp(k, "accuracy_max_m")) return num_field(x, k, 1, 100000, &s->accuracy_max_m, e);
    if (!strcmp(k, "speed_max_kmh")) return num_field(x, k, 1, 2000, &s->speed_max_kmh, e);
    if (!strcmp(k, "clock_skew_s")) return int_field(x, k, 1, 86400, &s->clock_skew_s, e);
    if (!strcmp(k, "retention_days")) return int_field(x, k, 1, 7300, &s->retention_days, e);
    if (!strcmp(k, "spot_deadline_min")) return int_field(x, k, 1, 1440, &s->spot_deadline_min, e);
    if (!strcmp(k, "escalation")) return parse_escalation(x, s, e);
    return xerr_set(e, 400, "duty_unknown_field", "%s", k);
}

int duty_settings_parse(const json_t *j, duty_settings *s, xerr *e) {
    if (!json_is_object(j)) return xerr_set(e, 400, "expected_object", "%s", "");
    duty_settings t = *s;
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)j, k, x) {
        if (parse_one(k, x, &t, e)) return -1;
    }
    *s = t;
    return 0;
}

/* ---- stored settings ------------------------------------------------------ */

int duty_settings_load(db *d, duty_settings *s, xerr *e) {
    duty_settings_default(s);
    db_stmt *st = db_prepare(d, "SELECT value FROM setting WHERE key = $1", e);
    if (!st) return -1;
    db_bind_text(st, 1, DUTY_SETTING_KEY);
    int rc = db_step(st, e);
    json_t *j = rc == 1 ? json_loads(db_col_text(st, 0), 0, NULL) : NULL;
    db_done(st);
    if (rc < 0) return -1;
    if (rc == 1 && (!j || duty_settings_parse(j, s, e))) {
        json_decref(j);
        return xerr_set(e, 500, "internal", "%s", "stored duty settings");
    }
    json_decref(j);
    return 0;
}

int duty_settings_save(db *d, const audit_ctx *ctx, const duty_settings *before, const duty_settings *after,
                       xerr *e) {
    json_t *b = duty_settings_json(before), *a = duty_settings_json(after);
    char *text = json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS);
    db_stmt *st = db_prepare(d, "INSERT INTO setting (key, value) VALUES ($1, $2)"
                                " ON CONFLICT (key) DO UPDATE SET value = $2", e);
    int rc = -1;
    if (st && text) {
        db_bind_text(st, 1, DUTY_SETTING_KEY);
        db_bind_text(st, 2, text);
        rc = db_step(st, e) < 0 ? -1 : 0;
    }
    db_done(st);
    free(text);
    if (!rc) rc = audit_append(d, ctx, "duty.settings.update", "setting", DUTY_SETTING_KEY, b, a, e);
    json_decref(b);
    json_decref(a);
    return rc;
}

/* ---- working days and excuses ----------------------------------------------- */

int duty_is_working(db *d, const duty_settings *s, const char *day, xerr *e) {
    int64_t n;
    if (date_to_days(day, &n)) return xerr_set(e, 400, "invalid_value", "%s", "day");
    db_stmt *st = db_prepare(d, "SELECT working FROM duty_holiday WHERE day = $1", e);
    if (!st) return -1;
    db_bind_text(st, 1, day);
    int rc = db_step(st, e);
    int working = rc == 1 ? (int)db_col_int(st, 0) : !!(s->workdays & (1u << date_weekday(n)));
    db_done(st);
    return rc < 0 ? -1 : working;
}

int duty_excused(db *d, int64_t user_id, const char *day, xerr *e) {
    db_stmt *st = db_prepare(d, "SELECT 1 FROM duty_leave WHERE user_id = $1 AND status = 'approved'"
                                " AND start_day <= $2 AND end_day >= $2", e);
    if (!st) return -1;
    db_bind_int(st, 1, user_id);
    db_bind_text(st, 2, day);
    int rc = db_step(st, e);
    db_done(st);
    return rc < 0 ? -1 : rc;
}

int duty_calendar_put(db *d, const audit_ctx *ctx, int year, json_t *days, xerr *e) {
    char from[16], to[16], entity[16];
    snprintf(from, sizeof from, "%04d-01-01", year);
    snprintf(to, sizeof to, "%04d-12-31", year);
    snprintf(entity, sizeof entity, "%04d", year);
    db_stmt *st = db_prepare(d, "DELETE FROM duty_holiday WHERE day >= $1 AND day <= $2", e);
    if (!st) return -1;
    db_bind_text(st, 1, from);
    db_bind_text(st, 2, to);
    if (db_run(st, e) < 0) return -1;
    size_t i;
    json_t *x;
    json_array_foreach(days, i, x) {
        if (!(st = db_prepare(d, "INSERT INTO duty_holiday (day, working, name) VALUES ($1, $2, $3)", e))) return -1;
        db_bind_text(st, 1, json_string_value(json_object_get(x, "day")));
        db_bind_int(st, 2, json_is_true(json_object_get(x, "working")));
        db_bind_text(st, 3, json_string_value(json_object_get(x, "name")));
        if (db_run(st, e) < 0) return -1;
    }
    json_t *after = json_pack("{s:O}", "days", days);
    int rc = audit_append(d, ctx, "duty.calendar.put", "duty_calendar", entity, NULL, after, e);
    json_decref(after);
    return rc;
}
