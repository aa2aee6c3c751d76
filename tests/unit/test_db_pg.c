/*
** test_db_pg.c: the PostgreSQL back end (db/pg.c) through the public db.h
** interface, against a real server: XIANGCUN_TEST_PG_URL names it (see
** tests/pg/cluster.sh); every test is skipped when it is unset. Each run works
** in its own schema, so several runs may share one server.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "core/strbuf.h"

static char *g_url;     /* XIANGCUN_TEST_PG_URL with search_path set to our schema */
static char g_schema[32];

/* The server URL, or skip the test. */
static const char *base_url(void) {
    const char *u = getenv("XIANGCUN_TEST_PG_URL");
    if (!u || !*u) skip();
    return u;
}

static db *open_db(void) {
    xerr e = { 0 };
    db *d = db_open(g_url, &e);
    if (!d) fail_msg("db_open: %s %s", e.code, e.detail);
    return d;
}

static void exec_ok(db *d, const char *sql) {
    xerr e = { 0 };
    if (db_exec(d, sql, &e)) fail_msg("db_exec(%s): %s %s", sql, e.code, e.detail);
}

/* Run a one-row query with no parameters and return column 0 as an integer. */
static int64_t query_int(db *d, const char *sql) {
    xerr e = { 0 };
    db_stmt *st = db_prepare(d, sql, &e);
    if (!st) fail_msg("db_prepare(%s): %s %s", sql, e.code, e.detail);
    int rc = db_step(st, &e);
    if (rc != 1) fail_msg("db_step(%s) = %d: %s %s", sql, rc, e.code, e.detail);
    int64_t v = db_col_int(st, 0);
    db_done(st);
    return v;
}

/* Create a private schema and point g_url's search_path at it. */
static int group_setup(void **state) {
    (void)state;
    const char *u = getenv("XIANGCUN_TEST_PG_URL");
    if (!u || !*u) return 0;
    snprintf(g_schema, sizeof g_schema, "test_db_pg_%ld", (long)getpid());
    strbuf sb = STRBUF_INIT;
    strbuf_addf(&sb, "%s%coptions=-csearch_path%%3D%s", u, strchr(u, '?') ? '&' : '?', g_schema);
    g_url = strbuf_detach(&sb);
    xerr e = { 0 };
    db *d = db_open(u, &e);
    if (!d) {
        fprintf(stderr, "cannot open %s: %s %s\n", u, e.code, e.detail);
        return -1;
    }
    strbuf_addf(&sb, "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s;", g_schema, g_schema);
    int rc = db_exec(d, strbuf_str(&sb), &e);
    strbuf_release(&sb);
    db_close(d);
    return rc;
}

static int group_teardown(void **state) {
    (void)state;
    const char *u = getenv("XIANGCUN_TEST_PG_URL");
    if (u && *u) {
        xerr e = { 0 };
        db *d = db_open(u, &e);
        if (d) {
            char sql[96];
            snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE", g_schema);
            db_exec(d, sql, &e);
            db_close(d);
        }
    }
    free(g_url);
    return 0;
}

/* Each test gets a fresh connection and a fresh table t. */
static int setup(void **state) {
    if (!getenv("XIANGCUN_TEST_PG_URL")) return 0;
    db *d = open_db();
    exec_ok(d, "DROP TABLE IF EXISTS t2; DROP TABLE IF EXISTS t;"
               "CREATE TABLE t (id bigint PRIMARY KEY, name text UNIQUE, score double precision,"
               " note text, n integer NOT NULL DEFAULT 0 CHECK (n >= 0));"
               "CREATE TABLE t2 (t_id bigint NOT NULL REFERENCES t(id));");
    *state = d;
    return 0;
}

static int teardown(void **state) {
    db_close(*state);
    *state = NULL;
    return 0;
}

static void insert_row(db *d, int64_t id, const char *name, double score, const char *note) {
    xerr e = { 0 };
    db_stmt *st = db_prepare(d, "INSERT INTO t (id, name, score, note) VALUES ($1, $2, $3, $4)", &e);
    assert_non_null(st);
    db_bind_int(st, 1, id);
    db_bind_text(st, 2, name);
    db_bind_double(st, 3, score);
    if (note) db_bind_text(st, 4, note);
    else db_bind_null(st, 4);
    if (db_step(st, &e) != 0) fail_msg("insert: %s %s", e.code, e.detail);
    assert_int_equal(db_changes(st), 1);
    db_done(st);
}

static void test_bind_and_read_back(void **state) {
    base_url();
    db *d = *state;
    assert_int_equal(db_kind_of(d), DB_POSTGRES);
    insert_row(d, 1, "甲村 village", 0.1, "note");
    insert_row(d, INT64_C(9007199254740993), "big", -1e300, NULL);

    xerr e = { 0 };
    db_stmt *st = db_prepare(d, "SELECT id, name, score, note FROM t ORDER BY id", &e);
    assert_non_null(st);
    assert_int_equal(db_step(st, &e), 1);
    assert_int_equal(db_col_count(st), 4);
    assert_string_equal(db_col_name(st, 1), "name");
    assert_int_equal(db_col_int(st, 0), 1);
    assert_string_equal(db_col_text(st, 1), "甲村 village");
    assert_true(db_col_double(st, 2) == 0.1);
    assert_string_equal(db_col_text(st, 3), "note");
    assert_false(db_col_isnull(st, 3));

    assert_int_equal(db_step(st, &e), 1);
    assert_true(db_col_int(st, 0) == INT64_C(9007199254740993));
    assert_true(db_col_double(st, 2) == -1e300);
    assert_null(db_col_text(st, 3));
    assert_true(db_col_isnull(st, 3));
    assert_int_equal(db_col_int(st, 3), 0);
    /* Out of range columns read as NULL rather than crashing. */
    assert_null(db_col_text(st, 9));
    assert_null(db_col_name(st, 9));

    assert_int_equal(db_step(st, &e), 0);
    assert_int_equal(db_step(st, &e), 0);
    db_done(st);
}

static void test_null_binding(void **state) {
    base_url();
    db *d = *state;
    insert_row(d, 1, "a", 1.5, NULL);
    xerr e = { 0 };
    /* db_bind_text(NULL) binds NULL; an unbound parameter is NULL too. */
    db_stmt *st = db_prepare(d, "INSERT INTO t (id, name, note) VALUES ($1, $2, $3)", &e);
    assert_non_null(st);
    db_bind_int(st, 1, 2);
    db_bind_text(st, 2, NULL);
    assert_int_equal(db_step(st, &e), 0);
    db_done(st);
    assert_int_equal(query_int(d, "SELECT count(*) FROM t WHERE name IS NULL AND note IS NULL"), 1);

    /* A bare "$1 IS NULL" gives PostgreSQL no type to infer: it needs a CAST. */
    st = db_prepare(d, "SELECT count(*) FROM t WHERE $1 IS NULL OR name = $1", &e);
    assert_null(st);
    assert_int_equal(e.status, 500);
    assert_string_equal(e.code, "db_error");
    assert_non_null(strstr(e.detail, "could not determine data type of parameter $1"));

    st = db_prepare(d, "SELECT count(*) FROM t WHERE CAST($1 AS text) IS NULL OR name = $1", &e);
    assert_non_null(st);
    db_bind_null(st, 1);
    assert_int_equal(db_step(st, &e), 1);
    assert_int_equal(db_col_int(st, 0), 2);
    db_done(st);
    db_bind_text(st, 1, "a");
    assert_int_equal(db_step(st, &e), 1);
    assert_int_equal(db_col_int(st, 0), 1);
    db_done(st);
}

static void test_changes(void **state) {
    base_url();
    db *d = *state;
    insert_row(d, 1, "a", 1, NULL);
    insert_row(d, 2, "b", 2, NULL);
    insert_row(d, 3, "c", 3, NULL);
    xerr e = { 0 };
    db_stmt *st = db_prepare(d, "UPDATE t SET note = $1 WHERE id >= $2", &e);
    assert_non_null(st);
    db_bind_text(st, 1, "x");
    db_bind_int(st, 2, 2);
    assert_int_equal(db_step(st, &e), 0);
    assert_int_equal(db_changes(st), 2);
    db_done(st);

    st = db_prepare(d, "DELETE FROM t WHERE id = $1 RETURNING name", &e);
    assert_non_null(st);
    db_bind_int(st, 1, 3);
    assert_int_equal(db_step(st, &e), 1);
    assert_string_equal(db_col_text(st, 0), "c");
    assert_int_equal(db_changes(st), 1);
    assert_int_equal(db_step(st, &e), 0);
    db_done(st);

    st = db_prepare(d, "SELECT id FROM t", &e);
    assert_non_null(st);
    assert_int_equal(db_step(st, &e), 1);
    db_done(st);
    assert_int_equal(db_changes(st), 0);   /* a SELECT changes nothing */
}

static void test_constraint_errors(void **state) {
    base_url();
    db *d = *state;
    insert_row(d, 1, "secret-name", 1, NULL);
    xerr e = { 0 };
    db_stmt *st = db_prepare(d, "INSERT INTO t (id, name) VALUES ($1, $2)", &e);
    assert_non_null(st);
    db_bind_int(st, 1, 2);
    db_bind_text(st, 2, "secret-name");
    assert_int_equal(db_step(st, &e), -1);
    assert_int_equal(e.status, 409);
    assert_string_equal(e.code, "conflict");
    assert_string_equal(e.detail, "t_name_key");
    db_done(st);

    st = db_prepare(d, "INSERT INTO t2 (t_id) VALUES ($1)", &e);
    assert_non_null(st);
    db_bind_int(st, 1, 42);
    assert_int_equal(db_step(st, &e), -1);
    assert_int_equal(e.status, 400);
    assert_string_equal(e.code, "constraint_failed");
    assert_string_equal(e.detail, "t2_t_id_fkey");
    db_done(st);

    st = db_prepare(d, "UPDATE t SET n = $1 WHERE id = 1", &e);
    assert_non_null(st);
    db_bind_int(st, 1, -1);
    assert_int_equal(db_step(st, &e), -1);
    assert_int_equal(e.status, 400);
    assert_string_equal(e.detail, "t_n_check");
    db_done(st);

    st = db_prepare(d, "INSERT INTO t2 (t_id) VALUES (NULL)", &e);
    assert_non_null(st);
    assert_int_equal(db_step(st, &e), -1);
    assert_int_equal(e.status, 400);
    assert_string_equal(e.detail, "t_id");
    db_done(st);

    /* A value of the wrong type: the detail never quotes the value. */
    st = db_prepare(d, "SELECT id FROM t WHERE id = $1", &e);
    assert_non_null(st);
    db_bind_text(st, 1, "secret-value");
    assert_int_equal(db_step(st, &e), -1);
    assert_int_equal(e.status, 500);
    assert_string_equal(e.code, "db_error");
    assert_null(strstr(e.detail, "secret"));
    assert_non_null(strstr(e.detail, "22P02"));
    db_done(st);

    /* The connection is still usable. */
    assert_int_equal(query_int(d, "SELECT count(*) FROM t"), 1);
}

static void test_transactions(void **state) {
    base_url();
    db *d = *state;
    xerr e = { 0 };
    assert_int_equal(db_begin(d, &e), 0);
    assert_true(db_in_tx(d));
    insert_row(d, 1, "a", 1, NULL);
    db_rollback(d);
    assert_false(db_in_tx(d));
    assert_int_equal(query_int(d, "SELECT count(*) FROM t"), 0);

    assert_int_equal(db_begin(d, &e), 0);
    insert_row(d, 2, "b", 1, NULL);
    assert_int_equal(db_commit(d, &e), 0);
    assert_int_equal(query_int(d, "SELECT count(*) FROM t"), 1);

    /* After an error PostgreSQL aborts the whole transaction: COMMIT must fail. */
    assert_int_equal(db_begin(d, &e), 0);
    insert_row(d, 3, "c", 1, NULL);
    db_stmt *st = db_prepare(d, "INSERT INTO t (id) VALUES ($1)", &e);
    assert_non_null(st);
    db_bind_int(st, 1, 2);
    assert_int_equal(db_step(st, &e), -1);
    assert_int_equal(e.status, 409);
    db_done(st);
    assert_int_equal(db_commit(d, &e), -1);
    assert_string_equal(e.code, "db_error");
    assert_false(db_in_tx(d));
    assert_int_equal(query_int(d, "SELECT count(*) FROM t"), 1);
}

static void test_lock_chain(void **state) {
    base_url();
    db *d = *state;
    xerr e = { 0 };
    assert_int_equal(db_lock_chain(d, &e), -1);     /* outside a transaction: a bug */
    assert_int_equal(db_begin(d, &e), 0);
    assert_int_equal(db_lock_chain(d, &e), 0);
    assert_int_equal(query_int(d, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                                  " AND objid = 7461 AND pid = pg_backend_pid()"), 1);
    assert_int_equal(db_commit(d, &e), 0);
    assert_int_equal(query_int(d, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                                  " AND objid = 7461 AND pid = pg_backend_pid()"), 0);
}

static void test_statement_cache(void **state) {
    base_url();
    db *d = *state;
    xerr e = { 0 };
    const char *sql = "SELECT $1 || 'x'";
    db_stmt *a = db_prepare(d, sql, &e);
    assert_non_null(a);
    db_bind_text(a, 1, "a");
    assert_int_equal(db_step(a, &e), 1);
    assert_string_equal(db_col_text(a, 0), "ax");
    db_done(a);
    db_stmt *b = db_prepare(d, sql, &e);
    assert_ptr_equal(a, b);
    /* db_done cleared the bindings: unbound is NULL. */
    assert_int_equal(db_step(b, &e), 1);
    assert_null(db_col_text(b, 0));
    db_done(b);
    assert_int_equal(query_int(d, "SELECT count(*) FROM pg_prepared_statements"
                                  " WHERE statement = 'SELECT $1 || ''x'''"), 1);

    /* A statement prepared inside a rolled-back transaction stays usable. */
    assert_int_equal(db_begin(d, &e), 0);
    db_stmt *c = db_prepare(d, "SELECT count(*) FROM t WHERE id > $1", &e);
    assert_non_null(c);
    db_rollback(d);
    db_bind_int(c, 1, 0);
    assert_int_equal(db_step(c, &e), 1);
    assert_int_equal(db_col_int(c, 0), 0);
    db_done(c);

    /* A bound parameter the SQL does not use is ignored, as on SQLite. */
    db_stmt *x = db_prepare(d, "SELECT $1::text", &e);
    assert_non_null(x);
    db_bind_text(x, 1, "a");
    db_bind_text(x, 2, "b");
    assert_int_equal(db_step(x, &e), 1);
    assert_string_equal(db_col_text(x, 0), "a");
    db_done(x);
}

static void test_parameter_order(void **state) {
    base_url();
    db *d = *state;
    xerr e = { 0 };
    db_stmt *st = db_prepare(d, "INSERT INTO t (name, id, note) VALUES ($2, $1, $2 || '!')", &e);
    assert_non_null(st);
    db_bind_int(st, 1, 7);
    db_bind_text(st, 2, "seven");
    assert_int_equal(db_step(st, &e), 0);
    db_done(st);
    st = db_prepare(d, "SELECT $2::text, id, name, note FROM t WHERE id = $1", &e);
    assert_non_null(st);
    db_bind_text(st, 2, "second");
    db_bind_int(st, 1, 7);
    assert_int_equal(db_step(st, &e), 1);
    assert_string_equal(db_col_text(st, 0), "second");
    assert_int_equal(db_col_int(st, 1), 7);
    assert_string_equal(db_col_text(st, 2), "seven");
    assert_string_equal(db_col_text(st, 3), "seven!");
    db_done(st);
}

/* Results are read in full, so another statement may run while one is read. */
static void test_nested_statements(void **state) {
    base_url();
    db *d = *state;
    insert_row(d, 1, "a", 1, NULL);
    insert_row(d, 2, "b", 2, NULL);
    xerr e = { 0 };
    db_stmt *outer = db_prepare(d, "SELECT id FROM t ORDER BY id", &e);
    assert_non_null(outer);
    int rows = 0;
    while (db_step(outer, &e) == 1) {
        db_stmt *inner = db_prepare(d, "UPDATE t SET note = $1 WHERE id = $2", &e);
        assert_non_null(inner);
        db_bind_text(inner, 1, "seen");
        db_bind_int(inner, 2, db_col_int(outer, 0));
        assert_int_equal(db_step(inner, &e), 0);
        db_done(inner);
        rows++;
    }
    db_done(outer);
    assert_int_equal(rows, 2);
    assert_int_equal(query_int(d, "SELECT count(*) FROM t WHERE note = 'seen'"), 2);
}

static void test_booleans_are_integers(void **state) {
    base_url();
    db *d = *state;
    xerr e = { 0 };
    db_stmt *st = db_prepare(d, "SELECT 1 = 1, EXISTS (SELECT 1 FROM t), NULL::boolean", &e);
    assert_non_null(st);
    assert_int_equal(db_step(st, &e), 1);
    assert_string_equal(db_col_text(st, 0), "1");
    assert_string_equal(db_col_text(st, 1), "0");
    assert_int_equal(db_col_int(st, 0), 1);
    assert_null(db_col_text(st, 2));
    db_done(st);
}

static void test_exec_script(void **state) {
    base_url();
    db *d = *state;
    exec_ok(d, "INSERT INTO t (id) VALUES (1); INSERT INTO t (id) VALUES (2);\n"
               "UPDATE t SET note = 'x';");
    assert_int_equal(query_int(d, "SELECT count(*) FROM t WHERE note = 'x'"), 2);
    exec_ok(d, "");
    xerr e = { 0 };
    assert_int_equal(db_exec(d, "SELEC 1", &e), -1);
    assert_int_equal(e.status, 500);
    assert_string_equal(e.code, "db_error");
    assert_non_null(strstr(e.detail, "42601"));
    assert_int_equal(db_exec(d, "INSERT INTO t (id) VALUES (1)", &e), -1);
    assert_int_equal(e.status, 409);
    /* Session settings made at connect time. */
    assert_int_equal(query_int(d, "SELECT count(*) FROM pg_settings WHERE name = 'TimeZone'"
                                  " AND setting = 'UTC'"), 1);
}

static int64_t backend_pid(db *d) { return query_int(d, "SELECT pg_backend_pid()"); }

static void kill_backend(int64_t pid) {
    db *killer = open_db();
    xerr e = { 0 };
    db_stmt *st = db_prepare(killer, "SELECT pg_terminate_backend(CAST($1 AS integer))", &e);
    assert_non_null(st);
    db_bind_int(st, 1, pid);
    assert_int_equal(db_step(st, &e), 1);
    assert_string_equal(db_col_text(st, 0), "1");
    db_done(st);
    db_close(killer);
    usleep(100 * 1000);
}

static void test_reconnect(void **state) {
    base_url();
    db *d = *state;
    insert_row(d, 1, "a", 1, NULL);
    xerr e = { 0 };
    const char *sql = "SELECT name FROM t WHERE id = $1";
    db_stmt *st = db_prepare(d, sql, &e);
    assert_non_null(st);
    db_done(st);

    /* Idle connection killed: the next statement fails once, then all works
    ** again and cached statements are prepared anew. */
    int64_t pid = backend_pid(d);
    kill_backend(pid);
    db_bind_int(st, 1, 1);
    assert_int_equal(db_step(st, &e), -1);
    assert_int_equal(e.status, 503);
    db_done(st);
    db_bind_int(st, 1, 1);
    assert_int_equal(db_step(st, &e), 1);
    assert_string_equal(db_col_text(st, 0), "a");
    db_done(st);
    assert_int_not_equal(backend_pid(d), pid);

    /* Idle connection killed: BEGIN reconnects by itself. */
    kill_backend(backend_pid(d));
    assert_int_equal(db_begin(d, &e), 0);
    db_rollback(d);

    /* Killed inside a transaction: everything fails until the rollback. */
    assert_int_equal(db_begin(d, &e), 0);
    insert_row(d, 2, "b", 1, NULL);
    kill_backend(backend_pid(d));
    db_bind_int(st, 1, 1);
    assert_int_equal(db_step(st, &e), -1);
    db_done(st);
    db_bind_int(st, 1, 1);
    assert_int_equal(db_step(st, &e), -1);
    assert_string_equal(e.detail, "connection lost inside a transaction");
    db_done(st);
    assert_int_equal(db_commit(d, &e), -1);
    assert_false(db_in_tx(d));
    assert_int_equal(query_int(d, "SELECT count(*) FROM t"), 1);
}

static void test_open_errors(void **state) {
    (void)state;
    base_url();
    xerr e = { 0 };
    assert_null(db_open("postgresql://u:hunter2@/x?host=/nonexistent-dir&port=1", &e));
    assert_int_equal(e.status, 500);
    assert_string_equal(e.code, "db_error");
    assert_null(strstr(e.detail, "hunter2"));
    assert_null(db_open("postgresql://u:hunter2@/x?bogus%zz=1", &e));
    assert_string_equal(e.code, "db_error");
    assert_null(strstr(e.detail, "hunter2"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bind_and_read_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_null_binding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_constraint_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lock_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_statement_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parameter_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nested_statements, setup, teardown),
        cmocka_unit_test_setup_teardown(test_booleans_are_integers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_script, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reconnect, setup, teardown),
        cmocka_unit_test(test_open_errors),
    };
    return cmocka_run_group_tests_name("db_pg", tests, group_setup, group_teardown);
}
