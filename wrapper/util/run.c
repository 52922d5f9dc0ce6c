/* SPDX-License-Identifier: Apache-2.0 */
/* run.c — starting children: capture, wait, exec, PATH lookup.
 *
 * The compile on a miss runs with stdout and stderr captured so the exact
 * bytes can be stored and replayed on later hits; ricc writes them to its own
 * stdout and stderr once the child is done, the way ccache does.  Two pipes
 * are drained with poll(), so neither can fill up and block the child.  A
 * compile can instead write into two memory files (memfd) read once it
 * exited: with pipes every line a compiler prints (gcc -H prints one per
 * header) woke this process to drain it, a few hundred context switches
 * per compile.  Not for any program: one that reopens /dev/stdout would get
 * the file itself, where O_TRUNC and a fresh offset overwrite what was
 * written before (a pipe has neither).
 * Children are started with posix_spawn (vfork-based in glibc): no copy of
 * our address space, no code of ours runs in the child.
 *
 * The umask.  With the `umask` setting ricc runs under the cache's umask
 * (fsutil.h); a child is the build's, and gets the user's own.  posix_spawn
 * has no attribute for it, so the user's is put in force around the spawn
 * (ricc starts its children from one thread) and the cache's restored:
 * two system calls, only when the setting is used. */
#include "wrapper/util/run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int child_umask = -1;
static void (*at_exec)(void);

void run_child_umask(int mask)
{
    child_umask = mask;
}

void run_at_exec(void (*fn)(void))
{
    at_exec = fn;
}

/* posix_spawn with the user's umask in force. */
static int spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                 char *const argv[])
{
    mode_t saved = child_umask >= 0 ? umask((mode_t)child_umask) : 0;
    int e = posix_spawn(pid, path, fa, NULL, argv, environ);
    if (child_umask >= 0)
        umask(saved);
    return e;
}

typedef struct buf {
    char *p;
    size_t len, cap;
} buf;

static int buf_read(buf *b, int fd)
{
    if (b->cap - b->len < 4096) {
        size_t cap = b->cap ? b->cap * 2 : 8192;
        char *p = realloc(b->p, cap);
        if (!p)
            return -1;
        b->p = p;
        b->cap = cap;
    }
    ssize_t n = read(fd, b->p + b->len, b->cap - b->len - 1);
    if (n < 0)
        return errno == EINTR || errno == EAGAIN ? 1 : -1;
    b->len += (size_t)n;
    return n > 0;
}

static int status_of(int wstatus)
{
    if (WIFEXITED(wstatus))
        return WEXITSTATUS(wstatus);
    if (WIFSIGNALED(wstatus))
        return 128 + WTERMSIG(wstatus);
    return 1;
}

static int wait_child(pid_t pid)
{
    int ws;
    while (waitpid(pid, &ws, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    return status_of(ws);
}

/* The result's streams from what was read (both NUL-terminated, never
 * NULL).  0, or -1 with everything freed. */
static int finish(run_result *r, buf *out, buf *err, int failed)
{
    if (failed || r->status < 0 || (!out->p && !(out->p = malloc(1))) ||
        (!err->p && !(err->p = malloc(1)))) {
        free(out->p);
        free(err->p);
        memset(r, 0, sizeof *r);
        errno = EIO;
        return -1;
    }
    out->p[out->len] = '\0';
    err->p[err->len] = '\0';
    r->out = out->p, r->out_len = out->len;
    r->err = err->p, r->err_len = err->len;
    return 0;
}

/* All of a memory file the child wrote, from its start.  0 or -1. */
static int slurp(int fd, buf *b)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return -1;
    if (st.st_size == 0)
        return 0;
    b->cap = (size_t)st.st_size + 1;
    if (!(b->p = malloc(b->cap)))
        return -1;
    while (b->len < (size_t)st.st_size) {
        ssize_t n = pread(fd, b->p + b->len, (size_t)st.st_size - b->len, (off_t)b->len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        b->len += (size_t)n;
    }
    return 0;
}

int run_capture_files(const char *path, char *const argv[], run_result *r)
{
    memset(r, 0, sizeof *r);
    int fo = memfd_create("ricc-stdout", MFD_CLOEXEC);
    int fe = fo >= 0 ? memfd_create("ricc-stderr", MFD_CLOEXEC) : -1;
    if (fe < 0) {
        if (fo >= 0)
            close(fo);
        return run_capture(path, argv, r);
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fo, 1);
    posix_spawn_file_actions_adddup2(&fa, fe, 2);
    pid_t pid;
    int e = spawn(&pid, path, &fa, argv);
    posix_spawn_file_actions_destroy(&fa);
    if (e) {
        close(fo), close(fe);
        errno = e;
        return -1;
    }
    r->status = wait_child(pid);
    buf out = {0}, err = {0};
    int failed = slurp(fo, &out) != 0 || slurp(fe, &err) != 0;
    close(fo), close(fe);
    return finish(r, &out, &err, failed);
}

int run_capture(const char *path, char *const argv[], run_result *r)
{
    int po[2], pe[2];
    memset(r, 0, sizeof *r);
    if (pipe2(po, O_CLOEXEC) < 0)
        return -1;
    if (pipe2(pe, O_CLOEXEC) < 0) {
        close(po[0]), close(po[1]);
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, po[1], 1);
    posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
    pid_t pid;
    int e = spawn(&pid, path, &fa, argv);
    posix_spawn_file_actions_destroy(&fa);
    close(po[1]);
    close(pe[1]);
    if (e) {
        close(po[0]), close(pe[0]);
        errno = e;
        return -1;
    }

    buf out = {0}, err = {0};
    struct pollfd fds[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
    int open_fds = 2, failed = 0;
    while (open_fds > 0) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            failed = 1;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            int n = buf_read(i == 0 ? &out : &err, fds[i].fd);
            if (n == 0 || n < 0) {
                if (n < 0)
                    failed = 1;
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            }
        }
    }
    for (int i = 0; i < 2; i++)
        if (fds[i].fd >= 0)
            close(fds[i].fd);
    r->status = wait_child(pid);
    return finish(r, &out, &err, failed);
}

void run_result_free(run_result *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

int run_wait(const char *path, char *const argv[])
{
    pid_t pid;
    int e = spawn(&pid, path, NULL, argv);
    if (e) {
        errno = e;
        return -1;
    }
    return wait_child(pid);
}

int run_exec(const char *path, char *const argv[])
{
    fflush(NULL);
    if (at_exec)
        at_exec();
    if (child_umask >= 0)
        umask((mode_t)child_umask);
    execv(path, argv);
    fprintf(stderr, "ricc: cannot run %s: %s\n", path, strerror(errno));
    return 127;
}

char *run_find_program(const char *name)
{
    if (strchr(name, '/'))
        return strdup(name);
    struct stat self;
    int have_self = stat("/proc/self/exe", &self) == 0;
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    size_t nlen = strlen(name);
    for (const char *p = path;; ) {
        const char *end = strchr(p, ':');
        size_t dlen = end ? (size_t)(end - p) : strlen(p);
        /* An empty PATH element means the current directory. */
        char *cand = malloc(dlen + nlen + 3);
        if (!cand)
            return NULL;
        if (dlen == 0)
            memcpy(cand, ".", 1), dlen = 1;
        else
            memcpy(cand, p, dlen);
        cand[dlen] = '/';
        memcpy(cand + dlen + 1, name, nlen + 1);
        struct stat st;
        if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0 &&
            !(have_self && st.st_dev == self.st_dev && st.st_ino == self.st_ino))
            return cand;
        free(cand);
        if (!end)
            return NULL;
        p = end + 1;
    }
}

int run_write_out(int fd, const char *b, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, b, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        b += n;
        len -= (size_t)n;
    }
    return 0;
}
