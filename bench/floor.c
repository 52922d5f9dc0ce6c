/* SPDX-License-Identifier: Apache-2.0 */
/* floor.c — the "floor" column of bench/projects.sh: a compiler launcher
 * that compiles nothing.
 *
 *   BENCH_FLOOR_STORE=DIR floor COMPILER ARGS...
 *
 * Put where a cache goes (CMAKE_C_COMPILER_LAUNCHER=floor, make
 * CC="floor gcc"), it answers every compile (-c) by copying the object a
 * plain build of the same tree at the same path wrote, kept by the script at
 * DIR followed by the object's absolute path (DIR/tmp/x/build/a.o for
 * /tmp/x/build/a.o).  A compile that asks for a dependency file (-MF FILE,
 * or -MD/-MMD alone: the object's name with its suffix replaced by .d) gets
 * that too, from the same place, because Ninja reads it to learn which
 * headers an object depends on: without it a header edit would rebuild
 * nothing.  Anything else (a link through CC, as lua's makefile does) is
 * exec'd unchanged.
 *
 * So a build with it runs make or ninja, ar, ranlib and the link for real,
 * starts one process per compile, and writes every object: what any cache
 * pays however fast its hits are.  A tool's time above this build's is
 * what the tool itself costs.  It is linked statically (by the script) for
 * the same reason ricc is: a dynamically linked no-op pays for loading libc,
 * which would put the floor above what a static program can reach.
 *
 * Nothing is guessed: a compile without -o, or an object or dependency file
 * the store does not have, fails the call with a message, so a wrong floor
 * stops the benchmark instead of skewing it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *store;
static char cwd[PATH_MAX];

/* STORE + absolute form of path, into out (PATH_MAX bytes). */
static int store_path(const char *path, char *out)
{
    int n = path[0] == '/' ? snprintf(out, PATH_MAX, "%s%s", store, path)
                           : snprintf(out, PATH_MAX, "%s%s/%s", store, cwd, path);
    if (n < 0 || n >= PATH_MAX) {
        fprintf(stderr, "floor: path too long: %s\n", path);
        return -1;
    }
    return 0;
}

/* Copy in to out, in the kernel where it can (copy_file_range: no trip
 * through a buffer here, the cheapest copy a cache can make on a file
 * system without reflinks), else by read and write. */
static int copy_data(int in, int out)
{
    int copied = 0;
    for (;;) {
        ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)1 << 30, 0);
        if (n > 0) {
            copied = 1;
            continue;
        }
        if (n == 0)
            return 0;
        if (errno == EINTR)
            continue;
        if (copied || (errno != ENOSYS && errno != EXDEV && errno != EINVAL &&
                       errno != EOPNOTSUPP && errno != EPERM))
            return -1;
        break; /* not here: fall back, nothing written yet */
    }
    char buf[1 << 16];
    for (;;) {
        ssize_t got = read(in, buf, sizeof buf);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return got == 0 ? 0 : -1;
        for (ssize_t off = 0; off < got;) {
            ssize_t w = write(out, buf + off, (size_t)(got - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                return -1;
            off += w;
        }
    }
}

/* Copy the stored file for path onto path through a temporary and a
 * rename, as a cache must to replace an output atomically (ccache and ricc
 * both do): the floor is what any cache pays, so it pays that too. */
static int restore(const char *path)
{
    char from[PATH_MAX], tmp[PATH_MAX];
    if (store_path(path, from) != 0)
        return -1;
    int n = snprintf(tmp, sizeof tmp, "%s.floor%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof tmp) {
        fprintf(stderr, "floor: path too long: %s\n", path);
        return -1;
    }
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        fprintf(stderr, "floor: no prebuilt %s (%s): %s\n", path, from, strerror(errno));
        return -1;
    }
    int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) {
        fprintf(stderr, "floor: cannot create %s: %s\n", tmp, strerror(errno));
        close(in);
        return -1;
    }
    int rc = 0;
    if (copy_data(in, out) != 0) {
        fprintf(stderr, "floor: copying %s to %s: %s\n", from, tmp, strerror(errno));
        rc = -1;
    }
    close(in);
    if (close(out) != 0 && rc == 0) {
        fprintf(stderr, "floor: writing %s: %s\n", tmp, strerror(errno));
        rc = -1;
    }
    if (rc == 0 && rename(tmp, path) != 0) {
        fprintf(stderr, "floor: cannot rename %s to %s: %s\n", tmp, path, strerror(errno));
        rc = -1;
    }
    if (rc != 0)
        unlink(tmp);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: BENCH_FLOOR_STORE=DIR floor COMPILER ARGS...\n");
        return 2;
    }
    int compile = 0, md = 0;
    const char *obj = NULL, *dep = NULL;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-c"))
            compile = 1;
        else if (!strcmp(a, "-o") && i + 1 < argc)
            obj = argv[++i];
        else if (!strncmp(a, "-o", 2))
            obj = a + 2;
        else if (!strcmp(a, "-MF") && i + 1 < argc)
            dep = argv[++i];
        else if (!strncmp(a, "-MF", 3))
            dep = a + 3;
        else if (!strcmp(a, "-MD") || !strcmp(a, "-MMD"))
            md = 1;
        else if ((!strcmp(a, "-MT") || !strcmp(a, "-MQ")) && i + 1 < argc)
            i++; /* a target name, not a file */
    }
    if (!compile) {
        execvp(argv[1], argv + 1);
        fprintf(stderr, "floor: cannot run %s: %s\n", argv[1], strerror(errno));
        return 127;
    }
    store = getenv("BENCH_FLOOR_STORE");
    if (!store || !*store) {
        fprintf(stderr, "floor: BENCH_FLOOR_STORE is not set\n");
        return 2;
    }
    if (!obj) {
        fprintf(stderr, "floor: a compile without -o; the store is keyed by it\n");
        return 2;
    }
    if (!getcwd(cwd, sizeof cwd)) {
        fprintf(stderr, "floor: getcwd: %s\n", strerror(errno));
        return 1;
    }
    char md_name[PATH_MAX];
    if (md && !dep) {
        /* gcc's rule: the -o name with its suffix replaced by .d. */
        const char *slash = strrchr(obj, '/'), *dot = strrchr(obj, '.');
        size_t stem = dot && (!slash || dot > slash) ? (size_t)(dot - obj) : strlen(obj);
        int n = snprintf(md_name, sizeof md_name, "%.*s.d", (int)stem, obj);
        if (n < 0 || (size_t)n >= sizeof md_name) {
            fprintf(stderr, "floor: path too long: %s\n", obj);
            return 1;
        }
        dep = md_name;
    }
    if (restore(obj) != 0 || (dep && restore(dep) != 0))
        return 1;
    return 0;
}
