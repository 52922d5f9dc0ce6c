# SPDX-License-Identifier: Apache-2.0
# ricc — build, test, install.
#
# Layout (design.md): proto/ (REAPI .proto files, compiled by protoc-c at build
# time), cache/ (the action store library), wrapper/ (the ricc program),
# preload/ (the exec shim), tests/, bench/.  Sources are found by wildcard so
# that adding a module needs no Makefile edit.
#
#   make               build/bin/ricc (and build/lib/libricc-preload.so)
#   make check         unit tests + end-to-end tests
#   make check-unit    unit tests only
#   make check-asan    unit + end-to-end tests built with ASan and UBSan
#   make bench         side-by-side benchmark against plain gcc and ccache
#   make bench-projects  the same on real projects (lua, zlib, fmt; bench/projects.sh)
#   make fuzz          libFuzzer over every parser of untrusted bytes (clang; not in check)
#   make lint          cppcheck, clang-tidy, shellcheck: any finding fails (not in check)
#   make install      PREFIX, DESTDIR, BINDIR, LIBDIR, LIBEXECDIR, MANDIR
#   make uninstall    the same variables: removes what install put there

PREFIX     ?= /usr/local
DESTDIR    ?=
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
LIBEXECDIR ?= $(PREFIX)/libexec
MANDIR     ?= $(PREFIX)/share/man
B          ?= build

CC      ?= cc
OPT     ?= -O2 -g
CFLAGS  ?= $(OPT)
# -Werror is for the project's own builds (.ci/run sets WERROR=1): a
# packager's newer compiler may warn about something new, and that must not
# stop a build of a released ricc.
WERROR  ?= 0
WARN     = -Wall -Wextra -Wshadow -Wno-unused-parameter $(if $(filter 1,$(WERROR)),-Werror)
PKGS     = libcrypto libprotobuf-c yaml-0.1 libzstd
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))
CPPFLAGS += -D_GNU_SOURCE -I. -I$(B)/proto -I$(B) $(PKG_CFLAGS)
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS) $(SAN) -fPIC

# ricc is a fresh process per compile, and a statically linked one starts in
# a fraction of the time: no loader, no libc to map and relocate (a direct
# hit took ~0.4 of ccache's time static, ~0.55 dynamic).  A static program
# cannot dlopen the remote module, so it uses the program ricc-remote
# instead (cache/remote/remote_loader.c).  Sanitizer builds cannot be
# static: they keep the dlopen'ed module.  STATIC=0 builds that way too.
STATIC ?= $(if $(SAN),0,1)
ifeq ($(STATIC),1)
CPPFLAGS += -DRICC_STATIC
HELPER := $(B)/lib/ricc-remote
endif

PROTOS      := $(shell find proto -name '*.proto' | sort)
PROTO_C     := $(patsubst proto/%.proto,$(B)/proto/%.pb-c.c,$(PROTOS))
PROTO_H     := $(PROTO_C:.c=.h)
PROTO_O     := $(PROTO_C:.c=.o)

CACHE_SRC   := $(sort $(wildcard cache/*/*.c))
CACHE_O     := $(patsubst %.c,$(B)/%.o,$(CACHE_SRC))
WRAP_SRC    := $(sort $(wildcard wrapper/*.c wrapper/*/*.c))
WRAP_O      := $(patsubst %.c,$(B)/%.o,$(WRAP_SRC))
# preload/match.c (pure string rules: compiler and archiver names, the shim
# in LD_PRELOAD) is linked into ricc too, so each rule is written once; the
# shim below still compiles it into itself.
WRAP_LIB_O  := $(filter-out $(B)/wrapper/main.o,$(WRAP_O)) $(B)/preload/match.o
# preload/trace*.c are their own library (ricc exec's tracer), not the shim.
TRACE_SRC   := $(sort $(wildcard preload/trace*.c))
PRELOAD_SRC := $(filter-out $(TRACE_SRC),$(sort $(wildcard preload/*.c)))
TRACE       := $(if $(TRACE_SRC),$(B)/lib/libricc-trace.so)
# The remote client is a separate shared object, dlopen'ed only when a remote
# is configured, so a local hit never loads libgrpc (design.md "Process start").
REMOTE_SRC  := $(sort $(wildcard cache/remote/client/*.c))
REMOTE_O    := $(patsubst %.c,$(B)/%.o,$(REMOTE_SRC))
REMOTE_SO   := $(if $(REMOTE_SRC),$(B)/lib/libricc-remote.so)
UNIT_SRC    := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN    := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC))

LIBCACHE    := $(B)/lib/libricc-cache.a
LIBWRAP     := $(B)/lib/libricc-wrapper.a
RICC        := $(B)/bin/ricc
PRELOAD     := $(if $(PRELOAD_SRC),$(B)/lib/libricc-preload.so)

.PHONY: demo all check check-unit check-e2e check-remote check-asan bench install uninstall clean FORCE
.SECONDARY:

all: $(RICC) $(PRELOAD) $(TRACE) $(REMOTE_SO) $(HELPER)

$(B)/proto/%.pb-c.c $(B)/proto/%.pb-c.h: proto/%.proto $(PROTOS)
	@mkdir -p $(B)/proto
	protoc-c --c_out=$(B)/proto -Iproto $<

$(B)/proto/%.pb-c.o: $(B)/proto/%.pb-c.c $(PROTO_H)
	$(CC) $(CPPFLAGS) -std=c11 $(CFLAGS) $(SAN) -fPIC -w -c $< -o $@

$(B)/%.o: %.c $(PROTO_H)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(LIBCACHE): $(CACHE_O) $(PROTO_O)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIBWRAP): $(WRAP_LIB_O)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# ricc links its three libraries statically in either build: loading and
# relocating libcrypto.so alone cost more instructions than the rest of a
# direct-mode hit (callgrind: 5.0M -> 2.4M).  STATIC=0 keeps glibc shared
# (the remote module is dlopen'ed), and is not a PIE: the static libcrypto
# brings ~1,600 relative relocations whose fix-up touched seven pages more
# per process, a tenth of a hit's page faults.
ifeq ($(STATIC),1)
RICC_LIBS = -static -Wl,--gc-sections -lprotobuf-c -lyaml -lzstd -lcrypto -pthread
else
RICC_LIBS = -no-pie -Wl,--gc-sections -Wl,-Bstatic -lprotobuf-c -lyaml -lzstd -lcrypto -Wl,-Bdynamic -ldl -pthread
endif
$(RICC): $(B)/wrapper/main.o $(LIBWRAP) $(LIBCACHE)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(RICC_LIBS)

$(B)/cache/remote/client/%.o: cache/remote/client/%.c $(PROTO_H)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(shell pkg-config --cflags grpc) $(ALL_CFLAGS) -fPIC -fvisibility=hidden -MMD -MP -c $< -o $@

$(B)/lib/ricc-remote: cache/remote/helper/ricc-remote.c $(REMOTE_O) $(LIBCACHE) $(PROTO_H)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(shell pkg-config --cflags grpc) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(REMOTE_O) $(LIBCACHE) $(PKG_LIBS) $(shell pkg-config --libs grpc)

$(B)/lib/libricc-remote.so: $(REMOTE_O) $(LIBCACHE)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -shared -fPIC $(LDFLAGS) -Wl,--exclude-libs,ALL -Wl,-z,defs -o $@ $(REMOTE_O) -Wl,--whole-archive $(LIBCACHE) -Wl,--no-whole-archive $(PKG_LIBS) $(shell pkg-config --libs grpc)

# The shim is loaded into every process of a build: one load segment less
# (no separate code page, no RELRO page for its small GOT) roughly halves
# what it costs a process that never runs a compiler (bench/preload.sh).
$(B)/lib/libricc-preload.so: $(PRELOAD_SRC) $(wildcard preload/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -fPIC -shared -fvisibility=hidden $(LDFLAGS) \
	    -Wl,-z,noseparate-code -Wl,-z,norelro -o $@ $(PRELOAD_SRC) -ldl

# The tracer (preload/trace*.c): loaded only into a tool ricc exec runs on a
# miss, or a compile depend mode traces, so it is built plainly: never with
# the sanitizers, whose runtime must come first in a program and would make
# every traced program refuse to start.
$(B)/lib/libricc-trace.so: $(TRACE_SRC) preload/trace.h preload/execlist.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -std=c11 $(WARN) $(CFLAGS) -fPIC -shared -fvisibility=hidden $(LDFLAGS) \
	    -o $@ $(TRACE_SRC) -ldl

$(B)/tests/%: tests/unit/%.c tests/unit/unit.h $(LIBWRAP) $(LIBCACHE) $(PROTO_H)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(LIBWRAP) $(LIBCACHE) $(PKG_LIBS) -lcunit

check-unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; RICC_SHARED=$(CURDIR)/tests/vectors $$t; done

# E2E_ONLY: names of tests/e2e/test_*.sh to run (default: all but remote and
# remote_policy, which check-remote runs).
check-e2e: all
	E2E_EXCLUDE="remote remote_policy" RICC=$(abspath $(RICC)) RICC_PRELOAD=$(abspath $(B))/lib/libricc-preload.so \
	    tests/e2e/run-all.sh $(E2E_ONLY)

# The remote client's CUnit tests and the e2e remote suite, against
# tests/remote/server.py (or RICC_TEST_SERVER=<address>).
check-remote: all
	B=$(B) CC="$(CC)" OPT="$(OPT)" SAN="$(SAN)" tests/remote/run.sh

# The same suite against bazel-remote and BuildGrid (../shared/peers): built,
# started and stopped by tests/remote/peers.sh (tests/install-deps.sh
# --peers installs what they need).  Not part of `make check`.
.PHONY: check-peers
check-peers: all
	B=$(B) CC="$(CC)" OPT="$(OPT)" SAN="$(SAN)" tests/remote/peers.sh

check: check-unit check-e2e check-remote

demo: all
	RICC=$(abspath $(RICC)) tests/example/demo.sh

# Under ASan+UBSan: every unit test, the remote client tests, and the e2e
# files that drive the most code (all of them would take ~3x as long).
E2E_ASAN = basic hit miss direct mmd corrupt outputs race exec pathrewrite comments scan observe explain stats compress
check-asan:
	$(MAKE) B=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" \
	    E2E_ONLY="$(E2E_ASAN)" check

bench: all
	RICC=$(abspath $(RICC)) bench/run.sh

# lua, zlib and fmt (../shared/projects) with gcc, ccache, sccache, ricc and
# a no-op floor (bench/projects.sh; BENCH_QUICK=1: one round).
.PHONY: bench-projects
bench-projects: all
	RICC=$(abspath $(RICC)) bench/projects.sh

# tests/fuzz/: libFuzzer targets, under ASan and UBSan, for every parser of
# bytes ricc does not control (the configuration, response and dependency
# files, compiler output, tracer records, everything under RICC_DIR, the
# agent's socket, the server's messages): one fuzz_NAME.c per family, its
# header comment says what it feeds to which functions.  Built with clang
# into FUZZ_B, the libraries too (coverage needs clang's instrumentation).
# Each target's corpus is FUZZ_B/corpus/NAME (kept between runs), seeded
# from tests/fuzz/corpus/NAME (checked in: text inputs, reproducers of what
# was found) and FUZZ_B/seeds/NAME (inputs naming blobs by digest, written
# by tests/fuzz/mkseeds.c).  A crash, leak or hang stops the run with the
# input in FUZZ_B/artifacts/.
#   make fuzz          each target for FUZZ_SECONDS (not part of check)
#   make fuzz-ci       each for FUZZ_CI_SECONDS: what CI runs
#   FUZZ_ONLY="config trace" runs only those.
FUZZ_B          ?= build-fuzz
FUZZ_SECONDS    ?= 60
FUZZ_CI_SECONDS ?= 10
FUZZ_SAN         = -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_NAMES      := $(patsubst tests/fuzz/fuzz_%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_ONLY       ?= $(FUZZ_NAMES)
FUZZ_FLAGS       = -max_len=65536 -timeout=20 -rss_limit_mb=2048
# The targets that drive the remote module link its objects but rpc.c, in
# whose place tests/fuzz/fake_rpc.c answers from the input (no gRPC, no
# network); their file calls are kept inside the scratch directory.
FUZZ_MODULE     := agent server
FUZZ_MOD_O       = $(filter-out $(B)/cache/remote/client/rpc.o,$(REMOTE_O))

.PHONY: fuzz fuzz-ci fuzz-build fuzz-bins fuzz-run
fuzz: fuzz-build
	@$(MAKE) --no-print-directory fuzz-run FUZZ_RUN_SECONDS=$(FUZZ_SECONDS)
fuzz-ci: fuzz-build
	@$(MAKE) --no-print-directory fuzz-run FUZZ_RUN_SECONDS=$(FUZZ_CI_SECONDS)

fuzz-build:
	$(MAKE) B=$(FUZZ_B) CC=clang STATIC=0 OPT="-O1 -g -fsanitize=fuzzer-no-link" \
	    SAN="$(FUZZ_SAN)" fuzz-bins

fuzz-bins: $(FUZZ_NAMES:%=$(B)/fuzz/fuzz_%) $(B)/fuzz/mkseeds
	rm -rf $(B)/seeds && $(B)/fuzz/mkseeds $(B)/seeds

$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(LIBWRAP) $(LIBCACHE) $(PROTO_H)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -std=c11 $(WARN) -O1 -g $(SAN) -fsanitize=fuzzer -o $@ \
	    $< $(FUZZ_EXTRA) $(LIBWRAP) $(LIBCACHE) $(PKG_LIBS)

$(FUZZ_MODULE:%=$(B)/fuzz/fuzz_%): $(FUZZ_MOD_O) tests/fuzz/fake_rpc.c tests/fuzz/fake_rpc.h
$(FUZZ_MODULE:%=$(B)/fuzz/fuzz_%): FUZZ_CFLAGS = $(shell pkg-config --cflags grpc)
$(FUZZ_MODULE:%=$(B)/fuzz/fuzz_%): FUZZ_EXTRA = tests/fuzz/fake_rpc.c $(FUZZ_MOD_O) -pthread \
    -Wl,--wrap=open,--wrap=fopen,--wrap=opendir,--wrap=mkdir,--wrap=rename,--wrap=unlink,--wrap=link

$(B)/fuzz/mkseeds: tests/fuzz/mkseeds.c tests/fuzz/fuzz.h $(LIBCACHE) $(PROTO_H)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -std=c11 $(WARN) $(CFLAGS) $(SAN) -o $@ $< $(LIBCACHE) $(PKG_LIBS)

# (Absolute paths: some targets change directory before libFuzzer reads
# the corpus.)
fuzz-run: F = $(abspath $(FUZZ_B))
fuzz-run:
	@set -e; for n in $(FUZZ_ONLY); do \
	    c=$(F)/corpus/$$n; mkdir -p $$c $(F)/seeds/$$n $(F)/artifacts; \
	    log=$(F)/fuzz_$$n.log; \
	    $(F)/fuzz/fuzz_$$n $(FUZZ_FLAGS) -max_total_time=$(FUZZ_RUN_SECONDS) \
	        -artifact_prefix=$(F)/artifacts/$$n- $$c $(F)/seeds/$$n \
	        $$(test -d tests/fuzz/corpus/$$n && echo $(CURDIR)/tests/fuzz/corpus/$$n) >$$log 2>&1 \
	        || { tail -n 80 $$log; echo "fuzz_$$n FAILED: the input is in $(F)/artifacts/"; exit 1; }; \
	    echo "fuzz_$$n: $$(grep -o 'Done [0-9]* runs in [0-9]* second(s)' $$log)," \
	        "$$(grep -o 'cov: [0-9]*' $$log | tail -n 1), corpus $$(ls $$c | wc -l)"; \
	done

# make lint: static analysis, clean on the tree (CI runs it): cppcheck and
# clang-tidy's bugprone checks (.clang-tidy says which, and why not the
# rest) over cache/ wrapper/ preload/ with the build's defines and include
# paths, shellcheck over every shell script (.shellcheckrc).  Each tool
# prints its findings and a count; any finding fails.  A false positive is
# silenced where it is, with the reason: `cppcheck-suppress ID ; (why)` or
# NOLINT(check).  lint-cppcheck, lint-tidy, lint-shell run one tool.
# cppcheck reads the protobuf-c header (the generated ones check its
# version) but no other system header; no -j: its whole-program checks
# and inline suppressions need one process.
LINT_B      = $(B)/lint
LINT_C      = $(sort $(wildcard cache/*/*.c cache/*/*/*.c wrapper/*.c wrapper/*/*.c preload/*.c))
LINT_FLAGS  = $(filter -D% -I%,$(CPPFLAGS)) -I$(LINT_B)/inc
CLANG_TIDY ?= clang-tidy
.PHONY: lint lint-cppcheck lint-tidy lint-shell lint-layers
lint:
	@rc=0; for t in cppcheck tidy shell layers; do $(MAKE) --no-print-directory lint-$$t || rc=1; done; \
	    [ $$rc = 0 ] && echo "lint: clean" || { echo "lint: FAILED"; exit 1; }

lint-cppcheck: $(PROTO_H) $(B)/gen/installdirs.h
	@mkdir -p $(LINT_B)/inc && ln -sfn $(shell pkg-config --variable=includedir libprotobuf-c)/protobuf-c $(LINT_B)/inc/
	@cppcheck --quiet --std=c11 --enable=warning,portability,performance --inline-suppr \
	    --error-exitcode=1 --template='{file}:{line}:{column}: {severity}: {message} [{id}]' \
	    $(LINT_FLAGS) cache wrapper preload 2>$(LINT_B)/cppcheck.txt; rc=$$?; \
	    cat $(LINT_B)/cppcheck.txt; \
	    echo "cppcheck: $$(grep -c '^[^ ]*:[0-9]*:[0-9]*: ' $(LINT_B)/cppcheck.txt) finding(s)"; exit $$rc

# One clang-tidy per file, two at a time; a header's finding is counted once.
lint-tidy: $(PROTO_H) $(B)/gen/installdirs.h
	@mkdir -p $(LINT_B)
	@printf '%s\n' $(LINT_C) | xargs -P2 -I{} sh -c '$(CLANG_TIDY) --quiet {} -- -std=c11 \
	    $(LINT_FLAGS) $(shell pkg-config --cflags grpc) >$(LINT_B)/tidy-$$$$.txt 2>/dev/null \
	    || { cat $(LINT_B)/tidy-$$$$.txt; exit 1; }'; rc=$$?; \
	    n=$$(cat $(LINT_B)/tidy-*.txt | grep -E ': (warning|error):' | sort -u | wc -l); \
	    rm -f $(LINT_B)/tidy-*.txt; echo "clang-tidy: $$n finding(s) in $(words $(LINT_C)) files"; \
	    [ $$rc = 0 ]

# Every *.sh, and every other executable file that starts with #!...sh.
# The include rules of doc/ARCHITECTURE.md.
lint-layers:
	@tests/check-layers.sh && echo "layers: 0 finding(s)"

lint-shell:
	@mkdir -p $(LINT_B); files=$$(find . \( -name .git -o -name 'build*' \) -prune -o -type f \( -name '*.sh' -o -perm -u+x \) \
	    -print | while read -r f; do case $$f in *.sh) echo "$$f" ;; \
	    *) head -c 64 "$$f" | head -n 1 | grep -q '^#!.*sh' && echo "$$f" ;; esac; done | sort); \
	    shellcheck -f gcc $$files >$(LINT_B)/shellcheck.txt 2>&1 || rc=1; cat $(LINT_B)/shellcheck.txt; \
	    echo "shellcheck: $$(grep -c '\[SC[0-9]*\]$$' $(LINT_B)/shellcheck.txt) finding(s)" \
	        "in $$(echo $$files | wc -w) scripts"; \
	    exit $${rc:-0}

# Installed layout (the places ricc looks, fsutil.h fs_beside_program):
#   BINDIR/ricc
#   LIBDIR/ricc/libricc-{preload,trace,remote}.so   loaded by ricc or a build
#   LIBDIR/ricc/masquerade/{gcc,g++,cc,c++,clang,clang++} -> BINDIR/ricc
#   LIBEXECDIR/ricc/ricc-remote                     the static ricc's remote helper
#   MANDIR/man1/ricc.1
# The masquerade links are absolute (BINDIR without DESTDIR): a staged tree
# is copied to where BINDIR says.
MASQUERADE = gcc g++ cc c++ clang clang++
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/ricc/masquerade \
	    $(DESTDIR)$(LIBEXECDIR)/ricc $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(RICC) $(DESTDIR)$(BINDIR)/ricc
	$(if $(PRELOAD),install -m 755 $(PRELOAD) $(DESTDIR)$(LIBDIR)/ricc/)
	$(if $(TRACE),install -m 755 $(TRACE) $(DESTDIR)$(LIBDIR)/ricc/)
	$(if $(REMOTE_SO),install -m 755 $(REMOTE_SO) $(DESTDIR)$(LIBDIR)/ricc/)
	$(if $(HELPER),install -m 755 $(HELPER) $(DESTDIR)$(LIBEXECDIR)/ricc/)
	for n in $(MASQUERADE); do ln -sfn $(BINDIR)/ricc $(DESTDIR)$(LIBDIR)/ricc/masquerade/$$n; done
	install -m 644 doc/ricc.1 $(DESTDIR)$(MANDIR)/man1/ricc.1

# Only what install put there, then the directories it made if now empty.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/ricc $(DESTDIR)$(MANDIR)/man1/ricc.1 \
	    $(DESTDIR)$(LIBDIR)/ricc/libricc-preload.so $(DESTDIR)$(LIBDIR)/ricc/libricc-trace.so \
	    $(DESTDIR)$(LIBDIR)/ricc/libricc-remote.so $(DESTDIR)$(LIBEXECDIR)/ricc/ricc-remote \
	    $(MASQUERADE:%=$(DESTDIR)$(LIBDIR)/ricc/masquerade/%)
	-rmdir $(DESTDIR)$(LIBDIR)/ricc/masquerade $(DESTDIR)$(LIBDIR)/ricc $(DESTDIR)$(LIBEXECDIR)/ricc 2>/dev/null

# Where an installed ricc finds its libraries and helper when they are not
# beside it (LIBDIR or LIBEXECDIR outside PREFIX): compiled into fsutil.c.
# Rewritten only when a value changes, so `make install LIBDIR=...` after a
# plain make rebuilds just what depends on it.
$(B)/gen/installdirs.h: FORCE
	@mkdir -p $(dir $@)
	@printf '#define RICC_INSTALL_LIBDIR "%s/ricc"\n#define RICC_INSTALL_LIBEXECDIR "%s/ricc"\n' \
	    '$(LIBDIR)' '$(LIBEXECDIR)' >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
$(B)/cache/util/fsutil.o: $(B)/gen/installdirs.h
FORCE:

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(B) -name '*.d' 2>/dev/null)
