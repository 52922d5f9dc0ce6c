/* SPDX-License-Identifier: Apache-2.0 */
/* spawn-time.c — time one command, each call on its own, started the way a
 * build tool starts a compiler.
 *
 *   spawn-time [-w DIR] REPS command [args...]
 *
 * Runs the command once untimed (it fills the cache, or the page cache for
 * a plain compiler), then REPS times, and prints each call's wall time in
 * milliseconds, one per line.  The command's stdout and stderr go to
 * /dev/null.  Exits 1 if any call fails.
 *
 * -w DIR removes DIR and everything under it before every call, untimed:
 * each call then starts with an empty cache directory, as every compile
 * would in a sandbox that was just made (the remote column of run.sh).
 *
 * Why not a shell loop: bash starts each command by fork()ing itself, and
 * copying a large shell costs this machine several milliseconds per call, the
 * same for every tool; it pulls the ratio of two latencies towards 1 and
 * measures the shell.  ninja and GNU make 4.4 start commands with
 * posix_spawn() (make 4.3 with vfork()), which glibc does with a vfork-style
 * clone, so that is what a build pays and what is timed here. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if ((flag == FTW_DP ? rmdir(path) : unlink(path)) != 0) {
        fprintf(stderr, "spawn-time: cannot remove %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Empty the cache directory of -w (a missing one is already empty). */
static int wipe(const char *dir)
{
    if (!dir || access(dir, F_OK) != 0)
        return 0;
    return nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

/* Run argv once with output discarded; 0 when it exited 0. */
static int run_once(posix_spawn_file_actions_t *fa, char **argv)
{
    pid_t pid;
    int err = posix_spawnp(&pid, argv[0], fa, NULL, argv, environ);
    if (err != 0) {
        fprintf(stderr, "spawn-time: %s: %s\n", argv[0], strerror(err));
        return -1;
    }
    int status;
    if (waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    const char *wipe_dir = NULL;
    if (argc > 2 && strcmp(argv[1], "-w") == 0) {
        wipe_dir = argv[2];
        argc -= 2;
        argv += 2;
    }
    long reps = argc > 2 ? strtol(argv[1], NULL, 10) : 0;
    if (reps <= 0) {
        fprintf(stderr, "usage: spawn-time [-w DIR] REPS command [args...]\n");
        return 2;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);

    if (wipe(wipe_dir) != 0 || run_once(&fa, argv + 2) != 0) {
        fprintf(stderr, "spawn-time: the untimed first call failed\n");
        return 1;
    }
    int failed = 0;
    for (long i = 0; i < reps; i++) {
        if (wipe(wipe_dir) != 0)
            return 1;
        double t0 = now_ms();
        failed |= run_once(&fa, argv + 2) != 0;
        printf("%.4f\n", now_ms() - t0);
    }
    posix_spawn_file_actions_destroy(&fa);
    if (failed)
        fprintf(stderr, "spawn-time: a timed call failed\n");
    return failed;
}
