#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_rspfile.sh — @file arguments: the key follows the file's content, not
# its name (a changed response file misses, an unchanged one hits), nested
# and quoted forms are understood, and a missing one fails as gcc fails.
. "$(dirname "$0")/lib.sh"

src() {
    mkdir -p inc "dir with space"
    printf '#define BASE 100\n' >inc/r.h
    printf '#define SPACED 5\n' >"dir with space/s.h"
    cat >r.c <<'EOF'
#include "r.h"
#ifndef V
#define V 0
#endif
int r(void) { return BASE + V; }
EOF
}

rsp_basic() {
    src
    printf -- '-O2 -Iinc -DV=1\n-c r.c -o r.o\n' >args.rsp
    cc_check miss r.o gcc @args.rsp
    cc_check hit r.o gcc @args.rsp
    # Same content, new name and mtime: same action.
    cp args.rsp other.rsp
    cc_check hit r.o gcc @other.rsp
    # Same name and size, new content.
    same_size_edit args.rsp '-DV=1' '-DV=2'
    cc_check miss r.o gcc @args.rsp
    cc_check hit r.o gcc @args.rsp
    # Mixed with ordinary arguments.
    printf -- '-Iinc -DV=3\n' >part.rsp
    cc_check miss r.o gcc -O2 @part.rsp -c r.c -o r.o
    cc_check hit r.o gcc -O2 @part.rsp -c r.c -o r.o
    # The header still counts.
    same_size_edit inc/r.h 'BASE 100' 'BASE 200'
    cc_check miss r.o gcc -O2 @part.rsp -c r.c -o r.o
}

rsp_nested_quoted() {
    src
    printf -- '-DV=SPACED\n"-Idir with space"\n-include s.h\n' >inner.rsp
    printf -- '-O2 -Iinc @inner.rsp -c r.c -o r.o\n' >outer.rsp
    cc_check miss r.o gcc @outer.rsp
    cc_check hit r.o gcc @outer.rsp
    # Quoting changed, meaning changed: a single-quoted -D with spaces.
    printf -- "'-DV=(SPACED + 1)'\n\"-Idir with space\"\n-include s.h\n" >inner.rsp
    cc_check miss r.o gcc @outer.rsp
    same_size_edit "dir with space/s.h" 'SPACED 5' 'SPACED 6'
    cc_check miss r.o gcc @outer.rsp
}

rsp_missing() {
    src
    # gcc takes it for a linker input: it still writes r.o, then fails.
    cc_check nohit r.o gcc @nosuch.rsp -Iinc -c r.c -o r.o
    [ "$RC" != 0 ] || die "exit 0"
}

run_case basic rsp_basic
run_case nested-quoted rsp_nested_quoted
run_case missing rsp_missing
finish
