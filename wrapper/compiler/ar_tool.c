/* SPDX-License-Identifier: Apache-2.0 */
/* ar_tool.c — the identity of an ar program, by content (ar.c's key holds it
 * when no toolchain digest stands for the toolchain).
 *
 * What decides the archive GNU ar writes, besides its arguments and input
 * files: the content of the executable, of the shared libraries it loads
 * (libbfd carries the archive writer), and of the files in its bfd-plugins
 * directory (the LTO plugin decides the symbol index of LTO objects); and
 * whether it is deterministic by default (built with
 * --enable-deterministic-archives, `ar --help` then says "[D] ...
 * (default)", as Debian's does).  Finding the libraries and the default
 * costs two runs of ar (`--help`, and the loader's trace with
 * LD_TRACE_LOADED_OBJECTS, what ldd does), done once per ar executable
 * content and remembered in the store as a small record; later calls only
 * stat those files through the stat index.  An ar that is not an ELF
 * executable (a script could run any ar) or not GNU ar is kind 'X', which
 * ar.c never caches.
 *
 * The record, under a digest of the executable's path, content and
 * LD_LIBRARY_PATH: "K\n" (K the kind) then one absolute library path per
 * line.  A library that has gone makes the record stale: it is dropped and
 * the call is not cached; the next call makes it again. */
#include "wrapper/compiler/ar_tool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/util/fsutil.h"
#include "cache/util/log.h"
#include "wrapper/compiler/inputs.h"
#include "wrapper/util/run.h"

#define TOOL_MAGIC "ricc-ar-tool-1\n"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_elf(const char *path)
{
    char head[4];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, head, sizeof head);
    close(fd);
    return n == 4 && !memcmp(head, "\177ELF", 4);
}

/* 'D' or 'U' from GNU ar's --help ("[D] - use zero for timestamps and
 * uids/gids (default)"), 'X' when it is not GNU ar's help. */
static char default_mode(const char *ar)
{
    char *argv[] = {(char *)ar, "--help", NULL};
    run_result r;
    if (run_capture(ar, argv, &r) != 0)
        return 'X';
    char kind = 'X';
    const char *line = r.status == 0 ? strstr(r.out, "[D]") : NULL;
    if (line && strstr(r.out, "Usage: ") && strstr(r.out, " - replace existing or insert")) {
        size_t n = strcspn(line, "\n");
        const char *zero = strstr(line, "use zero for timestamps");
        const char *dflt = strstr(line, "(default)");
        if (zero && (size_t)(zero - line) < n)
            kind = dflt && (size_t)(dflt - line) < n ? 'D' : 'U';
    }
    run_result_free(&r);
    return kind;
}

/* The record: "K\n" then one absolute library path per line, from the
 * loader's trace ("\tlibbfd.so => /lib/.../libbfd.so (0x...)",
 * "\t/lib64/ld-linux-x86-64.so.2 (0x...)").  malloc'd, or NULL. */
static char *make_record(const char *ar)
{
    char kind = is_elf(ar) ? default_mode(ar) : 'X';
    size_t cap = 64, len = 0;
    char *text = malloc(cap);
    if (!text)
        return NULL;
    len = (size_t)snprintf(text, cap, "%c\n", kind);
    if (kind == 'X')
        return text;
    char *argv[] = {(char *)ar, "--version", NULL};
    run_result r;
    /* ricc is one thread: the variable reaches this child only. */
    setenv("LD_TRACE_LOADED_OBJECTS", "1", 1);
    int started = run_capture(ar, argv, &r);
    unsetenv("LD_TRACE_LOADED_OBJECTS");
    if (started != 0 || r.status != 0) {
        if (started == 0)
            run_result_free(&r);
        free(text);
        return NULL;
    }
    for (char *save = NULL, *l = strtok_r(r.out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        char *arrow = strstr(l, " => ");
        char *path = arrow ? arrow + 4 : l + strspn(l, "\t ");
        char *end = strstr(path, " (0x");
        if (path[0] != '/' || !end)
            continue;
        size_t n = (size_t)(end - path);
        if (len + n + 2 > cap) {
            cap = (len + n + 2) * 2;
            char *t = realloc(text, cap);
            if (!t) {
                free(text);
                run_result_free(&r);
                return NULL;
            }
            text = t;
        }
        memcpy(text + len, path, n);
        len += n;
        text[len++] = '\n';
        text[len] = '\0';
    }
    run_result_free(&r);
    return text;
}

/* Every file in dir (sorted), name and content, into d.  A missing
 * directory adds a mark; an unreadable entry adds its name alone.  0, or -1
 * when there are too many to say (or no memory). */
static int add_plugins(digest_ctx *d, const char *dir)
{
    DIR *dh = opendir(dir);
    if (!dh) {
        digest_ctx_update(d, "no-plugins\n", 11);
        return 0;
    }
    char *names[64];
    int n = 0, rc = 0;
    for (struct dirent *e; (e = readdir(dh));) {
        if (e->d_name[0] == '.')
            continue;
        if (n == 64 || !(names[n] = strdup(e->d_name))) {
            rc = -1;
            break;
        }
        n++;
    }
    closedir(dh);
    /* cppcheck-suppress uninitvar ; (qsort reads names[0..n), all set) */
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    for (int i = 0; i < n; i++) {
        char *p = path_join(dir, names[i]);
        struct stat st;
        digest fd;
        unsigned flags;
        digest_ctx_update(d, names[i], strlen(names[i]) + 1);
        if (p && input_digest(p, &st, &fd, &flags) == 0)
            digest_ctx_update(d, fd.hash, DIGEST_HEX_LEN);
        digest_ctx_update(d, "\n", 1);
        free(p);
        free(names[i]);
    }
    return rc;
}

int ar_tool_identity(const char *ar, store *st, char *kind, digest *id)
{
    char *real = realpath(ar, NULL);
    struct stat sb;
    digest self, rkey;
    unsigned flags;
    if (!real || input_digest(real, &sb, &self, &flags) != 0) {
        free(real);
        return -1;
    }
    const char *llp = getenv("LD_LIBRARY_PATH");
    digest_ctx *d = digest_ctx_new();
    if (!d) {
        free(real);
        return -1;
    }
    digest_ctx_update(d, TOOL_MAGIC, strlen(TOOL_MAGIC));
    digest_ctx_update(d, real, strlen(real) + 1);
    digest_ctx_update(d, self.hash, DIGEST_HEX_LEN);
    digest_ctx_update(d, llp ? llp : "", llp ? strlen(llp) + 1 : 0);
    digest_ctx_final(d, &rkey);

    char *text = NULL;
    size_t len = 0;
    if (store_get(st, STORE_MANIFEST, &rkey, &text, &len) != 0 || len < 2 || text[1] != '\n') {
        free(text);
        if (!(text = make_record(real))) {
            free(real);
            return -1;
        }
        if (store_put(st, STORE_MANIFEST, &rkey, text, strlen(text)) != 0)
            LOG_D("cannot remember ar's identity: %s", strerror(errno));
    } else {
        char *t = realloc(text, len + 1);
        if (!t) {
            free(text);
            free(real);
            return -1;
        }
        text = t;
        text[len] = '\0';
    }
    *kind = text[0];
    int rc = 0;
    if (!(d = digest_ctx_new()))
        rc = -1;
    else {
        digest_ctx_update(d, "ricc-ar-identity-1\n", 19);
        digest_ctx_update(d, text, 2);
        digest_ctx_update(d, real, strlen(real) + 1);
        digest_ctx_update(d, self.hash, DIGEST_HEX_LEN);
        for (char *save = NULL, *l = strtok_r(text + 2, "\n", &save); l && rc == 0;
             l = strtok_r(NULL, "\n", &save)) {
            digest ld;
            if (input_digest(l, &sb, &ld, &flags) != 0) {
                /* A library gone: the record is stale; the next call redoes it. */
                LOG_I("ar's library %s: %s", l, strerror(errno));
                store_remove(st, STORE_MANIFEST, &rkey);
                rc = -1;
                break;
            }
            digest_ctx_update(d, l, strlen(l) + 1);
            digest_ctx_update(d, ld.hash, DIGEST_HEX_LEN);
        }
        /* BINDIR/../lib/bfd-plugins, where libbfd looks for plugins. */
        char *bin = strrchr(real, '/');
        if (bin) {
            *bin = '\0';
            char *top = strrchr(real, '/');
            if (top)
                *top = '\0';
            char *dir = path_join(real[0] ? real : "/", "lib/bfd-plugins");
            if (!dir || add_plugins(d, dir) != 0)
                rc = -1;
            free(dir);
        }
        digest_ctx_final(d, id);
    }
    free(text);
    free(real);
    return rc;
}

