/* SPDX-License-Identifier: Apache-2.0 */
/* harness.h — what the remote client tests share: the test REAPI server
 * (tests/remote/server.py) started and stopped per test, its record of
 * calls, a warning-counting logger standing in for ricc's, a config, and
 * small helpers.  See harness.c. */
#ifndef RICC_TESTS_REMOTE_HARNESS_H
#define RICC_TESTS_REMOTE_HARNESS_H

#include <CUnit/Basic.h>
#include <stddef.h>
#include <sys/types.h>

#include "cache/reapi/reapi.h"
#include "cache/remote/remote.h"

/* Warnings the loader printed (through log_msg), and the last one. */
extern int n_warnings;
extern char last_warning[1024];
/* RICC_TEST_SERVER, or NULL: then each test starts its own server. */
extern const char *external;
/* Does the server execute actions?  The test server does; an external one
 * as its GetCapabilities says (RICC_TEST_SERVER_EXECUTES, which run.sh sets
 * from tests/remote/executes.py, or that script run here). */
extern int server_executes;

typedef struct server {
    pid_t pid;
    char dir[64];
    char addr[256];      /* what the client connects to */
    char tcp_addr[64];
    char record[128];
} server;

/* Start server.py with extra arguments (NULL-terminated): on dir/s.sock
 * (addr) and 127.0.0.1:<any> (tcp_addr).  0 or -1. */
int server_start(server *s, const char *const *extra);
void server_stop(server *s);
/* Recorded calls of `method` (all if NULL) whose line contains `needle`. */
int record_count(const server *s, const char *method, const char *needle);
/* A config for s with its own RICC_DIR in s->dir (static storage). */
config make_cfg(const server *s);
void add_scratch(const char *dir);   /* removed at exit */
int rm_rf(const char *dir);

void fill(char *buf, size_t n, unsigned seed);
int file_equals(const char *path, const void *data, size_t len);
int fs_read_back(const char *path, char *buf, size_t n);
/* A serialized ActionResult with one output file (path may be NULL). */
void *pack_result(const char *path, const digest *d, int exit_code, size_t *len);
reapi_action_result *unpack_result(const void *buf, size_t len);

/* Register tests and run them (main's body).  Returns the exit status. */
typedef struct test_case {
    const char *name;
    void (*fn)(void);
} test_case;
int run_tests(const char *suite, const test_case *tests, size_t n);

#define START(s, ...)                                                                         \
    do {                                                                                      \
        const char *const extra_[] = { __VA_ARGS__, NULL };                                       \
        CU_ASSERT_FATAL(server_start(&(s), extra_) == 0);                                     \
    } while (0)

/* A test that needs what only the test server has (a misbehaviour it is
 * told to show, its record of calls, its emptiness) skips against an
 * external server, saying why. */
#define NEEDS_OWN_SERVER(why)                                                                 \
    do {                                                                                      \
        if (external) {                                                                       \
            printf("(skipped with RICC_TEST_SERVER: needs the test server's %s) ", why);      \
            CU_PASS("skipped with RICC_TEST_SERVER");                                         \
            return;                                                                           \
        }                                                                                     \
    } while (0)

/* A test of Execute skips against a server that does not execute. */
#define NEEDS_EXECUTE()                                                                       \
    do {                                                                                      \
        if (!server_executes) {                                                               \
            printf("(skipped: the server has no Execution service) ");                        \
            CU_PASS("skipped: no Execution service");                                         \
            return;                                                                           \
        }                                                                                     \
    } while (0)

#endif
