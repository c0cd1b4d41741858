# QEMU suites of the keys work (issue 5), run by `make check` with the
# other slow suites.
#  keys-stock.sh: Debian's stock kernel, two boots on one swtpm: seal in the
#    guest, then provision through the initramfs-tools hook and init-premount
#    script into "_ima"; the stock kernel's IMA enforces with that key.
#  keys-lsm.sh: the cryptomark kernel (build/kernel/bzImage, CHECK_SLOW_DEPS
#    += kernel in kernel/build.mk): provision into ".cryptomark", locked via
#    securityfs; enforce runs the signed binary, refuses the others.
#  keys-update.sh: a kernel update without a reseal (signed PCR policies):
#    four boots of the stock kernel on one swtpm state (chains A, B, C, and
#    A after the policy counter moved), the real hook, init-premount and
#    postinst.d script.
CHECK_SLOW_TESTS += tests/qemu/keys-stock.sh tests/qemu/keys-lsm.sh \
		    tests/qemu/keys-update.sh
CHECK_SLOW_DEPS	+= qemu-guest

.PHONY: check-keys-qemu
check-keys-qemu: all qemu-guest
	@tests/run.sh tests/qemu/keys-stock.sh tests/qemu/keys-lsm.sh \
		tests/qemu/keys-update.sh
