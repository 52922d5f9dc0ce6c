/* SPDX-License-Identifier: Apache-2.0 */
/* slotfile.c — creating, checking and replacing an index file of fixed
 * slots.  See slotfile.h. */
#include "cache/local/slotfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/util/fsutil.h"

typedef struct header {
    uint64_t magic;
    uint32_t version, slot_size;
    uint64_t slots;
    unsigned char spare[SLOTFILE_HEADER - 24];
} header;

_Static_assert(sizeof(header) == SLOTFILE_HEADER, "header layout");

static size_t file_size(const slotfile_format *f)
{
    return SLOTFILE_HEADER + (size_t)f->slots * f->slot_size;
}

static int create_fresh(const char *path, const slotfile_format *f, int *created)
{
    char *tmp = NULL;
    int fd = fs_open_tmp_beside(path, 0644, &tmp);
    if (fd < 0)
        return -1;
    header h = {.magic = f->magic, .version = f->version, .slot_size = f->slot_size,
                .slots = f->slots};
    int ok = ftruncate(fd, (off_t)file_size(f)) == 0 &&
             pwrite(fd, &h, sizeof h, 0) == (ssize_t)sizeof h;
    close(fd);
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        free(tmp);
        return -1;
    }
    free(tmp);
    *created = 1;
    return 0;
}

static int header_ok(const header *h, const slotfile_format *f)
{
    return h->magic == f->magic && h->version == f->version && h->slot_size == f->slot_size &&
           h->slots == f->slots;
}

int slotfile_open(const char *dir, const char *name, const slotfile_format *f, int *created)
{
    *created = 0;
    char *path = path_join(dir, name);
    if (!path)
        return -1;
    int result = -1;
    for (int attempt = 0; attempt < 2 && result < 0; attempt++) {
        int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0 && errno == ENOENT) {
            fs_mkdir_p(dir, 0755);
            if (create_fresh(path, f, created) == 0)
                fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
        }
        if (fd < 0)
            break;
        struct stat st;
        header h;
        if (fstat(fd, &st) == 0 && (size_t)st.st_size == file_size(f) &&
            pread(fd, &h, sizeof h, 0) == (ssize_t)sizeof h && header_ok(&h, f)) {
            result = fd;
            break;
        }
        close(fd);
        /* Wrong size, magic or version: replace it (atomically, so a
         * process still using the old file keeps a consistent one). */
        if (attempt == 0 && create_fresh(path, f, created) != 0)
            break;
    }
    free(path);
    return result;
}

int slotfile_read(int fd, const slotfile_format *f, size_t b, void *w, size_t n)
{
    size_t first = f->slots - b < n ? f->slots - b : n;
    ssize_t want = (ssize_t)(first * f->slot_size);
    if (pread(fd, w, (size_t)want, (off_t)(SLOTFILE_HEADER + b * f->slot_size)) != want)
        return -1;
    if (first == n)
        return 0;
    want = (ssize_t)((n - first) * f->slot_size);
    return pread(fd, (char *)w + first * f->slot_size, (size_t)want, SLOTFILE_HEADER) == want
               ? 0
               : -1;
}

int slotfile_write(int fd, const slotfile_format *f, size_t k, const void *slot)
{
    ssize_t want = (ssize_t)f->slot_size;
    return pwrite(fd, slot, f->slot_size, (off_t)(SLOTFILE_HEADER + k * f->slot_size)) == want
               ? 0
               : -1;
}
