/* SPDX-License-Identifier: Apache-2.0 */
/* run.h — running the real compiler (and the few helper commands ricc needs).
 *
 * Modelled on git's run-command: one function per way of running a child,
 * no shell, argv passed through untouched. */
#ifndef RICC_RUN_H
#define RICC_RUN_H

#include <stddef.h>

typedef struct run_result {
    int status;        /* exit code, or 128 + signal number */
    char *out;         /* captured stdout (malloc'd, NUL-terminated) */
    size_t out_len;
    char *err;         /* captured stderr */
    size_t err_len;
} run_result;

/* Run path with argv, capturing stdout and stderr in memory (both pipes are
 * drained together with poll, so a chatty child cannot deadlock).  stdin is
 * inherited.  Returns 0 when the child ran (whatever its status), -1 if it
 * could not be started (errno set). */
int run_capture(const char *path, char *const argv[], run_result *r);
void run_result_free(run_result *r);

/* The same for a compile: its streams go to memory files read once it
 * exited (pipes where those cannot be made), so a compiler printing many
 * lines does not wake ricc for each.  Only for a program that writes its
 * streams through the descriptors it inherits: one that reopens /dev/stdout
 * gets the memory file, where O_TRUNC or its own offset would overwrite what
 * was written before.  What a background grandchild writes after the child
 * exited is not captured. */
int run_capture_files(const char *path, char *const argv[], run_result *r);

/* Run path with argv on our own stdio and wait.  Returns the status as above,
 * or -1 if it could not be started. */
int run_wait(const char *path, char *const argv[]);

/* Replace this process with path (execv), stdio flushed first.  Returns
 * only when that fails: 127, after saying why on stderr (as a shell does). */
int run_exec(const char *path, char *const argv[]);

/* The umask children are started with (run_capture*, run_wait, run_exec):
 * the user's own when ricc runs under the cache's (fsutil.h); -1, the
 * default: whatever is in force. */
void run_child_umask(int mask);

/* A function run_exec calls just before it replaces this process (whatever
 * atexit() would have done that must not be skipped: this process's
 * private scratch directory, cachedir.h).  NULL: none. */
void run_at_exec(void (*fn)(void));

/* Find an executable named `name` on PATH, skipping any that is this very
 * program (same device and inode as /proc/self/exe), so a masquerade link or
 * a ricc installed under the compiler's name never finds itself.  A name
 * containing '/' is returned as is.  malloc'd, or NULL if not found. */
char *run_find_program(const char *name);

/* Write all of buf to fd (stdout/stderr replay). */
int run_write_out(int fd, const char *buf, size_t len);

#endif
