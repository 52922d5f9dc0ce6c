#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_comments.sh — the second chance of a direct-mode miss (comment_hit.h):
# an edit to a header's comments that cannot reach gcc's output is a direct
# hit, with outputs byte-identical to plain gcc's now (cc_check), debug info
# included; and every edit that can reach it misses: code, a comment's
# presence or line count, a comment before code on its line (columns), a
# fallthrough comment, a result that printed a warning, two headers made
# alike under #pragma once, clang, C90, and the setting turned off.
. "$(dirname "$0")/lib.sh"

project() {
    mkdir -p inc
    cat >inc/conf.h <<'EOF'
/* conf.h: the configuration.
 * A block comment over two more lines. */
#ifndef CONF_H
#define CONF_H
#define VALUE 11   // the value
/* a whole-line comment */
#define OTHER 12 /* mid */ + 1
static inline int pick(int x)
{
    switch (x) {
    case 1:
        x++;
        /* fall through */
    case 2:
        return x;
    }
    return 0;
}
#endif
EOF
    cat >m.c <<'EOF'
#include "conf.h"
int get(int x) { return pick(x) + VALUE + OTHER; }
EOF
}
ARGS="-O2 -g -Wall -Wextra -Wimplicit-fallthrough=3 -Iinc -c m.c -o m.o"

# edit SED-EXPR: apply to inc/conf.h (and check it changed something).
edit() {
    cp inc/conf.h "$CASE/conf.before"
    sed -i "$1" inc/conf.h
    ! cmp -s inc/conf.h "$CASE/conf.before" || die "edit '$1' changed nothing"
}

comments_hit() {
    project
    cc_check miss m.o gcc $ARGS
    # Text, length and alignment of trailing and whole-line comments, and
    # the text of a block comment, line count kept.
    edit 's|// the value|// the value, which the rest of the program needs|'
    cc_check direct_hit m.o gcc $ARGS
    cc_check direct_hit m.o gcc $ARGS   # now without the second chance
    edit 's|#define VALUE 11   //|#define VALUE 11 //|'
    cc_check direct_hit m.o gcc $ARGS
    edit 's|a whole-line comment|another whole-line comment|; s|over two more lines|over two lines|'
    cc_check direct_hit m.o gcc $ARGS
    # And back to the first text: a plain direct hit of the first result.
    cp "$CASE/conf.before" inc/conf.h
    cc_check direct_hit m.o gcc $ARGS
}

comments_miss() {
    project
    cc_check miss m.o gcc $ARGS
    # Code.
    edit 's|VALUE 11|VALUE 13|'
    cc_check miss m.o gcc $ARGS
    # A comment's length before code on its line: the columns after it move.
    edit 's|/\* mid \*/|/* middle */|'
    cc_check miss m.o gcc $ARGS
    # A new comment (a fallthrough marker at level 1), and one line more.
    edit 's|#define OTHER|// new\n#define OTHER|'
    cc_check miss m.o gcc $ARGS
    edit 's|^// new$|// new, longer|'
    cc_check direct_hit m.o gcc $ARGS
    # A trailing comment added where there was none.
    edit 's|^#define CONF_H$|#define CONF_H // guard|'
    cc_check miss m.o gcc $ARGS
    # The fallthrough comment's words: gcc reads them.
    edit 's|/\* fall through \*/|/* and now on */|'
    cc_check miss m.o gcc $ARGS
    [ -s "$CASE/p.err" ] || die "gcc did not warn about the fallthrough"
    # A result that printed a warning is never a second chance: the warning
    # quotes the source line.
    edit 's|/\* and now on \*/|/* and then on */|'
    cc_check miss m.o gcc $ARGS
}

comments_pragma_once() {
    # Two headers with #pragma once, made alike by a comment edit: gcc then
    # reads the first only, so the result of before (which read both) is
    # wrong now.
    mkdir -p a b
    printf '#pragma once\n// one\n#ifdef FIRST\n#define SECOND\n#else\n#define FIRST\n#endif\n' >a/h.h
    sed 's|// one|// two|' a/h.h >b/h.h
    cat >p.c <<'EOF'
#include "a/h.h"
#include "b/h.h"
#ifdef SECOND
int twice = 1;
#else
int twice = 0;
#endif
EOF
    local args="-O2 -c p.c -o p.o"
    cc_check miss p.o gcc $args
    sed -i 's|// two|// one|' b/h.h
    touch -r a/h.h b/h.h
    cc_check miss p.o gcc $args
}

comments_not_offered() {
    project
    # C90 (where // is no comment): a block comment's edit, not offered.
    sed -i 's|// the value|/* the value */|; s|^static inline|static|' inc/conf.h
    local c90="-ansi -O2 -Iinc -c m.c -o m.o"
    cc_check miss m.o gcc $c90
    edit 's|/\* the value \*/|/* the value! */|'
    cc_check miss m.o gcc $c90
    cc_check miss m.o gcc $ARGS
    export RICC_COMMENT_HITS=0
    edit 's|/\* the value! \*/|/* the value? */|'
    cc_check miss m.o gcc $ARGS
    unset RICC_COMMENT_HITS
    edit 's|/\* the value? \*/|/* the value. */|'
    cc_check direct_hit m.o gcc $ARGS    # (the same edit, offered)
    if have clang; then
        cc_check miss m.o clang -O2 -Iinc -c m.c -o m.o
        edit 's|/\* the value. \*/|/* the value; */|'
        cc_check miss m.o clang -O2 -Iinc -c m.c -o m.o
    fi
}

run_case hit comments_hit
run_case miss comments_miss
run_case pragma-once comments_pragma_once
run_case not-offered comments_not_offered
finish
