/* SPDX-License-Identifier: Apache-2.0 */
/* layout.h — every name under RICC_DIR, and what each one is.
 *
 *   cas/ ac/ manifests/   the store (store.h): <area>/<h0h1>/<hash>
 *   lock/                 flock files: shard-X (store.c), actions (flow.c)
 *   stats                 the counters (stats.h)
 *   statindex             stat -> digest, a fixed 4 MB table (statindex.h)
 *   incscan, codes        fixed 4 MB tables of values by content (memo.h):
 *                         a header's #include names, a file's code digest
 *   identity/, incdirs/   a compiler's identity, its include search chain
 *   tmp/                  scratch: p.<pid-ns>.<pid>.XXXXXX/, one private
 *                         directory (0700) per process that needs one
 *                         (cachedir.h), holding its trace records and the
 *                         dependency file the compiler writes
 *   remote-down, remote-noupdate, remote-noexec
 *                         the remote's marks, each with a <mark>.lock
 *   remote-caps           the server's capabilities, remembered a while
 *   dir-fallback, write-failed
 *                         the once-per-build warning marks (cachedir.c;
 *                         write-failed in the private directory under
 *                         TMPDIR, about the cache directory that failed)
 *   why/                  per call (working directory and output), the key
 *                         parts of its last miss, to say what changed since
 *                         (wrapper/flows/explain.h)
 *   config.yaml           the settings (spelt in cache/util/config.h: the
 *                         layer below may not include this one)
 *
 * Why one module: when each file spelt its own names, `--clear`,
 * `--cleanup` and the size shown each knew only some of them; the tables
 * were never counted and the scratch files of killed processes never
 * removed.  Here every name has a kind, and the maintenance below works
 * from the kinds, so a new file under RICC_DIR is one line in layout.c.
 *
 * What is cache (removed by --clear): the store, the tables, identity/,
 * incdirs/, why/ and remote-caps.  What is not: config.yaml; stats (counters
 * survive a clear as in ccache; --zero-stats zeroes them); lock/ and the
 * *.lock files (removing a lock another process holds would let a third
 * take it too); the marks (a fact about a server or this build, not about
 * the cache, and they expire by themselves); tmp/ (a running call's
 * scratch: only what is older than an hour goes). */
#ifndef RICC_LAYOUT_H
#define RICC_LAYOUT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum layout_item {
    /* The store's three areas, consecutive and in store.c's order. */
    LAYOUT_CAS,
    LAYOUT_AC,
    LAYOUT_MANIFESTS,
    LAYOUT_LOCK,        /* the directory of the store's shard locks */
    LAYOUT_ACTION_LOCK, /* lock/actions: one byte per action key (flow.c) */
    LAYOUT_STATS,
    LAYOUT_STATINDEX,
    LAYOUT_INCSCAN,
    LAYOUT_CODES,
    LAYOUT_IDENTITY,
    LAYOUT_INCDIRS,
    LAYOUT_TMP,
    LAYOUT_REMOTE_DOWN,
    LAYOUT_REMOTE_NOUPDATE,
    LAYOUT_REMOTE_NOEXEC,
    LAYOUT_REMOTE_CAPS,
    LAYOUT_DIR_FALLBACK,
    LAYOUT_WRITE_FAILED,
    LAYOUT_CONFIG,
    LAYOUT_WHY,         /* why/: each call's last key parts (explain.h) */
    LAYOUT_COUNT
};

/* The name relative to RICC_DIR ("statindex", "lock/actions"). */
const char *layout_name(enum layout_item it);

/* buf = dir/name, or dir/name/sub when sub is not NULL.  0, or -1 when it
 * does not fit in cap bytes (errno ENAMETOOLONG). */
int layout_path(const char *dir, enum layout_item it, const char *sub, char *buf, size_t cap);

/* The same, malloc'd (NULL on failure). */
char *layout_path_dup(const char *dir, enum layout_item it, const char *sub);

/* buf = dir/name.lock: the lock beside a mark.  0 or -1 as layout_path. */
int layout_lock_path(const char *dir, enum layout_item it, char *buf, size_t cap);

/* Make the directory that path (a layout_path result) is in.  0 or -1. */
int layout_make_parent(const char *path);

/* What a file of `size` bytes is charged against max_size: whole 4 KiB
 * blocks, which is what small files really cost on disk. */
int64_t layout_charge(int64_t size);

/* The bytes outside the store's areas that count toward max_size: the three
 * fixed tables and the files in identity/, incdirs/ and why/, charged as above,
 * as they are now. */
uint64_t layout_measure(const char *dir);

/* Remove the temporaries that processes killed between create and rename
 * left behind: "*.tmp.*" files directly in dir or in any directory of the
 * layout (the store's shard directories are swept by store.c as it scans
 * them), and any file in tmp/, when older than an hour at `now`; and the
 * private scratch directories in tmp/ (cachedir.h) of processes that are
 * gone (the name says which; a process of this pid namespace is asked with
 * kill(pid, 0), and its directory stays while it runs, however long), and
 * those of another pid namespace (a sandbox sharing the cache, whose
 * process cannot be asked) that nothing touched for an hour.  Directories are opened without following a
 * symbolic link: one planted in a shared cache (tmp -> someone's home)
 * does not make the sweep remove what is behind it. */
void layout_sweep(const char *dir, time_t now);

/* "tmpdir/p.<pid-ns>.<pid>.XXXXXX": the template for mkdtemp of this
 * process's private scratch directory.  malloc'd, or NULL. */
char *layout_private_template(const char *tmpdir);

/* Remove what is cache outside the store's areas (the tables, identity/, why/,
 * incdirs/, remote-caps) and sweep as layout_sweep.  0, or -1 when
 * something could not be removed. */
int layout_clear(const char *dir);

/* Remove everything below path, keeping path itself.  0, or -1. */
int layout_remove_contents(const char *path);

/* Is name a temporary ("*.tmp.*", fsutil.h)? */
int layout_is_tmp_name(const char *name);

/* Temporaries older than this many seconds are a killed process's. */
#define LAYOUT_STALE_SECONDS 3600

#endif
