#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_exec.sh — `ricc exec -- TOOL ARGS...`: a tool cached by tracing what it
# reads and writes.  A hit leaves the same files, stdout, stderr and status
# as running the tool plainly; any change to what it read misses; a tool
# that reads the clock, lists a directory, writes outside the working tree,
# runs a static program or may read stdin is run but never cached.
. "$(dirname "$0")/lib.sh"

have sed || { echo "skip exec/all: sed missing"; exit 0; }
TRACE_LIB=$(dirname "$RICC")/../lib/libricc-trace.so
[ -f "$TRACE_LIB" ] || { echo "skip exec/all: $TRACE_LIB not built"; exit 0; }

# xcheck EXPECT "OUTS" TOOL ARGS...: remove OUTS, `ricc exec -- TOOL ARGS`,
# expect EXPECT, and compare everything with running TOOL ARGS plainly.
xcheck() {
    local want=$1 outs=$2
    shift 2
    rm -f $outs
    R exec -- "$@"
    expect "$want"
    same_as_plain "$outs" "$@"
}

# A code generator: a shell script that runs sed over its input, adds an
# optional header when there is one, and talks on both streams.
generator() {
    cat >gen.sh <<'EOF'
#!/bin/sh
sed 's/@VALUE@/'"$1"'/' template.in >gen.c
cat opt.inc >>gen.c 2>/dev/null || true
echo "generated gen.c"
echo "gen: a warning" >&2
EOF
    chmod +x gen.sh
    printf 'int value(void) { return @VALUE@; }\n' >template.in
}

codegen() {
    exec </dev/null
    generator
    xcheck miss gen.c ./gen.sh 42
    grep -q 'return 42;' gen.c || die "gen.c: $(cat gen.c)"
    [ "$(cat "$CASE/r.out")" = "generated gen.c" ] || die "stdout: $(cat "$CASE/r.out")"
    xcheck direct_hit gen.c ./gen.sh 42
    # Replayed streams, byte for byte (same_as_plain compared them too).
    R exec -- ./gen.sh 42
    expect direct_hit
    [ "$(cat "$CASE/r.err")" = "gen: a warning" ] || die "stderr: $(cat "$CASE/r.err")"
    [ "$RC" = 0 ] || die "status $RC"
    # Another argument is another key.
    xcheck miss gen.c ./gen.sh 7
    grep -q 'return 7;' gen.c || die "gen.c: $(cat gen.c)"
    # The input changes: miss, and the output follows it.
    printf 'long value(void) { return @VALUE@; }\n' >template.in
    xcheck miss gen.c ./gen.sh 42
    grep -q 'long value' gen.c || die "gen.c: $(cat gen.c)"
    xcheck direct_hit gen.c ./gen.sh 42
    # The generated C is real C.
    if have gcc; then gcc -c gen.c -o gen.o || die "gen.c does not compile"; fi
    # The first input again: its entry is still there.
    printf 'int value(void) { return @VALUE@; }\n' >template.in
    xcheck direct_hit gen.c ./gen.sh 42
    # A hit with the output already gone and its directory recreated.
    rm -f gen.c
    R exec -- ./gen.sh 42
    expect direct_hit
    grep -q 'return 42;' gen.c || die "restored gen.c: $(cat gen.c)"
}

# opt.inc did not exist when the tool tried to open it: it must still be
# absent for a hit.  Once it appears, the call misses and uses it.
optional_input() {
    exec </dev/null
    generator
    xcheck miss gen.c ./gen.sh 1
    xcheck direct_hit gen.c ./gen.sh 1
    echo '/* extra */' >opt.inc
    xcheck miss gen.c ./gen.sh 1
    grep -q 'extra' gen.c || die "the optional input was not used: $(cat gen.c)"
    xcheck direct_hit gen.c ./gen.sh 1
    rm opt.inc
    xcheck direct_hit gen.c ./gen.sh 1
    grep -q 'extra' gen.c && die "a stale gen.c with the removed input: $(cat gen.c)"
    return 0
}

# A tool changed behind the same name (a program the script runs) misses.
program_changes() {
    exec </dev/null
    mkdir bin
    printf '#!/bin/sh\necho one\n' >bin/helper
    chmod +x bin/helper
    printf '#!/bin/sh\nhelper >h.out\n' >run.sh
    chmod +x run.sh
    export PATH="$PWD/bin:$PATH"
    xcheck miss h.out ./run.sh
    xcheck direct_hit h.out ./run.sh
    printf '#!/bin/sh\necho two\n' >bin/helper
    xcheck miss h.out ./run.sh
    [ "$(cat h.out)" = two ] || die "h.out: $(cat h.out)"
}

# A script's #! interpreter named through a link that now points at another
# shell: another key.
interpreter_changes() {
    exec </dev/null
    cp /bin/dash dash2 2>/dev/null || skip "no /bin/dash"
    printf '# another shell\n' >>dash2
    ln -s /bin/dash myshell
    printf '#!%s/myshell\necho run >who.txt\n' "$PWD" >who.sh
    chmod +x who.sh
    xcheck miss who.txt ./who.sh
    xcheck direct_hit who.txt ./who.sh
    ln -sfn "$PWD/dash2" myshell
    xcheck miss who.txt ./who.sh
    xcheck direct_hit who.txt ./who.sh
}

# A Go program makes its system calls itself: the trace would see nothing.
# (A C program with a Go section stands in for one.)
go_program() {
    exec </dev/null
    have gcc && have objcopy || skip "gcc or objcopy missing"
    printf '#include <stdio.h>\nint main(void) { FILE *f = fopen("g.out", "w"); fputs("g\\n", f); return fclose(f); }\n' >g.c
    gcc -o cprog g.c
    printf x >sec.bin
    objcopy --add-section .go.buildinfo=sec.bin cprog goprog
    xcheck miss g.out ./cprog
    xcheck direct_hit g.out ./cprog
    refused "Go program" './goprog' g.out
}

# Outputs in a directory the tool makes; a temporary file it removes is
# not an output.
made_dirs() {
    exec </dev/null
    printf '#!/bin/sh\nmkdir -p out/sub\necho x >tmp.$$\necho made >out/sub/f.c\nrm -f tmp.$$\n' >mk.sh
    chmod +x mk.sh
    xcheck miss out/sub/f.c ./mk.sh
    rm -rf out
    xcheck direct_hit out/sub/f.c ./mk.sh
    [ "$(cat out/sub/f.c)" = made ] || die "out/sub/f.c: $(cat out/sub/f.c)"
}

# Metadata is an input too (issue 19, class 5): a tool that reports or
# tests what a stat, access or readlink says is keyed on that value, so a
# change to it alone (the content the same) misses and the tool's new
# answer comes out, as a plain run gives it now.
# meta_tool BODY: tool.sh running BODY.
meta_tool() {
    printf '#!/bin/sh\n%s\n' "$1" >tool.sh
    chmod +x tool.sh
}

# The mtime, reported (stat -c %Y asks statx for it by name; date -r stats).
meta_mtime() {
    exec </dev/null
    echo same >data.txt
    touch -d '2001-02-03 04:05:06' data.txt
    meta_tool 'stat -c %Y data.txt >m.txt; date -u -r data.txt +%F >d.txt'
    xcheck miss "m.txt d.txt" ./tool.sh
    xcheck direct_hit "m.txt d.txt" ./tool.sh
    touch -d '2011-12-13 14:15:16' data.txt
    xcheck miss "m.txt d.txt" ./tool.sh
    [ "$(cat d.txt)" = 2011-12-13 ] || die "d.txt: $(cat d.txt)"
    xcheck direct_hit "m.txt d.txt" ./tool.sh
    # The first mtime back: its entry holds again.
    touch -d '2001-02-03 04:05:06' data.txt
    xcheck direct_hit "m.txt d.txt" ./tool.sh
    [ "$(cat d.txt)" = 2001-02-03 ] || die "d.txt: $(cat d.txt)"
}

# A mode bit, tested (test -x: access(X_OK)).
meta_mode() {
    exec </dev/null
    echo same >data.txt
    chmod 644 data.txt
    meta_tool 'if [ -x data.txt ]; then echo runnable; else echo plain; fi >x.txt'
    xcheck miss x.txt ./tool.sh
    xcheck direct_hit x.txt ./tool.sh
    chmod +x data.txt
    xcheck miss x.txt ./tool.sh
    [ "$(cat x.txt)" = runnable ] || die "x.txt: $(cat x.txt)"
    xcheck direct_hit x.txt ./tool.sh
    chmod -x data.txt
    xcheck direct_hit x.txt ./tool.sh
    [ "$(cat x.txt)" = plain ] || die "x.txt: $(cat x.txt)"
}

# Two timestamps, compared (test a -nt b stats both).
meta_newer() {
    exec </dev/null
    echo a >a.txt
    echo b >b.txt
    touch -d '2001-01-01' a.txt
    touch -d '2002-01-01' b.txt
    meta_tool 'if [ a.txt -nt b.txt ]; then echo a; else echo b; fi >newest.txt'
    xcheck miss newest.txt ./tool.sh
    xcheck direct_hit newest.txt ./tool.sh
    touch -d '2003-01-01' a.txt
    xcheck miss newest.txt ./tool.sh
    [ "$(cat newest.txt)" = a ] || die "newest.txt: $(cat newest.txt)"
    xcheck direct_hit newest.txt ./tool.sh
}

# A symlink's target, read (readlink; realpath resolves the whole name).
meta_link() {
    exec </dev/null
    mkdir one two
    echo same >one/f
    echo same >two/f
    ln -s one/f lnk
    meta_tool 'readlink lnk >l.txt; realpath -e lnk >>l.txt'
    xcheck miss l.txt ./tool.sh
    xcheck direct_hit l.txt ./tool.sh
    ln -sfn two/f lnk
    xcheck miss l.txt ./tool.sh
    grep -q '^two/f$' l.txt || die "l.txt: $(cat l.txt)"
    xcheck direct_hit l.txt ./tool.sh
}

# What cannot be keyed is refused, with the reason: the change time asked
# for by name; a file whose size and times the tool saw and then replaced.
meta_refused() {
    exec </dev/null
    echo same >data.txt
    refused "access, change or birth time" 'stat -c %Z data.txt >z.txt' z.txt
    echo old >gen.txt
    refused "metadata it looked at" 'rm -f gen.txt; echo new >gen.txt; echo ok >done.txt' done.txt
}

# The same through `ricc run -- make` (exec_tools): once the input is
# touched and the output gone, make runs the tool again, and the cache must
# not answer with the old mtime.
meta_run() {
    local shim=${RICC_PRELOAD:-$(dirname "$RICC")/../lib/libricc-preload.so}
    [ -f "$shim" ] || skip "libricc-preload.so is not built"
    readelf -d "$shim" 2>/dev/null | grep -q 'NEEDED.*libasan' && skip "an ASan shim"
    exec </dev/null
    echo same >data.txt
    touch -d '2001-02-03' data.txt
    meta_tool 'stat -c %Y data.txt >m.txt'
    printf 'm.txt: data.txt\n\t./tool.sh\n' >Makefile
    export RICC_EXEC_TOOLS=tool.sh
    "$RICC" run -- make -s >/dev/null 2>&1 || die "make failed"
    [ "$(cat m.txt)" = "$(stat -c %Y data.txt)" ] || die "m.txt: $(cat m.txt)"
    rm m.txt
    snap
    "$RICC" run -- make -s >/dev/null 2>&1 || die "make failed"
    unsnap
    [ "$(delta direct_hit)" = 1 ] || die "second build: $(delta direct_hit) hits"
    touch -d '2011-12-13' data.txt
    rm m.txt
    snap
    "$RICC" run -- make -s >/dev/null 2>&1 || die "make failed"
    unsnap
    [ "$(delta miss)" = 1 ] || die "after a touch: $(delta miss) misses, $(delta direct_hit) hits"
    [ "$(cat m.txt)" = "$(stat -c %Y data.txt)" ] || die "a stale m.txt: $(cat m.txt)"
}

# Uncacheable: each runs every time, with its own results, and says why
# at info level.
refused() {
    local want=$1 script=$2 out=$3
    printf '#!/bin/sh\n%s\n' "$script" >tool.sh
    chmod +x tool.sh
    local i
    for i in 1 2; do
        RICC_LOG_LEVEL=info R exec -- ./tool.sh
        expect uncacheable
        [ -e "$out" ] || die "the tool did not run (no $out)"
        grep -q "not caching.*$want" "$CASE/r.err" || die "no reason '$want' given: $(cat "$CASE/r.err")"
        rm -f "$out"
    done
}

clock() {
    exec </dev/null
    refused "reads the clock" 'date +%s%N >stamp.c' stamp.c
}

dir_listing() {
    exec </dev/null
    touch a.in b.in
    refused "lists a directory" 'ls >list.txt' list.txt
}

outside_tree() {
    exec </dev/null
    refused "writes outside the working tree" "echo x >'$CASE/outside.txt'" "$CASE/outside.txt"
}

changes_input() {
    exec </dev/null
    echo old >data.txt
    refused "changes a file it did not make" 'echo more >>data.txt; echo ok >done.txt' done.txt
}

static_tool() {
    exec </dev/null
    have gcc || skip "gcc missing"
    printf '#include <stdio.h>\nint main(void) { FILE *f = fopen("s.out", "w"); fputs("s\\n", f); return fclose(f); }\n' >s.c
    gcc -static -o static s.c 2>/dev/null || skip "no static C library"
    local i
    for i in 1 2; do
        RICC_LOG_LEVEL=info R exec -- ./static
        expect uncacheable
        [ -e s.out ] || die "the static tool did not run"
        rm -f s.out
    done
    # The same program run by a traced script.
    refused "statically linked" './static' s.out
}

# A failing tool is run every time and its status comes back.
# A tool that reopens /dev/stdout (dash's `> /dev/stdout` opens the path):
# through a pipe, as make gives it, both lines arrive.  ricc must capture
# such a tool through a pipe too: a file there would be truncated by the
# reopen and lose the first line.
reopened_stdout() {
    exec </dev/null
    printf '#!/bin/sh
echo first
echo second >/dev/stdout
echo made >made.txt
' >two.sh
    chmod +x two.sh
    local want out i
    want=$(./two.sh | cat)
    [ "$want" = "$(printf 'first\nsecond')" ] || skip "/bin/sh does not reopen /dev/stdout here"
    for i in miss hit; do
        rm -f made.txt
        out=$(timeout 120 "$RICC" exec -- ./two.sh | cat)
        [ "$out" = "$want" ] || die "$i: stdout through a pipe was '$out', not '$want'"
        [ -f made.txt ] || die "$i: made.txt missing"
    done
    [ "$(RICC_DIR=$RICC_DIR "$RICC" --print-stats | awk '$1 == "direct_hit" {print $2}')" -ge 1 ] ||
        die "the second call was not a hit"
}

failure() {
    exec </dev/null
    printf '#!/bin/sh\necho partial >f.c\necho "gen: broken" >&2\nexit 3\n' >bad.sh
    chmod +x bad.sh
    local i
    for i in 1 2; do
        R exec -- ./bad.sh
        expect miss
        [ "$RC" = 3 ] || die "status $RC, not 3"
        [ "$(cat "$CASE/r.err")" = "gen: broken" ] || die "stderr: $(cat "$CASE/r.err")"
    done
}

# A pipe on stdin could be read: not cached (the trace cannot see it).
stdin_pipe() {
    printf '#!/bin/sh\ncat >copy.txt\n' >copy.sh
    chmod +x copy.sh
    snap
    echo piped | "$RICC" exec -- ./copy.sh
    unsnap
    [ "$(outcome)" = uncacheable ] || die "a piped stdin gave $(outcome)"
    [ "$(cat copy.txt)" = piped ] || die "copy.txt: $(cat copy.txt)"
}

misuse() {
    exec </dev/null
    R_raw exec --
    [ "$RC" = 2 ] || die "ricc exec with no tool exited $RC"
    R_raw exec -- no-such-tool-ricc
    [ "$RC" = 127 ] || die "a missing tool exited $RC"
}

# `ricc run -- make` with the tool named in exec_tools (RICC_EXEC_TOOLS):
# the preload shim runs it as `ricc exec -- TOOL`; without the list it runs
# untouched.
shim_list() {
    local shim=${RICC_PRELOAD:-$(dirname "$RICC")/../lib/libricc-preload.so}
    [ -f "$shim" ] || skip "libricc-preload.so is not built"
    readelf -d "$shim" 2>/dev/null | grep -q 'NEEDED.*libasan' && skip "an ASan shim"
    exec </dev/null
    generator
    printf 'gen.c: template.in gen.sh\n\t./gen.sh 42\n' >Makefile
    export RICC_EXEC_TOOLS=other:gen.sh
    snap
    "$RICC" run -- make -s >"$CASE/m1.out" 2>&1 || { cat "$CASE/m1.out" >&2; die "make failed"; }
    unsnap
    [ "$(delta miss)" = 1 ] || die "first build: $(delta miss) misses, $(delta uncacheable) uncacheable"
    cp gen.c first.c
    rm gen.c
    snap
    "$RICC" run -- make -s >"$CASE/m2.out" 2>&1 || { cat "$CASE/m2.out" >&2; die "make failed"; }
    unsnap
    [ "$(delta direct_hit)" = 1 ] || die "second build: $(delta direct_hit) hits, $(delta miss) misses"
    cmp first.c gen.c >&2 || die "gen.c from the cache differs"
    cmp "$CASE/m1.out" "$CASE/m2.out" >&2 || die "the tool's messages were not replayed"
    unset RICC_EXEC_TOOLS
    rm gen.c
    snap
    "$RICC" run -- make -s >/dev/null 2>&1 || die "make failed"
    unsnap
    local c
    for c in $SIX; do
        [ "$(delta "$c")" = 0 ] || die "without the list the tool reached ricc ($c)"
    done
    cmp first.c gen.c >&2 || die "gen.c differs"
}

# The tracer in depend mode's reads-only setting (RICC_TRACE_READS=1): a
# compiler proper (cc1, `clang -cc1`) writes only H and R records, every
# other process of the compile (the driver, as) writes them all — the
# programs and files those read or probe are inputs too.
# types_of EXE: the record types written by the processes running EXE, from
# their H record on (before it, the same pid was the parent's child before
# its exec).
types_of() {
    awk -v exe="$1" '$1 == "H" {cur[$2] = $4} cur[$2] == exe {print $1}' tr.txt | sort -u |
        tr -d '\n'
}
reads_only_trace() {
    exec </dev/null
    have gcc || skip "gcc missing"
    printf 'int f(void) { return 1; }\n' >a.c
    local cc1 drv as_ t
    cc1=$(gcc -print-prog-name=cc1)
    drv=$(readlink -f "$(command -v gcc)")
    as_=$(readlink -f "$(command -v "$(gcc -print-prog-name=as)")")
    : >tr.txt
    LD_PRELOAD=$TRACE_LIB RICC_TRACE_FILE=$PWD/tr.txt RICC_TRACE_READS=1 gcc -c a.c -o a.o ||
        die "gcc under the tracer failed"
    t=$(types_of "$(readlink -f "$cc1")")
    [ "$t" = HR ] || die "cc1 wrote '$t', not only H and R"
    t=$(types_of "$drv")
    case $t in *M*N*[QS]*) ;; *) die "the gcc driver wrote only '$t' (no M, N, Q or S)" ;; esac
    t=$(types_of "$as_")
    case $t in *M*) ;; *) die "as wrote only '$t' (no M)" ;; esac
    have clang || return 0
    : >tr.txt
    LD_PRELOAD=$TRACE_LIB RICC_TRACE_FILE=$PWD/tr.txt RICC_TRACE_READS=1 \
        clang -fno-integrated-cc1 -c a.c -o a.o || die "clang under the tracer failed"
    # Two processes of the same program: the driver, then itself as -cc1.
    local pids
    pids=$(awk '$1 == "H" {print $2}' tr.txt)
    [ "$(echo "$pids" | wc -l)" = 2 ] || die "clang: not two processes: $pids"
    t=$(awk -v p="$(echo "$pids" | tail -n1)" '$1 == "H" && $2 == p {on = 1} on && $2 == p {print $1}' \
        tr.txt | sort -u | tr -d '\n')
    [ "$t" = HR ] || die "clang -cc1 wrote '$t', not only H and R"
    t=$(awk -v p="$(echo "$pids" | head -n1)" '$2 == p {print $1}' tr.txt | sort -u | tr -d '\n')
    case $t in *M*[QS]*) ;; *) die "the clang driver wrote only '$t' (no M, Q or S)" ;; esac
}

run_case codegen codegen
run_case reads_only_trace reads_only_trace
run_case reopened_stdout reopened_stdout
run_case shim_list shim_list
run_case optional_input optional_input
run_case program_changes program_changes
run_case made_dirs made_dirs
run_case interpreter_changes interpreter_changes
run_case go_program go_program
run_case meta_mtime meta_mtime
run_case meta_mode meta_mode
run_case meta_newer meta_newer
run_case meta_link meta_link
run_case meta_refused meta_refused
run_case meta_run meta_run
run_case clock clock
run_case dir_listing dir_listing
run_case outside_tree outside_tree
run_case changes_input changes_input
run_case static_tool static_tool
run_case failure failure
run_case stdin_pipe stdin_pipe
run_case misuse misuse
finish
