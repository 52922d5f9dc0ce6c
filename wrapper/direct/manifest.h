/* SPDX-License-Identifier: Apache-2.0 */
/* manifest.h — direct mode: knowing a compile's action without running the
 * preprocessor.
 *
 * A manifest is stored per (Command, salt, source digest) — everything in the
 * key except the headers.  It holds the include sets seen before: for each,
 * every file the compile read with its digest, the action digest that set
 * gave, and the proof that no *other* header would be found now.  A call
 * whose manifest has an entry whose files still have those digests (checked
 * by stat through the stat index) and whose proof still holds knows its
 * action without any compiler process.
 *
 * The proof (what ccache leaves out): a new foo.h in an include directory
 * searched before the one foo.h was found in would change the compile
 * without changing any file we read.  So at record time every #include and
 * __has_include name in every input is resolved against the compiler's real
 * search chain (from `-E -v`, cached per toolchain and flags): each candidate
 * path searched before the one that was found, and every candidate of a name
 * that was not found, must not exist.  These "absent" paths are grouped by
 * their nearest existing directory; at lookup a directory whose inode, mtime
 * and ctime are unchanged (and had settled when recorded) cannot have gained
 * an entry, so only the few directories are stat()ed, and the absent paths
 * of a directory that did change are checked, those under a subdirectory
 * that is still missing with one stat() of it (pathprobe.h).  A manifest
 * from the remote was recorded in another sandbox or on another machine,
 * where no directory has this one's stamps, so its first check here always
 * does that.  A computed #include MACRO is resolved under every name it
 * could have had (manifest_proof.c).  An input that no include accounts for,
 * a computed #include_next, or a computed include for which gcc could read a
 * precompiled header makes the set unrecordable: the manifest is then marked
 * scan-only and that compile stays in preprocessor mode.
 *
 * Precompiled headers: the compiler silently uses NAME.gch (or .pch) found
 * where it searches for NAME, and its dependency output then names neither.
 * Recording also proves that no such file exists where one could be used:
 * for gcc along the source's own includes and -include files (it reads a
 * precompiled header only for the main file's first include), for other
 * compilers along every search.  Where one exists, the compile is not
 * cached at all.
 *
 * What the rest of the toolchain read (observe.h: the assembler's .incbin
 * and .include files, a specs file) is kept with its digest like any
 * input, outside the proof, which is about #include; the paths those
 * programs looked for and did not find must stay absent.
 *
 * Paths are stored as the compile names them (relative where the search
 * directory or includer was relative), absolute ones under the base
 * (keybase.h) relative to it behind a marker byte, so a manifest shared by
 * two checkouts whose Commands are the same checks each checkout's own
 * files.  An entry whose action holds the base (__FILE__ with an absolute
 * path) holds it too, and only matches in that base. */
#ifndef RICC_MANIFEST_H
#define RICC_MANIFEST_H

#include <stddef.h>

#include "cache/util/config.h"
#include "cache/reapi/digest.h"
#include "cache/local/memo.h"
#include "wrapper/compiler/compiler.h"

typedef struct manifest manifest;

/* Parse stored bytes (NULL if malformed) / make an empty one. */
manifest *manifest_parse(const char *buf, size_t len);
manifest *manifest_new(void);
void manifest_free(manifest *m);
/* Serialize; malloc'd. */
char *manifest_serialize(const manifest *m, size_t *len);

/* Find the newest entry whose inputs and proof still hold, its paths
 * resolved against base (NULL: no relocation).  1 with *action set, or 0.
 * Watched directories found settled again are re-stamped in m (see
 * manifest_refreshed). */
int manifest_match(manifest *m, const char *base, digest *action);

/* The second chance: a header whose comments alone changed (flow.c, with
 * codedigest.h, decides what "alone" means) gives the compiler's output of
 * before, so an entry whose every file has its digest or one same() accepts
 * (recorded: the digest the entry holds; now: the file's digest as it is)
 * and whose proof holds names a result that is still right; what changed is
 * the action.  1 with *out filled (free it with manifest_twin_free), or 0. */
typedef int (*manifest_same_fn)(void *ctx, const char *path, const digest *recorded,
                                const digest *now);
typedef struct manifest_twin {
    int entry;                 /* the entry that matched */
    digest action;             /* its action */
    int n;
    char **paths;              /* its files, as this call names them */
    digest *now;               /* and their digests now */
    digest *was;               /* and the digests the entry recorded */
    int has_base;              /* its action holds the base (manifest_inputs) */
    int base_in_output;        /* because an output held it (base_in_output) */
    int n_unscanned;           /* its last files are no preprocessor input (n_extra) */
} manifest_twin;
int manifest_match_code(manifest *m, const char *base, manifest_same_fn same, void *ctx,
                        manifest_twin *out);
/* The other twin: an entry whose action holds another checkout's base
 * (__FILE__ with an absolute path) and whose files, resolved against this
 * base, hold.  Its result is this call's too if __FILE__ did not reach the
 * output after all (flow.c asks the preprocessor).  1 with *out, or 0. */
int manifest_match_elsewhere(manifest *m, const char *base, manifest_twin *out);
void manifest_twin_free(manifest_twin *t);

/* A manifest from the remote may name, for files that hold here, an action
 * that is not the one they give (a server that mixes up its keys, another
 * project's manifest): a hit must never come from it unchecked.  So such
 * entries are marked foreign (kept so in the local store too), no lookup
 * above ever takes one, and manifest_match_foreign finds the first that
 * holds here, for the caller
 * to compute the action of its files and vouch for it or drop it. */
void manifest_mark_foreign(manifest *m);
int manifest_match_foreign(manifest *m, const char *base, manifest_twin *out);
/* Entry i (a twin's) checked: ok, it is no longer foreign; not ok, it is
 * removed. */
void manifest_vouch(manifest *m, int i, int ok);
/* Add (newest first) a copy of the twin's entry with the digests now and
 * action (whose salt holds base, or none when base is NULL): its proof is
 * the same, as it depends only on the include names.  0 or -1 (out of
 * memory).  Call before m changes otherwise. */
int manifest_add_twin(manifest *m, const manifest_twin *t, const digest *action,
                      const char *base);

/* Did manifest_match re-stamp a watched directory whose absent paths it had
 * to check one by one?  Then m is worth storing again: later lookups check
 * that directory with one stat(). */
int manifest_refreshed(const manifest *m);

/* Did some compile with this manifest key have an include set that could not
 * be proven?  Then a direct miss must not be taken for a real miss: the
 * dependency scan decides. */
int manifest_scan_only(const manifest *m);

/* Why no entry of m holds (a miss's explanation, reason.h), without
 * changing m or anything on disk: the closest entry — the one with the most
 * files whose digest is still the recorded one, the newest of equals (an
 * edit to one header leaves the build it came from one file short, while
 * an older configuration of the same call differs in many) — and the first
 * thing in it that does not hold, in the order a lookup checks: a file's
 * digest (or the file gone), a path that had to stay absent, a file the
 * proof found present, the day of a __DATE__.  MDIFF_NONE: that entry
 * holds (its action is known; its result is what is missing).  Entries
 * from the remote not yet checked here, and another checkout's, are left
 * out (MDIFF_EMPTY when none is left). */
enum manifest_diff_kind {
    MDIFF_NONE, MDIFF_EMPTY, MDIFF_FILE, MDIFF_GONE, MDIFF_APPEARED, MDIFF_PRESENT, MDIFF_DATE
};
typedef struct manifest_diff {
    enum manifest_diff_kind kind;
    int entry, n_entries;      /* the closest entry, of how many */
    int matched, total;        /* its files with their digest, of how many */
    char path[4096];           /* the file or path that differs */
    digest was, now;           /* MDIFF_FILE, MDIFF_PRESENT: the digests */
    char date[16];             /* MDIFF_DATE: the entry's day */
    digest action;             /* MDIFF_NONE: the entry's action */
} manifest_diff;
void manifest_explain(const manifest *m, const char *base, manifest_diff *out);

/* What a miss learned: the inputs (as the compiler named them, with their
 * digests), the action they gave, and whether the date is part of it. */
typedef struct manifest_inputs {
    const compile_cmd *cmd;
    const char *compiler;       /* resolved path, to ask for its search chain */
    const digest *toolkey;      /* toolchain or compiler identity */
    const char *ricc_dir;
    const char *cwd;
    char **deps;
    const digest *dep_digests;
    int n_deps;
    const digest *action;
    const char *base;           /* absolute paths under it are stored relative, or NULL */
    int base_in_action;         /* the action's salt holds the base */
    int base_in_output;         /* ... because an output held its name (flow.c) */
    const char *date;           /* "YYYY-MM-DD" if the action depends on it, else NULL */
    int gcc;                    /* the compiler is gcc (not clang under its name) */
    memo *scans;                /* the include names of files by digest, or NULL */
    int n_extra;                /* the last n_extra deps were read by another
                                 * process than the compiler proper (observe.h):
                                 * no include names them, their digests hold */
    char **absent;              /* paths a helper program looked for and did */
    int n_absent;               /* not find: they must stay absent */
} manifest_inputs;

/* Add (newest first, bounded) an entry for in to m.  0; -1 when the include
 * set cannot be proven (nothing is added, m is marked scan-only); or
 * MANIFEST_PCH when a precompiled header could stand in for a header (nothing
 * is added: the result must not be cached). */
#define MANIFEST_PCH (-2)
int manifest_add(manifest *m, const manifest_inputs *in);

#endif
