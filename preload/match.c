/* SPDX-License-Identifier: Apache-2.0 */
/* match.c — see match.h.  Plain loops over bytes: the C library's string
 * functions would do, but these few are short enough that writing them out
 * makes the async-signal-safety obvious. */
#include "preload/match.h"

static size_t len_of(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static int same(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

const char *pm_base(const char *path)
{
    const char *b = path;
    for (const char *p = path; *p; p++)
        if (*p == '/')
            b = p + 1;
    return b;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The driver names, with the cross prefix and version suffix rule of
 * compiler_name_known(): "-12" or "-14.0.6" (digits first) is dropped from
 * the end, then the name must be a driver alone or end in "-driver". */
static int builtin_compiler(const char *name, size_t n)
{
    static const char *const drivers[] = {"gcc", "g++", "cc", "c++", "clang", "clang++"};
    size_t k = n;
    while (k > 0 && (is_digit(name[k - 1]) || name[k - 1] == '.'))
        k--;
    if (k < n && k > 0 && name[k - 1] == '-' && is_digit(name[k]))
        n = k - 1;
    for (size_t i = 0; i < sizeof drivers / sizeof *drivers; i++) {
        size_t d = len_of(drivers[i]);
        if (n >= d && same(name + n - d, drivers[i], d) && (n == d || name[n - d - 1] == '-'))
            return 1;
    }
    return 0;
}

/* name (n bytes) is one of the ':'-separated entries of list. */
static int in_list(const char *name, size_t n, const char *list)
{
    const char *p = list;
    while (*p) {
        const char *e = p;
        while (*e && *e != ':')
            e++;
        if ((size_t)(e - p) == n && n > 0 && same(p, name, n))
            return 1;
        p = *e ? e + 1 : e;
    }
    return 0;
}

int pm_in_list(const char *name, const char *list)
{
    return list && in_list(name, len_of(name), list);
}

int pm_is_compiler(const char *name, const char *extra)
{
    size_t n = len_of(name);
    if (n == 0)
        return 0;
    return builtin_compiler(name, n) || (extra && in_list(name, n, extra));
}

int pm_is_archiver(const char *name)
{
    static const char *const wrappers[] = {"gcc", "llvm"};
    size_t n = len_of(name);
    if (n == 2 && same(name, "ar", 2))
        return 1;
    if (n < 5 || !same(name + n - 3, "-ar", 3))
        return 0;
    size_t p = n - 3;
    for (size_t i = 0; i < sizeof wrappers / sizeof *wrappers; i++) {
        size_t w = len_of(wrappers[i]);
        if (p >= w && same(name + p - w, wrappers[i], w) && (p == w || name[p - w - 1] == '-'))
            return 0;
    }
    return 1;
}

/* The entry p .. p+n of an LD_PRELOAD list is the shim: its base name,
 * after a '/' or alone, is PM_SHIM_NAME. */
static int is_shim(const char *p, size_t n)
{
    static const char shim[] = PM_SHIM_NAME;
    const size_t sn = sizeof shim - 1;
    const char *e = p + n;
    return n >= sn && same(e - sn, shim, sn) && (n == sn || *(e - sn - 1) == '/');
}

/* The next entry of an LD_PRELOAD list at or after *p: its start, with
 * its length in *n and *p moved past it; NULL at the end. */
static const char *next_entry(const char **p, size_t *n)
{
    const char *s = *p;
    while (*s == ':' || *s == ' ')
        s++;
    if (!*s)
        return 0;
    const char *e = s;
    while (*e && *e != ':' && *e != ' ')
        e++;
    *n = (size_t)(e - s);
    *p = e;
    return s;
}

const char *pm_shim_entry(const char *ld_preload, size_t *len)
{
    const char *p = ld_preload, *s;
    size_t n;
    while (p && (s = next_entry(&p, &n)))
        if (is_shim(s, n)) {
            *len = n;
            return s;
        }
    return 0;
}

int pm_without_shim(char *buf, size_t cap, const char *ld_preload)
{
    static const char var[] = "LD_PRELOAD=";
    size_t at = sizeof var - 1, n;
    int kept = 0;
    if (cap < sizeof var)
        return -1;
    for (size_t i = 0; i < at; i++)
        buf[i] = var[i];
    const char *p = ld_preload, *s;
    while (p && (s = next_entry(&p, &n))) {
        if (is_shim(s, n))
            continue;
        if (at + (kept > 0) + n + 1 > cap)
            return -1;
        if (kept > 0)
            buf[at++] = ':';
        for (size_t i = 0; i < n; i++)
            buf[at++] = s[i];
        kept++;
    }
    buf[at] = '\0';
    return kept;
}

long pm_env_find(char *const envp[], const char *name)
{
    size_t n = len_of(name);
    for (long i = 0; envp && envp[i]; i++)
        if (same(envp[i], name, n) && envp[i][n] == '=')
            return i;
    return -1;
}

const char *pm_env_get(char *const envp[], const char *name)
{
    long i = pm_env_find(envp, name);
    return i < 0 ? 0 : envp[i] + len_of(name) + 1;
}

int pm_join(char *buf, size_t cap, const char *dir, size_t dlen, const char *name)
{
    size_t nlen = len_of(name);
    if (dlen == 0)
        dir = ".", dlen = 1;
    if (cap == 0)
        return -1;
    if (dlen + 1 + nlen + 1 > cap) {
        buf[0] = '\0';
        return -1;
    }
    for (size_t i = 0; i < dlen; i++)
        buf[i] = dir[i];
    buf[dlen] = '/';
    for (size_t i = 0; i <= nlen; i++)
        buf[dlen + 1 + i] = name[i];
    return 0;
}
