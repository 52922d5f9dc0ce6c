/* SPDX-License-Identifier: Apache-2.0 */
/* trace.c — libricc-trace.so: record what a tool reads and writes, for
 * `ricc exec -- TOOL ARGS...` (wrapper/flows/exec_tool.c).
 *
 * ricc runs the tool once with this library in LD_PRELOAD and
 * RICC_TRACE_FILE naming a file; every dynamically linked process of the
 * tool (children inherit both variables) appends one line per event:
 *
 *     TYPE PID PATH\n
 *
 *   H  a process started: PATH is its executable (/proc/self/exe); PID is
 *      followed by the parent's pid ("H PID PPID PATH")
 *   M  a shared object loaded in it (ld.so, libc, ...) — read by the
 *      dynamic loader, which this library cannot see, so listed from
 *      dl_iterate_phdr at start, before an exec and at exit
 *   R  opened for reading
 *   E  executed: the program's file by the name it was run by (or a
 *      script's interpreter), written by the process about to exec it
 *   N  opened, probed or executed and did not exist (ENOENT, ENOTDIR)
 *   S  probed and exists (access F_OK; a stat that failed other than
 *      for absence; the library's own look at a program it is to run)
 *   Q  its metadata asked for by a stat-family call ("Q PID WHAT PATH":
 *      WHAT the fields asked, trace.h's WHAT_*; an fstat() of an open
 *      file is "Q PID 1 PATH", its mode only — trace_meta.c says why)
 *   X  access()ed for permissions ("X PID MODE PATH", MODE of R_OK, W_OK,
 *      X_OK) and exists
 *   L  its symlink target read (readlink); P  its name resolved (realpath)
 *   C  opened for writing and created (did not exist before)
 *   T  opened for writing with truncation, existed before
 *   W  opened for writing without truncation, existed before (its old
 *      content may matter: appending, read-write)
 *   D  removed (unlink, rmdir, the old name of a rename)
 *   K  a directory made (mkdir)
 *   U  the tool did something that makes it uncacheable; PATH is the
 *      reason ("reads the clock", "lists a directory /x", ...)
 *
 * With RICC_TRACE_READS=1 as well (depend mode, wrapper/deps/depend.c), a
 * process that is a compiler proper (cc1, cc1plus, cc1obj, cc1objplus;
 * `clang -cc1`: decided once at load from /proc/self/exe and
 * /proc/self/cmdline) writes only H and R records, to stay cheap (its
 * include search fails hundreds of probes, which the manifest's proof
 * answers for); every other process (the driver, as, clang's integrated
 * assembler `clang -cc1as`, collect2, ld, lto-wrapper) writes all of them:
 * an assembler's failed probes for .include are what must stay absent.  A reader wanting only a compiler proper's reads
 * (opentrace.c) picks its processes by their H records.
 *
 * PATH is absolute: relative names are joined to the working directory (or
 * the directory of an *at() call's descriptor) as the kernel would see them,
 * without resolving symlinks or "..".  wrapper/trace/exec_trace.c turns the lines
 * into inputs, outputs and reasons to refuse.
 *
 * This file has the record file and the interposers for files (open,
 * fopen, unlink, rename, mkdir, link...); trace_meta.c the calls that ask
 * about a file without reading it (stat, access, readlink, realpath);
 * trace_exec.c programs (the exec family, loaded objects, static and Go
 * programs) and the calls that make a tool uncacheable; trace.h what they
 * share.
 *
 * What makes a tool uncacheable here: the clock (time, gettimeofday,
 * ftime, timespec_get, clock_gettime on a wall clock — the monotonic and
 * CPU clocks only measure durations and are let through), randomness
 * (getrandom, getentropy), the network (socket, connect), directory
 * listings (opendir, fdopendir, scandir, glob, ftw, nftw, getdents64),
 * links (link, symlink), running a program that cannot be traced (a
 * statically linked one, a setuid one, one whose environment lost
 * LD_PRELOAD or RICC_TRACE_FILE).
 *
 * Rules, as for the exec shim (shim.c): the interposers may run between
 * vfork and exec, so no malloc and no stdio — records are built on the
 * stack and written with one write(2) each, on a descriptor opened with
 * O_APPEND, so records of concurrent processes never interleave; errno is
 * that of the real call on return; the real functions are found with
 * dlsym(RTLD_NEXT).  The trace descriptor is checked (fstat: same file)
 * before each write and reopened if the tool closed it, so a record never
 * lands in one of the tool's own files.
 *
 * Not seen (documented limits): files the C library opens for itself
 * (locale archive, nsswitch, /etc/passwd lookups), reads of stdin (ricc
 * decides from what stdin is), programs started by system()/popen() are
 * traced through their own start-up but not checked for static linking. */
#undef _FORTIFY_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "preload/trace.h"

extern char **environ;

/* ---- the record file ---- */

static char g_path[PATH_MAX];     /* RICC_TRACE_FILE, copied at load */
int g_reads_only;
static int g_fd = -1;
static dev_t g_dev;
static ino_t g_ino;

int raw_open(const char *path, int flags)
{
    return (int)syscall(SYS_openat, AT_FDCWD, path, flags, 0);
}

int raw_fstat(int fd, struct stat *st)
{
    return (int)syscall(SYS_fstat, fd, st);
}

ssize_t raw_readlink(const char *path, char *buf, size_t cap)
{
    return (ssize_t)syscall(SYS_readlinkat, AT_FDCWD, path, buf, cap);
}

/* The trace descriptor, reopened when the tool closed it or reused its
 * number for a file of its own.  -1 when there is no trace file. */
static int trace_fd(void)
{
    struct stat st;
    int fd = g_fd;
    if (fd >= 0 && raw_fstat(fd, &st) == 0 && st.st_dev == g_dev && st.st_ino == g_ino)
        return fd;
    if (!g_path[0])
        return -1;
    fd = raw_open(g_path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0)
        return -1;
    /* Out of the way of the small numbers tools use and close. */
    int high = fcntl(fd, F_DUPFD_CLOEXEC, 600);
    if (high >= 0) {
        close(fd);
        fd = high;
    }
    if (raw_fstat(fd, &st) != 0) {
        close(fd);
        return -1;
    }
    g_dev = st.st_dev;
    g_ino = st.st_ino;
    g_fd = fd;
    return fd;
}

/* Decimal into p; returns the end. */
static char *put_num(char *p, long v)
{
    char tmp[24];
    int n = 0;
    if (v < 0) {
        *p++ = '-';
        v = -v;
    }
    do
        tmp[n++] = (char)('0' + v % 10);
    while ((v /= 10) > 0);
    while (n > 0)
        *p++ = tmp[--n];
    return p;
}

void emit_line(char type, long extra, int has_extra, const char *text)
{
    if (g_reads_only && type != 'H' && type != 'R')
        return;
    char line[PATH_MAX * 2 + 64], *p = line;
    size_t n = strlen(text);
    if (n > PATH_MAX * 2 || memchr(text, '\n', n)) {
        text = "a path too long or with a newline";
        type = 'U';
        n = strlen(text);
    }
    *p++ = type;
    *p++ = ' ';
    p = put_num(p, (long)getpid());
    *p++ = ' ';
    if (has_extra) {
        p = put_num(p, extra);
        *p++ = ' ';
    }
    memcpy(p, text, n);
    p += n;
    *p++ = '\n';
    int fd = trace_fd();
    if (fd >= 0) {
        ssize_t w;
        do
            w = write(fd, line, (size_t)(p - line));
        while (w < 0 && errno == EINTR);
    }
}

/* Every record keeps the caller's errno. */
void emit(char type, const char *text)
{
    int saved = errno;
    emit_line(type, 0, 0, text);
    errno = saved;
}

/* The kernel's view of (dirfd, path) as an absolute name, in out[cap].
 * NULL when it cannot be said (then the caller records a refusal). */
const char *abs_path(int dirfd, const char *path, char *out, size_t cap)
{
    if (!path)
        return NULL;
    size_t n = strlen(path);
    if (path[0] == '/') {
        if (n >= cap)
            return NULL;
        memcpy(out, path, n + 1);
        return out;
    }
    size_t b;
    if (dirfd == AT_FDCWD) {
        if (!getcwd(out, cap))
            return NULL;
        b = strlen(out);
    } else {
        char link[64] = "/proc/self/fd/", *q = put_num(link + 14, dirfd);
        *q = '\0';
        ssize_t r = raw_readlink(link, out, cap - 1);
        if (r <= 0 || out[0] != '/')
            return NULL;
        b = (size_t)r;
    }
    if (b + 1 + n + 1 > cap)
        return NULL;
    if (b > 1)
        out[b++] = '/';
    else
        b = 1;
    memcpy(out + b, path, n + 1);
    return out;
}

void emit_at_extra(char type, long extra, int dirfd, const char *path)
{
    if (g_reads_only && type != 'R')
        return; /* before abs_path's getcwd() */
    char buf[PATH_MAX];
    int saved = errno;
    if (!path || !path[0]) {
        errno = saved;
        return;
    }
    const char *a = abs_path(dirfd, path, buf, sizeof buf);
    if (a)
        emit_line(type, extra, extra >= 0, a);
    else
        emit_line('U', 0, 0, "a path that cannot be made absolute");
    errno = saved;
}

void emit_at(char type, int dirfd, const char *path)
{
    emit_at_extra(type, -1, dirfd, path);
}

/* ---- reads, writes ---- */

static int writes(int flags)
{
    return (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC));
}

/* Before an open for writing: did the file exist? */
static int existed(int dirfd, const char *path)
{
    /* The system call itself: our fstatat would record a probe. */
    struct stat st;
    int saved = errno;
    int r = path && syscall(SYS_newfstatat, dirfd, path, &st, 0) == 0;
    errno = saved;
    return r;
}

/* After an open of (dirfd, path) with flags returned fd. */
static void note_open(int dirfd, const char *path, int flags, int fd, int was)
{
    if (!path)
        return;
    if (writes(flags)) {
        if (fd >= 0)
            emit_at(!was ? 'C' : (flags & O_TRUNC) ? 'T' : 'W', dirfd, path);
        else if (errno == ENOENT || errno == ENOTDIR)
            emit_at('N', dirfd, path);
        return;
    }
    if (fd >= 0 || (errno != ENOENT && errno != ENOTDIR))
        emit_at('R', dirfd, path);
    else
        emit_at('N', dirfd, path);
}

static void note_success(char type, int dirfd, const char *path, int r)
{
    if (r == 0)
        emit_at(type, dirfd, path);
}

/* mode is read only when the flags say it is there. */
#define OPEN_MODE(flags, mode)                                   \
    do {                                                         \
        if ((flags) & (O_CREAT | __O_TMPFILE)) {                 \
            va_list ap_;                                         \
            va_start(ap_, flags);                                \
            mode = (mode_t)va_arg(ap_, int);                     \
            va_end(ap_);                                         \
        }                                                        \
    } while (0)

typedef int openat_fn(int, const char *, int, ...);

static int do_openat(openat_fn *f, int dirfd, const char *path, int flags, mode_t mode)
{
    if (!f)
        NOSYS(-1);
    int was = writes(flags) && !g_reads_only ? existed(dirfd, path) : 0;
    int fd = f(dirfd, path, flags, mode);
    note_open(dirfd, path, flags, fd, was);
    return fd;
}

EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
    mode_t mode = 0;
    OPEN_MODE(flags, mode);
    REAL(openat_fn, openat);
    return do_openat(real_openat, dirfd, path, flags, mode);
}

EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
    mode_t mode = 0;
    OPEN_MODE(flags, mode);
    REAL(openat_fn, openat64);
    return do_openat(real_openat64, dirfd, path, flags, mode);
}

EXPORT int open(const char *path, int flags, ...)
{
    mode_t mode = 0;
    OPEN_MODE(flags, mode);
    REAL(openat_fn, openat);
    return do_openat(real_openat, AT_FDCWD, path, flags, mode);
}

EXPORT int open64(const char *path, int flags, ...)
{
    mode_t mode = 0;
    OPEN_MODE(flags, mode);
    REAL(openat_fn, openat64);
    return do_openat(real_openat64, AT_FDCWD, path, flags, mode);
}

/* _FORTIFY_SOURCE builds call these when the flags are not constant.
 * (glibc's names are reserved identifiers: interposing means defining them.) */
/* NOLINTBEGIN(bugprone-reserved-identifier) */
EXPORT int __open_2(const char *path, int flags)
{
    REAL(openat_fn, openat);
    return do_openat(real_openat, AT_FDCWD, path, flags, 0);
}

EXPORT int __open64_2(const char *path, int flags)
{
    REAL(openat_fn, openat64);
    return do_openat(real_openat64, AT_FDCWD, path, flags, 0);
}

EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
    REAL(openat_fn, openat);
    return do_openat(real_openat, dirfd, path, flags, 0);
}

EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
    REAL(openat_fn, openat64);
    return do_openat(real_openat64, dirfd, path, flags, 0);
}
/* NOLINTEND(bugprone-reserved-identifier) */

EXPORT int creat(const char *path, mode_t mode)
{
    REAL(openat_fn, openat);
    return do_openat(real_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC, mode);
}

EXPORT int creat64(const char *path, mode_t mode)
{
    REAL(openat_fn, openat64);
    return do_openat(real_openat64, AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC, mode);
}

/* fopen's mode as open flags. */
static int fmode_flags(const char *m)
{
    if (!m)
        return O_RDONLY;
    int plus = strchr(m, '+') != NULL, x = strchr(m, 'x') != NULL;
    switch (m[0]) {
    case 'w': return (plus ? O_RDWR : O_WRONLY) | O_CREAT | O_TRUNC | (x ? O_EXCL : 0);
    case 'a': return (plus ? O_RDWR : O_WRONLY) | O_CREAT | O_APPEND | (x ? O_EXCL : 0);
    default: return plus ? O_RDWR : O_RDONLY;
    }
}

typedef FILE *fopen_fn(const char *, const char *);
typedef FILE *freopen_fn(const char *, const char *, FILE *);

static FILE *do_fopen(fopen_fn *f, const char *path, const char *mode)
{
    if (!f)
        NOSYS(NULL);
    int flags = fmode_flags(mode);
    int was = writes(flags) && !g_reads_only ? existed(AT_FDCWD, path) : 0;
    FILE *fp = f(path, mode);
    note_open(AT_FDCWD, path, flags, fp ? 0 : -1, was);
    return fp;
}

EXPORT FILE *fopen(const char *path, const char *mode)
{
    REAL(fopen_fn, fopen);
    return do_fopen(real_fopen, path, mode);
}

EXPORT FILE *fopen64(const char *path, const char *mode)
{
    REAL(fopen_fn, fopen64);
    return do_fopen(real_fopen64, path, mode);
}

static FILE *do_freopen(freopen_fn *f, const char *path, const char *mode, FILE *s)
{
    if (!f)
        NOSYS(NULL);
    int flags = fmode_flags(mode);
    int was = path && writes(flags) && !g_reads_only ? existed(AT_FDCWD, path) : 0;
    FILE *fp = f(path, mode, s);
    if (path)
        note_open(AT_FDCWD, path, flags, fp ? 0 : -1, was);
    return fp;
}

EXPORT FILE *freopen(const char *path, const char *mode, FILE *s)
{
    REAL(freopen_fn, freopen);
    return do_freopen(real_freopen, path, mode, s);
}

EXPORT FILE *freopen64(const char *path, const char *mode, FILE *s)
{
    REAL(freopen_fn, freopen64);
    return do_freopen(real_freopen64, path, mode, s);
}

/* Temporary files made by name in the tree (sed -i, then rename). */
typedef int mkostemps_fn(char *, int, int);

EXPORT int mkstemp(char *t)
{
    REAL(mkostemps_fn, mkostemps);
    if (!real_mkostemps)
        NOSYS(-1);
    int fd = real_mkostemps(t, 0, 0);
    if (fd >= 0)
        emit_at('C', AT_FDCWD, t);
    return fd;
}

EXPORT int mkostemp(char *t, int flags)
{
    REAL(mkostemps_fn, mkostemps);
    if (!real_mkostemps)
        NOSYS(-1);
    int fd = real_mkostemps(t, 0, flags);
    if (fd >= 0)
        emit_at('C', AT_FDCWD, t);
    return fd;
}

EXPORT int mkostemps(char *t, int suffixlen, int flags)
{
    REAL(mkostemps_fn, mkostemps);
    if (!real_mkostemps)
        NOSYS(-1);
    int fd = real_mkostemps(t, suffixlen, flags);
    if (fd >= 0)
        emit_at('C', AT_FDCWD, t);
    return fd;
}

EXPORT int mkstemps(char *t, int suffixlen)
{
    return mkostemps(t, suffixlen, 0);
}

/* ---- changes to the tree ---- */

typedef int path_fn(const char *);
typedef int path2_fn(const char *, const char *);
typedef int at_fn(int, const char *, int);
typedef int renameat_fn(int, const char *, int, const char *);
typedef int renameat2_fn(int, const char *, int, const char *, unsigned);
typedef int mkdir_fn(const char *, mode_t);
typedef int mkdirat_fn(int, const char *, mode_t);

EXPORT int unlink(const char *path)
{
    REAL(path_fn, unlink);
    if (!real_unlink)
        NOSYS(-1);
    int r = real_unlink(path);
    note_success('D', AT_FDCWD, path, r);
    return r;
}

EXPORT int rmdir(const char *path)
{
    REAL(path_fn, rmdir);
    if (!real_rmdir)
        NOSYS(-1);
    int r = real_rmdir(path);
    note_success('D', AT_FDCWD, path, r);
    return r;
}

EXPORT int remove(const char *path)
{
    REAL(path_fn, remove);
    if (!real_remove)
        NOSYS(-1);
    int r = real_remove(path);
    note_success('D', AT_FDCWD, path, r);
    return r;
}

EXPORT int unlinkat(int dirfd, const char *path, int fl)
{
    REAL(at_fn, unlinkat);
    if (!real_unlinkat)
        NOSYS(-1);
    int r = real_unlinkat(dirfd, path, fl);
    note_success('D', dirfd, path, r);
    return r;
}

/* A rename removes the old name and makes the new one with its content. */
static void note_rename(int r, int ofd, const char *old, int nfd, const char *new)
{
    if (r != 0)
        return;
    emit_at('D', ofd, old);
    emit_at('C', nfd, new);
}

EXPORT int rename(const char *old, const char *new)
{
    REAL(path2_fn, rename);
    if (!real_rename)
        NOSYS(-1);
    int r = real_rename(old, new);
    note_rename(r, AT_FDCWD, old, AT_FDCWD, new);
    return r;
}

EXPORT int renameat(int ofd, const char *old, int nfd, const char *new)
{
    REAL(renameat_fn, renameat);
    if (!real_renameat)
        NOSYS(-1);
    int r = real_renameat(ofd, old, nfd, new);
    note_rename(r, ofd, old, nfd, new);
    return r;
}

EXPORT int renameat2(int ofd, const char *old, int nfd, const char *new, unsigned fl)
{
    REAL(renameat2_fn, renameat2);
    if (!real_renameat2)
        NOSYS(-1);
    int r = real_renameat2(ofd, old, nfd, new, fl);
    if (r == 0 && (fl & RENAME_EXCHANGE))
        emit('U', "exchanges two files");
    note_rename(r, ofd, old, nfd, new);
    return r;
}

EXPORT int mkdir(const char *path, mode_t mode)
{
    REAL(mkdir_fn, mkdir);
    if (!real_mkdir)
        NOSYS(-1);
    int r = real_mkdir(path, mode);
    note_success('K', AT_FDCWD, path, r);
    return r;
}

EXPORT int mkdirat(int dirfd, const char *path, mode_t mode)
{
    REAL(mkdirat_fn, mkdirat);
    if (!real_mkdirat)
        NOSYS(-1);
    int r = real_mkdirat(dirfd, path, mode);
    note_success('K', dirfd, path, r);
    return r;
}

/* A result holds files, not links: a tool that makes them is not cached. */
EXPORT int link(const char *old, const char *new)
{
    REAL(path2_fn, link);
    emit('U', "makes a hard link");
    return real_link ? real_link(old, new) : (errno = ENOSYS, -1);
}

EXPORT int symlink(const char *old, const char *new)
{
    REAL(path2_fn, symlink);
    emit('U', "makes a symbolic link");
    return real_symlink ? real_symlink(old, new) : (errno = ENOSYS, -1);
}

EXPORT int linkat(int ofd, const char *old, int nfd, const char *new, int fl)
{
    typedef int linkat_fn(int, const char *, int, const char *, int);
    REAL(linkat_fn, linkat);
    emit('U', "makes a hard link");
    return real_linkat ? real_linkat(ofd, old, nfd, new, fl) : (errno = ENOSYS, -1);
}

EXPORT int symlinkat(const char *old, int nfd, const char *new)
{
    typedef int symlinkat_fn(const char *, int, const char *);
    REAL(symlinkat_fn, symlinkat);
    emit('U', "makes a symbolic link");
    return real_symlinkat ? real_symlinkat(old, nfd, new) : (errno = ENOSYS, -1);
}

/* ---- start and end of a process ---- */

/* Is this process a compiler proper: gcc's cc1 family by the name of its
 * program, or clang run as `clang -cc1` (the driver runs itself again)?
 * Not `clang -cc1as`: that is the assembler.  The command line is read with plain system calls: this
 * runs at load, before the program's own start-up. */
static int compiler_proper(const char *exe)
{
    static const char *const names[] = {"cc1", "cc1plus", "cc1obj", "cc1objplus"};
    const char *base = strrchr(exe, '/');
    base = base ? base + 1 : exe;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (!strcmp(base, names[i]))
            return 1;
    char cmd[4096];
    int fd = raw_open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n;
    do
        n = syscall(SYS_read, fd, cmd, sizeof cmd - 1);
    while (n < 0 && errno == EINTR);
    syscall(SYS_close, fd);
    if (n <= 0)
        return 0;
    /* argv[1] counts only when whole in what was read (its NUL seen). */
    const char *a1 = memchr(cmd, '\0', (size_t)n);
    if (!a1 || ++a1 >= cmd + n || !memchr(a1, '\0', (size_t)(cmd + n - a1)))
        return 0;
    return !strcmp(a1, "-cc1");
}

__attribute__((constructor)) static void at_load(void)
{
    int saved = errno;
    const char *v = getenv("RICC_TRACE_FILE");
    if (!v || !*v || strlen(v) >= sizeof g_path)
        return;
    memcpy(g_path, v, strlen(v) + 1);
    const char *ro = getenv("RICC_TRACE_READS");
    char exe[PATH_MAX];
    ssize_t n = raw_readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        n = 0;
    exe[n] = '\0';
    g_reads_only = ro && !strcmp(ro, "1") && compiler_proper(exe);
    emit_line('H', (long)getppid(), 1, n > 0 ? exe : "?");
    if (!g_reads_only) {
        note_objects();
        if (go_program())
            emit('U', "is a Go program (it reads and writes files without the C library)");
    }
    errno = saved;
}

__attribute__((destructor)) static void at_exit_(void)
{
    if (g_path[0] && !g_reads_only)
        note_objects();
}
