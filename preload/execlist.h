/* SPDX-License-Identifier: Apache-2.0 */
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

/* In an interposer whose last named parameter is arg: declare va_list ap
 * and argv[], the list from arg to its ending NULL (the NULL included), in
 * this stack frame.  ap is left started, after the list's last argument:
 * execle reads on from there. */
#define LIST_ARGV(argv, arg, ap)                        \
    va_list ap;                                         \
    arg = opaque(arg);                                  \
    va_start(ap, arg);                                  \
    size_t argc_ = count_list(arg, ap);                 \
    va_end(ap);                                         \
    char *argv[argc_ + 1];                              \
    va_start(ap, arg);                                  \
    argv[0] = (char *)(arg);                            \
    for (size_t i_ = 1; i_ < argc_; i_++)               \
        argv[i_] = va_arg(ap, char *);                  \
    argv[argc_] = NULL

#define EXECLIST_DEFINE(vexec, vexecp)                                  \
    EXPORT int execl(const char *path, const char *arg, ...)           \
    {                                                                   \
        LIST_ARGV(argv, arg, ap);                                       \
        va_end(ap);                                                     \
        return vexec(opaque(path), argv, environ);                      \
    }                                                                   \
                                                                        \
    EXPORT int execlp(const char *file, const char *arg, ...)          \
    {                                                                   \
        LIST_ARGV(argv, arg, ap);                                       \
        va_end(ap);                                                     \
        return vexecp(opaque(file), argv, environ);                     \
    }                                                                   \
                                                                        \
    EXPORT int execle(const char *path, const char *arg, ...)          \
    {                                                                   \
        LIST_ARGV(argv, arg, ap);                                       \
        if (arg)                                                        \
            (void)va_arg(ap, char *); /* the NULL that ends the list */ \
        char *const *envp = va_arg(ap, char *const *);                  \
        va_end(ap);                                                     \
        return vexec(opaque(path), argv, envp);                         \
    }

#endif
