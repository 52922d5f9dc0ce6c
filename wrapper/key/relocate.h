/* SPDX-License-Identifier: Apache-2.0 */
/* relocate.h — a cached result's bytes, made independent of the checkout's
 * directory and of the output names, and made this call's again.
 *
 * A cache key that leaves out the checkout's absolute directory (the
 * "base": absolute, normalized, not "/", e.g. /w/a) and the output names
 * lets /w/b/other hit what /w/a stored, and t2/x.o what t1/x.o stored.  So
 * the bytes a result holds that name them are stored in a neutral form:
 *
 *   RELOCATE_BASE    one byte standing for the base directory
 *   RELOCATE_TARGETS one byte standing for a dependency file's whole
 *                    target list (the "canon" form below)
 *
 * and each hit turns them back into this call's form.  Pure functions: no
 * file I/O, no globals.  Inputs are (pointer, length); the pointer may be
 * NULL when the length is 0.  Each returns a malloc'd buffer, its length in
 * *out_len and a NUL after it (for convenience; text may hold NULs), or
 * NULL with errno: EINVAL for a refusal (the caller then does not relocate,
 * e.g. it keeps the base in the key, or does not cache), ENOMEM.
 *
 * A valid base starts with '/', is not "/", does not end in '/' and holds
 * no newline and no marker byte; any other base is refused. */
#ifndef RICC_RELOCATE_H
#define RICC_RELOCATE_H

#include <stddef.h>

#define RELOCATE_BASE '\x01'
#define RELOCATE_TARGETS '\x02'

/* Text streams (the compiler's stdout and stderr, gcc's -fstack-usage .su
 * files): each occurrence of base as a whole path prefix becomes
 * RELOCATE_BASE.  Whole path prefix: not preceded by a path character,
 * and followed by '/', by a character that is not a path character, or by
 * the end; path characters are [A-Za-z0-9._+@~,%=-] and '/' (so /w/a does
 * not match in /w/ab/x.h, nor in /x/w/a/y.h, nor in -I/w/a).  Refuses a
 * text that already holds a marker byte: restoring would then invent a
 * base where there was none. */
char *relocate_text_store(const char *text, size_t len, const char *base, size_t *out_len);

/* The stored form made this call's: each RELOCATE_BASE becomes base.
 * Refuses a RELOCATE_TARGETS byte (no stored text holds one). */
char *relocate_text_restore(const char *stored, size_t len, const char *base, size_t *out_len);

/* gcc's dependency files (-MD/-MMD, with or without -MP, -MT, -MQ).
 *
 * gcc (12) writes one rule: the targets, ':', the prerequisites, each name
 * but the first preceded by one space, or by " \\\n " (the next line) when
 * the bytes already on the line plus the name's length would pass 72; then
 * with -MP a line "name:" for each prerequisite but the first.  Names
 * are spelled escaped (see relocate_make_quote); -MT targets as given.
 * Moving the base or changing a target's length moves the line breaks, so
 * the file is parsed into its names ("tokens", kept in their escaped,
 * on-disk spelling) and written again the way gcc writes it.
 *
 * relocate_dep_store: the stored form of text, a file gcc wrote for a
 * compile in checkout base.  Each prerequisite (and, unless canon, each
 * target) whose spelling starts with the base's escaped spelling as a
 * whole path prefix (followed by '/' or the end of the name) has that
 * prefix replaced by RELOCATE_BASE; with canon the target list is replaced
 * by the single name RELOCATE_TARGETS; the result is written the gcc way.
 * expected_targets, if not NULL, is the NULL-terminated list of escaped
 * target names the caller computed from the command line, in gcc's order
 * (found with gcc 12, checked by tests/unit/test_relocate.c):
 *   - the -MT names, in their order, spelled as given but for a leading
 *     "./" (removed as relocate_make_quote removes it);
 *   - then the -MQ names, spelled by relocate_make_quote, in their order
 *     rotated left by (number of -MT) mod (number of -MQ): gcc's driver
 *     passes every -MQ before every -MT, and cc1 puts each -MT name in
 *     the place of the first -MQ name, which goes to the end;
 *   - with neither, the default target: relocate_make_quote of the
 *     object name (-o, else the source's base name with ".o").
 *
 * Refuses (EINVAL):
 *   - text holding a NUL or a marker byte;
 *   - text this module would not write byte for byte from what it parsed
 *     (clang's files, which wrap differently; modules output; hand edits):
 *     only then is a restore sure to give what gcc would write;
 *   - parsed targets differing from expected_targets (a target that ends
 *     in ':' or holds a space cannot be told apart from the rule's colon or
 *     a separator; the caller's list settles it: without it, the parse is
 *     trusted, so pass it whenever it can be computed, with canon above all);
 *   - without canon, a base that escaping changes (holds ' ', '\t', '#' or
 *     '$'): -MT names are spelled raw, so the marker in a target could not
 *     be restored.  Pass canon (and expected_targets) for such a base.
 *
 * Limit: a name ending in a backslash followed by another name reads as one
 * name with an escaped space (gcc does not escape that backslash, and make
 * reads it the same way); only line breaks could then differ from gcc's. */
char *relocate_dep_store(const char *text, size_t len, const char *base,
                         const char *const *expected_targets, int canon, size_t *out_len);

/* A stored form (from relocate_dep_store) made this call's: RELOCATE_BASE
 * becomes base's escaped spelling, a RELOCATE_TARGETS target list becomes
 * targets (NULL-terminated escaped names, as for expected_targets; ignored
 * when the stored form has its targets), written the gcc way.  Refuses
 * (EINVAL), never crashing, any bytes that relocate_dep_store would not
 * have written (a corrupt or hostile cache entry), RELOCATE_TARGETS with no
 * targets or with a target that is empty or holds a newline or a marker,
 * and a base that escaping changes when a stored target holds the base. */
char *relocate_dep_restore(const char *stored, size_t len, const char *base,
                           const char *const *targets, size_t *out_len);

/* The escaped spelling gcc gives name with -MQ, and so for the default
 * target (the object name): leading "./" (and the slashes after it)
 * removed; a space or tab preceded by a backslash, and the backslashes
 * right before it doubled; '#' as "\#"; '$' as "$$"; all else as is.
 * malloc'd, or NULL: EINVAL for a name that comes out empty (gcc crashes
 * on it), ENOMEM. */
char *relocate_make_quote(const char *name);

#endif
