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
 *  2. Reads verify: a blob must hash to its name and size (a compressed
 *     one once decompressed), a keyed entry must match the checksum in its
 *     frame.  Whatever a crash, a full disk
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
 * Blobs may be stored compressed (store_cas.c; compress.h has the format
 * and when it is worth it).  The counters above are of the files on disk;
 * beside them each shard counts what its entries hold uncompressed (charged
 * the same way), for `ricc -s`, re-based by each scan from the blobs'
 * headers.
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
#include "cache/local/compress.h"
#include "cache/local/layout.h"
#include "cache/local/stats.h"
#include "cache/local/store_int.h"

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
 * frames are still read.
 *
 * With compression on, an entry that compression makes smaller on disk
 * (compress.h's rule: in practice a manifest, never an ActionResult, which
 * is far below one block) has the "Z" magic, the same checksum of the
 * uncompressed payload, and the payload framed as a compressed blob is.
 * A manifest is text and paths, ~3x smaller so; about half of a store of
 * objects compiled without -g is manifests. */
#define FRAME_MAGIC_LEN 8
#define FRAME_HEADER (FRAME_MAGIC_LEN + 32)
static const char *const frame_magic[AREA_COUNT] = {NULL, "RICC-AC2", "RICC-MF2"};
static const char *const frame_magic_z[AREA_COUNT] = {NULL, "RICC-AZ2", "RICC-MZ2"};
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

static const char hexdigit[] = "0123456789abcdef";

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
    s->compress = 0;
    s->level = 0;
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

void store_set_compression(store *s, int on, int level)
{
    s->compress = on;
    s->level = level;
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

int st_entry_path(const store *s, enum area a, const char *hash, char *out, size_t cap)
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

int64_t st_charge(int64_t size)
{
    return layout_charge(size);
}

void st_account(store *s, const char *hash, int64_t disk, int64_t raw)
{
    int shard = shard_of(hash);
    stats_add((enum stat_id)(ST_SHARD_BYTES0 + shard), disk);
    stats_add((enum stat_id)(ST_SHARD_RAW_BYTES0 + shard), raw);
    if (disk > 0 && s->max_size)
        maybe_clean(s, shard);
}

void st_drop_corrupt(store *s, const char *hash, const char *path, int64_t size, int64_t raw)
{
    if (unlink(path) == 0)
        st_account(s, hash, -st_charge(size), -st_charge(raw));
    stats_add(ST_CORRUPT_ENTRY, 1);
}

void st_touch(const char *path)
{
    utimensat(AT_FDCWD, path, NULL, 0);
}

int st_present_touch(const char *path)
{
    if (utimensat(AT_FDCWD, path, NULL, 0) == 0)
        return 1;
    return errno != ENOENT && access(path, F_OK) == 0;
}

/* ---- what could not be written ---- */

kept *st_find_kept(const store *s, enum area a, const char *hash)
{
    for (kept *k = s->kept; k; k = k->next)
        if (k->area == a && !strcmp(k->hash, hash))
            return k;
    return NULL;
}

void st_keep(store *s, enum area a, const char *hash, const void *buf, size_t len)
{
    int e = errno;
    kept *k = st_find_kept(s, a, hash);
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

int st_read_kept(const store *s, enum area a, const char *hash, char **buf, size_t *len)
{
    kept *k = st_find_kept(s, a, hash);
    char *p = k ? malloc(k->len + 1) : NULL;
    if (!p)
        return -1;
    memcpy(p, k->data, k->len + 1);
    *buf = p;
    *len = k->len;
    return 0;
}

/* ---- keyed entries ---- */

/* What the entry file `name` of area a (relative to directory fd dir, or
 * a path with AT_FDCWD) holds uncompressed: its frame's size when it is
 * compressed, else st_size.  (One open and read: a scan's or a write's
 * cost, never a hit's.) */
static int64_t raw_size_at(int dir, const char *name, enum area a, int64_t st_size)
{
    size_t off = a == AREA_CAS ? 0 : FRAME_HEADER;
    if (st_size < (int64_t)(off + CZ_HEADER))
        return st_size;
    int fd = openat(dir, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return st_size;
    unsigned char head[FRAME_HEADER + CZ_HEADER];
    uint64_t raw;
    int framed = pread(fd, head, off + CZ_HEADER, 0) == (ssize_t)(off + CZ_HEADER) &&
                 (a == AREA_CAS || memcmp(head, frame_magic_z[a], FRAME_MAGIC_LEN) == 0) &&
                 cz_header(head + off, CZ_HEADER, &raw) == 1 && raw <= INT64_MAX - off;
    close(fd);
    return framed ? (int64_t)(off + raw) : st_size;
}


/* store_get of the compressed entry f[0..n) read from path (consumed). */
static int get_compressed(store *s, const digest *key, const char *path, char *f, size_t n,
                          char **buf, size_t *len)
{
    char *plain = NULL;
    size_t plain_len = 0;
    int r = cz_decode_buf(f + FRAME_HEADER, n - FRAME_HEADER, CZ_ANY_SIZE, &plain, &plain_len);
    if (r < 0) {
        free(f);
        return -1;
    }
    unsigned char want[32];
    if (r == 0)
        frame_sum(plain, plain_len, want);
    if (r != 0 || memcmp(want, f + FRAME_MAGIC_LEN, 32) != 0) {
        uint64_t raw = n - FRAME_HEADER;
        if (cz_header(f + FRAME_HEADER, n - FRAME_HEADER, &raw) != 1 || raw > CZ_ANY_MAX)
            raw = n - FRAME_HEADER;
        free(plain);
        free(f);
        st_drop_corrupt(s, key->hash, path, (int64_t)n, (int64_t)(FRAME_HEADER + raw));
        return 1;
    }
    free(f);
    st_touch(path);
    *buf = plain;
    *len = plain_len;
    return 0;
}

int store_get(store *s, enum store_kind k, const digest *key, char **buf, size_t *len)
{
    enum area a = area_of(k);
    char path[PATH_MAX];
    if (st_entry_path(s, a, key->hash, path, sizeof path) != 0)
        return -1;
    char *p;
    size_t n;
    if (fs_read_file(path, &p, &n) != 0) {
        if (st_read_kept(s, a, key->hash, buf, len) == 0)
            return 0;
        return errno == ENOENT ? 1 : -1;
    }
    if (n >= FRAME_HEADER && memcmp(p, frame_magic_z[a], FRAME_MAGIC_LEN) == 0)
        return get_compressed(s, key, path, p, n, buf, len);
    if (!frame_ok(a, p, n)) {
        free(p);
        st_drop_corrupt(s, key->hash, path, (int64_t)n, (int64_t)n);
        return 1;
    }
    st_touch(path);
    *len = n - FRAME_HEADER;
    memmove(p, p + FRAME_HEADER, *len + 1); /* keeps the trailing NUL */
    *buf = p;
    return 0;
}

int store_put(store *s, enum store_kind k, const digest *key, const void *buf, size_t len)
{
    enum area a = area_of(k);
    char path[PATH_MAX];
    if (st_entry_path(s, a, key->hash, path, sizeof path) != 0)
        return -1;
    char *frame = NULL;
    size_t flen = 0;
    if (s->compress && cz_encode(buf, len, s->level, FRAME_HEADER, &frame, &flen) == 0) {
        memcpy(frame, frame_magic_z[a], FRAME_MAGIC_LEN);
    } else {
        flen = FRAME_HEADER + len;
        if (!(frame = malloc(flen))) {
            errno = ENOMEM;
            return -1;
        }
        memcpy(frame, frame_magic[a], FRAME_MAGIC_LEN);
        memcpy(frame + FRAME_HEADER, buf, len);
    }
    frame_sum(buf, len, (unsigned char *)frame + FRAME_MAGIC_LEN);

    /* A keyed entry may be replaced (a newer result for the same key):
     * charge only the difference. */
    struct stat old;
    int64_t old_charge = 0, old_raw = 0;
    if (stat(path, &old) == 0) {
        old_charge = st_charge(old.st_size);
        old_raw = st_charge(raw_size_at(AT_FDCWD, path, a, old.st_size));
    }
    int r = atomic_write_file(path, frame, flen, 0644);
    int e = errno;
    free(frame);
    if (r != 0) {
        st_keep(s, a, key->hash, buf, len);
        errno = e;
        return -1;
    }
    st_account(s, key->hash, st_charge((int64_t)flen) - old_charge,
               st_charge((int64_t)(FRAME_HEADER + len)) - old_raw);
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
    if (st_entry_path(s, area_of(k), key->hash, path, sizeof path) != 0)
        return -1;
    struct stat st;
    if (stat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    int64_t raw = raw_size_at(AT_FDCWD, path, area_of(k), st.st_size);
    if (unlink(path) != 0)
        return errno == ENOENT ? 0 : -1;
    st_account(s, key->hash, -st_charge(st.st_size), -st_charge(raw));
    return 0;
}

/* ---- shard cleanup ---- */

typedef struct victim {
    int64_t mtime_ns;
    int64_t bytes;
    int64_t raw_bytes; /* charged uncompressed (= bytes when not framed) */
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
            /* Not through a link (one planted in a shared cache would have
             * the cleanup remove what it points at). */
            int dfd = open(dpath, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
            if (!d) {
                if (dfd >= 0)
                    close(dfd);
                continue;
            }
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
                            .bytes = st_charge(st.st_size), .area = (unsigned char)a,
                            .sub = (unsigned char)sub};
                if (strlen(de->d_name) >= sizeof v.name)
                    continue; /* not a name the store writes */
                strcpy(v.name, de->d_name);
                v.raw_bytes = st_charge(raw_size_at(dirfd(d), de->d_name, (enum area)a, st.st_size));
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
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
    if (fd < 0 && errno == ENOENT && layout_make_parent(path) == 0)
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
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
    enum stat_id raw_slot = (enum stat_id)(ST_SHARD_RAW_BYTES0 + shard);
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
    int64_t before = stats_get(slot), raw_before = stats_get(raw_slot);
    victims vs = {0};
    if (scan_shard(s, shard, &vs, now) != 0) {
        free(vs.v);
        close(lock);
        return -1;
    }
    int64_t total = 0, raw_total = 0;
    for (size_t i = 0; i < vs.n; i++) {
        total += vs.v[i].bytes;
        raw_total += vs.v[i].raw_bytes;
    }
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
            raw_total -= v->raw_bytes;
        } else if (errno == ENOENT) {
            total -= v->bytes; /* someone removed it (a corrupt entry) */
            raw_total -= v->raw_bytes;
        }
    }
    free(vs.v);
    /* Add the correction rather than store the total, so bytes written by
     * others while we scanned are not forgotten. */
    stats_add(slot, total - before);
    stats_add(raw_slot, raw_total - raw_before);
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
    for (int shard = 0; shard < SHARDS; shard++) {
        stats_set((enum stat_id)(ST_SHARD_BYTES0 + shard), 0);
        stats_set((enum stat_id)(ST_SHARD_RAW_BYTES0 + shard), 0);
    }
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

/* The sum of 16 shard slots from first. */
static uint64_t sum_shards(enum stat_id first)
{
    uint64_t total = 0;
    for (int shard = 0; shard < SHARDS; shard++) {
        int64_t v = stats_get((enum stat_id)(first + shard));
        if (v > 0)
            total += (uint64_t)v;
    }
    return total;
}

uint64_t store_size(store *s)
{
    (void)s;
    return sum_shards(ST_SHARD_BYTES0);
}

uint64_t store_raw_size(store *s)
{
    (void)s;
    return sum_shards(ST_SHARD_RAW_BYTES0);
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
