/* SPDX-License-Identifier: Apache-2.0 */
/* config_write.c — ricc -o KEY=VALUE and -M SIZE: one setting changed in a
 * settings file that a person also edits.
 *
 * The file is edited as lines, not parsed and printed again: a YAML emitter
 * would drop the comments and reorder what the person wrote.  Only the
 * line of the setting (`key: value`, at the start of a line) is replaced,
 * or the entry line `  NAME: value` under `remote_platform:` /
 * `remote_env:`; a setting not there is added at the end.  Every other line
 * stays as it was.  A value is written plain when YAML reads it back as the
 * same text, double-quoted otherwise.
 *
 * Nothing is written unless it loads: the key and value are checked first
 * with the loader's own parsers (so the messages are the loader's), then the
 * whole new text is parsed as loading would parse it (config_check_text), and
 * only then does it replace the file, atomically (temp file + rename), so a
 * build running meanwhile reads the old file or the new one. */
#include "cache/util/config.h"
#include "cache/util/config_int.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cache/util/fsutil.h"


/* A map entry's name as the loader and the environment take it. */
static int plain_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!(s[0] >= 'a' && s[0] <= 'z') && !(s[0] >= 'A' && s[0] <= 'Z') &&
            !(s[0] >= '0' && s[0] <= '9') && !strchr("_-.", s[0]))
            return 0;
    return 1;
}

/* key -> the setting's index, and *entry = the map entry's name after the
 * dot (NULL if none).  -1 with *err when it names no setting. */
static int parse_key(const char *key, const char **entry, char **err)
{
    char name[64];
    const char *dot = strchr(key, '.');
    size_t n = dot ? (size_t)(dot - key) : strlen(key);
    int i = n < sizeof name ? (snprintf(name, sizeof name, "%.*s", (int)n, key),
                               config_find_setting(name))
                            : -1;
    *entry = dot ? dot + 1 : NULL;
    if (i < 0) {
        char hint[96];
        config_suggest(n < sizeof name ? name : key, hint, sizeof hint);
        config_fail(err, "%s: unknown setting%s", key, hint);
        return -1;
    }
    const struct setting *s = &config_settings[i];
    if (s->type == T_MAP && !dot) {
        config_fail(err, "%s: a mapping of names to values: set one entry with %s.NAME=VALUE", key, key);
        return -1;
    }
    if (s->type != T_MAP && dot) {
        config_fail(err, "%s: unknown setting (%s is a single value)", key, s->name);
        return -1;
    }
    if (dot && !plain_name(dot + 1)) {
        config_fail(err, "%s: '%s' is not a name (letters, digits, '_', '-', '.')", key, dot + 1);
        return -1;
    }
    return i;
}

int config_check_setting(const char *key, const char *value, char **err)
{
    const char *entry;
    *err = NULL;
    int i = parse_key(key, &entry, err);
    if (i < 0)
        return -1;
    const struct setting *s = &config_settings[i];
    if (s->type == T_MAP)
        return 0; /* any text is a value */
    config scratch;
    memset(&scratch, 0, sizeof scratch);
    char why[512];
    int r = config_set_value(&scratch, s, value, why, sizeof why);
    if (s->type == T_STRING)
        free(*FIELD(&scratch, s, char *));
    if (r != 0)
        config_fail(err, "%s: %s", key, why);
    return r;
}

/* value as a YAML scalar that reads back as the same text. */
static char *yaml_scalar(const char *v)
{
    static const char plain_ok[] = "_./:@+=,~%-";
    int plain = *v && !strchr("-:~%@", v[0]) && v[strlen(v) - 1] != ':' && !strstr(v, ": ") &&
                strcmp(v, "null") && strcmp(v, "Null") && strcmp(v, "NULL");
    for (const char *p = v; plain && *p; p++)
        plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                (*p >= '0' && *p <= '9') || strchr(plain_ok, *p);
    if (plain)
        return strdup(v);
    size_t cap = strlen(v) * 4 + 3;
    char *out = malloc(cap), *o = out;
    if (!out)
        return NULL;
    *o++ = '"';
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p == '"' || *p == '\\') {
            *o++ = '\\';
            *o++ = (char)*p;
        } else if (*p < 0x20 || *p == 0x7f) {
            o += sprintf(o, "\\x%02x", *p);
        } else {
            *o++ = (char)*p;
        }
    }
    *o++ = '"';
    *o = '\0';
    return out;
}

/* The lines of a text: [start, end) offsets, end past the '\n'. */
typedef struct lines {
    size_t *start;
    size_t n;
} lines;

static int split_lines(const char *t, size_t len, lines *ls)
{
    ls->n = 0;
    ls->start = malloc((len + 2) * sizeof *ls->start);
    if (!ls->start)
        return -1;
    for (size_t i = 0; i < len; i++)
        if (i == 0 || t[i - 1] == '\n')
            ls->start[ls->n++] = i;
    ls->start[ls->n] = len; /* the end of the last line */
    return 0;
}

/* Does the line at t+a start with `name` then optional blanks then ':' ?
 * Returns the offset after the ':' or 0. */
static size_t key_line(const char *t, size_t a, size_t b, const char *name)
{
    size_t n = strlen(name);
    if (b - a <= n || strncmp(t + a, name, n) != 0)
        return 0;
    size_t i = a + n;
    while (i < b && (t[i] == ' ' || t[i] == '\t'))
        i++;
    return i < b && t[i] == ':' ? i + 1 : 0;
}

/* Only blanks, or a comment, from i to the end of the line? */
static int rest_empty(const char *t, size_t i, size_t b)
{
    while (i < b && (t[i] == ' ' || t[i] == '\t' || t[i] == '\r'))
        i++;
    return i >= b || t[i] == '\n' || t[i] == '#';
}

static int indented(const char *t, size_t a, size_t b)
{
    return a < b && (t[a] == ' ' || t[a] == '\t');
}

/* The new text: t with lines [from, to) replaced by repl (may be ""). */
static char *splice(const char *t, size_t len, size_t from, size_t to, const char *repl,
                    size_t *out_len)
{
    size_t rl = strlen(repl), need_nl = from == len && len && t[len - 1] != '\n';
    size_t n = from + need_nl + rl + (len - to);
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    memcpy(out, t, from);
    if (need_nl)
        out[from] = '\n';
    memcpy(out + from + need_nl, repl, rl);
    memcpy(out + from + need_nl + rl, t + to, len - to);
    out[n] = '\0';
    *out_len = n;
    return out;
}

/* The edit of a single-valued setting: its line (and a value continued on
 * indented lines) replaced, or removed when value is "", or added. */
static char *edit_scalar(const char *t, size_t len, const lines *ls, const char *name,
                         const char *value, size_t *out_len)
{
    char *repl = NULL;
    if (*value) {
        char *q = yaml_scalar(value);
        if (!q || asprintf(&repl, "%s: %s\n", name, q) < 0)
            repl = NULL;
        free(q);
        if (!repl)
            return NULL;
    }
    size_t from = len, to = len;
    for (size_t l = 0; l < ls->n; l++)
        if (key_line(t, ls->start[l], ls->start[l + 1], name)) {
            size_t e = l + 1;
            while (e < ls->n && indented(t, ls->start[e], ls->start[e + 1]) &&
                   !rest_empty(t, ls->start[e], ls->start[e + 1]))
                e++;
            from = ls->start[l];
            to = ls->start[e];
            break;
        }
    char *out = splice(t, len, from, to, repl ? repl : "", out_len);
    free(repl);
    return out;
}

/* The edit of entry `entry` of map `name`: its line under `name:` replaced
 * or removed, or added after the map's last entry (or a new `name:` block
 * at the end).  NULL with *err for a map written inline ({a: b}). */
static char *edit_map(const char *path, const char *t, size_t len, const lines *ls,
                      const char *name, const char *entry, const char *value, size_t *out_len,
                      char **err)
{
    size_t l = 0, colon = 0;
    for (; l < ls->n && !(colon = key_line(t, ls->start[l], ls->start[l + 1], name)); l++)
        ;
    char *q = *value ? yaml_scalar(value) : strdup("");
    char *repl = NULL;
    if (!q)
        return NULL;
    if (l == ls->n) { /* no such map yet */
        char *out = NULL;
        if (!*value)
            out = splice(t, len, len, len, "", out_len);
        else if (asprintf(&repl, "%s:\n  %s: %s\n", name, entry, q) >= 0)
            out = splice(t, len, len, len, repl, out_len);
        free(repl);
        free(q);
        return out;
    }
    if (!rest_empty(t, colon, ls->start[l + 1])) {
        config_fail(err, "%s:%zu: %s is written on one line; change it by hand", path, l + 1, name);
        free(q);
        return NULL;
    }
    /* The block: the indented lines after `name:` (comments and blank lines
     * within it too); the entry's line, or the last entry's. */
    size_t from = 0, to = 0, last = l, indent = 2;
    for (size_t e = l + 1; e < ls->n; e++) {
        size_t a = ls->start[e], b = ls->start[e + 1];
        if (rest_empty(t, a, b))
            continue;
        if (!indented(t, a, b))
            break;
        size_t i = a;
        while (i < b && (t[i] == ' ' || t[i] == '\t'))
            i++;
        if (last == l)
            indent = i - a;
        last = e;
        if (key_line(t, i, b, entry) && !from && !to) {
            from = a;
            to = b;
        }
    }
    if (!to) /* a new entry, after the last one */
        from = to = ls->start[last + 1];
    if (*value && asprintf(&repl, "%*s%s: %s\n", (int)indent, "", entry, q) < 0) {
        free(q);
        return NULL;
    }
    char *out = splice(t, len, from, to, repl ? repl : "", out_len);
    free(repl);
    free(q);
    return out;
}

int config_file_set(const char *path, const char *key, const char *value, char **err)
{
    const char *entry;
    *err = NULL;
    if (config_check_setting(key, value, err) != 0)
        return -1;
    int i = parse_key(key, &entry, err);
    char *text = NULL;
    size_t len = 0;
    struct stat st;
    mode_t mode = 0644;
    /* A link (dotfiles kept elsewhere) is written through, not replaced;
     * anything but a regular file (RICC_CONFIG=/dev/null) is not ours. */
    char *real = realpath(path, NULL);
    if (real)
        path = real;
    if (stat(path, &st) == 0) {
        if (!S_ISREG(st.st_mode)) {
            config_fail(err, "%s: not a regular file; not written", path);
            free(real);
            return -1;
        }
        mode = st.st_mode & 07777;
    }
    int r = -1;
    if (fs_read_file(path, &text, &len) != 0) {
        if (errno != ENOENT) {
            config_fail(err, "%s: cannot read the configuration file: %s", path, strerror(errno));
            free(real);
            return -1;
        }
        text = NULL;
        len = 0;
    }
    lines ls;
    char *out = NULL;
    size_t out_len = 0;
    if (split_lines(text ? text : "", len, &ls) == 0) {
        out = entry ? edit_map(path, text ? text : "", len, &ls, config_settings[i].name, entry,
                               value, &out_len, err)
                    : edit_scalar(text ? text : "", len, &ls, config_settings[i].name, value,
                                  &out_len);
        free(ls.start);
    }
    free(text);
    if (!out) {
        if (!*err)
            config_fail(err, "out of memory");
    } else {
        r = config_check_text(path, out, out_len, err);
        if (r == 0 && atomic_write_file(path, out, out_len, mode) != 0) {
            config_fail(err, "%s: cannot write the configuration file: %s", path, strerror(errno));
            r = -1;
        }
    }
    free(out);
    free(real);
    return r;
}
