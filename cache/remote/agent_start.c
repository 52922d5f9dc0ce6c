/* SPDX-License-Identifier: Apache-2.0 */
/* agent_start.c — finding the agent of this user and server, and starting
 * one: the half of the agent's story that happens before the first request
 * (remote_loader.c has the requests, and why there is an agent at all).
 *
 * The socket is in $XDG_RUNTIME_DIR/ricc or /tmp/ricc-agent-<uid> (a 0700
 * directory of ours, or no agent), named by a hash of every setting the
 * client uses and the mount namespace.  Concurrent first calls start exactly
 * one agent: whoever takes <socket>.start forks it and calls directly this
 * time; the others wait on that lock, which the agent holds until it
 * listens, and connect.  A static ricc starts ricc-remote --agent; a
 * dynamic one forks itself into the module's serve loop. */
#include "cache/remote/loader_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cache/reapi/digest.h"
#include "cache/util/log.h"
#include "cache/util/version.h"

#define AGENT_MAX_LIFE_S 600 /* then an agent leaves, picking up changed tokens and certificates */
#define START_LOCK_FD 3 /* the agent's copy of the start lock (agent_start) */
/* The agent protocol's version, in the socket's name: a request carries
 * RICC_DIR and max_size since 2, the compression settings since 3, so an
 * agent of another one is not used. */
#define AGENT_WIRE "3"

int agent_wanted(void)
{
    const char *e = getenv("RICC_REMOTE_AGENT");
    return !e || strcmp(e, "0") != 0;
}

/* The socket path for this configuration; 0, or -1 if there is no safe
 * directory for it (then no agent). */
int agent_path(const config *cfg, char *out, size_t len)
{
    char dir[200];
    const char *rt = getenv("XDG_RUNTIME_DIR");
    if (rt && *rt && strlen(rt) < 100)
        snprintf(dir, sizeof dir, "%s/ricc", rt);
    else
        snprintf(dir, sizeof dir, "/tmp/ricc-agent-%u", (unsigned)getuid());
    struct stat sb;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return -1;
    if (lstat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode) || sb.st_uid != getuid() ||
        (sb.st_mode & 077))
        return -1; /* someone else's, or open to others: no agent */

    struct stat ns;
    char exe[PATH_MAX] = "";
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    const char *mod = getenv("RICC_REMOTE_MODULE");
    unsigned long mnt = stat("/proc/self/ns/mnt", &ns) == 0 ? (unsigned long)ns.st_ino : 0;
    char *key = NULL;
#define S(x) ((x) ? (x) : "")
    /* (umask: the agent writes blobs into the caller's store under the umask
     * it was started with: fsutil.h.) */
    if (asprintf(&key, "%s|%s|%s|%s|%s|%s|%s|%d|%s|%s|%s|%s|%s|%d|%d|%d|%d|%lu|%s", RICC_VERSION,
                 exe, S(mod), "wire" AGENT_WIRE, S(cfg->server), S(cfg->cas_server),
                 S(cfg->action_cache_server), cfg->server_ssl, S(cfg->instance),
                 S(cfg->server_cert), S(cfg->client_cert), S(cfg->client_key),
                 S(cfg->access_token_path), cfg->retry_limit, cfg->retry_delay_ms,
                 cfg->request_timeout_s, cfg->exec_timeout_s, mnt, S(cfg->umask)) < 0)
        return -1;
#undef S
    digest d;
    digest_str(key, &d);
    free(key);
    return snprintf(out, len, "%s/%.24s.sock", dir, d.hash) < (int)len ? 0 : -1;
}

int agent_connect(const char *path)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof a.sun_path)
        return -1;
    strcpy(a.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* In the agent process: become it, serve with m (NULL: load it), exit.
 * Never returns. */
static void agent_run(const config *cfg, const char *path, const remote_module *m)
{
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
    }
    /* Nothing of the build's: its pipes, per-action locks, log files.  (The
     * working directory stays: relative certificate or token paths in the
     * configuration mean what they meant to the process that started it.)
     * Descriptor 3 is the start lock (agent_start), held until we listen. */
    loader_close_from(4);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_IGN);

    char lock[PATH_MAX + 8], tmp[PATH_MAX + 32];
    snprintf(lock, sizeof lock, "%s.lock", path);
    snprintf(tmp, sizeof tmp, "%s.%d", path, (int)getpid());
    int lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lfd < 0 || flock(lfd, LOCK_EX | LOCK_NB) != 0)
        _exit(0); /* another agent is starting or running */
    char pid[32];
    int pl = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
    if (ftruncate(lfd, 0) != 0 || pwrite(lfd, pid, (size_t)pl, 0) != pl)
        _exit(0);

    struct sockaddr_un a = { .sun_family = AF_UNIX };
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0 || strlen(tmp) >= sizeof a.sun_path)
        _exit(0);
    strcpy(a.sun_path, tmp);
    unlink(tmp);
    if (bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 128) != 0 ||
        rename(tmp, path) != 0) {
        unlink(tmp);
        _exit(0);
    }
    close(START_LOCK_FD); /* listening: the processes waiting may connect */
    char why[500];
    if (!m)
        m = loader_load_module(why, sizeof why, 1);
    if (m)
        m->serve(cfg, &loader_quiet_host, s, path,
                 getenv("RICC_REMOTE_AGENT_IDLE") ? atoi(getenv("RICC_REMOTE_AGENT_IDLE")) : 60,
                 AGENT_MAX_LIFE_S);
    else
        unlink(path);
    _exit(0); /* no atexit handlers, no gRPC teardown: just go */
}

int remote_helper_main(const config *cfg, int argc, char **argv, const remote_module *m)
{
    if (argc == 3 && !strcmp(argv[1], "--fd")) {
        signal(SIGPIPE, SIG_IGN);
        m->serve_fd(cfg, &loader_quiet_host, atoi(argv[2]));
        _exit(0); /* no gRPC teardown: just go */
    }
    if (argc == 3 && !strcmp(argv[1], "--agent"))
        agent_run(cfg, argv[2], m);
    fprintf(stderr, "usage: ricc-remote --fd N | --agent SOCKET (started by ricc)\n");
    return 2;
}

/* Start the agent (detached: a grandchild in its own session), handing it
 * the start lock lfd as descriptor 3 (agent_start).  A static ricc runs
 * ricc-remote for it; otherwise the grandchild becomes it.  0, or -1 when
 * it could not be started. */
static int agent_spawn(const config *cfg, const char *path, int lfd)
{
#ifdef RICC_STATIC
    char helper[PATH_MAX];
    if (loader_find_beside("RICC_REMOTE_HELPER", "ricc-remote", helper, sizeof helper) != 0)
        return -1;
#endif
    fflush(NULL); /* nothing buffered may be written twice */
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        setsid();
        if (fork() == 0) {
            if (lfd == START_LOCK_FD)
                fcntl(lfd, F_SETFD, 0);
            else if (dup2(lfd, START_LOCK_FD) != START_LOCK_FD)
                _exit(127);
#ifdef RICC_STATIC
            execl(helper, "ricc-remote", "--agent", path, (char *)NULL);
            _exit(127);
#else
            agent_run(cfg, path, NULL);
#endif
        }
        _exit(0);
    }
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    LOG_D("started a remote agent at %s", path);
    return 0;
}

/* No agent listens at path: start one, once for all the processes that
 * find none at the same time.  The first to take <path>.start starts it,
 * handing it the lock (the same open file, so the same flock), and calls
 * directly this time; the agent lets go of the lock once it listens (or
 * dies).  The others wait for the lock, then connect: one agent starts,
 * and no one else loads gRPC meanwhile.  The connection, or -1 (call
 * directly). */
int agent_start(const config *cfg, const char *path)
{
    char lock[PATH_MAX];
    if (snprintf(lock, sizeof lock, "%s.start", path) >= (int)sizeof lock)
        return -1;
    int lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lfd < 0)
        return -1;
    int fd = -1;
    if (flock(lfd, LOCK_EX | LOCK_NB) == 0) {
        /* Ours to start, unless one started between our connect and now. */
        if ((fd = agent_connect(path)) < 0)
            agent_spawn(cfg, path, lfd);
    } else if (flock(lfd, LOCK_EX) == 0) { /* (until the agent listens or dies) */
        fd = agent_connect(path);
    }
    close(lfd); /* (the agent's copy holds the lock on) */
    return fd;
}
