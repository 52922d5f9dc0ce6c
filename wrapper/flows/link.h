/* SPDX-License-Identifier: Apache-2.0 */
/* link.h — caching gcc/g++/clang link commands (the `link` setting,
 * RICC_LINK / RECC_LINK; off by default as in recc).  Design: link.c.
 *
 * link_parse() models a link command line (pure: no file system access);
 * link_flow() is the wrapped call for a link: the link's ops for the
 * cached-call pipeline (pipeline.h), chosen by main.c's classify() when the
 * `link` setting is on and link_parse() says is_link. */
#ifndef RICC_LINK_H
#define RICC_LINK_H

#include "cache/util/config.h"

/* link_flow's answer when the driver cannot be run by it (not found, out
 * of memory): the caller goes on to flow_compile, which reports it. */
#define LINK_NOT_MINE (-1000)

typedef struct link_cmd {
    int is_link;           /* no -c/-S/-E/-M, not a query (-print-*, -v, ...), has inputs */
    int cacheable;         /* every argument understood and deterministic */
    const char *why_not;   /* static reason when not cacheable */
    const char *why_arg;   /* the argument it is about (points into argv), or NULL */
    const char *output;    /* -o value (points into argv), or "a.out" */
    /* Files the command names that the link reads: inputs, -T scripts,
     * --version-script, --dynamic-list.  malloc'd strings. */
    char **files;
    int n_files;
} link_cmd;

/* Parse argv (argv[0] = the compiler).  0, or -1 when out of memory. */
int link_parse(int argc, char **argv, link_cmd *out);
void link_cmd_free(link_cmd *c);

/* The wrapped call.  argv[0] is the compiler as the user named it; lc is
 * link_parse()'s model of argv, with is_link set (taken: link_flow frees
 * it).  The exit status, LINK_NOT_MINE, or does not return (exec). */
int link_flow(int argc, char **argv, const config *cfg, link_cmd *lc);

#endif
