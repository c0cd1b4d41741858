#!/usr/bin/env bash
# Scripts read by an interpreter (the execveat check), in a real kernel under
# QEMU: one boot of build/kernel/bzImage.  The kernel carries the backport
# of execveat(AT_EXECVE_CHECK) and the exec securebits
# (kernel/patches/0001-execve-check-securebits.patch); the shell is busybox
# ash from Debian's source package, built here twice
# (tests/qemu/build-busybox.sh): as shipped, and with
# tests/qemu/patches/busybox-ash-execve-check.patch.  The guest side
# (tests/qemu/guest/checkexec.sh) checks:
#   - the kernel's check alone: an exec's permission checks (mode bits,
#     directories, writers), then the LSM's verdict, EACCES and audited as
#     op=check, in modes off, audit and enforce;
#   - the patched shell with SECBIT_EXEC_RESTRICT_FILE and
#     SECBIT_EXEC_DENY_INTERACTIVE set and locked: `sh unsigned.sh`,
#     `. unsigned`, `sh -c`, commands on a pipe refused; `sh signed.sh`,
#     `. signed`, a signed file on stdin run; each bit alone;
#   - without the bits nothing changes (the shell still asks, the kernel
#     still audits);
#   - the bits are inherited, a child cannot clear a locked bit (root
#     included), an unprivileged process may set them but no other bit.
#
#   tests/qemu/checkexec-tests.sh [KERNEL]       prints "N passed, N failed"
. "$(dirname "$0")/suite.sh"
suite_begin checkexec cryptomark "$@"
suite_need cmx
st_keys "$work" || fail "test keys"
st_base "$r" "$work" || fail "base tree"
c=$r/cmq
# The shells: busybox dispatches on argv[0], so each gets its own "sh".
bb=$(st_shells "$r") || fail "the shells"
cp "$q/cmx" "$c/cmx"
# Scripts: all executable (the check is an exec's: mode bits count).
printf 'echo signed ran\n' >"$c/signed.sh"
printf 'echo unsigned ran\n' >"$c/unsigned.sh"
printf 'echo lib-signed sourced\n' >"$c/lib-signed"
printf 'echo lib-unsigned sourced\n' >"$c/lib-unsigned"
printf '. /cmq/lib-signed\necho after dot\n' >"$c/dot-signed.sh"
printf '. /cmq/lib-unsigned\necho after dot\n' >"$c/dot-unsigned.sh"
printf '/cmq/cmx getbits\n/cmq/cmx setbits 0\n' >"$c/clear.sh"
printf 'echo noexec ran\n' >"$c/noexec.sh"
: >"$c/empty.sh"
chmod 0755 "$c"/*.sh "$c"/lib-* && chmod 0644 "$c/noexec.sh"
st_sign signer "$r/opt/check/busybox" "$r/opt/plain/busybox" "$c/cmx" \
	"$c/signed.sh" "$c/lib-signed" "$c/dot-signed.sh" "$c/dot-unsigned.sh" \
	"$c/clear.sh" "$c/noexec.sh" "$c/empty.sh" || fail "cmsign"
echo "# shells from $bb"
suite_guest "$here/guest/checkexec.sh"
t_done
