# QEMU tests (included by tests/build.mk): the guest programs, the
# registration of every slow suite, and their make targets.  Guest programs are built on
# the host into $(B)/qemu/ (build/qemu, or build/san/qemu under SAN=1) (static where they must run without a signed
# libc; dynamic where the test is about ld.so, dlopen or LD_PRELOAD).
QEMU_B		:= $(B)/qemu
QEMU_GUEST_CFLAGS := -O2 -g0 -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror
QEMU_GUEST	:= $(QEMU_B)/cmt $(QEMU_B)/cma $(QEMU_B)/cmx $(QEMU_B)/hello \
		   $(QEMU_B)/hello-dyn $(QEMU_B)/libcmt.so $(QEMU_B)/dlo

$(QEMU_B)/cmt: tests/qemu/guest/cmt.c tests/qemu/guest/probe.h
	@mkdir -p $(dir $@)
	gcc $(QEMU_GUEST_CFLAGS) -static -o $@ $<

$(QEMU_B)/cma: tests/qemu/guest/cma.c tests/qemu/guest/probe.h
	@mkdir -p $(dir $@)
	gcc $(QEMU_GUEST_CFLAGS) -static -o $@ $<

$(QEMU_B)/cmx: tests/qemu/guest/cmx.c tests/qemu/guest/probe.h
	@mkdir -p $(dir $@)
	gcc $(QEMU_GUEST_CFLAGS) -static -o $@ $<

$(QEMU_B)/hello: tests/qemu/guest/hello.c
	@mkdir -p $(dir $@)
	gcc $(QEMU_GUEST_CFLAGS) -static -o $@ $<

$(QEMU_B)/hello-dyn: tests/qemu/guest/hello.c
	@mkdir -p $(dir $@)
	gcc $(QEMU_GUEST_CFLAGS) -o $@ $<

$(QEMU_B)/libcmt.so: tests/qemu/guest/libcmt.c
	@mkdir -p $(dir $@)
	gcc $(QEMU_GUEST_CFLAGS) -shared -fPIC -o $@ $<

$(QEMU_B)/dlo: tests/qemu/guest/dlo.c
	@mkdir -p $(dir $@)
	gcc $(QEMU_GUEST_CFLAGS) -o $@ $<

.PHONY: qemu-guest check-kernel bench-kernel check-qemu-harness \
	check-demo-kernel check-keys-qemu
qemu-guest: $(QEMU_GUEST)

# The slow suites `make check` runs, registered here and nowhere else:
# the kernel's KUnit run (kernel/kunit.sh: the LSM's parsers against
# tests/vectors in the booted kernel), then the QEMU suites.
#  keys-*: cmkeys on a TPM: keys-stock seals and provisions on Debian's
#   stock kernel (the initramfs-tools hook and init-premount script),
#   keys-lsm provisions into the LSM's ".cryptomark" keyring, keys-update
#   is a kernel update without a reseal (signed PCR policies);
#  kernel-tests ... ima-interop: the LSM and its rule sets
#   (tests/qemu/README.md);
#  demo-kernel-test: `make demo-kernel`, as a user runs it;
#  attest-quote: cmattest in the guest, its quote verified on the host;
#  attest-tests: the LSM's measurement list and quote verified on the host.
QEMU_KEYS_SUITES := tests/qemu/keys-stock.sh tests/qemu/keys-lsm.sh \
		    tests/qemu/keys-update.sh
QEMU_LSM_SUITES	:= tests/qemu/kernel-tests.sh tests/qemu/revoke-tests.sh \
		   tests/qemu/attack-tests.sh tests/qemu/load-tests.sh \
		   tests/qemu/checkexec-tests.sh tests/qemu/rules-tests.sh \
		   tests/qemu/ima-interop.sh
QEMU_LSM_SUITES	+= tests/qemu/digests-tests.sh
# audit-report: cmaudit on the log of an audit-mode boot (issue 10).
QEMU_LSM_SUITES	+= tests/qemu/audit-report.sh
CHECK_SLOW_TESTS += $(QEMU_KEYS_SUITES) kernel/kunit.sh $(QEMU_LSM_SUITES) \
		    tests/qemu/demo-kernel-test.sh tests/qemu/attest-quote.sh \
		    tests/qemu/attest-tests.sh
CHECK_SLOW_DEPS	+= qemu-guest kernel

# `make check-attest` (attest/build.mk): the QEMU boot with swtpm as well.
CHECK_ATTEST_TESTS += tests/qemu/attest-tests.sh
check-attest: qemu-guest kernel

# The LSM suite and the interop boot against build/kernel/bzImage.
check-kernel: deps
	@$(MAKE) --no-print-directory all qemu-guest kernel
	@tests/run.sh $(QEMU_LSM_SUITES)

check-keys-qemu: all qemu-guest
	@tests/run.sh $(QEMU_KEYS_SUITES)

bench-kernel: deps
	@$(MAKE) --no-print-directory all qemu-guest kernel
	@bash tests/qemu/kernel-bench.sh
	@bash tests/qemu/checkexec-bench.sh
	@bash tests/qemu/rules-bench.sh

# The harness alone, on Debian's stock kernel (no LSM needed).
check-qemu-harness: qemu-guest
	@tests/run.sh tests/qemu/harness-test.sh

# `make demo-kernel` and `make demo-kernel INTERACTIVE=1`, run as a user would.
check-demo-kernel: deps
	@$(MAKE) --no-print-directory all qemu-guest kernel
	@tests/run.sh tests/qemu/demo-kernel-test.sh
