#!/usr/bin/env bash
# Code the kernel loads from files, checked by the LSM like an exec: one
# boot of build/kernel/bzImage.  In mode off everything loads (the
# control); in enforce mode, keyring locked:
#   modules   finit_module of a module signed in security.ima or in its
#             ELF note loads; unsigned and tampered ones are refused
#             (EACCES, op=module); init_module of a buffer is refused
#             (reason no_file: nothing carries a signature);
#   firmware  a signed firmware file loads (TEST_FIRMWARE's trigger), an
#             unsigned one is refused (op=firmware);
#   kexec     kexec_file_load of a signed kernel image loads (and is
#             unloaded), an unsigned one is refused (op=kexec); the
#             buffer-only kexec_load is refused.
# The guest side is tests/qemu/guest/load.sh; the probe guest/cma.c; the
# module tests/qemu/module/, built with the kernel (kernel/build-kernel.sh).
#
#   tests/qemu/load-tests.sh [KERNEL]        prints "N passed, N failed"
. "$(dirname "$0")/suite.sh"
suite_begin load cryptomark "$@"
ko=$(dirname "$kernel")/cmtest.ko
[ -r "$ko" ] || fail "$ko missing: run 'make kernel' (it builds the test module)"
suite_need cma
st_keys "$work" || fail "test keys"
st_base "$r" "$work" || fail "base tree"
c=$r/cmq
fw=$r/lib/firmware
mkdir -p "$fw"
cp "$q/cma" "$c/cma"
for n in x note unsigned tampered; do cp "$ko" "$c/cmtest-$n.ko"; done
head -c 4096 /dev/urandom >"$fw/cmtest-signed.bin"
cp "$fw/cmtest-signed.bin" "$fw/cmtest-unsigned.bin"
cp "$kernel" "$c/bzImage-signed"
cp "$kernel" "$c/bzImage-unsigned"
st_sign signer "$c/cma" "$c/cmtest-x.ko" "$c/cmtest-tampered.ko" \
	"$fw/cmtest-signed.bin" "$c/bzImage-signed" || fail "cmsign"
st_sign signer --carrier note "$c/cmtest-note.ko" || fail "cmsign --carrier note (a .ko)"
t_check "the note-signed module verifies offline" \
	"$CMVERIFY" -q --carrier note --cert "$work/signer.pem" "$c/cmtest-note.ko"
printf '\0' >>"$c/cmtest-tampered.ko"	# after signing: the digest changed
chmod 0755 "$c/cma"
suite_guest -n 20 "$here/guest/load.sh"
t_done
