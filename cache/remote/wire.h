/* SPDX-License-Identifier: Apache-2.0 */
/* wire.h — the framing between ricc and its remote agent (same user, same
 * machine, same build: native byte order, structs such as digest copied as
 * they are).
 *
 * A message is a 4-byte length and a body; a body is a sequence of fields,
 * each a 4-byte length and that many bytes.  Numbers are 4-byte fields.
 * Strings are sent with their NUL so the reader can point into the buffer.
 * Both ends use these inline helpers: the host side (remote_loader.c, no
 * gRPC) and the agent (cache/remote/client/agent.c, in the module).
 *
 * A message goes out in one sendmsg() (length and body together): sent in
 * two, the reader could wake on the length alone and sleep again for the
 * body, one more context switch each way on every call of a remote hit. */
#ifndef RICC_REMOTE_WIRE_H
#define RICC_REMOTE_WIRE_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "cache/util/prefault.h"

#define WIRE_MAX (1u << 30) /* a message larger than this is a protocol error */

enum wire_op { OP_GET_AR = 1, OP_UPDATE_AR, OP_UPLOAD, OP_FETCH, OP_EXECUTE, OP_CAN_EXECUTE };

typedef struct wbuf {
    uint8_t *p;
    size_t len, cap;
    int oom;
} wbuf;

static inline void w_raw(wbuf *w, const void *d, size_t n)
{
    if (w->oom)
        return;
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap : 256;
        while (cap < w->len + n)
            cap *= 2;
        uint8_t *p = realloc(w->p, cap);
        if (!p) {
            w->oom = 1;
            return;
        }
        w->p = p;
        w->cap = cap;
    }
    memcpy(w->p + w->len, d, n);
    w->len += n;
}

static inline void w_bytes(wbuf *w, const void *d, size_t n)
{
    uint32_t l = (uint32_t)n;
    w_raw(w, &l, 4);
    if (n)
        w_raw(w, d, n);
}

static inline void w_u32(wbuf *w, uint32_t v)
{
    w_bytes(w, &v, 4);
}

static inline void w_str(wbuf *w, const char *s)
{
    w_bytes(w, s ? s : "", strlen(s ? s : "") + 1);
}

typedef struct rbuf {
    const uint8_t *p;
    size_t len, off;
    int bad;
} rbuf;

static inline const void *r_bytes(rbuf *r, size_t *n)
{
    uint32_t l;
    if (r->bad || r->len - r->off < 4) {
        r->bad = 1;
        return NULL;
    }
    memcpy(&l, r->p + r->off, 4);
    if (r->len - r->off - 4 < l) {
        r->bad = 1;
        return NULL;
    }
    const void *d = r->p + r->off + 4;
    r->off += 4 + l;
    *n = l;
    return d;
}

static inline uint32_t r_u32(rbuf *r)
{
    size_t n;
    const void *d = r_bytes(r, &n);
    uint32_t v = 0;
    if (d && n == 4)
        memcpy(&v, d, 4);
    else
        r->bad = 1;
    return v;
}

/* A string field, NUL included; points into the buffer. */
static inline const char *r_str(rbuf *r)
{
    size_t n;
    const char *s = r_bytes(r, &n);
    if (!s || n == 0 || s[n - 1] != '\0') {
        r->bad = 1;
        return "";
    }
    return s;
}

/* Read exactly n bytes.  0, or -1 at end of stream or on error. */
static inline int wire_read(int fd, void *buf, size_t n)
{
    uint8_t *p = buf;
    while (n > 0) {
        ssize_t k = recv(fd, p, n, 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Send one message: its length and body in one sendmsg() (more only when
 * the socket buffer takes part of it).  0 or -1. */
static inline int wire_send(int fd, const wbuf *w)
{
    uint32_t l = (uint32_t)w->len;
    if (w->oom || w->len > WIRE_MAX)
        return -1;
    struct iovec iov[2] = { { &l, 4 }, { w->p, w->len } };
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_iov = iov;
    m.msg_iovlen = w->len ? 2 : 1;
    while (m.msg_iovlen > 0) {
        /* MSG_NOSIGNAL: a peer gone must be an error here, not SIGPIPE. */
        ssize_t k = sendmsg(fd, &m, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        while (m.msg_iovlen > 0 && (size_t)k >= m.msg_iov->iov_len) {
            k -= (ssize_t)m.msg_iov->iov_len;
            m.msg_iov++;
            m.msg_iovlen--;
        }
        if (m.msg_iovlen > 0) {
            m.msg_iov->iov_base = (uint8_t *)m.msg_iov->iov_base + k;
            m.msg_iov->iov_len -= (size_t)k;
        }
    }
    return 0;
}

/* What wire_recv allocates before any of a message has arrived: a peer's
 * claimed length alone (up to WIRE_MAX) buys no more memory than this. */
#define WIRE_FIRST (16u << 20)

/* Receive one message into *r (its buffer malloc'd: free(r->p)).  0, or -1
 * at end of stream or on error.  A large buffer is prefaulted: it is filled
 * at once (an inlined object file, a blob to upload).  Past WIRE_FIRST the
 * buffer doubles as the bytes arrive, so a message that claims a gigabyte
 * and stops costs what was sent, not the claim. */
static inline int wire_recv(int fd, rbuf *r)
{
    uint32_t l;
    memset(r, 0, sizeof *r);
    if (wire_read(fd, &l, 4) != 0 || l > WIRE_MAX)
        return -1;
    size_t cap = l < WIRE_FIRST ? l : WIRE_FIRST, got = 0;
    uint8_t *p = prefault_malloc(cap);
    while (p && wire_read(fd, p + got, cap - got) == 0) {
        got = cap;
        if (got == l) {
            r->p = p;
            r->len = l;
            return 0;
        }
        size_t more = cap * 2 < l ? cap * 2 : l;
        uint8_t *q = realloc(p, more);
        if (!q)
            break;
        prefault(q + cap, more - cap);
        p = q;
        cap = more;
    }
    free(p);
    return -1;
}

#endif
