/* SPDX-License-Identifier: Apache-2.0 */
/* compress.h — the on-disk form of a CAS blob: its bytes as they are, or
 * zstd behind a small header.
 *
 *   raw:     the blob's bytes (older caches, compression off, and blobs
 *            compression would not make smaller on disk)
 *   framed:  16 bytes: magic "\x89RICCZ" (6), format version (1, = 1),
 *            method (1, 1 = one zstd frame), uncompressed size (8, little
 *            endian); then the method's bytes.
 *
 * A reader tells them apart by the first bytes.  A blob whose own bytes
 * begin with the magic is therefore always written framed (whatever the
 * setting), so no raw file is ever mistaken for a framed one.  Whichever
 * form, the store verifies the SHA-256 of the uncompressed bytes against the
 * blob's name: zstd's own checksum would add nothing and is left out.
 *
 * When to frame (cz_worth): only when it takes fewer 4 KiB blocks on disk
 * (layout_charge, what max_size counts) and saves at least 1/32 of the
 * bytes.  So a blob of one block or less is never compressed (nothing to
 * gain on disk, and its hits skip the decompression), nor is data that
 * does not compress (an archive of compressed members, random bytes).
 *
 * Why a header of our own rather than the bare zstd frame: a blob may
 * itself be a .zst file (`ricc exec` caches whatever a tool writes), and
 * the version byte lets a later format be told from this one. */
#ifndef RICC_COMPRESS_H
#define RICC_COMPRESS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cache/reapi/digest.h"

#define CZ_HEADER 16

/* Does p[0..n) begin a framed file?  1 (its uncompressed size in *raw),
 * 0 not framed (a raw blob), -1 the magic with a version or method this
 * ricc does not know (unreadable here). */
int cz_header(const void *p, size_t n, uint64_t *raw);

/* Would a blob of `raw` bytes that starts with p[0..n) (its first bytes,
 * or fewer) be worth trying to compress?  Also 1 when it must be framed
 * (it starts with the magic). */
int cz_try(const void *p, size_t n, int64_t raw);

/* buf[0..len) framed at zstd `level`, after `prefix` bytes left for the
 * caller: 0 (*out malloc'd, *out_len bytes in all), 1 not worth it (nothing
 * made), -1 (errno). */
int cz_encode(const void *buf, size_t len, int level, size_t prefix, char **out, size_t *out_len);

/* Store buf[0..len) at path (temp file then rename, its directory made if
 * missing) framed at zstd `level`.  0 written (*stored = the file's size),
 * 1 not worth it (nothing written: store it raw), -1 error (errno). */
int cz_write_buf(const void *buf, size_t len, int level, const char *path, int64_t *stored);

/* The same for what fd `in` holds (`size` bytes, read from its current
 * offset), streamed: the blob is never whole in memory.  A file that is not
 * `size` bytes long (it changed) is an error (EIO). */
int cz_write_fd(int in, int64_t size, int level, const char *path, int64_t *stored);

/* The content of the framed file f[0..n), which must be `expect` bytes
 * (CZ_ANY_SIZE: whatever its header says, up to CZ_ANY_MAX): malloc'd and
 * NUL-terminated in *out.  0 ok, 1 damaged, -1 ENOMEM. */
#define CZ_ANY_SIZE UINT64_MAX
#define CZ_ANY_MAX ((uint64_t)1 << 30)
int cz_decode_buf(const char *f, size_t n, uint64_t expect, char **out, size_t *out_len);

/* Decompress the framed file open at `in` (its header says `raw` bytes)
 * into a temporary beside dst, hashing on the way, and when the bytes are
 * those of `want`, rename it over dst (dst removed just before, as
 * fs_place_copy does).  Streamed.  0 placed, 1 damaged or not want's bytes
 * (nothing placed), -1 error writing dst (errno). */
int cz_place(int in, uint64_t raw, const digest *want, const char *dst, mode_t mode);

#endif
