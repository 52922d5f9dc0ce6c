#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_miss.sh — every change that can change the output must change the key:
# a header (also a same-size edit that keeps the mtime), a header in an
# -isystem directory, a header only tested with __has_include, a -D macro, CPATH, the compiler behind the same name,
# the toolchain digest variable, -std, -O, __TIME__, and a header changed
# while the compile ran.  Each new state is
# first a miss, then a hit, and always identical to plain gcc's output for
# that state; going back to an old state hits again.
. "$(dirname "$0")/lib.sh"

project() {
    mkdir -p inc sys
    cat >inc/conf.h <<'EOF'
#define VALUE 11
EOF
    cat >sys/sysconf.h <<'EOF'
#define SYSVALUE 21
EOF
    cat >m.c <<'EOF'
#include "conf.h"
#include <sysconf.h>
#ifndef EXTRA
#define EXTRA 0
#endif
int table[] = { VALUE, SYSVALUE, EXTRA };
int get(int i) { return table[i] * VALUE; }
#if __STDC_VERSION__ >= 201112L
int modern = 1;
#else
int modern = 0;
#endif
EOF
}
ARGS="-O2 -Iinc -isystem sys -c m.c -o m.o"

# new_state CMD...: a miss, then a hit, both identical to plain.
new_state() {
    cc_check miss m.o "$@"
    cc_check hit m.o "$@"
}

miss_header() {
    project
    new_state gcc $ARGS
    echo '#define UNRELATED 1' >>inc/conf.h
    new_state gcc $ARGS
    same_size_edit inc/conf.h 'VALUE 11' 'VALUE 12'
    new_state gcc $ARGS
    # And again within the same second, same size, same mtime.
    same_size_edit inc/conf.h 'VALUE 12' 'VALUE 13'
    new_state gcc $ARGS
    # A new inode with the old content: back to a known state.
    cp inc/conf.h inc/conf.tmp && mv inc/conf.tmp inc/conf.h
    cc_check hit m.o gcc $ARGS
}

miss_isystem() {
    project
    new_state gcc $ARGS
    same_size_edit sys/sysconf.h 'SYSVALUE 21' 'SYSVALUE 22'
    new_state gcc $ARGS
}

miss_shadowing_header() {
    # A header that appears earlier on the search path hides the old one.
    project
    new_state gcc -Ifirst $ARGS
    mkdir first
    echo '#define VALUE 99' >first/conf.h
    new_state gcc -Ifirst $ARGS
    rm first/conf.h
    cc_check hit m.o gcc -Ifirst $ARGS
}

miss_has_include() {
    # A header only tested with __has_include is read by nobody, so no
    # dependency output names it: its coming and going must change the key
    # all the same, with the manifest (depend and direct mode), without it
    # (RICC_NO_DIRECT: the dependency scan), and with clang's scan.
    project
    printf '#if __has_include(<lib/opt.h>)\nint opt = 1;\n#else\nint opt = 0;\n#endif\n' >>m.c
    local cc mode
    for cc in gcc clang; do
        command -v $cc >/dev/null || continue
        for mode in 0 1; do
            export RICC_NO_DIRECT=$mode
            local args="-DMODE=$mode $ARGS"
            rm -rf inc/lib first
            new_state $cc $args
            mkdir inc/lib
            echo '/* optional */' >inc/lib/opt.h
            new_state $cc $args
            rm inc/lib/opt.h
            cc_check hit m.o $cc $args
            # Found earlier on the search, in a directory that was not there.
            mkdir first
            new_state $cc -Ifirst $args
            mkdir first/lib
            echo '/* optional */' >first/lib/opt.h
            new_state $cc -Ifirst $args
            rm -r first/lib
            cc_check hit m.o $cc -Ifirst $args
        done
    done
    unset RICC_NO_DIRECT
}

miss_define() {
    project
    new_state gcc -DEXTRA=1 $ARGS
    new_state gcc -DEXTRA=2 $ARGS
    cc_check hit m.o gcc -DEXTRA=1 $ARGS
    new_state gcc $ARGS
}

miss_cpath() {
    project
    mkdir -p c1 c2
    echo '#define CPVALUE 1' >c1/cp.h
    echo '#define CPVALUE 2' >c2/cp.h
    echo '#include <cp.h>
int cp = CPVALUE;' >cp.c
    export CPATH="$PWD/c1"
    new_state gcc -O2 -c cp.c -o m.o
    export CPATH="$PWD/c2"
    new_state gcc -O2 -c cp.c -o m.o
    export CPATH="$PWD/c1"
    cc_check hit m.o gcc -O2 -c cp.c -o m.o
    unset CPATH
    export C_INCLUDE_PATH="$PWD/c2"
    cc_check any m.o gcc -O2 -c cp.c -o m.o
    note "C_INCLUDE_PATH=c2 after CPATH=c2 was cached: $OUTCOME"
}

miss_compiler_symlink() {
    have clang || skip "clang is not installed"
    project
    mkdir bin
    export PATH="$PWD/bin:$PATH"
    ln -s "$(command -v gcc)" bin/cc
    new_state cc $ARGS
    ln -sfn "$(command -v clang)" bin/cc
    new_state cc $ARGS
    ln -sfn "$(command -v gcc)" bin/cc
    cc_check hit m.o cc $ARGS
}

miss_compiler_script() {
    # Same name, same size, same mtime, different program.
    project
    mkdir bin
    export PATH="$PWD/bin:$PATH"
    printf '#!/bin/sh\nexec %s -O0 "$@"\n' "$(command -v gcc)" >bin/cc
    chmod +x bin/cc
    new_state cc -Iinc -isystem sys -c m.c -o m.o
    same_size_edit bin/cc ' -O0 ' ' -O3 '
    new_state cc -Iinc -isystem sys -c m.c -o m.o
}

miss_changed_during_compile() {
    # The header changes after the compiler read it but before ricc hashes
    # the inputs (depend mode hashes after the compile): the result must not
    # be stored under the new content, or the next call would get the old
    # object for the new header.
    project
    mkdir bin
    export PATH="$PWD/bin:$PATH"
    cat >bin/cc <<EOF
#!/bin/sh
$(command -v gcc) "\$@" || exit \$?
case " \$* " in *" -c "*)
    if [ -f "$PWD/trigger" ]; then
        rm "$PWD/trigger"
        sed -i 's/VALUE 11/VALUE 77/' "$PWD/inc/conf.h"
    fi ;;
esac
EOF
    chmod +x bin/cc
    touch trigger
    # (The compile, bin/cc's sed among its processes, rewrote a file it
    # read: observe.h makes that call uncacheable.)
    R cc $ARGS
    expect uncacheable
    cc_check miss m.o cc $ARGS
    cc_check hit m.o cc $ARGS
}

miss_toolchain_digest() {
    project
    local d1 d2
    d1="$(printf one | sha256sum | cut -c1-64)/3"
    d2="$(printf two | sha256sum | cut -c1-64)/3"
    new_state gcc $ARGS
    export RECC_REMOTE_PLATFORM_chrootRootDigest=$d1
    new_state gcc $ARGS
    export RECC_REMOTE_PLATFORM_chrootRootDigest=$d2
    new_state gcc $ARGS
    export RECC_REMOTE_PLATFORM_chrootRootDigest=$d1
    cc_check hit m.o gcc $ARGS
    unset RECC_REMOTE_PLATFORM_chrootRootDigest
    cc_check hit m.o gcc $ARGS
}

miss_std() {
    project
    new_state gcc -std=c99 $ARGS
    new_state gcc -std=c11 $ARGS
    cc_check hit m.o gcc -std=c99 $ARGS
}

miss_opt() {
    project
    new_state gcc -O1 -Iinc -isystem sys -c m.c -o m.o
    new_state gcc -O2 -Iinc -isystem sys -c m.c -o m.o
    new_state gcc -O1 -Iinc -isystem sys -c m.c -o m.o -O2   # last -O wins: same output, another command
}

miss_time_macro() {
    # __TIME__ changes every second: never a hit (nothing stale replayed).
    echo 'const char *built = __TIME__;' >t.c
    R gcc -c t.c -o t.o
    expect nohit
    sleep 1.1
    R gcc -c t.c -o t.o
    expect nohit
    same_as_plain_time t.o
}
# The object holds the time it was compiled at; the plain compile a moment
# later may differ by that string only, so compare with the time masked.
same_as_plain_time() {
    cp "$1" "$CASE/t.ricc.o"
    gcc -c t.c -o "$1"
    [ "$(wc -c <"$1")" = "$(wc -c <"$CASE/t.ricc.o")" ] || die "size differs from plain gcc"
    [ "$(cmp -l "$1" "$CASE/t.ricc.o" | wc -l)" -le 8 ] || die "differs from plain gcc beyond __TIME__"
}

run_case header miss_header
run_case isystem-header miss_isystem
run_case shadowing-header miss_shadowing_header
run_case has-include miss_has_include
run_case define miss_define
run_case cpath miss_cpath
run_case compiler-symlink miss_compiler_symlink
run_case compiler-script miss_compiler_script
run_case changed-during-compile miss_changed_during_compile
run_case toolchain-digest miss_toolchain_digest
run_case std miss_std
run_case opt miss_opt
run_case time-macro miss_time_macro
finish
