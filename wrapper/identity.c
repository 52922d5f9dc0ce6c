/* identity.c — the compiler's identity by content, remembered by stat.
 * See identity.h for the why. */
#include "wrapper/identity.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/fsutil.h"
#include "cache/log.h"
#include "wrapper/compiler.h"
#include "wrapper/run.h"

#define MAX_PARTS 8

typedef struct part {
    char *path;
    struct stat st;
    digest d;
} part;

/* One line per part: "dev ino size mtime.ns ctime.ns hash path\n". */
static int format_part(const part *p, char *line, size_t cap)
{
    int n = snprintf(line, cap, "%llu %llu %lld %lld.%09ld %lld.%09ld %s %s\n",
                     (unsigned long long)p->st.st_dev, (unsigned long long)p->st.st_ino,
                     (long long)p->st.st_size, (long long)p->st.st_mtim.tv_sec,
                     p->st.st_mtim.tv_nsec, (long long)p->st.st_ctim.tv_sec,
                     p->st.st_ctim.tv_nsec, p->d.hash, p->path);
    return n > 0 && (size_t)n < cap ? n : -1;
}

/* The identity proper: each part's content hash and path, not its stat, so
 * reinstalling the same compiler (new inode, new mtime) keeps the key. */
static void identity_add(digest_ctx *c, const char *hash, const char *path)
{
    digest_ctx_update(c, hash, DIGEST_HEX_LEN);
    digest_ctx_update(c, " ", 1);
    digest_ctx_update(c, path, strlen(path) + 1);
}

/* The stored record is valid when the compiler's name still leads to the
 * file of its first line (a symlink `cc` re-pointed from gcc to clang leaves
 * both files unchanged) and every file still has the same stat; then the
 * identity is computed from it into *out.  Line format: see format_part. */
static int record_still_valid(char *text, const char *compiler, digest *out)
{
    char *real = realpath(compiler, NULL);
    if (!real)
        return 0;
    digest_ctx *c = digest_ctx_new();
    if (!c) {
        free(real);
        return 0;
    }
    int lines = 0, bad = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line && !bad;
         line = strtok_r(NULL, "\n", &save)) {
        char *sp = line;
        for (int i = 0; i < 6 && sp; i++)
            sp = strchr(sp + 1, ' ');
        part p = {.path = sp ? sp + 1 : NULL};
        if (!sp || sp - line < DIGEST_HEX_LEN || (lines == 0 && strcmp(p.path, real) != 0) ||
            stat(p.path, &p.st) != 0) {
            bad = 1;
            break;
        }
        memcpy(p.d.hash, sp - DIGEST_HEX_LEN, DIGEST_HEX_LEN);
        p.d.hash[DIGEST_HEX_LEN] = '\0';
        char expect[4096];
        size_t n = strlen(line);
        if (format_part(&p, expect, sizeof expect) < 0 || strncmp(expect, line, n) != 0 ||
            expect[n] != '\n') {
            bad = 1;
            break;
        }
        identity_add(c, p.d.hash, p.path);
        lines++;
    }
    digest_ctx_final(c, out);
    free(real);
    return !bad && lines > 0;
}

/* Ask the compiler where one of its programs lives. */
static char *prog_name(const char *compiler, const char *prog)
{
    char opt[64];
    snprintf(opt, sizeof opt, "-print-prog-name=%s", prog);
    char *argv[] = {(char *)compiler, opt, NULL};
    run_result r;
    if (run_capture(compiler, argv, &r) != 0)
        return NULL;
    char *res = NULL;
    if (r.status == 0) {
        r.out[strcspn(r.out, "\n")] = '\0';
        /* A bare name ("as") is looked up on PATH as the compiler would;
         * a name that resolves nowhere ("cc1" from clang) is not a part. */
        if (r.out[0])
            res = run_find_program(r.out);
        if (res && access(res, R_OK) != 0) {
            free(res);
            res = NULL;
        }
    }
    run_result_free(&r);
    return res;
}

static int add_part(part *parts, int *n, char *path)
{
    if (!path)
        return 0;
    char *real = realpath(path, NULL);
    free(path);
    if (!real)
        return 0;
    for (int i = 0; i < *n; i++)
        if (strcmp(parts[i].path, real) == 0) {
            free(real);
            return 0;
        }
    part *p = &parts[*n];
    p->path = real;
    if (stat(real, &p->st) != 0 || digest_file(real, &p->d) != 0) {
        free(real);
        return -1;
    }
    (*n)++;
    return 0;
}

const char *const *identity_programs(int lang)
{
    static const char *const c[] = {"cc1", "as", NULL}, *const cxx[] = {"cc1plus", "as", NULL},
                             *const objc[] = {"cc1obj", "as", NULL},
                             *const objcxx[] = {"cc1objplus", "as", NULL},
                             *const all[] = {"cc1", "cc1plus", "cc1obj", "as", NULL};
    switch (lang) {
    case LANG_C: case LANG_C_PRE: case LANG_ASM_CPP: return c;
    case LANG_CXX: case LANG_CXX_PRE: return cxx;
    case LANG_OBJC: case LANG_OBJC_PRE: return objc;
    case LANG_OBJCXX: case LANG_OBJCXX_PRE: return objcxx;
    default: return all;
    }
}

int compiler_identity(const char *compiler, const char *ricc_dir, const char *const *progs,
                      digest *out)
{
    char *rec_path = NULL;
    if (ricc_dir) {
        digest pd;
        digest_ctx *dc = digest_ctx_new();
        if (!dc)
            return -1;
        digest_ctx_update(dc, compiler, strlen(compiler) + 1);
        for (const char *const *p = progs; *p; p++)
            digest_ctx_update(dc, *p, strlen(*p) + 1);
        digest_ctx_final(dc, &pd);
        char name[32 + DIGEST_HEX_LEN];
        snprintf(name, sizeof name, "identity/%.32s", pd.hash);
        rec_path = path_join(ricc_dir, name);
        char *text;
        size_t len;
        if (rec_path && fs_read_file(rec_path, &text, &len) == 0) {
            int ok = record_still_valid(text, compiler, out);
            free(text);
            if (ok) {
                free(rec_path);
                return 0;
            }
        }
    }

    part parts[MAX_PARTS];
    int n = 0, rc = 0;
    char *self = strdup(compiler);
    if (!self || add_part(parts, &n, self) != 0 || n == 0) {
        free(rec_path);
        for (int i = 0; i < n; i++)
            free(parts[i].path);
        return -1;
    }
    for (const char *const *p = progs; *p && rc == 0 && n < MAX_PARTS; p++)
        rc = add_part(parts, &n, prog_name(compiler, *p));

    char *text = NULL;
    size_t len = 0;
    digest_ctx *c = rc == 0 ? digest_ctx_new() : NULL;
    if (!c)
        rc = -1;
    for (int i = 0; i < n && rc == 0; i++) {
        char line[4096];
        int l = format_part(&parts[i], line, sizeof line);
        char *grown = l < 0 ? NULL : realloc(text, len + (size_t)l + 1);
        if (!grown) {
            rc = -1;
            break;
        }
        text = grown;
        memcpy(text + len, line, (size_t)l + 1);
        len += (size_t)l;
        identity_add(c, parts[i].d.hash, parts[i].path);
    }
    if (c)
        digest_ctx_final(c, out);
    if (rc == 0) {
        if (rec_path && atomic_write_file(rec_path, text, len, 0644) != 0)
            LOG_D("cannot record compiler identity in %s: %s", rec_path, strerror(errno));
    }
    free(text);
    free(rec_path);
    for (int i = 0; i < n; i++)
        free(parts[i].path);
    return rc;
}
