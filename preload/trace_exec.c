/* SPDX-License-Identifier: Apache-2.0 */
/* trace_exec.c — libricc-trace.so, second half: programs, and the calls
 * that make a tool uncacheable.  The record format and the rules every
 * interposer follows are in trace.c.
 *
 * Programs: every exec (execve and the rest of the family, posix_spawn,
 * posix_spawnp) records the file it runs as read — by the name it is run
 * by, so a name now leading to another program changes the key — and, for
 * a PATH search, the candidates before it as absent.  A program that could
 * not be traced refuses the tool: statically linked (an ELF file without
 * PT_INTERP: no dynamic loader, so no LD_PRELOAD), setuid or setgid (the
 * loader ignores LD_PRELOAD), run with an environment that lost the trace
 * (env -i), run by descriptor (fexecve), or a Go program (its runtime makes
 * system calls itself).  A script is judged by its #! interpreter, which is
 * recorded as read by the name the script gives.  Shared objects the
 * dynamic loader opened are listed with dl_iterate_phdr at start, before
 * an exec and at exit.
 *
 * Uncacheable: the wall clock (time, gettimeofday, ftime, timespec_get,
 * clock_gettime on CLOCK_REALTIME and its kin — the monotonic and CPU
 * clocks only measure durations and are let through), randomness
 * (getrandom, getentropy), the network (socket, connect), directory
 * listings (opendir, fdopendir, scandir, glob, ftw, nftw, getdents64). */
#undef _FORTIFY_SOURCE
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <limits.h>
#include <link.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timeb.h>
#include <time.h>
#include <unistd.h>

#include "preload/execlist.h"
#include "preload/trace.h"

extern char **environ;

/* ---- refusals ---- */

/* A refusal, once per process and reason kind (the trace stays small when
 * a tool reads the clock in a loop). */
enum { ONCE_CLOCK, ONCE_RANDOM, ONCE_NET, ONCE_COUNT };
static int g_once[ONCE_COUNT];

static void refuse_once(int kind, const char *why)
{
    if (__atomic_exchange_n(&g_once[kind], 1, __ATOMIC_RELAXED))
        return;
    emit('U', why);
}

static void refuse_listing(int dirfd, const char *path)
{
    char buf[PATH_MAX] = "lists a directory ";
    size_t off = strlen(buf);
    int saved = errno;
    if (!path || !abs_path(dirfd, path, buf + off, sizeof buf - off))
        buf[off - 1] = '\0';
    emit_line('U', 0, 0, buf);
    errno = saved;
}

EXPORT time_t time(time_t *t)
{
    typedef time_t time_fn(time_t *);
    REAL(time_fn, time);
    refuse_once(ONCE_CLOCK, "reads the clock");
    if (real_time)
        return real_time(t);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (t)
        *t = ts.tv_sec;
    return ts.tv_sec;
}

EXPORT int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
    typedef int gtod_fn(struct timeval *, void *);
    REAL(gtod_fn, gettimeofday);
    refuse_once(ONCE_CLOCK, "reads the clock");
    return real_gettimeofday ? real_gettimeofday(tv, tz) : (errno = ENOSYS, -1);
}

/* Only the wall clocks: the monotonic and CPU-time clocks measure durations,
 * which cannot put a date into an output.  A tool that prints how long it
 * took gets that message replayed from the run that was cached. */
EXPORT int clock_gettime(clockid_t id, struct timespec *ts)
{
    typedef int cgt_fn(clockid_t, struct timespec *);
    REAL(cgt_fn, clock_gettime);
    if (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE || id == CLOCK_TAI ||
        id == CLOCK_REALTIME_ALARM)
        refuse_once(ONCE_CLOCK, "reads the clock");
    return real_clock_gettime ? real_clock_gettime(id, ts) : (errno = ENOSYS, -1);
}

EXPORT int timespec_get(struct timespec *ts, int base)
{
    typedef int tsg_fn(struct timespec *, int);
    REAL(tsg_fn, timespec_get);
    refuse_once(ONCE_CLOCK, "reads the clock");
    return real_timespec_get ? real_timespec_get(ts, base) : 0;
}

EXPORT int ftime(struct timeb *tb)
{
    typedef int ftime_fn(struct timeb *);
    REAL(ftime_fn, ftime);
    refuse_once(ONCE_CLOCK, "reads the clock");
    return real_ftime ? real_ftime(tb) : (errno = ENOSYS, -1);
}

EXPORT ssize_t getrandom(void *buf, size_t len, unsigned fl)
{
    typedef ssize_t getrandom_fn(void *, size_t, unsigned);
    REAL(getrandom_fn, getrandom);
    refuse_once(ONCE_RANDOM, "reads random numbers");
    return real_getrandom ? real_getrandom(buf, len, fl) : (errno = ENOSYS, -1);
}

EXPORT int getentropy(void *buf, size_t len)
{
    typedef int getentropy_fn(void *, size_t);
    REAL(getentropy_fn, getentropy);
    refuse_once(ONCE_RANDOM, "reads random numbers");
    return real_getentropy ? real_getentropy(buf, len) : (errno = ENOSYS, -1);
}

EXPORT int socket(int domain, int type, int proto)
{
    typedef int socket_fn(int, int, int);
    REAL(socket_fn, socket);
    refuse_once(ONCE_NET, "uses the network (a socket)");
    return real_socket ? real_socket(domain, type, proto) : (errno = ENOSYS, -1);
}

EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
    typedef int connect_fn(int, const struct sockaddr *, socklen_t);
    REAL(connect_fn, connect);
    refuse_once(ONCE_NET, "uses the network (a socket)");
    return real_connect ? real_connect(fd, addr, len) : (errno = ENOSYS, -1);
}

EXPORT DIR *opendir(const char *path)
{
    typedef DIR *opendir_fn(const char *);
    REAL(opendir_fn, opendir);
    refuse_listing(AT_FDCWD, path);
    return real_opendir ? real_opendir(path) : (errno = ENOSYS, NULL);
}

EXPORT DIR *fdopendir(int fd)
{
    typedef DIR *fdopendir_fn(int);
    REAL(fdopendir_fn, fdopendir);
    refuse_listing(fd, "");
    return real_fdopendir ? real_fdopendir(fd) : (errno = ENOSYS, NULL);
}

typedef int scandir_fn(const char *, struct dirent ***, int (*)(const struct dirent *),
                       int (*)(const struct dirent **, const struct dirent **));

EXPORT int scandir(const char *path, struct dirent ***list, int (*sel)(const struct dirent *),
                   int (*cmp)(const struct dirent **, const struct dirent **))
{
    REAL(scandir_fn, scandir);
    refuse_listing(AT_FDCWD, path);
    return real_scandir ? real_scandir(path, list, sel, cmp) : (errno = ENOSYS, -1);
}

EXPORT int scandir64(const char *path, struct dirent64 ***list,
                     int (*sel)(const struct dirent64 *),
                     int (*cmp)(const struct dirent64 **, const struct dirent64 **))
{
    typedef int scandir64_fn(const char *, struct dirent64 ***, int (*)(const struct dirent64 *),
                             int (*)(const struct dirent64 **, const struct dirent64 **));
    REAL(scandir64_fn, scandir64);
    refuse_listing(AT_FDCWD, path);
    return real_scandir64 ? real_scandir64(path, list, sel, cmp) : (errno = ENOSYS, -1);
}

EXPORT ssize_t getdents64(int fd, void *buf, size_t n)
{
    typedef ssize_t getdents_fn(int, void *, size_t);
    REAL(getdents_fn, getdents64);
    refuse_listing(fd, "");
    return real_getdents64 ? real_getdents64(fd, buf, n) : (errno = ENOSYS, -1);
}

EXPORT int glob(const char *pattern, int fl, int (*err)(const char *, int), glob_t *g)
{
    typedef int glob_fn(const char *, int, int (*)(const char *, int), glob_t *);
    REAL(glob_fn, glob);
    refuse_listing(AT_FDCWD, NULL);
    return real_glob ? real_glob(pattern, fl, err, g) : GLOB_ABORTED;
}

EXPORT int glob64(const char *pattern, int fl, int (*err)(const char *, int), glob64_t *g)
{
    typedef int glob64_fn(const char *, int, int (*)(const char *, int), glob64_t *);
    REAL(glob64_fn, glob64);
    refuse_listing(AT_FDCWD, NULL);
    return real_glob64 ? real_glob64(pattern, fl, err, g) : GLOB_ABORTED;
}

EXPORT int nftw(const char *dir, int (*fn)(const char *, const struct stat *, int, struct FTW *),
                int fds, int fl)
{
    typedef int nftw_fn(const char *, int (*)(const char *, const struct stat *, int, struct FTW *),
                        int, int);
    REAL(nftw_fn, nftw);
    refuse_listing(AT_FDCWD, dir);
    return real_nftw ? real_nftw(dir, fn, fds, fl) : (errno = ENOSYS, -1);
}

EXPORT int ftw(const char *dir, int (*fn)(const char *, const struct stat *, int), int fds)
{
    typedef int ftw_fn(const char *, int (*)(const char *, const struct stat *, int), int);
    REAL(ftw_fn, ftw);
    refuse_listing(AT_FDCWD, dir);
    return real_ftw ? real_ftw(dir, fn, fds) : (errno = ENOSYS, -1);
}

/* ---- loaded objects and programs ---- */

static int note_object(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size, (void)data;
    if (info->dlpi_name && info->dlpi_name[0] == '/')
        emit('M', info->dlpi_name);
    return 0;
}

void note_objects(void)
{
    int saved = errno;
    dl_iterate_phdr(note_object, NULL);
    errno = saved;
}

/* Would a program at path escape the trace?  The reason, or NULL.  An ELF
 * file without PT_INTERP is static (no loader, so no LD_PRELOAD); a script
 * is judged by its interpreter (one level, as the kernel allows more but
 * tools do not use it). */
static const char *untraceable(const char *path, int depth)
{
    int fd = raw_open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL; /* the exec itself will fail or say why */
    struct stat st;
    const char *why = NULL;
    unsigned char h[256];
    ssize_t n = raw_fstat(fd, &st) == 0 ? pread(fd, h, sizeof h - 1, 0) : -1;
    if (n < 0)
        goto out;
    if (st.st_mode & (S_ISUID | S_ISGID)) {
        why = "runs a setuid or setgid program";
        goto out;
    }
    h[n] = '\0';
    if (n > 2 && h[0] == '#' && h[1] == '!') {
        char interp[256];
        size_t i = 2, j = 0;
        while (i < (size_t)n && (h[i] == ' ' || h[i] == '\t'))
            i++;
        while (i < (size_t)n && h[i] != ' ' && h[i] != '\t' && h[i] != '\n' && j < sizeof interp - 1)
            interp[j++] = (char)h[i++];
        interp[j] = '\0';
        /* The interpreter by the name the script gives: /bin/sh pointing
         * at another shell is another program. */
        if (interp[0] == '/')
            emit('E', interp);
        if (depth < 2 && interp[0] == '/')
            why = untraceable(interp, depth + 1);
        goto out;
    }
    if (n < (ssize_t)sizeof(Elf64_Ehdr) || memcmp(h, ELFMAG, SELFMAG) != 0)
        goto out;
    int interp = 0;
    if (h[EI_CLASS] == ELFCLASS64) {
        Elf64_Ehdr e;
        memcpy(&e, h, sizeof e);
        for (unsigned i = 0; i < e.e_phnum && !interp; i++) {
            Elf64_Phdr ph;
            if (pread(fd, &ph, sizeof ph, (off_t)(e.e_phoff + (uint64_t)i * e.e_phentsize)) !=
                (ssize_t)sizeof ph)
                break;
            interp = ph.p_type == PT_INTERP;
        }
    } else if (h[EI_CLASS] == ELFCLASS32) {
        Elf32_Ehdr e;
        memcpy(&e, h, sizeof e);
        for (unsigned i = 0; i < e.e_phnum && !interp; i++) {
            Elf32_Phdr ph;
            if (pread(fd, &ph, sizeof ph, (off_t)e.e_phoff + (off_t)i * e.e_phentsize) !=
                (ssize_t)sizeof ph)
                break;
            interp = ph.p_type == PT_INTERP;
        }
    }
    if (!interp)
        why = "runs a statically linked program";
out:
    close(fd);
    return why;
}

/* The library's own look at a program's file: whether it is there (S, N),
 * not the metadata the tool asked for (trace_meta.c). */
static int probe_stat(const char *path, struct stat *st)
{
    int r = (int)syscall(SYS_newfstatat, AT_FDCWD, path, st, 0);
    note_probe(AT_FDCWD, path, r);
    return r;
}

/* Does envp still carry the trace to the new program? */
static int env_traced(char *const envp[])
{
    int lib = 0, file = 0;
    for (size_t i = 0; envp && envp[i]; i++) {
        if (!strncmp(envp[i], "LD_PRELOAD=", 11) && strstr(envp[i], "libricc-trace.so"))
            lib = 1;
        else if (!strncmp(envp[i], "RICC_TRACE_FILE=", 16))
            file = 1;
    }
    return lib && file;
}

/* Before running path (already resolved): it is an input by name (the
 * program behind a name that now points elsewhere is another program), and
 * it must stay traceable. */
static void note_exec(const char *path, char *const envp[])
{
    int saved = errno;
    struct stat st;
    if (probe_stat(path, &st) != 0) {
        errno = saved;
        return; /* recorded absent */
    }
    emit_at('E', AT_FDCWD, path);
    const char *why = untraceable(path, 0);
    if (!why && !env_traced(envp))
        why = "runs a program without the trace in its environment";
    if (why)
        emit('U', why);
    note_objects();
    errno = saved;
}

/* The file a PATH search would run, into buf; NULL if none.  Candidates
 * before it are probed (and so recorded absent): one appearing later would
 * be run instead. */
static const char *search_path(const char *name, char *buf, size_t cap)
{
    if (strchr(name, '/'))
        return name;
    const char *path = getenv("PATH");
    if (!path)
        path = "/bin:/usr/bin";
    size_t nl = strlen(name);
    for (const char *p = path;;) {
        const char *e = strchr(p, ':');
        size_t dl = e ? (size_t)(e - p) : strlen(p);
        if (dl + nl + 2 < cap) {
            if (dl == 0)
                buf[0] = '.', dl = 1;
            else
                memcpy(buf, p, dl);
            buf[dl] = '/';
            memcpy(buf + dl + 1, name, nl + 1);
            struct stat st;
            if (probe_stat(buf, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111))
                return buf;
        }
        if (!e)
            return NULL;
        p = e + 1;
    }
}

static void note_execp(const char *file, char *const envp[])
{
    char buf[PATH_MAX];
    int saved = errno;
    const char *p = file ? search_path(file, buf, sizeof buf) : NULL;
    if (p)
        note_exec(p, envp);
    errno = saved;
}

typedef int execve_fn(const char *, char *const[], char *const[]);
typedef int execv_fn(const char *, char *const[]);
typedef int spawn_fn(pid_t *, const char *, const posix_spawn_file_actions_t *,
                     const posix_spawnattr_t *, char *const[], char *const[]);

EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
    REAL(execve_fn, execve);
    path = opaque(path);
    if (path)
        note_exec(path, envp);
    return real_execve ? real_execve(path, argv, envp) : (errno = ENOSYS, -1);
}

EXPORT int execv(const char *path, char *const argv[])
{
    return execve(path, argv, environ);
}

EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
    REAL(execve_fn, execvpe);
    note_execp(file, envp);
    return real_execvpe ? real_execvpe(file, argv, envp) : (errno = ENOSYS, -1);
}

EXPORT int execvp(const char *file, char *const argv[])
{
    return execvpe(file, argv, environ);
}

/* execl, execlp, execle: execlist.h, through the vector forms above. */
EXECLIST_DEFINE(execve, execvpe)

EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
    typedef int fexecve_fn(int, char *const[], char *const[]);
    REAL(fexecve_fn, fexecve);
    emit('U', "runs a program by descriptor (fexecve)");
    return real_fexecve ? real_fexecve(fd, argv, envp) : (errno = ENOSYS, -1);
}

EXPORT int posix_spawn(pid_t *restrict pid, const char *restrict path,
                       const posix_spawn_file_actions_t *restrict fa,
                       const posix_spawnattr_t *restrict attr, char *const argv[restrict],
                       char *const envp[restrict])
{
    REAL(spawn_fn, posix_spawn);
    path = opaque(path);
    if (path)
        note_exec(path, envp);
    return real_posix_spawn ? real_posix_spawn(pid, path, fa, attr, argv, envp) : ENOSYS;
}

EXPORT int posix_spawnp(pid_t *restrict pid, const char *restrict file,
                        const posix_spawn_file_actions_t *restrict fa,
                        const posix_spawnattr_t *restrict attr, char *const argv[restrict],
                        char *const envp[restrict])
{
    REAL(spawn_fn, posix_spawnp);
    note_execp(file, envp);
    return real_posix_spawnp ? real_posix_spawnp(pid, file, fa, attr, argv, envp) : ENOSYS;
}

/* Is this program written in Go?  Its runtime makes system calls itself,
 * not through the C library, so nothing it reads or writes would be seen:
 * its sections say (.go.buildinfo, .note.go.buildid). */
int go_program(void)
{
    int fd = raw_open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    Elf64_Ehdr e;
    Elf64_Shdr strtab;
    int found = 0;
    if (pread(fd, &e, sizeof e, 0) != (ssize_t)sizeof e || memcmp(e.e_ident, ELFMAG, SELFMAG) ||
        e.e_ident[EI_CLASS] != ELFCLASS64 || e.e_shentsize != sizeof(Elf64_Shdr) ||
        e.e_shstrndx >= e.e_shnum ||
        pread(fd, &strtab, sizeof strtab, (off_t)(e.e_shoff + e.e_shstrndx * sizeof strtab)) !=
            (ssize_t)sizeof strtab)
        goto out;
    for (unsigned i = 0; i < e.e_shnum && i < 256 && !found; i++) {
        Elf64_Shdr sh;
        char name[20];
        if (pread(fd, &sh, sizeof sh, (off_t)(e.e_shoff + i * sizeof sh)) != (ssize_t)sizeof sh ||
            pread(fd, name, sizeof name - 1, (off_t)(strtab.sh_offset + sh.sh_name)) <= 0)
            break;
        name[sizeof name - 1] = '\0';
        found = !strncmp(name, ".go.", 4) || !strcmp(name, ".note.go.buildid");
    }
out:
    close(fd);
    return found;
}
