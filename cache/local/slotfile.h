/* SPDX-License-Identifier: Apache-2.0 */
/* slotfile.h — the file under each shared index ($RICC_DIR/statindex,
 * $RICC_DIR/incscan): a 128-byte header, then a fixed number of slots of a
 * fixed size.
 *
 * The file is made whole (every slot empty) under a temporary name and
 * renamed into place, and one of the wrong size or header is replaced the
 * same way, so a process never sees half a file.  Slots are read and written
 * with pread()/pwrite() by the index that owns the format (no mapping: in a
 * VM every first touch of a mapped page is a page fault, dearer than a
 * small pread).  What a slot holds, and the checksum that makes a torn or
 * corrupted one a miss, is the owner's business. */
#ifndef RICC_SLOTFILE_H
#define RICC_SLOTFILE_H

#include <stddef.h>
#include <stdint.h>

typedef struct slotfile_format {
    uint64_t magic;
    uint32_t version;
    uint32_t slot_size;
    uint64_t slots;
} slotfile_format;

#define SLOTFILE_HEADER 128

/* Open $dir/name for reading and writing, creating it when absent and
 * replacing it when its size or header does not match f.  The descriptor,
 * or -1; *created = 1 when this call made the file. */
int slotfile_open(const char *dir, const char *name, const slotfile_format *f, int *created);

/* Copy the n slots from slot b on (wrapping at the end of the table) into
 * w.  0, or -1 on a short read. */
int slotfile_read(int fd, const slotfile_format *f, size_t b, void *w, size_t n);

/* Write one slot at index k.  0, or -1 (a full disk). */
int slotfile_write(int fd, const slotfile_format *f, size_t k, const void *slot);

#endif
