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
# kernel/kunit.sh is registered with the other slow suites in
# tests/qemu/build.mk.
