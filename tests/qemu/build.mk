# QEMU tests: the harness (tests/qemu/lib.sh), the in-guest LSM suite, the
# IMA interop boot and the kernel benchmarks.  Guest programs are built on
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

.PHONY: qemu-guest check-kernel bench-kernel check-qemu-harness check-demo-kernel
qemu-guest: $(QEMU_GUEST)

CHECK_SLOW_TESTS += tests/qemu/kernel-tests.sh tests/qemu/revoke-tests.sh \
		    tests/qemu/attack-tests.sh tests/qemu/load-tests.sh \
		    tests/qemu/checkexec-tests.sh tests/qemu/ima-interop.sh \
		    tests/qemu/demo-kernel-test.sh
CHECK_SLOW_DEPS	+= qemu-guest

# The LSM suite and the interop boot against build/kernel/bzImage.
check-kernel: deps
	@$(MAKE) --no-print-directory all qemu-guest kernel
	@tests/run.sh tests/qemu/kernel-tests.sh tests/qemu/revoke-tests.sh \
		tests/qemu/attack-tests.sh tests/qemu/load-tests.sh \
		tests/qemu/checkexec-tests.sh \
		tests/qemu/ima-interop.sh

bench-kernel: deps
	@$(MAKE) --no-print-directory all qemu-guest kernel
	@bash tests/qemu/kernel-bench.sh
	@bash tests/qemu/checkexec-bench.sh

# The harness alone, on Debian's stock kernel (no LSM needed).
check-qemu-harness: qemu-guest
	@tests/run.sh tests/qemu/harness-test.sh

# `make demo-kernel` and `make demo-kernel INTERACTIVE=1`, run as a user would.
check-demo-kernel: deps
	@$(MAKE) --no-print-directory all qemu-guest kernel
	@tests/run.sh tests/qemu/demo-kernel-test.sh
