/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz.h — what the libFuzzer targets (tests/fuzz/fuzz_*.c) share.
 *
 * A parser that reads a file rather than bytes gets the input through one
 * fixed file in a scratch directory private to the process
 * ($TMPDIR/ricc-fuzz-NAME-PID, removed at exit): no file per input, so a
 * run stays at thousands of inputs a second.  Buffers handed to a parser
 * that takes (pointer, length) are copied to exactly that length, without
 * a NUL after them, so AddressSanitizer sees a read past the end.
 *
 * The fixed blobs below are what the targets that need a blob "the server
 * or the cache already has" use; mkseeds.c builds seed inputs naming them
 * by digest, which a fuzzer could not find by itself (it cannot invert
 * SHA-256). */
#ifndef RICC_FUZZ_H
#define RICC_FUZZ_H

#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FUZZ_BLOB_A "int x;\n"
#define FUZZ_BLOB_B "warning: something\n"
/* stored with relocate.h's base marker, \x01 */
#define FUZZ_BLOB_REL "out.o: \x01/a.c \x01/a.h\n"

/* The RICC_DIR fuzz_agent's seeded requests name for the agent to spill
 * large blobs into: one fixed path (the seeds cannot know the scratch
 * directory's), allowed besides the scratch directory (fake_rpc.h). */
#define FUZZ_AGENT_RICC_DIR "/tmp/ricc-fuzz-agent-spill"

static char fuzz_scratch[4096];

static inline int fuzz_rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(p);
    return 0;
}

static inline void fuzz_rm_scratch(void)
{
    if (fuzz_scratch[0])
        nftw(fuzz_scratch, fuzz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The process's scratch directory (made on first use). */
static inline const char *fuzz_dir(const char *name)
{
    if (!fuzz_scratch[0]) {
        const char *t = getenv("TMPDIR");
        snprintf(fuzz_scratch, sizeof fuzz_scratch, "%s/ricc-fuzz-%s-%d", t && *t ? t : "/tmp",
                 name, (int)getpid());
        if (mkdir(fuzz_scratch, 0700) != 0) {
            perror(fuzz_scratch);
            abort();
        }
        atexit(fuzz_rm_scratch);
    }
    return fuzz_scratch;
}

/* dir/name into buf (4096 bytes). */
static inline char *fuzz_path(char *buf, const char *dir, const char *name)
{
    snprintf(buf, 4096, "%s/%s", dir, name);
    return buf;
}

static inline void fuzz_write(const char *path, const void *p, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || (n && write(fd, p, n) != (ssize_t)n)) {
        perror(path);
        abort();
    }
    close(fd);
}

/* A copy of exactly n bytes (never NULL: malloc(1) for 0). */
static inline char *fuzz_copy(const uint8_t *p, size_t n)
{
    char *b = malloc(n ? n : 1);
    if (!b)
        abort();
    if (n)
        memcpy(b, p, n);
    return b;
}

/* A NUL-terminated copy, for parsers of C strings. */
static inline char *fuzz_cstr(const uint8_t *p, size_t n)
{
    char *b = malloc(n + 1);
    if (!b)
        abort();
    if (n)
        memcpy(b, p, n);
    b[n] = '\0';
    return b;
}

/* Add libFuzzer flags a target always wants (say -close_fd_mask=3 for one
 * whose code under test writes to stdout/stderr) to argv, from
 * LLVMFuzzerInitialize. */
static inline void fuzz_add_flag(int *argc, char ***argv, const char *flag)
{
    char **v = calloc((size_t)*argc + 2, sizeof *v);
    if (!v)
        abort();
    memcpy(v, *argv, sizeof *v * (size_t)*argc);
    v[*argc] = (char *)flag;
    (*argc)++;
    *argv = v; /* (kept for the process's life, as libFuzzer keeps argv) */
}

#endif
