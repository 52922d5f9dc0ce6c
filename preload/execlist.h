/* execlist.h — the list forms of exec (execl, execlp, execle) for both
 * preload libraries, the exec shim (shim.c) and ricc exec's tracer
 * (trace_exec.c).
 *
 * They have no original that takes a list on to the next library: the C
 * library builds the vector and calls execve / execvpe, and so do these,
 * with the vector in the interposer's own stack frame (a variable-length
 * array), so nothing is allocated: they may run in a vfork child.  The
 * includer defines EXPORT and opaque() first, then
 *
 *     EXECLIST_DEFINE(vexec, vexecp)
 *
 * defines the three, calling vexec(path, argv, envp) and vexecp(file, argv,
 * envp) — its own interposers, so the list forms get the same treatment. */
#ifndef RICC_PRELOAD_EXECLIST_H
#define RICC_PRELOAD_EXECLIST_H

#include <stdarg.h>
#include <stddef.h>

/* How many arguments from arg to the NULL that ends the list. */
static size_t count_list(const char *arg, va_list ap)
{
    size_t n = 0;
    if (arg)
        for (n = 1; va_arg(ap, const char *); n++)
            ;
    return n;
}

#define LIST_TO_ARGV(argv, n, arg, ap)                  \
    do {                                                \
        argv[0] = (char *)(arg);                        \
        for (size_t i_ = 1; i_ < (n); i_++)             \
            argv[i_] = va_arg(ap, char *);              \
        argv[n] = NULL;                                 \
    } while (0)

#define EXECLIST_DEFINE(vexec, vexecp)                                  \
    EXPORT int execl(const char *path, const char *arg, ...)           \
    {                                                                   \
        va_list ap;                                                     \
        arg = opaque(arg);                                              \
        va_start(ap, arg);                                              \
        size_t n = count_list(arg, ap);                                 \
        va_end(ap);                                                     \
        char *argv[n + 1];                                              \
        va_start(ap, arg);                                              \
        LIST_TO_ARGV(argv, n, arg, ap);                                 \
        va_end(ap);                                                     \
        return vexec(opaque(path), argv, environ);                      \
    }                                                                   \
                                                                        \
    EXPORT int execlp(const char *file, const char *arg, ...)          \
    {                                                                   \
        va_list ap;                                                     \
        arg = opaque(arg);                                              \
        va_start(ap, arg);                                              \
        size_t n = count_list(arg, ap);                                 \
        va_end(ap);                                                     \
        char *argv[n + 1];                                              \
        va_start(ap, arg);                                              \
        LIST_TO_ARGV(argv, n, arg, ap);                                 \
        va_end(ap);                                                     \
        return vexecp(opaque(file), argv, environ);                     \
    }                                                                   \
                                                                        \
    EXPORT int execle(const char *path, const char *arg, ...)          \
    {                                                                   \
        va_list ap;                                                     \
        arg = opaque(arg);                                              \
        va_start(ap, arg);                                              \
        size_t n = count_list(arg, ap);                                 \
        va_end(ap);                                                     \
        char *argv[n + 1];                                              \
        va_start(ap, arg);                                              \
        LIST_TO_ARGV(argv, n, arg, ap);                                 \
        if (arg)                                                        \
            (void)va_arg(ap, char *); /* the NULL that ends the list */ \
        char *const *envp = va_arg(ap, char *const *);                  \
        va_end(ap);                                                     \
        return vexec(opaque(path), argv, envp);                         \
    }

#endif
