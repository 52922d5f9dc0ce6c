/* SPDX-License-Identifier: Apache-2.0 */
/* test_remote_cas.c — the remote client's blob and action cache calls
 * against a real gRPC server (tests/remote/server.py, harness.c): round
 * trips, FindMissingBlobs first, ByteStream over the batch limit both ways
 * and resumed after a break, corrupt blobs and unsafe output paths refused,
 * RequestMetadata on the wire, capabilities remembered, separate CAS and
 * action cache endpoints.  With RICC_TEST_SERVER=<address> the tests that
 * need no misbehaviour run against that server instead. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/remote/harness.h"

/* ---- tests ---- */

/* Upload from memory and from a file, then fetch into memory and into a
 * file; a second upload finds nothing missing. */
static void test_blob_round_trip(void)
{
    server s;
    START(s, NULL);
    config cfg = make_cfg(&s);
    remote *r = remote_open(&cfg);
    CU_ASSERT_FATAL(r != NULL);

    char a[1000], b[20000], path[128], out[128];
    fill(a, sizeof a, 1);
    fill(b, sizeof b, (unsigned)time(NULL)); /* fresh for an external server */
    snprintf(path, sizeof path, "%s/b.bin", s.dir);
    FILE *f = fopen(path, "wb");
    fwrite(b, 1, sizeof b, f);
    fclose(f);
    remote_blob blobs[4] = { 0 };
    digest_buf(a, sizeof a, &blobs[0].d);
    blobs[0].data = a;
    blobs[0].len = sizeof a;
    CU_ASSERT(digest_file(path, &blobs[1].d) == 0);
    blobs[1].path = path;
    blobs[2] = blobs[0];                   /* a duplicate */
    digest_buf("", 0, &blobs[3].d);        /* the empty blob */
    blobs[3].data = "";
    CU_ASSERT_EQUAL(remote_upload(r, blobs, 4), 0);

    remote_fetch_item items[3] = { 0 };
    items[0].d = blobs[0].d;
    items[1].d = blobs[1].d;
    snprintf(out, sizeof out, "%s/fetched.bin", s.dir);
    items[1].path = out;
    items[1].executable = 1;
    items[2].d = blobs[3].d;
    CU_ASSERT_EQUAL_FATAL(remote_fetch(r, items, 3), 0);
    CU_ASSERT(items[0].len == sizeof a && memcmp(items[0].data, a, sizeof a) == 0);
    CU_ASSERT(file_equals(out, b, sizeof b));
    struct stat sb;
    CU_ASSERT(stat(out, &sb) == 0 && (sb.st_mode & 0100));
    CU_ASSERT(items[2].data != NULL && items[2].len == 0);
    free(items[0].data);
    free(items[2].data);

    if (!external) {
        CU_ASSERT_EQUAL(record_count(&s, "BatchUpdateBlobs", NULL), 1);
        CU_ASSERT_EQUAL(record_count(&s, "GetCapabilities", NULL), 1);
        CU_ASSERT_EQUAL(remote_upload(r, blobs, 2), 0); /* all present now */
        CU_ASSERT_EQUAL(record_count(&s, "BatchUpdateBlobs", NULL), 1);
        CU_ASSERT_EQUAL(record_count(&s, "FindMissingBlobs", NULL), 2);
    }

    /* A blob the server lacks is NOT_FOUND, and not a warning. */
    remote_fetch_item gone = { 0 };
    digest_str("never uploaded, surely", &gone.d);
    int w = n_warnings;
    CU_ASSERT_EQUAL(remote_fetch(r, &gone, 1), -1);
    CU_ASSERT_EQUAL(remote_error(r)->code, REMOTE_CODE_NOT_FOUND);
    CU_ASSERT_PTR_NULL(gone.data);
    CU_ASSERT_EQUAL(n_warnings, w);
    /* One whose digest claims 50 GB: read into what arrives (nothing), not
     * allocated up front (that would fail with RESOURCE_EXHAUSTED). */
    gone.d.size_bytes = 50LL * 1000 * 1000 * 1000;
    CU_ASSERT_EQUAL(remote_fetch(r, &gone, 1), -1);
    CU_ASSERT_EQUAL(remote_error(r)->code, REMOTE_CODE_NOT_FOUND);
    CU_ASSERT_PTR_NULL(gone.data);
    remote_close(r);
    server_stop(&s);
}

/* Blobs over the batch limit go by ByteStream both ways.  The test server
 * is told to take 4 KB batches; an external one is given a blob over the
 * 4 MiB every batch stays under. */
static void test_bytestream(void)
{
    server s;
    START(s, "--max-batch", "4096");
    config cfg = make_cfg(&s);
    remote *r = remote_open(&cfg);
    CU_ASSERT_FATAL(r != NULL);
    size_t big_n = (external ? 5 : 3) * 1024 * 1024 + 17; /* several chunks */
    char *big = malloc(big_n), small[100], path[128], out[128];
    fill(big, big_n, 7);
    fill(small, sizeof small, 8);
    snprintf(path, sizeof path, "%s/big.bin", s.dir);
    FILE *f = fopen(path, "wb");
    fwrite(big, 1, big_n, f);
    fclose(f);
    remote_blob blobs[3] = { 0 };
    CU_ASSERT(digest_file(path, &blobs[0].d) == 0);
    blobs[0].path = path; /* streamed from the file */
    fill(big, 5000, 9);   /* and a 5000-byte one from memory, over the 4 KB limit */
    digest_buf(big, 5000, &blobs[1].d);
    blobs[1].data = big;
    blobs[1].len = 5000;
    digest_buf(small, sizeof small, &blobs[2].d);
    blobs[2].data = small;
    CU_ASSERT_EQUAL_FATAL(remote_upload(r, blobs, 3), 0);
    if (!external) {
        CU_ASSERT_EQUAL(record_count(&s, "Write", NULL), 2);
        CU_ASSERT_EQUAL(record_count(&s, "BatchUpdateBlobs", NULL), 1);
    }

    remote_fetch_item items[3] = { 0 };
    items[0].d = blobs[0].d;
    snprintf(out, sizeof out, "%s/big.out", s.dir);
    items[0].path = out;
    items[1].d = blobs[1].d;
    items[2].d = blobs[2].d;
    CU_ASSERT_EQUAL_FATAL(remote_fetch(r, items, 3), 0);
    CU_ASSERT(items[1].len == 5000 && memcmp(items[1].data, big, 5000) == 0);
    CU_ASSERT(items[2].len == sizeof small && memcmp(items[2].data, small, sizeof small) == 0);
    char *again = malloc(big_n);
    CU_ASSERT(fs_read_back(path, again, big_n) && file_equals(out, again, big_n));
    free(again);
    if (!external) {
        CU_ASSERT_EQUAL(record_count(&s, "Read", NULL), 2);
        CU_ASSERT_EQUAL(record_count(&s, "BatchReadBlobs", NULL), 1);
    }
    free(items[1].data);
    free(items[2].data);
    free(big);
    remote_close(r);
    server_stop(&s);
}

/* A stream that breaks is resumed: Write from QueryWriteStatus's offset,
 * Read from the offset reached. */
static void test_bytestream_resume(void)
{
    NEEDS_OWN_SERVER("broken streams (--break-streams)");
    server s;
    START(s, "--max-batch", "4096", "--break-streams", "1");
    config cfg = make_cfg(&s);
    cfg.retry_limit = 2;
    remote *r = remote_open(&cfg);
    CU_ASSERT_FATAL(r != NULL);
    size_t n = 2 * 1024 * 1024 + 5;
    char *big = malloc(n);
    fill(big, n, 11);
    remote_blob b = { 0 };
    digest_buf(big, n, &b.d);
    b.data = big;
    b.len = n;
    CU_ASSERT_EQUAL_FATAL(remote_upload(r, &b, 1), 0);
    CU_ASSERT_EQUAL(record_count(&s, "QueryWriteStatus", NULL), 1);
    CU_ASSERT_EQUAL(record_count(&s, "Write", NULL), 2);
    remote_fetch_item it = { 0 };
    it.d = b.d;
    CU_ASSERT_EQUAL_FATAL(remote_fetch(r, &it, 1), 0);
    CU_ASSERT(it.len == n && memcmp(it.data, big, n) == 0);
    CU_ASSERT_EQUAL(record_count(&s, "Read", NULL), 2);
    free(it.data);
    free(big);
    remote_close(r);
    server_stop(&s);
}

/* Corrupt data is refused, batch or stream, file or memory. */
static void test_corrupt_blob(void)
{
    NEEDS_OWN_SERVER("corrupt blobs (--corrupt)");
    server s;
    START(s, "--corrupt", "--max-batch", "8192");
    config cfg = make_cfg(&s);
    remote *r = remote_open(&cfg);
    CU_ASSERT_FATAL(r != NULL);
    char small[100], big[20000], out[128];
    fill(small, sizeof small, 3);
    fill(big, sizeof big, 4);
    remote_blob blobs[2] = { 0 };
    digest_buf(small, sizeof small, &blobs[0].d);
    blobs[0].data = small;
    digest_buf(big, sizeof big, &blobs[1].d);
    blobs[1].data = big;
    CU_ASSERT_EQUAL_FATAL(remote_upload(r, blobs, 2), 0);

    remote_fetch_item it = { 0 };
    it.d = blobs[0].d;
    int w = n_warnings;
    CU_ASSERT_EQUAL(remote_fetch(r, &it, 1), -1);
    CU_ASSERT_EQUAL(remote_error(r)->code, REMOTE_CODE_DATA_LOSS);
    CU_ASSERT_PTR_NULL(it.data);
    CU_ASSERT_EQUAL(n_warnings, w + 1); /* a warning for this call */

    snprintf(out, sizeof out, "%s/big.out", s.dir);
    it.d = blobs[1].d;
    it.path = out;
    CU_ASSERT_EQUAL(remote_fetch(r, &it, 1), -1);
    CU_ASSERT_EQUAL(remote_error(r)->code, REMOTE_CODE_DATA_LOSS);
    CU_ASSERT(access(out, F_OK) != 0); /* nothing left behind */

    /* Inlined output contents are checked too. */
    digest act;
    digest_str("corrupt-action", &act);
    size_t len;
    void *ar = pack_result("o.bin", &blobs[0].d, 0, &len);
    CU_ASSERT_EQUAL(remote_update_action_result(r, &act, ar, len), 0);
    free(ar);
    char *outs[] = { "o.bin" };
    void *got = NULL;
    CU_ASSERT_EQUAL(remote_get_action_result(r, &act, outs, 1, &got, &len), -1);
    CU_ASSERT_EQUAL(remote_error(r)->code, REMOTE_CODE_DATA_LOSS);
    CU_ASSERT_PTR_NULL(got);
    remote_close(r);
    server_stop(&s);
}

/* Miss, update, hit with inlined contents; RequestMetadata on the wire. */
static void test_action_cache(void)
{
    server s;
    START(s, NULL);
    setenv("RICC_CORRELATED_INVOCATIONS_ID", "build-42", 1);
    config cfg = make_cfg(&s);
    remote *r = remote_open(&cfg);
    unsetenv("RICC_CORRELATED_INVOCATIONS_ID");
    CU_ASSERT_FATAL(r != NULL);
    char key[64];
    snprintf(key, sizeof key, "action %ld %d", (long)time(NULL), (int)getpid());
    digest act, content;
    digest_str(key, &act);
    digest_str("object code", &content);
    void *got = NULL;
    size_t len = 0;
    CU_ASSERT_EQUAL(remote_get_action_result(r, &act, NULL, 0, &got, &len), REMOTE_MISS);

    remote_blob b = { content, "object code", 11, NULL };
    CU_ASSERT_EQUAL(remote_upload(r, &b, 1), 0);
    void *ar = pack_result("out/foo.o", &content, 0, &len);
    CU_ASSERT_EQUAL(remote_update_action_result(r, &act, ar, len), 0);
    free(ar);
    char *outs[] = { "out/foo.o", "out/foo.d" };
    CU_ASSERT_EQUAL_FATAL(remote_get_action_result(r, &act, outs, 2, &got, &len), 0);
    reapi_action_result *m = unpack_result(got, len);
    CU_ASSERT_FATAL(m != NULL);
    CU_ASSERT_EQUAL(m->n_output_files, 1);
    CU_ASSERT_STRING_EQUAL(m->output_files[0]->path, "out/foo.o");
    CU_ASSERT_STRING_EQUAL(m->output_files[0]->digest->hash, content.hash);
    if (!external) /* the test server inlines what it is asked to */
        CU_ASSERT(m->output_files[0]->contents.len == 11 &&
                  memcmp(m->output_files[0]->contents.data, "object code", 11) == 0);
    protobuf_c_message_free_unpacked(&m->base, NULL);
    free(got);

    if (!external) {
        char needle[200];
        snprintf(needle, sizeof needle, "\"action_id\": \"%s\"", act.hash);
        CU_ASSERT_EQUAL(record_count(&s, "GetActionResult", needle), 2);
        CU_ASSERT_EQUAL(record_count(&s, "UpdateActionResult", needle), 1);
        CU_ASSERT_EQUAL(record_count(&s, NULL, "\"tool\": \"ricc\""), record_count(&s, NULL, NULL));
        CU_ASSERT_EQUAL(record_count(&s, NULL, "\"correlated\": \"build-42\""),
                        record_count(&s, NULL, NULL));
        CU_ASSERT_EQUAL(record_count(&s, NULL, "\"authorization\": null"),
                        record_count(&s, NULL, NULL));
    }
    remote_close(r);

    /* The next process (here: handle) remembers the capabilities. */
    r = remote_open(&cfg);
    CU_ASSERT_FATAL(r != NULL);
    CU_ASSERT_EQUAL(remote_get_action_result(r, &act, NULL, 0, &got, &len), 0);
    free(got);
    if (!external)
        CU_ASSERT_EQUAL(record_count(&s, "GetCapabilities", NULL), 1);
    remote_close(r);
    server_stop(&s);
}

/* Output paths that leave the tree or were not asked for are refused. */
static void test_bad_output_paths(void)
{
    NEEDS_OWN_SERVER("bad output paths (--bad-output-path)");
    const char *bad[] = { "../x", "/etc/x" };
    for (int i = 0; i < 2; i++) {
        server s;
        START(s, "--bad-output-path", bad[i]);
        config cfg = make_cfg(&s);
        remote *r = remote_open(&cfg);
        CU_ASSERT_FATAL(r != NULL);
        digest act;
        digest_str("bad paths", &act);
        size_t len;
        void *ar = pack_result(NULL, NULL, 0, &len), *got = NULL;
        CU_ASSERT_EQUAL(remote_update_action_result(r, &act, ar, len), 0);
        free(ar);
        char *outs[] = { "foo.o" };
        CU_ASSERT_EQUAL(remote_get_action_result(r, &act, outs, 1, &got, &len), -1);
        CU_ASSERT_EQUAL(remote_error(r)->code, REMOTE_CODE_INTERNAL);
        CU_ASSERT(strstr(remote_error(r)->message, bad[i]) != NULL);
        /* Without an output list the basic rules still refuse it. */
        CU_ASSERT_EQUAL(remote_get_action_result(r, &act, NULL, 0, &got, &len), -1);
        CU_ASSERT_PTR_NULL(got);
        remote_close(r);
        server_stop(&s);
    }
}

/* UNAVAILABLE is retried within retry_limit; past it the remote is marked
 * down, once, and skipped by later opens. */
static void test_separate_endpoints(void)
{
    NEEDS_OWN_SERVER("two servers and their call records");
    server cas, ac;
    START(cas, NULL);
    START(ac, NULL);
    config cfg = make_cfg(&cas);
    cfg.server = NULL;
    cfg.cas_server = cas.addr;
    cfg.action_cache_server = ac.tcp_addr;
    cfg.instance = "main";
    remote *r = remote_open(&cfg);
    CU_ASSERT_FATAL(r != NULL);
    remote_blob b = { { "", 0 }, "x", 1, NULL };
    digest_buf("x", 1, &b.d);
    CU_ASSERT_EQUAL(remote_upload(r, &b, 1), 0);
    digest act;
    digest_str("endpoints", &act);
    void *got;
    size_t len;
    CU_ASSERT_EQUAL(remote_get_action_result(r, &act, NULL, 0, &got, &len), REMOTE_MISS);
    CU_ASSERT_EQUAL(record_count(&cas, "BatchUpdateBlobs", NULL), 1);
    CU_ASSERT_EQUAL(record_count(&cas, "GetActionResult", NULL), 0);
    CU_ASSERT_EQUAL(record_count(&ac, "GetActionResult", NULL), 1);
    CU_ASSERT_EQUAL(record_count(&ac, "BatchUpdateBlobs", NULL), 0);
    /* No execution server configured: Execute says so. */
    void *ar;
    CU_ASSERT_EQUAL(remote_execute(r, &act, 0, NULL, 0, &ar, &len, NULL), -1);
    CU_ASSERT_EQUAL(remote_error(r)->code, REMOTE_CODE_FAILED_PRECONDITION);
    remote_close(r);
    server_stop(&ac);
    server_stop(&cas);
}

int main(void)
{
    static const test_case tests[] = {
        { "blob round trip, FindMissing first", test_blob_round_trip },
        { "ByteStream both ways over the batch limit", test_bytestream },
        { "ByteStream resumes broken streams", test_bytestream_resume },
        { "corrupt blobs refused", test_corrupt_blob },
        { "action cache miss/update/hit, RequestMetadata", test_action_cache },
        { "output paths outside the tree refused", test_bad_output_paths },
        { "separate CAS and action cache endpoints", test_separate_endpoints },
    };
    return run_tests("remote client: CAS and action cache", tests,
                     sizeof tests / sizeof tests[0]);
}
