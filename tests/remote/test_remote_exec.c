/* SPDX-License-Identifier: Apache-2.0 */
/* test_remote_exec.c — Execute (a real command on a staged input root,
 * over a unix socket and TCP, through a broken stream with WaitExecution, a
 * result with an unsafe path refused) and the agent: started by a fresh
 * process, used by the next, and done without when it dies
 * (tests/remote/server.py, harness.c).
 *
 * Against RICC_TEST_SERVER (bazel-remote, BuildGrid): the Execute tests
 * run when the server says it executes; what is checked there is what any
 * REAPI server must do (stdout and stderr may come inline or by digest, a
 * server predating output_paths reads output_files), and the checks on
 * the test server's call record or its misbehaviours are left out. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cache/local/store.h"
#include "tests/remote/harness.h"

static void run_execute(const char *addr_kind, const char *const *extra, int expect_wait)
{
    server s;
    CU_ASSERT_FATAL(server_start(&s, extra) == 0);
    config cfg = make_cfg(&s);
    if (strcmp(addr_kind, "tcp") == 0)
        cfg.server = s.tcp_addr;
    cfg.retry_limit = 1;
    remote *r = remote_open(&cfg);
    CU_ASSERT_FATAL(r != NULL);

    /* Input root: in/data.txt; Command: cat it into sub/out.txt. */
    static const char input[] = "input bytes\n";
    digest in_d;
    digest_buf(input, sizeof input - 1, &in_d);
    Build__Bazel__Remote__Execution__V2__FileNode fn =
        BUILD__BAZEL__REMOTE__EXECUTION__V2__FILE_NODE__INIT, *fnp = &fn;
    Build__Bazel__Remote__Execution__V2__Directory inner =
        BUILD__BAZEL__REMOTE__EXECUTION__V2__DIRECTORY__INIT;
    reapi_digest in_rd;
    reapi_digest_ref(&in_rd, &in_d);
    fn.name = "data.txt";
    fn.digest = &in_rd;
    inner.n_files = 1;
    inner.files = &fnp;
    size_t inner_len, root_len, cmd_len, act_len;
    digest inner_d, root_d, cmd_d, act_d;
    void *inner_b = reapi_pack(&inner.base, &inner_len, &inner_d);
    Build__Bazel__Remote__Execution__V2__DirectoryNode dn =
        BUILD__BAZEL__REMOTE__EXECUTION__V2__DIRECTORY_NODE__INIT, *dnp = &dn;
    reapi_digest inner_rd;
    reapi_digest_ref(&inner_rd, &inner_d);
    dn.name = "in";
    dn.digest = &inner_rd;
    Build__Bazel__Remote__Execution__V2__Directory root =
        BUILD__BAZEL__REMOTE__EXECUTION__V2__DIRECTORY__INIT;
    root.n_directories = 1;
    root.directories = &dnp;
    void *root_b = reapi_pack(&root.base, &root_len, &root_d);

    char nonce[64];
    snprintf(nonce, sizeof nonce, "%ld-%d", (long)time(NULL), (int)getpid());
    char *args[] = { "/bin/sh", "-c",
                     "cat in/data.txt > sub/out.txt; echo to-stdout; echo to-stderr >&2; "
                     "exit 3", nonce };
    char *outs[] = { "sub/out.txt" };
    reapi_command cmd = REAPI_COMMAND_INIT;
    cmd.n_arguments = 4;
    cmd.arguments = args;
    /* Both fields, as ricc sends them: a server of REAPI 2.0 (BuildGrid
     * 0.0.2) reads only output_files. */
    cmd.n_output_paths = cmd.n_output_files = 1;
    cmd.output_paths = cmd.output_files = outs;
    void *cmd_b = reapi_pack(&cmd.base, &cmd_len, &cmd_d);
    reapi_action action = REAPI_ACTION_INIT;
    reapi_digest cmd_rd, root_rd;
    reapi_digest_ref(&cmd_rd, &cmd_d);
    reapi_digest_ref(&root_rd, &root_d);
    action.command_digest = &cmd_rd;
    action.input_root_digest = &root_rd;
    void *act_b = reapi_pack(&action.base, &act_len, &act_d);

    remote_blob blobs[5] = {
        { in_d, input, sizeof input - 1, NULL }, { inner_d, inner_b, inner_len, NULL },
        { root_d, root_b, root_len, NULL },      { cmd_d, cmd_b, cmd_len, NULL },
        { act_d, act_b, act_len, NULL },
    };
    CU_ASSERT_EQUAL_FATAL(remote_upload(r, blobs, 5), 0);

    void *ar = NULL;
    size_t len;
    int cached = -1;
    CU_ASSERT_EQUAL_FATAL(remote_execute(r, &act_d, 0, outs, 1, &ar, &len, &cached), 0);
    CU_ASSERT_EQUAL(cached, 0);
    reapi_action_result *m = unpack_result(ar, len);
    CU_ASSERT_FATAL(m != NULL);
    CU_ASSERT_EQUAL(m->exit_code, 3);
    CU_ASSERT_EQUAL_FATAL(m->n_output_files, 1);
    CU_ASSERT_STRING_EQUAL(m->output_files[0]->path, "sub/out.txt");
    CU_ASSERT_STRING_EQUAL(m->output_files[0]->digest->hash, in_d.hash);
    /* Each stream by digest (the test server, by default), or inline with
     * no digest (BuildGrid; REAPI allows either). */
    const ProtobufCBinaryData *raw[2] = { &m->stdout_raw, &m->stderr_raw };
    reapi_digest *sd[2] = { m->stdout_digest, m->stderr_digest };
    static const char *want[2] = { "to-stdout\n", "to-stderr\n" };
    for (int i = 0; i < 2; i++) {
        remote_fetch_item it = { 0 };
        if (!sd[i] && raw[i]->len > 0) {
            CU_ASSERT(raw[i]->len == 10 && memcmp(raw[i]->data, want[i], 10) == 0);
            continue;
        }
        CU_ASSERT_FATAL(reapi_digest_get(sd[i], &it.d) == 0);
        CU_ASSERT_EQUAL_FATAL(remote_fetch(r, &it, 1), 0);
        CU_ASSERT(it.len == 10 && memcmp(it.data, want[i], 10) == 0);
        free(it.data);
    }
    protobuf_c_message_free_unpacked(&m->base, NULL);
    free(ar);
    if (!external)
        CU_ASSERT_EQUAL(record_count(&s, "WaitExecution", NULL), expect_wait);

    /* exit 3 is not cached by the server: run it again, skipping lookup. */
    CU_ASSERT_EQUAL(remote_execute(r, &act_d, 1, outs, 1, &ar, &len, NULL), 0);
    free(ar);
    free(inner_b);
    free(root_b);
    free(cmd_b);
    free(act_b);
    remote_close(r);
    server_stop(&s);
}

static void test_execute_unix(void)
{
    NEEDS_EXECUTE();
    run_execute("unix", NULL, 0);
}

static void test_execute_tcp(void)
{
    NEEDS_EXECUTE();
    if (external && strncmp(external, "unix:", 5) == 0) {
        printf("(skipped with RICC_TEST_SERVER: a unix socket, no TCP port) ");
        CU_PASS("skipped: no TCP address");
        return;
    }
    run_execute("tcp", NULL, 0);
}

static void test_execute_wait(void)
{
    NEEDS_OWN_SERVER("broken Execute streams (--break-execute)");
    const char *const extra[] = { "--break-execute", "1", NULL };
    run_execute("unix", extra, 1);
}

/* Execute results are checked like cached ones. */
static void test_execute_bad_path(void)
{
    NEEDS_OWN_SERVER("bad output paths (--bad-output-path)");
    server s;
    START(s, "--bad-output-path", "../escape");
    config cfg = make_cfg(&s);
    remote *r = remote_open(&cfg);
    CU_ASSERT_FATAL(r != NULL);
    char *args[] = { "/bin/true" };
    reapi_command cmd = REAPI_COMMAND_INIT;
    cmd.n_arguments = 1;
    cmd.arguments = args;
    size_t cmd_len, root_len, act_len, len;
    digest cmd_d, root_d, act_d;
    void *cmd_b = reapi_pack(&cmd.base, &cmd_len, &cmd_d);
    digest_buf("", 0, &root_d);
    root_len = 0;
    reapi_action action = REAPI_ACTION_INIT;
    reapi_digest cmd_rd, root_rd;
    reapi_digest_ref(&cmd_rd, &cmd_d);
    reapi_digest_ref(&root_rd, &root_d);
    action.command_digest = &cmd_rd;
    action.input_root_digest = &root_rd;
    void *act_b = reapi_pack(&action.base, &act_len, &act_d);
    remote_blob blobs[2] = { { cmd_d, cmd_b, cmd_len, NULL }, { act_d, act_b, act_len, NULL } };
    CU_ASSERT_EQUAL_FATAL(remote_upload(r, blobs, 2), 0);
    void *ar = NULL;
    int w = n_warnings;
    CU_ASSERT_EQUAL(remote_execute(r, &act_d, 0, NULL, 0, &ar, &len, NULL), -1);
    CU_ASSERT_EQUAL(remote_error(r)->code, REMOTE_CODE_INTERNAL);
    CU_ASSERT_PTR_NULL(ar);
    CU_ASSERT_EQUAL(n_warnings, w + 1);
    (void)root_len;
    free(cmd_b);
    free(act_b);
    remote_close(r);
    server_stop(&s);
}

/* Separate CAS and action cache endpoints: each call goes to its own. */
/* ---- the agent ---- */

static char self_exe[4096];

/* Where the agent of this test keeps its socket and lock (XDG_RUNTIME_DIR
 * is pointed into the server's scratch directory). */
static pid_t agent_pid(const server *s)
{
    char cmd[256], line[64] = "";
    snprintf(cmd, sizeof cmd, "cat %s/xdg/ricc/*.lock 2>/dev/null", s->dir);
    FILE *p = popen(cmd, "r");
    if (!p)
        return 0;
    char *ok = fgets(line, sizeof line, p);
    pclose(p);
    return ok ? (pid_t)atoi(line) : 0;
}

/* A handle through an agent for s: a fresh process (this program,
 * --agent-child) opens the remote and, finding no agent, starts one (this
 * process has gRPC loaded, so it may not fork one itself).  NULL if no
 * agent answered within 5 s. */
static remote *open_via_agent(server *s, const config *cfg)
{
    char xdg[128];
    snprintf(xdg, sizeof xdg, "%s/xdg", s->dir);
    mkdir(xdg, 0700);
    setenv("XDG_RUNTIME_DIR", xdg, 1);
    setenv("RICC_REMOTE_AGENT", "1", 1);
    setenv("RICC_REMOTE_AGENT_IDLE", "20", 1);

    pid_t child = fork();
    if (child == 0) {
        execl(self_exe, self_exe, "--agent-child", s->addr, cfg->dir, (char *)NULL);
        _exit(127);
    }
    int status = -1;
    waitpid(child, &status, 0);
    CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    remote *r = NULL;
    for (int i = 0; i < 100 && !r; i++) {
        r = remote_open(cfg);
        if (r && !remote_via_agent(r)) {
            remote_close(r);
            r = NULL;
            usleep(50000);
        }
    }
    return r;
}

/* Back to direct calls.  The agent leaves by itself within a second of
 * server_stop removing its socket with the server's directory. */
static void agent_done(server *s)
{
    setenv("RICC_REMOTE_AGENT", "0", 1);
    unsetenv("XDG_RUNTIME_DIR");
    server_stop(s);
}

/* A fresh process starts the agent.  Later handles go through it; when it
 * dies they carry on directly. */
static void test_agent(void)
{
    server s;
    START(s, NULL);
    config cfg = make_cfg(&s);
    setenv("RICC_CORRELATED_INVOCATIONS_ID", "agent-build", 1);
    remote *r = open_via_agent(&s, &cfg);
    CU_ASSERT_FATAL(r != NULL);
    pid_t apid = agent_pid(&s);
    CU_ASSERT(apid > 0);

    /* Every call through the agent: blobs both ways (memory and files, a
     * relative path too), the action cache, Execute. */
    char data[3000], rel[64];
    fill(data, sizeof data, 5);
    char cwd[4096];
    CU_ASSERT_FATAL(getcwd(cwd, sizeof cwd) != NULL);
    CU_ASSERT_FATAL(chdir(s.dir) == 0);
    snprintf(rel, sizeof rel, "in.bin");
    FILE *f = fopen(rel, "wb");
    fwrite("from a file", 1, 11, f);
    fclose(f);
    remote_blob blobs[2] = { 0 };
    digest_buf(data, sizeof data, &blobs[0].d);
    blobs[0].data = data;
    blobs[0].len = sizeof data;
    CU_ASSERT(digest_file(rel, &blobs[1].d) == 0);
    blobs[1].path = rel;
    CU_ASSERT_EQUAL(remote_upload(r, blobs, 2), 0);
    remote_fetch_item items[2] = { 0 };
    items[0].d = blobs[0].d;
    items[1].d = blobs[1].d;
    items[1].path = "out.bin";
    CU_ASSERT_EQUAL_FATAL(remote_fetch(r, items, 2), 0);
    CU_ASSERT(items[0].len == sizeof data && memcmp(items[0].data, data, sizeof data) == 0);
    CU_ASSERT(file_equals("out.bin", "from a file", 11));
    free(items[0].data);
    CU_ASSERT(chdir(cwd) == 0);

    digest act;
    digest_str("through the agent", &act);
    size_t len;
    void *ar = pack_result("a.o", &blobs[1].d, 0, &len), *got = NULL;
    CU_ASSERT_EQUAL(remote_update_action_result(r, &act, ar, len), 0);
    free(ar);
    char *outs[] = { "a.o" };
    CU_ASSERT_EQUAL_FATAL(remote_get_action_result(r, &act, outs, 1, &got, &len), 0);
    reapi_action_result *m = unpack_result(got, len);
    CU_ASSERT(m && m->n_output_files == 1 && m->output_files[0]->contents.len == 11);
    if (m)
        protobuf_c_message_free_unpacked(&m->base, NULL);
    free(got);
    digest other;
    digest_str("not there", &other);
    CU_ASSERT_EQUAL(remote_get_action_result(r, &other, NULL, 0, &got, &len), REMOTE_MISS);

    /* The agent passes on this process's ids (seen in the test server's
     * record only). */
    if (!external) {
        char needle[200];
        snprintf(needle, sizeof needle, "\"action_id\": \"%s\"", act.hash);
        CU_ASSERT_EQUAL(record_count(&s, "GetActionResult", needle), 1);
        CU_ASSERT_EQUAL(record_count(&s, "GetActionResult", "\"correlated\": \"agent-build\""), 3);
    }

    /* A second process's handle: the same agent, another invocation id. */
    remote *r2 = remote_open(&cfg);
    CU_ASSERT_FATAL(r2 != NULL);
    CU_ASSERT(remote_via_agent(r2));
    CU_ASSERT_EQUAL(remote_get_action_result(r2, &other, NULL, 0, &got, &len), REMOTE_MISS);
    remote_close(r2);

    /* The agent dies: the handle carries on directly. */
    if (apid > 0) {
        kill(apid, SIGKILL);
        usleep(100000);
    }
    CU_ASSERT_EQUAL(remote_get_action_result(r, &other, NULL, 0, &got, &len), REMOTE_MISS);
    CU_ASSERT(!remote_via_agent(r));
    remote_close(r);

    unsetenv("RICC_CORRELATED_INVOCATIONS_ID");
    agent_done(&s);
}

/* Store a result for `act` with output "a.o" = data and stderr = err on s
 * (through r).  0 or -1. */
static int seed_result(remote *r, const digest *act, const char *data, const char *err)
{
    remote_blob b[2] = { 0 };
    b[0].data = data;
    b[0].len = strlen(data);
    digest_buf(b[0].data, b[0].len, &b[0].d);
    b[1].data = err;
    b[1].len = strlen(err);
    digest_buf(b[1].data, b[1].len, &b[1].d);
    reapi_output_file of = REAPI_OUTPUT_FILE_INIT, *ofp = &of;
    reapi_digest od, ed;
    reapi_digest_ref(&od, &b[0].d);
    reapi_digest_ref(&ed, &b[1].d);
    of.path = "a.o";
    of.digest = &od;
    reapi_action_result ar = REAPI_ACTION_RESULT_INIT;
    ar.n_output_files = 1;
    ar.output_files = &ofp;
    ar.stderr_digest = &ed;
    size_t len;
    void *buf = reapi_pack(&ar.base, &len, NULL);
    int rc = buf && remote_upload(r, b, 2) == 0 &&
                     remote_update_action_result(r, act, buf, len) == 0 ? 0 : -1;
    free(buf);
    return rc;
}

/* A server that inlines nothing: through the agent a hit is still one
 * request, the agent fetching the output and stderr (verified) and
 * answering with them inlined.  A server whose blobs are corrupt: the
 * agent's answer is the result as sent, without the bad bytes, and the
 * caller's own fetch fails as it would without the agent.  A server whose
 * reads fail UNAVAILABLE: the lookup fails at once and marks it down (one
 * wait for the build, not two).  Against RICC_TEST_SERVER only the first,
 * without the count of reads: whether that server inlines or not, the
 * agent's answer must carry the bytes. */
static void test_agent_inlines(void)
{
    for (int mode = 0; mode <= 2; mode++) {
        int corrupt = mode == 1, gone = mode == 2;
        if (external && mode > 0) {
            printf("(%s skipped with RICC_TEST_SERVER: needs the test server's %s) ",
                   corrupt ? "corrupt blobs" : "failing reads",
                   corrupt ? "--corrupt" : "--fail-reads");
            continue;
        }
        server s;
        if (corrupt)
            START(s, "--no-inline", "--corrupt");
        else if (gone)
            START(s, "--no-inline", "--fail-reads");
        else
            START(s, "--no-inline");
        config cfg = make_cfg(&s);
        remote *r = open_via_agent(&s, &cfg);
        CU_ASSERT_FATAL(r != NULL);
        digest act;
        digest_str("inline me", &act);
        const char *obj = "an object file's bytes", *err = "warning: unused\n";
        CU_ASSERT_FATAL(seed_result(r, &act, obj, err) == 0);
        int reads = record_count(&s, "BatchReadBlobs", NULL);

        char *outs[] = { "a.o" };
        void *got = NULL;
        size_t len;
        if (gone) {
            int warned = n_warnings;
            CU_ASSERT_EQUAL(remote_get_action_result(r, &act, outs, 1, &got, &len), -1);
            CU_ASSERT_EQUAL(remote_error(r)->code, REMOTE_CODE_UNAVAILABLE);
            CU_ASSERT(got == NULL);
            CU_ASSERT_EQUAL(record_count(&s, "BatchReadBlobs", NULL), reads + 1);
            CU_ASSERT(!remote_usable(&cfg));
            CU_ASSERT_EQUAL(n_warnings, warned + 1);
            remote_close(r);
            agent_done(&s);
            continue;
        }
        CU_ASSERT_EQUAL_FATAL(remote_get_action_result(r, &act, outs, 1, &got, &len), 0);
        reapi_action_result *m = unpack_result(got, len);
        CU_ASSERT_FATAL(m != NULL && m->n_output_files == 1);
        /* The agent asked the server for the blobs itself, in the same request. */
        if (!external)
            CU_ASSERT_EQUAL(record_count(&s, "BatchReadBlobs", NULL), reads + 1);
        const ProtobufCBinaryData *c = &m->output_files[0]->contents;
        if (!corrupt) {
            CU_ASSERT(c->len == strlen(obj) && memcmp(c->data, obj, c->len) == 0);
            CU_ASSERT(m->stderr_raw.len == strlen(err) &&
                      memcmp(m->stderr_raw.data, err, strlen(err)) == 0);
        } else {
            CU_ASSERT_EQUAL(c->len, 0);
            CU_ASSERT_EQUAL(m->stderr_raw.len, 0);
            remote_fetch_item it = { 0 };
            CU_ASSERT(reapi_digest_get(m->output_files[0]->digest, &it.d) == 0);
            CU_ASSERT_EQUAL(remote_fetch(r, &it, 1), -1);
            CU_ASSERT_EQUAL(remote_error(r)->code, REMOTE_CODE_DATA_LOSS);
            CU_ASSERT(it.data == NULL);
        }
        protobuf_c_message_free_unpacked(&m->base, NULL);
        free(got);
        CU_ASSERT(remote_via_agent(r));
        remote_close(r);
        agent_done(&s);
    }
}

/* Is blob d in the local CAS at dir with exactly these n bytes? */
static int in_cas(const char *dir, const digest *d, const char *want, size_t n)
{
    store *st = store_open(dir, 0);
    char *buf = NULL;
    size_t len = 0;
    int ok = st && cas_get(st, d, &buf, &len) == 0 && len == n && memcmp(buf, want, n) == 0;
    free(buf);
    store_close(st);
    return ok;
}

static int files_under(const char *dir)
{
    char cmd[600], line[32] = "";
    snprintf(cmd, sizeof cmd, "find '%s' -type f 2>/dev/null | wc -l", dir);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    char *ok = fgets(line, sizeof line, p);
    pclose(p);
    return ok ? atoi(line) : -1;
}

/* A large output and stderr through the agent: the agent puts them into
 * the local CAS (cfg.dir's, where the caller finds them) and leaves them
 * out of its answer; a small output stays in the answer.  From a server
 * whose blobs are corrupt, nothing is put in the local CAS: the answer is
 * refused when the server inlined the bad bytes, and carries no bytes when
 * the agent fetched them (the caller's fetch then fails,
 * test_agent_inlines).  Against RICC_TEST_SERVER only the first (in
 * whatever batches that server takes). */
static void test_agent_spills(void)
{
    for (int mode = 0; mode <= 2; mode++) {
        if (external && mode > 0) {
            printf("(corrupt blobs skipped with RICC_TEST_SERVER: needs the test server's "
                   "--corrupt) ");
            break;
        }
        server s;
        if (mode == 0)
            START(s, "--max-batch", "65536"); /* ByteStream both ways */
        else if (mode == 1)
            START(s, "--corrupt");
        else
            START(s, "--corrupt", "--no-inline");
        config cfg = make_cfg(&s);
        char cas[300];
        snprintf(cas, sizeof cas, "%s/cas", cfg.dir);
        remote *r = open_via_agent(&s, &cfg);
        CU_ASSERT_FATAL(r != NULL);
        size_t n = 300u << 10;
        char *big = malloc(n + 1);
        CU_ASSERT_FATAL(big != NULL);
        fill(big, n, 11);
        for (size_t i = 0; i < n; i++)
            big[i] = (char)('a' + (unsigned char)big[i] % 26);
        big[n] = '\0';
        const char *small = "a small object";
        digest act_big, act_small;
        digest_str("spill me", &act_big);
        digest_str("keep me", &act_small);
        /* (stderr: the same bytes less the first, another blob) */
        CU_ASSERT_FATAL(seed_result(r, &act_big, big, big + 1) == 0);
        /* (stderr not empty: ricc never uploads the empty blob, and BuildGrid
         * answers NOT_FOUND for a result that names one it lacks) */
        CU_ASSERT_FATAL(seed_result(r, &act_small, small, "w\n") == 0);

        char *outs[] = { "a.o" };
        void *got = NULL;
        size_t len;
        int rc = remote_get_action_result(r, &act_big, outs, 1, &got, &len);
        if (mode == 1) {
            CU_ASSERT_EQUAL(rc, -1);
            CU_ASSERT_EQUAL(remote_error(r)->code, REMOTE_CODE_DATA_LOSS);
            CU_ASSERT_EQUAL(files_under(cas), 0);
            free(big);
            remote_close(r);
            agent_done(&s);
            continue;
        }
        CU_ASSERT_EQUAL_FATAL(rc, 0);
        reapi_action_result *m = unpack_result(got, len);
        CU_ASSERT_FATAL(m != NULL && m->n_output_files == 1);
        CU_ASSERT_EQUAL(m->output_files[0]->contents.len, 0);
        CU_ASSERT_EQUAL(m->stderr_raw.len, 0);
        CU_ASSERT(len < 1024); /* no bytes of either went over the socket */
        digest od, ed;
        CU_ASSERT_FATAL(reapi_digest_get(m->output_files[0]->digest, &od) == 0);
        CU_ASSERT_FATAL(reapi_digest_get(m->stderr_digest, &ed) == 0);
        if (mode == 0) {
            CU_ASSERT(in_cas(cfg.dir, &od, big, n));
            CU_ASSERT(in_cas(cfg.dir, &ed, big + 1, n - 1));
        } else {
            CU_ASSERT_EQUAL(files_under(cas), 0);
        }
        protobuf_c_message_free_unpacked(&m->base, NULL);
        free(got);

        CU_ASSERT_EQUAL_FATAL(remote_get_action_result(r, &act_small, outs, 1, &got, &len), 0);
        m = unpack_result(got, len);
        CU_ASSERT_FATAL(m != NULL && m->n_output_files == 1);
        const ProtobufCBinaryData *c = &m->output_files[0]->contents;
        if (mode == 0)
            CU_ASSERT(c->len == strlen(small) && memcmp(c->data, small, c->len) == 0);
        CU_ASSERT_FATAL(reapi_digest_get(m->output_files[0]->digest, &od) == 0);
        store *st = store_open(cfg.dir, 0);
        CU_ASSERT(st && !cas_has(st, &od));
        store_close(st);
        protobuf_c_message_free_unpacked(&m->base, NULL);
        free(got);
        free(big);
        remote_close(r);
        agent_done(&s);
    }
}

/* The child of test_agent: open (starting the agent), one call, exit. */
static int agent_child(const char *addr, const char *dir)
{
    config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.server = (char *)addr;
    cfg.dir = (char *)dir;
    cfg.request_timeout_s = 20;
    cfg.retry_delay_ms = 10;
    cfg.remote_skip_seconds = 60;
    remote *r = remote_open(&cfg);
    if (!r || remote_via_agent(r))
        return 1;
    digest act;
    digest_str("child", &act);
    void *got;
    size_t len;
    int rc = remote_get_action_result(r, &act, NULL, 0, &got, &len);
    remote_close(r);
    return rc == REMOTE_MISS ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--agent-child") == 0)
        return agent_child(argv[2], argv[3]);
    ssize_t n = readlink("/proc/self/exe", self_exe, sizeof self_exe - 1);
    self_exe[n > 0 ? n : 0] = '\0';
    static const test_case tests[] = {
        { "Execute over a unix socket", test_execute_unix },
        { "Execute over TCP", test_execute_tcp },
        { "Execute stream breaks: WaitExecution", test_execute_wait },
        { "Execute result with a bad path refused", test_execute_bad_path },
        { "calls through the agent, and without it", test_agent },
        { "the agent inlines what the server did not", test_agent_inlines },
        { "the agent puts large blobs in the local CAS", test_agent_spills },
    };
    return run_tests("remote client: Execute, the agent", tests, sizeof tests / sizeof tests[0]);
}
