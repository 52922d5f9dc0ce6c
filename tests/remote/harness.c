/* SPDX-License-Identifier: Apache-2.0 */
/* harness.c — the shared part of the remote client tests (harness.h).
 *
 * Each test starts tests/remote/server.py (a REAPI server in Python on
 * grpcio) with the misbehaviour it needs, on a unix socket and a loopback
 * TCP port; the server records every call (method, authorization,
 * RequestMetadata) so tests check what went over the wire, not just what
 * came back.  Servers and scratch directories are registered and removed at
 * exit, even when a fatal assertion ends a test early.
 *
 * The programs define log_msg/log_enabled themselves (here): the loader's
 * warnings are counted, so "one warning per build" is tested. */
#include "tests/remote/harness.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cache/util/log.h"

/* ---- the host's logger, counting warnings ---- */

int n_warnings;
char last_warning[1024];

int log_enabled(enum log_level level)
{
    return level <= (getenv("RICC_TEST_DEBUG") ? LOG_DEBUG : LOG_WARNING);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (level == LOG_WARNING) {
        n_warnings++;
        snprintf(last_warning, sizeof last_warning, "%s", buf);
    }
    if (getenv("RICC_TEST_DEBUG"))
        fprintf(stderr, "[log %d] %s\n", level, buf);
}

/* ---- scratch and server management ---- */

const char *external; /* RICC_TEST_SERVER */
int server_executes = 1;

/* Whether the external server executes: RICC_TEST_SERVER_EXECUTES (run.sh
 * asks the server once for every program), or the same script asked here.
 * A server that cannot be asked counts as executing: its tests then fail
 * and say why, rather than skip. */
static int external_executes(void)
{
    const char *v = getenv("RICC_TEST_SERVER_EXECUTES");
    if (v && *v)
        return strcmp(v, "0") != 0;
    char cmd[1024], line[16] = "";
    const char *srv = getenv("RTS_SERVER");
    const char *slash = srv ? strrchr(srv, '/') : NULL;
    /* (executes.py is beside server.py) */
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%.*s%s' '%s'", slash ? (int)(slash + 1 - srv) : 0,
             srv ? srv : "", slash ? "executes.py" : "tests/remote/executes.py", external);
    FILE *p = popen(cmd, "r");
    char *ok = p ? fgets(line, sizeof line, p) : NULL;
    if (p)
        pclose(p);
    return !(ok && line[0] == '0');
}

/* Servers still running and scratch directories still there, stopped and
 * removed at exit even when a fatal assertion leaves a test early. */
static pid_t running[8];
static char scratch[8][64];

void add_scratch(const char *dir)
{
    for (int i = 0; i < 8; i++)
        if (!scratch[i][0]) {
            snprintf(scratch[i], sizeof scratch[i], "%s", dir);
            return;
        }
}



int rm_rf(const char *dir)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    for (int i = 0; i < 8; i++)
        if (strcmp(scratch[i], dir) == 0)
            scratch[i][0] = '\0';
    return system(cmd);
}

/* Start server.py with extra arguments (NULL-terminated).  Listens on
 * dir/s.sock and 127.0.0.1:<any>; addr is the unix socket. */
int server_start(server *s, const char *const *extra)
{
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "/tmp/rrt-XXXXXX");
    if (!mkdtemp(s->dir))
        return -1;
    add_scratch(s->dir);
    if (external) {
        snprintf(s->addr, sizeof s->addr, "%s", external);
        snprintf(s->tcp_addr, sizeof s->tcp_addr, "%s", external);
        return 0;
    }
    char sock[128], ready[128];
    snprintf(sock, sizeof sock, "%s/s.sock", s->dir);
    snprintf(ready, sizeof ready, "%s/ready", s->dir);
    snprintf(s->record, sizeof s->record, "%s/record", s->dir);
    const char *script = getenv("RTS_SERVER") ? getenv("RTS_SERVER") : "tests/remote/server.py";
    const char *argv[40];
    int n = 0;
    argv[n++] = "/usr/bin/python3";
    argv[n++] = script;
    argv[n++] = "--unix";
    argv[n++] = sock;
    argv[n++] = "--tcp";
    argv[n++] = "127.0.0.1:0";
    argv[n++] = "--ready-file";
    argv[n++] = ready;
    argv[n++] = "--record";
    argv[n++] = s->record;
    for (int i = 0; extra && extra[i] && n < 38; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    s->pid = fork();
    if (s->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM); /* never outlive the test */
        char log[128];
        snprintf(log, sizeof log, "%s/server.log", s->dir);
        if (!freopen(log, "w", stderr)) /* gRPC's own lines stay out of the report */
            _exit(126);
        execv(argv[0], (char **)argv);
        _exit(127);
    }
    for (int i = 0; i < 8; i++)
        if (running[i] == 0) {
            running[i] = s->pid;
            break;
        }
    for (int i = 0; i < 300; i++) { /* up to 30 s */
        FILE *f = fopen(ready, "r");
        if (f) {
            int port = 0;
            char line[256] = "";
            if (fgets(line, sizeof line, f)) {
                char *p = strstr(line, "\"tcp\": ");
                if (p)
                    port = atoi(p + 7);
            }
            fclose(f);
            snprintf(s->addr, sizeof s->addr, "unix:%s", sock);
            snprintf(s->tcp_addr, sizeof s->tcp_addr, "127.0.0.1:%d", port);
            return 0;
        }
        int st;
        if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
            char cmd[160];
            snprintf(cmd, sizeof cmd, "cat %s/server.log >&2", s->dir);
            if (system(cmd) != 0)
                fprintf(stderr, "the test server did not start\n");
            s->pid = 0;
            return -1;
        }
        usleep(100000);
    }
    return -1;
}

static void stop_pid(pid_t pid)
{
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    for (int i = 0; i < 8; i++)
        if (running[i] == pid)
            running[i] = 0;
}

void server_stop(server *s)
{
    if (s->pid > 0)
        stop_pid(s->pid);
    s->pid = 0;
    rm_rf(s->dir);
}

static void stop_all(void)
{
    for (int i = 0; i < 8; i++)
        if (running[i] > 0)
            stop_pid(running[i]);
    for (int i = 0; i < 8; i++)
        if (scratch[i][0])
            rm_rf(scratch[i]);
}

/* How many recorded calls of `method` (all calls if NULL) contain `needle`
 * (anything if NULL). */
int record_count(const server *s, const char *method, const char *needle)
{
    FILE *f = fopen(s->record, "r");
    if (!f)
        return 0;
    char line[4096], pat[128];
    snprintf(pat, sizeof pat, "\"method\": \"%s\"", method ? method : "");
    int n = 0;
    while (fgets(line, sizeof line, f))
        if ((!method || strstr(line, pat)) && (!needle || strstr(line, needle)))
            n++;
    fclose(f);
    return n;
}

/* A config for server s, with its own RICC_DIR under s->dir. */
static char ricc_dir[128];
config make_cfg(const server *s)
{
    config c;
    memset(&c, 0, sizeof c);
    snprintf(ricc_dir, sizeof ricc_dir, "%s/riccdir", s->dir);
    mkdir(ricc_dir, 0755);
    c.dir = ricc_dir;
    c.server = (char *)s->addr;
    c.request_timeout_s = 20;
    c.retry_limit = 0;
    c.retry_delay_ms = 10;
    c.remote_skip_seconds = 60;
    return c;
}

void fill(char *buf, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        buf[i] = (char)(seed >> 16);
    }
}

int file_equals(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char *buf = malloc(len + 1);
    size_t n = fread(buf, 1, len + 1, f);
    fclose(f);
    int eq = n == len && memcmp(buf, data, len) == 0;
    free(buf);
    return eq;
}

/* Read back exactly n bytes of a file. */
int fs_read_back(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t got = fread(buf, 1, n, f);
    fclose(f);
    return got == n;
}

void *pack_result(const char *path, const digest *d, int exit_code, size_t *len)
{
    reapi_action_result ar = REAPI_ACTION_RESULT_INIT;
    reapi_output_file of = REAPI_OUTPUT_FILE_INIT, *ofp = &of;
    reapi_digest rd;
    if (path) {
        reapi_digest_ref(&rd, (digest *)d);
        of.path = (char *)path;
        of.digest = &rd;
        ar.n_output_files = 1;
        ar.output_files = &ofp;
    }
    ar.exit_code = exit_code;
    return reapi_pack(&ar.base, len, NULL);
}

reapi_action_result *unpack_result(const void *buf, size_t len)
{
    return (reapi_action_result *)protobuf_c_message_unpack(
        &build__bazel__remote__execution__v2__action_result__descriptor, NULL, len, buf);
}

int run_tests(const char *suite, const test_case *tests, size_t n)
{
    external = getenv("RICC_TEST_SERVER");
    if (external && !*external)
        external = NULL;
    if (external)
        server_executes = external_executes();
    /* Direct calls unless a test asks for the agent. */
    setenv("RICC_REMOTE_AGENT", "0", 1);
    atexit(stop_all);
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite s = CU_add_suite(suite, NULL, NULL);
    if (!s)
        return 1;
    for (size_t i = 0; i < n; i++)
        if (!CU_add_test(s, tests[i].name, tests[i].fn))
            return 1;
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned fails = CU_get_number_of_failures();
    int err = CU_get_error() != CUE_SUCCESS;
    CU_cleanup_registry();
    return fails > 0 || err;
}
