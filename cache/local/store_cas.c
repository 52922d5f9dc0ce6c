/* SPDX-License-Identifier: Apache-2.0 */
/* store_cas.c — the store's blobs: put, get, materialize, raw or compressed.
 *
 * A blob is a file named by the SHA-256 of its bytes (store.c's top has the
 * rules every entry follows).  Its content on disk is either those bytes
 * or, when compression is on and it pays, a frame (compress.h).  Writing
 * hashes first, so a blob already there costs no write at all (identical
 * outputs are common): only its mtime is refreshed.  Reading takes either
 * form whatever the setting: a file of the blob's own size that hashes to
 * its name is the blob itself, so a raw hit costs what it always did, not
 * one system call more; anything else must be a frame that decompresses to
 * those bytes, or it is damaged (removed, counted, a miss).
 *
 * A raw hit is a reflink or in-kernel copy from the descriptor just
 * verified; a compressed one is decompressed into a temporary beside the
 * output, hashed on the way, and renamed into place only when it matches,
 * streamed so that a large output never sits whole in memory. */
#include "cache/local/store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/local/compress.h"
#include "cache/util/fsutil.h"

int cas_has(store *s, const digest *d)
{
    char path[PATH_MAX];
    if (st_entry_path(s, AREA_CAS, d->hash, path, sizeof path) != 0)
        return 0;
    return access(path, F_OK) == 0 || st_find_kept(s, AREA_CAS, d->hash) != NULL;
}

/* Write the blob buf[0..len) of d at path: framed when compression is on
 * and worth it (compress.h), else as it is; charged.  0 or -1 (errno). */
static int write_blob(store *s, const digest *d, const char *path, const void *buf, size_t len)
{
    int64_t stored = (int64_t)len;
    int r = 1;
    if (s->compress || cz_try(buf, len < CZ_HEADER ? len : CZ_HEADER, 0))
        r = cz_write_buf(buf, len, s->level, path, &stored);
    if (r < 0)
        return -1;
    if (r == 1) {
        stored = (int64_t)len;
        if (atomic_write_file(path, buf, len, 0644) != 0)
            return -1;
    }
    st_account(s, d->hash, st_charge(stored), st_charge((int64_t)len));
    return 0;
}

/* Where blob d goes (path[PATH_MAX]), *out = d when out is given.  1 when
 * it is already stored: same name means same content, so it is never
 * rewritten, only marked as used (a blob stored raw stays raw when
 * compression is turned on).  0 when it is to be written, -1 on error. */
static int blob_place(store *s, const digest *d, digest *out, char *path)
{
    if (out)
        *out = *d;
    if (st_entry_path(s, AREA_CAS, d->hash, path, PATH_MAX) != 0)
        return -1;
    return st_present_touch(path) ? 1 : 0;
}

int cas_put(store *s, const void *buf, size_t len, digest *out)
{
    digest d;
    digest_buf(buf, len, &d);
    char path[PATH_MAX];
    int r = blob_place(s, &d, out, path);
    if (r != 0)
        return r < 0 ? -1 : 0;
    if (write_blob(s, &d, path, buf, len) != 0) {
        st_keep(s, AREA_CAS, d.hash, buf, len);
        return -1;
    }
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
            st_keep(s, AREA_CAS, d->hash, buf, len);
        free(buf);
    }
    errno = e;
    return -1;
}

/* Compress src into path when compression is on and it is worth it.
 * 0 written (*stored its size), 1 not (store it raw), -1 error. */
static int put_file_framed(store *s, const char *src, const digest *d, const char *path,
                           int64_t *stored)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return -1;
    int r = 1;
    unsigned char head[CZ_HEADER];
    ssize_t n = s->compress ? 0 : pread(in, head, sizeof head, 0);
    if (s->compress || (n > 0 && cz_try(head, (size_t)n, 0)))
        r = cz_write_fd(in, d->size_bytes, s->level, path, stored);
    int e = errno;
    close(in);
    errno = e;
    return r;
}

int cas_put_file(store *s, const char *src, digest *out)
{
    /* Hash first, then copy: if the blob is already stored (identical
     * outputs are common) nothing is written at all, and a fresh one can be
     * a reflink of the source instead of a byte copy (or is compressed
     * while copied).  If the source changed between the two, the blob will
     * fail verification on read. */
    digest d;
    if (digest_file(src, &d) != 0)
        return -1;
    char path[PATH_MAX];
    int r = blob_place(s, &d, out, path);
    if (r != 0)
        return r < 0 ? -1 : 0;
    int64_t stored = d.size_bytes;
    r = put_file_framed(s, src, &d, path, &stored);
    if (r < 0)
        return keep_file(s, src, &d);
    if (r == 1 && atomic_copy_file(src, path, 0644) != 0) {
        if (errno != ENOENT)
            return keep_file(s, src, &d);
        /* The shard directory does not exist yet. */
        char *slash = strrchr(path, '/');
        *slash = '\0';
        int m = fs_mkdir_p(path, 0755);
        *slash = '/';
        if (m != 0 || atomic_copy_file(src, path, 0644) != 0)
            return keep_file(s, src, &d);
    }
    st_account(s, d.hash, st_charge(r == 1 ? d.size_bytes : stored), st_charge(d.size_bytes));
    return 0;
}

int cas_get(store *s, const digest *d, char **buf, size_t *len)
{
    char path[PATH_MAX];
    if (st_entry_path(s, AREA_CAS, d->hash, path, sizeof path) != 0)
        return -1;
    char *p;
    size_t n;
    if (fs_read_file(path, &p, &n) != 0) {
        if (st_read_kept(s, AREA_CAS, d->hash, buf, len) == 0)
            return 0;
        return errno == ENOENT ? 1 : -1;
    }
    /* Raw when it is the blob's size and hashes to it; else framed. */
    digest got;
    int ok = (int64_t)n == d->size_bytes;
    if (ok) {
        digest_buf(p, n, &got);
        ok = digest_equal(&got, d);
    }
    uint64_t raw = n;
    if (!ok && cz_header(p, n, &raw) == 1) {
        char *plain;
        size_t plain_len;
        int r = cz_decode_buf(p, n, (uint64_t)d->size_bytes, &plain, &plain_len);
        if (r < 0) {
            free(p);
            return -1;
        }
        if (r == 0) {
            digest_buf(plain, plain_len, &got);
            ok = digest_equal(&got, d);
            if (!ok)
                free(plain);
            else {
                free(p);
                p = plain;
                n = plain_len;
            }
        }
    }
    if (!ok) {
        free(p);
        st_drop_corrupt(s, d->hash, path, (int64_t)n, (int64_t)raw);
        return 1;
    }
    st_touch(path);
    *buf = p;
    *len = n;
    return 0;
}

int cas_materialize(store *s, const digest *d, const char *dst, int executable)
{
    char path[PATH_MAX];
    if (st_entry_path(s, AREA_CAS, d->hash, path, sizeof path) != 0)
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
    mode_t mode = executable ? 0755 : 0644;
    int r;
    /* A raw blob is its content: verify, then copy (or reflink) from the
     * descriptor just verified, so what lands is what was checked even if
     * a cleanup removes the blob meanwhile.  Modes go through open(), so
     * the umask applies as for a compiler. */
    if (st.st_size == d->size_bytes) {
        digest got;
        if (digest_fd(fd, &got) != 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        if (digest_equal(&got, d)) {
            r = fs_place_copy(fd, dst, mode);
            int e = errno;
            close(fd);
            errno = e;
            return r;
        }
    }
    /* A framed one is decompressed beside dst, verified on the way. */
    unsigned char head[CZ_HEADER];
    uint64_t raw = (uint64_t)st.st_size;
    r = 1;
    if (pread(fd, head, sizeof head, 0) == (ssize_t)sizeof head &&
        cz_header(head, sizeof head, &raw) == 1)
        r = cz_place(fd, raw, d, dst, mode);
    int e = errno;
    close(fd);
    errno = e;
    if (r == 1)
        st_drop_corrupt(s, d->hash, path, (int64_t)st.st_size, (int64_t)raw);
    return r;
}

