/* SPDX-License-Identifier: Apache-2.0 */
/* hash64.h — a fast hash of bytes, eight at a time, for hash tables
 * (strtab.c) and for the checksums that catch torn or corrupted slots
 * (memo.c).  Not cryptographic and not a digest (digest.h is for those); a
 * byte-at-a-time hash (FNV) was a tenth of the include proof's time. */
#ifndef RICC_HASH64_H
#define RICC_HASH64_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* h, the running state (any seed to start), mixed with p[0..n). */
static inline uint64_t hash64(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (; n >= 8; s += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    uint64_t w = 0;
    for (size_t i = 0; i < n; i++)
        w |= (uint64_t)s[i] << (8 * i);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 29);
}

#endif
