#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_observe.sh — a hit is what the toolchain would produce now (issue
# 19): what the assembler reads (.incbin, .include), in .S and .s sources
# and inside asm() statements of C, with gcc and clang, is part of the key;
# so are the programs the driver runs (a wrapper chain, an `as` through
# COMPILER_PATH), where a --sysroot link leads, what a __has_include finds,
# and the metadata a `ricc exec` tool looks at; a server's manifest for
# another command is not believed.  More cases of each class are in
# test_toolchain.sh, test_direct.sh, test_exec.sh and test_remote.sh.
#
# Each case is a short story of compiles and edits: `go WANT` compiles the
# case's command and checks the outcome (miss, hit, ...) and that outputs,
# stdout, stderr and status are byte-identical to the plain compiler run
# right after in the same directory.  Every case runs three ways:
#   wrap    `ricc CMD`, one RICC_DIR;
#   run     `ricc run -- CMD` (the preload shim), one RICC_DIR;
#   remote  each compile in a fresh sandbox (a new RICC_DIR) against
#           tests/remote/server.py, cache-only, uploading local builds: a
#           "hit" must then be a remote hit, and a changed input a miss.
# The remote way is skipped when /usr/bin/python3 lacks grpc/protobuf.
source "$(dirname "$0")/lib.sh"

# ---- the remote (a server for the whole file) ----
SERVER_PID=
stop_server() { [ -z "$SERVER_PID" ] || { kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; }; SERVER_PID=; }
trap 'stop_server; chmod -R u+w "$T" 2>/dev/null; [ -n "${E2E_KEEP:-}${E2E_TMP:-}" ] || rm -rf "$T"' EXIT
REMOTE_WHY=
start_server() {
    /usr/bin/python3 -c 'import grpc, google.protobuf' 2>/dev/null ||
        { REMOTE_WHY="/usr/bin/python3 lacks grpc or protobuf"; return 0; }
    command -v protoc >/dev/null || { REMOTE_WHY="no protoc"; return 0; }
    local d="$T/server"
    mkdir -p "$d"
    /usr/bin/python3 "$E2E_DIR/../remote/server.py" --unix "$d/s.sock" --ready-file "$d/ready" \
        --record "$d/record" --pb-dir "$d/pb" 2>"$d/log" &
    SERVER_PID=$!
    local i=0
    while [ ! -f "$d/ready" ]; do
        i=$((i + 1))
        [ $i -lt 600 ] && kill -0 "$SERVER_PID" 2>/dev/null ||
            { REMOTE_WHY="the test server did not start: $(tail -n 3 "$d/log")"; SERVER_PID=; return 0; }
        sleep 0.1
    done
    SERVER_ADDR="unix:$d/s.sock"
}

# ---- one compile of the case ----
MODE=wrap
SANDBOX=0
# go WANT: compile CMD (an array) the current way; OUTS names its outputs.
go() {
    local want=$1
    rm -f $OUTS
    case $MODE in
        wrap) R "${CMD[@]}" ;;
        run) R run -- "${CMD[@]}" ;;
        remote)
            SANDBOX=$((SANDBOX + 1))
            export RICC_DIR="$CASE/sandbox$SANDBOX"
            R "${CMD[@]}"
            [ "$want" != hit ] || want=remote_hit ;;
    esac
    expect "$want"
    if [ -n "${PLAIN_SET:-}" ]; then
        same_as_plain "$OUTS" "${PLAIN[@]}"
    else
        same_as_plain "$OUTS" "${CMD[@]}"
    fi
}

# in_every_way NAME FUNCTION: run_case NAME-wrap, NAME-run, NAME-remote.
in_every_way() {
    local name=$1 fn=$2
    MODE=wrap run_case "$name-wrap" "$fn"
    MODE=run run_case "$name-run" "$fn"
    if [ -n "$REMOTE_WHY" ]; then
        echo "skip $TEST/$name-remote: $REMOTE_WHY"
    else
        MODE=remote run_case "$name-remote" remote_case_"$fn"
    fi
}
# The remote way of a case: the case itself, in the sandbox environment.
remote_env() {
    export RECC_SERVER="$SERVER_ADDR" RECC_CACHE_ONLY=1 RECC_CACHE_UPLOAD_LOCAL_BUILD=1
    export RICC_REMOTE_AGENT_IDLE=5
    # Under ASan, LeakSanitizer's exit-time scan of a process whose gRPC
    # threads are winding down now and then crashes in its own tracer
    # ("Tracer caught signal 11"): the remote client's leaks are checked
    # by make check-remote's tests, not here.
    if readelf -d "$RICC" 2>/dev/null | grep -q 'NEEDED.*libasan'; then
        export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
    fi
}

# ---- the stories ----

# An input whose content the key must follow: unchanged (touched) it hits,
# changed it misses, and the new result hits again.
content_story() {
    local file=$1
    go miss
    go hit
    touch "$file"
    go hit
    printf 'changed %s\n' "$RANDOM" >>"$file"
    go miss
    go hit
}

have_clang() { have clang || skip "clang is not installed"; }

incbin_S() {
    printf 'first\n' >blob.bin
    printf '.section .rodata\n.globl blob\nblob: .incbin "blob.bin"\n' >a.S
    CMD=(gcc -c a.S -o a.o) OUTS=a.o
    content_story blob.bin
}

# The directive in pieces, inside a C asm() statement: no scan finds it.
asm_pieces_c() {
    printf 'first\n' >blob.bin
    cat >b.c <<'XEOF'
#define PART "bin"
__asm__(".section .rodata\n.globl blob\nblob: .inc" PART " \"blob.bin\"\n.text");
int f(void) { return 1; }
XEOF
    # shellcheck disable=SC2206 # CFLAGS_CASE holds flags, to split
    CMD=(gcc ${CFLAGS_CASE:-} -c b.c -o b.o) OUTS="b.o ${DEPOUT:-}"
    content_story blob.bin
}
# The same with -MMD (gcc's -H trace finds the headers) and with -g -MMD
# (the tracer finds them): each of depend mode's ways.
asm_pieces_mmd() { CFLAGS_CASE="-MMD" DEPOUT=b.d asm_pieces_c; }
asm_pieces_g() { CFLAGS_CASE="-g -MMD" DEPOUT=b.d asm_pieces_c; }

# .include searched along the assembler's -I: a file that appears in an
# earlier directory is what as reads next.
# search_story SOURCE COMPILER ARGS...: SOURCE .include's part.s, found in
# inc2; one that appears in inc1, searched first, is what the assembler
# reads next, and once gone inc2's again.
search_story() {
    local src=$1
    shift
    mkdir -p inc1 inc2
    printf '.byte 1\n' >inc2/part.s
    printf '.data\n.include "part.s"\n' >"$src"
    CMD=("$@" -c "$src" -o a.o) OUTS=a.o
    go miss
    go hit
    printf '.byte 2\n' >inc1/part.s
    go miss
    go hit
    printf '.byte 3\n' >inc1/part.s
    go miss
    rm inc1/part.s
    go hit
}
include_search() { search_story a.S gcc -Wa,-Iinc1 -Wa,-Iinc2; }

# clang's integrated assembler (`clang -cc1as`) searches -I for .include.
clang_include_search() { have_clang; search_story a.S clang -Iinc1 -Iinc2; }

# A plain assembler source (.s: no preprocessor at all), gcc and clang.
incbin_s() {
    printf 'first\n' >blob.bin
    printf '.section .rodata\n.globl blob\nblob: .incbin "blob.bin"\n' >p.s
    # shellcheck disable=SC2206 # CC_CASE may be a command with flags
    CMD=(${CC_CASE:-gcc} -c p.s -o p.o) OUTS=p.o
    content_story blob.bin
}
clang_incbin_s() { have_clang; CC_CASE=clang incbin_s; }
include_search_s() { search_story p.s gcc -Wa,-Iinc1 -Wa,-Iinc2; }

clang_incbin_S() {
    have_clang
    printf 'first\n' >blob.bin
    printf '.section .rodata\n.globl blob\nblob: .incbin "blob.bin"\n' >a.S
    CMD=(clang -c a.S -o a.o) OUTS=a.o
    content_story blob.bin
}

clang_asm_pieces_c() {
    have_clang
    printf 'first\n' >blob.bin
    cat >b.c <<'XEOF'
#define PART "bin"
__asm__(".section .rodata\n.globl blob\nblob: .inc" PART " \"blob.bin\"\n.text");
int f(void) { return 1; }
XEOF
    CMD=(clang -c b.c -o b.o) OUTS=b.o
    content_story blob.bin
}

# Preprocessor mode (no manifests): the dependency scan cannot know what
# as reads, so the result is never kept under the scan's key: the second
# compile is not a hit, and never a stale one.
incbin_no_direct() {
    export RICC_NO_DIRECT=1
    printf 'first\n' >blob.bin
    printf '.section .rodata\n.globl blob\nblob: .incbin "blob.bin"\n' >a.S
    CMD=(gcc -c a.S -o a.o) OUTS=a.o
    go miss
    go miss
    printf 'changed\n' >>blob.bin
    go miss
}

# lie_story OUTS "COMMAND 1" "COMMAND 2": two commands whose inputs are the
# same; the server is made to answer the second's manifest lookup with the
# first's entry (and result), as one that mixes up its keys would.  The
# second must miss (its entry is not believed), then hit its own.
lie_story() {
    local m1 m2
    remote_env
    export RICC_LOG_LEVEL=debug RICC_LOG_DIRECTORY="$CASE/rlog"
    mkey() { cat "$CASE"/rlog/* | sed -n 's/.*remote manifest \([0-9a-f]*\/[0-9]*\): none.*/\1/p' | tail -n 1; }
    OUTS=$1
    read -ra CMD <<<"$2"
    rm -rf "$CASE/rlog"
    go miss
    m1=$(mkey)
    # The second command's key, learned without uploading anything for it.
    read -ra CMD <<<"$3"
    rm -rf "$CASE/rlog"
    RECC_CACHE_UPLOAD_LOCAL_BUILD=0 go miss
    m2=$(mkey)
    [ -n "$m1" ] && [ -n "$m2" ] && [ "$m1" != "$m2" ] || die "manifest keys not logged: '$m1' '$m2'"
    /usr/bin/python3 "$E2E_DIR/ac_copy.py" "$T/server/pb" "$SERVER_ADDR" "$m1" "$m2" ||
        die "cannot copy the server's entry"
    rm -rf "$CASE/rlog"
    go miss
    go hit
}

# A result must belong to its action: `-DV=2` is not served `-DV=1`'s object
# (the same files, so the entry holds here), with a warning.
lying_server() {
    echo 'int v = V;' >x.c
    lie_story x.o "gcc -DV=1 -c x.c -o x.o" "gcc -DV=2 -c x.c -o x.o"
    grep -q "names action" "$CASE"/rlog/* || die "no warning about the server's manifest"
}

# The same for a link (RECC_LINK=1).
lying_server_link() {
    echo 'int main(void) { return 0; }' >m.c
    gcc -c m.c -o m.o
    export RECC_LINK=1
    lie_story app "gcc m.o -o app -Wl,--defsym,ricc_v=1" "gcc m.o -o app -Wl,--defsym,ricc_v=2"
}

# A compiler that is a wrapper script running another script: the program
# the identity cannot foresee is keyed by what the compile was seen to run.
wrapper_chain() {
    mkdir -p bin tools
    printf '#!/bin/sh\nexec "%s/tools/gcc-wrap" "$@"\n' "$PWD" >bin/cc
    printf '#!/bin/sh\nexec gcc -O0 "$@"\n' >tools/gcc-wrap
    chmod +x bin/cc tools/gcc-wrap
    export PATH="$PWD/bin:$PATH"
    printf 'int f(int x) { return x * 3 + 1; }\n' >w.c
    CMD=(cc -c w.c -o w.o) OUTS=w.o
    # A fresh sandbox's identity has not learned yet what the wrapper runs:
    # its key is not the one the result went under (identity.h), so a miss.
    local again=hit
    [ "$MODE" != remote ] || again=miss
    go miss
    go $again
    same_size_edit tools/gcc-wrap ' -O0 ' ' -O2 '
    go miss
    go $again
}

# Class 2 in every way: an `as` found through COMPILER_PATH, a wrapper
# script edited in place.  (What that script runs is learned into the
# identity, which a fresh sandbox has not yet: a miss there, never stale.)
compiler_path_as() {
    mkdir -p tools
    printf '#!/bin/sh\nexec %s --defsym RICC_TEST=0 "$@"\n' "$(command -v as)" >tools/as
    chmod +x tools/as
    export COMPILER_PATH=$PWD/tools
    printf 'int t(void) { return 7; }\n' >t.c
    CMD=(gcc -c t.c -o t.o) OUTS=t.o
    local again=hit
    [ "$MODE" != remote ] || again=miss
    go miss
    go $again
    same_size_edit tools/as RICC_TEST=0 RICC_TEST=1
    go miss
    go $again
}

# Class 3 in every way: --sysroot through a link, re-pointed to a tree
# whose header differs, and back.
sysroot_link() {
    mkdir -p A/usr/include B/usr/include
    echo '#define XV 1' >A/usr/include/x.h
    echo '#define XV 2' >B/usr/include/x.h
    printf '#include <x.h>\nint g(void) { return XV; }\n' >s.c
    ln -s A root
    CMD=(gcc --sysroot=root -c s.c -o s.o) OUTS=s.o
    go miss
    go hit
    ln -sfn B root
    go miss
    go hit
    ln -sfn A root
    go hit
}

# Class 4 in every way: a __has_include through a wrapper macro (fmt's
# FMT_HAS_INCLUDE shape) whose file appears in an earlier directory, and one
# whose name is a macro argument: never cached, as ricc cannot know it.
has_include_wrapper() {
    mkdir -p inc late
    printf '#define HAS(h) __has_include(h)\n' >inc/w.h
    printf '#include "w.h"\n#if HAS("x.h")\nint v = 1;\n#else\nint v = 2;\n#endif\n' >h.c
    CMD=(gcc -Iinc -Ilate -c h.c -o h.o) OUTS=h.o
    go miss
    go hit
    echo '/* now here */' >late/x.h
    go miss
    go hit
}
has_include_macro() {
    mkdir -p inc
    printf '#define H "x.h"\n#if __has_include(H)\nint v = 1;\n#else\nint v = 2;\n#endif\n' >m.c
    CMD=(gcc -Iinc -c m.c -o m.o) OUTS=m.o
    go uncacheable
    echo '/* now here */' >inc/x.h
    go uncacheable
}

# Class 5 in every way: a tool run through `ricc exec` (under `ricc run`:
# named in RICC_EXEC_TOOLS) that reports a file's mtime; only the mtime
# changes.
exec_mtime() {
    printf '#!/bin/sh\nstat -c %%Y "$1" >"$2"\n' >gen.sh
    chmod +x gen.sh
    echo data >in.txt
    touch -d @1000000000 in.txt
    PLAIN=(./gen.sh in.txt out.txt) PLAIN_SET=1 OUTS=out.txt
    if [ "$MODE" = run ]; then
        # (The shim reroutes the execs of what ricc run starts; one built
        # with ASan cannot be loaded into sh.)
        local shim=${RICC_PRELOAD:-$(dirname "$RICC")/../lib/libricc-preload.so}
        readelf -d "$shim" 2>/dev/null | grep -q 'NEEDED.*libasan' && skip "an ASan shim"
        export RICC_EXEC_TOOLS=gen.sh
        CMD=(sh -c './gen.sh in.txt out.txt')
    else
        CMD=(exec -- "${PLAIN[@]}")
    fi
    go miss
    go hit
    touch -d @1000000001 in.txt
    go miss
    go hit
}

# What clang's driver reads to find its toolchain (/etc/os-release, a CUDA
# installation) is the identity's business, not an input: preprocessor mode
# still hits a clang compile that reads nothing else.
clang_no_direct() {
    have_clang
    export RICC_NO_DIRECT=1
    printf '#include <stdio.h>\nint f(void) { return puts("x"); }\n' >c.c
    CMD=(clang -O2 -c c.c -o c.o) OUTS=c.o
    go miss
    go preprocessed_hit
}

# clang's environment: CCC_OVERRIDE_OPTIONS edits the command line (keyed);
# CC_PRINT_HEADERS makes it write a file of its own (not cached).
clang_env() {
    have_clang
    printf 'int v = V;\n' >e.c
    CMD=(clang -DV=1 -c e.c -o e.o) OUTS=e.o
    go miss
    export CCC_OVERRIDE_OPTIONS='+-DV=2'
    go miss
    unset CCC_OVERRIDE_OPTIONS
    go hit
    export CC_PRINT_HEADERS=1 CC_PRINT_HEADERS_FILE=$PWD/headers.txt
    OUTS="e.o headers.txt"
    go uncacheable
}

CASES="incbin_S asm_pieces_c asm_pieces_mmd asm_pieces_g include_search clang_incbin_S
       clang_asm_pieces_c clang_include_search wrapper_chain incbin_s clang_incbin_s
       include_search_s compiler_path_as sysroot_link has_include_wrapper has_include_macro
       exec_mtime"
for c in $CASES; do eval "remote_case_$c() { remote_env; $c; }"; done

start_server
for c in $CASES; do in_every_way "${c//_/-}" "$c"; done
if [ -n "$REMOTE_WHY" ]; then
    echo "skip $TEST/lying-server: $REMOTE_WHY"
    echo "skip $TEST/lying-server-link: $REMOTE_WHY"
else
    MODE=remote run_case lying-server lying_server
    MODE=remote run_case lying-server-link lying_server_link
fi
run_case incbin-no-direct incbin_no_direct
run_case clang-no-direct clang_no_direct
run_case clang-env clang_env
stop_server
finish
