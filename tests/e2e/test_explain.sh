#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_explain.sh — why did it miss (issue 22).  Each case changes one thing
# the key holds, asks `ricc --explain` first (it must name the change and
# write nothing under RICC_DIR), then compiles with RICC_LOG_LEVEL=info and
# checks that the miss really happened and that the log names the same
# change: a header (its path, old and new digest), a flag, an environment
# variable of the key, the toolchain digest, the compiler behind a name.  A
# warm cache explains as a hit; uncacheable calls name their reason; the
# counters by reason move with the calls they count.
. "$(dirname "$0")/lib.sh"

project() {
    mkdir -p inc
    echo '#define VALUE 11' >inc/conf.h
    cat >m.c <<'EOF'
#include "conf.h"
int get(void) { return VALUE; }
EOF
}
ARGS="-O2 -Iinc -c m.c -o m.o"

# The cache's tree with sizes and times: anything written shows.
tree() { find "$RICC_DIR" -printf '%p %y %s %T@ %C@\n' | LC_ALL=C sort; }

# explain CMD...: `ricc --explain CMD...` into $EXPLAINED (exit 0 required,
# and nothing under RICC_DIR may change).
explain() {
    tree >"$CASE/tree.before"
    local rc=0
    EXPLAINED=$(timeout 120 "$RICC" --explain "$@" 2>"$CASE/x.err") || rc=$?
    tree >"$CASE/tree.after"
    [ $rc = 0 ] || { cat "$CASE/x.err" >&2; die "ricc --explain $* exited $rc"; }
    diff "$CASE/tree.before" "$CASE/tree.after" >&2 || die "ricc --explain $* wrote under RICC_DIR"
    echo "  explained: $EXPLAINED" >&2
}

# miss_says CMD...: compile with the info log; a miss whose log line is
# printed into $SAID ("cache miss (REASON): DETAIL").
miss_says() {
    RICC_LOG_LEVEL=info R "$@"
    expect miss
    SAID=$(sed -n 's/^ricc\[[0-9]*\] info: cache miss //p' "$CASE/r.err")
    [ -n "$SAID" ] || { show_err; die "no 'cache miss' line in the info log of '$*'"; }
    echo "  logged: $SAID" >&2
}

# must TEXT PATTERN: grep -F PATTERN in TEXT, else fail.
must() { printf '%s\n' "$1" | grep -qF -- "$2" || die "'$1' does not say '$2'"; }

digest_of() { echo "$(sha256sum <"$1" | cut -c1-64)/$(stat -c %s "$1")"; }

explain_header() {
    project
    cc_check miss m.o gcc $ARGS
    explain gcc $ARGS
    [ "$EXPLAINED" = "would hit (direct)" ] || die "warm: $EXPLAINED"
    local old new
    old=$(digest_of inc/conf.h)
    echo '#define OTHER 1' >>inc/conf.h
    new=$(digest_of inc/conf.h)
    explain gcc $ARGS
    must "$EXPLAINED" "would miss: input_changed: inc/conf.h was $old, now $new"
    miss_says gcc $ARGS
    must "$SAID" "(input_changed): inc/conf.h was $old, now $new"
    cc_check hit m.o gcc $ARGS
    explain gcc $ARGS
    [ "$EXPLAINED" = "would hit (direct)" ] || die "after the miss: $EXPLAINED"
}

explain_source() {
    project
    cc_check miss m.o gcc $ARGS
    local old new
    old=$(digest_of m.c)
    echo 'int more;' >>m.c
    new=$(digest_of m.c)
    explain gcc $ARGS
    must "$EXPLAINED" "would miss: input_changed: m.c was $old, now $new"
    miss_says gcc $ARGS
    must "$SAID" "(input_changed): m.c was $old, now $new"
}

explain_new_header() {
    # A header that appears earlier on the search path: nothing read changed.
    project
    cc_check miss m.o gcc -Ifirst $ARGS
    mkdir first
    echo '#define VALUE 99' >first/conf.h
    explain gcc -Ifirst $ARGS
    must "$EXPLAINED" "would miss: header_appeared: first/conf.h now exists"
    miss_says gcc -Ifirst $ARGS
    must "$SAID" "(header_appeared): first/conf.h now exists"
}

explain_flag() {
    project
    cc_check miss m.o gcc $ARGS
    explain gcc -O3 -Iinc -c m.c -o m.o
    must "$EXPLAINED" "would miss: args_changed: argument 1 was '-O2', now '-O3'"
    miss_says gcc -O3 -Iinc -c m.c -o m.o
    must "$SAID" "(args_changed): argument 1 was '-O2', now '-O3'"
    explain gcc -O3 -DX=1 -Iinc -c m.c -o m.o
    must "$EXPLAINED" "would miss: args_changed: argument 2 added: '-DX=1'"
    # Back to a configuration still cached: a hit, which writes no record.
    cc_check hit m.o gcc $ARGS
}

explain_env() {
    # SOURCE_DATE_EPOCH is in the key (action.c's action_env_vars).
    project
    export SOURCE_DATE_EPOCH=1000
    cc_check miss m.o gcc $ARGS
    export SOURCE_DATE_EPOCH=2000
    explain gcc $ARGS
    must "$EXPLAINED" "would miss: env_changed: environment variable SOURCE_DATE_EPOCH was '1000', now '2000'"
    miss_says gcc $ARGS
    must "$SAID" "(env_changed): environment variable SOURCE_DATE_EPOCH was '1000', now '2000'"
    unset SOURCE_DATE_EPOCH
    explain gcc $ARGS
    must "$EXPLAINED" "would miss: env_changed: environment variable SOURCE_DATE_EPOCH is not set now (was '2000')"
}

explain_toolchain() {
    project
    local d1 d2
    d1="$(printf one | sha256sum | cut -c1-64)/3"
    d2="$(printf two | sha256sum | cut -c1-64)/3"
    export RECC_REMOTE_PLATFORM_chrootRootDigest=$d1
    cc_check miss m.o gcc $ARGS
    export RECC_REMOTE_PLATFORM_chrootRootDigest=$d2
    local want="toolchain_changed: the toolchain digest (RECC_REMOTE_PLATFORM_chrootRootDigest) was $d1, now $d2"
    explain gcc $ARGS
    must "$EXPLAINED" "would miss: $want"
    miss_says gcc $ARGS
    must "$SAID" "(${want%%:*})${want#toolchain_changed}"
}

explain_compiler() {
    # The same name, another compiler: a copied gcc wrapper script edited
    # (same size), and a link re-pointed from gcc to clang.
    project
    mkdir bin
    export PATH="$PWD/bin:$PATH"
    printf '#!/bin/sh\nexec %s -O0 "$@"\n' "$(command -v gcc)" >bin/cc
    chmod +x bin/cc
    cc_check miss m.o cc -Iinc -c m.c -o m.o
    same_size_edit bin/cc ' -O0 ' ' -O3 '
    explain cc -Iinc -c m.c -o m.o
    must "$EXPLAINED" "would miss: toolchain_changed: the compiler $PWD/bin/cc changed (its identity was"
    miss_says cc -Iinc -c m.c -o m.o
    must "$SAID" "(toolchain_changed): the compiler $PWD/bin/cc changed"
    if have clang; then
        ln -s "$(command -v gcc)" bin/gcc
        cc_check miss m.o gcc $ARGS
        ln -sfn "$(command -v clang)" bin/gcc
        explain gcc $ARGS
        must "$EXPLAINED" "would miss: toolchain_changed: the compiler $PWD/bin/gcc changed"
        miss_says gcc $ARGS
        must "$SAID" "(toolchain_changed): the compiler $PWD/bin/gcc changed"
    else
        note "clang is not installed: only the wrapper script was changed"
    fi
}

explain_new() {
    project
    explain gcc $ARGS
    must "$EXPLAINED" "would miss: new: nothing was cached for this call (m.o in $PWD) before"
    miss_says gcc $ARGS
    must "$SAID" "(new): nothing was cached for this call (m.o in $PWD) before"
}

explain_preprocessed() {
    # Without direct mode the answer comes from the dependency scan.
    project
    export RICC_NO_DIRECT=1
    explain gcc $ARGS
    must "$EXPLAINED" "would miss: new:"
    cc_check miss m.o gcc $ARGS
    explain gcc $ARGS
    [ "$EXPLAINED" = "would hit (preprocessed)" ] || die "warm, no direct mode: $EXPLAINED"
    # A header changed: its manifest would name it; without one, the key's
    # other parts are as cached.
    echo '#define OTHER 1' >>inc/conf.h
    explain gcc $ARGS
    must "$EXPLAINED" "would miss: input_changed: an included file changed"
    cc_check miss m.o gcc $ARGS
}

explain_result_gone() {
    # The manifest still names the action, whose result was removed.
    project
    cc_check miss m.o gcc $ARGS
    rm -rf "$RICC_DIR/ac"
    explain gcc $ARGS
    must "$EXPLAINED" "would miss: result_gone: the manifest names action"
    miss_says gcc $ARGS
    must "$SAID" "(result_gone): the manifest names action"
}

# unc REASON CMD...: explained, logged and counted as uncacheable for REASON.
unc() {
    local reason=$1 before after
    shift
    explain "$@"
    must "$EXPLAINED" "uncacheable: $reason: "
    before=$(counter "uncacheable_reason_$reason")
    RICC_LOG_LEVEL=info R "$@"
    expect uncacheable
    grep -qF "(uncacheable: $reason)" "$CASE/r.err" || { show_err; die "'$*' does not log its reason $reason"; }
    after=$(counter "uncacheable_reason_$reason")
    [ "$after" = $((before + 1)) ] || die "uncacheable_reason_$reason went $before -> $after"
}

explain_uncacheable() {
    project
    echo 'int other;' >o.c
    unc preprocess_only gcc -E m.c -o m.i
    unc linking gcc m.c -o prog
    unc multiple_inputs gcc -c m.c o.c
    unc stdout_output gcc -S m.c -o -
    unc profile_data gcc -fprofile-use -c m.c -o m.o
    DEPENDENCIES_OUTPUT=deps.d unc environment gcc -c m.c -o m.o
    printf '#include <stdio.h>\nconst char *t = __TIME__;\n' >t.c
    unc time_macro gcc -c t.c -o t.o
    # An ar call, and a link with link caching on, take other flows: not
    # explained as if they were compiles.
    local rc=0
    "$RICC" --explain ar rcs lib.a m.o >/dev/null 2>"$CASE/x.err" || rc=$?
    [ $rc = 1 ] && grep -q 'only compiles are explained' "$CASE/x.err" || die "--explain ar: exit $rc"
    rc=0
    RICC_LINK=1 "$RICC" --explain gcc m.o -o prog >/dev/null 2>"$CASE/x.err" || rc=$?
    [ $rc = 1 ] && grep -q 'only compiles are explained' "$CASE/x.err" || die "--explain of a link: exit $rc"
}

explain_counters() {
    project
    cc_check miss m.o gcc $ARGS
    [ "$(counter miss_reason_new)" = 1 ] || die "miss_reason_new is $(counter miss_reason_new)"
    echo '#define OTHER 1' >>inc/conf.h
    cc_check miss m.o gcc $ARGS
    cc_check miss m.o gcc -O3 -Iinc -c m.c -o m.o
    cc_check hit m.o gcc -O3 -Iinc -c m.c -o m.o
    [ "$(counter miss_reason_input_changed)" = 1 ] || die "miss_reason_input_changed: $(counter miss_reason_input_changed)"
    [ "$(counter miss_reason_args_changed)" = 1 ] || die "miss_reason_args_changed: $(counter miss_reason_args_changed)"
    [ "$(counter miss)" = 3 ] || die "miss: $(counter miss)"
}

explain_tool_reasons() {
    # A traced tool's reason comes from the tracer's words; an ar call's
    # from its parser.
    RICC_LOG_LEVEL=info R exec -- sh -c 'date >now.txt'
    expect uncacheable
    grep -qF "(uncacheable: clock)" "$CASE/r.err" || { show_err; die "date: no clock reason"; }
    [ "$(counter uncacheable_reason_clock)" = 1 ] || die "uncacheable_reason_clock: $(counter uncacheable_reason_clock)"
    echo 'int x;' >x.c
    gcc -c x.c -o x.o
    RICC_LOG_LEVEL=info R ar t lib.a
    expect uncacheable
    grep -qF "(uncacheable: ar_mode)" "$CASE/r.err" || { show_err; die "ar t: no ar_mode reason"; }
    [ "$(counter uncacheable_reason_ar_mode)" = 1 ] || die "uncacheable_reason_ar_mode: $(counter uncacheable_reason_ar_mode)"
}

run_case header explain_header
run_case source explain_source
run_case new-header explain_new_header
run_case flag explain_flag
run_case env explain_env
run_case toolchain explain_toolchain
run_case compiler explain_compiler
run_case new explain_new
run_case preprocessed explain_preprocessed
run_case result-gone explain_result_gone
run_case uncacheable explain_uncacheable
run_case counters explain_counters
run_case tool-reasons explain_tool_reasons
finish
