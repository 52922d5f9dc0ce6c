#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_scan.sh — the include names direct mode's proof is built from, with a
# real gcc.
#
# The proof resolves every #include of every file the compile read, so the
# names must be the preprocessor's: a directive after a comment that spans
# lines must be found (else a header appearing in its includer's directory
# goes unseen), and "#include's" in a comment (glibc's <limits.h>) is no
# computed include that would keep every such source from a direct hit.
# A computed include (#include MACRO) is proven too, by resolving every
# input's name from its includer: a header that would now be found first
# must miss, whichever way the name splits into directory and name.  One
# that may be a main file's first include is not proven (gcc could read a
# precompiled header for it, which no dependency output names).
. "$(dirname "$0")/lib.sh"

scan_limits_h() {
    # glibc's <limits.h> has "#include's protect themselves" in a comment.
    grep -q "^ *#include's" /usr/include/limits.h 2>/dev/null ||
        note "this <limits.h> lacks the comment the case is about"
    mkdir -p src
    printf '#include <limits.h>\nint max(void) { return INT_MAX; }\n' >src/l.c
    local cmd="gcc -O2 -c src/l.c -o l.o"
    cc_check miss l.o $cmd
    cc_check direct_hit l.o $cmd
}

scan_after_comment() {
    # inc/a.h includes "c.h" on the line where a comment ends: found in
    # inc2/ (which the source's own "c.h" finds first), so only a.h's
    # include has inc/c.h, its own directory, on its search.
    mkdir -p src inc inc2
    printf '/* a header\n   with a long comment */ #include "c.h"\nint a;\n' >inc/a.h
    echo 'int c2;' >inc2/c.h
    printf '#include "c.h"\n#include "a.h"\nint m(void) { return 1; }\n' >src/m.c
    local cmd="gcc -O2 -Iinc2 -Iinc -c src/m.c -o m.o"
    cc_check miss m.o $cmd
    cc_check direct_hit m.o $cmd
    echo 'int c_in_inc;' >inc/c.h
    cc_check miss m.o $cmd
    rm inc/c.h
    cc_check hit m.o $cmd
}

computed_project() {
    mkdir -p src/loc old new
    echo '#define VALUE 11' >old/h.h
    echo '#define LOCAL 1' >src/loc/l.h
    cat >src/c.c <<'EOF'
#include <stdio.h>
#define H "h.h"
#include H
#define L "loc/l.h"
#include L
int get(void) { return VALUE + LOCAL; }
EOF
}

scan_computed_hit() {
    # h.h is found in old/, loc/l.h in the source's own directory.
    computed_project
    local cmd="gcc -O2 -Inew -Iold -c src/c.c -o c.o"
    cc_check miss c.o $cmd
    cc_check direct_hit c.o $cmd
    # Found first now: in an earlier search directory, in the includer's
    # own directory (a quoted name is searched there first).
    echo '#define VALUE 22' >new/h.h
    cc_check miss c.o $cmd
    rm new/h.h
    cc_check hit c.o $cmd
    echo '#define VALUE 33' >src/h.h
    cc_check miss c.o $cmd
    rm src/h.h
    cc_check hit c.o $cmd
    # The macro's value is in the source's bytes: another value is another
    # source, and proven on its own.
    sed -i 's/"h.h"/<h.h>/' src/c.c
    cc_check miss c.o $cmd
    cc_check direct_hit c.o $cmd
    echo '#define VALUE 44' >new/h.h
    cc_check miss c.o $cmd
}

scan_computed_two_splits() {
    # a/b/h.h is found through -Ia/b as "h.h" and through -Ia as "b/h.h":
    # its spelling splits both ways, and either name may be the macro's.
    mkdir -p src a/b
    echo '#define VALUE 5' >a/b/h.h
    printf '#include <stdio.h>\n#define H "h.h"\n#include H\nint v(void) { return VALUE; }\n' >src/s.c
    printf '#include <stdio.h>\n#define H "b/h.h"\n#include H\nint w(void) { return VALUE; }\n' >src/t.c
    local cmd_s="gcc -O2 -Ia -Ia/b -c src/s.c -o s.o" cmd_t="gcc -O2 -Ia -Ia/b -c src/t.c -o t.o"
    cc_check miss s.o $cmd_s
    cc_check direct_hit s.o $cmd_s
    cc_check miss t.o $cmd_t
    cc_check direct_hit t.o $cmd_t
    # Where a name was searched depends on how it splits: "h.h" from a/
    # comes before a/b/h.h for s.c, "b/h.h" from the source's directory
    # for t.c.  (Each also proves the other split: a superset.)
    echo '#define VALUE 6' >a/h.h
    cc_check miss s.o $cmd_s
    rm a/h.h
    cc_check hit s.o $cmd_s
    mkdir src/b
    echo '#define VALUE 7' >src/b/h.h
    cc_check miss t.o $cmd_t
}

scan_computed_in_header() {
    # freetype's way: <ft2build.h> defines the names, its headers include
    # each other through them, and the source through them too.
    mkdir -p src inc/ft shadow/ft
    cat >inc/ft2build.h <<'EOF'
#ifndef FT2BUILD_H
#define FT2BUILD_H
#define FT_FREETYPE_H <ft/freetype.h>
#define FT_CONFIG_H <ft/config.h>
#endif
EOF
    printf '#ifndef FREETYPE_H\n#define FREETYPE_H\n#include FT_CONFIG_H\n#endif\n' >inc/ft/freetype.h
    echo '#define FT_VALUE 3' >inc/ft/config.h
    printf '#include <ft2build.h>\n#include FT_FREETYPE_H\nint f(void) { return FT_VALUE; }\n' \
        >src/f.c
    local cmd="gcc -O2 -Ishadow -Iinc -c src/f.c -o f.o"
    cc_check miss f.o $cmd
    cc_check direct_hit f.o $cmd
    # The header's computed include now finds another config.h; so does
    # the source's (another freetype.h).
    echo '#define FT_VALUE 4' >shadow/ft/config.h
    cc_check miss f.o $cmd
    rm shadow/ft/config.h
    cc_check hit f.o $cmd
    printf '#define FT_VALUE 5\n' >shadow/ft/freetype.h
    cc_check miss f.o $cmd
}

scan_computed_traced() {
    # -MMD with debug info: the include set comes from the files gcc's
    # compiler proper opened (libricc-trace.so), which names one under the
    # working directory relative to it.  old/h.h was opened through
    # -I$PWD/old: read only as "old/h.h" from the source's directory, its
    # search through $PWD/new would go unchecked.
    computed_project
    mv src/c.c c.c
    mkdir loc
    mv src/loc/l.h loc/
    local cmd="gcc -g -O2 -MMD -I$PWD/new -I$PWD/old -c c.c -o c.o"
    cc_check miss "c.o c.d" $cmd
    cc_check direct_hit "c.o c.d" $cmd
    echo '#define VALUE 22' >new/h.h
    cc_check miss "c.o c.d" $cmd
}

scan_computed_first_include() {
    # The source's first include is computed: gcc would read conf.h.gch
    # for it, and its dependency output names neither.  Not proven: a
    # precompiled header there when the result was made, gone since,
    # must not give that result again.
    mkdir -p src inc
    echo '#define VALUE 11' >inc/conf.h
    printf '#define HDR "conf.h"\n#include HDR\nint get(void) { return VALUE; }\n' >src/p.c
    echo '#define VALUE 44' >other.h
    gcc -O2 -x c-header other.h -o inc/conf.h.gch
    local cmd="gcc -O2 -Iinc -c src/p.c -o p.o"
    cc_check uncacheable p.o $cmd    # (gcc read conf.h.gch: observe.h)
    rm inc/conf.h.gch
    cc_check nohit p.o $cmd
    cc_check hit p.o $cmd
    # And one that appears after is used by gcc: no result of before.
    gcc -O2 -x c-header other.h -o inc/conf.h.gch
    cc_check nohit p.o $cmd
}

scan_computed_next() {
    # #include_next MACRO is not proven; the source still hits, keyed by
    # its dependency scan.
    mkdir -p src a b
    echo '#define VALUE 1' >b/n.h
    printf '#define NEXT_H <n.h>\n#include_next NEXT_H\n' >a/n.h
    printf '#include <stdio.h>\n#include <n.h>\nint n(void) { return VALUE; }\n' >src/n.c
    local cmd="gcc -O2 -Ia -Ib -c src/n.c -o n.o"
    cc_check miss n.o $cmd
    cc_check preprocessed_hit n.o $cmd
    cc_check preprocessed_hit n.o $cmd
}

run_case limits-h scan_limits_h
run_case after-comment scan_after_comment
run_case computed-hit scan_computed_hit
run_case computed-two-splits scan_computed_two_splits
run_case computed-in-header scan_computed_in_header
run_case computed-traced scan_computed_traced
run_case computed-first-include scan_computed_first_include
run_case computed-next scan_computed_next
finish
