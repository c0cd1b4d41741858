#!/usr/bin/env bash
# Keys on Debian's stock kernel, two boots on one software TPM:
#
#  1. "install": in the guest, cmkeys seals the bundle to the guest TPM's
#     PCRs 0 (firmware), 7 and 14; unseal works; a tampered bundle is
#     refused by unseal and by provision (which still caps PCR 14, so the
#     good bundle no longer unseals this boot).  The seal comes back to the
#     host on the console.
#  2. "boot": the initramfs is populated by the real initramfs-tools hook
#     (keys/initramfs/hook with the real hook-functions); the real
#     init-premount script provisions the bundle into a "_ima" keyring with
#     the real scripts/functions; the keyring is locked (adding a key is
#     EACCES), PCR 14 changed, the secret no longer unseals; then an IMA
#     appraisal policy (one write) makes the stock kernel run the
#     cmsign-signed binary and refuse unsigned and unknown-key ones.
#
#   tests/qemu/keys-stock.sh [KERNEL]   (default: Debian's stock vmlinuz)
. "$(dirname "$0")/suite.sh"
suite_begin keys debian "$@"
suite_need cmt hello "$CMSIGN" "$CMKEYS"
tcti=$(suite_tcti) || fail "no TPM library for cmkeys"
[ -r /usr/share/initramfs-tools/hook-functions ] || fail "initramfs-tools-core missing (make deps)"

# PKI: RSA (built into the stock kernel; its ECDSA may be a module).
"$CMKEYS" ca -o "$work/ca" --type rsa3072 >/dev/null &&
	"$CMKEYS" signer --ca "$work/ca" -o "$work/signer" --type rsa3072 >/dev/null &&
	"$CMKEYS" signer --ca "$work/ca" -o "$work/stranger" --type rsa3072 >/dev/null ||
	fail "cmkeys PKI"
B=$work/keyring.bundle
# Signed by the CA (BUNDLE.sig): boot 2 pins the CA with SIGNED_BY.
"$CMKEYS" bundle -o "$B" --sign-key "$work/ca/ca.key" --sign-cert "$work/ca/ca.pem" \
	"$work/signer/signer.pem" >/dev/null || fail "cmkeys bundle"
openssl x509 -in "$work/stranger/signer.pem" -outform DER -out "$work/stranger.der" || fail "DER"
tpmstate=$work/tpmstate
mkdir -p "$tpmstate"

# ---- boot 1: seal in the guest ------------------------------------------------
r=$work/root1
cmq_rootfs_new "$r" || fail "staging tree"
cmq_rootfs_add "$r" "$CMKEYS" /sbin/cmkeys 0755 &&
	cmq_rootfs_add_libs "$r" "$CMKEYS" "$tcti" &&
	cmq_rootfs_add "$r" "$tcti" /usr/lib/x86_64-linux-gnu/libtss2-tcti-device.so.0 &&
	cmq_rootfs_add "$r" "$B" /etc/cryptomark/keyring.bundle &&
	cmq_rootfs_add "$r" /usr/share/initramfs-tools/scripts/functions /cmq/functions &&
	cmq_rootfs_add "$r" "$T_ROOT/keys/initramfs/init-premount" /cmq/init-premount 0755 ||
	fail "staging cmkeys"
suite_guest -r "$r" -s "$tpmstate" -o install -t 120 -n 25 "$here/guest/keys-install.sh"
tr -d '\r' <"$SUITE_LOG" | sed -n 's/^SEAL:\([0-9a-f]*\)$/\1/p' | xxd -r -p >"$B.seal"
[ "$(head -c 8 "$B.seal" 2>/dev/null)" = CMSEAL01 ] || fail "no seal came back from boot 1"

# ---- boot 2: the initramfs-tools hook and init-premount script ---------------------
r=$work/root2
cmq_rootfs_new "$r" || fail "staging tree"
# merged /usr, as mkinitramfs lays it out: copy_exec writes under usr/.
mkdir -p "$r/usr/lib" "$r/usr/lib64" && ln -s usr/lib "$r/lib" && ln -s usr/lib64 "$r/lib64"
printf 'KEYRING=_ima\nTCTI=device:/dev/tpmrm0\nBUNDLE=%s\nSIGNED_BY=%s\n' "$B" "$work/ca/ca.pem" \
	>"$work/provision.conf"
hook_out=$(PATH=$T_BUILD:$PATH DESTDIR=$r CRYPTOMARK_CONF=$work/provision.conf verbose=n \
	version=none MODULESDIR=/nonexistent sh "$T_ROOT/keys/initramfs/hook" 2>&1)
t_check "initramfs-tools hook populated the initramfs${hook_out:+ ($hook_out)}" \
	test -x "$r/usr/sbin/cmkeys" -a -s "$r/etc/cryptomark/keyring.bundle.seal" \
	-a -s "$r/etc/cryptomark/keyring.bundle.sig" -a -s "$r/etc/cryptomark/bundle-signer.pem" \
	-a -e "$r/usr/lib/x86_64-linux-gnu/libtss2-tcti-device.so.0"
cmq_rootfs_add "$r" /usr/share/initramfs-tools/scripts/functions /scripts/functions &&
	cmq_rootfs_add "$r" "$T_ROOT/keys/initramfs/init-premount" /scripts/init-premount/cryptomark 0755 &&
	cmq_rootfs_add "$r" "$work/stranger.der" /cmq/stranger.der || fail "staging scripts"
cp "$q/hello" "$r/cmq/hello" && cp "$q/hello" "$r/cmq/hello-unsigned" && cp "$q/hello" "$r/cmq/hello-stranger"
# What the guest executes once the IMA policy is loaded must be signed.
suite_sign signer "$r/bin/busybox" "$r/cmq/cmt" "$r/cmq/hello" || fail "cmsign"
suite_sign stranger "$r/cmq/hello-stranger" || fail "cmsign (stranger)"
suite_guest -r "$r" -s "$tpmstate" -o provision -t 120 -n 25 -S 4 "$here/guest/keys-provision.sh"
t_done
