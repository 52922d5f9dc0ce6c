/* SPDX-License-Identifier: Apache-2.0 */
/* config_show.c — the settings as a user reads them: --show-config (every
 * setting, its value and which layer gave it, down to the file and line) and
 * -k/--get-config (one value).  Both print a value the same way, so that
 * what is printed reads back as the same value (5G, 1000ms, true).  And the
 * "did you mean" of a misspelt setting name, for every message naming one. */
#include "cache/util/config.h"
#include "cache/util/config_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *config_log_level_name(enum log_level l)
{
    static const char *names[] = {"error", "warning", "info", "debug", "trace"};
    return (unsigned)l < sizeof names / sizeof names[0] ? names[l] : "?";
}

/* Print a size so that it reads back the same: 5G, 512Mi, or bytes. */
static void format_size(uint64_t v, char *buf, size_t cap)
{
    static const uint64_t bases[] = {1000, 1024};
    for (int b = 0; b < 2 && v; b++) {
        uint64_t m = 1;
        int u = -1; /* index into "kMGT" */
        while (u < 3 && v % (m * bases[b]) == 0) {
            m *= bases[b];
            u++;
        }
        if (u >= 0) {
            snprintf(buf, cap, "%llu%c%s", (unsigned long long)(v / m), "kMGT"[u], b ? "i" : "");
            return;
        }
    }
    snprintf(buf, cap, "%llu", (unsigned long long)v);
}

/* The value of a setting that is not a map, as text (in buf, or a string
 * of c's). */
static const char *format_value(const config *c, const struct setting *s, char *buf, size_t cap)
{
    switch (s->type) {
    case T_STRING:
        return *CFIELD(c, s, char *) ? *CFIELD(c, s, char *) : "";
    case T_BOOL:
        return *CFIELD(c, s, int) ? "true" : "false";
    case T_SIZE:
        format_size(*CFIELD(c, s, uint64_t), buf, cap);
        return buf;
    case T_INT:
        snprintf(buf, cap, "%d", *CFIELD(c, s, int));
        return buf;
    case T_LOG_LEVEL:
        return config_log_level_name(*CFIELD(c, s, enum log_level));
    case T_MSECS:
    case T_SECS:
        snprintf(buf, cap, "%d%s", *CFIELD(c, s, int), s->type == T_MSECS ? "ms" : "s");
        return buf;
    case T_MAP:
        break;
    }
    return "";
}

static void print_origin(const struct origin *o, FILE *out)
{
    if (o->var)
        fprintf(out, "  (environment %s)\n", o->var);
    else if (o->option)
        fprintf(out, "  (option %s)\n", o->option);
    else if (o->line)
        fprintf(out, "  (file %s:%d)\n", o->file ? o->file : "?", o->line);
    else
        fprintf(out, "  (default)\n");
}

void config_show(const config *c, FILE *out)
{
    char value[64];
    for (int i = 0; i < N_SETTINGS; i++) {
        const struct setting *s = &config_settings[i];
        if (s->type == T_MAP) {
            const config_kv *kv = *CFIELD(c, s, config_kv *);
            int n = COUNT(c, s);
            if (n == 0) {
                fprintf(out, "%s = (none)", s->name);
                print_origin(&c->origins->set[i], out);
            }
            for (int j = 0; j < n; j++) {
                fprintf(out, "%s.%s = %s", s->name, kv[j].name, kv[j].value);
                print_origin(&c->origins->entry[i][j], out);
            }
            continue;
        }
        fprintf(out, "%s = %s", s->name, format_value(c, s, value, sizeof value));
        print_origin(&c->origins->set[i], out);
    }
}

/* The edit distance of a and b (both under 64 bytes), for suggestions. */
static int distance(const char *a, const char *b)
{
    int row[64], la = (int)strlen(a), lb = (int)strlen(b);
    if (la >= 64 || lb >= 64)
        return 64;
    for (int j = 0; j <= lb; j++)
        row[j] = j;
    for (int i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = i;
        for (int j = 1; j <= lb; j++) {
            int up = row[j], best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            diag = up;
            row[j] = best;
        }
    }
    return row[lb];
}

/* " (did you mean 'server'?)" for RICC_SERVER, RECC_SERVER, SERVER, or a
 * slip of up to two letters (servr, max_szie). */
void config_suggest(const char *key, char *buf, size_t cap)
{
    char low[64];
    size_t n = 0;
    for (; n < sizeof low - 1 && key[n]; n++)
        low[n] = (char)tolower((unsigned char)key[n]);
    low[n] = '\0';
    const char *name = low;
    if (!strncmp(name, "ricc_", 5) || !strncmp(name, "recc_", 5))
        name += 5;
    buf[0] = '\0';
    int best = config_find_setting(name), best_d = best >= 0 ? 0 : 3;
    for (int i = 0; i < N_SETTINGS && best_d; i++) {
        int d = distance(name, config_settings[i].name);
        if (d < best_d && d <= (int)strlen(name) / 2) {
            best_d = d;
            best = i;
        }
    }
    if (best >= 0)
        snprintf(buf, cap, " (did you mean '%s'?)", config_settings[best].name);
}


int config_get(const config *c, const char *key, FILE *out, char **err)
{
    *err = NULL;
    const char *dot = strchr(key, '.');
    char name[64];
    snprintf(name, sizeof name, "%.*s", dot ? (int)(dot - key) : (int)strlen(key), key);
    int i = config_find_setting(name);
    if (i < 0 || (dot && config_settings[i].type != T_MAP) || (dot && !dot[1])) {
        char hint[96];
        config_suggest(name, hint, sizeof hint);
        config_fail(err, "%s: unknown setting%s", key, i < 0 ? hint : "");
        return -1;
    }
    const struct setting *s = &config_settings[i];
    if (s->type != T_MAP) {
        char value[64];
        fprintf(out, "%s\n", format_value(c, s, value, sizeof value));
        return 0;
    }
    const config_kv *kv = *CFIELD(c, s, config_kv *);
    int n = COUNT(c, s), shown = 0;
    for (int j = 0; j < n; j++) {
        if (!dot)
            fprintf(out, "%s=%s\n", kv[j].name, kv[j].value);
        else if (!strcmp(kv[j].name, dot + 1) && ++shown)
            fprintf(out, "%s\n", kv[j].value);
    }
    if (dot && !shown)
        fputs("\n", out); /* unset, as an unset string prints */
    return 0;
}
