/*
** fuzz_http: a real xiangcun daemon driven over a loopback socket, as
** libmicrohttpd's own fuzzers do. Path and query parsing, cookies, headers,
** the router's checks and the handlers behind them all see the input.
**
** Start-up (LLVMFuzzerInitialize), once: a temporary data folder, the demo
** county seeded into a fresh SQLite database (cmd_demo(): key file,
** migrations, accounts), then the server itself on 127.0.0.1 and a free port:
**  - in-process (the default): server_run() on its own thread. server_run
**    blocks SIGINT/SIGTERM in the calling thread and sigwait()s for them, so
**    pthread_kill(thread, SIGTERM) at exit shuts it down gracefully, and the
**    server code is instrumented like the rest: coverage guides the fuzzer and
**    ASan/UBSan see every request.
**  - XC_FUZZ_SERVE_BIN=build/xiangcun (or build/asan/xiangcun): that binary's
**    `serve` as a child process instead (black box: no coverage from it; its
**    death or a hang is still caught).
** XC_FUZZ_DB=postgresql://... uses that (empty) database instead of SQLite.
** XC_FUZZ_FAULT_DB_EVERY=K makes every Kth database call fail after seeding
** (XIANGCUN_FAULT_DB), to look for 500s on database failures.
**
** Each input is one HTTP request, sent raw except for the framing, which the
** harness owns so that a request is never left waiting for bytes that will not
** come: the header block ends at the first empty line (LF or CRLF), any
** Content-Length, Transfer-Encoding and Connection headers in it are dropped,
** and "Content-Length: <bytes after the empty line>" and "Connection: close"
** are added. Placeholders give the fuzzer working credentials:
**   $COOKIE / $CSRF    an admin session cookie ("xc_session=...") and its CSRF token
**   $VCOOKIE / $VCSRF  the same for the villager
**   $TOKEN             an admin API token (for "Authorization: Bearer $TOKEN")
** (re-created when a request using them gets a 401: the input may have signed
** the session out).
**
** Checked for every input: the server accepts the connection (it is alive),
** and answers within 20 s with a well-formed HTTP response (status line,
** headers, a body of exactly Content-Length bytes) or closes the connection;
** the status is never 500 and no 5xx but 503 comes from xiangcun (501/505 are
** libmicrohttpd's own); a JSON answer parses, and an error answer is
** {"error":{"code","message"}}. A live-event stream never ends by itself: its
** headers and first event block are its answer.
*/
#include "auth/session.h"
#include "cli/cli.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/fault.h"
#include "db/db.h"
#include "http/server.h"
#include "fuzz_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEMO_PASSWORD "Demo#Pass2026"
#define ANSWER_TIMEOUT_MS 20000
#define MAX_ANSWER (16u << 20)

static char g_dir[64], g_db_url[1200];
static int g_port;
static config g_cfg;             /* server_run keeps a pointer to it */
static pthread_t g_thread;
static int g_thread_started;
static pid_t g_child;

typedef struct creds {
    const char *login;
    char cookie[96], csrf[80];
} creds;
static creds g_admin = {"admin", "", ""}, g_villager = {"villager", "", ""};
static char g_token[96];

/* ---- start and stop ---------------------------------------------------- */

static int free_port(void) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    FUZZ_CHECK(s >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    FUZZ_CHECK(bind(s, (struct sockaddr *)&a, sizeof a) == 0);
    FUZZ_CHECK(getsockname(s, (struct sockaddr *)&a, &len) == 0);
    close(s);
    return ntohs(a.sin_port);
}

static int dial(void) {
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    FUZZ_CHECK(s >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)g_port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(s, (struct sockaddr *)&a, sizeof a) == 0) return s;
    close(s);
    return -1;
}

static void *serve_thread(void *arg) {
    (void)arg;
    xerr e = {0};
    if (server_run(&g_cfg, &e)) {
        fprintf(stderr, "fuzz_http: fatal: server_run: %s\n", e.detail);
        abort();
    }
    return NULL;
}

static void rm_rf(const char *dir) {
    pid_t p = fork();
    if (p == 0) {
        execlp("rm", "rm", "-rf", dir, (char *)NULL);
        _exit(127);
    }
    if (p > 0) waitpid(p, NULL, 0);
}

static void stop_server(void) {
    if (g_child > 0) {
        kill(g_child, SIGTERM);
        waitpid(g_child, NULL, 0);
        g_child = 0;
    }
    if (g_thread_started) {
        g_thread_started = 0;
        pthread_kill(g_thread, SIGTERM);   /* server_run sigwait()s for it */
        pthread_join(g_thread, NULL);
    }
    if (g_dir[0]) rm_rf(g_dir);
}

/* Is the server still there? A dead child is reported with its exit status. */
static void check_alive(void) {
    if (g_child > 0) {
        int st;
        pid_t p = waitpid(g_child, &st, WNOHANG);
        if (p == g_child) {
            fprintf(stderr, "fuzz_http: fatal: server exited (%s %d)\n", WIFSIGNALED(st) ? "signal" : "status",
                    WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
            g_child = 0;
            abort();
        }
    }
}

/* ---- credentials ------------------------------------------------------- */

static int64_t user_id(db *d, const char *login) {
    xerr e = {0};
    db_stmt *st = db_prepare(d, "SELECT id FROM app_user WHERE login = $1", &e);
    if (!st) return -1;
    db_bind_text(st, 1, login);
    int64_t id = db_step(st, &e) == 1 ? db_col_int(st, 0) : -1;
    db_done(st);
    return id;
}

/* A fresh session straight in the database (the input may have changed the
** password or locked the account; a real sign-in costs an argon2 hash too). */
static void new_session(creds *c) {
    for (int attempt = 0; attempt < 20; attempt++) {   /* injected faults may fail some */
        xerr e = {0};
        db *d = db_open(g_db_url, &e);
        if (!d) continue;
        int64_t id = user_id(d, c->login), sid;
        char token[64], csrf[64];
        int rc = id > 0 ? session_create(d, id, 0, "127.0.0.1", "fuzz_http", clock_now(), token, csrf, &sid, &e) : -1;
        db_close(d);
        if (rc == 0) {
            snprintf(c->cookie, sizeof c->cookie, "%s=%s", SESSION_COOKIE, token);
            snprintf(c->csrf, sizeof c->csrf, "%s", csrf);
            return;
        }
    }
    fprintf(stderr, "fuzz_http: fatal: cannot create a session for %s\n", c->login);
    abort();
}

static void new_token(void) {
    for (int attempt = 0; attempt < 20; attempt++) {
        xerr e = {0};
        db *d = db_open(g_db_url, &e);
        if (!d) continue;
        int64_t id = user_id(d, "admin");
        char token[80], h[65];
        token_new(TOKEN_PREFIX, token, sizeof token);
        token_hash(token, h);
        db_stmt *st = id > 0 ? db_prepare(d, "INSERT INTO api_token (token_hash, user_id, name, created_at)"
                                             " VALUES ($1, $2, 'fuzz_http', $3)", &e) : NULL;
        int rc = -1;
        if (st) {
            db_bind_text(st, 1, h);
            db_bind_int(st, 2, id);
            db_bind_int(st, 3, clock_now());
            rc = db_step(st, &e);
            db_done(st);
        }
        db_close(d);
        if (rc == 0) {
            snprintf(g_token, sizeof g_token, "%s", token);
            return;
        }
    }
    fprintf(stderr, "fuzz_http: fatal: cannot create an API token\n");
    abort();
}

/* ---- one exchange ------------------------------------------------------ */

static void put(strbuf *sb, const char *s, size_t n) { strbuf_add(sb, s, n); }

/* Substitute the placeholders; note which credentials the request uses. */
static void substitute(const uint8_t *data, size_t size, strbuf *out, int *admin, int *villager, int *token) {
    const struct { const char *name, *value; int *used; } PH[] = {
        {"$VCOOKIE", g_villager.cookie, villager}, {"$VCSRF", g_villager.csrf, villager},
        {"$COOKIE", g_admin.cookie, admin},        {"$CSRF", g_admin.csrf, admin},
        {"$TOKEN", g_token, token},
    };
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *dollar = memchr(p, '$', (size_t)(end - p));
        if (!dollar) {
            put(out, p, (size_t)(end - p));
            break;
        }
        put(out, p, (size_t)(dollar - p));
        p = dollar;
        size_t i;
        for (i = 0; i < sizeof PH / sizeof PH[0]; i++) {
            size_t n = strlen(PH[i].name);
            if ((size_t)(end - p) >= n && !memcmp(p, PH[i].name, n)) {
                strbuf_addstr(out, PH[i].value);
                *PH[i].used = 1;
                p += n;
                break;
            }
        }
        if (i == sizeof PH / sizeof PH[0]) put(out, p++, 1);
    }
}

static int header_named(const char *line, size_t n, const char *name) {
    size_t k = strlen(name);
    const char *colon = memchr(line, ':', n);
    if (!colon) return 0;
    size_t m = (size_t)(colon - line);
    while (m && (line[m - 1] == ' ' || line[m - 1] == '\t')) m--;
    return m == k && !strncasecmp(line, name, k);
}

/* The request as sent: the input's request line, headers and body with the
** harness's framing (see the top of the file). *head: the method is HEAD. */
static void frame(const strbuf *in, strbuf *out, int *head) {
    const char *p = in->buf ? in->buf : "", *end = p + in->len;
    int first = 1, skipping = 0;
    *head = in->len >= 5 && !memcmp(p, "HEAD ", 5);
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        size_t n = (size_t)(stop - p);
        if (n && p[n - 1] == '\r') n--;
        const char *next = nl ? nl + 1 : end;
        if (n == 0 && !first) {   /* the empty line: the body follows */
            p = next;
            break;
        }
        int fold = !first && (p[0] == ' ' || p[0] == '\t');
        if (!fold)
            skipping = !first && (header_named(p, n, "Content-Length") || header_named(p, n, "Transfer-Encoding") ||
                                  header_named(p, n, "Connection"));
        if (!skipping) {
            put(out, p, n);
            strbuf_addstr(out, "\r\n");
        }
        first = 0;
        p = next;
    }
    size_t body = (size_t)(end - p);
    strbuf_addf(out, "Content-Length: %zu\r\nConnection: close\r\n\r\n", body);
    put(out, p, body);
}

static long long ms_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A live-event stream (text/event-stream) never closes by itself: once its
** headers and first event block ("retry: ...\n: connected\n\n") are in, the
** answer is complete. */
static int stream_started(const strbuf *ans) {
    const char *hend = ans->len ? memmem(ans->buf, ans->len, "\r\n\r\n", 4) : NULL;
    if (!hend) return 0;
    size_t hlen = (size_t)(hend - ans->buf);
    if (!memmem(ans->buf, hlen, "text/event-stream", 17)) return 0;
    return memmem(hend + 4, ans->len - hlen - 4, "\n\n", 2) != NULL;
}

/* A connection to the server. A refused or failed connect is tried again for
** a second (the loopback port range can be briefly exhausted when thousands
** of exchanges a second leave sockets behind) before it counts as dead. */
static int connect_server(void) {
    for (int attempt = 0;; attempt++) {
        int s = dial();
        if (s >= 0) return s;
        check_alive();
        if (attempt == 20) {
            fprintf(stderr, "fuzz_http: fatal: cannot connect to the server: %s\n", strerror(errno));
            abort();
        }
        usleep(50000);
    }
}

/* Send the request and read until the server closes (or a stream has begun).
** -1: no answer in time. */
static int exchange(const strbuf *req, strbuf *ans) {
    int s = connect_server();
    fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK);
    long long deadline = ms_now() + ANSWER_TIMEOUT_MS;
    size_t sent = 0;
    int rc = 0;
    for (;;) {
        int left = (int)(deadline - ms_now());
        if (left <= 0) {
            rc = -1;
            break;
        }
        struct pollfd pf = {s, POLLIN | (sent < req->len ? POLLOUT : 0), 0};
        if (poll(&pf, 1, left) < 0 && errno != EINTR) break;
        if (sent < req->len && (pf.revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t w = send(s, req->buf + sent, req->len - sent, MSG_NOSIGNAL);
            if (w > 0) sent += (size_t)w;
            else if (w < 0 && errno != EAGAIN && errno != EINTR) sent = req->len;   /* closed on us */
        }
        if (pf.revents & (POLLIN | POLLERR | POLLHUP)) {
            strbuf_grow(ans, 65536);
            ssize_t r = recv(s, ans->buf + ans->len, ans->alloc - ans->len - 1, 0);
            if (r > 0) {
                ans->len += (size_t)r;
                ans->buf[ans->len] = 0;
                if (ans->len > MAX_ANSWER || stream_started(ans)) break;
            } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
                break;   /* closed (or reset): whatever arrived is the answer */
            }
        }
    }
    close(s);
    return rc;
}

/* The exchange being checked, shown when a check fails. */
static const strbuf *g_req, *g_ans;

static void show(const char *what, const strbuf *sb) {
    fprintf(stderr, "---- %s (%zu bytes):\n", what, sb->len);
    for (size_t i = 0; i < sb->len && i < 3000; i++) {
        unsigned char c = (unsigned char)sb->buf[i];
        if (c == '\n' || c == '\r' || (c >= 0x20 && c < 0x7f)) fputc(c, stderr);
        else fprintf(stderr, "\\x%02x", c);
    }
    fprintf(stderr, "\n----\n");
}

#define ANSWER_CHECK(cond)                                                                     \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);       \
            show("request", g_req);                                                            \
            show("answer", g_ans);                                                             \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

/* Check the answer: one response, or several when libmicrohttpd read the
** request as more than one (it ends a header block at a NUL byte, for one, and
** then takes what follows for a pipelined request). Returns the status of the
** first final response, or 0 when the server closed without answering. */
static int check_answer(const strbuf *ans, int head) {
    const char *p = ans->buf ? ans->buf : "", *end = p + ans->len;
    int first = 0;
    while (p < end) {
        ANSWER_CHECK(end - p >= 13 && (!memcmp(p, "HTTP/1.1 ", 9) || !memcmp(p, "HTTP/1.0 ", 9)));
        ANSWER_CHECK(p[9] >= '1' && p[9] <= '5' && p[10] >= '0' && p[10] <= '9' && p[11] >= '0' && p[11] <= '9');
        ANSWER_CHECK(p[12] == ' ' || p[12] == '\r');
        int status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
        const char *hend = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
        ANSWER_CHECK(hend != NULL);
        const char *body = hend + 4;
        if (status < 200) {   /* interim (100 Continue) */
            p = body;
            continue;
        }
        /* Headers: one per line, "Name: value". */
        long long clen = -1;
        int json = 0, chunked = 0;
        const char *line = memchr(p, '\n', (size_t)(hend - p));   /* NULL: no headers at all */
        line = line ? line + 1 : hend;
        while (line < hend) {
            const char *eol = memmem(line, (size_t)(hend + 2 - line), "\r\n", 2);
            ANSWER_CHECK(eol != NULL);
            const char *colon = memchr(line, ':', (size_t)(eol - line));
            ANSWER_CHECK(colon != NULL && colon > line);
            size_t nl = (size_t)(colon - line);
            if (nl == 14 && !strncasecmp(line, "Content-Length", 14)) {
                ANSWER_CHECK(clen == -1);
                clen = strtoll(colon + 1, NULL, 10);
                ANSWER_CHECK(clen >= 0);
            } else if (nl == 12 && !strncasecmp(line, "Content-Type", 12)) {
                json = memmem(colon, (size_t)(eol - colon), "application/json", 16) != NULL;
            } else if (nl == 17 && !strncasecmp(line, "Transfer-Encoding", 17)) {
                chunked = 1;
            }
            line = eol + 2;
        }
        size_t avail = (size_t)(end - body), blen;
        if ((head && !first) || status == 204 || status == 304) {
            blen = 0;
        } else if (clen >= 0) {
            ANSWER_CHECK(avail >= (size_t)clen);   /* the whole body arrived */
            blen = (size_t)clen;
        } else {
            ANSWER_CHECK(chunked || status >= 400);   /* only libmicrohttpd's own errors may lack a length */
            blen = avail;
        }

        /* Never a 500; xiangcun's only 5xx is 503, libmicrohttpd answers 501/505 itself. */
        ANSWER_CHECK(status < 500 || status == 503 || status == 501 || status == 505);
        if (json && blen && !chunked) {
            json_error_t je;
            json_t *v = json_loadb(body, blen, JSON_DECODE_ANY, &je);
            ANSWER_CHECK(v != NULL);
            if (status >= 400) {
                json_t *err = json_object_get(v, "error");
                ANSWER_CHECK(json_is_string(json_object_get(err, "code")));
                ANSWER_CHECK(json_is_string(json_object_get(err, "message")));
            }
            json_decref(v);
        }
        if (!first) first = status;
        p = body + blen;
    }
    return first;
}

/* ---- libFuzzer entry points -------------------------------------------- */

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    signal(SIGPIPE, SIG_IGN);
    snprintf(g_dir, sizeof g_dir, "/tmp/xc-fuzz-http.XXXXXX");
    FUZZ_CHECK(mkdtemp(g_dir) != NULL);
    const char *db = getenv("XC_FUZZ_DB");
    if (db && *db) snprintf(g_db_url, sizeof g_db_url, "%s", db);
    else snprintf(g_db_url, sizeof g_db_url, "sqlite:%s/xiangcun.db", g_dir);
    g_port = free_port();
    char listen[64], threads[16];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", g_port);
    setenv("XIANGCUN_DATA_DIR", g_dir, 1);
    setenv("XIANGCUN_DB", g_db_url, 1);
    setenv("XIANGCUN_LISTEN", listen, 1);
    setenv("XIANGCUN_DEMO_PASSWORD", DEMO_PASSWORD, 1);
    setenv("XIANGCUN_ACCESS_LOG", "0", 1);
    snprintf(threads, sizeof threads, "%d", 2);
    setenv("XIANGCUN_THREADS", threads, 0);
    unsetenv("XIANGCUN_KEY_FILE");
    unsetenv("XIANGCUN_CLOCK_FILE");
    unsetenv("XIANGCUN_FAULT_DB");
    unsetenv("XIANGCUN_FAULT_DB_EVERY");
    atexit(stop_server);

    /* Seed the demo county (key file, migrations, accounts), quietly. */
    fflush(stdout);
    int saved = dup(1), null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    char *demo_argv[] = {"demo", NULL};
    int rc = cmd_demo(1, demo_argv);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    close(null);
    FUZZ_CHECK(rc == 0);

    const char *every = getenv("XC_FUZZ_FAULT_DB_EVERY");
    if (every && atoi(every) > 0) {
        setenv("XIANGCUN_FAULT_DB", "1", 1);
        setenv("XIANGCUN_FAULT_DB_EVERY", every, 1);
        fault_init();
    }

    const char *bin = getenv("XC_FUZZ_SERVE_BIN");
    if (bin && *bin) {
        g_child = fork();
        FUZZ_CHECK(g_child >= 0);
        if (g_child == 0) {
            int devnull = open("/dev/null", O_WRONLY);
            dup2(devnull, 1);
            execl(bin, bin, "serve", (char *)NULL);
            _exit(127);
        }
    } else {
        FUZZ_CHECK(config_load(&g_cfg) == 0);
        FUZZ_CHECK(pthread_create(&g_thread, NULL, serve_thread, NULL) == 0);
        g_thread_started = 1;
    }
    for (int i = 0;; i++) {   /* wait until it listens */
        int s = dial();
        if (s >= 0) {
            close(s);
            break;
        }
        check_alive();
        FUZZ_CHECK(i < 300);
        usleep(50000);
    }
    new_session(&g_admin);
    new_session(&g_villager);
    new_token();
    fprintf(stderr, "fuzz_http: server on 127.0.0.1:%d (%s), database %s\n", g_port,
            g_child ? bin : "in-process", g_db_url);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    check_alive();
    strbuf in = STRBUF_INIT, req = STRBUF_INIT, ans = STRBUF_INIT;
    int admin = 0, villager = 0, token = 0, head;
    substitute(data, size, &in, &admin, &villager, &token);
    frame(&in, &req, &head);
    if (exchange(&req, &ans)) {
        fprintf(stderr, "fuzz_http: fatal: no answer within %d ms\n", ANSWER_TIMEOUT_MS);
        show("request", &req);
        show("answer so far", &ans);
        abort();
    }
    g_req = &req;
    g_ans = &ans;
    int status = check_answer(&ans, head);
    check_alive();
    if (status == 401) {   /* the input may have signed out or revoked what it used */
        if (admin) new_session(&g_admin);
        if (villager) new_session(&g_villager);
        if (token) new_token();
    }
    strbuf_release(&in);
    strbuf_release(&req);
    strbuf_release(&ans);
    return 0;
}
