# Tests.  tests/unit/test_*.c: cmocka programs linked with libcryptomark;
# tests/integration/*.sh: shell suites using tests/lib.sh; tests/fuzz/:
# libFuzzer targets; tests/qemu/build.mk: the guest programs and the slow
# suites (QEMU boots, KUnit) in CHECK_SLOW_TESTS, with what they need
# built in CHECK_SLOW_DEPS.
UNIT_SRCS	:= $(sort $(wildcard tests/unit/test_*.c))
UNIT_TESTS	:= $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)
SHELL_TESTS	:= $(sort $(wildcard tests/integration/*.sh))
CHECK_SLOW_TESTS ?=
CHECK_SLOW_DEPS	?=
include tests/qemu/build.mk
include tests/system/build.mk
FUZZ_TIME	?= 20
# Shell suites find the tools of this build (build/ or build/san/).
export T_BUILD	:= $(abspath $(B))

# tests/unit/unit.c: the helpers every unit program shares (unit.h).
$(B)/tests/%: tests/unit/%.c tests/unit/unit.c tests/unit/unit.h $(LIBCM)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests -o $@ $< tests/unit/unit.c $(LIBCM) $(LDFLAGS) $(LDLIBS) -lcmocka

# cmaudit's line reader is cmaudit's, not the library's.
$(B)/tests/test_auditlog: tests/unit/test_auditlog.c $(B)/obj/verifier/auditlog.o tests/unit/unit.c tests/unit/unit.h $(LIBCM)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests -Iverifier -o $@ $< $(B)/obj/verifier/auditlog.o tests/unit/unit.c $(LIBCM) $(LDFLAGS) $(LDLIBS) -lcmocka

.PHONY: check-unit check-integration check-fast check fuzz check-valgrind

# Unit tests under valgrind: any definite leak or memory error fails.
check-valgrind: all $(UNIT_TESTS)
	@for t in $(UNIT_TESTS); do \
		valgrind -q --error-exitcode=9 --leak-check=full \
			--errors-for-leak-kinds=definite $$t >/dev/null || \
			{ echo "valgrind: $$t failed"; exit 1; }; \
		echo "valgrind: $$t clean"; \
	done

check-unit: all $(UNIT_TESTS)
	@tests/run.sh $(UNIT_TESTS)

check-integration: all
	@tests/run.sh $(SHELL_TESTS)

# The inner loop: no kernel build, no QEMU, short fuzz runs.
check-fast: deps
	@$(MAKE) --no-print-directory all $(UNIT_TESTS) fuzz-build
	@FUZZ_TIME=5 tests/run.sh $(UNIT_TESTS) $(SHELL_TESTS) tests/fuzz/run.sh

check: deps
	@$(MAKE) --no-print-directory all $(UNIT_TESTS) fuzz-build $(CHECK_SLOW_DEPS)
	@FUZZ_TIME=$(FUZZ_TIME) tests/run.sh $(UNIT_TESTS) $(SHELL_TESTS) \
		tests/fuzz/run.sh $(CHECK_SLOW_TESTS)

# A new user's run: `make demo` then `make check` as root in a fresh
# debootstrap minbase Debian 12 root holding a clean clone of HEAD
# (scripts/check-fresh.sh).  A second cold run, so not part of check.
.PHONY: check-fresh
check-fresh: deps
	@scripts/check-fresh.sh

# libFuzzer targets: clang, ASan+UBSan, the library sources compiled in.
FUZZ_SRCS	:= $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZERS		:= $(FUZZ_SRCS:tests/fuzz/%.c=build/fuzz/%)
FUZZ_CFLAGS	:= -g -O1 -fsanitize=fuzzer,address,undefined \
		   -fno-sanitize-recover=all -std=gnu11 -D_GNU_SOURCE \
		   -D_FILE_OFFSET_BITS=64 -Iinclude -Ilib -Wall -Wextra -Werror \
		   -Wno-unused-parameter
# The whole library goes in (the PKCS#11 file's deprecated ENGINE calls are
# vetted by the main build, which allows them in that one file only).
FUZZ_LIB_SRCS	:= $(LIB_SRCS)
FUZZ_CFLAGS	+= -Wno-deprecated-declarations

build/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB_SRCS)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_LIB_SRCS) $(LDLIBS)

# cmsign deb's own parsers live with cmsign (signtool/debfmt.c).
build/fuzz/fuzz_debfmt: tests/fuzz/fuzz_debfmt.c signtool/debfmt.c signtool/debfmt.h
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -Isigntool -o $@ $< signtool/debfmt.c -llzma -lz -lzstd

# cmaudit's line reader lives with cmaudit (verifier/auditlog.c).
build/fuzz/fuzz_auditlog: tests/fuzz/fuzz_auditlog.c verifier/auditlog.c verifier/auditlog.h
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -Iverifier -o $@ $< verifier/auditlog.c

fuzz-build: $(FUZZERS)

fuzz: fuzz-build
	@FUZZ_TIME=$${FUZZ_TIME:-60} tests/run.sh tests/fuzz/run.sh
