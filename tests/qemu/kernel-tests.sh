#!/usr/bin/env bash
# The cryptomark LSM, tested in a real kernel under QEMU.
#
# One boot of build/kernel/bzImage with cryptomark.mode=off and a fresh
# swtpm.  The host signs the test files with cmsign; the guest restores the
# signatures (cpio carries no xattrs), seals a keyring bundle of the signer
# certificates to its TPM (swtpm) and provisions it into .cryptomark with
# cmkeys (locks the keyring, caps a PCR), checks that off allows and checks
# nothing, raises the mode to
# audit (allows and logs), then to enforce, and asserts the exact errno of
# every operation the LSM mediates: exec of ELF programs and #! scripts,
# mmap(PROT_EXEC) through dlopen, LD_PRELOAD and ld.so, mprotect, memfd, the
# verdict cache, the keyring lock, the one-way mode and the stats.  The
# contract asserted here is kernel/README.md's: every refusal is EACCES.
#
#   tests/qemu/kernel-tests.sh [KERNEL]        prints "N passed, N failed"
. "$(dirname "$0")/suite.sh"
suite_begin kernel cryptomark "$@"
note_ok=1
st_keys "$work" || fail "test keys"
st_base "$r" "$work" || fail "base tree"
suite_need "$CMKEYS"
# Keys reach the kernel the way a real boot gives them: a bundle sealed to
# the guest's TPM, provisioned by cmkeys (run in mode off, so unsigned).
tcti_lib=$(suite_tcti) || fail "no TPM library for cmkeys"
# The bundle also revokes a digest (hello-revoked's) and a key whose
# certificate it carries (provisioning must skip that certificate).
t_mkcert "$work" revoked p256 || fail "revoked-key certificate"
cmq_rootfs_add "$r" "$CMKEYS" /sbin/cmkeys 0755 &&
	cmq_rootfs_add_libs "$r" "$CMKEYS" "$tcti_lib" &&
	cmq_rootfs_add "$r" "$tcti_lib" "$tcti_lib" || fail "staging cmkeys"

c=$r/cmq
# Static ELF programs, one per signature case.
for n in hello hello-unsigned hello-tampered hello-stranger hello-p256 \
	 hello-sha384 hello-sha512 hello-note hello-note-tampered modme late \
	 hello-par hello-audit hello-stats hello-p384 hello-both hello-malformed \
	 hello-sha1 unsignme retrunc hello-revoked hello-revkey; do
	cp "$q/hello" "$c/$n"
done
# Same program, different bytes: carries a signature copied from hello.
cp "$q/hello" "$c/hello-other" && printf 'other' >>"$c/hello-other"
cp "$q/hello-dyn" "$c/hello-dyn"
cp "$q/hello-dyn" "$c/hello-dyn-unsigned"
cp "$q/libcmt.so" "$c/libcmt.so"
cp "$q/libcmt.so" "$c/libcmt-unsigned.so"
cp "$q/libcmt.so" "$c/libcmt-note.so"
cp "$q/libcmt.so" "$c/wlib.so"
cp "$q/dlo" "$c/dlo"
printf '#!/bin/sh\necho script ran\n' >"$c/script-signed"
printf '#!/bin/sh\necho script ran\n' >"$c/script-unsigned"
printf '#!/cmq/hello-unsigned\n' >"$c/script-badinterp"
chmod 0755 "$c"/script-*

st_sign signer "$c/hello" "$c/hello-tampered" "$c/modme" "$c/hello-par" \
	"$c/hello-dyn" "$c/libcmt.so" "$c/wlib.so" "$c/dlo" "$c/script-signed" \
	"$c/script-badinterp" || fail "cmsign"
st_sign signer --hash sha384 "$c/hello-sha384" || fail "cmsign sha384"
st_sign signer --hash sha512 "$c/hello-sha512" || fail "cmsign sha512"
st_sign p256 "$c/hello-p256" || fail "cmsign p256"
st_sign p384 --hash sha384 "$c/hello-p384" || fail "cmsign p384"
st_sign signer "$c/unsignme" "$c/retrunc" || fail "cmsign"
# Both carriers: the note inside, then security.ima over the final bytes.
st_sign signer --carrier both "$c/hello-both" || note_ok=0
st_sign stranger "$c/hello-stranger" || fail "cmsign stranger"
printf 'revoked' >>"$c/hello-revoked"
st_sign signer "$c/hello-revoked" || fail "cmsign (revoked digest)"
st_sign revoked "$c/hello-revkey" || fail "cmsign (revoked key)"
"$CMKEYS" bundle -o "$r/cmq/keyring.bundle" \
	--revoke "sha256:$(sha256sum "$c/hello-revoked" | cut -d' ' -f1)" \
	--revoke "$work/revoked.pem" "$work/signer.pem" "$work/p256.pem" \
	"$work/p384.pem" "$work/revoked.pem" >/dev/null || fail "cmkeys bundle"
# The signature for "late" travels as a file: set in the guest only after
# late was refused, to show that an xattr change drops the cached verdict.
cp "$c/late" "$work/late" && st_sign signer "$work/late" &&
	st_sigblob "$work/late" "$c/late.sig" || fail "late signature"
# Tampered after signing: one byte more, the signature stays.
printf 'X' >>"$c/hello-tampered"
# ELF note carrier: the signature is in the file's bytes, no xattr at all.
st_sign signer --carrier note "$c/hello-note" "$c/hello-note-tampered" \
	"$c/libcmt-note.so" || note_ok=0
printf 'X' >>"$c/hello-note-tampered"
# Bad headers, made from a good signature: sig_size claims 256 bytes more
# than follow (malformed); hash algorithm 2, SHA-1 (unsupported).
cp "$c/hello-malformed" "$work/m" && st_sign signer "$work/m" && st_sigblob "$work/m" "$work/m.sig" ||
	fail "signature for the malformed cases"
{ head -c 7 "$work/m.sig"; printf '\002\000'; tail -c +10 "$work/m.sig"; } >"$c/malformed.sig"
{ printf '\003\002\002'; tail -c +4 "$work/m.sig"; } >"$c/sha1.sig"
suite_guest -a "cryptomark.mode=off cmq.note=$note_ok" -t 180 "$here/guest/kernel.sh"
t_done
