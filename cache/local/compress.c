/* SPDX-License-Identifier: Apache-2.0 */
/* compress.c — framing, compressing and decompressing CAS blobs (the format
 * and the rule of when to compress are in compress.h).
 *
 * Files are streamed in chunks of zstd's recommended sizes (~128 KiB), so
 * storing or placing a blob of any size costs that much memory plus zstd's
 * window, never the whole blob: a hit that restores a 50 MB output does not
 * make a 50 MB buffer.  Blobs given in memory (cas_put, cas_get) are
 * compressed and decompressed in one call.
 *
 * What is written is the store's business: temp file then rename, here as
 * in fsutil.h.  What is read is verified by the caller's digest (the bytes
 * decompressed are hashed on the way); zstd's errors only say sooner that
 * a file is damaged. */
#include "cache/local/compress.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "cache/local/layout.h"
#include "cache/util/fsutil.h"

static const unsigned char magic[6] = {0x89, 'R', 'I', 'C', 'C', 'Z'};
#define CZ_VERSION 1
#define CZ_ZSTD 1

static int has_magic(const void *p, size_t n)
{
    return n >= sizeof magic && memcmp(p, magic, sizeof magic) == 0;
}

int cz_header(const void *p, size_t n, uint64_t *raw)
{
    const unsigned char *b = p;
    if (!has_magic(p, n))
        return 0;
    if (n < CZ_HEADER || b[6] != CZ_VERSION || b[7] != CZ_ZSTD)
        return -1;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)b[8 + i] << (8 * i);
    *raw = v;
    return 1;
}

static void put_header(unsigned char *b, uint64_t raw)
{
    memcpy(b, magic, sizeof magic);
    b[6] = CZ_VERSION;
    b[7] = CZ_ZSTD;
    for (int i = 0; i < 8; i++)
        b[8 + i] = (unsigned char)(raw >> (8 * i));
}

int cz_try(const void *p, size_t n, int64_t raw)
{
    return has_magic(p, n) || layout_charge(raw) > layout_charge(1);
}

/* Is a framed file of `stored` bytes worth it for `raw` bytes? */
static int worth(int64_t raw, int64_t stored)
{
    return stored < raw - raw / 32 && layout_charge(stored) < layout_charge(raw);
}

int cz_encode(const void *buf, size_t len, int level, size_t prefix, char **out, size_t *out_len)
{
    int force = has_magic(buf, len);
    if (!force && !cz_try(buf, len, (int64_t)len))
        return 1;
    /* Unless it must be framed, give zstd only the room that would be
     * worth it: output that does not fit is not worth keeping. */
    size_t room = force ? ZSTD_compressBound(len) : len - len / 32;
    char *f = malloc(prefix + CZ_HEADER + room);
    if (!f) {
        errno = ENOMEM;
        return -1;
    }
    size_t z = ZSTD_compress(f + prefix + CZ_HEADER, room, buf, len, level);
    if (ZSTD_isError(z) || (!force && !worth((int64_t)len, (int64_t)(CZ_HEADER + z)))) {
        free(f);
        if (!force)
            return 1;
        errno = EIO;
        return -1;
    }
    put_header((unsigned char *)f + prefix, len);
    *out = f;
    *out_len = prefix + CZ_HEADER + z;
    return 0;
}

int cz_write_buf(const void *buf, size_t len, int level, const char *path, int64_t *stored)
{
    char *f;
    size_t n;
    int r = cz_encode(buf, len, level, 0, &f, &n);
    if (r != 0)
        return r;
    r = atomic_write_file(path, f, n, 0644);
    free(f);
    if (r != 0)
        return -1;
    *stored = (int64_t)n;
    return 0;
}

/* Read up to cap bytes (fewer only at the end of the file).  -1 on error. */
static ssize_t read_full(int fd, void *buf, size_t cap)
{
    size_t got = 0;
    while (got < cap) {
        ssize_t n = read(fd, (char *)buf + got, cap - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

/* Compress `size` bytes of `in` (the first n of which are in ib already)
 * into out after its header.  0 done (*written = compressed bytes), 1 not
 * worth it (stopped early unless force), -1 error (errno). */
static int stream_out(int in, int64_t size, int level, int force, char *ib, size_t icap,
                      size_t n, int out, int64_t *written)
{
    size_t ocap = ZSTD_CStreamOutSize();
    char *ob = malloc(ocap);
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    int rc = -1;
    errno = ENOMEM;
    if (!ob || !cc || ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, level)) ||
        ZSTD_isError(ZSTD_CCtx_setPledgedSrcSize(cc, (unsigned long long)size)))
        goto out;
    int64_t total = (int64_t)n, limit = size - size / 32 - CZ_HEADER;
    *written = 0;
    for (;;) {
        ZSTD_EndDirective mode = total == size ? ZSTD_e_end : ZSTD_e_continue;
        ZSTD_inBuffer zi = {ib, n, 0};
        size_t left;
        do {
            ZSTD_outBuffer zo = {ob, ocap, 0};
            left = ZSTD_compressStream2(cc, &zo, &zi, mode);
            if (ZSTD_isError(left)) {
                errno = EIO; /* (the file is not as long as it was) */
                goto out;
            }
            if (fs_write_all(out, ob, zo.pos) != 0)
                goto out;
            *written += (int64_t)zo.pos;
            if (!force && *written >= limit) {
                rc = 1;
                goto out;
            }
        } while (mode == ZSTD_e_end ? left != 0 : zi.pos < zi.size);
        if (mode == ZSTD_e_end)
            break;
        size_t want = (uint64_t)(size - total) < icap ? (size_t)(size - total) : icap;
        ssize_t got = read_full(in, ib, want);
        if (got <= 0) {
            errno = got < 0 ? errno : EIO; /* it shrank */
            goto out;
        }
        n = (size_t)got;
        total += got;
    }
    char extra;
    ssize_t more = read_full(in, &extra, 1);
    if (more != 0) {
        errno = more < 0 ? errno : EIO; /* it grew */
        goto out;
    }
    rc = 0;
out:
    ZSTD_freeCCtx(cc);
    free(ob);
    return rc;
}

int cz_write_fd(int in, int64_t size, int level, const char *path, int64_t *stored)
{
    size_t icap = ZSTD_CStreamInSize();
    if ((uint64_t)size < icap)
        icap = size > 0 ? (size_t)size : 1;
    char *ib = malloc(icap);
    if (!ib) {
        errno = ENOMEM;
        return -1;
    }
    ssize_t n = read_full(in, ib, icap);
    if (n < 0) {
        free(ib);
        return -1;
    }
    int force = has_magic(ib, (size_t)n);
    if (!force && !cz_try(ib, (size_t)n, size)) {
        free(ib);
        return 1;
    }
    char *tmp = NULL;
    int out = fs_open_tmp_mkdir(path, 0644, &tmp);
    if (out < 0) {
        free(ib);
        return -1;
    }
    unsigned char h[CZ_HEADER];
    put_header(h, (uint64_t)size);
    int64_t z = 0;
    int r = fs_write_all(out, h, sizeof h) == 0
                ? stream_out(in, size, level, force, ib, icap, (size_t)n, out, &z)
                : -1;
    free(ib);
    if (r == 0 && !force && !worth(size, CZ_HEADER + z))
        r = 1;
    if (r != 0) {
        fs_finish_tmp(out, tmp, path, 0, 0);
        return r;
    }
    if (fs_finish_tmp(out, tmp, path, 1, 0) != 0)
        return -1;
    *stored = CZ_HEADER + z;
    return 0;
}

int cz_decode_buf(const char *f, size_t n, uint64_t expect, char **out, size_t *out_len)
{
    uint64_t raw;
    if (cz_header(f, n, &raw) != 1 || (expect != CZ_ANY_SIZE && raw != expect) ||
        (expect == CZ_ANY_SIZE && raw > CZ_ANY_MAX) || raw >= SIZE_MAX ||
        ZSTD_getFrameContentSize(f + CZ_HEADER, n - CZ_HEADER) != raw)
        return 1;
    char *p = malloc((size_t)raw + 1);
    if (!p) {
        errno = ENOMEM;
        return -1;
    }
    size_t z = ZSTD_decompress(p, (size_t)raw, f + CZ_HEADER, n - CZ_HEADER);
    if (ZSTD_isError(z) || z != raw) {
        free(p);
        return 1;
    }
    p[raw] = '\0';
    *out = p;
    *out_len = (size_t)raw;
    return 0;
}

/* Decompress the frame after in's header into out, hashing.  0 with *got
 * set, 1 damaged, -1 read or write error (errno). */
static int decode_to(int in, uint64_t raw, int out, digest *got)
{
    size_t icap = ZSTD_DStreamInSize(), ocap = ZSTD_DStreamOutSize();
    if (raw < ocap)
        ocap = raw ? (size_t)raw : 1; /* fewer fresh pages for a small blob */
    if (raw < icap)
        icap = raw ? (size_t)raw : 1;
    char *ib = malloc(icap), *ob = malloc(ocap);
    ZSTD_DCtx *dc = ZSTD_createDCtx();
    digest_ctx *h = digest_ctx_new();
    int rc = -1;
    errno = ENOMEM;
    if (!ib || !ob || !dc || !h)
        goto out;
    off_t off = CZ_HEADER;
    uint64_t total = 0;
    size_t left = 1; /* 0 once a frame is complete */
    rc = 1;
    for (;;) {
        ssize_t n = pread(in, ib, icap, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = -1;
            goto out;
        }
        if (n == 0)
            break;
        off += n;
        ZSTD_inBuffer zi = {ib, (size_t)n, 0};
        while (zi.pos < zi.size) {
            ZSTD_outBuffer zo = {ob, ocap, 0};
            left = ZSTD_decompressStream(dc, &zo, &zi);
            if (ZSTD_isError(left) || zo.pos > raw - total)
                goto out;
            total += zo.pos;
            digest_ctx_update(h, ob, zo.pos);
            if (fs_write_all(out, ob, zo.pos) != 0) {
                rc = -1;
                goto out;
            }
        }
    }
    if (left != 0 || total != raw)
        goto out; /* truncated */
    digest_ctx_final(h, got);
    h = NULL;
    rc = 0;
out:
    if (h) {
        digest dummy;
        digest_ctx_final(h, &dummy);
    }
    ZSTD_freeDCtx(dc);
    free(ib);
    free(ob);
    return rc;
}

int cz_place(int in, uint64_t raw, const digest *want, const char *dst, mode_t mode)
{
    if (want->size_bytes < 0 || raw != (uint64_t)want->size_bytes)
        return 1;
    char *tmp = NULL;
    int out = fs_open_tmp_output(dst, mode, &tmp); /* the user's umask: fsutil.h */
    if (out < 0)
        return -1;
    digest got;
    int r = decode_to(in, raw, out, &got);
    if (r == 0 && !digest_equal(&got, want))
        r = 1;
    if (fs_finish_tmp(out, tmp, dst, r == 0, 1) != 0 && r == 0)
        r = -1;
    return r;
}
