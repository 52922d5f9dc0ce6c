/* SPDX-License-Identifier: Apache-2.0 */
/* caps.c — GetCapabilities, asked once and remembered for a while.
 *
 * A client must know the server's digest functions (ricc only speaks
 * SHA-256: a server without it cannot be used) and its batch size limit
 * before it moves blobs.  Asking costs a round trip, and a wrapped compile
 * is a fresh process: asking on every remote hit would add a third to its
 * network time.  So the answer (only a usable one) is kept in
 * $RICC_DIR/remote-caps for CAPS_TTL seconds, one line:
 *
 *     <until-epoch> <batch-limit> <executes> <instance> <cas-address>
 *
 * (<executes>: 1 or 0 when the CAS server is also the execution server and
 * said whether it executes, -1 otherwise)
 * written atomically (temp file + rename) and ignored unless the instance
 * and address match the configuration.  If a server lowers its limit within
 * that time, batch calls it refuses fail like any other remote error: the
 * build goes on locally for those calls.
 *
 * A server that does not implement Capabilities gets the REAPI defaults:
 * SHA-256 and (what every gRPC server accepts) 4 MiB messages.
 *
 * Whether the server executes (client_can_execute) is the same answer's
 * execution_capabilities: a cache such as bazel-remote leaves them out, and
 * a client that Executed anyway would upload every miss's inputs only to
 * be told UNIMPLEMENTED.  When the execution server is not the CAS server
 * it is asked itself, once per handle. */
#include "cache/remote/client/client.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cache/local/layout.h"

typedef Build__Bazel__Remote__Execution__V2__ServerCapabilities pb_caps;
typedef Build__Bazel__Remote__Execution__V2__GetCapabilitiesRequest pb_caps_req;
typedef Build__Bazel__Remote__Execution__V2__CacheCapabilities pb_cache_caps;
typedef Build__Bazel__Remote__Execution__V2__ExecutionCapabilities pb_exec_caps;

#define CAPS_TTL 600

static int caps_path(const rclient *c, char *buf, size_t len)
{
    return c->cfg->dir && layout_path(c->cfg->dir, LAYOUT_REMOTE_CAPS, NULL, buf, len) == 0;
}

/* The remembered limit for this instance and address, or 0; *executes
 * gets the remembered execution answer. */
static int64_t remembered(const rclient *c, int *executes)
{
    char path[PATH_MAX], line[2048];
    if (!caps_path(c, path, sizeof path))
        return 0;
    FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    char *ok = fgets(line, sizeof line, f);
    fclose(f);
    if (!ok)
        return 0;
    line[strcspn(line, "\n")] = '\0';
    long long until, limit;
    int exec = -1, off = 0;
    if (sscanf(line, "%lld %lld %d%n", &until, &limit, &exec, &off) != 3 || line[off] != ' ')
        return 0;
    if (until <= (long long)time(NULL) || limit <= 0 || exec < -1 || exec > 1)
        return 0;
    /* " <instance> <address>": the instance may be empty, never has spaces. */
    const char *rest = line + off + 1;
    size_t il = strlen(c->instance);
    if (strncmp(rest, c->instance, il) != 0 || rest[il] != ' ' ||
        strcmp(rest + il + 1, c->cas_addr) != 0)
        return 0;
    *executes = exec;
    return limit;
}

static void remember(rclient *c)
{
    char path[PATH_MAX], tmp[PATH_MAX + 32];
    if (!caps_path(c, path, sizeof path) || strchr(c->instance, ' ') ||
        strchr(c->cas_addr, '\n') || strchr(c->instance, '\n'))
        return;
    snprintf(tmp, sizeof tmp, "%s.tmp.%d.%d", path, (int)getpid(), rand_r(&c->rand_state));
    FILE *f = fopen(tmp, "wxe"); /* O_EXCL: never through a planted link */
    if (!f)
        return;
    fprintf(f, "%lld %lld %d %s %s\n", (long long)time(NULL) + CAPS_TTL,
            (long long)c->batch_limit, c->exec_ch == c->cas_ch ? c->executes : -1, c->instance,
            c->cas_addr);
    if (fclose(f) != 0 || rename(tmp, path) != 0)
        unlink(tmp);
}

/* Does a ServerCapabilities say the server executes? */
static int executes_from(const pb_caps *caps)
{
    const pb_exec_caps *ec = caps->execution_capabilities;
    return ec && ec->exec_enabled;
}

/* GetCapabilities on channel ch: 0 with *caps (free it), 1 when the
 * server does not implement it, -1 on failure. */
static int ask(rclient *c, grpc_channel *ch, pb_caps **caps, remote_status *st)
{
    pb_caps_req req = BUILD__BAZEL__REMOTE__EXECUTION__V2__GET_CAPABILITIES_REQUEST__INIT;
    req.instance_name = (char *)c->instance;
    uint8_t *resp;
    size_t len;
    if (rpc_unary(c, ch, "/build.bazel.remote.execution.v2.Capabilities/GetCapabilities",
                  &req.base, &resp, &len, st) != 0)
        return st->code == GRPC_STATUS_UNIMPLEMENTED ? 1 : -1;
    *caps = (pb_caps *)protobuf_c_message_unpack(
        &build__bazel__remote__execution__v2__server_capabilities__descriptor, NULL, len, resp);
    free(resp);
    return *caps ? 0 : st_set(st, GRPC_STATUS_INTERNAL, "GetCapabilities: unparsable reply");
}

int client_capabilities(rclient *c, remote_status *st)
{
    if (c->caps_done)
        return 0;
    int executes = -1;
    int64_t limit = remembered(c, &executes);
    if (limit > 0) {
        c->batch_limit = limit;
        if (c->exec_ch == c->cas_ch && executes >= 0)
            c->executes = executes;
        c->caps_done = 1;
        return 0;
    }

    pb_caps *caps = NULL;
    int rc = ask(c, c->cas_ch, &caps, st);
    if (rc < 0)
        return -1;
    if (rc > 0) {
        rlog(c, LOG_DEBUG, "no GetCapabilities; assuming SHA-256 and 4 MiB batches");
        if (c->exec_ch == c->cas_ch)
            c->executes = 1; /* nothing says it does not: try */
        c->caps_done = 1;
        return 0;
    }
    const pb_cache_caps *cc = caps->cache_capabilities;
    if (cc) {
        int sha256 = cc->n_digest_functions == 0; /* unset: the default, SHA-256 */
        for (size_t i = 0; i < cc->n_digest_functions; i++)
            sha256 |= cc->digest_functions[i] ==
                      BUILD__BAZEL__REMOTE__EXECUTION__V2__DIGEST_FUNCTION__VALUE__SHA256;
        if (!sha256) {
            rc = st_set(st, GRPC_STATUS_FAILED_PRECONDITION,
                        "the server does not offer SHA-256 digests");
            st->unusable = 1;
        }
        if (cc->max_batch_total_size_bytes > 0 && cc->max_batch_total_size_bytes < c->batch_limit)
            c->batch_limit = cc->max_batch_total_size_bytes;
    }
    if (c->exec_ch == c->cas_ch)
        c->executes = executes_from(caps);
    protobuf_c_message_free_unpacked(&caps->base, NULL);
    if (rc != 0)
        return rc;
    c->caps_done = 1;
    remember(c);
    rlog(c, LOG_DEBUG, "capabilities: batch limit %lld bytes", (long long)c->batch_limit);
    return 0;
}

int client_can_execute(rclient *c, remote_status *st)
{
    if (c->executes < 0 && client_capabilities(c, st) != 0)
        return -1;
    if (c->executes >= 0)
        return c->executes;
    if (!c->exec_ch) /* only a cache is configured */
        return c->executes = 0;
    /* An execution server apart from the CAS: ask it. */
    pb_caps *caps = NULL;
    int rc = ask(c, c->exec_ch, &caps, st);
    if (rc != 0)
        return rc < 0 ? -1 : (c->executes = 1); /* no Capabilities: nothing says it does not */
    c->executes = executes_from(caps);
    protobuf_c_message_free_unpacked(&caps->base, NULL);
    return c->executes;
}
