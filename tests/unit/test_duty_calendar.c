/*
** test_duty_calendar.c: unit tests of the duty calendar (duty/calendar.c):
** local days across midnight and time zones, the start of a local day,
** the settings' JSON round trip, merging and validation of changes (which
** name the field and leave the settings untouched on error), and working
** days and leave excuses against a real (in-memory SQLite) schema.
*/
/* Project headers first: cmocka defines a fail() macro. */
#include "db/migrate.h"
#include "duty/duty.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

/* 2026-11-30 00:00 at UTC+8 (a Monday). */
#define MON_0000 1795968000LL

static void test_local_day(void **state) {
    (void)state;
    duty_settings s;
    duty_settings_default(&s);
    char day[11];
    duty_local_day(&s, MON_0000, day);
    assert_string_equal(day, "2026-11-30");
    duty_local_day(&s, MON_0000 - 1, day);
    assert_string_equal(day, "2026-11-29");
    duty_local_day(&s, MON_0000 + 86399, day);
    assert_string_equal(day, "2026-11-30");
    duty_local_day(&s, 0, day);
    assert_string_equal(day, "1970-01-01");
    s.utc_offset_min = -300;   /* a county west of Greenwich: the same instant is still Sunday */
    duty_local_day(&s, MON_0000 + 8 * 3600, day);
    assert_string_equal(day, "2026-11-29");
    duty_local_day(&s, 4 * 3600, day);   /* before the epoch's local midnight */
    assert_string_equal(day, "1969-12-31");
}

static void test_day_start(void **state) {
    (void)state;
    duty_settings s;
    duty_settings_default(&s);
    assert_int_equal(duty_day_start(&s, "2026-11-30"), MON_0000);
    assert_int_equal(duty_day_start(&s, "2026-12-01"), MON_0000 + 86400);
    assert_int_equal(duty_day_start(&s, "2028-02-29"), duty_day_start(&s, "2028-02-28") + 86400);
    assert_int_equal(duty_day_start(&s, "2027-02-29"), -1);
    assert_int_equal(duty_day_start(&s, "2026-11-3"), -1);
    assert_int_equal(duty_day_start(&s, "2026/11/30"), -1);
    assert_int_equal(duty_day_start(&s, ""), -1);
    s.utc_offset_min = 0;
    assert_int_equal(duty_day_start(&s, "2026-11-30"), MON_0000 + 8 * 3600);
}

static duty_settings parse_ok(const char *text) {
    duty_settings s;
    duty_settings_default(&s);
    json_t *j = json_loads(text, 0, NULL);
    xerr e = {0};
    assert_non_null(j);
    assert_int_equal(duty_settings_parse(j, &s, &e), 0);
    json_decref(j);
    return s;
}

/* The change is refused with code and detail, and s stays the defaults. */
static void parse_bad(const char *text, const char *code, const char *detail) {
    duty_settings s, d;
    duty_settings_default(&s);
    duty_settings_default(&d);
    json_t *j = json_loads(text, 0, NULL);
    xerr e = {0};
    assert_non_null(j);
    assert_int_equal(duty_settings_parse(j, &s, &e), -1);
    assert_int_equal(e.status, 400);
    assert_string_equal(e.code, code);
    assert_string_equal(e.detail, detail);
    assert_memory_equal(&s, &d, sizeof s);
    json_decref(j);
}

static void test_settings_json(void **state) {
    (void)state;
    duty_settings s, back;
    duty_settings_default(&s);
    json_t *j = duty_settings_json(&s);
    char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    assert_non_null(strstr(text, "\"windows\":[{\"end\":\"09:30\",\"start\":\"08:30\"},{\"end\":\"15:30\",\"start\":\"14:30\"}]"));
    assert_non_null(strstr(text, "\"workdays\":[1,2,3,4,5]"));
    back = parse_ok(text);
    assert_memory_equal(&s, &back, sizeof s);
    free(text);
    json_decref(j);
}

static void test_settings_parse(void **state) {
    (void)state;
    duty_settings s = parse_ok("{\"windows\":[{\"start\":\"14:00\",\"end\":\"24:00\"},{\"start\":\"00:00\",\"end\":\"08:00\"}],"
                               "\"workdays\":[0,6],\"escalation\":{\"recall_notices\":5},\"accuracy_max_m\":75.5}");
    assert_int_equal(s.nwindows, 2);
    assert_int_equal(s.windows[0].start_min, 0);            /* sorted by start */
    assert_int_equal(s.windows[1].end_min, 24 * 60);
    assert_int_equal(s.workdays, 0x41u);
    assert_int_equal(s.recall_notices, 5);
    assert_int_equal(s.notice_misses, 3);                   /* merged: the rest kept */
    assert_true(s.accuracy_max_m == 75.5);
    s = parse_ok("{\"windows\":[]}");
    assert_int_equal(s.nwindows, 0);

    parse_bad("{\"workdays\":[7]}", "invalid_value", "workdays");
    parse_bad("{\"workdays\":[1,1]}", "invalid_value", "workdays");
    parse_bad("{\"workdays\":[1.5]}", "invalid_type", "workdays");
    parse_bad("{\"windows\":[{\"start\":\"08:00\",\"end\":\"07:59\"}]}", "invalid_value", "windows.end");
    parse_bad("{\"windows\":[{\"start\":\"24:01\",\"end\":\"24:30\"}]}", "invalid_value", "windows.start");
    parse_bad("{\"windows\":[{\"start\":\"8:00\",\"end\":\"09:00\"}]}", "invalid_value", "windows.start");
    parse_bad("{\"windows\":[{\"start\":\"08:00\",\"end\":\"09:01\"},{\"start\":\"09:00\",\"end\":\"10:00\"}]}",
              "duty_windows_overlap", "windows");
    parse_bad("{\"windows\":[{\"start\":1,\"end\":\"09:00\"}]}", "invalid_type", "windows.start");
    parse_bad("{\"utc_offset_min\":841}", "invalid_value", "utc_offset_min");
    parse_bad("{\"speed_max_kmh\":\"fast\"}", "invalid_type", "speed_max_kmh");
    parse_bad("{\"retention_days\":0}", "invalid_value", "retention_days");
    parse_bad("{\"escalation\":{\"notice_days\":400}}", "invalid_value", "escalation.notice_days");
    parse_bad("{\"escalation\":{\"ladder\":1}}", "duty_unknown_field", "escalation.ladder");
    parse_bad("{\"retention_days\":100,\"bogus\":1}", "duty_unknown_field", "bogus");
    /* Adjacent windows are fine. */
    s = parse_ok("{\"windows\":[{\"start\":\"08:00\",\"end\":\"09:00\"},{\"start\":\"09:00\",\"end\":\"10:00\"}]}");
    assert_int_equal(s.nwindows, 2);
}

static void exec_ok(db *d, const char *sql) {
    xerr e = {0};
    if (db_exec(d, sql, &e)) fail_msg("%s: %s %s", sql, e.code, e.detail);
}

static void test_working_and_excused(void **state) {
    (void)state;
    xerr e = {0};
    db *d = db_open("sqlite::memory:", &e);
    assert_non_null(d);
    assert_int_equal(migrate_up(d, &e), migrate_latest());
    exec_ok(d, "INSERT INTO org_node (id, code, name, level, path, depth, created_at, updated_at)"
               " VALUES (1, '511423000000', '县', 'county', '/1/', 0, 0, 0);"
               "INSERT INTO app_user (id, login, display_name, role, org_id, password_hash, created_at, updated_at)"
               " VALUES (7, 'sec', '书记', 'secretary', 1, 'x', 0, 0);"
               "INSERT INTO duty_holiday (day, working, name) VALUES ('2026-12-02', 0, '假日'), ('2026-12-05', 1, '调休');"
               "INSERT INTO duty_leave (user_id, kind, start_day, end_day, reason, status, created_at) VALUES"
               " (7, 'leave', '2026-12-03', '2026-12-04', 'x', 'approved', 0),"
               " (7, 'trip', '2026-12-07', '2026-12-07', 'x', 'pending', 0),"
               " (7, 'trip', '2026-12-08', '2026-12-08', 'x', 'rejected', 0);");
    duty_settings s;
    assert_int_equal(duty_settings_load(d, &s, &e), 0);   /* nothing stored: the defaults */
    assert_int_equal(s.nwindows, 2);
    static const struct { const char *day; int working; } W[] = {
        {"2026-11-30", 1}, {"2026-12-01", 1}, {"2026-12-02", 0}, {"2026-12-04", 1}, {"2026-12-05", 1}, {"2026-12-06", 0},
    };
    for (size_t i = 0; i < sizeof W / sizeof W[0]; i++) assert_int_equal(duty_is_working(d, &s, W[i].day, &e), W[i].working);
    assert_int_equal(duty_is_working(d, &s, "2026-13-01", &e), -1);
    assert_int_equal(duty_excused(d, 7, "2026-12-02", &e), 0);
    assert_int_equal(duty_excused(d, 7, "2026-12-03", &e), 1);
    assert_int_equal(duty_excused(d, 7, "2026-12-04", &e), 1);
    assert_int_equal(duty_excused(d, 7, "2026-12-07", &e), 0);   /* pending */
    assert_int_equal(duty_excused(d, 7, "2026-12-08", &e), 0);   /* rejected */
    assert_int_equal(duty_excused(d, 8, "2026-12-03", &e), 0);   /* someone else */
    /* Saved settings come back; the audit record is written with them. */
    duty_settings after = s;
    after.workdays = 0x7e;
    audit_ctx ctx = {.actor_id = 0, .actor_login = "system", .now = 1};
    exec_ok(d, "BEGIN");
    assert_int_equal(duty_settings_save(d, &ctx, &s, &after, &e), 0);
    exec_ok(d, "COMMIT");
    assert_int_equal(duty_settings_load(d, &s, &e), 0);
    assert_int_equal(s.workdays, 0x7e);
    assert_int_equal(duty_is_working(d, &s, "2026-12-06", &e), 0);   /* Sunday still off */
    assert_int_equal(duty_is_working(d, &s, "2026-12-12", &e), 1);   /* Saturdays now worked */
    db_close(d);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_local_day),
        cmocka_unit_test(test_day_start),
        cmocka_unit_test(test_settings_json),
        cmocka_unit_test(test_settings_parse),
        cmocka_unit_test(test_working_and_excused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
