/* SPDX-License-Identifier: Apache-2.0 */
/* inputs.c — hash an input file and note the macros that make output depend
 * on the clock.  See inputs.h. */
#include "wrapper/compiler/inputs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "cache/util/prefault.h"
#include "cache/local/statindex.h"

static statindex *index_;

void inputs_set_index(statindex *x)
{
    index_ = x;
}

/* What follows a "__" at p[k] (k is just past the underscores). */
static unsigned after_underscores(const char *p, size_t n, size_t k)
{
    const char *q = p + k;
    size_t left = n - k;
    if (left >= 6 && (!memcmp(q, "TIME__", 6) || (left >= 11 && !memcmp(q, "TIMESTAMP__", 11))))
        return INPUT_USES_TIME;
    if (left >= 6 && !memcmp(q, "DATE__", 6))
        return INPUT_USES_DATE;
    if ((left >= 6 && !memcmp(q, "FILE__", 6)) || (left >= 11 && !memcmp(q, "BASE_FILE__", 11)) ||
        (left >= 11 && !memcmp(q, "FILE_NAME__", 11)) ||
        (left >= 12 && !memcmp(q, "builtin_FILE", 12)))
        return INPUT_USES_FILE;
    return 0;
}

/* "has_include" at p[k]?  (Anywhere, not only after "__": a macro could
 * paste the underscores on.) */
static unsigned has_include_at(const char *p, size_t n, size_t k)
{
    return n - k >= 11 && !memcmp(p + k, "has_include", 11) ? INPUT_HAS_INCLUDE : 0;
}

/* One pass: the places where "__" or "has" start are found 16 bytes at a
 * time and only those are compared.  Four memmem() passes cost as much as
 * hashing the file: a fresh RICC_DIR hashes and scans every header.  want
 * is a constant in each caller below, so each gets its own loop without
 * the comparisons it does not need. */
static inline __attribute__((always_inline)) unsigned scan(const char *p, size_t n,
                                                           unsigned want)
{
    const int dates = want & (INPUT_USES_TIME | INPUT_USES_DATE | INPUT_USES_FILE);
    const int tests = want & INPUT_HAS_INCLUDE;
    unsigned f = 0;
    size_t i = 0;
#ifdef __SSE2__
    const __m128i us = _mm_set1_epi8('_'), h = _mm_set1_epi8('h'), a = _mm_set1_epi8('a'),
                  s = _mm_set1_epi8('s');
    for (; i + 18 <= n; i += 16) {
        __m128i b0 = _mm_loadu_si128((const __m128i *)(p + i));
        __m128i b1 = _mm_loadu_si128((const __m128i *)(p + i + 1));
        __m128i b2 = _mm_loadu_si128((const __m128i *)(p + i + 2));
        unsigned u = dates ? (unsigned)_mm_movemask_epi8(_mm_and_si128(
                                 _mm_cmpeq_epi8(b0, us), _mm_cmpeq_epi8(b1, us)))
                           : 0;
        unsigned has = tests ? (unsigned)_mm_movemask_epi8(_mm_and_si128(
                                   _mm_cmpeq_epi8(b0, h),
                                   _mm_and_si128(_mm_cmpeq_epi8(b1, a), _mm_cmpeq_epi8(b2, s))))
                             : 0;
        for (; u; u &= u - 1)
            f |= after_underscores(p, n, i + (size_t)__builtin_ctz(u) + 2);
        for (; has; has &= has - 1)
            f |= has_include_at(p, n, i + (size_t)__builtin_ctz(has));
    }
#endif
    for (; i < n; i++) {
        if (dates && i + 1 < n && p[i] == '_' && p[i + 1] == '_')
            f |= after_underscores(p, n, i + 2);
        if (tests)
            f |= has_include_at(p, n, i);
    }
    return f & want;
}

static int ident_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* A line splice inside an identifier (`__TI\` then `ME__` on the next
 * line) hides the name from scan(), not from the preprocessor, which joins
 * the lines first.  Rare: a macro's continuation lines do not split words.
 * Where one is, the joined text is scanned too.  The flags, or 0. */
static unsigned scan_joined(const char *p, size_t n, unsigned want)
{
    int split = 0;
    for (const char *b = memchr(p, '\\', n); b && !split;
         b = memchr(b + 1, '\\', (size_t)(p + n - b - 1))) {
        size_t k = (size_t)(b - p) + 1;
        if (k < n && p[k] == '\r')
            k++;
        split = b > p && ident_char(b[-1]) && k + 1 < n && p[k] == '\n' && ident_char(p[k + 1]);
    }
    if (!split)
        return 0;
    char *j = malloc(n);
    if (!j)
        return want; /* (all of them: the safe answer) */
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = i + 1;
        if (p[i] == '\\' && k < n && p[k] == '\r')
            k++;
        if (p[i] == '\\' && k < n && p[k] == '\n') {
            i = k;
            continue;
        }
        j[m++] = p[i];
    }
    unsigned f = scan(j, m, INPUT_USES_TIME | INPUT_USES_DATE | INPUT_USES_FILE | INPUT_HAS_INCLUDE);
    free(j);
    return f & want;
}

unsigned input_scan(const char *p, size_t n)
{
    const unsigned all = INPUT_USES_TIME | INPUT_USES_DATE | INPUT_USES_FILE | INPUT_HAS_INCLUDE;
    return scan(p, n, all) | scan_joined(p, n, all);
}

int input_has_tests(const char *p, size_t n)
{
    return (scan(p, n, INPUT_HAS_INCLUDE) | scan_joined(p, n, INPUT_HAS_INCLUDE)) != 0;
}

/* Files up to this size are read into one buffer kept for the process (a
 * compile's headers are all smaller): a mapping per header cost a mmap, its
 * page faults and a munmap with its TLB flush, ~30 us each in a VM, which
 * added up to milliseconds for a miss or a fresh RICC_DIR's first hit. */
#define READ_MAX (4u << 20)

/* The n bytes of fd, in the process's buffer (valid until the next call),
 * or NULL (errno set; a file that shrank meanwhile is EIO). */
static void *read_whole(int fd, size_t n)
{
    static char *buf;
    static size_t cap;
    if (n > cap) {
        char *nb = realloc(buf, n);
        if (!nb)
            return NULL;
        prefault(nb, n); /* about to be filled by read() */
        buf = nb;
        cap = n;
    }
    for (size_t got = 0; got < n;) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            if (r == 0)
                errno = EIO;
            return NULL;
        }
        got += (size_t)r;
    }
    return buf;
}

int input_digest(const char *path, struct stat *st, digest *d, unsigned *flags)
{
    /* A fresh index knows little: open and fstat instead of stat, since
     * the file will most likely be read. */
    int fresh = statindex_fresh(index_);
    if (index_ && !fresh && stat(path, st) == 0 && S_ISREG(st->st_mode) &&
        statindex_lookup(index_, st, d, flags))
        return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (fstat(fd, st) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    if (!S_ISREG(st->st_mode)) {
        close(fd);
        errno = EINVAL;
        return -1;
    }
    if (fresh && statindex_lookup(index_, st, d, flags)) {
        close(fd);
        return 0;
    }
    size_t n = (size_t)st->st_size;
    if (n == 0) {
        close(fd);
        digest_buf("", 0, d);
        *flags = 0;
        statindex_store(index_, st, d, 0);
        return 0;
    }
    void *m = n <= READ_MAX ? read_whole(fd, n) : mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (!m || m == MAP_FAILED)
        return -1;
    digest_buf(m, n, d);
    *flags = input_scan(m, n);
    if (n > READ_MAX)
        munmap(m, n);
    statindex_store(index_, st, d, *flags);
    return 0;
}
