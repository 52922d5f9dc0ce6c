/* SPDX-License-Identifier: Apache-2.0 */
/* respfile.c — expansion of @file arguments, as gcc and clang do it.
 *
 * Build systems pass long command lines through response files: an argument
 * "@path" stands for the arguments written in that file.  ricc must see the
 * expanded command to judge it, so it expands them the way the compiler
 * will (gcc's libiberty expandargv/buildargv; clang's GNU tokenizer agrees):
 *
 *   - whitespace separates arguments; an empty or blank file gives none;
 *   - '…' and "…" quote (they may start and stop mid-argument, and an empty
 *     pair makes an empty argument);
 *   - a backslash takes the next character literally, inside quotes too;
 *   - an @file that cannot be opened (or is a directory) is left as a
 *     literal argument, which the compiler then treats as an input file;
 *   - @files inside @files are expanded too, relative to the working
 *     directory (not to the including file), as both compilers do.
 *
 * Nesting is limited to RESPFILE_MAX_DEPTH so a file that names itself
 * cannot loop; going deeper is an error and the command runs untouched. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wrapper/compiler/compiler.h"
#include "wrapper/util/strvec.h"

/* The whole file, NUL-terminated; NULL with *missing set when it cannot be
 * opened (gcc then keeps the argument as it is), NULL alone on a read error. */
static char *read_whole(const char *path, int *missing)
{
    *missing = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        *missing = 1;
        return NULL;
    }
    size_t cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (len + 1 >= cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb)
                break;
            buf = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + len, cap - len - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            break;
        if (r == 0) {
            close(fd);
            buf[len] = '\0';
            return buf;
        }
        len += (size_t)r;
    }
    free(buf);
    close(fd);
    return NULL;
}

static int is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}

static int expand_arg(strvec *out, const char *arg, const char *cwd, int depth);

/* Split text into arguments with gcc's quoting rules and expand each. */
static int expand_text(strvec *out, const char *text, const char *cwd, int depth)
{
    const char *p = text;
    char *tok = malloc(strlen(text) + 1);
    if (!tok)
        return -1;
    for (;;) {
        while (is_space(*p))
            p++;
        if (!*p)
            break;
        size_t n = 0;
        char quote = 0;
        for (; *p; p++) {
            if (*p == '\\' && p[1]) {
                tok[n++] = *++p;
            } else if (*p == '\\') {
                /* A backslash at the very end escapes nothing and vanishes. */
            } else if (quote) {
                if (*p == quote)
                    quote = 0;
                else
                    tok[n++] = *p;
            } else if (*p == '\'' || *p == '"') {
                quote = *p;
            } else if (is_space(*p)) {
                break;
            } else {
                tok[n++] = *p;
            }
        }
        tok[n] = '\0';
        if (expand_arg(out, tok, cwd, depth) != 0) {
            free(tok);
            return -1;
        }
    }
    free(tok);
    return 0;
}

static int expand_arg(strvec *out, const char *arg, const char *cwd, int depth)
{
    if (arg[0] != '@' || arg[1] == '\0')
        return strvec_push(out, strdup(arg));
    if (depth >= RESPFILE_MAX_DEPTH)
        return -1;
    const char *name = arg + 1;
    char *path = NULL;
    if (name[0] != '/' && cwd && *cwd) {
        size_t lc = strlen(cwd), ln = strlen(name);
        if (!(path = malloc(lc + ln + 2)))
            return -1;
        memcpy(path, cwd, lc);
        path[lc] = '/';
        memcpy(path + lc + 1, name, ln + 1);
    }
    int missing;
    char *text = read_whole(path ? path : name, &missing);
    free(path);
    if (!text)
        return missing ? strvec_push(out, strdup(arg)) : -1;
    int rc = expand_text(out, text, cwd, depth + 1);
    free(text);
    return rc;
}

int respfile_expand(int argc, char *const *argv, const char *cwd, int *out_argc,
                    char ***out_argv)
{
    strvec sv = {0};
    *out_argv = NULL;
    *out_argc = 0;
    /* argv[0] is the compiler; like gcc, never expand it. */
    int rc = argc > 0 ? strvec_push(&sv, strdup(argv[0])) : 0;
    for (int i = 1; rc == 0 && i < argc; i++)
        rc = expand_arg(&sv, argv[i], cwd, 0);
    if (rc == 0 && !sv.v && !(sv.v = calloc(1, sizeof *sv.v))) /* argc == 0 */
        rc = -1;
    if (rc != 0) {
        strvec_free(&sv);
        return -1;
    }
    *out_argv = sv.v;
    *out_argc = sv.n;
    return 0;
}
