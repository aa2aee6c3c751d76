/*
** test_audit.c: the audit chain and the SQLite back end, on a temporary
** database: migrations apply once, records chain and verify, the table
** refuses UPDATE and DELETE, and verify names the first altered, missing or
** reordered record once an attacker with file access drops the triggers.
*/
#include "audit/audit.h"
#include "core/crypto.h"
#include "db/db.h"
#include "db/migrate.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char g_dir[64], g_url[128];

static void exec_ok(db *d, const char *sql) {
    xerr e = {0};
    if (db_exec(d, sql, &e)) fail_msg("%s: %s %s", sql, e.code, e.detail);
}

static db *fresh_db(void) {
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -f %s/t.db %s/t.db-wal %s/t.db-shm", g_dir, g_dir, g_dir);
    assert_int_equal(system(cmd), 0);
    xerr e = {0};
    db *d = db_open(g_url, &e);
    assert_non_null(d);
    assert_int_equal(migrate_up(d, &e), migrate_latest());   /* versions run 1..N */
    assert_int_equal(migrate_up(d, &e), 0);   /* idempotent */
    return d;
}

static int setup(void **state) {
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/xc-unit-audit-%d", (int)getpid());
    char cmd[512];
    snprintf(cmd, sizeof cmd, "mkdir -p %s", g_dir);
    if (system(cmd)) return -1;
    snprintf(g_url, sizeof g_url, "sqlite:%s/t.db", g_dir);
    char key[256];
    snprintf(key, sizeof key, "%s/key", g_dir);
    xerr e = {0};
    return crypto_init(key, 1, &e);
}

static int teardown(void **state) {
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
    return system(cmd);
}

static void append_n(db *d, int n) {
    xerr e = {0};
    audit_ctx ctx = {7, "tester", "127.0.0.1", 1700000000};
    assert_int_equal(db_begin(d, &e), 0);
    for (int i = 0; i < n; i++) {
        json_t *after = json_pack("{s:i, s:s}", "n", i, "name", "测试");
        assert_int_equal(audit_append_id(d, &ctx, "test.append", "thing", i, NULL, after, &e), 0);
        json_decref(after);
    }
    assert_int_equal(db_commit(d, &e), 0);
}

static int verify(db *d, int64_t *bad, char *reason) {
    xerr e = {0};
    int64_t count = 0;
    int rc = audit_verify(d, &count, bad, reason, 200, &e);
    assert_true(rc >= 0);
    return rc;
}

static void test_chain_verifies(void **state) {
    (void)state;
    db *d = fresh_db();
    append_n(d, 5);
    int64_t bad = 0;
    char reason[200];
    assert_int_equal(verify(d, &bad, reason), 0);
    db_close(d);
}

static void test_append_only(void **state) {
    (void)state;
    db *d = fresh_db();
    append_n(d, 2);
    xerr e = {0};
    assert_int_equal(db_exec(d, "UPDATE audit_log SET action = 'x' WHERE seq = 1", &e), -1);
    assert_int_equal(db_exec(d, "DELETE FROM audit_log WHERE seq = 1", &e), -1);
    db_close(d);
}

static void drop_triggers(db *d) {
    exec_ok(d, "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;");
}

static void test_detects_alteration(void **state) {
    (void)state;
    db *d = fresh_db();
    append_n(d, 5);
    drop_triggers(d);
    exec_ok(d, "UPDATE audit_log SET after_json = '{\"n\":99}' WHERE seq = 3");
    int64_t bad = 0;
    char reason[200];
    assert_int_equal(verify(d, &bad, reason), 1);
    assert_int_equal(bad, 3);
    assert_non_null(strstr(reason, "altered"));
    db_close(d);
}

static void test_detects_deletion(void **state) {
    (void)state;
    db *d = fresh_db();
    append_n(d, 5);
    drop_triggers(d);
    exec_ok(d, "DELETE FROM audit_log WHERE seq = 2");
    int64_t bad = 0;
    char reason[200];
    assert_int_equal(verify(d, &bad, reason), 1);
    assert_int_equal(bad, 2);
    assert_non_null(strstr(reason, "missing"));
    db_close(d);
}

static void test_detects_reorder(void **state) {
    (void)state;
    db *d = fresh_db();
    append_n(d, 5);
    drop_triggers(d);
    exec_ok(d, "UPDATE audit_log SET seq = 100 WHERE seq = 2;"
               "UPDATE audit_log SET seq = 2 WHERE seq = 4;"
               "UPDATE audit_log SET seq = 4 WHERE seq = 100;");
    int64_t bad = 0;
    char reason[200];
    assert_int_equal(verify(d, &bad, reason), 1);
    assert_int_equal(bad, 2);
    db_close(d);
}

/* Recomputing the hashes without the key does not help the attacker. */
static void test_forged_hash_fails(void **state) {
    (void)state;
    db *d = fresh_db();
    append_n(d, 3);
    drop_triggers(d);
    exec_ok(d, "UPDATE audit_log SET hash = lower(hex(randomblob(32))) WHERE seq = 3");
    int64_t bad = 0;
    char reason[200];
    assert_int_equal(verify(d, &bad, reason), 1);
    assert_int_equal(bad, 3);
    db_close(d);
}

static void test_sqlite_interface(void **state) {
    (void)state;
    db *d = fresh_db();
    xerr e = {0};
    exec_ok(d, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, score REAL)");
    db_stmt *st = db_prepare(d, "INSERT INTO t (name, score, id) VALUES ($2, $3, $1)", &e);
    assert_non_null(st);
    assert_ptr_equal(st, db_prepare(d, "INSERT INTO t (name, score, id) VALUES ($2, $3, $1)", &e));
    db_bind_int(st, 1, 42);
    db_bind_text(st, 2, "甲");
    db_bind_double(st, 3, 2.5);
    assert_int_equal(db_step(st, &e), 0);
    assert_int_equal(db_changes(st), 1);
    db_done(st);
    db_bind_int(st, 1, 43);
    db_bind_text(st, 2, "甲");
    db_bind_null(st, 3);
    assert_int_equal(db_step(st, &e), -1);
    assert_int_equal(e.status, 409);
    assert_string_equal(e.code, "conflict");
    db_done(st);
    st = db_prepare(d, "SELECT id, name, score, NULL FROM t WHERE id = $1", &e);
    db_bind_int(st, 1, 42);
    assert_int_equal(db_step(st, &e), 1);
    assert_int_equal(db_col_int(st, 0), 42);
    assert_string_equal(db_col_text(st, 1), "甲");
    assert_true(db_col_double(st, 2) == 2.5);
    assert_true(db_col_isnull(st, 3));
    assert_null(db_col_text(st, 3));
    assert_int_equal(db_changes(st), 0);
    assert_int_equal(db_step(st, &e), 0);
    db_done(st);
    assert_int_equal(db_begin(d, &e), 0);
    assert_int_equal(db_run_id(d, "DELETE FROM t WHERE id = $1", 42, &e), 1);
    db_rollback(d);
    assert_int_equal(db_run_id(d, "UPDATE t SET score = 1 WHERE id = $1", 42, &e), 1);
    db_close(d);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain_verifies),
        cmocka_unit_test(test_append_only),
        cmocka_unit_test(test_detects_alteration),
        cmocka_unit_test(test_detects_deletion),
        cmocka_unit_test(test_detects_reorder),
        cmocka_unit_test(test_forged_hash_fails),
        cmocka_unit_test(test_sqlite_interface),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
