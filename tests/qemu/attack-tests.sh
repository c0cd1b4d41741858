#!/usr/bin/env bash
# The attacks of the LSM's security review, each tried in a real
# kernel under QEMU: one boot of build/kernel/bzImage.  In mode off every
# attack must work (the control: the probe really detects injected code);
# in enforce mode, keyring locked, each must fail with its exact errno and
# audit line:
#   1. /proc/PID/mem and ptrace writes into executable mappings, by an
#      unprivileged user (also from inside a user namespace) and by root
#      (allowed under cryptomark.ptrace=cap, refused after raising to deny);
#      userfaultfd (UFFDIO_COPY into an executable private mapping);
#   2. memfd files: exec and executable mmap only when sealed; the
#      stale-verdict rewrite through a shared mapping; SysV shmat(SHM_EXEC);
#   4. private file mappings writable and executable (mmap rwx, mprotect
#      rx -> rwx);
#   5. a transient error (a file opened without read access) never becomes
#      the file's cached verdict;
#   6. a file revoked with `cmkeys bundle --revoke FILE` stays refused after
#      `cp` drops its security.ima (its note digest is revoked too);
#   and truncate(2)/O_TRUNC of a library mapped executable (ETXTBSY).
# The guest side is tests/qemu/guest/attack.sh; the probe guest/cma.c.
#
#   tests/qemu/attack-tests.sh [KERNEL]        prints "N passed, N failed"
. "$(dirname "$0")/suite.sh"
suite_begin attack cryptomark "$@"
suite_need cma libcmt.so hello "$CMKEYS"
st_keys "$work" || fail "test keys"
st_base "$r" "$work" || fail "base tree"
tcti_lib=$(suite_tcti) || fail "no TPM library for cmkeys"
cmq_rootfs_add "$r" "$CMKEYS" /sbin/cmkeys 0755 &&
	cmq_rootfs_add_libs "$r" "$CMKEYS" "$tcti_lib" &&
	cmq_rootfs_add "$r" "$tcti_lib" "$tcti_lib" || fail "staging cmkeys"
c=$r/cmq
cp "$q/cma" "$c/cma"
for n in lib-x lib-trunc lib-otrunc lib-noread lib-uffd; do
	cp "$q/libcmt.so" "$c/$n.so"
done
cp "$q/hello" "$c/hello-note"
cp "$q/hello" "$c/hello-unsigned"
cp "$q/hello" "$c/hello-dual" && printf 'dual' >>"$c/hello-dual"
st_sign signer "$c/cma" "$c"/lib-*.so || fail "cmsign"
st_sign signer --carrier note "$c/hello-note" || fail "cmsign --carrier note"
st_sign signer --carrier both "$c/hello-dual" || fail "cmsign --carrier both"
chmod 0755 "$c/cma" "$c/hello-note" "$c/hello-dual"
# A signed byte the program does not need: the first of .comment.
off=$(readelf -SW "$c/hello-note" | awk '$2 == ".comment" {print $5}')
[ -n "$off" ] || fail "readelf: no .comment in hello-note"
# Revocation by file names every carrier's digest of hello-dual.
"$CMKEYS" bundle -o "$c/keyring.bundle" --revoke "$c/hello-dual" \
	--sign-key "$work/signer.key" --sign-cert "$work/signer.pem" \
	"$work/signer.pem" >"$work/bundle.log" 2>&1 ||
	t_fail "cmkeys bundle --revoke FILE: $(cat "$work/bundle.log")"
"$CMKEYS" show "$c/keyring.bundle" >"$work/show.log" 2>&1
# The two digests, computed here independently of cmkeys: the whole file
# (security.ima) and the file with its 1024 note descriptor bytes, 24 bytes
# into .note.cryptomark, counted as zeros (the ELF note).
noff=$(readelf -SW "$c/hello-dual" | awk '$2 == ".note.cryptomark" {print $5}')
[ -n "$noff" ] || fail "readelf: no .note.cryptomark in hello-dual"
cp "$c/hello-dual" "$work/zeroed"
dd if=/dev/zero of="$work/zeroed" bs=1 seek=$((0x$noff + 24)) count=1024 \
	conv=notrunc 2>/dev/null || fail "dd"
t_grep "--revoke FILE: the bundle revokes the file's security.ima digest" \
	"^revoked digest sha256:$(sha256sum "$c/hello-dual" | cut -d' ' -f1)\$" cat "$work/show.log"
t_grep "--revoke FILE: ... and its ELF note digest" \
	"^revoked digest sha256:$(sha256sum "$work/zeroed" | cut -d' ' -f1)\$" cat "$work/show.log"
printf 'COMMENT_OFF=0x%s\n' "$off" >"$c/attack.env"
suite_guest "$here/guest/attack.sh"
t_done
