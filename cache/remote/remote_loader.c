/* SPDX-License-Identifier: Apache-2.0 */
/* remote_loader.c — reach the remote without making ricc pay for gRPC; the
 * failure policy.
 *
 * Why: the ricc program links no gRPC.  Loading libgrpc costs ~57 shared
 * objects and ~4 ms, grpc_init and a connection more — more than a whole
 * local hit — so the client lives in libricc-remote.so and only a call that
 * has missed locally and has a remote configured ever touches it, in one of
 * two ways:
 *
 *  - The agent (default; RICC_REMOTE_AGENT=0 turns it off).  A per-user
 *    process that has the module loaded and its channels connected, reached
 *    over a unix socket in $XDG_RUNTIME_DIR/ricc or /tmp/ricc-agent-<uid>
 *    (a 0700 directory), one socket per server and configuration (its name
 *    hashes every setting the client uses and the mount namespace, so an
 *    agent only ever serves calls it would make identically).  Not
 *    RICC_DIR: every request carries the caller's (absolute) RICC_DIR and
 *    max_size, the only things the agent uses it for (agent.c puts large
 *    blobs in that store), so a fresh sandbox's RICC_DIR finds the agent of
 *    the last one warm, and agents of past RICC_DIRs do not pile up.  A ricc
 *    process that finds none starts one — before loading gRPC, closing
 *    every inherited file descriptor so no pipe or lock of the build is
 *    held — under a lock (<socket>.start) that the agent keeps until it
 *    listens, and makes its own calls directly this time; the concurrent
 *    first calls of a make -j64 wait for that lock and then use the one
 *    agent, instead of each starting one and calling directly meanwhile
 *    (agent_start.c finds and starts it).  The agent leaves after
 *    RICC_REMOTE_AGENT_IDLE seconds (default 60) without work, or after 10
 *    minutes (picking up changed token and certificate files).  It is never
 *    needed for correctness: whenever talking to it fails, the call is made
 *    directly.  Paths sent to it are made absolute.  A lookup is one
 *    request (wire.h framing, one sendmsg() each way): the agent also
 *    fetches the blobs the server did not inline (agent.c).
 *  - Direct: dlopen the module (<dir of /proc/self/exe>/../lib/, then
 *    ../lib/ricc/, or $RICC_REMOTE_MODULE) and call it in this process.
 *
 * A statically linked ricc (RICC_STATIC, the default build: it starts in a
 * fraction of the time a dynamically linked one does) cannot dlopen
 * anything.  There the module lives in a program, ricc-remote (found like
 * the module, or $RICC_REMOTE_HELPER), which is both the agent (started as
 * `ricc-remote --agent SOCKET`) and the direct calls: `ricc-remote --fd 3`
 * serves one ricc process over a socketpair, in the agent's protocol, and
 * leaves when the ricc process closes its end.
 *
 * The failure policy (marks that make later calls skip a server that is
 * down, one warning per build) is remote_marks.c's.
 *
 * Counting (stats.h, `ricc -s`): this file is where the calling ricc
 * process learns how each call went, so it counts here — failed calls
 * (remote_error, or remote_timeout for a deadline), bytes sent to the
 * remote (the blobs the client uploaded, those FindMissingBlobs said the
 * server lacks, as the module or the agent's answer reports; action
 * results) and bytes
 * received (action results, fetched blobs, and those the agent put into
 * our CAS for us, which its answer reports).  Not in the agent: it serves
 * many RICC_DIRs and counting at the caller needs no second mapping.
 * Lookups the remote could not serve are counted by wrapper/remote, which
 * knows an action's lookup from a manifest's. */
#include "cache/remote/remote.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cache/local/stats.h"
#include "cache/util/fsutil.h"
#include "cache/util/log.h"
#include "cache/remote/loader_int.h"
#include "cache/remote/wire.h"
#include "cache/remote/remote_marks.h"


#define NOEXEC_SKIP_S 3600   /* a server without Execute is not asked again for this long */
#define AGENT_LONG_OP_S 7200 /* uploads, fetches, Execute: the agent's own deadlines end them */

struct remote {
    const config *cfg;
    int helper_tried;        /* static: a private ricc-remote was started */
    const remote_module *m;  /* direct: the module and its handle, once needed */
    void *h;
    int fd;                  /* agent: the connection, or -1 */
    int fd_timeout;          /* the receive timeout set on fd, seconds (0: none yet) */
    char invocation_id[37];  /* sent to the agent for RequestMetadata */
    char *dir;               /* cfg->dir made absolute, sent to the agent */
    digest action;           /* the action id sent to the agent */
    int have_action;
    remote_status st;
    int dead;                /* marked down by this process: fail at once */
};

/* ---- loading the module ---- */

static void host_log(enum log_level level, const char *msg)
{
    log_msg(level, "%s", msg);
}

static int quiet_enabled(enum log_level level)
{
    (void)level;
    return 0;
}

#ifndef RICC_STATIC
static const remote_host host = { REMOTE_ABI_VERSION, log_enabled, host_log };
#endif
const remote_host loader_quiet_host = { REMOTE_ABI_VERSION, quiet_enabled, host_log };

static const remote_module *loaded; /* once loaded, never unloaded (gRPC threads) */

/* fs_beside_program into path[cap]: 0, or -1 (none, or too long). */
int loader_find_beside(const char *env_name, const char *name, char *path, size_t cap)
{
    char *p = fs_beside_program(env_name, name);
    int ok = p && snprintf(path, cap, "%s", p) < (int)cap;
    free(p);
    return ok ? 0 : -1;
}

#ifdef RICC_STATIC
const remote_module *loader_load_module(char *why, size_t whylen, int quiet)
{
    (void)quiet;
    snprintf(why, whylen, "a static ricc has no module to load");
    return NULL;
}
#else
/* dlopen the first candidate that exists.  (The agent has no log.) */
const remote_module *loader_load_module(char *why, size_t whylen, int quiet)
{
    static int tried;
    if (tried) {
        if (!loaded)
            snprintf(why, whylen, "the remote client module could not be loaded");
        return loaded;
    }
    tried = 1;
    char path[PATH_MAX];
    const char *err = "not found next to the program";
    if (loader_find_beside("RICC_REMOTE_MODULE", "libricc-remote.so", path, sizeof path) == 0) {
        void *so = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        remote_module_fn fn = so ? (remote_module_fn)dlsym(so, REMOTE_MODULE_SYMBOL) : NULL;
        const remote_module *m = fn ? fn() : NULL;
        if (!so) {
            err = dlerror();
        } else if (!m || m->abi_version != REMOTE_ABI_VERSION || m->size < sizeof *m) {
            err = "the module has another ABI version";
            dlclose(so);
        } else {
            if (!quiet)
                LOG_D("loaded remote client %s", path);
            return loaded = m;
        }
    }
    snprintf(why, whylen, "cannot load the remote client module: %.400s", err);
    return NULL;
}
#endif

/* A call of ours failed with r->st: count it (see the top). */
static void count_failure(const remote *r)
{
    stats_add(r->st.code == REMOTE_CODE_DEADLINE_EXCEEDED ? ST_REMOTE_TIMEOUT : ST_REMOTE_ERROR,
              1);
}

/* Close every descriptor from `from` on: a helper process must hold none
 * of the build's pipes (make's jobserver waits for their last holder). */
void loader_close_from(int from)
{
    for (int fd = from; fd < 1024; fd++)
        close(fd);
}

#ifdef RICC_STATIC
/* Direct calls for a static ricc: a private ricc-remote over a socketpair,
 * spoken to as to the agent.  Started once per remote: if it dies, the
 * remote is marked down.  0 (r->fd set), or -1 (marked down). */
static int go_direct(remote *r)
{
    char helper[PATH_MAX], why[PATH_MAX + 100];
    int sv[2];
    pid_t pid = -1;
    if (r->fd >= 0)
        return 0;
    if (r->helper_tried) {
        snprintf(why, sizeof why, "the remote helper program stopped");
    } else if (loader_find_beside("RICC_REMOTE_HELPER", "ricc-remote", helper, sizeof helper) != 0) {
        snprintf(why, sizeof why, "cannot find the remote helper program ricc-remote");
    } else if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        snprintf(why, sizeof why, "socketpair: %s", strerror(errno));
    } else {
        r->helper_tried = 1;
        fflush(NULL); /* nothing buffered may be written twice */
        pid = fork();
        if (pid == 0) {
            int null = open("/dev/null", O_RDWR);
            if (null >= 0) {
                dup2(null, 0);
                dup2(null, 1);
                dup2(null, 2);
            }
            if (sv[1] == 3)
                fcntl(3, F_SETFD, 0);
            else if (dup2(sv[1], 3) != 3)
                _exit(127);
            loader_close_from(4);
            execl(helper, "ricc-remote", "--fd", "3", (char *)NULL);
            _exit(127);
        }
        close(sv[1]);
        if (pid > 0) {
            r->fd = sv[0];
            LOG_D("remote calls through %s (pid %d)", helper, (int)pid);
            return 0;
        }
        close(sv[0]);
        snprintf(why, sizeof why, "fork: %s", strerror(errno));
    }
    r->st.code = REMOTE_CODE_UNAVAILABLE;
    snprintf(r->st.message, sizeof r->st.message, "%.400s", why);
    r->dead = 1;
    count_failure(r);
    remote_mark_down(r->cfg, why);
    return -1;
}
#else
/* Switch r to calling the module in this process.  0, or -1 (marked down). */
static int go_direct(remote *r)
{
    if (r->h)
        return 0;
    char why[500];
    if (!(r->m = loader_load_module(why, sizeof why, 0))) {
        r->st.code = REMOTE_CODE_UNAVAILABLE;
        snprintf(r->st.message, sizeof r->st.message, "%s", why);
        r->dead = 1;
        count_failure(r);
        remote_mark_down(r->cfg, why);
        return -1;
    }
    if (!(r->h = r->m->open(r->cfg, &host, &r->st))) {
        r->dead = 1;
        count_failure(r);
        remote_mark_down(r->cfg, r->st.message);
        return -1;
    }
    return 0;
}
#endif

/* ---- the agent: talking to it (finding and starting it: agent_start.c) ---- */

static void new_uuid(char out[37])
{
    unsigned char b[16];
    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
        for (size_t i = 0; i < sizeof b; i++)
            b[i] = (unsigned char)(rand() ^ getpid());
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
             b[13], b[14], b[15]);
}

/* The fields every request starts with. */
static void agent_header(remote *r, wbuf *w, int op, const digest *action)
{
    digest none;
    memset(&none, 0, sizeof none);
    none.size_bytes = -1;
    if (action) {
        r->action = *action;
        r->have_action = 1;
    }
    action = r->have_action ? &r->action : NULL;
    const char *corr = getenv("RICC_CORRELATED_INVOCATIONS_ID");
    w_u32(w, (uint32_t)op);
    w_str(w, r->invocation_id);
    w_str(w, corr);
    w_bytes(w, action ? action : &none, sizeof none);
    /* The store the agent may put large blobs in (agent.c): ours. */
    uint64_t max_size = r->cfg->max_size;
    int32_t cz[2] = {r->cfg->compression, r->cfg->compression_level};
    w_str(w, r->dir);
    w_bytes(w, &max_size, sizeof max_size);
    w_bytes(w, cz, sizeof cz); /* and how it writes blobs (store_set_compression) */
}

/* Send a request, read the answer's status.  0: *resp holds the rest of
 * the answer (free resp->p) and r->st the status, the call's rc in *rc.
 * -1: the agent is gone; r is switched to direct calls. */
static int agent_call(remote *r, wbuf *w, rbuf *resp, int *rc, int long_op)
{
    int timeout = long_op ? AGENT_LONG_OP_S
                          : 60 + 4 * (r->cfg->request_timeout_s > 0 ? r->cfg->request_timeout_s
                                                                    : 60) *
                                     (r->cfg->retry_limit + 1);
    if (timeout != r->fd_timeout) { /* a syscall saved on most calls */
        struct timeval tv = { timeout, 0 };
        setsockopt(r->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        r->fd_timeout = timeout;
    }
    int ok = wire_send(r->fd, w) == 0 && wire_recv(r->fd, resp) == 0;
    free(w->p);
    if (ok) {
        *rc = (int)r_u32(resp);
        r->st.code = (int)r_u32(resp);
        r->st.unusable = (int)r_u32(resp);
        snprintf(r->st.message, sizeof r->st.message, "%s", r_str(resp));
        if (!resp->bad)
            return 0;
        free((void *)resp->p);
    }
    LOG_D("remote agent connection lost; calling directly");
    close(r->fd);
    r->fd = -1;
    return -1;
}

/* An absolute version of a path for the agent (it has another cwd). */
static char *absolute(const char *p)
{
    char cwd[PATH_MAX], *out = NULL;
    if (p[0] == '/' || !getcwd(cwd, sizeof cwd))
        return strdup(p);
    if (asprintf(&out, "%s/%s", cwd, p) < 0)
        return NULL;
    return out;
}

/* ---- open, close ---- */

remote *remote_open(const config *cfg)
{
    if (!remote_usable(cfg))
        return NULL;
    remote *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->cfg = cfg;
    r->fd = -1;
    r->dir = cfg->dir ? absolute(cfg->dir) : NULL;
    new_uuid(r->invocation_id);
    char path[300];
    if (agent_wanted() && agent_path(cfg, path, sizeof path) == 0) {
        /* Forking a process that runs gRPC would copy its threads' state
         * half-way: start an agent only from a process without it. */
        r->fd = agent_connect(path);
        if (r->fd < 0 && !loaded)
            r->fd = agent_start(cfg, path);
        if (r->fd >= 0) {
            LOG_D("remote calls through the agent at %s", path);
            return r;
        }
    }
    if (go_direct(r) != 0) {
        free(r->dir);
        free(r);
        return NULL;
    }
    return r;
}

void remote_close(remote *r)
{
    if (!r)
        return;
    if (r->fd >= 0)
        close(r->fd);
    if (r->h)
        r->m->close(r->h);
    free(r->dir);
    free(r);
}

const remote_status *remote_error(const remote *r)
{
    return &r->st;
}

int remote_via_agent(const remote *r)
{
    return r->fd >= 0;
}

void remote_set_action_id(remote *r, const digest *action)
{
    r->action = *action;
    r->have_action = 1;
    if (r->h)
        r->m->set_action_id(r->h, action);
}

/* ---- the calls, with the policy around them ---- */

static int skipped(remote *r)
{
    r->st.code = REMOTE_CODE_UNAVAILABLE;
    snprintf(r->st.message, sizeof r->st.message, "skipped: the remote is marked down");
    return -1;
}

/* A call failed: decide who hears about it. */
static int failed(remote *r)
{
    int code = r->st.code;
    if (code != REMOTE_CODE_NOT_FOUND) /* a blob gone is a miss (wrapper/remote counts it) */
        count_failure(r);
    if (code == REMOTE_CODE_UNAVAILABLE || code == REMOTE_CODE_DEADLINE_EXCEEDED ||
        code == REMOTE_CODE_UNAUTHENTICATED || r->st.unusable) {
        r->dead = 1;
        remote_mark_down(r->cfg, r->st.message);
    } else if (code == REMOTE_CODE_NOT_FOUND) {
        LOG_D("remote: %s", r->st.message); /* a blob gone: just a miss */
    } else {
        LOG_W("remote %s: %s; building locally", remote_server_name(r->cfg), r->st.message);
    }
    return -1;
}

/* Copy a bytes field of an agent answer into malloc'd memory. */
static int take_bytes(rbuf *resp, void **out, size_t *len)
{
    size_t n;
    const void *d = r_bytes(resp, &n);
    if (!d || !(*out = malloc(n ? n : 1)))
        return -1;
    memcpy(*out, d, n);
    *len = n;
    return 0;
}

/* The server does not execute, or not in time: say so once per build; the
 * build's later compiles run here without asking (the mark's skip period). */
static int no_execution(remote *r, const char *why)
{
    /* A server without an Execution service will not grow one within a
     * build: an hour.  One that did not finish in time may, soon. */
    int timed_out = r->st.code == REMOTE_CODE_DEADLINE_EXCEEDED;
    int skip = r->cfg->remote_skip_seconds;
    if (remote_set_mark_for(r->cfg, REMOTE_NOEXEC_MARK, why,
                            timed_out || skip > NOEXEC_SKIP_S ? skip : NOEXEC_SKIP_S))
        LOG_W("remote %s does not execute (%s): compiling here and uploading the results, as "
              "in cache-only mode%s", remote_server_name(r->cfg), why,
              timed_out ? "" : " (RECC_CACHE_ONLY=1 says so and saves asking)");
    return 0;
}

/* An Execute failed.  Unimplemented (whatever its capabilities said) or
 * not done within exec_timeout: the server is there, its execution is
 * not; anything else is the usual failure policy. */
static int exec_failed(remote *r)
{
    if (r->st.code == REMOTE_CODE_UNIMPLEMENTED || r->st.code == REMOTE_CODE_DEADLINE_EXCEEDED) {
        count_failure(r);
        no_execution(r, r->st.message);
        return -1;
    }
    return failed(r);
}

static int get_or_execute(remote *r, int op, const digest *action, int skip,
                          char *const *outputs, int n_outputs, void **ar, size_t *ar_len,
                          int *cached)
{
    int dummy = 0, rc = -1;
    *ar = NULL;
    if (!cached)
        cached = &dummy;
    if (r->dead)
        return skipped(r);
    for (int pass = 0; pass < 2; pass++) {
        if (r->fd >= 0) {
            wbuf w = { 0 };
            rbuf resp;
            agent_header(r, &w, op, action);
            if (op == OP_EXECUTE)
                w_u32(&w, (uint32_t)skip);
            w_u32(&w, (uint32_t)(n_outputs > 0 ? n_outputs : 0));
            for (int i = 0; i < n_outputs; i++)
                w_str(&w, outputs[i]);
            if (agent_call(r, &w, &resp, &rc, op == OP_EXECUTE) == 0) {
                size_t n = 0;
                const void *bytes = rc == 0 ? r_bytes(&resp, &n) : NULL;
                if (rc == 0 && !bytes) {
                    rc = -1;
                    r->st.code = REMOTE_CODE_INTERNAL;
                    snprintf(r->st.message, sizeof r->st.message, "agent: short answer");
                }
                *cached = (int)r_u32(&resp);
                size_t sn = 0;
                const void *spilled = r_bytes(&resp, &sn);
                if (rc == 0 && spilled && sn == sizeof(uint64_t)) {
                    uint64_t v;
                    memcpy(&v, spilled, sizeof v);
                    stats_add(ST_REMOTE_BYTES_DOWN, (int64_t)v);
                }
                if (rc == 0 && bytes)
                    stats_add(ST_REMOTE_BYTES_DOWN, (int64_t)n);
                if (bytes) {
                    /* The answer's buffer becomes the result: no second copy
                     * of what may be a large manifest. */
                    memmove((void *)resp.p, bytes, n);
                    *ar = (void *)resp.p;
                    *ar_len = n;
                } else {
                    free((void *)resp.p);
                }
                return rc < 0 ? (op == OP_EXECUTE ? exec_failed(r) : failed(r)) : rc;
            }
        }
        if (go_direct(r) != 0)
            return -1;
        if (r->fd < 0)
            break; /* the module, in this process */
    }
    if (op == OP_GET_AR)
        rc = r->m->get_action_result(r->h, action, outputs, n_outputs, ar, ar_len, &r->st);
    else
        rc = r->m->execute(r->h, action, skip, outputs, n_outputs, ar, ar_len, cached, &r->st);
    if (rc == 0 && *ar)
        stats_add(ST_REMOTE_BYTES_DOWN, (int64_t)*ar_len);
    return rc < 0 ? (op == OP_EXECUTE ? exec_failed(r) : failed(r)) : rc;
}

int remote_get_action_result(remote *r, const digest *action, char *const *outputs,
                             int n_outputs, void **ar, size_t *ar_len)
{
    return get_or_execute(r, OP_GET_AR, action, 0, outputs, n_outputs, ar, ar_len, NULL);
}

int remote_execute(remote *r, const digest *action, int skip_cache_lookup,
                   char *const *outputs, int n_outputs, void **ar, size_t *ar_len, int *cached)
{
    return get_or_execute(r, OP_EXECUTE, action, skip_cache_lookup, outputs, n_outputs, ar,
                          ar_len, cached) < 0 ? -1 : 0;
}

int remote_can_execute(remote *r)
{
    if (r->dead)
        return skipped(r);
    if (remote_marked(r->cfg, REMOTE_NOEXEC_MARK))
        return 0;
    int rc = -1, yes = 0;
    for (int pass = 0; pass < 2; pass++) {
        if (r->fd >= 0) {
            wbuf w = { 0 };
            rbuf resp;
            agent_header(r, &w, OP_CAN_EXECUTE, NULL);
            if (agent_call(r, &w, &resp, &rc, 0) == 0) {
                yes = rc == 0 && r_u32(&resp);
                free((void *)resp.p);
                goto answered;
            }
        }
        if (go_direct(r) != 0)
            return -1;
        if (r->fd < 0)
            break;
    }
    rc = r->m->can_execute(r->h, &r->st);
    yes = rc > 0;
answered:
    if (rc < 0)
        /* An agent of an older ricc does not know the question: Execute
         * itself will tell. */
        return r->st.code == REMOTE_CODE_UNIMPLEMENTED ? 1 : failed(r);
    return yes ? 1 : no_execution(r, "its capabilities offer no Execution service");
}

int remote_update_action_result(remote *r, const digest *action, const void *ar, size_t ar_len)
{
    if (r->dead)
        return skipped(r);
    if (remote_marked(r->cfg, REMOTE_NOUPDATE_MARK)) {
        r->st.code = REMOTE_CODE_PERMISSION_DENIED;
        snprintf(r->st.message, sizeof r->st.message,
                 "skipped: the remote refuses action cache updates");
        return -1;
    }
    int rc = -1, via_agent = 0;
    for (int pass = 0; pass < 2 && !via_agent; pass++) {
        if (r->fd >= 0) {
            wbuf w = { 0 };
            rbuf resp;
            agent_header(r, &w, OP_UPDATE_AR, action);
            w_bytes(&w, ar, ar_len);
            if (agent_call(r, &w, &resp, &rc, 0) == 0) {
                free((void *)resp.p);
                via_agent = 1;
                break;
            }
        }
        if (go_direct(r) != 0)
            return -1;
        if (r->fd < 0)
            break;
    }
    if (!via_agent)
        rc = r->m->update_action_result(r->h, action, ar, ar_len, &r->st);
    if (rc == 0) {
        stats_add(ST_REMOTE_BYTES_UP, (int64_t)ar_len);
        return 0;
    }
    int code = r->st.code;
    if (code == REMOTE_CODE_PERMISSION_DENIED || code == REMOTE_CODE_UNIMPLEMENTED) {
        count_failure(r);
        if (remote_set_mark(r->cfg, REMOTE_NOUPDATE_MARK, r->st.message))
            LOG_W("remote %s refuses action cache updates (%s); results are kept "
                  "locally only", remote_server_name(r->cfg), r->st.message);
        return -1;
    }
    return failed(r);
}

static int64_t item_bytes(const remote_fetch_item *items, size_t n)
{
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += items[i].d.size_bytes;
    return sum;
}

int remote_upload(remote *r, const remote_blob *blobs, size_t n)
{
    if (r->dead)
        return skipped(r);
    for (int pass = 0; pass < 2; pass++) {
        if (r->fd >= 0) {
            wbuf w = { 0 };
            rbuf resp;
            int rc;
            agent_header(r, &w, OP_UPLOAD, NULL);
            w_u32(&w, (uint32_t)n);
            for (size_t i = 0; i < n; i++) {
                w_bytes(&w, &blobs[i].d, sizeof blobs[i].d);
                w_u32(&w, blobs[i].data ? 0 : 1);
                if (blobs[i].data) {
                    w_bytes(&w, blobs[i].data, blobs[i].len);
                } else {
                    char *abs = blobs[i].path ? absolute(blobs[i].path) : NULL;
                    if (!abs)
                        w.oom = 1;
                    w_str(&w, abs);
                    free(abs);
                }
            }
            if (agent_call(r, &w, &resp, &rc, 1) == 0) {
                size_t sn = 0;
                const void *sent = rc == 0 ? r_bytes(&resp, &sn) : NULL;
                /* (The agent is of this build: its socket's name carries the
                 * wire version, agent_start.c.) */
                int64_t v = 0;
                if (sent && sn == sizeof v)
                    memcpy(&v, sent, sizeof v);
                free((void *)resp.p);
                if (rc < 0)
                    return failed(r);
                stats_add(ST_REMOTE_BYTES_UP, v);
                return 0;
            }
        }
        if (go_direct(r) != 0)
            return -1;
        if (r->fd < 0)
            break;
    }
    int64_t before = r->m->bytes_sent(r->h);
    if (r->m->upload(r->h, blobs, n, &r->st) < 0)
        return failed(r);
    stats_add(ST_REMOTE_BYTES_UP, r->m->bytes_sent(r->h) - before);
    return 0;
}

int remote_fetch(remote *r, remote_fetch_item *items, size_t n)
{
    if (r->dead)
        return skipped(r);
    for (size_t i = 0; i < n; i++) {
        items[i].data = NULL;
        items[i].len = 0;
    }
    for (int pass = 0; pass < 2; pass++) {
        if (r->fd >= 0) {
            wbuf w = { 0 };
            rbuf resp;
            int rc;
            agent_header(r, &w, OP_FETCH, NULL);
            w_u32(&w, (uint32_t)n);
            for (size_t i = 0; i < n; i++) {
                char *abs = items[i].path ? absolute(items[i].path) : strdup("");
                if (!abs)
                    w.oom = 1;
                w_bytes(&w, &items[i].d, sizeof items[i].d);
                w_str(&w, abs);
                w_u32(&w, (uint32_t)items[i].executable);
                free(abs);
            }
            if (agent_call(r, &w, &resp, &rc, 1) == 0) {
                for (size_t i = 0; rc == 0 && i < n; i++)
                    if (!items[i].path && take_bytes(&resp, &items[i].data, &items[i].len) != 0) {
                        rc = -1;
                        r->st.code = REMOTE_CODE_INTERNAL;
                        snprintf(r->st.message, sizeof r->st.message, "agent: short answer");
                    }
                free((void *)resp.p);
                if (rc == 0) {
                    stats_add(ST_REMOTE_BYTES_DOWN, item_bytes(items, n));
                    return 0;
                }
                for (size_t i = 0; i < n; i++) {
                    free(items[i].data);
                    items[i].data = NULL;
                }
                return failed(r);
            }
        }
        if (go_direct(r) != 0)
            return -1;
        if (r->fd < 0)
            break;
    }
    if (r->m->fetch(r->h, items, n, &r->st) < 0)
        return failed(r);
    stats_add(ST_REMOTE_BYTES_DOWN, item_bytes(items, n));
    return 0;
}
