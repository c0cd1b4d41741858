# QEMU suites of the keys work (issue 5), run by `make check` with the
# other slow suites.  keys-stock.sh boots Debian's stock kernel twice on one
# swtpm: seal in the guest, then provision through the initramfs-tools
# scripts into "_ima" and prove IMA enforces with the provisioned key.
CHECK_SLOW_TESTS += tests/qemu/keys-stock.sh
CHECK_SLOW_DEPS	+= qemu-guest

.PHONY: check-keys-qemu
check-keys-qemu: all qemu-guest
	@tests/run.sh tests/qemu/keys-stock.sh
