/* SPDX-License-Identifier: Apache-2.0 */
/* stats.c — lock-free counters in a shared memory-mapped file.
 *
 * ccache rewrites a stats file under a lock on every call, which costs a
 * measurable slice of a hit.  Here $RICC_DIR/stats is a fixed 64-byte header
 * followed by ST_SLOT_COUNT int64 slots, mapped MAP_SHARED by every process;
 * a counter update is one atomic add on the mapping.  No lock, no write()
 * call, and the page cache makes every process see the same numbers.
 *
 * Creation must never expose a half-initialized file, so a new file is built
 * under a temporary name and link()ed into place: link fails if someone else
 * won the race, and then we simply use theirs.  A file of the wrong size or
 * magic (damaged, or from another version) is replaced by a fresh one with
 * rename(), never truncated in place: a process that still maps the old file
 * must not take SIGBUS.
 *
 * If the directory is not writable, or anything else fails, the counters
 * become no-ops: statistics must never break a build.
 *
 * Per kind of call (compile, link, ar, exec): the process says once what
 * its call is (stats_set_kind), and stats_add of one of the six outcome
 * counters adds to that kind's copy as well: one compare and one more
 * atomic add, on a line already in the cache, so the hit path does not
 * notice.  The same place remembers the outcome and the last reason slot
 * for the per-call stats log, which the wrapper writes from a hook (the
 * reason names are the wrapper's; and a plain run replaces the process
 * right after its counter is added, so "at exit" would be too late). */
#include "cache/local/stats.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache/local/layout.h"
#include "cache/util/fsutil.h"
#include "cache/util/log.h"

#define STATS_MAGIC 0x5249434353544154ULL /* "RICCSTAT" */
#define STATS_VERSION 2

typedef struct stats_header {
    uint64_t magic;
    uint32_t version;
    uint32_t slots;
    unsigned char spare[64 - 16];
} stats_header;

_Static_assert(sizeof(stats_header) == 64, "stats header layout");

#define STATS_FILE_SIZE (sizeof(stats_header) + ST_SLOT_COUNT * sizeof(int64_t))

static void *map;          /* the whole file, or NULL when stats are off */
static int64_t *slot;      /* map + header */
static int writable;       /* 0 when mapped read-only (someone else's cache) */
static stats_call call = {STATS_KIND_COMPILE, -1, -1, NULL};
static void (*on_outcome)(const stats_call *call);
static int pending; /* a miss whose reason is still to come */
static pid_t pending_pid; /* ... in this process (not a child forked since) */

static const char *const names[ST_PUBLIC_COUNT] = {
    [ST_DIRECT_HIT] = "direct_hit",
    [ST_PREPROCESSED_HIT] = "preprocessed_hit",
    [ST_REMOTE_HIT] = "remote_hit",
    [ST_MISS] = "miss",
    [ST_UNCACHEABLE] = "uncacheable",
    [ST_FALLBACK] = "fallback",
    [ST_COMPILE_FAILED] = "compile_failed",
    [ST_CORRUPT_ENTRY] = "corrupt_entry",
    [ST_EVICTED_FILES] = "evicted_files",
    [ST_CLEANUPS] = "cleanups",
    [ST_STORE_ERRORS] = "store_errors",
    [ST_REMOTE_MISS] = "remote_miss",
    [ST_REMOTE_ERROR] = "remote_error",
    [ST_REMOTE_TIMEOUT] = "remote_timeout",
    [ST_REMOTE_BYTES_UP] = "remote_bytes_up",
    [ST_REMOTE_BYTES_DOWN] = "remote_bytes_down",
};

static const char *const kind_names[STATS_KIND_COUNT] = {
    [STATS_KIND_COMPILE] = "compile",
    [STATS_KIND_LINK] = "link",
    [STATS_KIND_AR] = "ar",
    [STATS_KIND_EXEC] = "exec",
};

const char *stats_name(enum stat_id id)
{
    if ((int)id < 0 || id >= ST_PUBLIC_COUNT)
        return "internal";
    return names[id];
}

const char *stats_kind_name(enum stats_kind k)
{
    return (int)k >= 0 && k < STATS_KIND_COUNT ? kind_names[k] : "unknown";
}

/* Write a complete, zeroed stats file under a temporary name and return
 * that name (malloc'd), or NULL with errno. */
static char *build_fresh(const char *path)
{
    char *tmp = NULL;
    int fd = fs_open_tmp_beside(path, 0644, &tmp);
    if (fd < 0)
        return NULL;
    stats_header h = {.magic = STATS_MAGIC, .version = STATS_VERSION, .slots = ST_SLOT_COUNT};
    /* A fresh file's counters start now: "zeroed" at its making. */
    int64_t born = (int64_t)time(NULL);
    int ok = ftruncate(fd, (off_t)STATS_FILE_SIZE) == 0 && fs_write_all(fd, &h, sizeof h) == 0 &&
             pwrite(fd, &born, sizeof born, (off_t)(sizeof h + ST_ZEROED_AT * sizeof born)) ==
                 (ssize_t)sizeof born;
    int e = errno;
    if (close(fd) != 0 && ok) {
        ok = 0;
        e = errno;
    }
    if (!ok) {
        unlink(tmp);
        free(tmp);
        errno = e;
        return NULL;
    }
    return tmp;
}

/* Put a fresh file at path: if `replace`, over whatever is there; else only
 * if nothing is there (losing the race to another creator is success). */
static int install_fresh(const char *path, int replace)
{
    char *tmp = build_fresh(path);
    if (!tmp)
        return -1;
    int r = replace ? rename(tmp, path) : link(tmp, path);
    int e = errno;
    if (r != 0 && !replace && e == EEXIST)
        r = 0;
    unlink(tmp); /* after link(), or after a failed rename() */
    free(tmp);
    errno = e;
    return r;
}

static int valid(const void *m, off_t size)
{
    const stats_header *h = m;
    return size == (off_t)STATS_FILE_SIZE && h->magic == STATS_MAGIC &&
           h->version == STATS_VERSION && h->slots == ST_SLOT_COUNT;
}

/* Open and map path.  Returns 1 on success, 0 if the file is present but
 * invalid (caller rebuilds), -1 with errno on other failure. */
static int try_map(const char *path)
{
    int prot = PROT_READ | PROT_WRITE;
    int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW); /* not through a planted link */
    if (fd < 0 && (errno == EACCES || errno == EROFS)) {
        /* Readable but not ours: show the numbers, count nothing. */
        prot = PROT_READ;
        fd = open(path, O_RDONLY | O_CLOEXEC);
    }
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    if (st.st_size != (off_t)STATS_FILE_SIZE) {
        close(fd);
        return 0;
    }
    void *m = mmap(NULL, STATS_FILE_SIZE, prot, MAP_SHARED, fd, 0);
    int e = errno;
    close(fd); /* the mapping keeps the file */
    if (m == MAP_FAILED) {
        errno = e;
        return -1;
    }
    if (!valid(m, st.st_size)) {
        munmap(m, STATS_FILE_SIZE);
        return 0;
    }
    map = m;
    slot = (int64_t *)((char *)m + sizeof(stats_header));
    writable = (prot & PROT_WRITE) != 0;
    return 1;
}

int stats_open(const char *dir)
{
    stats_close();
    char *path = layout_path_dup(dir, LAYOUT_STATS, NULL);
    if (!path) {
        errno = ENOMEM;
        return -1;
    }
    int r = try_map(path);
    if (r < 0 && errno == ENOENT) {
        if (fs_mkdir_p(dir, 0755) == 0 && install_fresh(path, 0) == 0)
            r = try_map(path);
    } else if (r == 0) {
        /* Damaged or foreign layout: start again from zeros. */
        LOG_W("statistics file %s is damaged; starting the counters again from zero", path);
        if (install_fresh(path, 1) == 0)
            r = try_map(path);
    }
    int e = errno;
    free(path);
    if (r == 1)
        return 0;
    errno = r == 0 ? EINVAL : e;
    return -1;
}

void stats_close(void)
{
    if (map)
        munmap(map, STATS_FILE_SIZE);
    map = NULL;
    slot = NULL;
    writable = 0;
}

static int in_range(enum stat_id id)
{
    return (int)id >= 0 && id < ST_SLOT_COUNT;
}

static int is_miss_reason(int id)
{
    return id >= ST_MISS_REASON0 && id < ST_UNCACHEABLE_REASON0;
}

static void flush_call(void)
{
    if (pending && on_outcome && pending_pid == getpid()) {
        pending = 0;
        on_outcome(&call);
    }
}

/* The hook hears of the call now, or, for a miss whose reason is counted
 * after it (the flows count the miss, then why), when the reason comes or
 * at exit — this process's exit: a child forked since inherits the
 * atexit handler, not the call.  (An uncacheable call's reason comes
 * first: a plain run then replaces the process.) */
static void outcome_known(void)
{
    static int registered;
    pending = 1;
    pending_pid = getpid();
    if (call.outcome == ST_MISS && !is_miss_reason(call.reason) &&
        (registered || (registered = atexit(flush_call) == 0)))
        return;
    flush_call();
}

void stats_add(enum stat_id id, int64_t delta)
{
    int outcome = (unsigned)id < STATS_OUTCOMES;
    if (slot && writable && in_range(id)) {
        __atomic_fetch_add(&slot[id], delta, __ATOMIC_RELAXED);
        if (outcome)
            __atomic_fetch_add(&slot[ST_KIND0 + call.kind * STATS_KIND_SLOTS + id], delta,
                               __ATOMIC_RELAXED);
    }
    if (outcome) {
        call.outcome = id;
        if (on_outcome)
            outcome_known();
    } else if (id >= ST_MISS_REASON0 && id < ST_SLOT_COUNT) {
        call.reason = id;
        if (pending && is_miss_reason(id))
            flush_call();
    }
}

void stats_set_kind(enum stats_kind k)
{
    if ((int)k >= 0 && k < STATS_KIND_COUNT)
        call.kind = k;
}

void stats_set_subject(const char *subject)
{
    call.subject = subject;
}

void stats_on_outcome(void (*fn)(const stats_call *c))
{
    on_outcome = fn;
}

int64_t stats_get(enum stat_id id)
{
    if (!slot || !in_range(id))
        return 0;
    return __atomic_load_n(&slot[id], __ATOMIC_RELAXED);
}

void stats_set(enum stat_id id, int64_t value)
{
    if (slot && writable && in_range(id))
        __atomic_store_n(&slot[id], value, __ATOMIC_RELAXED);
}

void stats_zero(void)
{
    for (int i = 0; i < ST_PUBLIC_COUNT; i++)
        stats_set((enum stat_id)i, 0);
    for (int i = ST_KIND0; i < ST_SLOT_COUNT; i++) /* per kind, per reason */
        stats_set((enum stat_id)i, 0);
    stats_set(ST_ZEROED_AT, (int64_t)time(NULL));
}
