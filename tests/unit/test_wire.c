/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for cache/remote/wire.h, the framing between ricc and its
 * remote agent: fields round trip; every malformed body (a length running
 * past the end, a number of the wrong size, a string without its NUL) is
 * refused rather than read out of bounds; whole messages cross a real
 * socket, one larger than the socket buffer too (sent in pieces, read
 * back whole); a message over the limit, a truncated one and a closed peer
 * are errors, not hangs or crashes.  The agent trusts nothing it is sent
 * and ricc nothing it is answered, so the parser is what these test. */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cache/remote/wire.h"
#include "tests/unit/unit.h"

/* A body built by hand: raw bytes appended. */
static rbuf body(const void *p, size_t len)
{
    rbuf r = { p, len, 0, 0 };
    return r;
}

static void test_round_trip(void)
{
    wbuf w = { 0 };
    w_u32(&w, 7);
    w_str(&w, "hello");
    w_str(&w, NULL); /* sent as "" */
    w_bytes(&w, "\0\1\2", 3);
    w_bytes(&w, NULL, 0);
    w_u32(&w, 0xffffffffu);
    CU_ASSERT_FATAL(!w.oom);

    rbuf r = body(w.p, w.len);
    CU_ASSERT_EQUAL(r_u32(&r), 7);
    CU_ASSERT_STRING_EQUAL(r_str(&r), "hello");
    CU_ASSERT_STRING_EQUAL(r_str(&r), "");
    size_t n = 99;
    const uint8_t *b = r_bytes(&r, &n);
    CU_ASSERT(b && n == 3 && b[0] == 0 && b[1] == 1 && b[2] == 2);
    r_bytes(&r, &n);
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT_EQUAL(r_u32(&r), 0xffffffffu);
    CU_ASSERT(!r.bad);
    CU_ASSERT_EQUAL(r.off, r.len);
    /* Reading past the end is refused, and the error sticks. */
    CU_ASSERT_EQUAL(r_u32(&r), 0);
    CU_ASSERT(r.bad);
    CU_ASSERT_STRING_EQUAL(r_str(&r), "");
    free(w.p);
}

static void test_malformed(void)
{
    size_t n;
    /* A field length past the end of the body. */
    uint8_t past[8] = { 10, 0, 0, 0, 'a', 'b', 'c', 'd' };
    rbuf r = body(past, sizeof past);
    CU_ASSERT_PTR_NULL(r_bytes(&r, &n));
    CU_ASSERT(r.bad);

    /* A length that would wrap the offset arithmetic. */
    uint8_t huge[6] = { 0xff, 0xff, 0xff, 0xff, 'x', 'y' };
    r = body(huge, sizeof huge);
    CU_ASSERT_PTR_NULL(r_bytes(&r, &n));
    CU_ASSERT(r.bad);

    /* Fewer than 4 bytes left for a length. */
    uint8_t stub[3] = { 1, 0, 0 };
    r = body(stub, sizeof stub);
    CU_ASSERT_PTR_NULL(r_bytes(&r, &n));
    CU_ASSERT(r.bad);

    /* A number that is not 4 bytes. */
    uint8_t two[6] = { 2, 0, 0, 0, 1, 2 };
    r = body(two, sizeof two);
    CU_ASSERT_EQUAL(r_u32(&r), 0);
    CU_ASSERT(r.bad);

    /* Strings: without the NUL, empty (no NUL at all), a NUL inside is fine
     * (the reader sees the part before it). */
    uint8_t nonul[7] = { 3, 0, 0, 0, 'a', 'b', 'c' };
    r = body(nonul, sizeof nonul);
    CU_ASSERT_STRING_EQUAL(r_str(&r), "");
    CU_ASSERT(r.bad);
    uint8_t empty[4] = { 0, 0, 0, 0 };
    r = body(empty, sizeof empty);
    r_str(&r);
    CU_ASSERT(r.bad);
    uint8_t inner[8] = { 4, 0, 0, 0, 'a', 0, 'b', 0 };
    r = body(inner, sizeof inner);
    CU_ASSERT_STRING_EQUAL(r_str(&r), "a");
    CU_ASSERT(!r.bad);

    /* An empty body. */
    r = body("", 0);
    r_u32(&r);
    CU_ASSERT(r.bad);
}

/* Write n bytes of a pattern into a fresh wbuf. */
static wbuf pattern(size_t n)
{
    wbuf w = { 0 };
    uint8_t *p = malloc(n);
    CU_ASSERT_FATAL(p != NULL);
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 131 + (i >> 9));
    w_bytes(&w, p, n);
    free(p);
    CU_ASSERT_FATAL(!w.oom);
    return w;
}

static void test_socket(void)
{
    int sv[2];
    CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    /* Small messages, back to back, an empty one among them. */
    wbuf a = { 0 }, e = { 0 };
    w_str(&a, "first");
    CU_ASSERT_EQUAL(wire_send(sv[0], &a), 0);
    CU_ASSERT_EQUAL(wire_send(sv[0], &e), 0);
    CU_ASSERT_EQUAL(wire_send(sv[0], &a), 0);
    rbuf r;
    CU_ASSERT_EQUAL_FATAL(wire_recv(sv[1], &r), 0);
    CU_ASSERT_STRING_EQUAL(r_str(&r), "first");
    free((void *)r.p);
    CU_ASSERT_EQUAL_FATAL(wire_recv(sv[1], &r), 0);
    CU_ASSERT_EQUAL(r.len, 0);
    free((void *)r.p);
    CU_ASSERT_EQUAL_FATAL(wire_recv(sv[1], &r), 0);
    CU_ASSERT_STRING_EQUAL(r_str(&r), "first");
    free((void *)r.p);
    free(a.p);

    /* Larger than any socket buffer: the sender is a child, so that the
     * partial sendmsg() calls resume where they stopped. */
    const size_t big = 3 * 1024 * 1024 + 17;
    pid_t pid = fork();
    if (pid == 0) {
        wbuf w = pattern(big);
        _exit(wire_send(sv[0], &w) == 0 ? 0 : 1);
    }
    CU_ASSERT_EQUAL_FATAL(wire_recv(sv[1], &r), 0);
    size_t n = 0;
    const uint8_t *p = r_bytes(&r, &n);
    wbuf want = pattern(big);
    CU_ASSERT(p && n == big && memcmp(p, want.p + 4, big) == 0);
    free(want.p);
    free((void *)r.p);
    int status = -1;
    waitpid(pid, &status, 0);
    CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* Larger than what is allocated up front: the buffer grows as it
     * arrives, and the message is whole. */
    const size_t huge = WIRE_FIRST + WIRE_FIRST / 2 + 5;
    pid = fork();
    if (pid == 0) {
        wbuf w = pattern(huge);
        _exit(wire_send(sv[0], &w) == 0 ? 0 : 1);
    }
    CU_ASSERT_EQUAL_FATAL(wire_recv(sv[1], &r), 0);
    p = r_bytes(&r, &n);
    want = pattern(huge);
    CU_ASSERT(p && n == huge && memcmp(p, want.p + 4, huge) == 0);
    free(want.p);
    free((void *)r.p);
    waitpid(pid, &status, 0);
    CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* A declared length over the limit is refused before any allocation. */
    uint32_t over = WIRE_MAX + 1;
    CU_ASSERT_EQUAL(write(sv[0], &over, 4), 4);
    CU_ASSERT_EQUAL(wire_recv(sv[1], &r), -1);

    /* A peer that claims the largest message and sends a few bytes costs
     * what it sent (and the first buffer), not the claim: in a child, whose
     * peak resident size is its own. */
    int sv3[2];
    CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv3) == 0);
    pid = fork();
    if (pid == 0) {
        close(sv3[0]);
        struct rusage before, after;
        getrusage(RUSAGE_SELF, &before);
        rbuf rr;
        int got = wire_recv(sv3[1], &rr);
        getrusage(RUSAGE_SELF, &after);
        long grown_kb = after.ru_maxrss - before.ru_maxrss;
        _exit(got == -1 && grown_kb < 4 * (long)(WIRE_FIRST >> 10) ? 0 : 1);
    }
    close(sv3[1]);
    uint8_t claim[8] = { 0, 0, 0, 0x40, 'a', 'b', 'c', 'd' }; /* 1 GiB */
    CU_ASSERT_EQUAL(write(sv3[0], claim, sizeof claim), (ssize_t)sizeof claim);
    close(sv3[0]);
    waitpid(pid, &status, 0);
    CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* A message cut short by the peer closing. */
    uint8_t cut[6] = { 10, 0, 0, 0, 'a', 'b' };
    CU_ASSERT_EQUAL(write(sv[0], cut, sizeof cut), (ssize_t)sizeof cut);
    close(sv[0]);
    CU_ASSERT_EQUAL(wire_recv(sv[1], &r), -1);
    CU_ASSERT_EQUAL(wire_recv(sv[1], &r), -1); /* end of stream */

    /* Sending to a closed peer is an error, not SIGPIPE. */
    int sv2[2];
    CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv2) == 0);
    close(sv2[1]);
    wbuf b = { 0 };
    w_str(&b, "nobody there");
    CU_ASSERT_EQUAL(wire_send(sv2[0], &b), -1);
    free(b.p);
    close(sv2[0]);
    close(sv[1]);

    /* A buffer marked out of memory is never sent. */
    wbuf oom = { 0 };
    oom.oom = 1;
    CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv2) == 0);
    CU_ASSERT_EQUAL(wire_send(sv2[0], &oom), -1);
    close(sv2[0]);
    close(sv2[1]);
}

static const unit_test tests[] = {
    {"fields round trip", test_round_trip},
    {"malformed bodies refused", test_malformed},
    {"messages over a socket", test_socket},
    {NULL, NULL},
};

int main(void)
{
    signal(SIGPIPE, SIG_DFL); /* MSG_NOSIGNAL must be what protects us */
    return unit_run("wire", NULL, NULL, tests);
}
