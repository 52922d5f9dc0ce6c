/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_server.c — libFuzzer target for what a remote REAPI server sends:
 * the ServerCapabilities, ActionResult, FindMissingBlobs, BatchReadBlobs,
 * BatchUpdateBlobs, ByteStream Read/QueryWriteStatus replies and the
 * Execute / WaitExecution Operation streams (with their ExecuteResponse
 * and google.rpc.Status), and the status of every call.  The module's own
 * code takes them (cache/remote/client/: client.c's client_check_result() and the
 * action cache calls, caps.c, cas.c's fetch and upload, exec.c's
 * Operation handling), through the module table as the agent and the
 * loader call it; tests/fuzz/fake_rpc.c answers in rpc.c's place from the
 * input (its format is in fake_rpc.h).
 *
 * Input: one byte picking the call (and whether the CAS is a server apart
 * from the execution server), then the script.  What the module accepts
 * must be what was asked for: a fetched blob has its digest's bytes, an
 * ActionResult returned passes client_check_result() again. */
#include "tests/fuzz/fuzz.h"

#include "cache/reapi/reapi.h"
#include "cache/remote/client/client.h"
#include "tests/fuzz/fake_rpc.h"

static const remote_module *m;
static config cfg_one, cfg_two;
static digest action, blob_a, blob_b, blob_empty;
static void *update_ar;
static size_t update_ar_len;

static int quiet(enum log_level level)
{
    (void)level;
    return 0;
}

static void drop(enum log_level level, const char *msg)
{
    (void)level;
    (void)msg;
}

static const remote_host host = {REMOTE_ABI_VERSION, quiet, drop};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *dir = fuzz_dir("server");
    if (chdir(dir) != 0)
        abort();
    fake_rpc_sandbox(dir, NULL, *argc, *argv);
    m = ricc_remote_module_v1();
    /* No dir: the capabilities are not remembered between inputs. */
    cfg_one.server = "unix:/fuzz/exec.sock";
    cfg_one.retry_limit = 2;
    cfg_two = cfg_one;
    cfg_two.cas_server = "grpc://cas.example:1234";
    digest_str("fuzz action", &action);
    digest_buf(FUZZ_BLOB_A, strlen(FUZZ_BLOB_A), &blob_a);
    digest_buf(FUZZ_BLOB_B, strlen(FUZZ_BLOB_B), &blob_b);
    digest_buf("", 0, &blob_empty);
    fuzz_write("upload.b", FUZZ_BLOB_B, strlen(FUZZ_BLOB_B));

    reapi_action_result ar = REAPI_ACTION_RESULT_INIT;
    reapi_output_file f = REAPI_OUTPUT_FILE_INIT, *fp = &f;
    reapi_digest d;
    reapi_digest_ref(&d, &blob_a);
    f.path = "out.o";
    f.digest = &d;
    ar.n_output_files = 1;
    ar.output_files = &fp;
    update_ar = reapi_pack(&ar.base, &update_ar_len, NULL);
    return 0;
}

static char *outputs[] = {"out.o", "out.d"};

/* An ActionResult the module returned must be one it would accept. */
static void check_ar(const void *ar, size_t len, int n_outputs)
{
    reapi_action_result *r = reapi_result_unpack(ar, len);
    remote_status st;
    if (!r || client_check_result(r, outputs, n_outputs, &st) != 0)
        abort();
    protobuf_c_message_free_unpacked(&r->base, NULL);
}

static void same_file(const char *path, const char *want)
{
    char buf[256];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf) : -1;
    if (fd >= 0)
        close(fd);
    if (n != (ssize_t)strlen(want) || memcmp(buf, want, (size_t)n) != 0)
        abort(); /* fetched, yet not the blob asked for */
}

static void fetch(void *h, remote_status *st)
{
    remote_fetch_item it[4];
    memset(it, 0, sizeof it);
    it[0].d = blob_a;
    it[1].d = blob_b;
    it[1].path = "fetched.b";
    it[2].d = blob_a;
    it[3].d = blob_empty;
    unlink("fetched.b");
    if (m->fetch(h, it, 4, st) == 0) {
        if (it[0].len != strlen(FUZZ_BLOB_A) || memcmp(it[0].data, FUZZ_BLOB_A, it[0].len) ||
            it[2].len != it[0].len || memcmp(it[2].data, FUZZ_BLOB_A, it[2].len) ||
            it[3].len != 0 || !it[3].data)
            abort();
        same_file("fetched.b", FUZZ_BLOB_B);
    }
    for (int i = 0; i < 4; i++)
        free(it[i].data);
}

static void upload(void *h, remote_status *st)
{
    remote_blob b[3];
    memset(b, 0, sizeof b);
    b[0].d = blob_a;
    b[0].data = FUZZ_BLOB_A;
    b[0].len = strlen(FUZZ_BLOB_A);
    b[1].d = blob_b;
    b[1].path = "upload.b";
    b[2].d = blob_empty;
    b[2].data = "";
    m->upload(h, b, 3, st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    fake_rpc_script(data + 1, size - 1);
    remote_status st;
    memset(&st, 0, sizeof st);
    fake_rpc_arm(1);
    void *h = m->open(data[0] & 0x80 ? &cfg_two : &cfg_one, &host, &st);
    if (!h)
        abort();
    int n_outputs = data[0] & 0x40 ? 0 : 2;
    void *ar = NULL;
    size_t len = 0;
    int cached = 0;
    switch (data[0] % 6) {
    case 0:
        if (m->get_action_result(h, &action, outputs, n_outputs, &ar, &len, &st) == 0)
            check_ar(ar, len, n_outputs);
        break;
    case 1:
        if (m->execute(h, &action, data[0] & 0x20, outputs, n_outputs, &ar, &len, &cached,
                       &st) == 0)
            check_ar(ar, len, n_outputs);
        break;
    case 2:
        fetch(h, &st);
        break;
    case 3:
        upload(h, &st);
        break;
    case 4:
        m->can_execute(h, &st);
        break;
    default:
        m->update_action_result(h, &action, update_ar, update_ar_len, &st);
        break;
    }
    free(ar);
    m->close(h);
    fake_rpc_arm(0);
    return 0;
}
