/*
** imports.c: household import over HTTP (the work is in io/import*.c).
**
** POST /api/v1/imports?mode=validate|commit|valid_only takes the raw file
** (CSV or XLSX) as the body, checks it as a whole (format, header) at once,
** and queues a job: 202 {"id"}. One worker thread runs the jobs in order on
** its own database connection: it validates every row, then in the commit
** modes writes in one transaction (all or nothing) — "commit" only when no row
** is bad, "valid_only" the good rows. Progress lives in memory while a job
** runs; the job's row in import_job keeps its final state and its report.
** A job left queued or running by a server that stopped is marked failed
** (import_jobs_recover() at start-up, and again when somebody asks for it).
*/
#include "api/api.h"
#include "db/db_json.h"
#include "core/clock.h"
#include "http/errors.h"
#include "io/csv.h"
#include "io/import.h"

#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_QUEUED 32               /* jobs waiting: each holds its parsed file in memory, */
#define MAX_QUEUED_ROWS 2000000     /* so their rows are bounded too */
#define STALE_SECONDS 120           /* PostgreSQL: a running job not heard of for this long is dead */
#define HEARTBEAT_SECONDS 5

static const char *const MODES[] = {"validate", "commit", "valid_only", NULL};

typedef struct job {
    struct job *next;
    int64_t id;
    import_sheet *sheet;
    import_mode mode;
    char scope[256], login[65], ip[64];
    int64_t actor_id;
    import_counts counts;           /* live progress, under g_mu */
    const char *phase;
    int64_t beat;                   /* last heartbeat written (PostgreSQL) */
    db *hb;                         /* the heartbeat's own connection (PostgreSQL) */
} job;

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static job *g_head, *g_tail, *g_current;
static int g_queued;
static int64_t g_queued_rows;
static int g_worker;
static char g_instance[33];         /* this process, as named in import_job.instance */
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void make_instance(void) {
    unsigned char raw[16];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(g_instance, sizeof g_instance, raw, sizeof raw);
}

static const char *instance(void) {
    pthread_once(&g_once, make_instance);
    return g_instance;
}

/* ---- the job table ------------------------------------------------------- */

/* Jobs another process left unfinished: on SQLite (one server per file) any
** such job; on PostgreSQL (several servers) one whose heartbeat stopped. */
#define DEAD_JOB \
    " status IN ('queued','running') AND instance <> $1 AND (CAST($2 AS BIGINT) = 1 OR updated_at < $3)"

int import_jobs_recover(db *d, xerr *e) {
    db_stmt *st = db_prepare(d, "UPDATE import_job SET status = 'failed', error = 'import_interrupted',"
                                " finished_at = $4, updated_at = $4 WHERE" DEAD_JOB, e);
    if (!st) return -1;
    int64_t now = clock_now();
    db_bind_text(st, 1, instance());
    db_bind_int(st, 2, db_kind_of(d) == DB_SQLITE);
    db_bind_int(st, 3, now - STALE_SECONDS);
    db_bind_int(st, 4, now);
    int rc = db_step(st, e);
    db_done(st);
    return rc < 0 ? -1 : 0;
}

static int job_insert(req *r, const job *j, int xlsx, int64_t *id) {
    if (api_begin(r)) return -1;
    db_stmt *st = db_prepare(r->db,
        "INSERT INTO import_job (user_id, org_path, mode, format, status, rows_total, instance, created_at,"
        " updated_at) VALUES ($1, $2, $3, $4, 'queued', $5, $6, $7, $7) RETURNING id", &r->err);
    if (!st) return -1;
    db_bind_int(st, 1, r->who.user_id);
    db_bind_text(st, 2, j->scope);
    db_bind_text(st, 3, MODES[j->mode]);
    db_bind_text(st, 4, xlsx ? "xlsx" : "csv");
    db_bind_int(st, 5, import_rows(j->sheet));
    db_bind_text(st, 6, instance());
    db_bind_int(st, 7, r->now);
    int rc = db_step(st, &r->err);
    *id = rc == 1 ? db_col_int(st, 0) : 0;
    db_done(st);
    return rc == 1 ? api_commit(r) : -1;
}

static int job_set_running(db *d, int64_t id, xerr *e) {
    db_stmt *st = db_prepare(d, "UPDATE import_job SET status = 'running', updated_at = $2 WHERE id = $1", e);
    if (!st) return -1;
    db_bind_int(st, 1, id);
    db_bind_int(st, 2, clock_now());
    int rc = db_step(st, e);
    db_done(st);
    return rc < 0 ? -1 : 0;
}

/* The problems as stored: "line\tcolumn\tcode\tnumber\tdetail\n" each. */
static void report_text(const import_plan *p, strbuf *out) {
    int n = 0;
    const import_problem *q = p ? import_problems(p, &n) : NULL;
    for (int i = 0; i < n; i++) {
        strbuf_addf(out, "%d\t%d\t%s\t%s\t", q[i].line, q[i].col, q[i].code, q[i].number);
        for (const char *s = q[i].detail; *s; s++) strbuf_addch(out, (unsigned char)*s < 0x20 ? ' ' : *s);
        strbuf_addch(out, '\n');
    }
}

static int job_finish(db *d, const job *j, const char *status, const char *error, const import_counts *c,
                      const strbuf *report, xerr *e) {
    db_stmt *st = db_prepare(d,
        "UPDATE import_job SET status = $2, error = $3, rows_done = $4, rows_bad = $5, households_created = $6,"
        " households_updated = $7, members_created = $8, members_updated = $9, unchanged = $10, report = $11,"
        " finished_at = $12, updated_at = $12 WHERE id = $1", e);
    if (!st) return -1;
    int64_t v[] = {c->rows_done, c->rows_bad, c->households_created, c->households_updated, c->members_created,
                   c->members_updated, c->unchanged};
    db_bind_int(st, 1, j->id);
    db_bind_text(st, 2, status);
    db_bind_text(st, 3, error);
    for (int i = 0; i < 7; i++) db_bind_int(st, 4 + i, v[i]);
    db_bind_text(st, 11, strbuf_str(report));
    db_bind_int(st, 12, clock_now());
    int rc = db_step(st, e);
    db_done(st);
    return rc < 0 ? -1 : 0;
}

/* ---- the worker ------------------------------------------------------------- */

/* PostgreSQL: write progress now and then on a connection of its own, so other
** servers can tell the job is alive (SQLite's writer lock would not allow it,
** and SQLite has one server anyway). */
static void heartbeat(job *j, const import_counts *c) {
    int64_t now = clock_now();
    if (now - j->beat < HEARTBEAT_SECONDS) return;
    j->beat = now;
    xerr e = {0};
    db_stmt *st = db_prepare(j->hb, "UPDATE import_job SET rows_done = $2, updated_at = $3 WHERE id = $1", &e);
    if (!st) return;
    db_bind_int(st, 1, j->id);
    db_bind_int(st, 2, c->rows_done);
    db_bind_int(st, 3, now);
    db_step(st, &e);   /* best effort: progress only */
    db_done(st);
}

static void on_progress(void *arg, const import_counts *c, const char *phase) {
    job *j = arg;
    pthread_mutex_lock(&g_mu);
    j->counts = *c;
    j->phase = phase;
    pthread_mutex_unlock(&g_mu);
    if (j->hb) heartbeat(j, c);
}

/* Write the plan in one transaction; the counts say nothing was written when it fails. */
static int commit_plan(db *d, import_plan *p, import_counts *c, xerr *e) {
    if (db_begin(d, e)) return -1;
    if (import_apply(d, p, c, e) || db_commit(d, e)) {
        if (db_in_tx(d)) db_rollback(d);
        return -1;
    }
    return 0;
}

static void zero_writes(import_counts *c) {
    c->households_created = c->households_updated = c->members_created = c->members_updated = 0;
}

/* Validate and, in the commit modes, write: the job's final status. */
static const char *run_plan(db *d, job *j, import_counts *c, strbuf *report, xerr *e) {
    import_opts o = {.mode = j->mode, .scope_path = j->scope, .job_id = j->id, .progress = on_progress,
                     .progress_arg = j};
    o.ctx = (audit_ctx){j->actor_id, j->login, j->ip, clock_now()};
    import_plan *p = import_plan_make(d, j->sheet, &o, c, e);
    if (!p) return "failed";
    report_text(p, report);
    const char *status = "done";
    if (j->mode == IMPORT_COMMIT && c->rows_bad) {
        zero_writes(c);
        c->unchanged = 0;
        status = "rejected";
    } else if (j->mode != IMPORT_VALIDATE && commit_plan(d, p, c, e)) {
        zero_writes(c);
        status = "failed";
    }
    c->rows_done = c->rows_total;
    import_plan_free(p);
    return status;
}

static void run_job(job *j) {
    xerr e = {0};
    db *d = db_open(db_url(), &e);
    if (!d) {
        fprintf(stderr, "xiangcun: import %lld: %s\n", (long long)j->id, e.detail);
        return;   /* stays queued; import_jobs_recover() fails it after a restart */
    }
    if (db_kind_of(d) == DB_POSTGRES) j->hb = db_open(db_url(), &e);
    /* SQLite: a cache big enough that one large import transaction does not
    ** spill pages to the WAL before it commits (64 MiB, this connection only). */
    else if (db_exec(d, "PRAGMA cache_size = -65536", &e)) fprintf(stderr, "xiangcun: import cache: %s\n", e.detail);
    import_counts c = {0};
    strbuf report = STRBUF_INIT;
    const char *status = job_set_running(d, j->id, &e) ? "failed" : run_plan(d, j, &c, &report, &e);
    const char *error = strcmp(status, "failed") ? NULL : (e.code ? e.code : "internal");
    if (error && e.status >= 500) fprintf(stderr, "xiangcun: import %lld: %s: %s\n", (long long)j->id, error, e.detail);
    xerr e2 = {0};
    if (job_finish(d, j, status, error, &c, &report, &e2))
        fprintf(stderr, "xiangcun: import %lld: cannot record the result: %s\n", (long long)j->id, e2.detail);
    strbuf_release(&report);
    db_close(j->hb);
    j->hb = NULL;
    db_close(d);
}

static void job_free(job *j) {
    if (!j) return;
    import_sheet_free(j->sheet);
    free(j);
}

static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&g_mu);
        while (!g_head) pthread_cond_wait(&g_cv, &g_mu);
        job *j = g_head;
        g_head = j->next;
        if (!g_head) g_tail = NULL;
        g_queued--;
        g_queued_rows -= import_rows(j->sheet);
        g_current = j;
        pthread_mutex_unlock(&g_mu);
        run_job(j);
        pthread_mutex_lock(&g_mu);
        g_current = NULL;
        pthread_mutex_unlock(&g_mu);
        job_free(j);
    }
    return NULL;
}

/* Queue a job, starting the worker on first use; -1 when the queue is full. */
static int enqueue(job *j) {
    pthread_mutex_lock(&g_mu);
    int rc = 0;
    if (!g_worker) {
        pthread_t t;
        if (pthread_create(&t, NULL, worker, NULL) == 0) {
            pthread_detach(t);
            g_worker = 1;
        } else {
            rc = -1;
        }
    }
    if (!rc) {
        if (g_tail) g_tail->next = j;
        else g_head = j;
        g_tail = j;
        g_queued++;
        g_queued_rows += import_rows(j->sheet);
        pthread_cond_signal(&g_cv);
    }
    pthread_mutex_unlock(&g_mu);
    return rc;
}

static int queue_full(int64_t rows) {
    pthread_mutex_lock(&g_mu);
    int full = g_queued >= MAX_QUEUED || (g_queued && g_queued_rows + rows > MAX_QUEUED_ROWS);
    pthread_mutex_unlock(&g_mu);
    return full;
}

/* This process's live view of job id: 1 queued, 2 running (progress copied), 0 not here. */
static int live(int64_t id, import_counts *c, const char **phase) {
    pthread_mutex_lock(&g_mu);
    int state = 0;
    if (g_current && g_current->id == id) {
        state = 2;
        *c = g_current->counts;
        *phase = g_current->phase;
    }
    for (job *j = g_head; !state && j; j = j->next)
        if (j->id == id) state = 1;
    pthread_mutex_unlock(&g_mu);
    return state;
}

/* Once per process, on the first use: fail the jobs a stopped server left. */
static void recover_once(req *r) {
    static atomic_int done;
    xerr e = {0};
    if (!atomic_exchange(&done, 1) && import_jobs_recover(r->db, &e))
        fprintf(stderr, "xiangcun: import recovery: %s\n", e.detail);
}

/* ---- POST /api/v1/imports ------------------------------------------------------ */

static int read_mode(req *r, import_mode *mode) {
    const char *m = req_query(r, "mode");
    *mode = IMPORT_VALIDATE;
    if (!m) return 0;
    for (int i = 0; MODES[i]; i++)
        if (!strcmp(MODES[i], m)) {
            *mode = (import_mode)i;
            return 0;
        }
    return fail(r, 400, "invalid_value", "mode");
}

/* The media type of a Content-Type header, lower case, without parameters. */
static void media_type(const char *ct, char *out, size_t outlen) {
    size_t i = 0;
    for (; ct && *ct && *ct != ';' && i + 1 < outlen; ct++)
        if (!isspace((unsigned char)*ct)) out[i++] = (char)tolower((unsigned char)*ct);
    out[i] = 0;
}

/* CSV or XLSX: the file's first bytes decide, then its declared type. Browsers
** on Windows declare .csv files as application/vnd.ms-excel. */
static int body_format(req *r, int *xlsx) {
    static const char *const CSV[] = {"text/csv", "application/csv", "text/plain", "text/comma-separated-values",
                                      "application/vnd.ms-excel", NULL};
    static const char *const ANY[] = {"", "application/octet-stream", "application/zip",
                                      "application/x-zip-compressed", NULL};
    char mt[128];
    media_type(req_header(r, "Content-Type"), mt, sizeof mt);
    const unsigned char *b = (const unsigned char *)strbuf_str(&r->body);
    if (!r->body.len) return fail(r, 400, "import_empty_file", NULL);
    if (r->body.len >= 4 && !memcmp(b, "\xD0\xCF\x11\xE0", 4)) return fail(r, 400, "import_xls_unsupported", NULL);
    *xlsx = r->body.len >= 4 && !memcmp(b, "PK\x03\x04", 4);
    if (!strcmp(mt, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")) {
        if (!*xlsx) return fail(r, 400, "import_not_xlsx", "not a zip file");
        return 0;
    }
    for (int i = 0; CSV[i]; i++)
        if (!strcmp(mt, CSV[i])) return 0;
    for (int i = 0; ANY[i]; i++)
        if (!strcmp(mt, ANY[i])) return 0;
    return fail(r, 415, "import_unsupported_type", NULL);
}

static job *job_new(req *r, import_sheet *s, import_mode mode) {
    job *j = xcalloc(1, sizeof *j);
    j->sheet = s;
    j->mode = mode;
    j->actor_id = r->who.user_id;
    snprintf(j->scope, sizeof j->scope, "%s", r->who.org_path);
    snprintf(j->login, sizeof j->login, "%s", r->who.login);
    snprintf(j->ip, sizeof j->ip, "%s", r->ip);
    return j;
}

int h_import_create(req *r) {
    import_mode mode;
    int xlsx = 0;
    recover_once(r);
    if (read_mode(r, &mode) || body_format(r, &xlsx)) return -1;
    import_sheet *s = import_parse(r->body.buf, r->body.len, xlsx, &r->err);
    if (!s) return -1;
    job *j = job_new(r, s, mode);
    int64_t id = 0;
    if (queue_full(import_rows(s))) {
        job_free(j);
        return fail(r, 503, "import_busy", NULL);
    }
    if (job_insert(r, j, xlsx, &id)) {
        job_free(j);
        return -1;
    }
    j->id = id;
    int64_t rows = import_rows(s);
    if (enqueue(j)) {
        job_free(j);
        return fail(r, 500, "internal", "cannot start the import worker");
    }
    char location[64];
    snprintf(location, sizeof location, "/api/v1/imports/%lld", (long long)id);
    reply_header(r, "Location", location);
    reply_json(r, 202, json_pack("{s:I, s:s, s:s, s:I}", "id", (json_int_t)id, "status", "queued", "mode",
                                 MODES[mode], "rows_total", (json_int_t)rows));
    return 0;
}

/* ---- GET /api/v1/imports/{id} and its report ---------------------------------- */

#define JOB_COLS "id, org_path, mode, format, status, error, rows_total, rows_done, rows_bad, households_created," \
                 " households_updated, members_created, members_updated, unchanged, created_at, finished_at," \
                 " instance, updated_at"

/* Load job id into st (a row is available on 1); 403/404 when the caller may not see it. */
static db_stmt *load_job(req *r, int64_t id) {
    db_stmt *st = db_prepare(r->db, "SELECT " JOB_COLS " FROM import_job WHERE id = $1", &r->err);
    if (!st) return NULL;
    db_bind_int(st, 1, id);
    int rc = db_step(st, &r->err);
    if (rc == 1 && req_in_scope(r, db_col_text(st, 1))) return st;
    if (rc == 0) fail(r, 404, "not_found", "import");
    else if (rc == 1) fail(r, 403, "out_of_scope", NULL);
    db_done(st);
    return NULL;
}

static json_t *error_json(const char *code, const char *lang) {
    xerr e = {400, code, ""};
    json_t *body = error_body(&e, lang);
    json_t *err = json_incref(json_object_get(body, "error"));
    json_decref(body);
    return err;
}

static json_t *job_json(req *r, db_stmt *st) {
    static const char *const NUM[] = {"rows_total", "rows_done", "rows_bad", "households_created",
                                      "households_updated", "members_created", "members_updated", "unchanged"};
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:I}", "id", (json_int_t)db_col_int(st, 0), "mode",
                          db_col_text(st, 2), "format", db_col_text(st, 3), "status", db_col_text(st, 4),
                          "created_at", (json_int_t)db_col_int(st, 14));
    for (int i = 0; i < 8; i++) json_object_set_new(j, NUM[i], json_integer(db_col_int(st, 6 + i)));
    json_object_set_new(j, "finished_at", db_col_json(st, 15, 'i'));
    json_object_set_new(j, "error", db_col_isnull(st, 5) ? json_null() : error_json(db_col_text(st, 5), r->lang));
    char path[64];
    snprintf(path, sizeof path, "/api/v1/imports/%lld/report.csv", (long long)db_col_int(st, 0));
    json_object_set_new(j, "report", json_string(path));
    return j;
}

/* Show what this process knows of a job that is not finished, or fail a dead one. */
static int overlay_live(req *r, int64_t id, json_t *j, const char *inst, int64_t updated) {
    import_counts c;
    const char *phase = NULL;
    int state = live(id, &c, &phase);
    if (state == 2) {
        json_object_set_new(j, "status", json_string("running"));
        json_object_set_new(j, "phase", json_string(phase ? phase : "validating"));
        json_object_set_new(j, "rows_done", json_integer(c.rows_done));
        return 0;
    }
    if (state == 1) return 0;
    int sqlite = db_kind_of(r->db) == DB_SQLITE;
    if (!strcmp(inst, instance()) || (!sqlite && updated >= r->now - STALE_SECONDS)) return 0;
    if (import_jobs_recover(r->db, &r->err)) return -1;
    json_object_set_new(j, "status", json_string("failed"));
    json_object_set_new(j, "error", error_json("import_interrupted", r->lang));
    return 0;
}

int h_import_get(req *r) {
    recover_once(r);
    int64_t id = req_id(r, 0);
    db_stmt *st = load_job(r, id);
    if (!st) return -1;
    json_t *j = job_json(r, st);
    const char *status = db_col_text(st, 4);
    char inst[40];
    snprintf(inst, sizeof inst, "%s", db_col_text(st, 16));
    int64_t updated = db_col_int(st, 17);
    int unfinished = !strcmp(status, "queued") || !strcmp(status, "running");
    db_done(st);
    if (unfinished && overlay_live(r, id, j, inst, updated)) {
        json_decref(j);
        return -1;
    }
    reply_json(r, 200, j);
    return 0;
}

/* The next tab-separated field of *p (NUL-terminated in place). */
static char *next_field(char **p) {
    char *f = *p, *tab = strchr(f, '\t');
    if (tab) {
        *tab = 0;
        *p = tab + 1;
    } else {
        *p = f + strlen(f);
    }
    return f;
}

/* One stored problem, "line\tcolumn\tcode\tnumber\tdetail", as a CSV row in lang. */
static void report_row(char *line, const char *lang, strbuf *out) {
    char *p = line;
    const char *ln = next_field(&p), *col = next_field(&p), *code = next_field(&p);
    const char *number = next_field(&p), *detail = next_field(&p);
    if (!*code) return;
    xerr e = {400, code, ""};
    snprintf(e.detail, sizeof e.detail, "%s", detail);
    json_t *body = error_body(&e, lang);
    const char *msg = json_string_value(json_object_get(json_object_get(body, "error"), "message"));
    strbuf_addf(out, "%d,", atoi(ln));
    csv_put(out, import_col_name(atoi(col), lang), 1);
    csv_sep(out);
    csv_put(out, number, 1);
    csv_sep(out);
    csv_put(out, msg ? msg : code, 1);
    csv_eol(out);
    json_decref(body);
}

int h_import_report(req *r) {
    db_stmt *st = load_job(r, req_id(r, 0));
    if (!st) return -1;
    const char *status = db_col_text(st, 4);
    if (!strcmp(status, "queued") || !strcmp(status, "running")) {
        db_done(st);
        return fail(r, 409, "import_running", NULL);
    }
    db_done(st);
    st = db_prepare(r->db, "SELECT report FROM import_job WHERE id = $1", &r->err);
    if (!st) return -1;
    db_bind_int(st, 1, req_id(r, 0));
    int rc = db_step(st, &r->err);
    strbuf out = STRBUF_INIT;
    int en = !strcmp(r->lang, "en");
    strbuf_addstr(&out, en ? "\xEF\xBB\xBFline,column,household_number,problem\r\n" : "\xEF\xBB\xBF行号,列,户编号,问题\r\n");
    const char *text = rc == 1 ? db_col_text(st, 0) : NULL;
    for (const char *p = text; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *one = strndup(p, n);
        if (!one) abort();
        report_row(one, r->lang, &out);
        free(one);
        p += n + (nl ? 1 : 0);
    }
    db_done(st);
    if (rc < 0) {
        strbuf_release(&out);
        return -1;
    }
    char disp[96];
    snprintf(disp, sizeof disp, "attachment; filename=\"xiangcun-import-%lld-report.csv\"", (long long)req_id(r, 0));
    reply_header(r, "Content-Disposition", disp);
    reply_raw(r, 200, "text/csv; charset=utf-8", &out);
    return 0;
}

/* ---- the template ----------------------------------------------------------------- */

int h_import_template_csv(req *r) {
    strbuf out = STRBUF_INIT;
    import_template_csv(r->lang, &out);
    reply_header(r, "Content-Disposition", "attachment; filename=\"xiangcun-households-template.csv\"");
    reply_raw(r, 200, "text/csv; charset=utf-8", &out);
    return 0;
}

int h_import_template_xlsx(req *r) {
    strbuf out = STRBUF_INIT;
    if (import_template_xlsx(r->lang, &out, &r->err)) {
        strbuf_release(&out);
        return -1;
    }
    reply_header(r, "Content-Disposition", "attachment; filename=\"xiangcun-households-template.xlsx\"");
    reply_raw(r, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", &out);
    return 0;
}
