/* SPDX-License-Identifier: Apache-2.0 */
/* shim.c — libricc-preload.so: send every compiler a build runs through ricc.
 *
 * `ricc run -- make` (or LD_PRELOAD=.../libricc-preload.so) loads this
 * library into every dynamically linked process of the build.  It defines
 * the exec family (execve, execv, execvp, execvpe, execl, execlp, execle) and
 * posix_spawn, posix_spawnp; the dynamic linker binds the program's calls to
 * these, and each one forwards to the next definition (the C library's),
 * found with dlsym(RTLD_NEXT) when the library is loaded.  GNU make and ninja start jobs
 * with posix_spawn, shells with execve, so between them every command of a
 * build passes through here.
 *
 * The one decision: is the program about to run a compiler?  Its base name
 * says (match.c: gcc, g++, cc, c++, clang, clang++, cross-prefixed,
 * versioned, plus the `compilers` setting).  PATH search never changes a
 * base name, so a non-compiler is let through after a few byte compares and
 * nothing else: that is the path every process of a build takes, and the
 * one that must cost nothing.  A compiler is run as
 *
 *     ricc COMPILER ARGS...
 *
 * with the caller's environment, file actions and attributes.  The program
 * is first resolved here the way the C library would (the caller's PATH): a
 * name that is not found or not executable is left to the original call, to
 * fail with its own errno.  COMPILER is the program's argv[0] ("gcc") when
 * ricc's own PATH search finds that very file, so the cache entries are
 * those `make CC="ricc gcc"` makes; otherwise the resolved path, so ricc
 * runs exactly the binary the build asked for.
 *
 * No recursion, no surprises:
 *  - ricc is started with the shim taken out of LD_PRELOAD (other entries
 *    kept), and wrapper/main.c takes it out again should it be there; the
 *    shim reroutes only when the environment the new program gets still
 *    names the shim in LD_PRELOAD.  So ricc's exec of the compiler is not
 *    rerouted, the compiler and its children (cc1, as, collect2, ld,
 *    lto-wrapper's gcc) never load the shim, and a process that clears its
 *    environment (env -i) has left the build's ricc run: it runs untouched.
 *  - Static programs never load the shim; for setuid ones ld.so ignores it.
 *  - If ricc cannot be found or started, the original call runs.
 *  - A compiler found to be ricc itself (a masquerade link on PATH) is run
 *    as it is: it goes through ricc already.
 *
 * Rules for the code, since a mistake here breaks every process of a build:
 * it may run between vfork and exec, or in a signal handler, so no malloc
 * (argument vectors are built on the stack), no stdio, no locks of ours;
 * errno is restored before every return and before the original is called;
 * nothing happens at load time but reading two variables (RICC_EXE,
 * RICC_COMPILERS) and looking up the originals (see at_load); only the
 * interposed functions are exported (the library is built with
 * -fvisibility=hidden). */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "preload/execlist.h"
#include "preload/match.h"

#define EXPORT __attribute__((visibility("default")))

extern char **environ;

/* A compile with more arguments than this is run untouched rather than
 * copying its argument vector onto a possibly small stack; an environment
 * with more variables than this, or an LD_PRELOAD longer than LD_MAX, is
 * passed to ricc as it is (ricc then takes the shim out itself). */
#define MAX_ARGS 16384
#define MAX_ENV 8192
#define LD_MAX 4096

/* ---- settings: read once, when the library is loaded ---- */

/* Pointers into the environment the process started with: those strings
 * stay as they are whatever the program does to its environment later
 * (setenv and unsetenv never free or change them; only a program that
 * overwrites its own argv and environment area to retitle itself could,
 * and build tools do not).  Pointers, not copies, keep the shim's writable
 * data within one page, which matters: loading the shim is what every
 * process of a build pays (bench/preload.sh). */
static const char *g_exe = "";          /* RICC_EXE */
static const char *g_compilers = "";    /* RICC_COMPILERS */
static const char *g_exec_tools = "";   /* RICC_EXEC_TOOLS: run as `ricc exec -- TOOL` */


/* ---- the originals ---- */

typedef int execve_fn(const char *, char *const[], char *const[]);
typedef int execv_fn(const char *, char *const[]);
typedef int spawn_fn(pid_t *, const char *, const posix_spawn_file_actions_t *,
                     const posix_spawnattr_t *, char *const[], char *const[]);

enum real_id { R_EXECVE, R_EXECV, R_EXECVP, R_EXECVPE, R_SPAWN, R_SPAWNP, R_COUNT };
static const char *const real_name[R_COUNT] = {
    "execve", "execv", "execvp", "execvpe", "posix_spawn", "posix_spawnp",
};
static void *real_fn[R_COUNT];

/* The next definition of the function.  Looked up when the library is
 * loaded (below); should that have found nothing, again at the call.
 * Threads racing here store the same pointer.  errno is kept: the lookup is
 * ours, not the caller's. */
static void *real(enum real_id id)
{
    void *f = __atomic_load_n(&real_fn[id], __ATOMIC_ACQUIRE);
    if (!f) {
        int saved = errno;
        f = dlsym(RTLD_NEXT, real_name[id]);
        __atomic_store_n(&real_fn[id], f, __ATOMIC_RELEASE);
        errno = saved;
    }
    return f;
}

/* Load time: the two settings, and the originals.  Looking the originals
 * up here rather than at the first call is measured, not taken on faith: a
 * shell forks a child per command, and each child looked them up again in
 * its own copy, 8 more page faults per command (bash loop of /bin/true: 111
 * faults per iteration against 119; a process that never execs pays no
 * more, 57 either way).  It also keeps dlsym out of vfork children.  The
 * lookups change nothing the program can see. */
__attribute__((constructor)) static void at_load(void)
{
    const char *v;
    if ((v = getenv("RICC_EXE")) && *v)
        g_exe = v;
    if ((v = getenv("RICC_COMPILERS")))
        g_compilers = v;
    if ((v = getenv("RICC_EXEC_TOOLS")))
        g_exec_tools = v;
    for (int id = 0; id < R_COUNT; id++)
        real((enum real_id)id);
}

/* The C library declares these arguments non-null, so the compiler would
 * drop our checks for the null vectors Linux accepts; this hides the
 * declaration's promise from it. */
static inline void *opaque(const void *p)
{
    void *q = (void *)p;
    __asm__("" : "+r"(q));
    return q;
}

/* ---- the decision ---- */

/* The test every exec and spawn of the build makes: a few byte compares. */
static int is_compiler(const char *file)
{
    return file && (pm_is_compiler(pm_base(file), g_compilers) || pm_is_archiver(pm_base(file)) ||
                    pm_in_list(pm_base(file), g_exec_tools));
}

static int executable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
           faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) == 0;
}

/* name on the caller's PATH, as execvp and posix_spawnp search it (glibc's
 * default when PATH is unset; an empty element is the current directory). */
static int find_on_path(char *buf, size_t cap, const char *name)
{
    const char *path = getenv("PATH");
    if (!path)
        path = "/bin:/usr/bin";
    for (const char *p = path;; ) {
        const char *e = p;
        while (*e && *e != ':')
            e++;
        if (pm_join(buf, cap, p, (size_t)(e - p), name) == 0 && executable(buf))
            return 0;
        if (!*e)
            return -1;
        p = e + 1;
    }
}

/* ricc: RICC_EXE, else beside the shim named in LD_PRELOAD (build/lib/ ->
 * build/bin/ricc; installed lib/ricc/ -> bin/ricc), else on PATH. */
static int find_ricc(char *buf, size_t cap, const char *entry, size_t elen)
{
    if (g_exe[0]) {
        size_t n = strlen(g_exe);
        if (n >= cap)
            return -1;
        memcpy(buf, g_exe, n + 1);
        return executable(buf) ? 0 : -1;
    }
    size_t dlen = elen;
    while (dlen > 0 && entry[dlen - 1] != '/')
        dlen--;
    if (dlen > 0) {
        static const char *const rel[] = {"../bin/ricc", "../../bin/ricc"};
        for (size_t i = 0; i < sizeof rel / sizeof *rel; i++)
            if (pm_join(buf, cap, entry, dlen - 1, rel[i]) == 0 && executable(buf))
                return 0;
    }
    return find_on_path(buf, cap, "ricc");
}

typedef struct plan {
    char ricc[PATH_MAX];
    char compiler[PATH_MAX];   /* the file about to run */
    const char *word;          /* what ricc is told: compiler, or argv[0] */
    int argc;
    int exec_tool;             /* a listed tool: `ricc exec -- WORD ...` */
} plan;

static int same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* The word ricc gets for the compiler.  ricc keys on its command line as
 * given, so `make CC="ricc gcc"` and `ricc run -- make` (where make spawns
 * /usr/bin/gcc with argv[0] "gcc") share cache entries only if ricc sees
 * "gcc" both times.  argv[0] is used when it is a bare compiler name that
 * ricc's own search (run_find_program: the new environment's PATH, skipping
 * ricc itself) finds as the very file about to run; otherwise the path. */
static const char *compiler_word(plan *p, char *const argv[], char *const envp[],
                                 const struct stat *ricc, const struct stat *comp)
{
    const char *a0 = argv[0];
    if (strchr(a0, '/') ||
        !(pm_is_compiler(a0, g_compilers) || pm_is_archiver(a0) || pm_in_list(a0, g_exec_tools)))
        return p->compiler;
    const char *path = pm_env_get(envp, "PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";   /* ricc's default */
    char buf[PATH_MAX];
    struct stat st;
    for (const char *d = path;; ) {
        const char *e = d;
        while (*e && *e != ':')
            e++;
        if (pm_join(buf, sizeof buf, d, (size_t)(e - d), a0) == 0 && stat(buf, &st) == 0 &&
            S_ISREG(st.st_mode) && access(buf, X_OK) == 0 && !same_file(&st, ricc))
            return same_file(&st, comp) ? a0 : p->compiler;
        if (!*e)
            return p->compiler;
        d = e + 1;
    }
}

/* 1 when `file` (searched on PATH if `search`) is a compiler to run through
 * ricc; p is then filled in.  Changes errno (the callers restore it). */
static int make_plan(plan *p, const char *file, int search, char *const argv[],
                     char *const envp[])
{
    if (!file || !argv || !argv[0] || !is_compiler(file))
        return 0;
    size_t elen;
    const char *entry = pm_shim_entry(pm_env_get(envp, "LD_PRELOAD"), &elen);
    if (!entry)
        return 0;
    p->argc = 0;
    while (argv[p->argc] && p->argc <= MAX_ARGS)
        p->argc++;
    if (p->argc > MAX_ARGS)
        return 0;
    if (search && !strchr(file, '/')) {
        if (find_on_path(p->compiler, sizeof p->compiler, file) != 0)
            return 0;
    }
    else {
        /* A relative path gets "./" so ricc takes it as a path, never as
         * a name to search or an option. */
        size_t n = strlen(file);
        if (file[0] == '/' && n < sizeof p->compiler)
            memcpy(p->compiler, file, n + 1);
        else if (file[0] == '/' || pm_join(p->compiler, sizeof p->compiler, ".", 1, file) != 0)
            return 0;
        if (!executable(p->compiler))
            return 0;
    }
    if (find_ricc(p->ricc, sizeof p->ricc, entry, elen) != 0)
        return 0;
    struct stat rs, cs;
    if (stat(p->ricc, &rs) != 0 || stat(p->compiler, &cs) != 0 || same_file(&rs, &cs))
        return 0;
    p->word = compiler_word(p, argv, envp, &rs, &cs);
    const char *base = pm_base(file);
    p->exec_tool = !pm_is_compiler(base, g_compilers) && !pm_is_archiver(base);
    return 1;
}

/* ricc's argument vector: ricc, the compiler, the caller's arguments after
 * argv[0]; for a listed tool, ricc exec -- the tool and its arguments.
 * nargv has room for argc + 4 entries. */
static void ricc_argv(char **nargv, plan *p, char *const argv[])
{
    int k = 0;
    nargv[k++] = p->ricc;
    if (p->exec_tool) {
        nargv[k++] = (char *)"exec";
        nargv[k++] = (char *)"--";
    }
    nargv[k++] = (char *)p->word;
    for (int i = 1; i < p->argc; i++)
        nargv[k++] = argv[i];
    nargv[k] = NULL;
}

static size_t env_count(char *const envp[])
{
    size_t n = 0;
    while (envp && envp[n] && n <= MAX_ENV)
        n++;
    return n;
}

/* ricc's environment: envp with the shim taken out of LD_PRELOAD (the
 * variable dropped if nothing else is in it), into nenv (room for ne + 1)
 * and lp.  ricc would take the shim out for the compiler anyway; done here,
 * ricc itself starts without loading it, which is most of what the shim
 * costs a compile.  Returns envp itself when that cannot be done. */
static char *const *ricc_env(char **nenv, size_t ne, char *lp, size_t lpcap, char *const envp[])
{
    long at = pm_env_find(envp, "LD_PRELOAD");
    if (ne > MAX_ENV || at < 0)
        return envp;
    int kept = pm_without_shim(lp, lpcap, envp[at] + sizeof "LD_PRELOAD=" - 1);
    if (kept < 0)
        return envp;
    size_t k = 0;
    for (size_t i = 0; i < ne; i++) {
        if (i == (size_t)at) {
            if (kept > 0)
                nenv[k++] = lp;
        }
        else
            nenv[k++] = envp[i];
    }
    nenv[k] = NULL;
    return nenv;
}

/* Exec ricc in place of a compiler.  Returns only when the program is not a
 * compiler to reroute or ricc could not be started; errno is then as it was
 * on entry, for the original call. */
__attribute__((noinline)) static void exec_ricc(const char *file, int search,
                                                char *const argv[], char *const envp[])
{
    int saved = errno;
    plan p;
    if (make_plan(&p, file, search, argv, envp)) {
        char *nargv[p.argc + 4];
        ricc_argv(nargv, &p, argv);
        size_t ne = env_count(envp);
        char *nenv[ne <= MAX_ENV ? ne + 1 : 1], lp[LD_MAX];
        execve_fn *ex = (execve_fn *)real(R_EXECVE);
        if (ex)
            ex(p.ricc, nargv, ricc_env(nenv, ne, lp, sizeof lp, envp));
    }
    errno = saved;
}

/* posix_spawn of ricc in place of a compiler: 1 with *ret its result when
 * ricc was started, 0 (errno as on entry) for the original call. */
__attribute__((noinline)) static int spawn_ricc(int *ret, pid_t *pid, const char *file, int search,
                                                const posix_spawn_file_actions_t *fa,
                                                const posix_spawnattr_t *attr,
                                                char *const argv[], char *const envp[])
{
    int saved = errno, done = 0;
    plan p;
    if (make_plan(&p, file, search, argv, envp)) {
        char *nargv[p.argc + 4];
        ricc_argv(nargv, &p, argv);
        size_t ne = env_count(envp);
        char *nenv[ne <= MAX_ENV ? ne + 1 : 1], lp[LD_MAX];
        spawn_fn *sp = (spawn_fn *)real(R_SPAWN);
        if (sp && (*ret = sp(pid, p.ricc, fa, attr, nargv, ricc_env(nenv, ne, lp, sizeof lp, envp))) == 0)
            done = 1;
    }
    errno = saved;
    return done;
}

/* ---- the interposed functions ---- */

static int missing(void)
{
    errno = ENOSYS;
    return -1;
}

static int do_execve(const char *path, char *const argv[], char *const envp[])
{
    if (is_compiler(path))
        exec_ricc(path, 0, argv, envp);
    execve_fn *f = (execve_fn *)real(R_EXECVE);
    return f ? f(path, argv, envp) : missing();
}

static int do_execvpe(const char *file, char *const argv[], char *const envp[])
{
    if (is_compiler(file))
        exec_ricc(file, 1, argv, envp);
    execve_fn *f = (execve_fn *)real(R_EXECVPE);
    return f ? f(file, argv, envp) : missing();
}

EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
    return do_execve(opaque(path), opaque(argv), envp);
}

EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
    return do_execvpe(opaque(file), opaque(argv), envp);
}

EXPORT int execv(const char *path, char *const argv[])
{
    path = opaque(path), argv = opaque(argv);
    if (is_compiler(path))
        exec_ricc(path, 0, argv, environ);
    execv_fn *f = (execv_fn *)real(R_EXECV);
    return f ? f(path, argv) : missing();
}

EXPORT int execvp(const char *file, char *const argv[])
{
    file = opaque(file), argv = opaque(argv);
    if (is_compiler(file))
        exec_ricc(file, 1, argv, environ);
    execv_fn *f = (execv_fn *)real(R_EXECVP);
    return f ? f(file, argv) : missing();
}

/* execl, execlp, execle: execlist.h, through this file's vector forms. */
EXECLIST_DEFINE(do_execve, do_execvpe)

EXPORT int posix_spawn(pid_t *restrict pid, const char *restrict path,
                       const posix_spawn_file_actions_t *restrict fa,
                       const posix_spawnattr_t *restrict attr, char *const argv[restrict],
                       char *const envp[restrict])
{
    int ret;
    path = opaque(path), argv = opaque(argv);
    if (is_compiler(path) && spawn_ricc(&ret, pid, path, 0, fa, attr, argv, envp))
        return ret;
    spawn_fn *f = (spawn_fn *)real(R_SPAWN);
    return f ? f(pid, path, fa, attr, argv, envp) : ENOSYS;
}

EXPORT int posix_spawnp(pid_t *restrict pid, const char *restrict file,
                        const posix_spawn_file_actions_t *restrict fa,
                        const posix_spawnattr_t *restrict attr, char *const argv[restrict],
                        char *const envp[restrict])
{
    int ret;
    file = opaque(file), argv = opaque(argv);
    if (is_compiler(file) && spawn_ricc(&ret, pid, file, 1, fa, attr, argv, envp))
        return ret;
    spawn_fn *f = (spawn_fn *)real(R_SPAWNP);
    return f ? f(pid, file, fa, attr, argv, envp) : ENOSYS;
}
