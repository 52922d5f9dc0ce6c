/* SPDX-License-Identifier: Apache-2.0 */
/* merkle.c — build a REAPI input root from a list of paths.
 *
 * A compile reads hundreds of files (a C++ one ~500 headers, many of them in
 * the same few directories), so adding an entry must not cost a scan of its
 * directory.  The tree is kept as nodes in memory:
 *
 *   - every node (file, symlink or directory) knows its parent and its name;
 *   - one hash table for the whole tree maps (parent, name) to the node, so
 *     finding or creating each path component is O(1);
 *   - each directory also keeps its children in a plain array, unsorted while
 *     paths are added.
 *
 * merkle_finish() walks the tree depth first.  For each directory it sorts the
 * children once by name (strcmp, i.e. bytewise), splits them into the three
 * REAPI lists — the split keeps each list sorted — builds a protobuf-c
 * Directory that points into the nodes (no copies of names or digests), packs
 * it, hashes it and hands it to the callback.  A directory's digest is stored
 * in its node so that its parent can refer to it.  The same Directory can
 * appear in several places (two empty directories, two copies of a subtree);
 * a small set of digests already handed out makes the callback see each
 * distinct blob once.
 *
 * Conflicts are found while adding, when the node already exists, so
 * merkle_finish() cannot fail for any reason but memory or the callback. */
#include "cache/reapi/merkle.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "build/bazel/remote/execution/v2/remote_execution.pb-c.h"

typedef Build__Bazel__Remote__Execution__V2__Directory pb_directory;
typedef Build__Bazel__Remote__Execution__V2__FileNode pb_file;
typedef Build__Bazel__Remote__Execution__V2__DirectoryNode pb_dirnode;
typedef Build__Bazel__Remote__Execution__V2__SymlinkNode pb_symlink;
typedef Build__Bazel__Remote__Execution__V2__Digest pb_digest;

enum node_kind { NODE_DIR, NODE_FILE, NODE_SYMLINK };

typedef struct node {
    struct node *parent;
    uint64_t hash;          /* of (parent, name): kept so growing the table needs no rehash */
    enum node_kind kind;
    int executable;         /* files only */
    digest d;               /* files: the content; directories: set by merkle_finish */
    const char *target;     /* symlinks only: points into the same allocation as name */
    struct node **kids;     /* directories only */
    size_t nkids, capkids;
    char name[];            /* the path component; a symlink's target follows its NUL */
} node;

struct merkle_tree {
    node *root;             /* not in the table: it has no name */
    node **slots;           /* open addressing, linear probing; size is a power of two */
    size_t cap, count;
};

static const char *const OOM = "out of memory";

/* FNV-1a over the name, seeded with the parent's address: two nodes collide
 * only if they share a parent and a name hash, which the probe resolves. */
static uint64_t name_hash(const node *parent, const char *name, size_t len)
{
    uint64_t h = 14695981039346656037ULL ^ (uint64_t)(uintptr_t)parent;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)name[i];
        h *= 1099511628211ULL;
    }
    return h ^ (h >> 29);
}

static node *lookup(const merkle_tree *t, const node *parent, const char *name, size_t len,
                    uint64_t h)
{
    size_t mask = t->cap - 1;
    for (size_t i = (size_t)h & mask; t->slots[i]; i = (i + 1) & mask) {
        node *n = t->slots[i];
        if (n->hash == h && n->parent == parent && strncmp(n->name, name, len) == 0 &&
            n->name[len] == '\0')
            return n;
    }
    return NULL;
}

static void table_put(merkle_tree *t, node *n)
{
    size_t mask = t->cap - 1;
    size_t i = (size_t)n->hash & mask;
    while (t->slots[i])
        i = (i + 1) & mask;
    t->slots[i] = n;
    t->count++;
}

/* Keep the load factor under one half so probes stay short. */
static int table_reserve_one(merkle_tree *t)
{
    if ((t->count + 1) * 2 <= t->cap)
        return 0;
    size_t oldcap = t->cap;
    node **old = t->slots;
    node **slots = calloc(oldcap * 2, sizeof *slots);
    if (!slots)
        return -1;
    t->slots = slots;
    t->cap = oldcap * 2;
    t->count = 0;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i])
            table_put(t, old[i]);
    free(old);
    return 0;
}

static node *node_alloc(const char *name, size_t len, const char *target)
{
    size_t tlen = target ? strlen(target) + 1 : 0;
    node *n = calloc(1, sizeof *n + len + 1 + tlen);
    if (!n)
        return NULL;
    memcpy(n->name, name, len);
    n->name[len] = '\0';
    if (target) {
        char *tcopy = n->name + len + 1;
        memcpy(tcopy, target, tlen);
        n->target = tcopy;
    }
    return n;
}

/* Create a child of dir.  All allocation happens before anything is linked
 * in, so a failure leaves the tree as it was. */
static node *add_child(merkle_tree *t, node *dir, const char *name, size_t len, uint64_t h,
                       enum node_kind kind, const char *target)
{
    if (table_reserve_one(t) != 0)
        return NULL;
    if (dir->nkids == dir->capkids) {
        size_t cap = dir->capkids ? dir->capkids * 2 : 4;
        node **kids = realloc(dir->kids, cap * sizeof *kids);
        if (!kids)
            return NULL;
        dir->kids = kids;
        dir->capkids = cap;
    }
    node *n = node_alloc(name, len, target);
    if (!n)
        return NULL;
    n->parent = dir;
    n->hash = h;
    n->kind = kind;
    dir->kids[dir->nkids++] = n;
    table_put(t, n);
    return n;
}

merkle_tree *merkle_new(void)
{
    merkle_tree *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->cap = 64;
    t->slots = calloc(t->cap, sizeof *t->slots);
    t->root = node_alloc("", 0, NULL);
    if (!t->slots || !t->root) {
        free(t->slots);
        free(t->root);
        free(t);
        return NULL;
    }
    t->root->kind = NODE_DIR;
    return t;
}

void merkle_free(merkle_tree *t)
{
    if (!t)
        return;
    /* Every node but the root is in the table: free them flat, no recursion. */
    for (size_t i = 0; i < t->cap; i++) {
        if (t->slots[i]) {
            free(t->slots[i]->kids);
            free(t->slots[i]);
        }
    }
    free(t->root->kids);
    free(t->root);
    free(t->slots);
    free(t);
}

/* REAPI paths are relative and normalized: "a/b.h", never "/a", "a//b",
 * "a/", "./a" or "a/../b".  Checked before anything is created so that a bad
 * path leaves the tree untouched. */
static const char *check_path(const char *path)
{
    if (!path || !*path)
        return "empty path";
    if (*path == '/')
        return "absolute path";
    const char *p = path;
    for (;;) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == 0)
            return "empty path component";
        if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
            return "'.' or '..' path component";
        if (!end)
            return NULL;
        p = end + 1;
    }
}

static int valid_digest(const digest *d)
{
    unsigned char raw[32];
    return d->size_bytes >= 0 && d->hash[DIGEST_HEX_LEN] == '\0' && digest_raw(d, raw) == 0;
}

static const char *kind_conflict(enum node_kind existing)
{
    switch (existing) {
    case NODE_DIR:
        return "path is already a directory";
    case NODE_FILE:
        return "path is already a file";
    default:
        return "path is already a symlink";
    }
}

/* The one walk behind the three merkle_add_* calls: find or create every
 * parent directory, then compare against or create the last component. */
static int add_entry(merkle_tree *t, const char *path, enum node_kind kind, const digest *d,
                     int executable, const char *target, const char **why)
{
    const char *msg = check_path(path);
    if (msg)
        goto fail;

    node *dir = t->root;
    const char *p = path;
    for (;;) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        uint64_t h = name_hash(dir, p, len);
        node *n = lookup(t, dir, p, len, h);

        if (end) { /* a parent directory */
            if (!n)
                n = add_child(t, dir, p, len, h, NODE_DIR, NULL);
            if (!n) {
                msg = OOM;
                goto fail;
            }
            if (n->kind != NODE_DIR) {
                msg = n->kind == NODE_FILE ? "a parent of the path is a file"
                                           : "a parent of the path is a symlink";
                goto fail;
            }
            dir = n;
            p = end + 1;
            continue;
        }

        if (!n) { /* the last component, new */
            n = add_child(t, dir, p, len, h, kind, target);
            if (!n) {
                msg = OOM;
                goto fail;
            }
            if (kind == NODE_FILE) {
                n->d = *d;
                n->executable = executable;
            }
            return 0;
        }

        /* The last component exists: fine only if it is the same entry. */
        if (n->kind != kind) {
            msg = kind_conflict(n->kind);
            goto fail;
        }
        if (kind == NODE_FILE && !digest_equal(&n->d, d)) {
            msg = "path already added as a file with another digest";
            goto fail;
        }
        if (kind == NODE_FILE && n->executable != executable) {
            msg = "path already added as a file with another executable bit";
            goto fail;
        }
        if (kind == NODE_SYMLINK && strcmp(n->target, target) != 0) {
            msg = "path already added as a symlink to another target";
            goto fail;
        }
        return 0;
    }

fail:
    if (why)
        *why = msg;
    return -1;
}

int merkle_add_file(merkle_tree *t, const char *path, const digest *d, int executable,
                    const char **why)
{
    if (!d || !valid_digest(d)) {
        if (why)
            *why = "malformed file digest";
        return -1;
    }
    return add_entry(t, path, NODE_FILE, d, executable != 0, NULL, why);
}

int merkle_add_symlink(merkle_tree *t, const char *path, const char *target, const char **why)
{
    if (!target || !*target) {
        if (why)
            *why = "empty symlink target";
        return -1;
    }
    return add_entry(t, path, NODE_SYMLINK, NULL, 0, target, why);
}

int merkle_add_dir(merkle_tree *t, const char *path, const char **why)
{
    return add_entry(t, path, NODE_DIR, NULL, 0, NULL, why);
}

/* ---- merkle_finish ---- */

/* Digests of the Directory blobs already given to the callback. */
typedef struct seen_set {
    digest *v;
    size_t cap, count;
} seen_set;

static uint64_t digest_hash(const digest *d)
{
    /* The hash is already uniformly random: its first 16 hex digits will do. */
    uint64_t h = 0;
    for (int i = 0; i < 16; i++)
        h = h << 4 | (uint64_t)(d->hash[i] <= '9' ? d->hash[i] - '0' : d->hash[i] - 'a' + 10);
    return h;
}

/* Returns 1 if d was added, 0 if it was already there, -1 on OOM.  An empty
 * slot has hash[0] == '\0'. */
static int seen_add(seen_set *s, const digest *d)
{
    if ((s->count + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 32;
        digest *v = calloc(cap, sizeof *v);
        if (!v)
            return -1;
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->v[i].hash[0])
                continue;
            size_t j = (size_t)digest_hash(&s->v[i]) & (cap - 1);
            while (v[j].hash[0])
                j = (j + 1) & (cap - 1);
            v[j] = s->v[i];
        }
        free(s->v);
        s->v = v;
        s->cap = cap;
    }
    size_t mask = s->cap - 1;
    size_t i = (size_t)digest_hash(d) & mask;
    for (; s->v[i].hash[0]; i = (i + 1) & mask)
        if (digest_equal(&s->v[i], d))
            return 0;
    s->v[i] = *d;
    s->count++;
    return 1;
}

static int by_name(const void *a, const void *b)
{
    const node *x = *(node *const *)a, *y = *(node *const *)b;
    return strcmp(x->name, y->name);
}

/* Serialize one directory whose children are sorted and whose children's
 * digests are known: sets
 * dir->d and calls cb when the blob is new.  The protobuf-c structs borrow
 * names and digest strings from the nodes. */
static int emit_dir(node *dir, seen_set *seen, merkle_blob_fn cb, void *arg)
{
    pb_directory msg = BUILD__BAZEL__REMOTE__EXECUTION__V2__DIRECTORY__INIT;
    size_t n = dir->nkids, nf = 0, nd = 0, ns = 0, ndig = 0, len;
    int rc = -1;
    for (size_t i = 0; i < n; i++) {
        enum node_kind k = dir->kids[i]->kind;
        nf += k == NODE_FILE;
        nd += k == NODE_DIR;
        ns += k == NODE_SYMLINK;
    }

    /* "+ 1" keeps every size non-zero so a NULL always means out of memory. */
    pb_file *files = calloc(nf + 1, sizeof *files);
    pb_file **fptr = calloc(nf + 1, sizeof *fptr);
    pb_dirnode *dirs = calloc(nd + 1, sizeof *dirs);
    pb_dirnode **dptr = calloc(nd + 1, sizeof *dptr);
    pb_symlink *links = calloc(ns + 1, sizeof *links);
    pb_symlink **sptr = calloc(ns + 1, sizeof *sptr);
    pb_digest *digests = calloc(nf + nd + 1, sizeof *digests);
    uint8_t *buf = NULL;
    if (!files || !fptr || !dirs || !dptr || !links || !sptr || !digests)
        goto out;

    msg.files = fptr;
    msg.directories = dptr;
    msg.symlinks = sptr;
    for (size_t i = 0; i < n; i++) {
        node *k = dir->kids[i];
        if (k->kind == NODE_SYMLINK) {
            pb_symlink *s = &links[msg.n_symlinks];
            build__bazel__remote__execution__v2__symlink_node__init(s);
            s->name = k->name;
            s->target = (char *)k->target;
            sptr[msg.n_symlinks++] = s;
            continue;
        }
        pb_digest *dg = &digests[ndig++];
        build__bazel__remote__execution__v2__digest__init(dg);
        dg->hash = k->d.hash;
        dg->size_bytes = k->d.size_bytes;
        if (k->kind == NODE_FILE) {
            pb_file *f = &files[msg.n_files];
            build__bazel__remote__execution__v2__file_node__init(f);
            f->name = k->name;
            f->digest = dg;
            f->is_executable = k->executable; /* proto3 omits it when false */
            fptr[msg.n_files++] = f;
        } else {
            pb_dirnode *d = &dirs[msg.n_directories];
            build__bazel__remote__execution__v2__directory_node__init(d);
            d->name = k->name;
            d->digest = dg;
            dptr[msg.n_directories++] = d;
        }
    }

    len = protobuf_c_message_get_packed_size(&msg.base);
    buf = malloc(len + 1); /* the empty Directory packs to zero bytes */
    if (!buf)
        goto out;
    protobuf_c_message_pack(&msg.base, buf);
    digest_buf(buf, len, &dir->d);

    rc = 0;
    int fresh = seen_add(seen, &dir->d);
    if (fresh < 0)
        rc = -1;
    else if (fresh && cb)
        rc = cb(&dir->d, buf, len, arg);

out:
    free(buf);
    free(digests);
    free(sptr);
    free(links);
    free(dptr);
    free(dirs);
    free(fptr);
    free(files);
    return rc;
}

/* Depth first, children before their parent, in name order so the callback
 * sees the blobs in the same order whatever order the paths were added in.
 * The recursion is as deep as the deepest path, a few dozen levels in
 * practice. */
static int finish_dir(node *dir, seen_set *seen, merkle_blob_fn cb, void *arg)
{
    if (dir->nkids > 1)
        qsort(dir->kids, dir->nkids, sizeof *dir->kids, by_name);
    for (size_t i = 0; i < dir->nkids; i++) {
        if (dir->kids[i]->kind != NODE_DIR)
            continue;
        int rc = finish_dir(dir->kids[i], seen, cb, arg);
        if (rc != 0)
            return rc;
    }
    return emit_dir(dir, seen, cb, arg);
}

int merkle_finish(merkle_tree *t, digest *root, merkle_blob_fn cb, void *arg)
{
    seen_set seen = {0};
    int rc = finish_dir(t->root, &seen, cb, arg);
    free(seen.v);
    if (rc == 0)
        *root = t->root->d;
    return rc;
}
