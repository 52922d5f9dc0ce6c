/* SPDX-License-Identifier: Apache-2.0 */
/* hdrtrace.c — separating the -H header trace from a compile's stderr.
 * See hdrtrace.h for what the trace looks like and why ricc asks for it.
 *
 * Two passes over the lines: the first takes out trace lines (dots, pch
 * marks) and collects their paths; the second, once every path is known,
 * takes out gcc's closing "include guards" block, which lists only paths
 * the trace named.  Requiring that keeps a look-alike line of the user's own
 * output from being eaten. */
#include "wrapper/deps/hdrtrace.h"

#include <stdlib.h>
#include <string.h>

#include "wrapper/util/strvec.h"

static const char BANNER[] = "Multiple include guards may be useful for:";

typedef struct line {
    const char *p;
    size_t len;      /* without the '\n' */
    int has_nl;
    int keep;
} line;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_known(const hdrtrace *t, const char *p, size_t len)
{
    char *key = strndup(p, len);
    if (!key)
        return 0;
    int found = bsearch(&key, t->paths, (size_t)t->n_paths, sizeof *t->paths, cmp_str) != NULL;
    free(key);
    return found;
}

/* A trace line: its path (start and length) or NULL. */
static const char *trace_path(const line *l, size_t *plen, int *pch)
{
    size_t i = 0;
    while (i < l->len && l->p[i] == '.')
        i++;
    if (i > 0 && i + 1 < l->len && l->p[i] == ' ') {
        *plen = l->len - i - 1;
        *pch = 0;
        return l->p + i + 1;
    }
    if (l->len > 2 && (l->p[0] == '!' || l->p[0] == 'x') && l->p[1] == ' ' &&
        (memmem(l->p, l->len, ".gch", 4) || memmem(l->p, l->len, ".pch", 4))) {
        *plen = l->len - 2;
        *pch = 1;
        return l->p + 2;
    }
    return NULL;
}

static int add_path(hdrtrace *t, int *cap, const char *p, size_t len)
{
    if (t->n_paths + 1 >= *cap) {
        int ncap = *cap ? *cap * 2 : 64;
        char **v = realloc(t->paths, sizeof *v * (size_t)ncap);
        if (!v)
            return -1;
        t->paths = v;
        *cap = ncap;
    }
    if (!(t->paths[t->n_paths] = strndup(p, len)))
        return -1;
    t->paths[++t->n_paths] = NULL;
    return 0;
}

int hdrtrace_split(const char *err, size_t len, hdrtrace *out)
{
    memset(out, 0, sizeof *out);
    size_t n_lines = 0;
    for (size_t i = 0; i < len; i++)
        n_lines += err[i] == '\n';
    line *lines = calloc(n_lines + 1, sizeof *lines);
    int cap = 0;
    if (!lines)
        return -1;

    size_t n = 0;
    for (const char *p = err, *end = err + len; p < end; n++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        lines[n].p = p;
        lines[n].len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        lines[n].has_nl = nl != NULL;
        lines[n].keep = 1;
        p += lines[n].len + (nl != NULL);
    }

    for (size_t i = 0; i < n; i++) {
        size_t plen;
        int pch;
        const char *path = trace_path(&lines[i], &plen, &pch);
        if (!path)
            continue;
        lines[i].keep = 0;
        if (pch)
            out->pch = 1;
        else if (add_path(out, &cap, path, plen) != 0)
            goto fail;
    }
    if (!out->paths && !(out->paths = calloc(1, sizeof *out->paths)))
        goto fail;
    out->n_paths = strs_sort_unique(out->paths, out->n_paths);
    out->paths[out->n_paths] = NULL;

    /* The last banner followed by at least one traced path. */
    for (size_t i = n; i-- > 0;) {
        if (!lines[i].keep || lines[i].len != sizeof BANNER - 1 ||
            memcmp(lines[i].p, BANNER, sizeof BANNER - 1) != 0)
            continue;
        size_t j = i + 1;
        while (j < n && lines[j].keep && is_known(out, lines[j].p, lines[j].len))
            j++;
        if (j == i + 1)
            continue;
        for (size_t k = i; k < j; k++)
            lines[k].keep = 0;
        break;
    }

    if (!(out->err = malloc(len + 1)))
        goto fail;
    for (size_t i = 0; i < n; i++) {
        if (!lines[i].keep)
            continue;
        memcpy(out->err + out->err_len, lines[i].p, lines[i].len);
        out->err_len += lines[i].len;
        if (lines[i].has_nl)
            out->err[out->err_len++] = '\n';
    }
    out->err[out->err_len] = '\0';
    free(lines);
    return 0;

fail:
    free(lines);
    hdrtrace_free(out);
    return -1;
}

void hdrtrace_free(hdrtrace *t)
{
    for (int i = 0; i < t->n_paths; i++)
        free(t->paths[i]);
    free(t->paths);
    free(t->err);
    memset(t, 0, sizeof *t);
}

static int english(const char *v)
{
    return !v || !*v || !strcmp(v, "C") || !strncmp(v, "C.", 2) || !strcmp(v, "POSIX") ||
           !strncmp(v, "en", 2);
}

int hdrtrace_messages_english(void)
{
    /* gettext's order: LANGUAGE (a ':' list, used unless the locale is C),
     * then LC_ALL, LC_MESSAGES, LANG. */
    const char *loc = getenv("LC_ALL");
    if (!loc || !*loc)
        loc = getenv("LC_MESSAGES");
    if (!loc || !*loc)
        loc = getenv("LANG");
    if (!english(loc))
        return 0;
    const char *language = getenv("LANGUAGE");
    if (language && *language && loc && *loc && strcmp(loc, "C") && strcmp(loc, "POSIX")) {
        /* Every entry must be English. */
        for (const char *p = language; *p;) {
            if (strncmp(p, "en", 2) != 0 && *p != ':')
                return 0;
            const char *colon = strchr(p, ':');
            if (!colon)
                break;
            p = colon + 1;
        }
    }
    return 1;
}
