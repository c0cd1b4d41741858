# cmattest: remote attestation of the measurement log (issue 12).  The log
# and quote formats and the verdict are attest/*.c; the TPM session is
# cmkeys' (keys/tpm.c and what it needs, linked from an archive of keys/
# without its main).  Unit and fuzz targets link the format files only.
CMATTEST_SRCS	:= $(sort $(wildcard attest/*.c))
CMATTEST_OBJS	:= $(CMATTEST_SRCS:%.c=$(B)/obj/%.o)
CMATTEST_FMT	:= attest/imalog.c attest/quote.c attest/verify.c
CMATTEST_FMT_OBJS := $(CMATTEST_FMT:%.c=$(B)/obj/%.o)
CMKEYS_LIB	:= $(B)/libcmkeys.a
BINS		+= $(B)/cmattest

$(CMATTEST_OBJS): CFLAGS += -Iattest -Ikeys

$(CMKEYS_LIB): $(filter-out $(B)/obj/keys/cmkeys.o,$(CMKEYS_OBJS))
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(B)/cmattest: $(CMATTEST_OBJS) $(CMKEYS_LIB) $(TOOL_LIBS)
	$(CC) $(LDFLAGS) -o $@ $(CMATTEST_OBJS) $(CMKEYS_LIB) $(TOOL_LIBS) $(LDLIBS)

# Unit tests of the parsers and the verdict (tests/unit/test_attest.c).
$(B)/tests/test_attest: tests/unit/test_attest.c $(CMATTEST_FMT_OBJS) $(TOOL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests -Iattest -o $@ $< $(CMATTEST_FMT_OBJS) $(TOOL_LIBS) \
		$(LDFLAGS) $(LDLIBS) -lcmocka

# libFuzzer targets: the log parser and the quote parser.
CMATTEST_FUZZ	:= attest/imalog.c attest/quote.c
build/fuzz/fuzz_imalog build/fuzz/fuzz_quote: build/fuzz/%: tests/fuzz/%.c $(CMATTEST_FUZZ) $(FUZZ_LIB_SRCS)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -Iattest -o $@ $< $(CMATTEST_FUZZ) $(FUZZ_LIB_SRCS) $(LDLIBS)

MAN_DESC_cmattest := remote attestation: TPM quote and measurement log verification

# The suites of cmattest: the host one (swtpm; also in check-fast through
# tests/integration/), the guest one (cmattest in the busybox guest, needs
# the kernel: a slow suite of make check, registered in tests/qemu/build.mk).
# The LSM's end-to-end suite adds itself to CHECK_ATTEST_TESTS too.
CHECK_ATTEST_TESTS += tests/integration/attest_quote.sh tests/qemu/attest-quote.sh

.PHONY: check-attest bench-attest
check-attest: all $(B)/tests/test_attest kernel
	@tests/run.sh $(B)/tests/test_attest $(CHECK_ATTEST_TESTS)
	@bench/attest.sh

bench-attest: all
	@bench/attest.sh
