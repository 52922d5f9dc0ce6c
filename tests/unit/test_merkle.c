/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for cache/reapi/merkle.c.  The input root digest is half of every
 * cache key, so the tests pin it down from both sides: against the
 * independent REAPI vectors in tests/vectors/reapi-vectors (found through
 * RICC_SHARED, or tests/vectors from the current directory), and against the
 * REAPI rules themselves by unpacking the blobs the callback receives. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/bazel/remote/execution/v2/remote_execution.pb-c.h"
#include "cache/reapi/merkle.h"
#include "tests/unit/unit.h"

typedef Build__Bazel__Remote__Execution__V2__Directory pb_directory;

#define EMPTY_SHA "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* ---- the shared vectors ---- */

/* Find `name` in vectors.tsv and return its bytes (malloc'ed) and size;
 * sha gets the recorded SHA-256.  NULL if the file or the line is missing. */
static unsigned char *load_vector(const char *name, size_t *len, char sha[65])
{
    const char *shared = getenv("RICC_SHARED");
    char path[4096];
    snprintf(path, sizeof path, "%s/reapi-vectors/vectors.tsv",
             shared && *shared ? shared : "tests/vectors");
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *line = NULL, *out = NULL;
    size_t cap = 0;
    while (!out && getline(&line, &cap, f) > 0) {
        char *save, *n = strtok_r(line, "\t\n", &save);
        if (!n || strcmp(n, name) != 0)
            continue;
        strtok_r(NULL, "\t\n", &save); /* message type */
        char *size = strtok_r(NULL, "\t\n", &save);
        char *hash = strtok_r(NULL, "\t\n", &save);
        char *hex = strtok_r(NULL, "\t\n", &save);
        if (!size || !hash || strlen(hash) != 64)
            break;
        *len = strtoul(size, NULL, 10);
        memcpy(sha, hash, 65);
        out = malloc(*len + 1);
        for (size_t i = 0; out && i < *len; i++) {
            unsigned v;
            if (!hex || sscanf(hex + 2 * i, "%2x", &v) != 1) {
                free(out);
                out = NULL;
                break;
            }
            out[i] = (char)v;
        }
        if (out && (hex ? strlen(hex) : 0) != 2 * *len) {
            free(out);
            out = NULL;
        }
        break;
    }
    free(line);
    fclose(f);
    return (unsigned char *)out;
}

/* ---- a callback that records what it is given ---- */

typedef struct blob {
    digest d;
    unsigned char *bytes;
    size_t len;
} blob;

typedef struct recorder {
    blob v[256];
    int n;
    int abort_with; /* return this once n reaches abort_at */
    int abort_at;
} recorder;

static int record(const digest *d, const void *bytes, size_t len, void *arg)
{
    recorder *r = arg;
    if (r->abort_with && r->n == r->abort_at)
        return r->abort_with;
    CU_ASSERT_FATAL(r->n < (int)(sizeof r->v / sizeof *r->v));
    digest check;
    digest_buf(bytes, len, &check);
    CU_ASSERT(digest_equal(&check, d)); /* the digest is of these bytes */
    blob *b = &r->v[r->n++];
    b->d = *d;
    b->len = len;
    b->bytes = malloc(len + 1);
    if (len)
        memcpy(b->bytes, bytes, len);
    return 0;
}

static void recorder_free(recorder *r)
{
    for (int i = 0; i < r->n; i++)
        free(r->v[i].bytes);
    r->n = 0;
}

static const blob *find_blob(const recorder *r, const char *hash)
{
    for (int i = 0; i < r->n; i++)
        if (strcmp(r->v[i].d.hash, hash) == 0)
            return &r->v[i];
    return NULL;
}

static int index_of(const recorder *r, const char *hash)
{
    const blob *b = find_blob(r, hash);
    return b ? (int)(b - r->v) : -1;
}

static pb_directory *unpack(const blob *b)
{
    return build__bazel__remote__execution__v2__directory__unpack(NULL, b->len, b->bytes);
}

static void unpacked_free(pb_directory *d)
{
    build__bazel__remote__execution__v2__directory__free_unpacked(d, NULL);
}

/* ---- helpers ---- */

static void add_file(merkle_tree *t, const char *path, const char *content, int exec)
{
    digest d;
    const char *why = NULL;
    digest_str(content, &d);
    CU_ASSERT_EQUAL(merkle_add_file(t, path, &d, exec, &why), 0);
    if (why)
        fprintf(stderr, "unexpected: %s: %s\n", path, why);
}

/* The tree of the directory_root vector (notes.tsv): src/{hello.c,hello.h},
 * tools/run.sh executable, link -> src/hello.h, added in the order given by
 * `order` (a permutation of 0..3). */
static void add_vector_tree(merkle_tree *t, const int order[4])
{
    const char *why = NULL;
    for (int i = 0; i < 4; i++) {
        switch (order[i]) {
        case 0:
            add_file(t, "src/hello.c", "#include \"hello.h\"\nint main(void){return HELLO;}\n", 0);
            break;
        case 1:
            add_file(t, "src/hello.h", "#define HELLO 0\n", 0);
            break;
        case 2:
            add_file(t, "tools/run.sh", "#!/bin/sh\nexit 0\n", 1);
            break;
        default:
            CU_ASSERT_EQUAL(merkle_add_symlink(t, "link", "src/hello.h", &why), 0);
        }
    }
}

static void expect_vector_blob(const recorder *r, const char *name)
{
    size_t len = 0;
    char sha[65];
    unsigned char *bytes = load_vector(name, &len, sha);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bytes);
    const blob *b = find_blob(r, sha);
    CU_ASSERT_PTR_NOT_NULL(b);
    if (b) {
        CU_ASSERT_EQUAL(b->len, len);
        CU_ASSERT(b->len == len && memcmp(b->bytes, bytes, len) == 0);
        CU_ASSERT_EQUAL(b->d.size_bytes, (int64_t)len);
    } else {
        fprintf(stderr, "no blob matches vector %s\n", name);
    }
    free(bytes);
}

/* ---- tests ---- */

static void test_vectors(void)
{
    static const int orders[][4] = {{0, 1, 2, 3}, {3, 2, 1, 0}, {2, 0, 3, 1}, {1, 3, 0, 2}};
    size_t len;
    char root_sha[65];
    unsigned char *root_bytes = load_vector("directory_root", &len, root_sha);
    CU_ASSERT_PTR_NOT_NULL_FATAL(root_bytes);
    free(root_bytes);

    for (size_t o = 0; o < sizeof orders / sizeof *orders; o++) {
        merkle_tree *t = merkle_new();
        CU_ASSERT_PTR_NOT_NULL_FATAL(t);
        add_vector_tree(t, orders[o]);
        recorder r = {0};
        digest root;
        CU_ASSERT_EQUAL(merkle_finish(t, &root, record, &r), 0);
        CU_ASSERT_STRING_EQUAL(root.hash, root_sha);
        CU_ASSERT_EQUAL(root.size_bytes, (int64_t)len);
        CU_ASSERT_EQUAL(r.n, 3); /* src, tools, the root */
        expect_vector_blob(&r, "directory_src");
        expect_vector_blob(&r, "directory_tools");
        expect_vector_blob(&r, "directory_root");
        /* Parents come last. */
        CU_ASSERT_EQUAL(index_of(&r, root_sha), 2);
        recorder_free(&r);
        merkle_free(t);
    }
}

static void test_empty(void)
{
    size_t len;
    char sha[65];
    unsigned char *bytes = load_vector("directory_empty", &len, sha);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bytes);
    free(bytes);
    CU_ASSERT_EQUAL(len, 0);
    CU_ASSERT_STRING_EQUAL(sha, EMPTY_SHA);

    merkle_tree *t = merkle_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    recorder r = {0};
    digest root;
    CU_ASSERT_EQUAL(merkle_finish(t, &root, record, &r), 0);
    CU_ASSERT_STRING_EQUAL(root.hash, sha);
    CU_ASSERT_EQUAL(root.size_bytes, 0);
    CU_ASSERT_EQUAL(r.n, 1);
    CU_ASSERT_EQUAL(r.v[0].len, 0);
    recorder_free(&r);

    /* No callback is fine too. */
    CU_ASSERT_EQUAL(merkle_finish(t, &root, NULL, NULL), 0);
    CU_ASSERT_STRING_EQUAL(root.hash, EMPTY_SHA);
    merkle_free(t);
}

static void test_empty_dirs(void)
{
    const char *why = NULL;
    merkle_tree *t = merkle_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL(merkle_add_dir(t, "out/obj", &why), 0);
    CU_ASSERT_EQUAL(merkle_add_dir(t, "gen", &why), 0);
    CU_ASSERT_EQUAL(merkle_add_dir(t, "gen", &why), 0); /* twice is fine */
    recorder r = {0};
    digest root;
    CU_ASSERT_EQUAL(merkle_finish(t, &root, record, &r), 0);
    /* Blobs: empty (for out/obj and gen: once), out, root. */
    CU_ASSERT_EQUAL(r.n, 3);
    const blob *e = find_blob(&r, EMPTY_SHA);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_EQUAL(e->len, 0);
    CU_ASSERT_EQUAL(index_of(&r, EMPTY_SHA), 0);

    pb_directory *d = unpack(&r.v[r.n - 1]);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(d->n_files, 0);
    CU_ASSERT_EQUAL(d->n_symlinks, 0);
    CU_ASSERT_EQUAL_FATAL(d->n_directories, 2);
    CU_ASSERT_STRING_EQUAL(d->directories[0]->name, "gen");
    CU_ASSERT_STRING_EQUAL(d->directories[0]->digest->hash, EMPTY_SHA);
    CU_ASSERT_EQUAL(d->directories[0]->digest->size_bytes, 0);
    CU_ASSERT_STRING_EQUAL(d->directories[1]->name, "out");
    unpacked_free(d);

    /* An empty directory differs from no directory; and a directory named
     * by merkle_add_dir may later receive files. */
    digest before = root;
    CU_ASSERT_EQUAL(merkle_add_dir(t, "out/obj/deeper", &why), 0);
    add_file(t, "gen/x.h", "x", 0);
    recorder_free(&r);
    CU_ASSERT_EQUAL(merkle_finish(t, &root, record, &r), 0);
    CU_ASSERT_FALSE(digest_equal(&before, &root));
    CU_ASSERT_EQUAL(r.n, 5); /* empty, obj, out, gen, root */
    recorder_free(&r);
    merkle_free(t);
}

static void test_sorting(void)
{
    merkle_tree *t = merkle_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    const char *why = NULL;
    /* Bytewise: uppercase before lowercase, '-' and '.' before letters, and
     * a byte >= 0x80 after all of ASCII (a signed-char compare would get
     * that one wrong). */
    static const char *const files[] = {"b", "\xc3\xa9t\xc3\xa9", "a.h", "B", "a-b", "a", "ab"};
    static const char *const sorted[] = {"B", "a", "a-b", "a.h", "ab", "b", "\xc3\xa9t\xc3\xa9"};
    for (int i = 0; i < 7; i++)
        add_file(t, files[i], files[i], 0);
    CU_ASSERT_EQUAL(merkle_add_dir(t, "z", &why), 0);
    CU_ASSERT_EQUAL(merkle_add_dir(t, "Z", &why), 0);
    CU_ASSERT_EQUAL(merkle_add_dir(t, "m", &why), 0);
    CU_ASSERT_EQUAL(merkle_add_symlink(t, "s2", "b", &why), 0);
    CU_ASSERT_EQUAL(merkle_add_symlink(t, "S1", "a", &why), 0);
    CU_ASSERT_EQUAL(merkle_add_symlink(t, "s10", "a", &why), 0);

    recorder r = {0};
    digest root;
    CU_ASSERT_EQUAL(merkle_finish(t, &root, record, &r), 0);
    CU_ASSERT_EQUAL_FATAL(r.n, 2);
    pb_directory *d = unpack(&r.v[1]);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL_FATAL(d->n_files, 7);
    for (int i = 0; i < 7; i++) {
        CU_ASSERT_STRING_EQUAL(d->files[i]->name, sorted[i]);
        digest want;
        digest_str(sorted[i], &want);
        CU_ASSERT_STRING_EQUAL(d->files[i]->digest->hash, want.hash);
        CU_ASSERT_EQUAL(d->files[i]->digest->size_bytes, want.size_bytes);
        CU_ASSERT_FALSE(d->files[i]->is_executable);
    }
    CU_ASSERT_EQUAL_FATAL(d->n_directories, 3);
    CU_ASSERT_STRING_EQUAL(d->directories[0]->name, "Z");
    CU_ASSERT_STRING_EQUAL(d->directories[1]->name, "m");
    CU_ASSERT_STRING_EQUAL(d->directories[2]->name, "z");
    CU_ASSERT_EQUAL_FATAL(d->n_symlinks, 3);
    CU_ASSERT_STRING_EQUAL(d->symlinks[0]->name, "S1");
    CU_ASSERT_STRING_EQUAL(d->symlinks[1]->name, "s10");
    CU_ASSERT_STRING_EQUAL(d->symlinks[2]->name, "s2");
    CU_ASSERT_STRING_EQUAL(d->symlinks[2]->target, "b");
    unpacked_free(d);
    recorder_free(&r);
    merkle_free(t);
}

static void test_executable(void)
{
    digest plain, exec;
    merkle_tree *t = merkle_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    add_file(t, "run.sh", "#!/bin/sh\nexit 0\n", 0);
    recorder r = {0};
    CU_ASSERT_EQUAL(merkle_finish(t, &plain, record, &r), 0);
    CU_ASSERT_EQUAL_FATAL(r.n, 1);
    /* Not executable: field 4 is left out entirely (no "4: 0"). */
    CU_ASSERT_EQUAL(r.v[0].len, 82 - 2);
    pb_directory *d = unpack(&r.v[0]);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_FALSE(d->files[0]->is_executable);
    unpacked_free(d);
    recorder_free(&r);
    merkle_free(t);

    t = merkle_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    add_file(t, "run.sh", "#!/bin/sh\nexit 0\n", 7); /* any non-zero means yes */
    CU_ASSERT_EQUAL(merkle_finish(t, &exec, record, &r), 0);
    CU_ASSERT_FALSE(digest_equal(&plain, &exec));
    expect_vector_blob(&r, "directory_tools");
    recorder_free(&r);
    merkle_free(t);
}

static void test_symlinks(void)
{
    const char *why = NULL;
    merkle_tree *t = merkle_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    /* Targets are kept verbatim: REAPI, not ricc, decides what they mean. */
    CU_ASSERT_EQUAL(merkle_add_symlink(t, "lib/libz.so", "libz.so.1", &why), 0);
    CU_ASSERT_EQUAL(merkle_add_symlink(t, "lib/up", "../include/x.h", &why), 0);
    CU_ASSERT_EQUAL(merkle_add_symlink(t, "lib/up", "../include/x.h", &why), 0);
    CU_ASSERT_EQUAL(merkle_add_symlink(t, "lib/up", "../include/y.h", &why), -1);
    CU_ASSERT_PTR_NOT_NULL(why);
    CU_ASSERT_EQUAL(merkle_add_symlink(t, "lib/empty", "", &why), -1);

    recorder r = {0};
    digest root;
    CU_ASSERT_EQUAL(merkle_finish(t, &root, record, &r), 0);
    CU_ASSERT_EQUAL_FATAL(r.n, 2);
    pb_directory *d = unpack(&r.v[0]);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(d->n_files, 0);
    CU_ASSERT_EQUAL_FATAL(d->n_symlinks, 2);
    CU_ASSERT_STRING_EQUAL(d->symlinks[0]->name, "libz.so");
    CU_ASSERT_STRING_EQUAL(d->symlinks[0]->target, "libz.so.1");
    CU_ASSERT_STRING_EQUAL(d->symlinks[1]->name, "up");
    CU_ASSERT_STRING_EQUAL(d->symlinks[1]->target, "../include/x.h");
    unpacked_free(d);
    recorder_free(&r);
    merkle_free(t);
}

static void test_nested(void)
{
    merkle_tree *t = merkle_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    add_file(t, "a/b/c/d.h", "d", 0);
    add_file(t, "a/b/e.h", "e", 0);
    add_file(t, "a/f.h", "f", 0);
    add_file(t, "g.h", "g", 0);
    recorder r = {0};
    digest root;
    CU_ASSERT_EQUAL(merkle_finish(t, &root, record, &r), 0);
    CU_ASSERT_EQUAL_FATAL(r.n, 4); /* c, b, a, root */

    /* Walk down from the root: each Directory names its subdirectory by a
     * digest whose blob was handed out earlier, and holds its own file. */
    static const char *const dirs[] = {"a", "b", "c"};
    static const char *const own_file[] = {"g.h", "f.h", "e.h", "d.h"};
    int at = index_of(&r, root.hash);
    CU_ASSERT_EQUAL(at, 3);
    for (int level = 0; level < 4 && at >= 0; level++) {
        pb_directory *d = unpack(&r.v[at]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(d);
        CU_ASSERT_EQUAL_FATAL(d->n_files, 1);
        CU_ASSERT_STRING_EQUAL(d->files[0]->name, own_file[level]);
        if (level < 3) {
            CU_ASSERT_EQUAL_FATAL(d->n_directories, 1);
            CU_ASSERT_STRING_EQUAL(d->directories[0]->name, dirs[level]);
            int child = index_of(&r, d->directories[0]->digest->hash);
            CU_ASSERT(child >= 0 && child < at);
            CU_ASSERT_EQUAL(d->directories[0]->digest->size_bytes,
                            child >= 0 ? (int64_t)r.v[child].len : -1);
            at = child;
        } else {
            CU_ASSERT_EQUAL(d->n_directories, 0);
        }
        unpacked_free(d);
    }
    recorder_free(&r);
    merkle_free(t);
}

static void test_distinct_blobs_once(void)
{
    merkle_tree *t = merkle_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    const char *why = NULL;
    /* Two identical subtrees and three empty directories. */
    add_file(t, "one/sub/x.h", "x", 0);
    add_file(t, "two/sub/x.h", "x", 0);
    CU_ASSERT_EQUAL(merkle_add_dir(t, "e1", &why), 0);
    CU_ASSERT_EQUAL(merkle_add_dir(t, "one/e2", &why), 0);
    CU_ASSERT_EQUAL(merkle_add_dir(t, "two/e2", &why), 0);
    recorder r = {0};
    digest root;
    CU_ASSERT_EQUAL(merkle_finish(t, &root, record, &r), 0);
    /* Distinct Directories: empty, sub, one == two, root. */
    CU_ASSERT_EQUAL(r.n, 4);
    for (int i = 0; i < r.n; i++)
        for (int j = i + 1; j < r.n; j++)
            CU_ASSERT_FALSE(digest_equal(&r.v[i].d, &r.v[j].d));
    CU_ASSERT_EQUAL(index_of(&r, root.hash), r.n - 1);
    recorder_free(&r);
    merkle_free(t);
}

static void test_callback_abort(void)
{
    merkle_tree *t = merkle_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    add_file(t, "a/b/c.h", "c", 0);
    recorder r = {0};
    r.abort_with = 42;
    r.abort_at = 1;
    digest root;
    CU_ASSERT_EQUAL(merkle_finish(t, &root, record, &r), 42);
    CU_ASSERT_EQUAL(r.n, 1); /* stopped at the second blob */
    recorder_free(&r);
    /* The tree is still usable afterwards. */
    r.abort_with = 0;
    CU_ASSERT_EQUAL(merkle_finish(t, &root, record, &r), 0);
    CU_ASSERT_EQUAL(r.n, 3);
    recorder_free(&r);
    merkle_free(t);
}

static void expect_reject(merkle_tree *t, int rc, const char *what)
{
    CU_ASSERT_EQUAL(rc, -1);
    if (rc != -1)
        fprintf(stderr, "accepted: %s\n", what);
}

static void test_conflicts(void)
{
    merkle_tree *t = merkle_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    const char *why = NULL;
    digest x, y;
    digest_str("x", &x);
    digest_str("y", &y);
    CU_ASSERT_EQUAL(merkle_add_file(t, "inc/a.h", &x, 0, &why), 0);
    CU_ASSERT_EQUAL(merkle_add_file(t, "inc/a.h", &x, 0, &why), 0); /* identical: fine */
    CU_ASSERT_EQUAL(merkle_add_file(t, "bin/tool", &x, 1, &why), 0);
    CU_ASSERT_EQUAL(merkle_add_symlink(t, "inc/l.h", "a.h", &why), 0);
    CU_ASSERT_EQUAL(merkle_add_dir(t, "inc/sys", &why), 0);

    why = NULL;
    expect_reject(t, merkle_add_file(t, "inc/a.h", &y, 0, &why), "other digest");
    CU_ASSERT_PTR_NOT_NULL(why);
    digest bigger = x;
    bigger.size_bytes = 2;
    expect_reject(t, merkle_add_file(t, "inc/a.h", &bigger, 0, &why), "other size");
    expect_reject(t, merkle_add_file(t, "inc/a.h", &x, 1, &why), "other exec bit");
    expect_reject(t, merkle_add_file(t, "bin/tool", &x, 0, &why), "other exec bit");
    expect_reject(t, merkle_add_file(t, "inc", &x, 0, &why), "file where a dir is");
    expect_reject(t, merkle_add_file(t, "inc/sys", &x, 0, &why), "file where an empty dir is");
    expect_reject(t, merkle_add_dir(t, "inc/a.h", &why), "dir where a file is");
    expect_reject(t, merkle_add_file(t, "inc/a.h/b.h", &x, 0, &why), "file under a file");
    expect_reject(t, merkle_add_symlink(t, "inc/a.h", "x", &why), "symlink where a file is");
    expect_reject(t, merkle_add_file(t, "inc/l.h", &x, 0, &why), "file where a symlink is");
    expect_reject(t, merkle_add_dir(t, "inc/l.h", &why), "dir where a symlink is");
    expect_reject(t, merkle_add_file(t, "inc/l.h/x", &x, 0, &why), "file under a symlink");
    expect_reject(t, merkle_add_symlink(t, "inc", "x", &why), "symlink where a dir is");
    expect_reject(t, merkle_add_symlink(t, "inc/l.h", "b.h", &why), "other target");

    /* A malformed digest is not an entry. */
    digest bad = x;
    bad.hash[0] = 'X';
    expect_reject(t, merkle_add_file(t, "bad.h", &bad, 0, &why), "malformed digest");
    bad = x;
    bad.size_bytes = -1;
    expect_reject(t, merkle_add_file(t, "bad.h", &bad, 0, &why), "negative size");

    /* The rejected calls left no trace: same root as a fresh tree. */
    merkle_tree *fresh = merkle_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(fresh);
    CU_ASSERT_EQUAL(merkle_add_dir(fresh, "inc/sys", &why), 0);
    CU_ASSERT_EQUAL(merkle_add_symlink(fresh, "inc/l.h", "a.h", &why), 0);
    CU_ASSERT_EQUAL(merkle_add_file(fresh, "bin/tool", &x, 1, &why), 0);
    CU_ASSERT_EQUAL(merkle_add_file(fresh, "inc/a.h", &x, 0, &why), 0);
    digest a, b;
    CU_ASSERT_EQUAL(merkle_finish(t, &a, NULL, NULL), 0);
    CU_ASSERT_EQUAL(merkle_finish(fresh, &b, NULL, NULL), 0);
    CU_ASSERT(digest_equal(&a, &b));
    merkle_free(fresh);
    merkle_free(t);
}

static void test_invalid_paths(void)
{
    static const char *const bad[] = {
        "", "/", "/abs", "/usr/include/stdio.h", "a//b", "a/", "a/b/", "//a",
        ".", "..", "./a", "a/.", "a/./b", "../a", "a/..", "a/../b",
    };
    merkle_tree *t = merkle_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    digest x;
    digest_str("x", &x);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *why = NULL;
        expect_reject(t, merkle_add_file(t, bad[i], &x, 0, &why), bad[i]);
        CU_ASSERT_PTR_NOT_NULL(why);
        expect_reject(t, merkle_add_dir(t, bad[i], &why), bad[i]);
        expect_reject(t, merkle_add_symlink(t, bad[i], "x", &why), bad[i]);
    }
    /* Names that merely contain dots are ordinary. */
    const char *why = NULL;
    CU_ASSERT_EQUAL(merkle_add_file(t, "...", &x, 0, &why), 0);
    CU_ASSERT_EQUAL(merkle_add_file(t, ".hidden/..x/a..", &x, 0, &why), 0);
    digest root;
    recorder r = {0};
    CU_ASSERT_EQUAL(merkle_finish(t, &root, record, &r), 0);
    CU_ASSERT_EQUAL(r.n, 3); /* ..x, .hidden, root: nothing from the bad paths */
    recorder_free(&r);
    merkle_free(t);
}

/* Many files, added in different orders, with repeats: one root.  Large
 * enough that a quadratic add would show (a C++ compile reads ~500 headers;
 * this is 6000 files, 3000 of them in one directory). */
static void test_order_independence(void)
{
    enum { N = 6000 };
    static char paths[N][48];
    static int perm[N];
    for (int i = 0; i < N; i++) {
        if (i % 2)
            snprintf(paths[i], sizeof paths[i], "usr/include/h%05d.h", i);
        else
            snprintf(paths[i], sizeof paths[i], "src/m%d/d%d/f%d.c", i % 7, i % 13, i);
        perm[i] = i;
    }
    digest roots[3];
    unsigned seed = 1;
    for (int round = 0; round < 3; round++) {
        if (round == 1) /* reversed */
            for (int i = 0; i < N; i++)
                perm[i] = N - 1 - i;
        if (round == 2) /* shuffled (Fisher-Yates with a fixed LCG) */
            for (int i = N - 1; i > 0; i--) {
                seed = seed * 1103515245u + 12345u;
                int j = (int)((seed >> 8) % (unsigned)(i + 1));
                int tmp = perm[i];
                perm[i] = perm[j];
                perm[j] = tmp;
            }
        merkle_tree *t = merkle_new();
        CU_ASSERT_PTR_NOT_NULL_FATAL(t);
        int failures = 0;
        for (int i = 0; i < N; i++) {
            const char *p = paths[perm[i]];
            digest d;
            const char *why;
            digest_str(p, &d);
            failures += merkle_add_file(t, p, &d, perm[i] % 5 == 0, &why) != 0;
            if (i % 3 == 0) /* the same entry again */
                failures += merkle_add_file(t, p, &d, perm[i] % 5 == 0, &why) != 0;
        }
        CU_ASSERT_EQUAL(failures, 0);
        recorder r = {0};
        CU_ASSERT_EQUAL(merkle_finish(t, &roots[round], record, &r), 0);
        /* root, usr, usr/include, src, 7 m dirs, and 91 d dirs: the even
         * i cover every (i % 7, i % 13) pair, as 2 is invertible mod 91. */
        CU_ASSERT_EQUAL(r.n, 4 + 7 + 91);
        recorder_free(&r);
        merkle_free(t);
    }
    CU_ASSERT(digest_equal(&roots[0], &roots[1]));
    CU_ASSERT(digest_equal(&roots[0], &roots[2]));
}

static const unit_test tests[] = {
    {"REAPI vectors, any order", test_vectors},
    {"empty root", test_empty},
    {"empty directories", test_empty_dirs},
    {"sorting", test_sorting},
    {"executable flag", test_executable},
    {"symlinks", test_symlinks},
    {"nested directories", test_nested},
    {"each distinct blob once", test_distinct_blobs_once},
    {"callback abort", test_callback_abort},
    {"conflicts rejected", test_conflicts},
    {"invalid paths rejected", test_invalid_paths},
    {"order independence at scale", test_order_independence},
    {NULL, NULL},
};

int main(void)
{
    return unit_run("merkle", NULL, NULL, tests);
}
