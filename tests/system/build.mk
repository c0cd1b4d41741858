# The whole-system test (issue 10), included by tests/build.mk:
# tests/system/check-system.sh builds a Debian 12 image from re-signed
# packages (cache: ~/.cache/cryptomark/system) and boots it on the
# cryptomark kernel under enforce, audit and off (tests/system/README.md).
# Registered with the slow suites, so `make check` (and CI) runs it.
CHECK_SLOW_TESTS += tests/system/check-system.sh
CHECK_SLOW_DEPS	+= qemu-guest kernel deb

.PHONY: check-system
check-system: deps
	@$(MAKE) --no-print-directory all qemu-guest kernel deb
	@tests/run.sh tests/system/check-system.sh

# The figures with a load-independent guest clock (QEMU -icount shift=0:
# guest time counts instructions), about 2.5 times slower than the wall
# clock `make check-system` uses: the boot ratio and the apt figure only.
.PHONY: bench-system
bench-system: deps
	@$(MAKE) --no-print-directory all qemu-guest kernel deb
	@CM_SYSTEM_ICOUNT=0 CM_SYSTEM_BOOTS="off enforce1" tests/run.sh tests/system/check-system.sh
