/*
** ingest_ceiling.c: the ceiling for the OsmAnd ingest benchmark (bench/ingest.sh).
** It stores N check-ins directly through SQLite, in one process, the way the
** server stores a device's point at best: the same INSERT into `checkin`
** (prepared once), a freshly encrypted "lat,lon" of the same size (libsodium
** secretbox, base64, as pii_encrypt does), the server's pragmas (WAL,
** synchronous=FULL, foreign keys, secure_delete) and one BEGIN IMMEDIATE ...
** COMMIT per point. No HTTP, no parsing, no device or previous-point lookup,
** no geofence: what is left is the cost of a durable insert on this disk.
**
**   ingest_ceiling DB N [BATCH [SECONDS]]
**
** DB is a migrated xiangcun database (its duty_device rows, or else its
** secretaries, give the user, village and device of each point, cycled in
** turn); BATCH (default 1) points per transaction, e.g. 1000 for the batched
** reference; SECONDS (default: none) stops earlier, at the first commit after
** that time, so the ceiling can be measured over as long as a wrk run. Prints
** one line of JSON: {"points":N,"batch":B,"sources":S,"ms":T,"rate":P}.
** Built by bench/ingest.sh: cc -O2 bench/ingest_ceiling.c -lsqlite3 -lsodium.
*/
#define _POSIX_C_SOURCE 200809L
#include <sodium.h>
#include <sqlite3.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_SOURCES 100000

typedef struct source {
    int64_t user_id, org_id, device_id;   /* device_id 0: none (NULL) */
} source;

/* Word for word the statement of src/duty/checkin.c insert_row(). */
static const char *const INSERT_SQL =
    "INSERT INTO checkin (user_id, org_id, source, device_id, pos, accuracy, altitude, speed, bearing,"
    " battery, device_time, received_at, at, inside, flags, note)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id";

static void die(sqlite3 *h, const char *what) {
    fprintf(stderr, "ingest_ceiling: %s: %s\n", what, h ? sqlite3_errmsg(h) : "failed");
    exit(1);
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void exec(sqlite3 *h, const char *sql) {
    if (sqlite3_exec(h, sql, NULL, NULL, NULL) != SQLITE_OK) die(h, sql);
}

static sqlite3_stmt *prepare(sqlite3 *h, const char *sql) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) die(h, sql);
    return st;
}

/* Run a prepared statement to its end (a RETURNING row is read), ready for the next run. */
static void run(sqlite3 *h, sqlite3_stmt *st) {
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) (void)sqlite3_column_int64(st, 0);
    if (rc != SQLITE_DONE) die(h, sqlite3_sql(st));
    sqlite3_reset(st);
}

/* Who the points belong to: every registered device, else every secretary. */
static size_t load_sources(sqlite3 *h, source *out) {
    static const char *const QUERIES[] = {
        "SELECT u.id, u.org_id, d.id FROM duty_device d JOIN app_user u ON u.id = d.user_id"
        " WHERE d.revoked_at IS NULL ORDER BY d.id",
        "SELECT id, org_id, 0 FROM app_user WHERE role = 'secretary' ORDER BY id",
    };
    size_t n = 0;
    for (size_t q = 0; q < 2 && n == 0; q++) {
        sqlite3_stmt *st = prepare(h, QUERIES[q]);
        while (n < MAX_SOURCES && sqlite3_step(st) == SQLITE_ROW) {
            out[n].user_id = sqlite3_column_int64(st, 0);
            out[n].org_id = sqlite3_column_int64(st, 1);
            out[n].device_id = sqlite3_column_int64(st, 2);
            n++;
        }
        sqlite3_finalize(st);
    }
    return n;
}

/* base64(nonce || secretbox("lat,lon")), as checkin.c formats and pii_encrypt() stores it. */
static void encrypt_pos(const unsigned char key[crypto_secretbox_KEYBYTES], double lat, double lon,
                        char *out, size_t outlen) {
    char plain[64];
    int plen = snprintf(plain, sizeof plain, "%.7f,%.7f", lat, lon);
    unsigned char box[crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + sizeof plain];
    randombytes_buf(box, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, (const unsigned char *)plain,
                          (unsigned long long)plen, box, key);
    sodium_bin2base64(out, outlen, box, crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + (size_t)plen,
                      sodium_base64_VARIANT_ORIGINAL);
}

/* Bind point i of source s: a position near the county's centre, plausible extras. */
static void bind_point(sqlite3_stmt *st, const source *s, long i, const char *pos, int64_t now) {
    int inside = i % 10 != 0;
    sqlite3_bind_int64(st, 1, s->user_id);
    sqlite3_bind_int64(st, 2, s->org_id);
    sqlite3_bind_text(st, 3, "osmand", -1, SQLITE_STATIC);
    if (s->device_id) sqlite3_bind_int64(st, 4, s->device_id);
    else sqlite3_bind_null(st, 4);
    sqlite3_bind_text(st, 5, pos, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 6, 5.0 + i % 30);
    sqlite3_bind_double(st, 7, 420.0 + i % 7);
    sqlite3_bind_double(st, 8, (i % 5) * 0.4);
    sqlite3_bind_double(st, 9, (double)(i % 360));
    sqlite3_bind_double(st, 10, 100.0 - i % 80);
    sqlite3_bind_int64(st, 11, now - 2);
    sqlite3_bind_int64(st, 12, now);
    sqlite3_bind_int64(st, 13, now - 2);
    sqlite3_bind_int64(st, 14, inside);
    sqlite3_bind_text(st, 15, inside ? "" : "outside", -1, SQLITE_STATIC);
    sqlite3_bind_null(st, 16);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: ingest_ceiling DB N [BATCH]\n");
        return 2;
    }
    long n = strtol(argv[2], NULL, 10), batch = argc > 3 ? strtol(argv[3], NULL, 10) : 1;
    double limit_ms = argc > 4 ? strtod(argv[4], NULL) * 1000 : 0;
    if (n < 1 || batch < 1 || limit_ms < 0) {
        fprintf(stderr, "ingest_ceiling: N and BATCH must be positive, SECONDS not negative\n");
        return 2;
    }
    if (sodium_init() < 0) die(NULL, "sodium_init");
    sqlite3 *h = NULL;
    if (sqlite3_open_v2(argv[1], &h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) die(h, argv[1]);
    sqlite3_busy_timeout(h, 5000);
    exec(h, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
            " PRAGMA secure_delete=ON; PRAGMA temp_store=MEMORY;");
    source *src = malloc(MAX_SOURCES * sizeof *src);
    if (!src) die(NULL, "malloc");
    size_t nsrc = load_sources(h, src);
    if (!nsrc) die(NULL, "no devices and no secretaries in the database");

    unsigned char key[crypto_secretbox_KEYBYTES];
    crypto_secretbox_keygen(key);
    sqlite3_stmt *begin = prepare(h, "BEGIN IMMEDIATE"), *commit = prepare(h, "COMMIT");
    sqlite3_stmt *ins = prepare(h, INSERT_SQL);
    char pos[256];
    double t0 = now_ms();
    long done = 0;
    while (done < n) {
        long i = done++;
        if (i % batch == 0) run(h, begin);
        const source *s = &src[i % (long)nsrc];
        double lat = 29.80 + (double)(i % 1000) * 1e-5, lon = 103.30 + (double)(i % 997) * 1e-5;
        encrypt_pos(key, lat, lon, pos, sizeof pos);
        bind_point(ins, s, i, pos, (int64_t)time(NULL));
        run(h, ins);
        if (i % batch == batch - 1 || done == n) {
            run(h, commit);
            if (limit_ms > 0 && now_ms() - t0 >= limit_ms) break;
        }
    }
    double ms = now_ms() - t0;
    printf("{\"points\":%ld,\"batch\":%ld,\"sources\":%zu,\"ms\":%.1f,\"rate\":%.1f}\n", done, batch, nsrc,
           ms, done * 1000.0 / ms);
    sqlite3_finalize(begin);
    sqlite3_finalize(commit);
    sqlite3_finalize(ins);
    free(src);
    return sqlite3_close(h) == SQLITE_OK ? 0 : 1;
}
