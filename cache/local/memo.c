/* SPDX-License-Identifier: Apache-2.0 */
/* memo.c — the digest → small value file.  See memo.h for the design;
 * slotfile.c has the file itself. */
#include "cache/local/memo.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cache/util/hash64.h"
#include "cache/local/slotfile.h"

#define MAGIC 0x5249434d454d4f31ULL /* "RICMEMO1" */
#define VERSION 1
#define PROBE 4

typedef struct slot {
    uint64_t check;          /* checksum of the rest; 0 in an empty slot */
    unsigned char key[32];
    uint64_t written;        /* writer's clock, to pick a victim */
    uint32_t len;
    uint32_t pad;
    unsigned char val[MEMO_VALUE_MAX];
    unsigned char spare[8];
} slot;

_Static_assert(sizeof(slot) == 512, "slot layout");

static const slotfile_format FORMAT = {MAGIC, VERSION, sizeof(slot), MEMO_SLOTS};

struct memo {
    int fd;
};

/* Over the key, clock, length and the value (hash64.h): a guard against
 * torn or corrupted slots.  Never 0, so an empty (all-zero) slot never
 * checks. */
static uint64_t checksum(const slot *s)
{
    uint64_t h = hash64(MAGIC ^ s->written ^ ((uint64_t)s->len << 32), s->key, sizeof s->key);
    h = hash64(h, s->val, s->len <= MEMO_VALUE_MAX ? s->len : 0);
    return h ? h : 1;
}

memo *memo_open(const char *dir, const char *name)
{
    int created;
    int fd = slotfile_open(dir, name, &FORMAT, &created);
    if (fd < 0)
        return NULL;
    memo *m = malloc(sizeof *m);
    if (!m) {
        close(fd);
        return NULL;
    }
    m->fd = fd;
    return m;
}

void memo_close(memo *m)
{
    if (!m)
        return;
    close(m->fd);
    free(m);
}

/* The key is a digest already: its first bytes are as good as any hash. */
static size_t bucket(const unsigned char *raw)
{
    uint64_t k;
    memcpy(&k, raw, 8);
    return (size_t)(k % MEMO_SLOTS);
}

int memo_get(memo *m, const digest *key, unsigned char *out)
{
    unsigned char raw[32];
    if (!m || digest_raw(key, raw) != 0)
        return -1;
    slot w[PROBE];
    if (slotfile_read(m->fd, &FORMAT, bucket(raw), w, PROBE) != 0)
        return -1;
    for (int i = 0; i < PROBE; i++) {
        const slot *s = &w[i];
        if (memcmp(s->key, raw, 32) != 0)
            continue;
        /* A copy that caught a writer half-way disagrees with its sum. */
        if (s->len > MEMO_VALUE_MAX || s->check != checksum(s))
            continue;
        memcpy(out, s->val, s->len);
        return (int)s->len;
    }
    return -1;
}

void memo_put(memo *m, const digest *key, const void *val, size_t len)
{
    unsigned char raw[32];
    if (!m || len > MEMO_VALUE_MAX || digest_raw(key, raw) != 0)
        return;
    size_t b = bucket(raw);
    slot w[PROBE];
    if (slotfile_read(m->fd, &FORMAT, b, w, PROBE) != 0)
        return;
    /* The slot holding this key already, else an empty one, else the
     * oldest-written. */
    int pick = 0;
    uint64_t oldest = UINT64_MAX;
    for (int i = 0; i < PROBE; i++) {
        if (!memcmp(w[i].key, raw, 32)) {
            pick = i;
            break;
        }
        uint64_t age = w[i].check == 0 ? 0 : w[i].written;
        if (age < oldest) {
            oldest = age;
            pick = i;
        }
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    slot s;
    memset(&s, 0, sizeof s);
    memcpy(s.key, raw, 32);
    s.written = (uint64_t)now.tv_sec * 1000000000ULL + (uint64_t)now.tv_nsec;
    s.len = (uint32_t)len;
    memcpy(s.val, val, len);
    s.check = checksum(&s);
    /* One pwrite of the whole slot: racing writers leave one complete
     * slot, and a reader that caught one mid-way fails the checksum. */
    slotfile_write(m->fd, &FORMAT, (b + (size_t)pick) % MEMO_SLOTS, &s);
}
