/* SPDX-License-Identifier: Apache-2.0 */
/* store.c — the local store: CAS blobs, keyed entries, and the size limit.
 *
 * Everything is a plain file named by a SHA-256 under a two-hex-digit
 * directory, so a lookup is one open() and no index has to be kept
 * consistent between hundreds of concurrent processes.  Three rules make
 * that safe:
 *
 *  1. Writes are temp-file-then-rename (fsutil), so a name only ever points
 *     at a complete file.
 *  2. Reads verify: a blob must hash to its name and size, a keyed entry
 *     must match the checksum in its frame.  Whatever a crash, a full disk
 *     or a stray editor did, a bad file is a miss, and it is removed and
 *     counted so it does not stay a miss forever.
 *  3. Use is recorded in the file's mtime (a read touches it), so "least
 *     recently used" needs no database: it is "oldest mtime".
 *
 * The size limit is kept without scanning the whole cache.  Bytes are counted
 * per shard (first hex digit of the name, across cas/, ac/ and manifests/)
 * in shared stats slots.  A write that takes its shard over max_size/16
 * cleans that shard alone, under a non-blocking per-shard lock (whoever
 * loses the race just carries on): list it, drop the oldest files until it
 * is at 90% of its share, and re-base the counter on what the scan saw.
 * Sizes are counted in 4 KiB blocks, which is what small files really cost
 * on disk; counting bytes would let a cache of many small ActionResults
 * overshoot its limit several times over.
 *
 * A write that fails (a read-only or full file system, a directory that is
 * not ours) still returns -1, so callers warn and count as before, but the
 * bytes are kept in this process's memory (up to KEPT_MAX) and every read
 * below finds them there.  A compile whose result could not be stored is
 * then still uploaded to the remote, which reads it back from the store
 * (wrapper/remote/remote_flow.c): a sandbox whose cache cannot be written shares
 * its results all the same.  Nothing kept outlives the process. */
#include "cache/local/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache/util/fsutil.h"
#include "cache/util/hash64.h"
#include "cache/local/layout.h"
#include "cache/local/stats.h"

enum area { AREA_CAS, AREA_AC, AREA_MANIFEST, AREA_COUNT };

/* The area's directory under RICC_DIR (layout.h keeps them in this order). */
static const char *area_dir(int a)
{
    return layout_name((enum layout_item)(LAYOUT_CAS + a));
}

/* Frame of a keyed entry: magic, checksum of the payload (32 bytes),
 * payload.  Distinct magics per kind, so an entry copied into the wrong tree
 * is also refused.  The checksum catches torn writes and damage, not an
 * adversary (who could write a valid frame of any kind): since version 2 it
 * is hash64 of the payload seeded with its length, then 24 zero bytes.
 * Version 1 held the payload's SHA-256, which was two fifths of a direct
 * hit's instructions (a manifest is tens of KB, read on every hit); its
 * frames are still read. */
#define FRAME_MAGIC_LEN 8
#define FRAME_HEADER (FRAME_MAGIC_LEN + 32)
static const char *const frame_magic[AREA_COUNT] = {NULL, "RICC-AC2", "RICC-MF2"};
static const char *const frame_magic_v1[AREA_COUNT] = {NULL, "RICC-AC1", "RICC-MF1"};
#define FRAME_SEED 0x52494343u /* "RICC" */

/* The version 2 checksum field of payload p[0..n). */
static void frame_sum(const char *p, size_t n, unsigned char out[32])
{
    uint64_t h = hash64(FRAME_SEED ^ (uint64_t)n, p, n);
    memset(out, 0, 32);
    for (int i = 0; i < 8; i++)
        out[i] = (unsigned char)(h >> (8 * i));
}

/* Does frame f[0..n) hold an intact payload for area a? */
static int frame_ok(enum area a, const char *f, size_t n)
{
    if (n < FRAME_HEADER)
        return 0;
    const char *payload = f + FRAME_HEADER;
    size_t len = n - FRAME_HEADER;
    unsigned char want[32];
    if (memcmp(f, frame_magic[a], FRAME_MAGIC_LEN) == 0) {
        frame_sum(payload, len, want);
    } else if (memcmp(f, frame_magic_v1[a], FRAME_MAGIC_LEN) == 0) {
        digest d;
        digest_buf(payload, len, &d);
        if (digest_raw(&d, want) != 0)
            return 0;
    } else {
        return 0;
    }
    return memcmp(want, f + FRAME_MAGIC_LEN, 32) == 0;
}

#define SHARDS 16
#define KEPT_MAX ((size_t)512 << 20)

static const char hexdigit[] = "0123456789abcdef";

/* A blob or entry whose write failed, kept for this process's reads. */
typedef struct kept {
    struct kept *next;
    enum area area;
    char hash[DIGEST_HEX_LEN + 1];
    size_t len;
    char data[];
} kept;

struct store {
    char *dir;
    uint64_t max_size;
    kept *kept;
    size_t kept_bytes;
};

static void maybe_clean(store *s, int shard);

/* ---- names and accounting ---- */

store *store_open(const char *dir, uint64_t max_size)
{
    store *s = malloc(sizeof *s);
    if (!s)
        return NULL;
    s->dir = strdup(dir);
    if (!s->dir) {
        free(s);
        return NULL;
    }
    s->max_size = max_size;
    s->kept = NULL;
    s->kept_bytes = 0;
    return s;
}

void store_close(store *s)
{
    if (!s)
        return;
    while (s->kept) {
        kept *k = s->kept;
        s->kept = k->next;
        free(k);
    }
    free(s->dir);
    free(s);
}

const char *store_dir(const store *s)
{
    return s->dir;
}

static enum area area_of(enum store_kind k)
{
    return k == STORE_AC ? AREA_AC : AREA_MANIFEST;
}

/* Names come from the network too (a remote's ActionResult names blobs);
 * anything but 64 lowercase hex digits could walk out of the store. */
static int valid_hash(const char *h)
{
    for (int i = 0; i < DIGEST_HEX_LEN; i++)
        if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
            return 0;
    return h[DIGEST_HEX_LEN] == '\0';
}

static int entry_path(const store *s, enum area a, const char *hash, char *out, size_t cap)
{
    if (!valid_hash(hash)) {
        errno = EINVAL;
        return -1;
    }
    int n = snprintf(out, cap, "%s/%s/%.2s/%s", s->dir, area_dir(a), hash, hash);
    if (n < 0 || (size_t)n >= cap) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

static int shard_of(const char *hash)
{
    return (int)(strchr(hexdigit, hash[0]) - hexdigit);
}

/* What a file of `size` bytes is charged against the limit. */
static int64_t charge(int64_t size)
{
    return layout_charge(size);
}

static void account(store *s, const char *hash, int64_t delta)
{
    int shard = shard_of(hash);
    stats_add((enum stat_id)(ST_SHARD_BYTES0 + shard), delta);
    if (delta > 0 && s->max_size)
        maybe_clean(s, shard);
}

/* A file failed verification: remove it so the next call can store a good
 * one, and count it. */
static void drop_corrupt(store *s, const char *hash, const char *path, int64_t size)
{
    if (unlink(path) == 0)
        account(s, hash, -charge(size));
    stats_add(ST_CORRUPT_ENTRY, 1);
}

/* Record use for LRU.  Failure (someone else's file) only costs accuracy. */
static void touch(const char *path)
{
    utimensat(AT_FDCWD, path, NULL, 0);
}

/* 1 if path exists, refreshing its mtime on the way (one system call). */
static int present_touch(const char *path)
{
    if (utimensat(AT_FDCWD, path, NULL, 0) == 0)
        return 1;
    return errno != ENOENT && access(path, F_OK) == 0;
}

/* ---- what could not be written ---- */

static kept *find_kept(const store *s, enum area a, const char *hash)
{
    for (kept *k = s->kept; k; k = k->next)
        if (k->area == a && !strcmp(k->hash, hash))
            return k;
    return NULL;
}

/* A write of buf under hash failed: keep a copy for this process (errno is
 * left as the failure set it). */
static void keep(store *s, enum area a, const char *hash, const void *buf, size_t len)
{
    int e = errno;
    kept *k = find_kept(s, a, hash);
    if (k && k->len == len) {
        memcpy(k->data, buf, len); /* a keyed entry given again */
    } else if (len <= KEPT_MAX - s->kept_bytes && (k = malloc(sizeof *k + len + 1))) {
        k->area = a;
        memcpy(k->hash, hash, sizeof k->hash);
        k->len = len;
        memcpy(k->data, buf, len);
        k->data[len] = '\0';
        k->next = s->kept;
        s->kept = k;
        s->kept_bytes += len;
    }
    errno = e;
}

/* A copy of a kept blob or entry, NUL-terminated as fs_read_file's.  0 or
 * -1 (none; errno untouched). */
static int read_kept(const store *s, enum area a, const char *hash, char **buf, size_t *len)
{
    kept *k = find_kept(s, a, hash);
    char *p = k ? malloc(k->len + 1) : NULL;
    if (!p)
        return -1;
    memcpy(p, k->data, k->len + 1);
    *buf = p;
    *len = k->len;
    return 0;
}

/* ---- CAS ---- */

int cas_has(store *s, const digest *d)
{
    char path[PATH_MAX];
    if (entry_path(s, AREA_CAS, d->hash, path, sizeof path) != 0)
        return 0;
    return access(path, F_OK) == 0 || find_kept(s, AREA_CAS, d->hash) != NULL;
}

int cas_put(store *s, const void *buf, size_t len, digest *out)
{
    digest d;
    digest_buf(buf, len, &d);
    if (out)
        *out = d;
    char path[PATH_MAX];
    if (entry_path(s, AREA_CAS, d.hash, path, sizeof path) != 0)
        return -1;
    /* Same name means same content: never rewrite, only mark as used. */
    if (present_touch(path))
        return 0;
    if (atomic_write_file(path, buf, len, 0644) != 0) {
        keep(s, AREA_CAS, d.hash, buf, len);
        return -1;
    }
    account(s, d.hash, charge((int64_t)len));
    return 0;
}

/* cas_put_file could not write src's blob d: keep its bytes if they are
 * still d's.  -1 with the write's errno. */
static int keep_file(store *s, const char *src, const digest *d)
{
    int e = errno;
    char *buf;
    size_t len;
    if (fs_read_file(src, &buf, &len) == 0) {
        digest got;
        digest_buf(buf, len, &got);
        if (digest_equal(&got, d))
            keep(s, AREA_CAS, d->hash, buf, len);
        free(buf);
    }
    errno = e;
    return -1;
}

int cas_put_file(store *s, const char *src, digest *out)
{
    /* Hash first, then copy: if the blob is already stored (identical
     * outputs are common) nothing is written at all, and a fresh one can be
     * a reflink of the source instead of a byte copy.  If the source changed
     * between the two, the blob will fail verification on read. */
    digest d;
    if (digest_file(src, &d) != 0)
        return -1;
    if (out)
        *out = d;
    char path[PATH_MAX];
    if (entry_path(s, AREA_CAS, d.hash, path, sizeof path) != 0)
        return -1;
    if (present_touch(path))
        return 0;
    if (atomic_copy_file(src, path, 0644) != 0) {
        if (errno != ENOENT)
            return keep_file(s, src, &d);
        /* The shard directory does not exist yet. */
        char *slash = strrchr(path, '/');
        *slash = '\0';
        int r = fs_mkdir_p(path, 0755);
        *slash = '/';
        if (r != 0 || atomic_copy_file(src, path, 0644) != 0)
            return keep_file(s, src, &d);
    }
    account(s, d.hash, charge(d.size_bytes));
    return 0;
}

int cas_get(store *s, const digest *d, char **buf, size_t *len)
{
    char path[PATH_MAX];
    if (entry_path(s, AREA_CAS, d->hash, path, sizeof path) != 0)
        return -1;
    char *p;
    size_t n;
    if (fs_read_file(path, &p, &n) != 0) {
        if (read_kept(s, AREA_CAS, d->hash, buf, len) == 0)
            return 0;
        return errno == ENOENT ? 1 : -1;
    }
    digest got;
    digest_buf(p, n, &got);
    if (!digest_equal(&got, d)) {
        free(p);
        drop_corrupt(s, d->hash, path, (int64_t)n);
        return 1;
    }
    touch(path);
    *buf = p;
    *len = n;
    return 0;
}

int cas_materialize(store *s, const digest *d, const char *dst, int executable)
{
    char path[PATH_MAX];
    if (entry_path(s, AREA_CAS, d->hash, path, sizeof path) != 0)
        return -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 1 : -1;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    /* Touch before verifying and copying: the blob is now the newest file
     * in its shard, so a concurrent cleanup will not pick it. */
    futimens(fd, NULL);
    digest got;
    int r = st.st_size == d->size_bytes ? digest_fd(fd, &got) : 0;
    if (r != 0 || st.st_size != d->size_bytes || !digest_equal(&got, d)) {
        int e = errno;
        close(fd);
        errno = e;
        if (r != 0)
            return -1;
        drop_corrupt(s, d->hash, path, (int64_t)st.st_size);
        return 1;
    }
    /* Copy from the descriptor just verified, so what lands is what was
     * checked even if a cleanup removes the blob meanwhile.  Modes go
     * through open(), so the umask applies as for a compiler. */
    r = fs_place_copy(fd, dst, executable ? 0755 : 0644);
    int e = errno;
    close(fd);
    errno = e;
    return r;
}

/* ---- keyed entries ---- */

int store_get(store *s, enum store_kind k, const digest *key, char **buf, size_t *len)
{
    enum area a = area_of(k);
    char path[PATH_MAX];
    if (entry_path(s, a, key->hash, path, sizeof path) != 0)
        return -1;
    char *p;
    size_t n;
    if (fs_read_file(path, &p, &n) != 0) {
        if (read_kept(s, a, key->hash, buf, len) == 0)
            return 0;
        return errno == ENOENT ? 1 : -1;
    }
    if (!frame_ok(a, p, n)) {
        free(p);
        drop_corrupt(s, key->hash, path, (int64_t)n);
        return 1;
    }
    touch(path);
    *len = n - FRAME_HEADER;
    memmove(p, p + FRAME_HEADER, *len + 1); /* keeps the trailing NUL */
    *buf = p;
    return 0;
}

int store_put(store *s, enum store_kind k, const digest *key, const void *buf, size_t len)
{
    enum area a = area_of(k);
    char path[PATH_MAX];
    if (entry_path(s, a, key->hash, path, sizeof path) != 0)
        return -1;
    char *frame = malloc(FRAME_HEADER + len);
    if (!frame) {
        errno = ENOMEM;
        return -1;
    }
    memcpy(frame, frame_magic[a], FRAME_MAGIC_LEN);
    frame_sum(buf, len, (unsigned char *)frame + FRAME_MAGIC_LEN);
    memcpy(frame + FRAME_HEADER, buf, len);

    /* A keyed entry may be replaced (a newer result for the same key):
     * charge only the difference. */
    struct stat old;
    int64_t old_charge = stat(path, &old) == 0 ? charge(old.st_size) : 0;
    int r = atomic_write_file(path, frame, FRAME_HEADER + len, 0644);
    int e = errno;
    free(frame);
    if (r != 0) {
        keep(s, a, key->hash, buf, len);
        errno = e;
        return -1;
    }
    account(s, key->hash, charge((int64_t)(FRAME_HEADER + len)) - old_charge);
    return 0;
}

int store_remove(store *s, enum store_kind k, const digest *key)
{
    for (kept **pp = &s->kept; *pp; pp = &(*pp)->next)
        if ((*pp)->area == area_of(k) && !strcmp((*pp)->hash, key->hash)) {
            kept *gone = *pp;
            *pp = gone->next;
            s->kept_bytes -= gone->len;
            free(gone);
            break;
        }
    char path[PATH_MAX];
    if (entry_path(s, area_of(k), key->hash, path, sizeof path) != 0)
        return -1;
    struct stat st;
    if (stat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    if (unlink(path) != 0)
        return errno == ENOENT ? 0 : -1;
    account(s, key->hash, -charge(st.st_size));
    return 0;
}

/* ---- shard cleanup ---- */

typedef struct victim {
    int64_t mtime_ns;
    int64_t bytes;
    unsigned char area, sub;
    char name[DIGEST_HEX_LEN + 8];
} victim;

typedef struct victims {
    victim *v;
    size_t n, cap;
} victims;

static int push_victim(victims *vs, const victim *v)
{
    if (vs->n == vs->cap) {
        size_t cap = vs->cap ? vs->cap * 2 : 256;
        victim *nv = realloc(vs->v, cap * sizeof *nv);
        if (!nv)
            return -1;
        vs->v = nv;
        vs->cap = cap;
    }
    vs->v[vs->n++] = *v;
    return 0;
}

static int older_first(const void *a, const void *b)
{
    const victim *x = a, *y = b;
    return (x->mtime_ns > y->mtime_ns) - (x->mtime_ns < y->mtime_ns);
}

/* List every entry of one shard into vs; stale temporaries are removed on
 * the way, live ones (a write in progress) are left alone and not counted. */
static int scan_shard(store *s, int shard, victims *vs, time_t now)
{
    char dpath[PATH_MAX];
    for (int a = 0; a < AREA_COUNT; a++) {
        for (int sub = 0; sub < 16; sub++) {
            snprintf(dpath, sizeof dpath, "%s/%s/%c%c", s->dir, area_dir(a),
                     hexdigit[shard], hexdigit[sub]);
            DIR *d = opendir(dpath);
            if (!d)
                continue;
            struct dirent *de;
            while ((de = readdir(d))) {
                struct stat st;
                if (de->d_name[0] == '.' ||
                    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
                    !S_ISREG(st.st_mode))
                    continue;
                if (layout_is_tmp_name(de->d_name)) {
                    if (now - st.st_mtime > LAYOUT_STALE_SECONDS)
                        unlinkat(dirfd(d), de->d_name, 0);
                    continue;
                }
                victim v = {.mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec,
                            .bytes = charge(st.st_size), .area = (unsigned char)a,
                            .sub = (unsigned char)sub};
                if (strlen(de->d_name) >= sizeof v.name)
                    continue; /* not a name the store writes */
                strcpy(v.name, de->d_name);
                if (push_victim(vs, &v) != 0) {
                    closedir(d);
                    errno = ENOMEM;
                    return -1;
                }
            }
            closedir(d);
        }
    }
    return 0;
}

/* Take $dir/lock/shard-X.  Returns the fd, or -1 if another process holds
 * it (and !wait) or the lock cannot be made. */
static int lock_shard(store *s, int shard, int wait)
{
    char path[PATH_MAX], name[16];
    snprintf(name, sizeof name, "shard-%c", hexdigit[shard]);
    if (layout_path(s->dir, LAYOUT_LOCK, name, path, sizeof path) != 0)
        return -1;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 && errno == ENOENT && layout_make_parent(path) == 0)
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0) {
        if (errno != EINTR) {
            close(fd);
            return -1;
        }
    }
    return fd;
}

/* Each shard's share of max_size, less what RICC_DIR holds outside the
 * shards (the fixed tables, identity/, incdirs/: ST_OTHER_BYTES, as the
 * last cleanup measured it).  INT64_MAX without a limit. */
static int64_t shard_share(const store *s)
{
    if (!s->max_size)
        return INT64_MAX;
    int64_t other = stats_get(ST_OTHER_BYTES);
    int64_t room = (int64_t)(s->max_size > INT64_MAX ? INT64_MAX : s->max_size) -
                   (other > 0 ? other : 0);
    return room > 0 ? room / SHARDS : 0;
}

/* Measure what lies outside the shards again (a table made since the last
 * cleanup counts from now on) and remove killed processes' temporaries. */
static void tend_layout(store *s, time_t now)
{
    stats_set(ST_OTHER_BYTES, (int64_t)layout_measure(s->dir));
    layout_sweep(s->dir, now);
}

/* Bring one shard down to its share, oldest first, and re-base its counter
 * on what the scan saw.  `automatic` (a write took the shard over its
 * share): only if the counter is still over once we hold the lock (another
 * process may have just cleaned it), down to 90% of the share, and never
 * waiting for the lock.  Otherwise (ricc --cleanup) down to the share,
 * waiting for the lock, after the caller has measured and swept.  With
 * older_ns (ricc --evict-older-than), only the entries last used before
 * that time go, whatever the share.  What went is added to *out (or NULL). */
static int clean_shard(store *s, int shard, int automatic, int64_t older_ns,
                       store_removed *out)
{
    enum stat_id slot = (enum stat_id)(ST_SHARD_BYTES0 + shard);
    int lock = lock_shard(s, shard, !automatic);
    if (lock < 0)
        return automatic ? 0 : -1;
    if (automatic && stats_get(slot) <= shard_share(s)) {
        close(lock);
        return 0;
    }
    time_t now = time(NULL);
    if (automatic)
        tend_layout(s, now);
    int64_t share = shard_share(s);
    int64_t target = older_ns ? INT64_MAX : automatic ? share / 10 * 9 : share;
    int64_t before = stats_get(slot);
    victims vs = {0};
    if (scan_shard(s, shard, &vs, now) != 0) {
        free(vs.v);
        close(lock);
        return -1;
    }
    int64_t total = 0;
    for (size_t i = 0; i < vs.n; i++)
        total += vs.v[i].bytes;
    if (vs.n > 1)
        qsort(vs.v, vs.n, sizeof *vs.v, older_first);
    int64_t evicted = 0, evicted_bytes = 0;
    char path[PATH_MAX];
    for (size_t i = 0; i < vs.n && (total > target || vs.v[i].mtime_ns < older_ns); i++) {
        const victim *v = &vs.v[i];
        snprintf(path, sizeof path, "%s/%s/%c%c/%s", s->dir, area_dir(v->area),
                 hexdigit[shard], hexdigit[v->sub], v->name);
        if (unlink(path) == 0) {
            evicted++;
            evicted_bytes += v->bytes;
            total -= v->bytes;
        } else if (errno == ENOENT) {
            total -= v->bytes; /* someone removed it (a corrupt entry) */
        }
    }
    free(vs.v);
    /* Add the correction rather than store the total, so bytes written by
     * others while we scanned are not forgotten. */
    stats_add(slot, total - before);
    stats_add(ST_EVICTED_FILES, evicted);
    stats_add(ST_CLEANUPS, 1);
    close(lock);
    if (out) {
        out->files += (uint64_t)evicted;
        out->bytes += (uint64_t)evicted_bytes;
    }
    return 0;
}

static void maybe_clean(store *s, int shard)
{
    if (stats_get((enum stat_id)(ST_SHARD_BYTES0 + shard)) > shard_share(s))
        clean_shard(s, shard, 1, 0, NULL);
}

/* ---- maintenance ---- */

int store_clear(store *s, store_removed *out)
{
    int rc = 0;
    /* What goes, for the message: the entries as a scan sees them, and the
     * rest of RICC_DIR by what layout_measure() finds before and after. */
    uint64_t other = layout_measure(s->dir);
    for (int shard = 0; out && shard < SHARDS; shard++) {
        victims vs = {0};
        if (scan_shard(s, shard, &vs, time(NULL)) == 0)
            for (size_t i = 0; i < vs.n; i++) {
                out->files++;
                out->bytes += (uint64_t)vs.v[i].bytes;
            }
        free(vs.v);
    }
    for (int a = 0; a < AREA_COUNT; a++) {
        char *dir = layout_path_dup(s->dir, (enum layout_item)(LAYOUT_CAS + a), NULL);
        if (!dir || layout_remove_contents(dir) != 0)
            rc = -1;
        free(dir);
    }
    if (layout_clear(s->dir) != 0)
        rc = -1;
    for (int shard = 0; shard < SHARDS; shard++)
        stats_set((enum stat_id)(ST_SHARD_BYTES0 + shard), 0);
    uint64_t left = layout_measure(s->dir);
    stats_set(ST_OTHER_BYTES, (int64_t)left);
    if (out && other > left)
        out->bytes += other - left;
    return rc;
}

int store_cleanup(store *s, store_removed *out)
{
    tend_layout(s, time(NULL));
    /* Without a limit this still recounts the shards (and sweeps). */
    int rc = 0;
    for (int shard = 0; shard < SHARDS; shard++)
        if (clean_shard(s, shard, 0, 0, out) != 0)
            rc = -1;
    return rc;
}

uint64_t store_size(store *s)
{
    (void)s;
    uint64_t total = 0;
    for (int shard = 0; shard < SHARDS; shard++) {
        int64_t v = stats_get((enum stat_id)(ST_SHARD_BYTES0 + shard));
        if (v > 0)
            total += (uint64_t)v;
    }
    return total;
}

/* ricc --evict-older-than: every shard is scanned under its lock (waiting,
 * as --cleanup does) and what was last used (mtime: a hit refreshes it)
 * before now - age goes; the shard's counter is re-based on the scan, as by a
 * cleanup, since it is the same code (clean_shard) with a time instead of a
 * share. */
int store_evict_older_than(store *s, int64_t age_seconds, store_removed *out)
{
    time_t now = time(NULL);
    tend_layout(s, now);
    int64_t cutoff_ns = ((int64_t)now - (age_seconds > 0 ? age_seconds : 0)) * 1000000000;
    if (cutoff_ns <= 0)
        cutoff_ns = 1; /* 0 would mean "no cutoff" to clean_shard */
    int rc = 0;
    for (int shard = 0; shard < SHARDS; shard++)
        if (clean_shard(s, shard, 0, cutoff_ns, out) != 0)
            rc = -1;
    return rc;
}
