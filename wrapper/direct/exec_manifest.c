/* SPDX-License-Identifier: Apache-2.0 */
/* exec_manifest.c — the manifests of traced tools (exec_tool.c, whose top
 * comment gives the format): does an entry still hold here, and which
 * action do its lines give.
 *
 * An entry holds when every file it read ("I") still has its digest, every
 * directory it opened ("Y") and path it probed ("P") is still of the same
 * kind, every path it found absent ("A") still is, every metadata the tool
 * looked at ("M" mode, owner, size, mtime...; "X" permissions; "L" a link's
 * target; "Z" a resolved name) still has the value it keyed (one stat,
 * access or readlink each: a hit stays a walk of system calls, no file
 * read), and every output ("O")
 * and directory it made ("K") is a path inside the working tree.  That last
 * check is for manifests that come from a remote: text anyone could have
 * written must not make ricc write elsewhere.  For the same reason a remote
 * entry's action is computed again from its own lines (xman_entry_gives),
 * so it can lead only to the result of the lines just checked here. */
#include "wrapper/direct/exec_manifest.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wrapper/trace/exec_trace.h"
#include "wrapper/compiler/inputs.h"
#include "wrapper/direct/textman.h"

#define ACTION_MAGIC "ricc-exec-action-1\n"

int xman_absent(const char *path)
{
    struct stat st;
    return stat(path, &st) != 0 && (errno == ENOENT || errno == ENOTDIR);
}

char xman_kind(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return 0;
    return S_ISREG(st.st_mode) ? 'f' : S_ISDIR(st.st_mode) ? 'd' : 'o';
}

int xman_push(char ***v, int *n, char *s)
{
    char **nv = realloc(*v, (size_t)(*n + 1) * sizeof *nv);
    if (!nv)
        return -1;
    nv[(*n)++] = s;
    *v = nv;
    return 0;
}

/* Relative, and inside the working tree, as exec_tool.c's tree_relative
 * makes them. */
static int tree_path_ok(const char *p)
{
    if (!p[0] || p[0] == '/')
        return 0;
    for (const char *s = p; s; s = strchr(s, '/'), s = s ? s + 1 : NULL)
        if (s[0] == '.' && s[1] == '.' && (s[2] == '/' || s[2] == '\0'))
            return 0;
    return 1;
}

/* Digest of a string, as hex, in out[cap]. */
static int hash_text(const char *text, size_t n, char *out, size_t cap)
{
    digest dg;
    digest_ctx *d = cap >= sizeof dg.hash ? digest_ctx_new() : NULL;
    if (!d)
        return -1;
    digest_ctx_update(d, text, n);
    digest_ctx_final(d, &dg);
    memcpy(out, dg.hash, sizeof dg.hash);
    return 0;
}

int xman_observe(const char *path, char tag, unsigned fields, int nofollow, char *out,
                 size_t cap)
{
    struct stat st;
    char buf[PATH_MAX];
    int n;
    switch (tag) {
    case 'M': {
        if ((nofollow ? lstat(path, &st) : stat(path, &st)) != 0)
            return -1;
        fields &= XM_FIELDS;
        n = snprintf(out, cap, "%c%u:%o", nofollow ? 'l' : 'f', fields, (unsigned)st.st_mode);
        if (n > 0 && (size_t)n < cap && (fields & XM_OWNER))
            n += snprintf(out + n, cap - (size_t)n, ",u%u.%u", (unsigned)st.st_uid,
                          (unsigned)st.st_gid);
        if (S_ISDIR(st.st_mode))
            return n > 0 && (size_t)n < cap ? 0 : -1;
        if (n > 0 && (size_t)n < cap && (fields & XM_NLINK))
            n += snprintf(out + n, cap - (size_t)n, ",n%lu", (unsigned long)st.st_nlink);
        if (n > 0 && (size_t)n < cap && (fields & XM_SIZE))
            n += snprintf(out + n, cap - (size_t)n, ",s%lld", (long long)st.st_size);
        if (n > 0 && (size_t)n < cap && (fields & XM_MTIME))
            n += snprintf(out + n, cap - (size_t)n, ",t%lld.%09ld", (long long)st.st_mtim.tv_sec,
                          (long)st.st_mtim.tv_nsec);
        return n > 0 && (size_t)n < cap ? 0 : -1;
    }
    case 'X': {
        unsigned granted = 0;
        fields &= R_OK | W_OK | X_OK;
        if (stat(path, &st) != 0)
            return -1;
        for (unsigned bit = 1; bit <= 4; bit <<= 1)
            if ((fields & bit) && access(path, (int)bit) == 0)
                granted |= bit;
        n = snprintf(out, cap, "%u:%u", fields, granted);
        return n > 0 && (size_t)n < cap ? 0 : -1;
    }
    case 'L': {
        ssize_t len = readlink(path, buf, sizeof buf);
        if (len < 0 && errno == EINVAL && cap >= 2) {
            memcpy(out, "-", 2);
            return 0;
        }
        if (len < 0 || (size_t)len >= sizeof buf)
            return -1;
        return hash_text(buf, (size_t)len, out, cap);
    }
    case 'Z':
        if (!realpath(path, buf))
            return -1;
        return hash_text(buf, strlen(buf), out, cap);
    default:
        return -1;
    }
}

/* An "M", "X", "L" or "Z" line: does the value it keyed still hold?  The
 * line is "TAG ARG PATH"; ARG's first characters say what to look at. */
static int observed_holds(char *line)
{
    char *arg = line + 2, *sp = strchr(arg, ' '), now[160];
    if (!sp || sp == arg)
        return 0;
    *sp = '\0';
    unsigned fields = 0;
    int nofollow = 0;
    if (line[0] == 'M') {
        nofollow = arg[0] == 'l';
        fields = (unsigned)strtoul(arg + 1, NULL, 10);
    } else if (line[0] == 'X') {
        fields = (unsigned)strtoul(arg, NULL, 10);
    }
    int ok = xman_observe(sp + 1, line[0], fields, nofollow, now, sizeof now) == 0 &&
             !strcmp(now, arg);
    *sp = ' ';
    return ok;
}

/* Does one line of an entry still hold? */
static int line_holds(char *line)
{
    char hash[DIGEST_HEX_LEN + 1];
    long long size;
    int n = 0;
    struct stat st;
    digest d;
    unsigned flags;
    switch (line[0]) {
    case 'I':
        return sscanf(line + 2, "%64s %lld %n", hash, &size, &n) == 2 && n > 0 &&
               input_digest(line + 2 + n, &st, &d, &flags) == 0 && !strcmp(d.hash, hash) &&
               d.size_bytes == size;
    case 'Y':
        return xman_kind(line + 2) == 'd';
    case 'P':
        return line[2] && line[3] == ' ' && xman_kind(line + 4) == line[2];
    case 'A':
        return xman_absent(line + 2);
    case 'M':
    case 'X':
    case 'L':
    case 'Z':
        return observed_holds(line);
    case 'O':
    case 'K':
        return tree_path_ok(line + 2);
    default:
        return 0;
    }
}

int xman_match(char *text, xman_entry *m)
{
    int ok = 0, in_entry = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == 'E' && line[1] == ' ') {
            if (in_entry && ok)
                return 1;
            in_entry = 1;
            m->entry = line;
            m->n_outputs = m->n_dirs = 0;
            ok = textman_entry_action(line, &m->action);
            continue;
        }
        if (!in_entry || !ok)
            continue;
        if (line[1] != ' ') {
            ok = 0;
            continue;
        }
        ok = line_holds(line);
        if (ok && line[0] == 'O' && xman_push(&m->outputs, &m->n_outputs, line + 2) != 0)
            return -1;
        if (ok && line[0] == 'K' && xman_push(&m->dirs, &m->n_dirs, line + 2) != 0)
            return -1;
    }
    return in_entry && ok;
}

int xman_entry_action(const digest *mkey, const char *body, size_t len, digest *out)
{
    digest_ctx *d = digest_ctx_new();
    if (!d)
        return -1;
    digest_ctx_update(d, ACTION_MAGIC, strlen(ACTION_MAGIC));
    digest_ctx_update(d, mkey->hash, DIGEST_HEX_LEN);
    digest_ctx_update(d, body, len);
    digest_ctx_final(d, out);
    return 0;
}

int xman_entry_gives(const digest *mkey, const char *e, const digest *action)
{
    const char *body = strchr(e, '\n'), *end = body ? strstr(body, "\nE ") : NULL;
    digest got;
    return body &&
           xman_entry_action(mkey, body + 1, end ? (size_t)(end - body) : strlen(body + 1),
                             &got) == 0 &&
           digest_equal(&got, action);
}

void xman_match_free(xman_entry *m)
{
    free(m->outputs);
    free(m->dirs);
    m->outputs = m->dirs = NULL;
    m->n_outputs = m->n_dirs = 0;
}
