/* SPDX-License-Identifier: Apache-2.0 */
/* statindex.c — the shared stat → digest index.  See statindex.h for the
 * design; this file is the mechanics: the file, the slots, the checksum.
 *
 * No mapping: a lookup reads its probe window with one pread() and a store
 * writes its one slot with one pwrite().  Through a shared mapping every
 * first touch of a page was a page fault (a lookup touches a few dozen
 * headers scattered over a 4 MB file; a fresh RICC_DIR's first stores each
 * allocate a page): in a VM those faults were a fifth of a direct hit, and
 * a seventh of a fresh RICC_DIR's remote hit.  A 1 KB pread or a 128-byte
 * pwrite costs a small fraction of one. */
#include "cache/local/statindex.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cache/local/layout.h"
#include "cache/local/slotfile.h"

#define MAGIC 0x5249434353494458ULL /* "RICCSIDX" */
#define VERSION 3 /* 2: inputs.h flags gained INPUT_USES_FILE; 3: spliced names found */
#define PROBE 8
#define SETTLE_NS 2000000000LL

typedef struct slot {
    uint64_t seq;          /* 0: empty; odd: being written (older writers) */
    uint64_t dev, ino;
    int64_t size, mtime_ns, ctime_ns;
    uint64_t written;      /* writer's clock, to pick a victim */
    uint32_t flags, pad;
    unsigned char hash[32];
    uint64_t check;        /* checksum of the fields above (not seq) */
    unsigned char spare[128 - 104];
} slot;

_Static_assert(sizeof(slot) == 128, "slot layout");

static const slotfile_format FORMAT = {MAGIC, VERSION, sizeof(slot), STATINDEX_SLOTS};

struct statindex {
    int fd;
    /* This process made the file just now: every slot is empty but those
     * it wrote itself (or a process that opened it since did), so a lookup
     * reads the file only if its window holds a slot written here, and a
     * store goes to a slot not yet used here without reading the window
     * first.  A fresh RICC_DIR hashes every header it meets; this saves
     * three syscalls on each. */
    unsigned char *ours; /* a bit per slot written here; NULL: not fresh */
};

static int64_t ns(struct timespec t)
{
    return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* FNV-1a over the identity and payload: not cryptographic, only a guard
 * against torn or corrupted bytes. */
static uint64_t checksum(const slot *s)
{
    const unsigned char *p = (const unsigned char *)&s->dev;
    const unsigned char *end = (const unsigned char *)&s->check;
    uint64_t h = 1469598103934665603ULL;
    for (; p < end; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return h ^ MAGIC;
}

statindex *statindex_open(const char *dir)
{
    int created;
    int fd = slotfile_open(dir, layout_name(LAYOUT_STATINDEX), &FORMAT, &created);
    if (fd < 0)
        return NULL;
    statindex *x = malloc(sizeof *x);
    if (!x) {
        close(fd);
        return NULL;
    }
    x->fd = fd;
    /* (Without the bitmap it is simply not treated as fresh.) */
    x->ours = created ? calloc(STATINDEX_SLOTS / 8, 1) : NULL;
    return x;
}

void statindex_close(statindex *x)
{
    if (!x)
        return;
    close(x->fd);
    free(x->ours);
    free(x);
}

int statindex_fresh(const statindex *x)
{
    return x && x->ours;
}

static size_t bucket(uint64_t dev, uint64_t ino)
{
    uint64_t k = (ino * 0x9E3779B97F4A7C15ULL) ^ (dev * 0xC2B2AE3D27D4EB4FULL);
    return (size_t)((k ^ (k >> 29)) % STATINDEX_SLOTS);
}

/* The PROBE slots from b on (wrapping at the end of the table) into w. */
static int read_window(const statindex *x, size_t b, slot *w)
{
    return slotfile_read(x->fd, &FORMAT, b, w, PROBE);
}

static int ours_at(const statindex *x, size_t k)
{
    return x->ours[k / 8] & (1u << (k % 8));
}

static int ours_in_window(const statindex *x, size_t b)
{
    for (int i = 0; i < PROBE; i++)
        if (ours_at(x, (b + (size_t)i) % STATINDEX_SLOTS))
            return 1;
    return 0;
}

int statindex_lookup(statindex *x, const struct stat *st, digest *d, unsigned *flags)
{
    if (!x)
        return 0;
    size_t b = bucket(st->st_dev, st->st_ino);
    if (x->ours && !ours_in_window(x, b))
        return 0;
    /* pread copies each slot at one moment; a copy that caught a writer
     * mid-way has an odd sequence or fields that disagree with their
     * checksum, and is not used. */
    slot w[PROBE];
    if (read_window(x, b, w) != 0)
        return 0;
    for (int i = 0; i < PROBE; i++) {
        const slot *copy = &w[i];
        if (copy->seq & 1)
            continue;
        if (copy->dev != (uint64_t)st->st_dev || copy->ino != (uint64_t)st->st_ino)
            continue;
        if (copy->size != st->st_size || copy->mtime_ns != ns(st->st_mtim) ||
            copy->ctime_ns != ns(st->st_ctim) || copy->check != checksum(copy))
            return 0;
        static const char hex[] = "0123456789abcdef";
        for (int j = 0; j < 32; j++) {
            d->hash[2 * j] = hex[copy->hash[j] >> 4];
            d->hash[2 * j + 1] = hex[copy->hash[j] & 15];
        }
        d->hash[64] = '\0';
        d->size_bytes = copy->size;
        *flags = copy->flags;
        return 1;
    }
    return 0;
}

void statindex_store(statindex *x, const struct stat *st, const digest *d, unsigned flags)
{
    if (!x)
        return;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t t = ns(now);
    if (t - ns(st->st_mtim) < SETTLE_NS || t - ns(st->st_ctim) < SETTLE_NS)
        return;
    unsigned char raw[32];
    if (digest_raw(d, raw) != 0 || d->size_bytes != st->st_size)
        return;

    /* The slot already holding this file, else an empty one, else the
     * oldest-written one in the window. */
    size_t b = bucket(st->st_dev, st->st_ino);
    slot w[PROBE];
    int pick = 0;
    if (x->ours) {
        /* A fresh file: take the first slot of the window this process
         * has not written (the lookup that came first missed, so none of
         * them holds this file). */
        memset(w, 0, sizeof w);
        for (int i = 0; i < PROBE; i++) {
            if (!ours_at(x, (b + (size_t)i) % STATINDEX_SLOTS)) {
                pick = i;
                break;
            }
        }
    } else if (read_window(x, b, w) != 0) {
        return;
    }
    uint64_t oldest = UINT64_MAX;
    for (int i = 0; !x->ours && i < PROBE; i++) {
        if (w[i].dev == (uint64_t)st->st_dev && w[i].ino == (uint64_t)st->st_ino) {
            pick = i;
            break;
        }
        uint64_t age = w[i].seq == 0 ? 0 : w[i].written;
        if (age < oldest) {
            oldest = age;
            pick = i;
        }
    }
    /* One pwrite of the whole slot: the kernel orders writes to a file, so
     * racing writers leave one complete slot; a reader whose pread caught
     * one mid-way sees fields that disagree with the checksum. */
    slot s;
    memset(&s, 0, sizeof s);
    s.seq = (w[pick].seq | 1) + 1;
    s.dev = st->st_dev;
    s.ino = st->st_ino;
    s.size = st->st_size;
    s.mtime_ns = ns(st->st_mtim);
    s.ctime_ns = ns(st->st_ctim);
    s.written = (uint64_t)t;
    s.flags = flags;
    memcpy(s.hash, raw, 32);
    s.check = checksum(&s);
    size_t k = (b + (size_t)pick) % STATINDEX_SLOTS;
    if (slotfile_write(x->fd, &FORMAT, k, &s) != 0)
        return; /* a full disk: the next call hashes the file again */
    if (x->ours)
        x->ours[k / 8] |= (unsigned char)(1u << (k % 8));
}
