#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_direct.sh — direct mode (no preprocessor on a hit) and its proof.
#
# A second identical call must be a direct_hit: with relative -I directories,
# with -I../ directories, in a copy of the project (the manifest is shared,
# and its proof must check the copy's own files), for a preprocessed .i
# source.  What direct mode must never do: serve a result when a header that
# would now be found first was added, or when a precompiled header (.gch)
# appeared beside one of the source's own includes (gcc uses it silently and
# its dependency output does not name it), or when a file appeared for a
# __has_include test (also one made through a wrapper macro; one whose name
# the text does not show is never served).  A computed #include that may be
# the source's first include cannot be proven (gcc could use a precompiled
# header for it): such a source goes through the dependency scan and still
# hits.
. "$(dirname "$0")/lib.sh"

project() {
    mkdir -p "$1/src" "$1/inc" "$1/inc2"
    cat >"$1/inc/conf.h" <<'EOF'
#define VALUE 11
EOF
    cat >"$1/src/m.c" <<'EOF'
#include <stdio.h>
#include "conf.h"
int get(void) { return VALUE; }
EOF
}

direct_relative_include() {
    project .
    local cmd="gcc -O2 -Iinc2 -Iinc -c src/m.c -o m.o"
    cc_check miss m.o $cmd
    cc_check direct_hit m.o $cmd
}

direct_dotdot_include() {
    project p
    cd p/src
    local cmd="gcc -O2 -I../inc2 -I../inc -c m.c -o m.o"
    cc_check miss m.o $cmd
    cc_check direct_hit m.o $cmd
}

direct_shadowing_in_copy() {
    # Two checkouts, same relative command: the copy may use the manifest,
    # but a header added to the copy's earlier directory must make it miss.
    project a
    project b
    local cmd="gcc -O2 -I../inc2 -I../inc -c m.c -o m.o"
    (cd a/src && cc_check miss m.o $cmd && cc_check direct_hit m.o $cmd)
    echo '#define VALUE 22' >b/inc2/conf.h
    (cd b/src && cc_check miss m.o $cmd)
    rm b/inc2/conf.h
    (cd b/src && cc_check hit m.o $cmd)
    # And the same shadowing in the first checkout.
    echo '#define VALUE 33' >a/inc2/conf.h
    (cd a/src && cc_check miss m.o $cmd)
}

direct_unrelated_file() {
    # A watched directory that changed makes ricc check its absent names one
    # by one: a file that is not one of them keeps the direct hit, after
    # the directory has settled and while it has not.
    project .
    local cmd="gcc -O2 -Iinc2 -Iinc -c src/m.c -o m.o"
    cc_check miss m.o $cmd
    cc_check direct_hit m.o $cmd
    echo '#define OTHER 1' >inc2/other.h
    cc_check direct_hit m.o $cmd
    cc_check direct_hit m.o $cmd
    echo '#define VALUE 12' >inc2/conf.h
    cc_check miss m.o $cmd
}

manifests_sum() { find "$RICC_DIR/manifests" -type f -exec cat {} + | cksum; }

direct_restamp() {
    # Recorded while its directories were new, a manifest has them checked
    # name by name; once they have settled, a hit records their stamps so
    # later hits stat the directory alone.  That must not hide a header
    # added afterwards, whether right after the re-stamping or after an
    # unrelated change was itself re-stamped.
    project .
    local cmd="gcc -O2 -Iinc2 -Iinc -c src/m.c -o m.o"
    cc_check miss m.o $cmd
    local before after
    before=$(manifests_sum)
    sleep 2.2
    cc_check direct_hit m.o $cmd   # re-stamps inc2 and the others
    after=$(manifests_sum)
    [ "$before" != "$after" ] || die "the settled directories were not re-stamped"
    cc_check direct_hit m.o $cmd
    [ "$(manifests_sum)" = "$after" ] || die "a hit with nothing to re-stamp rewrote the manifest"
    echo '#define VALUE 31' >inc2/conf.h
    cc_check miss m.o $cmd
    rm inc2/conf.h
    cc_check hit m.o $cmd
    echo '#define OTHER 1' >inc2/other.h
    sleep 2.2
    cc_check direct_hit m.o $cmd   # inc2 changed, its names hold: re-stamped
    echo '#define VALUE 32' >inc2/conf.h
    cc_check miss m.o $cmd
}

direct_pch_appears() {
    project .
    local cmd="gcc -O2 -Iinc -c src/m.c -o m.o"
    cc_check miss m.o $cmd
    cc_check direct_hit m.o $cmd
    # A precompiled conf.h made from other content: gcc now uses it.
    cp inc/conf.h conf.saved
    echo '#define VALUE 44' >inc/conf.h
    gcc -O2 -x c-header inc/conf.h -o inc/conf.h.gch
    cp conf.saved inc/conf.h
    cc_check nohit m.o $cmd
    cc_check nohit m.o $cmd
    rm inc/conf.h.gch
    cc_check hit m.o $cmd
}

direct_pch_nested() {
    # gcc reads a precompiled header only in place of the main file's first
    # #include (its manual: "you cannot include a precompiled header from
    # inside another header"), so the proof looks for .gch files only
    # along the source's own includes.  One that appears beside a header
    # another header includes is ignored by gcc: the result still holds.
    project .
    echo '#include "conf.h"' >inc/wrap.h
    printf '#include "wrap.h"\nint get(void) { return VALUE; }\n' >src/n.c
    local cmd="gcc -O2 -Iinc -c src/n.c -o n.o"
    cc_check miss n.o $cmd
    cc_check direct_hit n.o $cmd
    echo '#define VALUE 45' >other.h
    gcc -O2 -x c-header other.h -o inc/conf.h.gch
    cc_check direct_hit n.o $cmd
    # Beside the source's first include, gcc uses it.
    gcc -O2 -x c-header other.h -o inc/wrap.h.gch
    cc_check nohit n.o $cmd
    cc_check nohit n.o $cmd
    rm inc/wrap.h.gch
    cc_check hit n.o $cmd
}

direct_pch_in_missing_dir() {
    # A search directory that does not exist yet: gcc skips it, and if it
    # appears holding only conf.h.gch, gcc uses that in place of conf.h
    # (the source's first include) all the same.  The proof must name the
    # .gch there too, not only conf.h.
    project .
    local cmd="gcc -O2 -Imissing -Iinc -c src/m.c -o m.o"
    printf '#include "conf.h"\nint get(void) { return VALUE; }\n' >src/m.c
    cc_check miss m.o $cmd
    cc_check direct_hit m.o $cmd
    mkdir missing
    echo '#define VALUE 55' >other.h
    gcc -O2 -x c-header other.h -o missing/conf.h.gch
    cc_check nohit m.o $cmd
    rm -r missing
    cc_check hit m.o $cmd
}

direct_scan_memo() {
    # A miss keeps the include names of each header it read under the
    # header's digest ($RICC_DIR/incscan), and the next miss's proof takes
    # them from there instead of reading the header.  That proof must catch
    # what one that read the headers catches: a header now found first for
    # an include inside such a header, in the includer's own directory
    # ("conf.h" from inc/w/wrap.h) and in an earlier -I directory.
    project .
    mkdir -p inc/w
    echo '#include "conf.h"' >inc/w/wrap.h
    printf '#include "w/wrap.h"\nint a(void) { return VALUE; }\n' >src/a.c
    printf '#include "w/wrap.h"\nint b(void) { return VALUE + 1; }\n' >src/b.c
    local cmd_b="gcc -O2 -Iinc2 -Iinc -c src/b.c -o b.o"
    cc_check miss a.o gcc -O2 -Iinc2 -Iinc -c src/a.c -o a.o
    RICC_LOG_LEVEL=debug RICC_LOG_DIRECTORY="$CASE/memolog" cc_check miss b.o $cmd_b
    grep -rq "inc/w/wrap.h from the memo" "$CASE/memolog" || die "the proof read wrap.h again"
    cc_check direct_hit b.o $cmd_b
    echo '#define VALUE 77' >inc/w/conf.h
    cc_check miss b.o $cmd_b
    rm inc/w/conf.h
    cc_check hit b.o $cmd_b
    echo '#define VALUE 88' >inc2/conf.h
    cc_check miss b.o $cmd_b
    rm inc2/conf.h
    cc_check hit b.o $cmd_b
    # A damaged memo is only a cache: rebuilt, and the proof still holds.
    printf 'garbage' >"$RICC_DIR/incscan"
    sed 's/+ 1/+ 2/' src/b.c >src/c.c
    cc_check miss c.o gcc -O2 -Iinc2 -Iinc -c src/c.c -o c.o
    echo '#define VALUE 99' >inc2/conf.h
    cc_check miss c.o gcc -O2 -Iinc2 -Iinc -c src/c.c -o c.o
}

direct_subdirectory() {
    # An include with a directory part (<lib/x.h>, like <bits/types.h>): the
    # earlier -I directory lacks lib/ altogether.  Creating lib/ there with
    # the header must miss; a precompiled header beside the one found, there
    # when the compile ran, must keep its result from being cached; and a
    # header that is only tested for must stay there.
    project .
    mkdir -p inc/lib
    echo '#define LIBVAL 5' >inc/lib/x.h
    printf '#include <lib/x.h>\nint lib(void) { return LIBVAL; }\n' >src/l.c
    local cmd="gcc -O2 -Iinc2 -Iinc -c src/l.c -o l.o"
    cc_check miss l.o $cmd
    cc_check direct_hit l.o $cmd
    mkdir inc2/lib
    echo '#define LIBVAL 6' >inc2/lib/x.h
    cc_check miss l.o $cmd
    rm -r inc2/lib
    cc_check hit l.o $cmd
    cp inc/lib/x.h x.saved
    echo '#define LIBVAL 7' >inc/lib/x.h
    gcc -O2 -x c-header inc/lib/x.h -o inc/lib/x.h.gch
    cp x.saved inc/lib/x.h
    printf '#include <lib/x.h>\nint lib2(void) { return LIBVAL; }\n' >src/l2.c
    cc_check nohit l2.o gcc -O2 -Iinc2 -Iinc -c src/l2.c -o l2.o
    cc_check nohit l2.o gcc -O2 -Iinc2 -Iinc -c src/l2.c -o l2.o
    # A header only tested with __has_include is read by nobody, so no
    # dependency output names it: removing it must miss all the same.
    echo '/* optional */' >inc/lib/opt.h
    printf '#if __has_include(<lib/opt.h>)\nint opt(void) { return 1; }\n#else\nint opt(void) { return 0; }\n#endif\n' >src/h.c
    cmd="gcc -O2 -Iinc2 -Iinc -c src/h.c -o h.o"
    cc_check miss h.o $cmd
    cc_check direct_hit h.o $cmd
    rm inc/lib/opt.h
    cc_check miss h.o $cmd
    echo '/* optional */' >inc/lib/opt.h
    cc_check hit h.o $cmd
}

# The __has_include tests whose name the text does not show (a macro's
# expansion, -D, <unix/x.h> written in a macro, an alias of the operator): what
# they find is in no key and no proof, so such a compile is never served
# from the cache, in direct mode or through the dependency scan, with gcc
# and clang, C and C++.  A test through a wrapper macro (fmt's
# FMT_HAS_INCLUDE, used where has_include is not written), or with comments
# between its tokens, is resolved: a file appearing for it must miss.
# shellcheck disable=SC2059 # $r is printf text: escapes (\n), no %
has_include_forms() { # COMPILER EXT: one source per form, x.h absent
    mkdir -p src inc late
    local r='#define R 1\n#else\n#define R 0\n#endif\nint f(void) { return R; }\n'
    printf "#define H \"x.h\"\n#if __has_include(H)\n$r" >src/macro.$2
    printf "#if __has_include(DH)\n$r" >src/dflag.$2
    # In GNU C "unix" is a macro (1): through HAVE_X the test is of <1/x.h>.
    printf "#define HAVE_X __has_include(<unix/x.h>)\n#if HAVE_X\n$r" >src/angle.$2
    printf "#define HAVE_X __has_include(<x.h>)\n#if HAVE_X\n$r" >src/inmacro.$2
    printf "#define HI __has_include\n#if HI(<x.h>)\n$r" >src/alias.$2
    printf "#include \"t.h\"\n" >src/next.$2
    printf "#define N <t.h>\n#if __has_include_next(N)\n#include_next <t.h>\n#else\n#define R 0\n#endif\nint f(void) { return R; }\n" >inc/t.h
    printf '#ifdef __has_include\n#define HAS(h) __has_include(h)\n#else\n#define HAS(h) 0\n#endif\n' >inc/w.h
    printf "#include \"w.h\"\n#if HAS(\"x.h\")\n$r" >src/wrapper.$2
    printf "#if __has_include /* c */ (<x.h>)\n$r" >src/comment.$2
}

# shellcheck disable=SC2089,SC2090 # -DDH="x.h": the quotes are for the compiler
has_include_unknown() { # COMPILER EXT
    local cc=$1 f
    has_include_forms "$@"
    for f in macro dflag angle alias next; do
        local cmd="$cc -O2 -Iinc -Ilate -DDH=\"x.h\" -c src/$f.$2 -o $f.o"
        cc_check nohit $f.o $cmd
        cc_check nohit $f.o $cmd
        mkdir late/1
        echo '#define R 7' >late/t.h
        echo '/* here */' >late/x.h
        echo '/* here */' >late/1/x.h
        cc_check nohit $f.o $cmd
        rm -r late/x.h late/t.h late/1
        cc_check nohit $f.o $cmd
    done
}

has_include_known() { # COMPILER EXT HIT: wrapper and comment forms hit
    local cc=$1 f
    has_include_forms "$@"
    for f in wrapper comment inmacro; do
        local cmd="$cc -O2 -Iinc -Ilate -c src/$f.$2 -o $f.o"
        cc_check miss $f.o $cmd
        cc_check $3 $f.o $cmd
        echo '/* here */' >late/x.h
        cc_check miss $f.o $cmd
        cc_check $3 $f.o $cmd
        rm late/x.h
        cc_check hit $f.o $cmd
    done
}

direct_has_include_unknown() {
    has_include_unknown gcc c
    has_include_unknown g++ cc
    if have clang; then has_include_unknown clang c; has_include_unknown clang++ cc; fi
}

direct_has_include_known() {
    has_include_known gcc c direct_hit
    has_include_known g++ cc direct_hit
    if have clang; then has_include_known clang c direct_hit; has_include_known clang++ cc direct_hit; fi
}

# The same through the dependency scan (preprocessor mode).
direct_has_include_scan() {
    export RICC_NO_DIRECT=1
    has_include_unknown gcc c
    has_include_known gcc c preprocessed_hit
    has_include_known g++ cc preprocessed_hit
}

direct_missing_subdirs() {
    # When a watched directory changed, its absent paths are checked one
    # directory at a time (wrapper/deps/pathprobe.h): a path under a subdirectory
    # still missing costs no stat().  What appears there must still be seen.
    # <a/b/x.h> is found in inc; inc2 lacks a/ altogether.
    project .
    mkdir -p inc/a/b other/b
    echo '#define V 1' >inc/a/b/x.h
    echo '#define V 2' >other/b/x.h
    printf '#include <a/b/x.h>\nint v(void) { return V; }\n' >src/v.c
    local cmd="gcc -O2 -Iinc2 -Iinc -c src/v.c -o v.o"
    cc_check miss v.o $cmd
    cc_check direct_hit v.o $cmd
    touch inc2/a # a file where the directory was looked for: nothing under it
    cc_check direct_hit v.o $cmd
    rm inc2/a
    mkdir inc2/a # a/ without b/
    cc_check direct_hit v.o $cmd
    rmdir inc2/a
    ln -s ../other inc2/a # a/ through a symbolic link, b/x.h in it
    cc_check miss v.o $cmd
    rm inc2/a
    cc_check hit v.o $cmd
    mkdir -p inc2/a/b # two levels down, made in one go
    echo '#define V 3' >inc2/a/b/x.h
    cc_check miss v.o $cmd
}

direct_many_probes() {
    # Ten headers found in inc after -Imany: the proof probes many/ thirty
    # times and inc/ twenty.  A header appearing in many/ must miss, and a
    # precompiled header in inc/ must keep the result from being cached,
    # whether it was there when the compile ran or came after.
    mkdir -p src inc many
    : >src/p.c
    for i in 0 1 2 3 4 5 6 7 8 9; do
        echo "#define V$i $i" >inc/h$i.h
        echo "#include \"h$i.h\"" >>src/p.c
    done
    echo 'int sum(void) { return V0 + V5 + V9; }' >>src/p.c
    local cmd="gcc -O2 -Imany -Iinc -c src/p.c -o p.o"
    cc_check miss p.o $cmd
    cc_check direct_hit p.o $cmd
    echo '#define V5 50' >many/h5.h
    cc_check miss p.o $cmd
    rm many/h5.h
    cc_check hit p.o $cmd
    cp inc/h9.h h9.saved
    echo '#define V9 90' >inc/h9.h
    gcc -O2 -x c-header inc/h9.h -o inc/h9.h.gch
    cp h9.saved inc/h9.h
    cc_check nohit p.o $cmd
    rm inc/h9.h.gch
    cc_check hit p.o $cmd
    sed 's/sum/total/' src/p.c >src/q.c
    gcc -O2 -x c-header inc/h9.h -o inc/h9.h.gch
    cc_check nohit q.o gcc -O2 -Imany -Iinc -c src/q.c -o q.o
    cc_check nohit q.o gcc -O2 -Imany -Iinc -c src/q.c -o q.o
}

direct_computed_include() {
    project .
    cat >src/c.c <<'EOF'
#define HDR "conf.h"
#include HDR
int get(void) { return VALUE; }
EOF
    local cmd="gcc -O2 -Iinc -c src/c.c -o c.o"
    cc_check miss c.o $cmd
    # Depend mode could not prove the include set: the result was kept all
    # the same, and from now on the dependency scan keys this source.
    cc_check preprocessed_hit c.o $cmd
    sed -i 's/11/12/' inc/conf.h
    cc_check miss c.o $cmd
    cc_check preprocessed_hit c.o $cmd
}

direct_preprocessed_source() {
    project .
    gcc -Iinc -E src/m.c -o m.i
    cc_check miss m.o gcc -O2 -c m.i -o m.o
    cc_check direct_hit m.o gcc -O2 -c m.i -o m.o
    sed -i 's/return 11/return 12/' m.i
    cc_check miss m.o gcc -O2 -c m.i -o m.o
}

# Two #pragma once headers with the same bytes and mtime: gcc reads the
# first and skips the second, which no dependency output then names.  Once
# the second changes gcc reads it: the recorded set must not hold.
direct_pragma_once_twin() {
    mkdir -p a b
    printf '#pragma once\nint twin_count = 1 +\n' >a/h.h
    cp -p a/h.h b/h.h
    printf '#include "a/h.h"\n#include "b/h.h"\n0;\n' >t.c
    cc_check miss t.o gcc -O2 -c t.c -o t.o
    cc_check direct_hit t.o gcc -O2 -c t.c -o t.o
    printf '#pragma once\n2 +\n' >b/h.h
    cc_check miss t.o gcc -O2 -c t.c -o t.o
}

run_case pragma-once-twin direct_pragma_once_twin
run_case relative-include direct_relative_include
run_case dotdot-include direct_dotdot_include
run_case shadowing-in-copy direct_shadowing_in_copy
run_case unrelated-file direct_unrelated_file
run_case restamp direct_restamp
run_case pch-appears direct_pch_appears
run_case pch-nested direct_pch_nested
run_case pch-in-missing-dir direct_pch_in_missing_dir
run_case scan-memo direct_scan_memo
run_case subdirectory direct_subdirectory
run_case missing-subdirs direct_missing_subdirs
run_case has-include-unknown direct_has_include_unknown
run_case has-include-known direct_has_include_known
run_case has-include-scan direct_has_include_scan
run_case many-probes direct_many_probes
run_case computed-include direct_computed_include
run_case preprocessed-source direct_preprocessed_source
finish
