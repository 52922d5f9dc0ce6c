/* SPDX-License-Identifier: Apache-2.0 */
/* ar.h — caching GNU ar calls that create or replace archive members
 * (`ar rcs`, `crs`, `qc`, with or without D).  Design: ar.c.
 *
 * ar_parse() models an ar command line (pure: no file system access);
 * ar_flow() is the wrapped call: ar's ops for the cached-call pipeline
 * (pipeline.h), chosen by main.c's classify() from ar_name_known().
 * Always on: reaching ricc under an ar name (`ricc ar ...`, or a
 * masquerade link named ar) is the user asking for it. */
#ifndef RICC_AR_H
#define RICC_AR_H

#include "cache/util/config.h"

/* ar_flow's answer when ar cannot be run by it (not found, out of memory):
 * the caller goes on as for any other command (flow_compile reports it). */
#define AR_NOT_MINE (-1001)

typedef struct ar_cmd {
    int cacheable;           /* r or q, every letter understood, no U/u/T/... */
    const char *why_not;     /* static reason when not cacheable */
    const char *why_arg;     /* the argument it is about (points into argv), or NULL */
    char op;                 /* 'r' or 'q' when cacheable */
    int explicit_d;          /* the D modifier was given */
    /* Running the command again on its own result should give that result
     * again (r without v or f, member base names all different), so a
     * verified rerun may key the result under the archive it leaves too. */
    int rerun_same;
    const char *archive;     /* points into argv */
    const char **members;    /* malloc'd array of pointers into argv */
    int n_members;
} ar_cmd;

/* Parse argv (argv[0] = the ar program).  0, or -1 when out of memory. */
int ar_parse(int argc, char **argv, ar_cmd *out);
void ar_cmd_free(ar_cmd *c);

/* 1 if `name` (a basename) is GNU ar's: "ar", or a cross-prefixed one such
 * as "x86_64-linux-gnu-ar".  Not gcc-ar or llvm-ar: gcc-ar runs an ar of its
 * own choosing with a plugin, and llvm-ar parses its options differently. */
int ar_name_known(const char *name);

/* The wrapped call, for an argv[0] that ar_name_known() (and ricc enabled).
 * argv[0] is ar as the user named it.  The exit status, AR_NOT_MINE, or
 * does not return (exec). */
int ar_flow(int argc, char **argv, const config *cfg);

#endif
