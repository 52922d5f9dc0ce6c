#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_toolchain.sh — the toolchain a hit stands for is the one the driver
# would run now (identity.h).  Programs found through COMPILER_PATH,
# GCC_EXEC_PREFIX or -B and edited in place, or appearing in a directory
# searched earlier, or reached through a re-pointed symbolic link; gcc's
# specs file appearing where gcc looks for it; a sysroot (--sysroot,
# -isysroot) reached through a symbolic link that is re-pointed, also one
# inside the sysroot.  Each change must miss and give what the plain
# compiler gives now; the same call again must hit, without asking the
# driver anything.
. "$(dirname "$0")/lib.sh"

AS=$(command -v as)
LD=$(command -v ld)

src() { printf 'int f(void) { return 1; }\n' >t.c; }

# An assembler wrapper in DIR: the real as with a symbol of value V, so
# that each V gives another object.  Edited by same_size_edit.
mkas() {
    mkdir -p "$1"
    printf '#!/bin/sh\nexec %s --defsym RICC_TEST=%s "$@"\n' "$AS" "$2" >"$1/as"
    chmod +x "$1/as"
}

# COMPILER_PATH names the directory of an `as` that is then edited in place
# (same inode, size and mtime: only its content and ctime change).  The
# identity was first recorded without COMPILER_PATH.
compiler_path_edit() {
    src
    mkas tools 0
    cc_check miss t.o gcc -c t.c -o t.o
    export COMPILER_PATH=$PWD/tools
    cc_check miss t.o gcc -c t.c -o t.o
    cc_check hit t.o gcc -c t.c -o t.o
    same_size_edit tools/as RICC_TEST=0 RICC_TEST=1
    cc_check miss t.o gcc -c t.c -o t.o
    cc_check hit t.o gcc -c t.c -o t.o
}

# A new `as` appears in a COMPILER_PATH directory searched before the one
# that had it.
compiler_path_appear() {
    src
    mkdir first
    mkas tools 1
    export COMPILER_PATH=$PWD/first:$PWD/tools
    cc_check miss t.o gcc -c t.c -o t.o
    mkas first 2
    cc_check miss t.o gcc -c t.c -o t.o
    cc_check hit t.o gcc -c t.c -o t.o
}

# COMPILER_PATH names a symbolic link, re-pointed to another directory.
compiler_path_link() {
    src
    mkas one 1
    mkas two 2
    ln -s one tools
    export COMPILER_PATH=$PWD/tools
    cc_check miss t.o gcc -c t.c -o t.o
    ln -sfn two tools
    cc_check miss t.o gcc -c t.c -o t.o
    ln -sfn one tools
    cc_check hit t.o gcc -c t.c -o t.o
}

# GCC_EXEC_PREFIX moves where gcc finds cc1 and as; that as is edited.
gcc_exec_prefix_edit() {
    src
    local dir
    dir=gx/$(gcc -dumpmachine)/$(gcc -dumpversion)
    mkdir -p "$dir"
    ln -s "$(gcc -print-prog-name=cc1)" "$dir/cc1"
    mkas "$dir" 0
    cc_check miss t.o gcc -c t.c -o t.o
    export GCC_EXEC_PREFIX=$PWD/gx/
    cc_check miss t.o gcc -c t.c -o t.o
    same_size_edit "$dir/as" RICC_TEST=0 RICC_TEST=1
    cc_check miss t.o gcc -c t.c -o t.o
    cc_check hit t.o gcc -c t.c -o t.o
}

# gcc reads a file named "specs" from where it looks for libraries
# (LIBRARY_PATH among them) before its built-in specs: one appears, then it
# is edited in place.
specs_file() {
    src
    mkdir sp
    export LIBRARY_PATH=$PWD/sp
    cc_check miss t.o gcc -c t.c -o t.o
    printf '*asm:\n--defsym RICC_TEST=0\n\n' >sp/specs
    cc_check miss t.o gcc -c t.c -o t.o
    cc_check hit t.o gcc -c t.c -o t.o
    same_size_edit sp/specs RICC_TEST=0 RICC_TEST=1
    cc_check miss t.o gcc -c t.c -o t.o
}

# clang with its own assembler turned off runs the `as` it finds through
# COMPILER_PATH.
clang_compiler_path_edit() {
    have clang || skip "clang is not installed"
    src
    mkas tools 0
    cc_check miss t.o clang -fno-integrated-as -c t.c -o t.o
    export COMPILER_PATH=$PWD/tools
    cc_check miss t.o clang -fno-integrated-as -c t.c -o t.o
    same_size_edit tools/as RICC_TEST=0 RICC_TEST=1
    cc_check miss t.o clang -fno-integrated-as -c t.c -o t.o
    cc_check hit t.o clang -fno-integrated-as -c t.c -o t.o
}

# A link with -B runs the ld of that directory (through collect2); it is
# edited in place.
link_b_ld_edit() {
    export RICC_LINK=1
    printf 'int main(void) { return 0; }\n' >m.c
    gcc -c m.c -o m.o
    mkdir tools
    printf '#!/bin/sh\nexec %s --defsym=RICC_TEST=0 "$@"\n' "$LD" >tools/ld
    chmod +x tools/ld
    cc_check miss p gcc m.o -o p
    cc_check miss p gcc -B"$PWD/tools/" m.o -o p
    cc_check direct_hit p gcc -B"$PWD/tools/" m.o -o p
    same_size_edit tools/ld RICC_TEST=0 RICC_TEST=1
    cc_check miss p gcc -B"$PWD/tools/" m.o -o p
    cc_check direct_hit p gcc -B"$PWD/tools/" m.o -o p
}

# A compile with -B stays uncached (its path is a prefix, not a directory
# the Command could carry), and is exactly the plain compile.
compile_b_uncacheable() {
    src
    mkas tools 0
    cc_check uncacheable t.o gcc -B"$PWD/tools/" -c t.c -o t.o
}

# A direct hit starts no process (the identity's record is checked by
# stat), also with the options and variables that move the driver's search.
hit_runs_no_driver() {
    have strace || skip "strace is not installed"
    src
    mkdir sysroot
    mkas tools 0
    export COMPILER_PATH=$PWD/tools
    local cmd="gcc --sysroot=sysroot -c t.c -o t.o" before
    cc_check miss t.o $cmd
    before=$(counter direct_hit)
    strace -f -qq -e trace=execve -o "$CASE/trace" "$RICC" $cmd
    [ "$(counter direct_hit)" = $((before + 1)) ] || die "the call under strace was not a direct hit"
    [ "$(grep -c execve "$CASE/trace")" = 1 ] || {
        cat "$CASE/trace" >&2
        die "a direct hit started a process"
    }
}

# ---- the sysroot ----

# Two sysroots whose <x.h> differ, reached through the link "root".
two_roots() {
    mkdir -p A/usr/include B/usr/include
    echo '#define XV 1' >A/usr/include/x.h
    echo '#define XV 2' >B/usr/include/x.h
    printf '#include <x.h>\nint g(void) { return XV; }\n' >s.c
    ln -s A root
}

repoint() {
    local cc=$1
    shift
    cc_check miss s.o $cc "$@" -c s.c -o s.o
    cc_check hit s.o $cc "$@" -c s.c -o s.o
    ln -sfn B root
    cc_check miss s.o $cc "$@" -c s.c -o s.o
    cc_check hit s.o $cc "$@" -c s.c -o s.o
    ln -sfn A root
    cc_check hit s.o $cc "$@" -c s.c -o s.o
}

sysroot_link() { two_roots; repoint gcc --sysroot=root; }
sysroot_link_absolute() { two_roots; repoint gcc --sysroot="$PWD/root"; }
isysroot_link() { two_roots; repoint gcc -isysroot root; }
clang_sysroot_link() {
    have clang || skip "clang is not installed"
    two_roots
    repoint clang --sysroot=root
}

# The headers the sysroot's link leads to are the same; one they include
# differs.
sysroot_link_nested() {
    mkdir -p A/usr/include B/usr/include
    echo '#include "y.h"' >A/usr/include/x.h
    cp A/usr/include/x.h B/usr/include/x.h
    echo '#define XV 1' >A/usr/include/y.h
    echo '#define XV 2' >B/usr/include/y.h
    printf '#include <x.h>\nint g(void) { return XV; }\n' >s.c
    ln -s A root
    repoint gcc --sysroot=root
}

# The sysroot is a real directory; its usr/include is the link.
sysroot_inner_link() {
    mkdir -p sr/usr I1 I2
    echo '#define XV 1' >I1/x.h
    echo '#define XV 2' >I2/x.h
    printf '#include <x.h>\nint g(void) { return XV; }\n' >s.c
    ln -s ../../I1 sr/usr/include
    cc_check miss s.o gcc --sysroot=sr -c s.c -o s.o
    cc_check hit s.o gcc --sysroot=sr -c s.c -o s.o
    ln -sfn ../../I2 sr/usr/include
    cc_check miss s.o gcc --sysroot=sr -c s.c -o s.o
    cc_check hit s.o gcc --sysroot=sr -c s.c -o s.o
}

# The other search roots the compilers name as given (not resolved): a
# re-pointed link on the way is seen through the paths themselves.
include_links() {
    local cc opt
    mkdir -p A/inc B/inc
    echo '#include "y.h"' >A/inc/x.h
    cp A/inc/x.h B/inc/x.h
    echo '#define XV 1' >A/inc/y.h
    echo '#define XV 2' >B/inc/y.h
    printf '#include <x.h>\nint g(void) { return XV; }\n' >s.c
    printf '#include "x.h"\nint g(void) { return XV; }\n' >q.c
    mkdir mid
    for cc in gcc clang; do
        have $cc || continue
        for opt in -I -isystem -idirafter; do
            rm -rf "$RICC_DIR" root mid/l
            ln -s A root
            repoint $cc $opt root/inc
            # A link in the middle of the path.
            ln -s ../A mid/l
            cc_check miss s.o $cc $opt mid/l/inc -c s.c -o s.o
            ln -sfn ../B mid/l
            cc_check miss s.o $cc $opt mid/l/inc -c s.c -o s.o
        done
        rm -f root
        ln -s A root
        cc_check miss q.o $cc -iquote root/inc -c q.c -o q.o
        ln -sfn B root
        cc_check miss q.o $cc -iquote root/inc -c q.c -o q.o
    done
}

run_case compiler-path-edit compiler_path_edit
run_case compiler-path-appear compiler_path_appear
run_case compiler-path-link compiler_path_link
run_case gcc-exec-prefix-edit gcc_exec_prefix_edit
run_case specs-file specs_file
run_case clang-compiler-path-edit clang_compiler_path_edit
run_case link-B-ld-edit link_b_ld_edit
run_case compile-B-uncacheable compile_b_uncacheable
run_case hit-runs-no-driver hit_runs_no_driver
run_case sysroot-link sysroot_link
run_case sysroot-link-absolute sysroot_link_absolute
run_case isysroot-link isysroot_link
run_case clang-sysroot-link clang_sysroot_link
run_case sysroot-link-nested sysroot_link_nested
run_case sysroot-inner-link sysroot_inner_link
run_case include-links include_links
finish
