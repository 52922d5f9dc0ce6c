/* SPDX-License-Identifier: Apache-2.0 */
/* prefault.h — fault in a fresh buffer's pages in one call, before it is
 * filled.
 *
 * A page of new anonymous memory costs a page fault on its first write.
 * On bare metal that is a fraction of a microsecond; in a VM that traps to
 * the hypervisor it can be 10 us or more.  Measured on the CI kind of
 * machine (1 MB, 256 pages): ~12 us a page faulted in by writing it,
 * against ~6 us a page faulted in with one call first (~0.5 us) and then
 * written (that VM still charges each page's first touch).  A remote hit
 * of a 700 KB object file fills a few such buffers (the answer read from
 * the agent, the unpacked message), and their faults were milliseconds of
 * it.  ricc is a short-lived process: every buffer it allocates is fresh,
 * so the big ones are prefaulted here.
 *
 * Advice only: on a kernel without MADV_POPULATE_WRITE (before 5.14) or on
 * any error nothing happens and the pages fault in as they are written. */
#ifndef RICC_PREFAULT_H
#define RICC_PREFAULT_H

#include <stddef.h>

/* Below this a buffer is not worth a system call. */
#define PREFAULT_MIN (64u << 10)

/* Fault in the whole pages within [p, p + n), when n >= PREFAULT_MIN. */
void prefault(void *p, size_t n);

/* malloc(n), prefaulted. */
void *prefault_malloc(size_t n);

/* Keep freed memory in the process for its next use.  glibc gives every
 * block over 128 KB a mapping of its own and unmaps it on free, and trims
 * the heap's top: each large buffer is then faulted in afresh, and each
 * unmap costs a TLB flush (~0.4 ms for 700 KB here).  After this, blocks
 * up to 32 MB come from the heap and the heap is not trimmed below 256 MB.
 * Called first thing by ricc (a short-lived process: its heap goes at exit
 * anyway) and by the agent (long-lived: its largest calls' memory is kept
 * for the next). */
void keep_freed_memory(void);

#endif
