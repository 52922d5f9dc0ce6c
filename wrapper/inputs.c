/* inputs.c — hash an input file and note the macros that make output depend
 * on the clock.  See inputs.h. */
#include "wrapper/inputs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cache/statindex.h"

static statindex *index_;

void inputs_set_index(statindex *x)
{
    index_ = x;
}

static unsigned scan(const char *p, size_t n)
{
    unsigned f = 0;
    /* All of them start with "__": skip quickly between underscores pairs. */
    if (!memmem(p, n, "__", 2))
        return 0;
    if (memmem(p, n, "__TIME__", 8) || memmem(p, n, "__TIMESTAMP__", 13))
        f |= INPUT_USES_TIME;
    if (memmem(p, n, "__DATE__", 8))
        f |= INPUT_USES_DATE;
    if (memmem(p, n, "has_include", 11))
        f |= INPUT_HAS_INCLUDE;
    return f;
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
    *flags = scan(m, n);
    if (n > READ_MAX)
        munmap(m, n);
    statindex_store(index_, st, d, *flags);
    return 0;
}
