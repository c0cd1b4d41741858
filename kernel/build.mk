# kernel/: the cryptomark LSM built into a minimal test kernel.
#
#   make kernel      build/kernel/bzImage (tree cached in ~/.cache/cryptomark,
#                    incremental; see kernel/build-kernel.sh)
#   make checkpatch  scripts/checkpatch.pl --no-tree -f on every LSM source
#   make kernel-kunit  boot the kernel: the LSM's KUnit suites (signature
#                    parser vs tests/vectors/sig, ELF note carrier vs
#                    tests/vectors/elf), "N passed, N failed"

KERNEL_IMAGE	:= build/kernel/bzImage

.PHONY: kernel checkpatch kernel-kunit

# Always delegated: kbuild knows what changed, and an up-to-date tree costs
# only the dependency scan.
kernel:
	@kernel/build-kernel.sh

checkpatch:
	@kernel/build-kernel.sh checkpatch

kernel-kunit: kernel
	@kernel/kunit.sh

CHECK_SLOW_DEPS	+= kernel
# The LSM parsers vs the shared vectors, in the booted kernel.
CHECK_SLOW_TESTS += kernel/kunit.sh
