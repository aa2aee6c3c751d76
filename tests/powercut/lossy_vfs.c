/*
** lossy_vfs.c: simulate a power cut under SQLite, without a VM or a device
** mapper. One file, two builds:
**
**   cc -shared -fPIC -O2 -o lossy_vfs.so tests/powercut/lossy_vfs.c -lsqlite3
**       A VFS shim for LD_PRELOAD. Its constructor registers a VFS "lossy"
**       over the default one ("unix") and makes it the default, so a program
**       that opens its database with sqlite3_open_v2(..., NULL) uses it
**       without any change. For the main database, WAL and journal files, it
**       keeps an undo log FILE.lossy: before each write (and truncate) it
**       appends the bytes about to be overwritten; each sync of FILE empties
**       FILE.lossy (everything written so far is now on stable storage).
**       The log lives in the page cache like the data, so it survives the
**       kill -9 that stops the "machine".
**
**   cc -DLOSSY_VFS_MAIN -O2 -o powercut tests/powercut/lossy_vfs.c
**       powercut [--random SEED] FILE.lossy...
**       The power cut itself, run after the process was killed: rolls each
**       file back to its state at its last sync by applying the undo log
**       newest first, then removes the log. With --random, each 512-byte
**       sector of each unsynced write is independently kept or lost and the
**       file is truncated back to its synced size or not, as a disk that
**       reorders and tears unsynced writes may do.
**
** What it does not model: directory entries (creating, deleting or renaming
** a file is taken as durable at once), and the -shm file (SQLite rebuilds
** the WAL index after a crash; the caller removes it at the power cut).
** Writes through mmap are not seen (SQLite only writes with write()).
**
** A negative control: LOSSY_VFS_LIE=wal makes syncs of the WAL not count (as
** with synchronous=NORMAL, or a disk whose volatile cache ignores flushes),
** LOSSY_VFS_LIE=all every sync; a power cut must then lose acknowledged
** commits, which shows the harness can see a loss.
*/
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* One undo record: a header, then len bytes of old data for 'W'. */
typedef struct rec_hdr {
    char type;         /* 'S' size at the last sync (first record), 'W' old bytes, 'H' hole (was beyond EOF) */
    char pad[3];
    uint32_t len;
    uint64_t off;      /* for 'S': the size */
} rec_hdr;

#ifndef LOSSY_VFS_MAIN
/* ------------------------------------------------------------------ the shim */
#include <pthread.h>
#include <sqlite3.h>

typedef struct lossy_file {
    sqlite3_file base;
    sqlite3_file *real;   /* points just past this struct */
    int logfd;            /* -1 when the file is not tracked */
    int lie;              /* LOSSY_VFS_LIE: this file's syncs do not reach the disk */
} lossy_file;

static sqlite3_vfs *g_real;
static sqlite3_vfs g_vfs;
static sqlite3_io_methods g_methods;
/* One lock for every write, truncate and sync: a write and its undo record,
** and a sync and the emptying of the log, are each one step for the others. */
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;

static int write_all(int fd, const void *buf, size_t n) {
    /* One write() per record: O_APPEND makes it atomic against other fds. */
    ssize_t w = write(fd, buf, n);
    return w == (ssize_t)n ? 0 : -1;
}

static int append_rec(int fd, char type, uint64_t off, const void *data, uint32_t len, uint32_t hole) {
    size_t n = sizeof(rec_hdr) + (data ? len : 0);
    unsigned char *buf = malloc(n);
    if (!buf) return -1;
    rec_hdr h = {type, {0, 0, 0}, data ? len : hole, off};
    memcpy(buf, &h, sizeof h);
    if (data) memcpy(buf + sizeof h, data, len);
    int rc = write_all(fd, buf, n);
    free(buf);
    return rc;
}

/* First change since the last sync: remember the synced size. */
static int note_size(lossy_file *f) {
    struct stat st;
    if (fstat(f->logfd, &st)) return -1;
    if (st.st_size > 0) return 0;
    sqlite3_int64 sz = 0;
    if (f->real->pMethods->xFileSize(f->real, &sz) != SQLITE_OK) return -1;
    return append_rec(f->logfd, 'S', (uint64_t)sz, NULL, 0, 0);
}

/* Save the bytes of [off, off+n) that are about to change. */
static int save_range(lossy_file *f, sqlite3_int64 off, sqlite3_int64 n) {
    if (note_size(f)) return -1;
    sqlite3_int64 sz = 0;
    if (f->real->pMethods->xFileSize(f->real, &sz) != SQLITE_OK) return -1;
    sqlite3_int64 in = off < sz ? (off + n <= sz ? n : sz - off) : 0;
    if (in > 0) {
        void *old = malloc((size_t)in);
        if (!old) return -1;
        int rc = f->real->pMethods->xRead(f->real, old, (int)in, off);
        if (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ) {
            free(old);
            return -1;
        }
        rc = append_rec(f->logfd, 'W', (uint64_t)off, old, (uint32_t)in, 0);
        free(old);
        if (rc) return -1;
    }
    if (in < n) {
        sqlite3_int64 start = off + in;
        if (append_rec(f->logfd, 'H', (uint64_t)start, NULL, 0, (uint32_t)(n - in))) return -1;
    }
    return 0;
}

static int x_close(sqlite3_file *p) {
    lossy_file *f = (lossy_file *)p;
    int rc = f->real->pMethods ? f->real->pMethods->xClose(f->real) : SQLITE_OK;
    if (f->logfd >= 0) close(f->logfd);
    f->logfd = -1;
    return rc;
}

static int x_read(sqlite3_file *p, void *buf, int n, sqlite3_int64 off) {
    lossy_file *f = (lossy_file *)p;
    return f->real->pMethods->xRead(f->real, buf, n, off);
}

static int x_write(sqlite3_file *p, const void *buf, int n, sqlite3_int64 off) {
    lossy_file *f = (lossy_file *)p;
    if (f->logfd < 0) return f->real->pMethods->xWrite(f->real, buf, n, off);
    pthread_mutex_lock(&g_mu);
    int rc = save_range(f, off, n) ? SQLITE_IOERR_WRITE : f->real->pMethods->xWrite(f->real, buf, n, off);
    pthread_mutex_unlock(&g_mu);
    return rc;
}

static int x_truncate(sqlite3_file *p, sqlite3_int64 size) {
    lossy_file *f = (lossy_file *)p;
    if (f->logfd < 0) return f->real->pMethods->xTruncate(f->real, size);
    pthread_mutex_lock(&g_mu);
    sqlite3_int64 sz = 0;
    int rc = f->real->pMethods->xFileSize(f->real, &sz);
    if (rc == SQLITE_OK && sz > size && save_range(f, size, sz - size)) rc = SQLITE_IOERR_TRUNCATE;
    else if (rc == SQLITE_OK && note_size(f)) rc = SQLITE_IOERR_TRUNCATE;
    if (rc == SQLITE_OK) rc = f->real->pMethods->xTruncate(f->real, size);
    pthread_mutex_unlock(&g_mu);
    return rc;
}

static int x_sync(sqlite3_file *p, int flags) {
    lossy_file *f = (lossy_file *)p;
    if (f->logfd < 0) return f->real->pMethods->xSync(f->real, flags);
    pthread_mutex_lock(&g_mu);
    int rc = f->real->pMethods->xSync(f->real, flags);
    if (rc == SQLITE_OK && !f->lie && ftruncate(f->logfd, 0)) rc = SQLITE_IOERR_FSYNC;
    pthread_mutex_unlock(&g_mu);
    return rc;
}

static int x_file_size(sqlite3_file *p, sqlite3_int64 *size) {
    lossy_file *f = (lossy_file *)p;
    return f->real->pMethods->xFileSize(f->real, size);
}
static int x_lock(sqlite3_file *p, int l) {
    lossy_file *f = (lossy_file *)p;
    return f->real->pMethods->xLock(f->real, l);
}
static int x_unlock(sqlite3_file *p, int l) {
    lossy_file *f = (lossy_file *)p;
    return f->real->pMethods->xUnlock(f->real, l);
}
static int x_check_reserved(sqlite3_file *p, int *out) {
    lossy_file *f = (lossy_file *)p;
    return f->real->pMethods->xCheckReservedLock(f->real, out);
}
static int x_file_control(sqlite3_file *p, int op, void *arg) {
    lossy_file *f = (lossy_file *)p;
    if (op == SQLITE_FCNTL_VFSNAME) {
        /* Append our name to the chain so `PRAGMA vfs_list`-style probes see us. */
        int rc = f->real->pMethods->xFileControl(f->real, op, arg);
        if (rc == SQLITE_OK) {
            char *old = *(char **)arg;
            *(char **)arg = sqlite3_mprintf("lossy/%z", old);
        }
        return rc;
    }
    return f->real->pMethods->xFileControl(f->real, op, arg);
}
static int x_sector_size(sqlite3_file *p) {
    lossy_file *f = (lossy_file *)p;
    return f->real->pMethods->xSectorSize(f->real);
}
static int x_device_chars(sqlite3_file *p) {
    lossy_file *f = (lossy_file *)p;
    return f->real->pMethods->xDeviceCharacteristics(f->real);
}
static int x_shm_map(sqlite3_file *p, int pg, int sz, int extend, void volatile **pp) {
    lossy_file *f = (lossy_file *)p;
    return f->real->pMethods->xShmMap(f->real, pg, sz, extend, pp);
}
static int x_shm_lock(sqlite3_file *p, int off, int n, int flags) {
    lossy_file *f = (lossy_file *)p;
    return f->real->pMethods->xShmLock(f->real, off, n, flags);
}
static void x_shm_barrier(sqlite3_file *p) {
    lossy_file *f = (lossy_file *)p;
    f->real->pMethods->xShmBarrier(f->real);
}
static int x_shm_unmap(sqlite3_file *p, int del) {
    lossy_file *f = (lossy_file *)p;
    return f->real->pMethods->xShmUnmap(f->real, del);
}
static int x_fetch(sqlite3_file *p, sqlite3_int64 off, int n, void **pp) {
    lossy_file *f = (lossy_file *)p;
    return f->real->pMethods->xFetch(f->real, off, n, pp);
}
static int x_unfetch(sqlite3_file *p, sqlite3_int64 off, void *ptr) {
    lossy_file *f = (lossy_file *)p;
    return f->real->pMethods->xUnfetch(f->real, off, ptr);
}

static int v_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *p, int flags, int *out_flags) {
    (void)vfs;
    lossy_file *f = (lossy_file *)p;
    memset(f, 0, sizeof *f);
    f->real = (sqlite3_file *)(f + 1);
    f->logfd = -1;
    int rc = g_real->xOpen(g_real, name, f->real, flags, out_flags);
    if (rc != SQLITE_OK) {
        /* xClose is still called on failure if pMethods is set: keep ours off. */
        f->base.pMethods = NULL;
        return rc;
    }
    int tracked = SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL | SQLITE_OPEN_MAIN_JOURNAL | SQLITE_OPEN_SUPER_JOURNAL;
    if (name && (flags & tracked)) {
        char *log = sqlite3_mprintf("%s.lossy", name);
        if (log) f->logfd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        sqlite3_free(log);
        if (f->logfd < 0) {
            f->real->pMethods->xClose(f->real);
            f->base.pMethods = NULL;
            return SQLITE_CANTOPEN;
        }
    }
    const char *lie = getenv("LOSSY_VFS_LIE");
    if (f->logfd >= 0 && lie)
        f->lie = !strcmp(lie, "all") || (!strcmp(lie, "wal") && (flags & SQLITE_OPEN_WAL));
    f->base.pMethods = &g_methods;
    return SQLITE_OK;
}

static int v_delete(sqlite3_vfs *vfs, const char *name, int sync_dir) {
    (void)vfs;
    int rc = g_real->xDelete(g_real, name, sync_dir);
    if (rc == SQLITE_OK && name) {
        char *log = sqlite3_mprintf("%s.lossy", name);
        if (log) unlink(log);
        sqlite3_free(log);
    }
    return rc;
}

static int v_access(sqlite3_vfs *v, const char *n, int fl, int *out) { (void)v; return g_real->xAccess(g_real, n, fl, out); }
static int v_fullpath(sqlite3_vfs *v, const char *n, int len, char *out) { (void)v; return g_real->xFullPathname(g_real, n, len, out); }
static void *v_dlopen(sqlite3_vfs *v, const char *n) { (void)v; return g_real->xDlOpen(g_real, n); }
static void v_dlerror(sqlite3_vfs *v, int n, char *msg) { (void)v; g_real->xDlError(g_real, n, msg); }
static void (*v_dlsym(sqlite3_vfs *v, void *h, const char *s))(void) { (void)v; return g_real->xDlSym(g_real, h, s); }
static void v_dlclose(sqlite3_vfs *v, void *h) { (void)v; g_real->xDlClose(g_real, h); }
static int v_random(sqlite3_vfs *v, int n, char *out) { (void)v; return g_real->xRandomness(g_real, n, out); }
static int v_sleep(sqlite3_vfs *v, int us) { (void)v; return g_real->xSleep(g_real, us); }
static int v_time(sqlite3_vfs *v, double *t) { (void)v; return g_real->xCurrentTime(g_real, t); }
static int v_lasterr(sqlite3_vfs *v, int n, char *s) { (void)v; return g_real->xGetLastError ? g_real->xGetLastError(g_real, n, s) : 0; }
static int v_time64(sqlite3_vfs *v, sqlite3_int64 *t) { (void)v; return g_real->xCurrentTimeInt64(g_real, t); }
static int v_setsys(sqlite3_vfs *v, const char *n, sqlite3_syscall_ptr fn) { (void)v; return g_real->xSetSystemCall(g_real, n, fn); }
static sqlite3_syscall_ptr v_getsys(sqlite3_vfs *v, const char *n) { (void)v; return g_real->xGetSystemCall(g_real, n); }
static const char *v_nextsys(sqlite3_vfs *v, const char *n) { (void)v; return g_real->xNextSystemCall(g_real, n); }

__attribute__((constructor)) static void lossy_register(void) {
    g_real = sqlite3_vfs_find(NULL);
    if (!g_real || !strcmp(g_real->zName, "lossy")) return;
    g_vfs = *g_real;
    g_vfs.iVersion = g_real->iVersion < 3 ? g_real->iVersion : 3;
    g_vfs.szOsFile = (int)sizeof(lossy_file) + g_real->szOsFile;
    g_vfs.pNext = NULL;
    g_vfs.zName = "lossy";
    g_vfs.pAppData = NULL;
    g_vfs.xOpen = v_open;
    g_vfs.xDelete = v_delete;
    g_vfs.xAccess = v_access;
    g_vfs.xFullPathname = v_fullpath;
    g_vfs.xDlOpen = v_dlopen;
    g_vfs.xDlError = v_dlerror;
    g_vfs.xDlSym = v_dlsym;
    g_vfs.xDlClose = v_dlclose;
    g_vfs.xRandomness = v_random;
    g_vfs.xSleep = v_sleep;
    g_vfs.xCurrentTime = v_time;
    g_vfs.xGetLastError = v_lasterr;
    if (g_vfs.iVersion >= 2) g_vfs.xCurrentTimeInt64 = v_time64;
    if (g_vfs.iVersion >= 3) {
        g_vfs.xSetSystemCall = v_setsys;
        g_vfs.xGetSystemCall = v_getsys;
        g_vfs.xNextSystemCall = v_nextsys;
    }
    g_methods = (sqlite3_io_methods){
        3, x_close, x_read, x_write, x_truncate, x_sync, x_file_size, x_lock, x_unlock,
        x_check_reserved, x_file_control, x_sector_size, x_device_chars,
        x_shm_map, x_shm_lock, x_shm_barrier, x_shm_unmap, x_fetch, x_unfetch,
    };
    if (sqlite3_vfs_register(&g_vfs, 1) != SQLITE_OK) {
        fprintf(stderr, "lossy_vfs: cannot register the VFS\n");
        return;
    }
    if (getenv("LOSSY_VFS_VERBOSE")) fprintf(stderr, "lossy_vfs: active over '%s'\n", g_real->zName);
}

#else
/* ------------------------------------------------------------------ the power cut */

typedef struct rec {
    rec_hdr h;
    unsigned char *data;
} rec;

static uint64_t g_rng;
static int coin(void) {   /* xorshift64: a reproducible fair coin from --random SEED */
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return (int)(g_rng >> 63);
}

static int pwrite_all(int fd, const void *buf, size_t n, off_t off) {
    const unsigned char *p = buf;
    while (n) {
        ssize_t w = pwrite(fd, p, n, off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w, n -= (size_t)w, off += w;
    }
    return 0;
}

/* Roll one file back from LOG (FILE.lossy) to its state at its last sync. */
static int power_cut(const char *log, int random_mode, long *n_recs) {
    size_t ln = strlen(log);
    if (ln <= 6 || strcmp(log + ln - 6, ".lossy")) {
        fprintf(stderr, "powercut: %s is not a .lossy undo log\n", log);
        return -1;
    }
    char *path = strndup(log, ln - 6);
    FILE *in = fopen(log, "rb");
    if (!in) {
        fprintf(stderr, "powercut: %s: %s\n", log, strerror(errno));
        free(path);
        return -1;
    }
    rec *recs = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        rec r = {0};
        if (fread(&r.h, sizeof r.h, 1, in) != 1) break;
        if (r.h.type == 'W') {
            r.data = malloc(r.h.len ? r.h.len : 1);
            if (!r.data || fread(r.data, 1, r.h.len, in) != r.h.len) {   /* a torn last record: its write never happened */
                free(r.data);
                break;
            }
        } else if (r.h.type != 'S' && r.h.type != 'H') {
            fprintf(stderr, "powercut: %s: bad record\n", log);
            break;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            recs = realloc(recs, cap * sizeof *recs);
        }
        recs[n++] = r;
    }
    fclose(in);
    int rc = 0;
    int fd = open(path, O_RDWR);
    if (fd < 0 && n > 0) {
        /* The file was deleted after its last sync (e.g. a WAL at close): nothing to roll back. */
        if (errno != ENOENT) {
            fprintf(stderr, "powercut: %s: %s\n", path, strerror(errno));
            rc = -1;
        }
    }
    if (fd >= 0) {
        static const unsigned char zeros[4096];
        for (size_t i = n; i-- > 0 && !rc;) {
            rec *r = &recs[i];
            if (r->h.type == 'S') continue;
            for (uint64_t s = 0; s < r->h.len && !rc; s += 512) {   /* sector by sector */
                uint64_t len = r->h.len - s < 512 ? r->h.len - s : 512;
                if (random_mode && coin()) continue;   /* this sector's new content reached the disk */
                const void *src = r->h.type == 'W' ? (const void *)(r->data + s) : (const void *)zeros;
                if (pwrite_all(fd, src, len, (off_t)(r->h.off + s))) rc = -1;
            }
        }
        if (!rc && n > 0 && recs[0].h.type == 'S' && (!random_mode || coin()))
            if (ftruncate(fd, (off_t)recs[0].h.off)) rc = -1;
        if (rc) fprintf(stderr, "powercut: %s: %s\n", path, strerror(errno));
        close(fd);
    }
    for (size_t i = 0; i < n; i++) free(recs[i].data);
    free(recs);
    free(path);
    if (!rc) unlink(log);
    *n_recs += (long)n;
    return rc;
}

int main(int argc, char **argv) {
    int random_mode = 0, i = 1, rc = 0;
    if (argc > 2 && !strcmp(argv[1], "--random")) {
        random_mode = 1;
        g_rng = strtoull(argv[2], NULL, 10) * 2654435761u + 88172645463325252ull;
        i = 3;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: powercut [--random SEED] FILE.lossy...\n"
                        "Roll each FILE back to its last sync, as a power cut would, and remove the logs.\n");
        return 2;
    }
    long n_recs = 0;
    for (; i < argc; i++)
        if (power_cut(argv[i], random_mode, &n_recs)) rc = 1;
    printf("%ld\n", n_recs);   /* unsynced writes undone (records) */
    return rc;
}
#endif
