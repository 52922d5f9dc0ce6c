/* SPDX-License-Identifier: Apache-2.0 */
/* codedigest.h — a digest of a C/C++ source file that edits inside its
 * comments do not change, and that changes whenever gcc could compile the
 * file differently.
 *
 * Direct mode keys a compile on the exact bytes of every file it read, so a
 * comment edit in a widely included header misses everything.  The code
 * digest is a second chance: on a direct-mode miss where every changed file
 * has the code digest it had when the cached result was made, that result
 * is what gcc would produce again.  The digest is of a canonical form of
 * the text (codedigest.c says which comments it replaces, and why each
 * rule is needed); when the file holds anything the canonical form could
 * not answer for, there is no code digest and the caller needs the bytes.
 *
 * What equal code digests guarantee, for gcc only (never clang), compiling
 * a C, C++ or Objective-C source that is not preprocessed: the same object
 * (with -g, -g3 and column info too) and the same diagnostics, except for
 * the source lines gcc quotes under a diagnostic, which show comment text.
 * So the caller may serve a cached result only when:
 *  - its stdout and stderr are empty (then the new compile's are too: no
 *    diagnostic gcc emits depends on the replaced comments' text);
 *  - the compile is not C90 (-ansi, -std=c89/c90/gnu89/gnu90/iso9899:1990,
 *    where // is no comment), nor -traditional(-cpp), -C, -CC,
 *    -fpreprocessed, -fdirectives-only, -finput-charset (the lexing here is
 *    of UTF-8 or ASCII bytes), -fplugin (a plugin may read comments),
 *    -fdiagnostics-format other than text (SARIF may carry source text),
 *    nor a header compiled to a precompiled header (a .gch records each
 *    file's checksum); -save-temps is fine (its .i and .s checked equal);
 *  - no two inputs after the edit have the same content: with #pragma once
 *    and #import, gcc skips a file whose bytes (and size and mtime) equal
 *    an already included one's, so a comment edit can make two headers
 *    coincide (checked with gcc 12);
 *  - code_location_bound() of every input, times the number of times gcc
 *    may read it, summed, is below CODE_LOCATION_BUDGET, before and after
 *    the edit (see there). */
#ifndef RICC_CODEDIGEST_H
#define RICC_CODEDIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "cache/reapi/digest.h"

/* 0 with *out the digest of text's canonical form; 1 when text has no
 * code digest (its lexing depends on the dialect, or it holds a construct
 * this module does not canonicalize safely: the caller then requires the
 * exact bytes); -1 out of memory. */
int code_digest(const char *text, size_t len, digest *out);

/* gcc numbers source locations in 32 bits (through 14 at least; 12
 * checked) and spends them by line, more for longer lines (columns up to
 * the widest seen).  A translation unit that spends more than 0x50000000
 * loses packed ranges, and past 0x60000000 column numbers: then the length
 * of a comment decides on which line gcc stops recording columns (DWARF
 * and diagnostics), which the canonical form cannot see.  Checked with gcc
 * 12: lengthening one comment changed the object of a 2.3-million-line
 * file.
 *
 * The bound is an upper limit of what gcc spends on one reading of text;
 * gcc reads a header again at each #include of it, unless an include
 * guard, #pragma once or #import stops it (<math.h> includes glibc's
 * bits/mathcalls.h from ten lines, three of them read by default; X-macro
 * headers are read at each use).  If the bounds of the inputs, each times
 * how often gcc may read it, sum to less than CODE_LOCATION_BUDGET, no
 * version of them reaches those limits and the line on which columns stop
 * cannot move.  (A way to count readings:
 * through the include graph from the main file, each #include line counted
 * once for each reading of its file; none when the graph has a cycle or a
 * computed include.)  For scale: lua's and zlib's units sum to 20-35% of
 * the budget read once each, units using libstdc++ to 80-95%. */
uint64_t code_location_bound(const char *text, size_t len);
#define CODE_LOCATION_BUDGET ((uint64_t)0x50000000)

#endif
