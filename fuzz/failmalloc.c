/*
** failmalloc.c: an LD_PRELOAD shim that makes one chosen allocation fail, for
** the fault-injection test (tests/api/faults.test.mjs). Built by
** `make fault-shim` into build/fuzz/failmalloc.so.
**
**   FAILMALLOC_CTL=/path/ctl   a file holding a number N
**   FAILMALLOC_LOG=/path/log   where the shim reports (appended lines)
**
** On SIGUSR2 the shim reads N from the control file and arms: the Nth call to
** malloc, calloc or realloc after that, in any thread, returns NULL with
** errno ENOMEM ("fail N" is logged), and the shim disarms itself. Writing 0
** and signalling again disarms it by hand and logs "left K": how many
** allocations were still to go (with a large N, N - K is how many a request
** made). Unarmed, the shim only counts down an atomic that is zero.
**
** Works under the plain binary and the ASan one (with
** ASAN_OPTIONS=verify_asan_link_order=0, so the shim may come before the ASan
** runtime; allocations then go on to ASan's allocator). The real functions are
** found with dlsym(RTLD_NEXT), which itself allocates: those first few
** allocations come from a static buffer that free() then ignores.
*/
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static int resolving;

static _Alignas(16) char boot[1 << 16];
static size_t boot_used;

static atomic_long countdown;   /* > 0: armed; the call that takes it to 0 fails */
static char ctl_path[512], log_path[512];

static int in_boot(const void *p) { return (const char *)p >= boot && (const char *)p < boot + sizeof boot; }

static void *boot_alloc(size_t n) {
    n = (n + 15) & ~(size_t)15;
    if (n > sizeof boot - boot_used) return NULL;
    void *p = boot + boot_used;
    boot_used += n;
    return p;   /* static storage: already zero */
}

static void resolve(void) {
    if (real_free || resolving) return;
    resolving = 1;
    real_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
    real_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
    real_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
    real_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
    resolving = 0;
}

/* Append "word N\n" to the log; async-signal-safe (open/write/close only). */
static void log_line(const char *word, long n) {
    if (!log_path[0]) return;
    char buf[64];
    size_t len = strlen(word);
    memcpy(buf, word, len);
    buf[len++] = ' ';
    char digits[24];
    int k = 0;
    unsigned long u = n < 0 ? 0 : (unsigned long)n;
    do digits[k++] = (char)('0' + u % 10); while ((u /= 10) && k < 23);
    while (k) buf[len++] = digits[--k];
    buf[len++] = '\n';
    int saved = errno;
    int fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) {
        ssize_t w = write(fd, buf, len);
        (void)w;
        close(fd);
    }
    errno = saved;
}

static int should_fail(void) {
    long c = atomic_load(&countdown);
    while (c > 0) {
        if (atomic_compare_exchange_weak(&countdown, &c, c - 1)) {
            if (c != 1) return 0;
            log_line("fail", 1);
            return 1;
        }
    }
    return 0;
}

void *malloc(size_t n) {
    if (!real_malloc) {
        resolve();
        if (!real_malloc) return boot_alloc(n);
    }
    if (should_fail()) {
        errno = ENOMEM;
        return NULL;
    }
    return real_malloc(n);
}

void *calloc(size_t n, size_t size) {
    if (!real_calloc) {
        resolve();
        if (!real_calloc) return size && n > ((size_t)-1) / size ? NULL : boot_alloc(n * size);
    }
    if (should_fail()) {
        errno = ENOMEM;
        return NULL;
    }
    return real_calloc(n, size);
}

void *realloc(void *p, size_t n) {
    if (!real_realloc) resolve();
    if (in_boot(p)) {   /* move a bootstrap block to the real heap */
        void *q = malloc(n);
        if (q) memcpy(q, p, n < (size_t)(boot + sizeof boot - (char *)p) ? n : (size_t)(boot + sizeof boot - (char *)p));
        return q;
    }
    if (should_fail()) {
        errno = ENOMEM;
        return NULL;
    }
    return real_realloc(p, n);
}

void free(void *p) {
    if (!p || in_boot(p)) return;
    if (!real_free) resolve();
    real_free(p);
}

static void on_signal(int sig) {
    (void)sig;
    char buf[32];
    long n = 0;
    int saved = errno;
    int fd = open(ctl_path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t r = read(fd, buf, sizeof buf - 1);
        close(fd);
        for (ssize_t i = 0; i < r && buf[i] >= '0' && buf[i] <= '9'; i++) n = n * 10 + (buf[i] - '0');
    }
    long left = atomic_exchange(&countdown, n);
    if (n == 0) log_line("left", left);
    else log_line("armed", n);
    errno = saved;
}

__attribute__((constructor)) static void init(void) {
    resolve();
    /* getenv does not allocate. */
    extern char **environ;
    for (char **e = environ; e && *e; e++) {
        if (!strncmp(*e, "FAILMALLOC_CTL=", 15)) strncpy(ctl_path, *e + 15, sizeof ctl_path - 1);
        if (!strncmp(*e, "FAILMALLOC_LOG=", 15)) strncpy(log_path, *e + 15, sizeof log_path - 1);
    }
    if (!ctl_path[0]) return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR2, &sa, NULL);
}
