/* SPDX-License-Identifier: Apache-2.0 */
/* prefault.c — see prefault.h. */
#include "cache/util/prefault.h"

#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

void prefault(void *p, size_t n)
{
#ifdef MADV_POPULATE_WRITE
    if (!p || n < PREFAULT_MIN)
        return;
    static uintptr_t page;
    if (!page) {
        long ps = sysconf(_SC_PAGESIZE);
        page = ps > 0 ? (uintptr_t)ps : 4096;
    }
    /* Only whole pages inside the buffer: the partial ones at its ends may
     * belong to other allocations, and one fault each is nothing. */
    uintptr_t a = ((uintptr_t)p + page - 1) & ~(page - 1);
    uintptr_t e = ((uintptr_t)p + n) & ~(page - 1);
    int saved = errno; /* advice: its failure is nobody's business */
    if (e > a)
        (void)madvise((void *)a, e - a, MADV_POPULATE_WRITE);
    errno = saved;
#else
    (void)p;
    (void)n;
#endif
}

void *prefault_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    prefault(p, n);
    return p;
}

void keep_freed_memory(void)
{
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
}
