/* SPDX-License-Identifier: Apache-2.0 */
/* client.c — the remote module's entry point: channels, credentials,
 * request metadata, capabilities and the action cache.
 *
 * The module exports one symbol (REMOTE_MODULE_SYMBOL, remote.h) returning
 * the function table the loader calls; everything else is hidden
 * (-fvisibility=hidden), so the copy of libricc-cache linked in here never
 * clashes with the program's.  That copy has its own, uninitialised logging
 * state, so messages go through the host's logger (rlog).
 *
 * Opening is cheap and local: grpc_init, credentials, channels (gRPC
 * connects on the first call).  Capabilities: see caps.c.
 *
 * Addresses: "host:port", "grpc://host:port", "http://host:port" (plain),
 * "grpcs://host:port", "https://host:port" (TLS; also plain addresses when
 * server_ssl is set), "unix:/path" (plain).  TLS verifies the server against
 * server_cert when given (a PEM CA file), else the system roots; client_cert
 * and client_key add a client certificate.  The execution endpoint is
 * `server`; the CAS is `cas_server` or `server`; the action cache is
 * `action_cache_server`, or the CAS (as recc does). */
#include "cache/remote/client/client.h"

#include <errno.h>
#include <fcntl.h>
#include <grpc/grpc_security.h>
#include <grpc/support/log.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define GRPC_PREFIX "/build.bazel.remote.execution.v2."

typedef Build__Bazel__Remote__Execution__V2__RequestMetadata pb_reqmeta;
typedef Build__Bazel__Remote__Execution__V2__ToolDetails pb_tool;
typedef Build__Bazel__Remote__Execution__V2__GetActionResultRequest pb_get_ar;
typedef Build__Bazel__Remote__Execution__V2__UpdateActionResultRequest pb_update_ar;
typedef Build__Bazel__Remote__Execution__V2__OutputSymlink pb_symlink;

/* ---- logging, status ---- */

void rlog(rclient *c, enum log_level level, const char *fmt, ...)
{
    if (!c->host || !c->host->log_enabled(level))
        return;
    char buf[1024];
    int n = snprintf(buf, sizeof buf, "remote: ");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, ap);
    va_end(ap);
    c->host->log(level, buf);
}

int st_set(remote_status *st, int code, const char *fmt, ...)
{
    st->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->message, sizeof st->message, fmt, ap);
    va_end(ap);
    return -1;
}

/* gRPC's own log lines ("Handshake failed ...") would go to the build's
 * stderr: the failure they explain reaches the user once, through the
 * loader's policy, so they go to the debug log instead. */
static const remote_host *grpc_log_host;

static void grpc_log_to_host(gpr_log_func_args *args)
{
    const remote_host *h = grpc_log_host;
    if (!h || !h->log_enabled(LOG_DEBUG))
        return;
    char buf[1024];
    snprintf(buf, sizeof buf, "remote: grpc: %s (%s:%d)", args->message, args->file, args->line);
    h->log(LOG_DEBUG, buf);
}

/* ---- small file helper (the module keeps to what it needs) ---- */

static int read_text(const char *path, char **out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat sb;
    char *buf = NULL;
    if (fstat(fd, &sb) == 0 && sb.st_size < (1 << 24) && (buf = malloc((size_t)sb.st_size + 1))) {
        ssize_t n = read(fd, buf, (size_t)sb.st_size);
        if (n >= 0) {
            buf[n] = '\0';
            close(fd);
            *out = buf;
            return 0;
        }
    }
    int e = errno;
    free(buf);
    close(fd);
    errno = e ? e : EIO;
    return -1;
}

/* ---- request metadata ---- */

static void make_uuid(rclient *c)
{
    unsigned char b[16];
    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
        for (size_t i = 0; i < sizeof b; i++)
            b[i] = (unsigned char)rand_r(&c->rand_state);
    b[6] = (b[6] & 0x0f) | 0x40; /* version 4 */
    b[8] = (b[8] & 0x3f) | 0x80; /* RFC 4122 variant */
    snprintf(c->invocation_id, sizeof c->invocation_id,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
}

/* Re-serialize RequestMetadata; sent with every call from now on. */
static void update_reqmeta(rclient *c)
{
    pb_tool tool = BUILD__BAZEL__REMOTE__EXECUTION__V2__TOOL_DETAILS__INIT;
    pb_reqmeta m = BUILD__BAZEL__REMOTE__EXECUTION__V2__REQUEST_METADATA__INIT;
    tool.tool_name = "ricc";
    tool.tool_version = RICC_VERSION;
    m.tool_details = &tool;
    m.action_id = c->action_id;
    m.tool_invocation_id = c->invocation_id;
    if (c->correlated_id)
        m.correlated_invocations_id = c->correlated_id;
    free(c->reqmeta);
    c->reqmeta = reapi_pack(&m.base, &c->reqmeta_len, NULL);
}

static void set_action_id(rclient *c, const digest *action)
{
    if (strcmp(c->action_id, action->hash) == 0 && c->reqmeta)
        return;
    memcpy(c->action_id, action->hash, sizeof c->action_id);
    update_reqmeta(c);
}

/* ---- channels ---- */

static grpc_channel_credentials *tls_credentials(rclient *c, remote_status *st)
{
    const config *cfg = c->cfg;
    char *roots = NULL, *cert = NULL, *key = NULL;
    grpc_channel_credentials *creds = NULL;
    if (cfg->server_cert && *cfg->server_cert && read_text(cfg->server_cert, &roots) != 0) {
        st_set(st, GRPC_STATUS_FAILED_PRECONDITION, "cannot read server_cert %s: %s",
               cfg->server_cert, strerror(errno));
        goto out;
    }
    int want_cert = cfg->client_cert && *cfg->client_cert;
    int want_key = cfg->client_key && *cfg->client_key;
    if (want_cert != want_key) {
        st_set(st, GRPC_STATUS_FAILED_PRECONDITION,
               "client_cert and client_key must be set together");
        goto out;
    }
    if (want_cert && (read_text(cfg->client_cert, &cert) != 0 ||
                      read_text(cfg->client_key, &key) != 0)) {
        st_set(st, GRPC_STATUS_FAILED_PRECONDITION, "cannot read %s: %s",
               cert ? cfg->client_key : cfg->client_cert, strerror(errno));
        goto out;
    }
    grpc_ssl_pem_key_cert_pair pair = { key, cert };
    /* gRPC copies the PEM strings. */
    creds = grpc_ssl_credentials_create(roots, want_cert ? &pair : NULL, NULL, NULL);
    if (!creds)
        st_set(st, GRPC_STATUS_FAILED_PRECONDITION, "cannot set up TLS credentials");
out:
    free(roots);
    free(cert);
    free(key);
    return creds;
}

static int has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

/* The channel for an address, shared with an earlier endpoint of the same
 * address.  NULL with st set on failure. */
static grpc_channel *channel_for(rclient *c, const char *addr, const char **seen,
                                 remote_status *st)
{
    for (int i = 0; i < c->n_chans; i++)
        if (strcmp(seen[i], addr) == 0)
            return c->chans[i];

    int tls = c->cfg->server_ssl;
    const char *target = addr;
    if (has_prefix(addr, "grpcs://") || has_prefix(addr, "https://")) {
        tls = 1;
        target = strstr(addr, "://") + 3;
    } else if (has_prefix(addr, "grpc://") || has_prefix(addr, "http://")) {
        tls = 0;
        target = strstr(addr, "://") + 3;
    } else if (has_prefix(addr, "unix:") || has_prefix(addr, "unix-abstract:")) {
        tls = 0;
    }
    char *t = strdup(target);
    if (!t) {
        st_set(st, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
        return NULL;
    }
    size_t tl = strlen(t);
    if (tl > 0 && t[tl - 1] == '/' && !has_prefix(t, "unix"))
        t[tl - 1] = '\0'; /* "grpc://host:port/" */
    if (!*t) {
        free(t);
        st_set(st, GRPC_STATUS_INVALID_ARGUMENT, "bad server address '%s'", addr);
        return NULL;
    }

    grpc_channel_credentials *creds =
        tls ? tls_credentials(c, st) : grpc_insecure_credentials_create();
    if (!creds) {
        free(t);
        return NULL;
    }
    /* No gRPC-level retries (they buffer whole messages; ours know how to
     * resume), no receive limit (we check sizes against digests), and say
     * who we are. */
    grpc_arg args[3];
    memset(args, 0, sizeof args);
    args[0].type = GRPC_ARG_INTEGER;
    args[0].key = GRPC_ARG_ENABLE_RETRIES;
    args[0].value.integer = 0;
    args[1].type = GRPC_ARG_INTEGER;
    args[1].key = GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
    args[1].value.integer = -1;
    args[2].type = GRPC_ARG_STRING;
    args[2].key = GRPC_ARG_PRIMARY_USER_AGENT_STRING;
    args[2].value.string = "ricc/" RICC_VERSION;
    grpc_channel_args chargs = { 3, args };
    grpc_channel *ch = grpc_channel_create(t, creds, &chargs);
    grpc_channel_credentials_release(creds);
    free(t);
    if (!ch) {
        st_set(st, GRPC_STATUS_INVALID_ARGUMENT, "cannot create a channel to '%s'", addr);
        return NULL;
    }
    seen[c->n_chans] = addr;
    c->chans[c->n_chans++] = ch;
    rlog(c, LOG_DEBUG, "channel to %s%s", addr, tls ? " (TLS)" : "");
    return ch;
}

static const char *nonempty(const char *s)
{
    return s && *s ? s : NULL;
}

/* ---- open / close ---- */

static void m_close(void *h);

static void *m_open(const config *cfg, const remote_host *host, remote_status *st)
{
    rclient *c = calloc(1, sizeof *c);
    if (!c) {
        st_set(st, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
        return NULL;
    }
    grpc_log_host = host;
    grpc_init();
    gpr_set_log_function(grpc_log_to_host); /* after: a re-init resets it */
    c->cfg = cfg;
    c->host = host;
    c->instance = cfg->instance ? cfg->instance : "";
    c->timeout_s = cfg->request_timeout_s > 0 ? cfg->request_timeout_s : 60;
    c->retry_limit = cfg->retry_limit > 0 ? cfg->retry_limit : 0;
    c->retry_delay_ms = cfg->retry_delay_ms > 0 ? cfg->retry_delay_ms : 100;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    c->rand_state = (unsigned)getpid() ^ (unsigned)now.tv_nsec;
    c->batch_limit = GRPC_MESSAGE_LIMIT;
    c->executes = -1;
    make_uuid(c);
    c->cq = grpc_completion_queue_create_for_pluck(NULL);

    const char *env = getenv("RICC_CORRELATED_INVOCATIONS_ID");
    if (env && *env && !(c->correlated_id = strdup(env)))
        goto oom;

    if (nonempty(cfg->access_token_path)) {
        char *tok;
        if (read_text(cfg->access_token_path, &tok) != 0) {
            st_set(st, GRPC_STATUS_UNAUTHENTICATED, "cannot read access_token_path %s: %s",
                   cfg->access_token_path, strerror(errno));
            st->unusable = 1;
            goto fail;
        }
        size_t n = strlen(tok);
        while (n > 0 && (tok[n - 1] == '\n' || tok[n - 1] == '\r' || tok[n - 1] == ' '))
            tok[--n] = '\0';
        c->auth = malloc(n + 8);
        if (c->auth)
            snprintf(c->auth, n + 8, "Bearer %s", tok);
        free(tok);
        if (!c->auth)
            goto oom;
    }

    const char *seen[3] = { NULL, NULL, NULL };
    const char *exec = nonempty(cfg->server);
    const char *cas = nonempty(cfg->cas_server) ? cfg->cas_server : exec;
    const char *ac = nonempty(cfg->action_cache_server) ? cfg->action_cache_server : cas;
    if (exec && !(c->exec_ch = channel_for(c, exec, seen, st)))
        goto fail;
    if (cas && !(c->cas_ch = channel_for(c, cas, seen, st)))
        goto fail;
    if (ac && !(c->ac_ch = channel_for(c, ac, seen, st)))
        goto fail;
    c->cas_addr = cas ? cas : ac;
    if (!c->cas_ch)
        c->cas_ch = c->ac_ch; /* only an action cache: blobs go there too */
    if (!c->ac_ch) {
        st_set(st, GRPC_STATUS_INVALID_ARGUMENT, "no remote server configured");
        goto fail;
    }
    update_reqmeta(c);
    if (!c->reqmeta)
        goto oom;
    return c;

oom:
    st_set(st, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
fail:
    st->unusable = 1;
    m_close(c);
    return NULL;
}

/* Closing.  A wrapped compile closes its handle just before it exits, and
 * tearing gRPC down properly (destroying a connected channel, joining its
 * threads) costs 0.3 to 4 ms — a third of a remote hit.  So, except in
 * sanitizer builds (where LeakSanitizer must see everything freed), the
 * channels and gRPC itself are left to the process's exit; ricc's own memory
 * is freed either way.  A long-lived user would want the full teardown:
 * define RICC_REMOTE_FULL_TEARDOWN. */
#if defined(__SANITIZE_ADDRESS__) && !defined(RICC_REMOTE_FULL_TEARDOWN)
#define RICC_REMOTE_FULL_TEARDOWN 1
#endif

static void m_close(void *h)
{
    rclient *c = h;
    if (!c)
        return;
#ifdef RICC_REMOTE_FULL_TEARDOWN
    for (int i = 0; i < c->n_chans; i++)
        grpc_channel_destroy(c->chans[i]);
    if (c->cq) {
        grpc_completion_queue_shutdown(c->cq);
        while (grpc_completion_queue_pluck(c->cq, NULL, gpr_inf_future(GPR_CLOCK_REALTIME), NULL)
                   .type != GRPC_QUEUE_SHUTDOWN)
            ;
        grpc_completion_queue_destroy(c->cq);
    }
    grpc_shutdown();
#endif
    free(c->auth);
    free(c->correlated_id);
    free(c->reqmeta);
    free(c);
}

static void m_set_action_id(void *h, const digest *action)
{
    set_action_id(h, action);
}

static void m_set_ids(void *h, const char *invocation_id, const char *correlated_id)
{
    rclient *c = h;
    snprintf(c->invocation_id, sizeof c->invocation_id, "%s", invocation_id);
    free(c->correlated_id);
    c->correlated_id = correlated_id && *correlated_id ? strdup(correlated_id) : NULL;
    update_reqmeta(c);
}

/* ---- checking what the server sends ---- */

/* A path the server names must be one the Command asked for; without that
 * list, at least relative and without ".", ".." or empty components. */
static int path_ok(const char *p, char *const *outputs, int n_outputs)
{
    if (!p)
        return 0;
    if (n_outputs > 0) {
        for (int i = 0; i < n_outputs; i++)
            if (strcmp(p, outputs[i]) == 0)
                return 1;
        return 0;
    }
    if (*p == '\0' || *p == '/')
        return 0;
    for (const char *s = p; *s;) {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
            return 0;
        s += n;
        if (*s == '/')
            s++;
        if (e && *s == '\0')
            return 0; /* trailing slash */
    }
    return 1;
}

/* Inlined bytes must hash to their digest. */
static int inline_ok(const ProtobufCBinaryData *data, const reapi_digest *d, int required)
{
    digest want, got;
    /* stdout and stderr may come inline with no digest (REAPI allows it,
     * BuildGrid does it): their bytes are all there is.  An output file's
     * digest is required. */
    if (!d || (!required && (!d->hash || !d->hash[0])))
        return !required;
    if (reapi_digest_get(d, &want) != 0)
        return 0;
    if (data->len == 0)
        return 1; /* not inlined: fetched (and verified) separately */
    digest_buf(data->data, data->len, &got);
    return digest_equal(&want, &got);
}

static int symlinks_ok(pb_symlink **v, size_t n, char *const *outputs, int n_outputs,
                       remote_status *st)
{
    for (size_t i = 0; i < n; i++)
        if (!path_ok(v[i]->path, outputs, n_outputs))
            return st_set(st, GRPC_STATUS_INTERNAL,
                          "the server returned an output symlink outside the outputs: '%s'",
                          v[i]->path);
    return 0;
}

int client_check_result(const reapi_action_result *ar, char *const *outputs, int n_outputs,
                        remote_status *st)
{
    for (size_t i = 0; i < ar->n_output_files; i++) {
        const reapi_output_file *f = ar->output_files[i];
        if (!path_ok(f->path, outputs, n_outputs))
            return st_set(st, GRPC_STATUS_INTERNAL,
                          "the server returned an output path outside the outputs: '%s'",
                          f->path);
        if (!inline_ok(&f->contents, f->digest, 1))
            return st_set(st, GRPC_STATUS_DATA_LOSS,
                          "output '%s': inlined content does not match its digest", f->path);
    }
    for (size_t i = 0; i < ar->n_output_directories; i++) {
        digest d;
        if (!path_ok(ar->output_directories[i]->path, outputs, n_outputs) ||
            reapi_digest_get(ar->output_directories[i]->tree_digest, &d) != 0)
            return st_set(st, GRPC_STATUS_INTERNAL,
                          "the server returned a bad output directory '%s'",
                          ar->output_directories[i]->path);
    }
    if (symlinks_ok(ar->output_file_symlinks, ar->n_output_file_symlinks, outputs, n_outputs,
                    st) ||
        symlinks_ok(ar->output_directory_symlinks, ar->n_output_directory_symlinks, outputs,
                    n_outputs, st) ||
        symlinks_ok(ar->output_symlinks, ar->n_output_symlinks, outputs, n_outputs, st))
        return -1;
    if (!inline_ok(&ar->stdout_raw, ar->stdout_digest, 0) ||
        !inline_ok(&ar->stderr_raw, ar->stderr_digest, 0))
        return st_set(st, GRPC_STATUS_DATA_LOSS,
                      "inlined stdout or stderr does not match its digest");
    return 0;
}

/* ---- the action cache ---- */

static int m_get_action_result(void *h, const digest *action, char *const *outputs,
                               int n_outputs, void **ar, size_t *ar_len, remote_status *st)
{
    rclient *c = h;
    set_action_id(c, action);
    if (client_capabilities(c, st) != 0)
        return -1;
    pb_get_ar req = BUILD__BAZEL__REMOTE__EXECUTION__V2__GET_ACTION_RESULT_REQUEST__INIT;
    reapi_digest d;
    reapi_digest_ref(&d, (digest *)action);
    req.instance_name = (char *)c->instance;
    req.action_digest = &d;
    req.inline_stdout = 1;
    req.inline_stderr = 1;
    req.n_inline_output_files = n_outputs > 0 ? (size_t)n_outputs : 0;
    req.inline_output_files = (char **)outputs;
    uint8_t *resp;
    size_t len;
    if (rpc_unary(c, c->ac_ch, GRPC_PREFIX "ActionCache/GetActionResult", &req.base, &resp,
                  &len, st) != 0)
        return st->code == GRPC_STATUS_NOT_FOUND ? REMOTE_MISS : -1;
    reapi_action_result *msg = (reapi_action_result *)protobuf_c_message_unpack(
        &build__bazel__remote__execution__v2__action_result__descriptor, NULL, len, resp);
    if (!msg) {
        free(resp);
        return st_set(st, GRPC_STATUS_INTERNAL, "GetActionResult: unparsable ActionResult");
    }
    int rc = client_check_result(msg, outputs, n_outputs, st);
    protobuf_c_message_free_unpacked(&msg->base, NULL);
    if (rc != 0) {
        free(resp);
        return -1;
    }
    *ar = resp;
    *ar_len = len;
    return 0;
}

static int m_update_action_result(void *h, const digest *action, const void *ar, size_t ar_len,
                                  remote_status *st)
{
    rclient *c = h;
    set_action_id(c, action);
    if (client_capabilities(c, st) != 0)
        return -1;
    reapi_action_result *msg = (reapi_action_result *)protobuf_c_message_unpack(
        &build__bazel__remote__execution__v2__action_result__descriptor, NULL, ar_len, ar);
    if (!msg)
        return st_set(st, GRPC_STATUS_INVALID_ARGUMENT,
                      "UpdateActionResult: the ActionResult given does not parse");
    pb_update_ar req = BUILD__BAZEL__REMOTE__EXECUTION__V2__UPDATE_ACTION_RESULT_REQUEST__INIT;
    reapi_digest d;
    reapi_digest_ref(&d, (digest *)action);
    req.instance_name = (char *)c->instance;
    req.action_digest = &d;
    req.action_result = msg;
    uint8_t *resp = NULL;
    size_t len;
    int rc = rpc_unary(c, c->ac_ch, GRPC_PREFIX "ActionCache/UpdateActionResult", &req.base,
                       &resp, &len, st);
    free(resp);
    protobuf_c_message_free_unpacked(&msg->base, NULL);
    return rc;
}

/* ---- the table ---- */

static int m_upload(void *h, const remote_blob *blobs, size_t n, remote_status *st)
{
    return cas_upload(h, blobs, n, st);
}

static int m_fetch(void *h, remote_fetch_item *items, size_t n, remote_status *st)
{
    return cas_fetch(h, items, n, st);
}

static int m_execute(void *h, const digest *action, int skip_cache_lookup, char *const *outputs,
                     int n_outputs, void **ar, size_t *ar_len, int *cached, remote_status *st)
{
    rclient *c = h;
    set_action_id(c, action);
    return exec_execute(c, action, skip_cache_lookup, outputs, n_outputs, ar, ar_len, cached,
                        st);
}

static int m_can_execute(void *h, remote_status *st)
{
    return client_can_execute(h, st);
}

static int64_t m_bytes_sent(void *h)
{
    return ((rclient *)h)->sent;
}

static const remote_module module = {
    .abi_version = REMOTE_ABI_VERSION,
    .size = sizeof(remote_module),
    .open = m_open,
    .close = m_close,
    .set_action_id = m_set_action_id,
    .get_action_result = m_get_action_result,
    .update_action_result = m_update_action_result,
    .upload = m_upload,
    .fetch = m_fetch,
    .execute = m_execute,
    .set_ids = m_set_ids,
    .serve = agent_serve,
    .serve_fd = agent_serve_fd,
    .can_execute = m_can_execute,
    .bytes_sent = m_bytes_sent,
};

__attribute__((visibility("default"))) const remote_module *ricc_remote_module_v1(void)
{
    return &module;
}
