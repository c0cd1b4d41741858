#!/usr/bin/env bash
# Keys on the cryptomark kernel: in one boot with a fresh swtpm,
# cmkeys seals the CA-signed bundle to the guest TPM (PCRs 7,14) and
# provisions it with --signed-by the CA into the LSM's own ".cryptomark"
# keyring (the default); the keyring is
# locked through securityfs (adding a key is EPERM), PCR 14 changed and the
# secret no longer unseals; raised to enforce, the LSM runs a binary signed
# with the provisioned key and refuses unsigned and unknown-key ones.
#   tests/qemu/keys-lsm.sh [KERNEL]   (default build/kernel/bzImage)
. "$(dirname "$0")/suite.sh"
suite_begin keyslsm cryptomark "$@"
suite_need cmt hello "$CMSIGN" "$CMKEYS"

"$CMKEYS" ca -o "$work/ca" --type ecdsa-p256 >/dev/null &&
	"$CMKEYS" signer --ca "$work/ca" -o "$work/signer" --type ecdsa-p256 >/dev/null &&
	"$CMKEYS" signer --ca "$work/ca" -o "$work/stranger" --type ecdsa-p256 >/dev/null ||
	fail "cmkeys PKI"
B=$work/keyring.bundle
"$CMKEYS" bundle -o "$B" --sign-key "$work/ca/ca.key" --sign-cert "$work/ca/ca.pem" \
	"$work/signer/signer.pem" >/dev/null || fail "cmkeys bundle"
openssl x509 -in "$work/stranger/signer.pem" -outform DER -out "$work/stranger.der" || fail "DER"

tcti=$(suite_tcti) || fail "no TPM library for cmkeys"
cmq_rootfs_new "$r" || fail "staging tree"
cmq_rootfs_add "$r" "$CMKEYS" /sbin/cmkeys 0755 &&
	cmq_rootfs_add_libs "$r" "$CMKEYS" "$tcti" &&
	cmq_rootfs_add "$r" "$tcti" /usr/lib/x86_64-linux-gnu/libtss2-tcti-device.so.0 &&
	cmq_rootfs_add "$r" "$B" /etc/cryptomark/keyring.bundle &&
	cmq_rootfs_add "$r" "$B.sig" /etc/cryptomark/keyring.bundle.sig &&
	cmq_rootfs_add "$r" "$work/ca/ca.pem" /etc/cryptomark/ca.pem &&
	cmq_rootfs_add "$r" "$work/stranger.der" /cmq/stranger.der || fail "staging cmkeys"
cp "$q/hello" "$r/cmq/hello" && cp "$q/hello" "$r/cmq/hello-unsigned" && cp "$q/hello" "$r/cmq/hello-stranger"
# What runs once enforce is on must be signed: busybox (and its applets), cmt.
suite_sign signer "$r/bin/busybox" "$r/cmq/cmt" "$r/cmq/hello" || fail "cmsign"
suite_sign stranger "$r/cmq/hello-stranger" || fail "cmsign (stranger)"
suite_guest -t 120 -S 4 -n 40 "$here/guest/keys-lsm.sh"
t_done
