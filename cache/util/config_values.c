/* SPDX-License-Identifier: Apache-2.0 */
/* config_values.c — the parsers of one setting's value that others use too
 * (mgmt.c's options, the tests): booleans, log levels, sizes, and server
 * addresses.  config.c applies them to its table; these know nothing of it.
 * The contract of each is in config.h. */
#include "cache/util/config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int config_parse_bool(const char *s, int *out)
{
    static const char *yes[] = {"1", "true", "yes", "on"};
    static const char *no[] = {"0", "false", "no", "off"};
    if (!s)
        return -1;
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (!strcasecmp(s, yes[i])) {
            *out = 1;
            return 0;
        }
        if (!strcasecmp(s, no[i])) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

int config_parse_log_level(const char *s, enum log_level *out)
{
    static const struct {
        const char *name;
        enum log_level level;
    } names[] = {
        {"error", LOG_ERROR}, {"warning", LOG_WARNING}, {"warn", LOG_WARNING},
        {"info", LOG_INFO},   {"debug", LOG_DEBUG},     {"verbose", LOG_DEBUG},
        {"trace", LOG_TRACE},
    };
    for (size_t i = 0; s && i < sizeof names / sizeof names[0]; i++)
        if (!strcasecmp(s, names[i].name)) {
            *out = names[i].level;
            return 0;
        }
    return -1;
}

/* Sizes follow ccache: k, M, G, T are powers of 1000 and Ki, Mi, Gi, Ti
 * powers of 1024, either optionally followed by B; case does not matter.
 * A fraction ("1.5G") needs a unit, since there are no fractional bytes. */
int config_parse_size(const char *s, uint64_t *out)
{
    if (!s || !isdigit((unsigned char)*s))
        return -1;
    uint64_t whole = 0, frac = 0, scale = 1;
    const char *p = s;
    for (; isdigit((unsigned char)*p); p++) {
        if (whole > (UINT64_MAX - 9) / 10)
            return -1;
        whole = whole * 10 + (uint64_t)(*p - '0');
    }
    if (*p == '.') {
        if (!isdigit((unsigned char)*++p))
            return -1;
        for (; isdigit((unsigned char)*p); p++)
            if (scale < 1000000000000ULL) { /* finer digits cannot matter */
                frac = frac * 10 + (uint64_t)(*p - '0');
                scale *= 10;
            }
    }
    uint64_t mult = 1;
    const char *units = "kmgt", *u = *p ? strchr(units, tolower((unsigned char)*p)) : NULL;
    if (u) {
        p++;
        uint64_t base = 1000;
        if (*p == 'i' || *p == 'I') {
            base = 1024;
            p++;
        }
        for (long i = 0; i <= u - units; i++)
            mult *= base;
    }
    if (*p == 'b' || *p == 'B')
        p++;
    if (*p || (mult == 1 && frac))
        return -1;
    if (whole > UINT64_MAX / mult)
        return -1;
    uint64_t v = whole * mult;
    uint64_t fbytes = (uint64_t)((long double)frac * (long double)mult / (long double)scale);
    if (v > UINT64_MAX - fbytes)
        return -1;
    *out = v + fbytes;
    return 0;
}

static int has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

int config_check_address(const char *a, char *why, size_t cap)
{
    static const char *const schemes[] = {"grpc://", "http://", "grpcs://", "https://", NULL};
    static const char *const targets[] = {"unix:", "unix-abstract:", "dns:", "ipv4:", "ipv6:",
                                          NULL};
    for (int i = 0; targets[i]; i++)
        if (has_prefix(a, targets[i])) {
            if (a[strlen(targets[i])])
                return 0;
            snprintf(why, cap, "'%.200s' names no %s", a,
                     i < 2 ? "socket" : "host");
            return -1;
        }
    const char *host = a;
    for (int i = 0; schemes[i]; i++)
        if (has_prefix(a, schemes[i]))
            host = a + strlen(schemes[i]);
    if (host == a && strstr(a, "://")) {
        snprintf(why, cap, "'%.200s': unknown scheme (use host:port, grpc://, grpcs://, http://, "
                 "https:// or unix:PATH)", a);
        return -1;
    }
    /* host:port, the host maybe [an IPv6 address]; one '/' may end it. */
    const char *colon = host[0] == '[' ? strstr(host, "]:") : strrchr(host, ':');
    if (colon && host[0] == '[')
        colon++;
    if (!colon || colon == host || (host[0] != '[' && memchr(host, ':', (size_t)(colon - host)))) {
        snprintf(why, cap, "'%.200s' is not host:port", a);
        return -1;
    }
    const char *p = colon + 1;
    long port = 0;
    int digits = 0;
    for (; *p >= '0' && *p <= '9' && digits < 6; p++, digits++)
        port = port * 10 + (*p - '0');
    if (!digits || port < 1 || port > 65535 || (*p && strcmp(p, "/") != 0)) {
        snprintf(why, cap, "'%.200s': the port must be a number from 1 to 65535", a);
        return -1;
    }
    return 0;
}
