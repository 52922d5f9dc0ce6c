/* SPDX-License-Identifier: Apache-2.0 */
/* depfile.c — reading the make rules that `cc -M` / `-MD` write.
 *
 * The dependency scan's output is how ricc learns every file a compile
 * reads, so this parser must neither drop a name nor invent one.  The
 * format is the make subset gcc and clang emit:
 *
 *   target…: prereq prereq \
 *    prereq
 *   header.h:                    (-MP: one empty "phony" rule per header)
 *
 * Escapes, as both compilers write them: a space in a name is "\ " (and
 * backslashes right before such a space are doubled), '#' is "\#", '$' is
 * "$$"; backslash-newline continues the line.  Other backslashes are
 * literal.  A colon ends the target list only when whitespace or the end
 * of the line follows it, so names like "c:x" survive.
 *
 * Only prerequisites are collected: targets are the object (or the "_"
 * the scan asks for) and, with -MP, headers already listed as
 * prerequisites.  Duplicates are dropped (first occurrence wins, order is
 * kept) with a hash set (strtab.h), since C++ rules list hundreds of
 * headers. */
#include <stdlib.h>
#include <string.h>

#include "cache/util/strtab.h"
#include "wrapper/compiler/compiler.h"

static int is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r';
}

/* Is p at a line end: "\n", "\r\n", or the end of the text? */
static int at_eol(const char *p, const char *end)
{
    return p >= end || *p == '\n' || (*p == '\r' && (p + 1 >= end || p[1] == '\n'));
}

/* Is p at a backslash-newline continuation? Returns its length or 0. */
static int continuation(const char *p, const char *end)
{
    if (p >= end || *p != '\\')
        return 0;
    if (p + 1 < end && p[1] == '\n')
        return 2;
    if (p + 2 < end && p[1] == '\r' && p[2] == '\n')
        return 3;
    return 0;
}

/* Read one name at *pp into tok (unescaped); stop at unescaped whitespace,
 * a continuation, a line end, or a target-ending colon (*colon set). */
static size_t read_name(const char **pp, const char *end, char *tok, int in_targets, int *colon)
{
    const char *p = *pp;
    size_t n = 0;
    *colon = 0;
    while (p < end && !is_blank(*p) && *p != '\n' && !continuation(p, end)) {
        if (*p == '\\') {
            const char *q = p;
            while (q < end && *q == '\\')
                q++;
            size_t k = (size_t)(q - p);
            if (q < end && (*q == ' ' || *q == '\t' || *q == '#')) {
                /* 2m backslashes + space: m backslashes, then a separator;
                 * 2m+1: m backslashes and a space in the name. */
                memset(tok + n, '\\', k / 2);
                n += k / 2;
                p = q;
                if (*q == '#' || k % 2) {
                    tok[n++] = *q;
                    p++;
                    continue;
                }
                break;
            }
            if (continuation(q - 1, end)) {
                /* Backslashes, the last of which starts a continuation. */
                memset(tok + n, '\\', k - 1);
                n += k - 1;
                p = q - 1;
                break;
            }
            memset(tok + n, '\\', k);
            n += k;
            p = q;
        } else if (*p == '$' && p + 1 < end && p[1] == '$') {
            tok[n++] = '$';
            p += 2;
        } else if (*p == ':' && in_targets &&
                   (p + 1 >= end || is_blank(p[1]) || p[1] == '\n' || continuation(p + 1, end))) {
            *colon = 1;
            p++;
            break;
        } else {
            tok[n++] = *p++;
        }
    }
    *pp = p;
    return n;
}

int depfile_parse(const char *text, size_t len, char ***files)
{
    strtab d = {0};
    const char *p = text, *end = text + len;
    char *tok = malloc(len + 1);
    int in_targets = 1, n_targets = 0;
    *files = NULL;
    if (!tok || memchr(text, '\0', len))
        goto bad;
    while (p < end) {
        int c = continuation(p, end);
        if (c || is_blank(*p)) {
            p += c ? c : 1;
            continue;
        }
        if (*p == '\n') {
            if (in_targets && n_targets > 0)
                goto bad; /* a line of names without a colon */
            in_targets = 1;
            n_targets = 0;
            p++;
            continue;
        }
        if (*p == '#' && in_targets && n_targets == 0) {
            while (!at_eol(p, end))
                p++;
            continue;
        }
        int colon;
        size_t n = read_name(&p, end, tok, in_targets, &colon);
        if (in_targets) {
            n_targets += n > 0;
            if (colon) {
                if (n_targets == 0)
                    goto bad; /* ": prereq" with no target */
                in_targets = 0;
            }
        } else if (n > 0 && !strtab_get(&d, tok, n, NULL)) {
            goto bad;
        }
    }
    if (in_targets && n_targets > 0)
        goto bad;
    free(tok);
    int n = d.n;
    if (!(*files = strtab_take(&d))) {
        strtab_free(&d);
        return -1;
    }
    return n;

bad:
    free(tok);
    strtab_free(&d);
    return -1;
}
