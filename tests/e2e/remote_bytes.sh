# SPDX-License-Identifier: Apache-2.0
# tests/e2e/remote_bytes.sh — part of tests/e2e/test_remote.sh (sourced by
# it, in scenario 2, with its helpers and variables; not a test file of its
# own): remote execution must not change the bytes.  Kept apart only to keep
# test_remote.sh a readable length.
#
# Remote execution must not change the bytes.  The test server, like
# BuildGrid's host-tools bots, runs each action in a fresh temporary
# directory: whatever records the directory it runs in (DW_AT_comp_dir,
# coverage data, gcc's LTO streams), or a path the worker spells otherwise
# (an absolute argument rewritten relative to the base), would differ from
# plain gcc run here.  Each case runs plain COMPILER, then ricc (a fresh
# RICC_DIR), in the same directory, and compares every output file,
# stdout, stderr and the status.  "here": compiled here, never Executed,
# with the reason logged; "exec": Executed (so the comparison shows the
# worker reproduces what is allowed to run there); "quiet": Executed
# without letting the server keep it, then compiled here because the
# worker's messages name paths as it spelt them; "hit": a remote hit.
# rb NAME here|exec|quiet|hit CWD COMPILER ARGS...   (the outputs are CWD/out.*)
# shellcheck shell=bash disable=SC2154 # ricc: set by test_remote.sh
rb() {
    name=$1 expect=$2 cwd=$3; shift 3
    export RICC_DIR="$W/dir-rb-$name"
    rm -rf "$RICC_DIR" "$cwd/.recc-log" "$W/rb-ref" "$cwd"/out.*
    mkdir -p "$W/rb-ref"
    ref=0; (cd "$cwd" && "$@" -DN="$NONCE" -o out.o) >"$W/rb-ref/stdout" 2>"$W/rb-ref/stderr" || ref=$?
    for f in "$cwd"/out.*; do [ -e "$f" ] && mv "$f" "$W/rb-ref/"; done
    rc=0; (cd "$cwd" && "$ricc" "$@" -DN="$NONCE" -o out.o) >"$W/rb-$name.out" 2>"$W/rb-$name.err" || rc=$?
    bad=
    [ "$rc" = "$ref" ] || bad="$bad status $rc (plain: $ref)"
    cmp -s "$W/rb-ref/stdout" "$W/rb-$name.out" || bad="$bad stdout"
    cmp -s "$W/rb-ref/stderr" "$W/rb-$name.err" || bad="$bad stderr"
    for f in "$W"/rb-ref/out.*; do
        [ -e "$f" ] && { cmp -s "$f" "$cwd/${f##*/}" || bad="$bad ${f##*/}"; }
    done
    for f in "$cwd"/out.*; do
        [ -e "$f" ] && [ ! -e "$W/rb-ref/${f##*/}" ] && bad="$bad (extra ${f##*/})"
    done
    lines() { n=$(cat "$cwd"/.recc-log/* 2>/dev/null | grep -c "$1" || true); echo "${n:-0}"; }
    ex=$(lines "Executing action remotely") here=$(lines "not executable remotely")
    said=$(lines "printed messages")
    [ "$EXECUTES" = 1 ] || expect="$expect: not checked"
    case $expect in
    here) [ "$ex.$here" = 0.1 ] || bad="$bad; $ex executed, $here 'not executable remotely'" ;;
    exec) [ "$ex.$here.$said" = 1.0.0 ] || bad="$bad; $ex executed, $here 'not executable remotely'" ;;
    quiet) [ "$ex.$here.$said" = 1.0.1 ] || bad="$bad; $ex executed, $said 'printed messages'" ;;
    hit) [ "$ex.$here.$(stat_of "rb-$name" remote_hit)" = 0.0.1 ] || bad="$bad; not a remote hit" ;;
    esac
    [ -z "$bad" ] && ok "remote execution keeps the bytes: $name ($expect)" ||
        fail "rb-$name:$bad"
}
executes "where each 'keeps the bytes' case runs (its bytes are still checked)" || true
unset RECC_NO_PATH_REWRITE
# Relative paths, the base the working directory.
rb g here "$RB" gcc -g -Iinc -c src/x.c
rb g3 here "$RB" gcc -O1 -g3 -Iinc -c src/x.c
rb ggdb-g0 exec "$RB" gcc -ggdb -g0 -Iinc -c src/x.c
rb g0-g here "$RB" gcc -g0 -g -Iinc -c src/x.c
rb gdwarf4 here "$RB" gcc -gdwarf-4 -Iinc -c src/x.c
rb split here "$RB" gcc -g -gsplit-dwarf -Iinc -c src/x.c
rb S-g here "$RB" gcc -S -g -Iinc src/x.c
# (gcc stamps coverage data with a random number unless given a seed.)
rb coverage here "$RB" gcc --coverage -frandom-seed=1 -Iinc -c src/x.c
rb arcs here "$RB" gcc -fprofile-arcs -frandom-seed=1 -Iinc -c src/x.c
rb testcov here "$RB" gcc -ftest-coverage -frandom-seed=1 -Iinc -c src/x.c
rb lto here "$RB" gcc -O2 -flto -frandom-seed=1 -Iinc -c src/x.c
rb map here "$RB" gcc -g -fdebug-prefix-map="$RB"=. -Iinc -c src/x.c
rb filemap here "$RB" gcc -g -ffile-prefix-map="$RB"/=  -Iinc -c src/x.c
# The key spells the map's OLD relative to the base: on a worker it would
# match the relative "src/file.c", which it does not match here.
rb relmap here "$RB" gcc -O2 -fmacro-prefix-map="$RB"/src/=lib/ -Iinc -c src/file.c
rb md exec "$RB" gcc -O2 -MD -Iinc -c src/x.c
rb asan exec "$RB" gcc -fsanitize=address -Iinc -c src/x.c
rb file exec "$RB" gcc -O2 -Iinc -c src/file.c
rb warn exec "$RB" gcc -O2 -Wall -Iinc -c src/warn.c
# CMake's shape: absolute source and -I from a build directory, the project
# root above the checkout; the worker gets them relative to the base.
export RECC_PROJECT_ROOT="$W"
rb abs-md here "$RB/build" gcc -O2 -MD -I"$RB/inc" -c "$RB/src/x.c"
rb abs-file here "$RB/build" gcc -O2 -I"$RB/inc" -c "$RB/src/file.c"
rb abs-asan here "$RB/build" gcc -fsanitize=address -I"$RB/inc" -c "$RB/src/x.c"
rb abs-g here "$RB/build" gcc -g -I"$RB/inc" -c "$RB/src/x.c"
rb abs-su here "$RB/build" gcc -O2 -fstack-usage -I"$RB/inc" -c "$RB/src/x.c"
# (gcc 12 happens to record none of these paths; ricc does not rely on it.)
rb abs-switches here "$RB/build" gcc -O2 -frecord-gcc-switches -I"$RB/inc" -c "$RB/src/x.c"
rb abs-warn quiet "$RB/build" gcc -O2 -Wall -I"$RB/inc" -c "$RB/src/warn.c"
# What a fresh sandbox is then served is the compile made here, messages
# and all: the server never kept the worker's.
rb abs-warn-again hit "$RB/build" gcc -O2 -Wall -I"$RB/inc" -c "$RB/src/warn.c"
rb abs-quiet exec "$RB/build" gcc -O2 -Wall -I"$RB/inc" -c "$RB/src/x.c"
# Executed without the server keeping it: ricc uploaded it, checked quiet,
# so a fresh sandbox hits.
if executes "a result Executed quietly, uploaded by ricc"; then
    export RICC_DIR="$W/dir-rb-abs-quiet-again"
    rm -rf "$RICC_DIR" "$RB/build/out.o" "$RB/build/.recc-log"
    (cd "$RB/build" && "$ricc" gcc -O2 -Wall -I"$RB/inc" \
        -c "$RB/src/x.c" -DN="$NONCE" -o out.o) 2>/dev/null || fail "abs-quiet-again: the compile failed"
    [ "$(stat_of rb-abs-quiet-again remote_hit)" = 1 ] &&
        ok "a result Executed quietly is uploaded by ricc: a fresh sandbox hits" ||
        fail "rb-abs-quiet-again: $(stat_of rb-abs-quiet-again remote_hit) remote hits, expected 1"
fi
unset RECC_PROJECT_ROOT
# BuildStream's setting: no path rewriting; the worker's directory differs all the same.
export RECC_NO_PATH_REWRITE=1
rb bst-g here "$RB" gcc -g -Iinc -c src/x.c
rb bst-O2 exec "$RB" gcc -O2 -Iinc -c src/x.c
if command -v clang >/dev/null 2>&1; then
    unset RECC_NO_PATH_REWRITE
    rb clang-g here "$RB" clang -g -Iinc -c src/x.c
    # (A worker would make these bytes, but ricc does not tell the cases
    # apart: conservatively here.)
    rb clang-compdir here "$RB" clang -g -fdebug-compilation-dir=. -Iinc -c src/x.c
    rb clang-coverage here "$RB" clang --coverage -Iinc -c src/x.c
    rb clang-O2 exec "$RB" clang -O2 -Iinc -c src/x.c
    export RECC_NO_PATH_REWRITE=1
fi

# stdout and stderr inline with no digest, as BuildGrid sends them (REAPI
# allows it): an Executed compile's warnings are the user's, not corruption
# to compile again for; a fresh sandbox's hit replays them too.  (Against
# BuildGrid itself, rb warn above is that case.)
if own_server "stdout and stderr inline without a digest" "--streams-without-digest"; then
    start_server nodigest --streams-without-digest
    bst_env "$ADDR"; no_cache_only
    unset RECC_NO_PATH_REWRITE
    rb nodigest-warn exec "$RB" gcc -O2 -Wall -Iinc -c src/warn.c
    rb nodigest-warn-again hit "$RB" gcc -O2 -Wall -Iinc -c src/warn.c
    export RECC_NO_PATH_REWRITE=1
fi
