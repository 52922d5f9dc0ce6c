/* SPDX-License-Identifier: Apache-2.0 */
/* digest.c — SHA-256 digests through libcrypto.
 *
 * libcrypto's SHA-256 block function (SHA-NI where the CPU has it), called
 * through SHA256_Init/Update/Final rather than EVP.  The reason is process
 * start: ricc is a fresh process per compile, and in OpenSSL 3 the first EVP
 * use fetches the algorithm from a provider, which builds libcrypto's whole
 * name map — 3.5 million instructions (callgrind, Debian 12's OpenSSL 3.0),
 * 40% of a direct-mode hit, against a few thousand for the hashing itself.
 * The low-level calls run the same assembly with no provider machinery.
 * OpenSSL marks them deprecated (in favour of EVP) but keeps them; if a
 * future OpenSSL drops them, only this file changes. */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "cache/reapi/digest.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct digest_ctx {
    SHA256_CTX sha;
    int64_t size;
};

static void to_hex(const unsigned char *raw, unsigned n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < n; i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 15];
    }
    out[2 * n] = '\0';
}

digest_ctx *digest_ctx_new(void)
{
    digest_ctx *c = malloc(sizeof *c);
    if (!c)
        return NULL;
    SHA256_Init(&c->sha);
    c->size = 0;
    return c;
}

void digest_ctx_update(digest_ctx *c, const void *buf, size_t len)
{
    SHA256_Update(&c->sha, buf, len);
    c->size += (int64_t)len;
}

void digest_ctx_final(digest_ctx *c, digest *out)
{
    unsigned char raw[SHA256_DIGEST_LENGTH];
    SHA256_Final(raw, &c->sha);
    to_hex(raw, SHA256_DIGEST_LENGTH, out->hash);
    out->size_bytes = c->size;
    free(c);
}

void digest_buf(const void *buf, size_t len, digest *out)
{
    unsigned char raw[SHA256_DIGEST_LENGTH];
    /* On the stack: no allocation on the common small-buffer path.  (Not
     * SHA256(), which OpenSSL 3 routes through EVP.) */
    SHA256_CTX sha;
    SHA256_Init(&sha);
    SHA256_Update(&sha, buf, len);
    SHA256_Final(raw, &sha);
    to_hex(raw, SHA256_DIGEST_LENGTH, out->hash);
    out->size_bytes = (int64_t)len;
}

void digest_str(const char *s, digest *out)
{
    digest_buf(s, strlen(s), out);
}

int digest_fd(int fd, digest *out)
{
    char buf[65536];
    digest_ctx *c = digest_ctx_new();
    if (!c) {
        errno = ENOMEM;
        return -1;
    }
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            digest *scratch = out; /* finish to free the context */
            digest_ctx_final(c, scratch);
            errno = e;
            return -1;
        }
        if (n == 0)
            break;
        digest_ctx_update(c, buf, (size_t)n);
    }
    digest_ctx_final(c, out);
    return 0;
}

int digest_file(const char *path, digest *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int r = digest_fd(fd, out);
    int e = errno;
    close(fd);
    errno = e;
    return r;
}

int digest_parse(const char *s, digest *out, const char **why)
{
    const char *slash = strchr(s, '/');
    if (!slash) {
        *why = "expected HASH/SIZE (no '/')";
        return -1;
    }
    if (slash - s != DIGEST_HEX_LEN) {
        *why = "hash is not 64 hex digits";
        return -1;
    }
    for (int i = 0; i < DIGEST_HEX_LEN; i++) {
        char ch = s[i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) {
            *why = (ch >= 'A' && ch <= 'F') ? "hash must be lowercase hex"
                                            : "hash is not 64 hex digits";
            return -1;
        }
    }
    const char *p = slash + 1;
    if (*p < '0' || *p > '9') {
        *why = "size is not a number";
        return -1;
    }
    int64_t size = 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9') {
            *why = "size is not a number";
            return -1;
        }
        if (size > (INT64_MAX - (*p - '0')) / 10) {
            *why = "size is too large";
            return -1;
        }
        size = size * 10 + (*p - '0');
    }
    memcpy(out->hash, s, DIGEST_HEX_LEN);
    out->hash[DIGEST_HEX_LEN] = '\0';
    out->size_bytes = size;
    return 0;
}

char *digest_format(const digest *d, char *buf)
{
    snprintf(buf, DIGEST_STR_MAX, "%s/%lld", d->hash, (long long)d->size_bytes);
    return buf;
}

int digest_equal(const digest *a, const digest *b)
{
    return a->size_bytes == b->size_bytes && memcmp(a->hash, b->hash, DIGEST_HEX_LEN) == 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int digest_raw(const digest *d, unsigned char out[32])
{
    for (int i = 0; i < 32; i++) {
        int hi = hexval(d->hash[2 * i]), lo = hexval(d->hash[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return 0;
}
