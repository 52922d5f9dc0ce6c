#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_preload.sh — the third way in: `ricc run -- BUILD` with unchanged
# build files.  The preload shim routes every compiler exec of the build
# through ricc; everything else runs untouched.
#
# Real builds, each three times in the same directory: without ricc (the
# reference), under `ricc run` with an empty cache (all misses), and again
# with the build directory wiped (all hits); counters prove it, and every
# object and program is byte-identical to the reference.  Projects: a
# hand-written Makefile under make -j4 (the original case, run-make, keeps
# its own shape), CMake with Ninja and with Unix Makefiles, an
# autotools-style configure script, a Makefile naming /usr/bin/gcc.
#
# Then what must behave exactly as without the shim: env -i, a static
# program, a failing compile, a compiler that cannot be found; programs
# that use vfork, that exec non-compilers thousands of times, every
# interposed function (tests/e2e's own little driver, xdrv), an LD_PRELOAD
# that already holds another library, and the shim itself built with ASan
# and UBSan.  Skipped while the shim is not built.
. "$(dirname "$0")/lib.sh"

shim() {
    local s=${RICC_PRELOAD:-$(dirname "$RICC")/../lib/libricc-preload.so}
    [ -f "$s" ] || return 1
    echo "$s"
}

need_shim() {
    shim >/dev/null || skip "libricc-preload.so is not built"
    export RICC_PRELOAD
    RICC_PRELOAD=$(shim)
    # A shim built with ASan (make check-asan) needs the ASan runtime
    # loaded first in every process it enters: preload it, and `ricc run`
    # puts the shim after it.  Leaks of make, gcc and the rest are not ours
    # to report.
    if shim_has_asan; then
        asan_first
        LOOPS=100    # every process starts the ASan runtime: tens of ms each
    fi
}
LOOPS=1000
shim_has_asan() { readelf -d "$RICC_PRELOAD" 2>/dev/null | grep -q 'NEEDED.*libasan'; }

# LD_PRELOAD=the ASan runtime, for programs that load an ASan-built shim.
asan_first() {
    local rt
    rt=$(ldd "$RICC_PRELOAD" 2>/dev/null | awk '/libasan/ {print $3; exit}')
    [ -f "$rt" ] || rt=$(gcc -print-file-name=libasan.so)
    [ -f "$rt" ] || die "the shim needs ASan, and its runtime was not found"
    export LD_PRELOAD=$rt
    export ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
}

RUN=
ricc_run() { "$RICC" run -- "$@"; }

# ---- the original case: a Makefile with CC=gcc and a rule calling cc by
# an absolute path ----

project() {
    mkdir -p "$1"
    printf '#include <stdio.h>\n#include "k.h"\nint main(void) { printf("%%d\\n", k1() + k2()); return 0; }\n' >"$1/main.c"
    printf '#include "k.h"\nint k1(void) { return K * 2; }\n' >"$1/k1.c"
    printf '#include "k.h"\nint k2(void) { return K * 3; }\n' >"$1/k2.c"
    printf '#define K 7\nint k1(void);\nint k2(void);\n' >"$1/k.h"
    cat >"$1/Makefile" <<EOF
CC = gcc
app: main.o k1.o k2.o
	\$(CC) -o \$@ main.o k1.o k2.o
	@echo built
main.o k1.o: %.o: %.c k.h
	\$(CC) -O2 -Wall -c \$< -o \$@
k2.o: k2.c k.h
	$(command -v cc) -O2 -Wall -c k2.c -o k2.o
clean:
	rm -f *.o app
EOF
}

preload_make() {
    need_shim
    project ref
    timeout 60 make -s -C ref >/dev/null 2>&1 || die "plain make failed"
    project p
    snap
    timeout 120 "$RICC" run -- make -s -j4 -C p >"$CASE/cold.out" 2>"$CASE/cold.err" ||
        { cat "$CASE/cold.err" >&2; die "ricc run -- make failed"; }
    unsnap
    [ "$(delta miss)" = 3 ] || die "cold: $(delta miss) misses, expected 3"
    # The link reached ricc too, which ran it untouched.
    [ "$(delta uncacheable)" = 1 ] || die "cold: the link was not seen as uncacheable"
    grep -q built "$CASE/cold.out" || die "make's own output is missing"
    timeout 60 make -s -C p clean
    snap
    timeout 120 "$RICC" run -- make -s -j4 -C p >"$CASE/warm.out" 2>"$CASE/warm.err" ||
        die "second ricc run -- make failed"
    unsnap
    [ $(($(delta direct_hit) + $(delta preprocessed_hit))) = 3 ] || die "warm: not 3 hits"
    [ "$(delta miss)" = 0 ] || die "warm: $(delta miss) misses"
    local f
    for f in main.o k1.o k2.o app; do
        cmp "ref/$f" "p/$f" >&2 || die "$f differs from the plain build's"
    done
    [ "$(./p/app)" = 35 ] || die "the program is wrong"
}

# ---- issue 6's scenario under the shim: a program from two objects and a
# static library made by ar, with link caching on ----

lib_project() {
    mkdir -p "$1"
    printf '#include <stdio.h>\nint v1(void);\nint v2(void);\nint main(void) { printf("%%d\\n", v1() + v2()); return 0; }\n' >"$1/main.c"
    printf 'int v1(void) { return 20; }\n' >"$1/l1.c"
    printf 'int v2(void) { return 15; }\n' >"$1/l2.c"
    cat >"$1/Makefile" <<'EOF2'
app: main.o libv.a
	$(CC) -o $@ main.o -L. -lv
libv.a: l1.o l2.o
	$(AR) rcs $@ l1.o l2.o
%.o: %.c
	$(CC) -O2 -c $< -o $@
clean:
	rm -f *.o *.a app
EOF2
}

preload_archive() {
    need_shim
    lib_project ref
    timeout 60 make -s -C ref >/dev/null 2>&1 || die "plain make failed"
    lib_project p
    export RICC_LINK=1
    timeout 120 "$RICC" run -- make -s -C p >/dev/null 2>"$CASE/cold.err" ||
        { cat "$CASE/cold.err" >&2; die "ricc run -- make failed"; }
    timeout 60 make -s -C p clean
    snap
    timeout 120 "$RICC" run -- make -s -C p >/dev/null 2>"$CASE/warm.err" ||
        { cat "$CASE/warm.err" >&2; die "second ricc run -- make failed"; }
    unsnap
    # Three compiles, the ar and the link: all hits.
    [ $(($(delta direct_hit) + $(delta preprocessed_hit))) = 5 ] ||
        die "warm: $(delta direct_hit) direct hits, $(delta miss) misses, $(delta uncacheable) uncacheable; expected 5 hits"
    local f
    for f in main.o l1.o l2.o libv.a app; do
        cmp "ref/$f" "p/$f" >&2 || die "$f differs from the plain build's"
    done
    [ "$(./p/app)" = 35 ] || die "the program is wrong"
    # A changed library source: that compile, the ar and the link run.
    echo 'int v2(void) { return 16; }' >p/l2.c
    echo 'int v2(void) { return 16; }' >ref/l2.c
    timeout 60 make -s -C ref >/dev/null 2>&1 || die "plain make failed"
    snap
    timeout 120 "$RICC" run -- make -s -C p >/dev/null 2>"$CASE/change.err" ||
        { cat "$CASE/change.err" >&2; die "third ricc run -- make failed"; }
    unsnap
    [ "$(delta miss)" = 3 ] || die "after a change: $(delta miss) misses, expected 3 (compile, ar, link)"
    for f in l2.o libv.a app; do
        cmp "ref/$f" "p/$f" >&2 || die "$f differs from the plain build's after the change"
    done
    [ "$(./p/app)" = 36 ] || die "the rebuilt program is wrong"
}

# ---- three builds of one project: plain, cold, warm ----
#
# cycle SRCDIR BUILDDIR BUILDFN UNITS PROGRAM: BUILDFN (run in SRCDIR) does the
# whole build into BUILDDIR, prefixing every build tool with $RUN (empty, or
# ricc_run), and calls `snap` before its compile step and `unsnap`
# after it; its stdout is kept as $CASE/PHASE.out.  UNITS is the
# number of compiles in that step.  PROGRAM (relative to BUILDDIR) is run at
# the end and must print 35.  ARS (default 0): the ar calls in that step,
# which are cached too.

# Every object and the program, as "name checksum" lines.
outputs() {
    (cd "$1" && find . -name '*.o' -type f | LC_ALL=C sort | xargs -r cksum) >"$2"
}

cycle() {
    local src=$1 bdir=$2 fn=$3 units=$4 prog=$5 ars=${6:-0} phase
    for phase in plain cold warm; do
        cd "$src"
        rm -rf "$bdir"
        if [ $phase = plain ]; then RUN=; else RUN=ricc_run; fi
        # Not in a subshell, so snap and unsnap reach delta below; set -e
        # stops the case at the first failing step, its stderr in the log.
        echo "== $phase build ($fn)" >&2
        "$fn" >"$CASE/$phase.out"
        cd "$src"
        outputs "$src/$bdir" "$CASE/$phase.sums"
        cksum <"$src/$bdir/$prog" >>"$CASE/$phase.sums"
        [ "$("$src/$bdir/$prog")" = 35 ] || die "$phase: the program is wrong"
        case $phase in
            plain) [ "$(wc -l <"$CASE/plain.sums")" -gt "$units" ] ||
                       die "plain: fewer objects than the $units compiles" ;;
            cold) [ "$(delta miss)" = $((units + ars)) ] ||
                      die "cold: $(delta miss) misses, expected $((units + ars))" ;;
            warm) [ "$(delta miss)" = 0 ] || die "warm: $(delta miss) misses"
                  [ $(($(delta direct_hit) + $(delta preprocessed_hit))) = $((units + ars)) ] ||
                      die "warm: $(delta direct_hit)+$(delta preprocessed_hit) hits, expected $((units + ars))" ;;
        esac
        [ $phase = plain ] && continue
        diff "$CASE/plain.sums" "$CASE/$phase.sums" >&2 ||
            die "$phase: objects or program differ from the plain build's"
    done
}

# A small C and C++ project: sources in src/, headers in include/.
sources() {
    mkdir -p src include
    printf '#define K 7\nint k1(void);\nint k2(void);\nint k3(void);\n' >include/k.h
    printf '#include <stdio.h>\n#include "k.h"\nint main(void) { printf("%%d\\n", k1() + k2() - k3() + 7); return 0; }\n' >src/main.c
    printf '#include "k.h"\nint k1(void) { return K * 2; }\n' >src/k1.c
    printf '#include "k.h"\nint k2(void) { return K * 3; }\n' >src/k2.c
    printf '#include <string>\nextern "C" {\n#include "k.h"\n}\nint k3(void) { return (int)std::string("1234567").size(); }\n' >src/k3.cpp
}

# ---- hand-written Makefile, make -j4 ----

make_build() {
    snap
    $RUN make -j4 -f ../Makefile.hand >/dev/null
    unsnap
}

preload_make_j4() {
    need_shim
    mkdir -p p && cd p
    sources
    cat >Makefile.hand <<'EOF'
# Run in obj/: the objects and the program land there.
VPATH = ../src
CFLAGS = -O2 -g -Wall -I../include -MMD -MP
app: main.o k1.o k2.o k3.o
	g++ -o $@ $^
%.o: %.c
	gcc $(CFLAGS) -c $< -o $@
%.o: %.cpp
	g++ $(CFLAGS) -c $< -o $@
-include *.d
EOF
    cycle "$PWD" obj make_build_in_obj 4 app
}
make_build_in_obj() { mkdir -p obj && cd obj && make_build; }

# ---- `ricc run -- make` and `make CC="ricc gcc"` share the cache ----

preload_shared_keys() {
    need_shim
    mkdir -p p && cd p
    sources
    cat >Makefile <<'MK'
CC = gcc
CXX = g++
CFLAGS = -O2 -Iinclude
app: obj/main.o obj/k1.o obj/k2.o obj/k3.o
	$(CXX) -o $@ $^
obj/%.o: src/%.c
	@mkdir -p obj
	$(CC) $(CFLAGS) -c $< -o $@
obj/%.o: src/%.cpp
	@mkdir -p obj
	$(CXX) $(CFLAGS) -c $< -o $@
MK
    snap
    "$RICC" run -- make -j4 >/dev/null
    unsnap
    [ "$(delta miss)" = 4 ] || die "ricc run -- make: $(delta miss) misses, expected 4"
    rm -rf obj app
    snap
    make -j4 CC="$RICC gcc" CXX="$RICC g++" >/dev/null
    unsnap
    [ "$(delta miss)" = 0 ] && [ "$(delta direct_hit)" = 4 ] ||
        die "make CC=\"ricc gcc\" after ricc run: $(delta miss) misses, $(delta direct_hit) direct hits"
    [ "$(./app)" = 35 ] || die "the program is wrong"
}

# ---- a Makefile that names the compiler by absolute path ----

preload_absolute() {
    need_shim
    local gcc
    gcc=$(command -v gcc)
    case $gcc in /*) ;; *) skip "no gcc on PATH" ;; esac
    mkdir -p p && cd p
    sources
    cat >Makefile.abs <<EOF
VPATH = ../src
CFLAGS = -O2 -Wall -I../include
app: main.o k1.o k2.o k3.o
	$(command -v g++) -o \$@ \$^
%.o: %.c
	$gcc \$(CFLAGS) -c \$< -o \$@
%.o: %.cpp
	$(command -v g++) \$(CFLAGS) -c \$< -o \$@
EOF
    grep -q "^	/.*gcc " Makefile.abs || die "the Makefile does not name gcc by path"
    cycle "$PWD" obj abs_build 4 app
}
abs_build() {
    mkdir -p obj && cd obj
    snap
    $RUN make -j4 -f ../Makefile.abs >/dev/null
    unsnap
}

# ---- CMake, with Ninja and with Unix Makefiles ----

cmake_project() {
    sources
    cat >CMakeLists.txt <<'EOF'
cmake_minimum_required(VERSION 3.13)
project(pre C CXX)
include_directories(include)
add_library(k STATIC src/k1.c src/k2.c src/k3.cpp)
add_executable(app src/main.c)
target_link_libraries(app k)
EOF
}

cmake_build() {
    $RUN cmake -G "$GENERATOR" -S . -B b -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    snap
    $RUN cmake --build b -j 4 >/dev/null
    unsnap
}

preload_cmake() {
    need_shim
    have cmake || skip "cmake is not installed"
    GENERATOR=$1
    case $GENERATOR in Ninja) have ninja || skip "ninja is not installed" ;; esac
    mkdir -p p && cd p
    cmake_project
    # Four compiles and the static library's `ar qc` (ranlib runs untouched).
    cycle "$PWD" b cmake_build 4 app 1
}
preload_cmake_ninja() { preload_cmake Ninja; }
preload_cmake_make() { preload_cmake "Unix Makefiles"; }

# ---- an autotools-style configure script, then make ----

configure_script() {
    cat >configure <<'EOF'
#!/bin/sh
# What autoconf's output does, in miniature: find a compiler, compile
# probes, run one, write config.h and a Makefile.
srcdir=$(cd "$(dirname "$0")" && pwd)
echo "checking for a C compiler"
CC=
for c in gcc cc; do
    if command -v $c >/dev/null 2>&1; then CC=$c; break; fi
done
[ -n "$CC" ] || { echo "no C compiler" >&2; exit 1; }
$CC --version >/dev/null || exit 1
: >config.h
probe() {   # probe NAME CODE: define HAVE_NAME when CODE compiles
    printf '%s\nint main(void) { return 0; }\n' "$2" >conftest.c
    if $CC -c conftest.c -o conftest.o 2>/dev/null; then
        echo "#define HAVE_$1 1" >>config.h; echo "checking for $1... yes"
    else
        echo "/* #undef HAVE_$1 */" >>config.h; echo "checking for $1... no"
    fi
    rm -f conftest.c conftest.o
}
probe STDINT_H '#include <stdint.h>'
probe NO_SUCH_H '#include <no/such/header.h>'
probe LONG_LONG 'long long x;'
printf '#include <stdio.h>\nint main(void) { printf("%%d\\n", (int)sizeof(long)); return 0; }\n' >conftest.c
$CC conftest.c -o conftest || exit 1
echo "#define SIZEOF_LONG $(./conftest)" >>config.h
rm -f conftest conftest.c
$CC -E - </dev/null >/dev/null || exit 1
sed -e "s|@CC@|$CC|g" -e "s|@srcdir@|$srcdir|g" "$srcdir/Makefile.in" >Makefile
echo "configured"
EOF
    chmod +x configure
    cat >Makefile.in <<'EOF'
CC = @CC@
VPATH = @srcdir@/src
CFLAGS = -O2 -g -I. -I@srcdir@/include -DHAVE_CONFIG_H
app: main.o k1.o k2.o k3.o
	g++ -o $@ main.o k1.o k2.o k3.o
%.o: %.c config.h
	$(CC) $(CFLAGS) -c $< -o $@
%.o: %.cpp config.h
	g++ $(CFLAGS) -c $< -o $@
EOF
}

configure_build() {
    mkdir -p build && cd build
    $RUN ../configure
    grep -q 'define HAVE_STDINT_H 1' config.h || die "configure: the stdint.h probe failed"
    grep -q 'undef HAVE_NO_SUCH_H' config.h || die "configure: the missing header was found"
    snap
    $RUN make -j4 >/dev/null
    unsnap
}

preload_configure() {
    need_shim
    mkdir -p p && cd p
    sources
    sed -i '1i #include "config.h"' src/k1.c
    configure_script
    cycle "$PWD" build configure_build 4 app
    cmp "$CASE/plain.out" "$CASE/cold.out" >&2 || die "configure's output differs under ricc run"
    cmp "$CASE/plain.out" "$CASE/warm.out" >&2 || die "configure's output differs under ricc run"
}

# ---- the exec driver: every interposed function, vfork, loops ----

# xdrv MODE N PROG ARGS...: start PROG N times through MODE (execve, execv,
# execvp, execvpe, execl, execlp, execle: in a forked child; vfork: vfork and
# execvp; spawn, spawnp: posix_spawn, posix_spawnp), waiting for each.  Exits
# with the last child's status.  A failed exec prints "errno N" (from the
# vfork child through memory it shares with us) and exits 127.
build_xdrv() {
    cat >"$CASE/xdrv.c" <<'EOF'
#define _GNU_SOURCE
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
extern char **environ;
static volatile int vfork_errno;

/* The list forms, with the program's arguments written out as a list. */
static void list_exec(const char *mode, char **a)
{
    int n = 0;
    while (a[n]) n++;
#define LIST(...)                                                        \
    do {                                                                 \
        if (!strcmp(mode, "execl")) execl(a[0], __VA_ARGS__, (char *)0);   \
        else if (!strcmp(mode, "execlp")) execlp(a[0], __VA_ARGS__, (char *)0); \
        else execle(a[0], __VA_ARGS__, (char *)0, environ);              \
    } while (0)
    switch (n) {
    case 1: LIST(a[0]); break;
    case 2: LIST(a[0], a[1]); break;
    case 3: LIST(a[0], a[1], a[2]); break;
    case 4: LIST(a[0], a[1], a[2], a[3]); break;
    case 5: LIST(a[0], a[1], a[2], a[3], a[4]); break;
    case 6: LIST(a[0], a[1], a[2], a[3], a[4], a[5]); break;
    case 7: LIST(a[0], a[1], a[2], a[3], a[4], a[5], a[6]); break;
    default: fprintf(stderr, "xdrv: 1 to 7 arguments with %s\n", mode); _exit(126);
    }
}

int main(int argc, char **argv)
{
    if (argc < 4) { fprintf(stderr, "usage: xdrv MODE N PROG ARGS...\n"); return 2; }
    const char *mode = argv[1];
    long n = atol(argv[2]);
    char **a = argv + 3;
    int status = 0;
    for (long i = 0; i < n; i++) {
        pid_t pid;
        if (!strcmp(mode, "spawn") || !strcmp(mode, "spawnp")) {
            int e = mode[5] ? posix_spawnp(&pid, a[0], NULL, NULL, a, environ)
                            : posix_spawn(&pid, a[0], NULL, NULL, a, environ);
            if (e) { printf("errno %d\n", e); return 127; }
        } else if (!strcmp(mode, "vfork")) {
            vfork_errno = 0;
            pid = vfork();
            if (pid == 0) {
                execvp(a[0], a);
                vfork_errno = errno;
                _exit(127);
            }
        } else {
            fflush(NULL);
            pid = fork();
            if (pid == 0) {
                if (!strcmp(mode, "execve")) execve(a[0], a, environ);
                else if (!strcmp(mode, "execv")) execv(a[0], a);
                else if (!strcmp(mode, "execvp")) execvp(a[0], a);
                else if (!strcmp(mode, "execvpe")) execvpe(a[0], a, environ);
                else if (!strncmp(mode, "execl", 5)) list_exec(mode, a);
                else { fprintf(stderr, "xdrv: unknown mode %s\n", mode); _exit(126); }
                printf("errno %d\n", errno);
                fflush(stdout);
                _exit(127);
            }
        }
        if (pid < 0) { perror("xdrv: fork"); return 1; }
        int ws;
        if (waitpid(pid, &ws, 0) < 0) { perror("xdrv: waitpid"); return 1; }
        if (vfork_errno) { printf("errno %d\n", vfork_errno); return 127; }
        status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
        if (status) return status;
    }
    return status;
}
EOF
    gcc -std=c11 -Wall -Werror ${1:-} -o "$CASE/xdrv${2:-}" "$CASE/xdrv.c" || die "cannot build xdrv"
}

MODES="execve execv execvp execvpe execl execlp execle vfork spawn spawnp"
# The program as each mode wants it: a path where there is no PATH search.
prog_for() {
    case $1 in execvp | execvpe | execlp | vfork | spawnp) echo "$2" ;; *) type -P "$2" ;; esac
}

# Every mode reroutes a compile (a miss, then a hit), its output identical.
preload_modes() {
    need_shim
    build_xdrv
    printf 'int f(int x) { return x * 3; }\n' >a.c
    gcc -O2 -c a.c -o ref.o
    local m g
    for m in $MODES; do
        g=$(prog_for $m gcc)
        rm -f a.o
        snap
        "$RICC" run -- "$CASE/xdrv" $m 1 "$g" -O2 -c a.c -o a.o || die "$m: the compile failed"
        unsnap
        case $(outcome) in miss | direct_hit | preprocessed_hit) ;;
            *) die "$m: the compile did not go through ricc ($(outcome))" ;; esac
        cmp ref.o a.o >&2 || die "$m: a.o differs from plain gcc's"
    done
    # Non-compilers are untouched: thousands of execs of true, no counter
    # moves.  (bench/preload.sh times this.)
    snap
    for m in vfork spawn execve; do
        "$RICC" run -- "$CASE/xdrv" $m $LOOPS "$(prog_for $m true)" || die "$m: $LOOPS x true failed"
    done
    unsnap
    [ "$(outcome)" = "INVALID()" ] || die "non-compilers moved counters: $(outcome)"
}

# Failing execs: the same errno and status as without the shim.
preload_errno() {
    need_shim
    build_xdrv
    printf '#!/bin/sh\nexit 0\n' >noexec-gcc
    chmod 644 noexec-gcc
    mkdir -p dir-gcc
    local m g p r
    for m in $MODES; do
        for g in ./nonexistent-gcc ./noexec-gcc ./dir-gcc x86_64-nonexistent-linux-gnu-gcc; do
            p=0 r=0
            "$CASE/xdrv" $m 1 $g -c a.c >"$CASE/p.out" 2>"$CASE/p.err" || p=$?
            "$RICC" run -- "$CASE/xdrv" $m 1 $g -c a.c >"$CASE/r.out" 2>"$CASE/r.err" || r=$?
            [ "$p" = "$r" ] || die "$m $g: status $r under the shim, $p without"
            cmp "$CASE/p.out" "$CASE/r.out" >&2 || die "$m $g: a different errno under the shim"
            cmp "$CASE/p.err" "$CASE/r.err" >&2 || die "$m $g: different stderr under the shim"
            grep -q '^errno [1-9]' "$CASE/p.out" || die "$m $g: the exec did not fail"
        done
    done
}

# ---- exactly as without the shim ----

# same_run CMD...: CMD plainly and under `ricc run`, in the same directory,
# with the same outputs (a.o), stdout, stderr and status.  Sets RUN_OUTCOME
# to what the counters did under ricc run.  $RESET runs before each.
RESET="rm -f a.o"
same_run() {
    local p=0 r=0
    eval "$RESET"
    timeout 60 "$@" >"$CASE/p.out" 2>"$CASE/p.err" || p=$?
    if [ -e a.o ]; then mv a.o "$CASE/p.o"; fi
    eval "$RESET"
    snap
    timeout 60 "$RICC" run -- "$@" >"$CASE/r.out" 2>"$CASE/r.err" || r=$?
    unsnap
    RUN_OUTCOME=$(outcome)
    [ "$p" = "$r" ] || die "'$*': status $r under ricc run, $p without"
    cmp "$CASE/p.out" "$CASE/r.out" >&2 || die "'$*': stdout differs under ricc run"
    if ! cmp -s "$CASE/p.err" "$CASE/r.err"; then
        diff "$CASE/p.err" "$CASE/r.err" | head -20 >&2
        die "'$*': stderr differs under ricc run"
    fi
    if [ -e "$CASE/p.o" ]; then
        cmp "$CASE/p.o" a.o >&2 || die "'$*': a.o differs under ricc run"
        rm -f "$CASE/p.o"
    fi
    return 0
}

preload_env_i() {
    need_shim
    printf 'int f(int x) { return x + 1; }\n' >a.c
    # env runs under the shim; the compiler it starts with an empty
    # environment has left the build's ricc run.
    same_run env -i PATH="$PATH" gcc -O2 -c a.c -o a.o
    [ "$RUN_OUTCOME" = "INVALID()" ] || die "env -i gcc went through ricc ($RUN_OUTCOME)"
    same_run sh -c 'env -i /usr/bin/env | wc -l; env -i sh -c "gcc -c a.c -o a.o && echo ok"'
    [ "$RUN_OUTCOME" = "INVALID()" ] || die "env -i sh -c gcc went through ricc ($RUN_OUTCOME)"
    # While an ordinary one is rerouted.
    same_run sh -c 'gcc -O2 -c a.c -o a.o && echo ok'
    [ "$RUN_OUTCOME" = miss ] || die "sh -c gcc did not go through ricc ($RUN_OUTCOME)"
}

preload_static() {
    need_shim
    cat >launch.c <<'EOF'
#include <stdio.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    if (argc < 2) return 2;
    printf("launching %s\n", argv[1]);
    fflush(stdout);
    execvp(argv[1], argv + 1);
    perror(argv[1]);
    return 127;
}
EOF
    gcc -static -O2 -o launch launch.c 2>/dev/null || skip "gcc -static does not work here"
    readelf -d launch 2>/dev/null | grep -q NEEDED && die "launch is not static"
    printf 'int f(int x) { return x + 2; }\n' >a.c
    # The static program never loads the shim: its gcc runs as without it.
    same_run ./launch gcc -O2 -c a.c -o a.o
    [ "$RUN_OUTCOME" = "INVALID()" ] || die "a static program's gcc went through ricc ($RUN_OUTCOME)"
    same_run ./launch nonexistent-gcc -c a.c
    same_run ./launch sh -c 'echo from a shell started by a static program'
}

preload_failure() {
    need_shim
    printf 'int f(void) { return }\n' >bad.c
    printf 'int g(void) { return 1; }\n' >good.c
    cat >Makefile <<'EOF'
all: good.o bad.o
%.o: %.c
	gcc -O2 -c $< -o $@
missing:
	x86_64-nonexistent-linux-gnu-gcc -c good.c -o x.o
EOF
    RESET="rm -f a.o good.o bad.o x.o"
    same_run make
    [ "$RUN_OUTCOME" = "INVALID(miss:2)" ] || die "the failing build did not reach ricc twice ($RUN_OUTCOME)"
    [ "$(delta compile_failed)" = 1 ] || die "the failing compile was not counted"
    same_run make -k
    same_run make missing
    same_run sh -c 'gcc -c nonexistent.c; echo "status $?"'
    same_run gcc --version
    same_run gcc -O2 -c bad.c -o a.o
}

# An LD_PRELOAD that already holds a library: kept, for the build and for
# the compiler (ricc takes only itself out of the list).
preload_other_lib() {
    need_shim
    cat >mark.c <<'EOF'
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
/* Logs every program it is loaded into, and whether the shim is there too:
 * "NAME shim" or "NAME -". */
__attribute__((constructor)) static void mark(void)
{
    const char *log = getenv("MARK_LOG"), *pre = getenv("LD_PRELOAD");
    char exe[512], line[600];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (!log || n <= 0) return;
    exe[n] = '\0';
    const char *b = strrchr(exe, '/');
    int len = snprintf(line, sizeof line, "%s %s\n", b ? b + 1 : exe,
                       pre && strstr(pre, "libricc-preload.so") ? "shim" : "-");
    int fd = open(log, O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (fd >= 0) { (void)!write(fd, line, (size_t)len); close(fd); }
}
EOF
    gcc -shared -fPIC -O2 -o libmark.so mark.c || die "cannot build libmark.so"
    printf 'int f(int x) { return x + 3; }\n' >a.c
    gcc -O2 -c a.c -o ref.o
    snap
    MARK_LOG=$PWD/mark.log LD_PRELOAD=${LD_PRELOAD:+$LD_PRELOAD:}$PWD/libmark.so \
        "$RICC" run -- sh -c 'gcc -O2 -c a.c -o a.o' || die "the build failed"
    unsnap
    [ "$(outcome)" = miss ] || die "the compile did not go through ricc ($(outcome))"
    cmp ref.o a.o >&2 || die "a.o differs from plain gcc's"
    sed 's/^/    mark.log: /' mark.log >&2
    # Every process got libmark; only those before ricc had the shim too:
    # the shim starts ricc without itself (and the outer `ricc run` never
    # had it).
    grep -Eqx '(sh|dash|bash) shim' mark.log || die "sh did not have both libraries"
    # A statically linked ricc loads no preloaded library, so only what it
    # passes on to the compiler can be seen.
    local dynamic=0
    ! readelf -l "$RICC" 2>/dev/null | grep -q INTERP || dynamic=1
    [ $dynamic = 0 ] || [ "$(grep -cx 'ricc -' mark.log)" = 2 ] ||
        die "ricc was not started with libmark alone"
    grep -qx 'cc1 -' mark.log || die "cc1 did not keep libmark, or kept the shim"
    grep -Eq 'gcc[-0-9.]* -$' mark.log || die "the real gcc did not keep libmark, or kept the shim"
    grep -Eq 'gcc[-0-9.]* shim$' mark.log && die "a gcc ran with the shim"
    # ricc started by hand with the shim in LD_PRELOAD takes it out for the
    # compiler itself (wrapper/main.c), keeping the rest.
    # (A new source, so that the compiler runs.)
    printf 'int g(int x) { return x + 4; }\n' >b.c
    gcc -O2 -c b.c -o ref-b.o
    rm -f mark.log
    MARK_LOG=$PWD/mark.log LD_PRELOAD=${LD_PRELOAD:+$LD_PRELOAD:}$PWD/libmark.so:$RICC_PRELOAD \
        "$RICC" gcc -O2 -c b.c -o b.o || die "ricc gcc with the shim preloaded failed"
    cmp ref-b.o b.o >&2 || die "b.o differs from plain gcc's"
    [ $dynamic = 0 ] || grep -qx 'ricc shim' mark.log || die "ricc was not started with both libraries"
    grep -qx 'cc1 -' mark.log || die "cc1 did not keep libmark, or kept the shim"
    grep -Eq 'gcc[-0-9.]* shim$' mark.log && die "a gcc ran with the shim"
    return 0
}

# `ricc run` itself: status passed on, a clear message without the shim.
preload_cli() {
    need_shim
    local r=0
    "$RICC" run -- sh -c 'exit 3' || r=$?
    [ $r = 3 ] || die "ricc run: status $r, expected 3"
    r=0
    "$RICC" run sh -c 'kill -TERM $$' || r=$?
    [ $r = 143 ] || die "ricc run: status $r after SIGTERM, expected 143"
    r=0
    RICC_PRELOAD=$PWD/no-such-shim.so "$RICC" run -- true 2>err || r=$?
    [ $r = 2 ] || die "ricc run without a shim: status $r, expected 2"
    grep -q 'preload shim.*no-such-shim.so' err || die "ricc run without a shim: unclear message: $(cat err)"
    r=0
    RICC_PRELOAD=$PWD/no-such-shim.so "$RICC" run -- gcc --version >/dev/null 2>err || r=$?
    [ $r = 2 ] || die "ricc run gcc without a shim: status $r, expected 2"
    r=0
    "$RICC" run -- no-such-command-xyz 2>err || r=$?
    [ $r = 127 ] || die "ricc run of a missing command: status $r, expected 127"
    r=0
    "$RICC" run 2>err || r=$?
    [ $r = 2 ] || die "ricc run with no command: status $r, expected 2"
    # The caller's list is kept, first; the shim comes after it.
    local pre=${LD_PRELOAD:+$LD_PRELOAD:}
    LD_PRELOAD=$pre/no/such/lib.so "$RICC" run -- sh -c 'echo "$LD_PRELOAD"' >out 2>/dev/null
    [ "$(cat out)" = "$pre/no/such/lib.so:$RICC_PRELOAD" ] || die "LD_PRELOAD under ricc run: $(cat out)"
    # Nested ricc run: the shim once.
    "$RICC" run -- "$RICC" run -- sh -c 'echo "$LD_PRELOAD"' >out
    [ "$(cat out)" = "$pre$RICC_PRELOAD" ] || die "nested ricc run: LD_PRELOAD=$(cat out)"
    # A compiler as the command itself goes through ricc.
    printf 'int f(void) { return 4; }\n' >a.c
    snap
    "$RICC" run -- gcc -c a.c -o a.o
    unsnap
    [ "$(outcome)" = miss ] || die "ricc run -- gcc: $(outcome)"
}

# The shim built here with ASan and UBSan, preloaded into an ASan-built
# xdrv: every mode, compiles, failing execs, thousands of plain execs.
preload_asan() {
    need_shim
    shim_has_asan && skip "the shim under test is built with ASan already"
    local src
    src=$(cd "$E2E_DIR/../../preload" 2>/dev/null && pwd) || skip "preload/ sources not found"
    local san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
    echo 'int main(void) { return 0; }' >t.c
    gcc $san -o t t.c 2>/dev/null && ./t || skip "no working ASan here"
    mkdir -p "$CASE/asan"
    # shellcheck disable=SC2046 # the shim's sources, one word each
    gcc -std=c11 -D_GNU_SOURCE -I"$src/.." -Wall -Wextra -Werror -O1 -g $san -fPIC -shared \
        -fvisibility=hidden -o "$CASE/asan/libricc-preload.so" $(ls "$src"/*.c | grep -v '/trace[^/]*\.c$') \
        -ldl || die "cannot build the shim with ASan"
    build_xdrv "$san" -asan
    printf 'int f(int x) { return x * 5; }\n' >a.c
    gcc -O2 -c a.c -o ref.o
    local m
    # Every process of the test, ricc, gcc and true among them, loads this
    # shim, so the ASan runtime goes first (asan_first).
    RICC_PRELOAD=$CASE/asan/libricc-preload.so asan_first
    local pre=$LD_PRELOAD:$CASE/asan/libricc-preload.so
    unset LD_PRELOAD
    export RICC_EXE=$RICC
    for m in $MODES; do
        rm -f a.o
        LD_PRELOAD=$pre "$CASE/xdrv-asan" $m 1 "$(prog_for $m gcc)" -O2 -c a.c -o a.o \
            2>"$CASE/asan.err" || { cat "$CASE/asan.err" >&2; die "$m: failed under the ASan shim"; }
        cmp ref.o a.o >&2 || die "$m: a.o differs"
        LD_PRELOAD=$pre "$CASE/xdrv-asan" $m 50 "$(prog_for $m true)" \
            2>"$CASE/asan.err" || { cat "$CASE/asan.err" >&2; die "$m: true failed under the ASan shim"; }
        local r=0
        LD_PRELOAD=$pre "$CASE/xdrv-asan" $m 1 ./nonexistent-gcc >out 2>"$CASE/asan.err" || r=$?
        [ $r = 127 ] && grep -qx 'errno 2' out || { cat "$CASE/asan.err" >&2; die "$m: errno under the ASan shim"; }
    done
    [ "$(counter miss)" -ge 1 ] && [ "$(hits)" -ge 1 ] || die "the compiles did not go through ricc"
}

run_case run-make preload_make
run_case make-j4 preload_make_j4
run_case archive preload_archive
run_case shared-keys preload_shared_keys
run_case absolute-path preload_absolute
run_case cmake-ninja preload_cmake_ninja
run_case cmake-make preload_cmake_make
run_case configure preload_configure
run_case every-mode preload_modes
run_case exec-errno preload_errno
run_case env-i preload_env_i
run_case static preload_static
run_case failing-compile preload_failure
run_case other-preload preload_other_lib
run_case run-command preload_cli
run_case asan-shim preload_asan
finish
