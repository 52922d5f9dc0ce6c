/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_slots.c — libFuzzer target for the shared slot files under
 * RICC_DIR: the stat index ($RICC_DIR/statindex, cache/local/statindex.c) and the
 * memos ($RICC_DIR/incscan and codes, cache/local/memo.c) — files every ricc
 * process reads and writes at once, which a crash, a full disk, another
 * ricc version or anyone who can write the cache may leave in any state.
 * The first byte picks the file (bit 0) and what the rest does to it:
 *   0  the bytes overwrite the probe window of a key just stored
 *   1  (offset, value) pairs patch that window
 *   2  the bytes overwrite the file's header
 *   3  the file is cut or grown to a size the bytes give
 * then the index is opened and the key looked up (statindex_lookup(),
 * memo_get(), and the memo value decoded as the include proof does,
 * inc_refs_decode()).  After the header or the size was damaged the file
 * must be replaced by a working one: the key stored again must be found.
 *
 * One key per process: its window is found once, by storing it in a fresh
 * file and looking for the slot written, so nothing here knows the hash
 * that places it. */
#include "tests/fuzz/fuzz.h"

#include "cache/local/memo.h"
#include "cache/local/slotfile.h"
#include "cache/local/statindex.h"
#include "wrapper/deps/incpath.h"

#define SI_SLOT 128
#define SI_PROBE 8
#define MEMO_SLOT 512
#define MEMO_PROBE 4

static const char *dir;
static char si_path[4096], memo_path[4096];
static struct stat key_st;
static digest key_d, memo_key;
static unsigned char memo_val[64];
static int memo_val_len;
static off_t si_window, memo_window; /* file offsets of the key's windows */

/* The offset of the first slot that is not all zeros. */
static off_t first_used(const char *path, size_t slot)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    unsigned char buf[4096], zero[4096] = {0};
    off_t off = SLOTFILE_HEADER;
    for (;;) {
        ssize_t n = pread(fd, buf, slot, off);
        if (n != (ssize_t)slot)
            abort(); /* the store wrote nothing */
        if (memcmp(buf, zero, slot) != 0)
            break;
        off += (off_t)slot;
    }
    close(fd);
    return off;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    dir = fuzz_dir("slots");
    fuzz_path(si_path, dir, "statindex");
    fuzz_path(memo_path, dir, "incscan");
    memset(&key_st, 0, sizeof key_st);
    key_st.st_dev = 0x801;
    key_st.st_ino = 123456;
    key_st.st_size = (off_t)strlen(FUZZ_BLOB_A);
    key_st.st_mtim.tv_sec = key_st.st_ctim.tv_sec = 1000000000;
    digest_buf(FUZZ_BLOB_A, strlen(FUZZ_BLOB_A), &key_d);
    digest_str("a header", &memo_key);
    inc_ref refs[2] = {{.name = "stdio.h", .angle = 1}, {.name = "local.h"}};
    memo_val_len = inc_refs_encode(refs, 2, memo_val, sizeof memo_val);
    if (memo_val_len < 0)
        abort();

    statindex *x = statindex_open(dir);
    statindex_store(x, &key_st, &key_d, 1);
    statindex_close(x);
    si_window = first_used(si_path, SI_SLOT);
    memo *m = memo_open(dir, "incscan");
    memo_put(m, &memo_key, memo_val, (size_t)memo_val_len);
    memo_close(m);
    memo_window = first_used(memo_path, MEMO_SLOT);
    return 0;
}

/* Damage the file at path as the input says; the key is stored already. */
static void damage(const char *path, int how, off_t window, size_t window_len,
                   const uint8_t *p, size_t n)
{
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        abort();
    switch (how) {
    case 0:
        if (pwrite(fd, p, n < window_len ? n : window_len, window) < 0)
            abort();
        break;
    case 1:
        for (size_t i = 0; i + 2 < n; i += 3) {
            size_t at = ((size_t)p[i] | (size_t)p[i + 1] << 8) % window_len;
            if (pwrite(fd, &p[i + 2], 1, window + (off_t)at) != 1)
                abort();
        }
        break;
    case 2:
        if (pwrite(fd, p, n < SLOTFILE_HEADER ? n : SLOTFILE_HEADER, 0) < 0)
            abort();
        break;
    default: {
        uint64_t size = 0;
        memcpy(&size, p, n < 8 ? n : 8);
        if (ftruncate(fd, (off_t)(size % (8u << 20))) != 0)
            abort();
        break;
    }
    }
    close(fd);
}

static void statindex_case(int how, const uint8_t *p, size_t n)
{
    statindex *x = statindex_open(dir);
    if (!x)
        abort();
    statindex_store(x, &key_st, &key_d, 1);
    statindex_close(x);
    damage(si_path, how, si_window, SI_SLOT * SI_PROBE, p, n);
    digest d;
    unsigned flags;
    if (!(x = statindex_open(dir)))
        abort(); /* a damaged file is replaced, never the end of the index */
    statindex_lookup(x, &key_st, &d, &flags);
    if (how >= 2) {
        statindex_store(x, &key_st, &key_d, 1);
        if (statindex_lookup(x, &key_st, &d, &flags) != 1 || !digest_equal(&d, &key_d))
            abort();
    }
    statindex_close(x);
}

static void memo_case(int how, const uint8_t *p, size_t n)
{
    memo *m = memo_open(dir, "incscan");
    if (!m)
        abort();
    memo_put(m, &memo_key, memo_val, (size_t)memo_val_len);
    memo_close(m);
    damage(memo_path, how, memo_window, MEMO_SLOT * MEMO_PROBE, p, n);
    if (!(m = memo_open(dir, "incscan")))
        abort();
    unsigned char val[MEMO_VALUE_MAX];
    int len = memo_get(m, &memo_key, val);
    if (len > MEMO_VALUE_MAX)
        abort();
    if (len >= 0) {
        inc_ref *refs = NULL;
        int k = inc_refs_decode(val, (size_t)len, &refs);
        if (k >= 0)
            inc_refs_free(refs, k);
    }
    if (how >= 2) {
        memo_put(m, &memo_key, memo_val, (size_t)memo_val_len);
        if (memo_get(m, &memo_key, val) != memo_val_len || memcmp(val, memo_val, (size_t)memo_val_len))
            abort();
    }
    memo_close(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int how = (data[0] >> 1) % 4;
    if (data[0] & 1)
        memo_case(how, data + 1, size - 1);
    else
        statindex_case(how, data + 1, size - 1);
    return 0;
}
