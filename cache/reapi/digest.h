/* SPDX-License-Identifier: Apache-2.0 */
/* digest.h — REAPI content digests: SHA-256 hex hash plus size in bytes.
 *
 * Everything ricc stores or looks up is named by a digest (design.md "The
 * key").  SHA-256 comes from libcrypto's EVP API.  The textual form used in
 * environment variables and file names is "hash/size" (RECC_REMOTE_PLATFORM_
 * chrootRootDigest uses it), parsed strictly: 64 lowercase hex digits, '/',
 * a decimal size without sign or leading garbage. */
#ifndef RICC_DIGEST_H
#define RICC_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define DIGEST_HEX_LEN 64
#define DIGEST_STR_MAX (DIGEST_HEX_LEN + 1 + 20 + 1) /* "hash/size\0" */

typedef struct digest {
    char hash[DIGEST_HEX_LEN + 1]; /* lowercase hex, NUL-terminated */
    int64_t size_bytes;
} digest;

/* Incremental hashing, for files read in chunks. */
typedef struct digest_ctx digest_ctx;
digest_ctx *digest_ctx_new(void);           /* NULL only on allocation failure */
void digest_ctx_update(digest_ctx *c, const void *buf, size_t len);
void digest_ctx_final(digest_ctx *c, digest *out); /* frees c */

void digest_buf(const void *buf, size_t len, digest *out);
void digest_str(const char *s, digest *out); /* digest of strlen(s) bytes */

/* Hash a file's content.  Returns 0, or -1 with errno set (file unreadable). */
int digest_file(const char *path, digest *out);
int digest_fd(int fd, digest *out);

/* Parse "hash/size".  Returns 0, or -1 and points *why at a static message
 * ("hash is not 64 hex digits", "size is not a number", ...). */
int digest_parse(const char *s, digest *out, const char **why);

/* Format as "hash/size" into buf (at least DIGEST_STR_MAX bytes); returns buf. */
char *digest_format(const digest *d, char *buf);

int digest_equal(const digest *a, const digest *b);

/* The raw 32 bytes of the hash, for binary keys.  Returns 0, -1 if malformed. */
int digest_raw(const digest *d, unsigned char out[32]);

#endif
