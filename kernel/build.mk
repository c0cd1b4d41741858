# kernel/: the cryptomark LSM built into a minimal test kernel.
#
#   make kernel      build/kernel/bzImage (tree cached in ~/.cache/cryptomark,
#                    incremental; see kernel/build-kernel.sh)
#   make checkpatch  scripts/checkpatch.pl --no-tree -f on every LSM source

KERNEL_IMAGE	:= build/kernel/bzImage

.PHONY: kernel checkpatch

# Always delegated: kbuild knows what changed, and an up-to-date tree costs
# only the dependency scan.
kernel:
	@kernel/build-kernel.sh

checkpatch:
	@kernel/build-kernel.sh checkpatch

CHECK_SLOW_DEPS	+= kernel
