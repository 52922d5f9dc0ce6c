/* SPDX-License-Identifier: Apache-2.0 */
/* remote_safe.c — may a compile be Executed by a worker without changing its
 * bytes?
 *
 * A worker runs the key's Command, not this call's command line, and not
 * here: BuildGrid's host-tools bots (and tests/remote/server.py) stage the
 * input root in a fresh temporary directory and run there.  Two things can
 * then differ from a local compile:
 *
 *  - The working directory.  gcc and clang record it in DW_AT_comp_dir (any
 *    debug level above 0, the last -g/-g0 deciding; also assembler debug
 *    info through -Wa, and gcc's -gsplit-dwarf), in coverage data (the .gcno
 *    names it; the object names the .gcda by an absolute path made from
 *    it), and gcc streams it into -flto objects even without -g.  A prefix
 *    map does not save it: the key spells an OLD under the project root
 *    relative to the base (action.c), which matches nothing in an absolute
 *    directory, and an OLD left absolute names this machine's directory,
 *    not the worker's.  The worker's directory is not known before Execute
 *    and the Command is part of the key, so no map can be made for it
 *    either.  Such compiles run here; their result is uploaded as a result
 *    made here always is, under a key that holds the working directory
 *    wherever the output records it (action.h), so nobody elsewhere is
 *    served it.
 *  - The spelling of a path.  With path rewriting, an absolute argument
 *    under the project root (CMake's source and -I) reaches the worker
 *    relative to the base (keybase.h).  The object itself does not record
 *    the spelling (the file symbol and .file are the base name), but the
 *    dependency file, __FILE__ and its kin, sanitizer reports, recorded
 *    switches and the .su file do: those run here.  The compiler's
 *    messages do too, and whether there will be any is known only
 *    afterwards: the action is Executed with do_not_cache, so the server
 *    keeps nothing it could serve to anyone, and the result is used (and
 *    then uploaded by ricc) only if stdout and stderr came back empty.
 *    A prefix map whose OLD is relative in the Command (rewritten so, or
 *    written so) may match the worker's relative spellings where it matched
 *    nothing here: run here.
 *
 * The decision reads the Command itself (compiler_parse on its arguments),
 * so it judges exactly what the worker would run.  Where in doubt (a
 * compile whose Command does not parse) the compile runs here: a local
 * compile costs time, a wrong object costs a build. */
#include "wrapper/remote/remote_safe.h"

#include <string.h>

#include "cache/reapi/reapi.h"
#include "wrapper/compiler/inputs.h"

/* Why a compile runs here, for the log. */
static const char W_DEBUG[] =
    "debug information records the working directory (DW_AT_comp_dir), which on a worker "
    "is its own; no prefix map in the key can match it";
static const char W_COVERAGE[] =
    "coverage data records the working directory (.gcno, the .gcda path in the object)";
static const char W_LTO[] = "link-time optimization data records the working directory";
static const char W_MAP[] =
    "a prefix map's old part is relative in the key: on a worker it would map paths it does "
    "not map here";
static const char W_DEPFILE[] =
    "an absolute path is spelt relative to the base on a worker, and the dependency file "
    "names it so";
static const char W_FILE[] =
    "an absolute path is spelt relative to the base on a worker, and __FILE__ (or its kin) "
    "expands to it";
static const char W_SANITIZE[] =
    "an absolute path is spelt relative to the base on a worker, and sanitizer data names it";
static const char W_SWITCHES[] =
    "an absolute path is spelt relative to the base on a worker, and the output records the "
    "switches";
static const char W_SU[] =
    "an absolute path is spelt relative to the base on a worker, and the .su file names it";
static const char W_UNREAD[] = "the compile's Command cannot be checked";

static int has_arg(const compile_cmd *cmd, const char *a)
{
    for (int i = 1; i < cmd->argc; i++)
        if (!strcmp(cmd->argv[i], a))
            return 1;
    return 0;
}

static int has_prefix_arg(const compile_cmd *cmd, const char *p)
{
    size_t n = strlen(p);
    for (int i = 1; i < cmd->argc; i++)
        if (!strncmp(cmd->argv[i], p, n))
            return 1;
    return 0;
}

/* -flto and -flto=…, unless a later -fno-lto turns it off (-flto-partition=
 * and its kin only tune it). */
static int lto_on(const compile_cmd *cmd)
{
    int on = 0;
    for (int i = 1; i < cmd->argc; i++) {
        const char *a = cmd->argv[i];
        if (!strcmp(a, "-flto") || !strncmp(a, "-flto=", 6))
            on = 1;
        else if (!strcmp(a, "-fno-lto"))
            on = 0;
    }
    return on;
}

/* A -f…-prefix-map=OLD=NEW whose OLD is not absolute. */
static int relative_map(const compile_cmd *cmd)
{
    static const char *const opts[] = {"-fdebug-prefix-map=", "-ffile-prefix-map=",
                                       "-fmacro-prefix-map=", "-fprofile-prefix-map=", NULL};
    for (int i = 1; i < cmd->argc; i++)
        for (const char *const *o = opts; *o; o++) {
            size_t n = strlen(*o);
            if (!strncmp(cmd->argv[i], *o, n) && cmd->argv[i][n] != '/')
                return 1;
        }
    return 0;
}

static int coverage(const compile_cmd *cmd)
{
    return compile_cmd_output(cmd, OUT_GCNO) || has_arg(cmd, "-fprofile-arcs") ||
           has_arg(cmd, "--coverage");
}

/* The parsed compile as the worker runs it. */
static remote_safety judge(const action_key *k, const compile_cmd *cmd)
{
    remote_safety s = {NULL, 0};
    if (cmd->cwd_sensitive)
        s.why_not = coverage(cmd) ? W_COVERAGE : W_DEBUG;
    else if (lto_on(cmd))
        s.why_not = W_LTO;
    else if (relative_map(cmd))
        s.why_not = W_MAP;
    else if (!k->kb.rewrote_abs)
        return s;
    else if (compile_cmd_output(cmd, OUT_DEPFILE))
        s.why_not = W_DEPFILE;
    else if (k->input_flags & INPUT_USES_FILE)
        s.why_not = W_FILE;
    else if (has_prefix_arg(cmd, "-fsanitize="))
        s.why_not = W_SANITIZE;
    else if (has_arg(cmd, "-frecord-gcc-switches") || has_arg(cmd, "-fverbose-asm"))
        s.why_not = W_SWITCHES;
    else if (compile_cmd_output(cmd, OUT_SU))
        s.why_not = W_SU;
    else
        s.quiet_only = 1;
    return s;
}

remote_safety remote_safe_check(const action_key *k, const char *cwd)
{
    remote_safety s = {W_UNREAD, 0};
    reapi_command *c = (reapi_command *)protobuf_c_message_unpack(
        &build__bazel__remote__execution__v2__command__descriptor, NULL, k->command_len,
        k->command_blob);
    if (!c)
        return s;
    int compile = 0;
    for (size_t i = 1; i < c->n_arguments; i++)
        compile |= !strcmp(c->arguments[i], "-c") || !strcmp(c->arguments[i], "-S");
    compile_cmd cmd;
    if (!compile) {
        s.why_not = NULL; /* a link: nothing in it records a directory */
    } else if (c->n_arguments > 0 && c->n_arguments < 1u << 30 &&
               compiler_parse((int)c->n_arguments, c->arguments, cwd, &cmd) == 0) {
        if (cmd.cacheable)
            s = judge(k, &cmd);
        compile_cmd_free(&cmd);
    }
    protobuf_c_message_free_unpacked(&c->base, NULL);
    return s;
}
