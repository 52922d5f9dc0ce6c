/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_agent.c — libFuzzer target for the agent's socket protocol: the
 * bytes a ricc process (or anything that can connect to the per-user
 * socket) sends the agent, framed as wire.h says — requests to look up,
 * execute, upload, fetch, with their digests, paths and output lists —
 * read and answered by agent_serve_fd() (cache/remote/client/agent.c: wire.h's
 * readers, handle(), and the answer's completion, which fetches what the
 * server did not inline and spills large blobs into the local CAS).  The
 * server behind it is tests/fuzz/fake_rpc.c, answering from the rest of
 * the input (fake_rpc.h), so what the agent does with a server's replies
 * is fuzzed too.
 *
 * Input: a 2-byte length L, L bytes sent on the socket (then it is shut
 * for writing: the agent serves until the end of the stream), the script.
 * A thread reads the agent's answers and drops them.  The paths a request
 * names stay in the scratch directory (the agent's working directory, with
 * its own RICC_DIR) or in FUZZ_AGENT_RICC_DIR, the store the seeds ask it
 * to spill into (fake_rpc.h).  The request format is remote_loader.c's
 * (mkseeds.c writes it as agent_header() does): the seeds follow it. */
#include "tests/fuzz/fuzz.h"

#include <pthread.h>
#include <sys/socket.h>

#include "cache/remote/client/client.h"
#include "tests/fuzz/fake_rpc.h"

static config cfg;
static char ricc_dir[4096], caps_file[4096];

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
    const char *dir = fuzz_dir("agent");
    if (chdir(dir) != 0)
        abort();
    fake_rpc_sandbox(dir, FUZZ_AGENT_RICC_DIR, *argc, *argv);
    cfg.server = "unix:/fuzz/exec.sock";
    cfg.retry_limit = 1;
    cfg.dir = fuzz_path(ricc_dir, dir, "ricc");
    fuzz_path(caps_file, ricc_dir, "remote-caps");
    fuzz_write("upload.b", FUZZ_BLOB_B, strlen(FUZZ_BLOB_B));
    return 0;
}

static void *drain(void *arg)
{
    int fd = *(int *)arg;
    char buf[65536];
    while (read(fd, buf, sizeof buf) > 0)
        ;
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t l = data[0] | (size_t)data[1] << 8;
    if (l > size - 2)
        l = size - 2;
    /* A frame claiming more than 64 KiB that do not follow ends the stream
     * before it: the agent allocates and prefaults up to WIRE_FIRST (16 MiB)
     * of what a length claims before the body arrives (wire.h's
     * wire_recv()), and each such input would cost milliseconds.  (Smaller
     * claims still reach the read that meets the end of the stream.) */
    for (size_t off = 0; off + 4 <= l;) {
        uint32_t fl;
        memcpy(&fl, data + 2 + off, 4);
        if (fl > l - off - 4) {
            if (fl > 65536)
                l = off;
            break;
        }
        off += 4 + fl;
    }
    fake_rpc_script(data + 2 + l, size - 2 - l);
    unlink(caps_file); /* each input asks for the capabilities itself */
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        abort();
    /* The requests fit in the socket's buffer (max_len is 64 KiB). */
    int big = 1 << 20;
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    if (l && write(sv[0], data + 2, l) != (ssize_t)l)
        abort();
    shutdown(sv[0], SHUT_WR);
    pthread_t t;
    if (pthread_create(&t, NULL, drain, &sv[0]) != 0)
        abort();
    fake_rpc_arm(1);
    agent_serve_fd(&cfg, &host, sv[1]); /* closes sv[1] */
    fake_rpc_arm(0);
    pthread_join(t, NULL);
    close(sv[0]);
    return 0;
}
