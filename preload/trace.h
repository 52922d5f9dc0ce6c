/* SPDX-License-Identifier: Apache-2.0 */
/* trace.h — what the parts of libricc-trace.so share: trace.c (the record
 * file, files), trace_meta.c (metadata: stat, access, readlink) and
 * trace_exec.c (programs, and the calls that make a tool uncacheable).
 * The record format is described in trace.c.  Internal to the library:
 * everything here is hidden (-fvisibility=hidden); only the interposers,
 * marked EXPORT, are seen by the programs it is loaded into. */
#ifndef RICC_TRACE_H
#define RICC_TRACE_H

#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <sys/types.h>

#define EXPORT __attribute__((visibility("default")))

/* Set at load when RICC_TRACE_READS=1 and this process is a compiler
 * proper (gcc's cc1, cc1plus, cc1obj, cc1objplus by program name; clang
 * run as `clang -cc1` or `-cc1as`): then only H (a process started) and R
 * (a file read) are recorded, which is all depend mode takes from such a
 * process (opentrace.c); every other record, and the checks that only
 * serve them, cost a compiler hundreds of system calls for its failed
 * include probes.  Every other process of the compile (the driver, as,
 * collect2, ld, lto-wrapper) records everything, as in a full trace: the
 * programs it runs and the files it reads or probes are the compile's
 * inputs too, and they are few. */
extern int g_reads_only;

/* open(2), fstat(2), readlink(2) themselves, for the library's own use:
 * never recorded (the library interposes the C library's names). */
int raw_open(const char *path, int flags);
struct stat;
int raw_fstat(int fd, struct stat *st);
ssize_t raw_readlink(const char *path, char *buf, size_t cap);

/* Append one record "TYPE PID[ EXTRA] TEXT\n" in one write(2). */
void emit_line(char type, long extra, int has_extra, const char *text);
/* The same without EXTRA; errno kept. */
void emit(char type, const char *text);
/* A record for (dirfd, path) made absolute; errno kept; nothing for an
 * empty path. */
void emit_at(char type, int dirfd, const char *path);
/* The same with a number after the pid ("TYPE PID EXTRA PATH") when
 * extra >= 0. */
void emit_at_extra(char type, long extra, int dirfd, const char *path);
/* After a probe of (dirfd, path) that returned r: S (there) or N (absent,
 * errno ENOENT or ENOTDIR); errno kept (trace_meta.c). */
void note_probe(int dirfd, const char *path, int r);

/* What a Q record says the tool asked about a file (its EXTRA; the record
 * format in trace.c; the same numbers as wrapper/trace/exec_trace.h's XM_*). */
enum {
    WHAT_MODE = 1,      /* type and permission bits */
    WHAT_OWNER = 2,     /* user and group */
    WHAT_NLINK = 4,     /* link count */
    WHAT_SIZE = 8,
    WHAT_MTIME = 16,
    WHAT_TIMES = 32,    /* access, change or birth time, asked for by name */
    WHAT_NOFOLLOW = 64, /* of a final symlink itself (lstat) */
    WHAT_STAT = WHAT_MODE | WHAT_OWNER | WHAT_NLINK | WHAT_SIZE | WHAT_MTIME,
};

/* The kernel's view of (dirfd, path) as an absolute name in out[cap], or
 * NULL. */
const char *abs_path(int dirfd, const char *path, char *out, size_t cap);

/* M records for every object loaded in this process (trace_exec.c). */
void note_objects(void);
/* Is this process's program written in Go (trace_exec.c)? */
int go_program(void);

/* The next definition of a function, looked up once (errno kept). */
static inline void *next(void **slot, const char *name)
{
    void *f = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (!f) {
        int saved = errno;
        f = dlsym(RTLD_NEXT, name);
        __atomic_store_n(slot, f, __ATOMIC_RELEASE);
        errno = saved;
    }
    return f;
}

/* The C library declares some arguments non-null; Linux accepts null
 * ones, so the checks stay (hidden from the compiler's promise). */
static inline void *opaque(const void *p)
{
    void *q = (void *)p;
    __asm__("" : "+r"(q));
    return q;
}

#define REAL(type, name) \
    static void *slot_##name; \
    type *real_##name = (type *)next(&slot_##name, #name)

#define NOSYS(ret) do { errno = ENOSYS; return ret; } while (0)

#endif
