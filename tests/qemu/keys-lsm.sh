#!/usr/bin/env bash
# Keys on the cryptomark kernel (issue 5): in one boot with a fresh swtpm,
# cmkeys seals the CA-signed bundle to the guest TPM (PCRs 7,14) and
# provisions it with --signed-by the CA into the LSM's own ".cryptomark"
# keyring (the default); the keyring is
# locked through securityfs (adding a key is EPERM), PCR 14 changed and the
# secret no longer unseals; raised to enforce, the LSM runs a binary signed
# with the provisioned key and refuses unsigned and unknown-key ones.
#   tests/qemu/keys-lsm.sh [KERNEL]   (default build/kernel/bzImage)
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/../lib.sh"
work=$(mktemp -d /tmp/cmq-keyslsm.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { t_fail "$*"; t_done; exit 1; }

kernel=${1:-}
[ -n "$kernel" ] || kernel=$(cmq_kernel_cryptomark) || fail "no cryptomark kernel (make kernel)"
for b in cmt hello; do
	[ -x "$T_BUILD/qemu/$b" ] || fail "build/qemu/$b missing: run 'make qemu-guest'"
done
for b in "$CMSIGN" "$CMKEYS"; do [ -x "$b" ] || fail "$b missing: run 'make all'"; done

"$CMKEYS" ca -o "$work/ca" --type ecdsa-p256 >/dev/null &&
	"$CMKEYS" signer --ca "$work/ca" -o "$work/signer" --type ecdsa-p256 >/dev/null &&
	"$CMKEYS" signer --ca "$work/ca" -o "$work/stranger" --type ecdsa-p256 >/dev/null ||
	fail "cmkeys PKI"
B=$work/keyring.bundle
"$CMKEYS" bundle -o "$B" --sign-key "$work/ca/ca.key" --sign-cert "$work/ca/ca.pem" \
	"$work/signer/signer.pem" >/dev/null || fail "cmkeys bundle"
openssl x509 -in "$work/stranger/signer.pem" -outform DER -out "$work/stranger.der" || fail "DER"

r=$work/root
tcti=$(ldconfig -p | awk '$1 == "libtss2-tcti-device.so.0" {print $NF; exit}')
cmq_rootfs_new "$r" || fail "staging tree"
cmq_rootfs_add "$r" "$CMKEYS" /sbin/cmkeys 0755 &&
	cmq_rootfs_add_libs "$r" "$CMKEYS" "$tcti" &&
	cmq_rootfs_add "$r" "$tcti" /usr/lib/x86_64-linux-gnu/libtss2-tcti-device.so.0 &&
	cmq_rootfs_add "$r" "$B" /etc/cryptomark/keyring.bundle &&
	cmq_rootfs_add "$r" "$B.sig" /etc/cryptomark/keyring.bundle.sig &&
	cmq_rootfs_add "$r" "$work/ca/ca.pem" /etc/cryptomark/ca.pem &&
	cmq_rootfs_add "$r" "$work/stranger.der" /cmq/stranger.der || fail "staging cmkeys"
q=$T_BUILD/qemu
cp "$q/hello" "$r/cmq/hello" && cp "$q/hello" "$r/cmq/hello-unsigned" && cp "$q/hello" "$r/cmq/hello-stranger"
sign() { "$CMSIGN" --carrier xattr --key "$work/$1/signer.key" --cert "$work/$1/signer.pem" "${@:2}" \
	>"$work/sign.log" 2>&1 || { cat "$work/sign.log"; false; }; }
# What runs once enforce is on must be signed: busybox (and its applets), cmt.
sign signer "$r/bin/busybox" "$r/cmq/cmt" "$r/cmq/hello" || fail "cmsign"
sign stranger "$r/cmq/hello-stranger" || fail "cmsign (stranger)"
nsig=$(cmq_rootfs_save_sigs "$r") || fail "saving signatures"
[ "$nsig" = 4 ] || fail "expected 4 signed files, found $nsig"
cat >"$r/cmq/test.sh" <<'G'
. /cmq/lib.sh
T=device:/dev/tpmrm0
B=/etc/cryptomark/keyring.bundle
S=/sys/kernel/security/cryptomark
g_expect "signatures restored on the tmpfs root" ok cmt applysigs /cmq/sigs.list
g_grep "LSM keyring serial published" '^[0-9]+$' cat $S/keyring
g_check "seal to the guest TPM's PCRs 7,14" cmkeys seal --tcti $T --pcrs sha256:7,14 $B
before=$(cmkeys pcrs --tcti $T --pcrs sha256:14)
out=$(cmkeys provision --tcti $T --signed-by /etc/cryptomark/ca.pem $B 2>&1)
echo "# guest: $out"
g_grep "provision into .cryptomark (the default keyring), bundle signed by the CA" \
	"^provisioned 1 keys into keyring .cryptomark \($(cat $S/keyring)\), locked; PCR 14 capped; [0-9.]+ ms$" \
	echo "$out"
g_grep "securityfs lock reads 1" '^1$' cat $S/lock
g_expect "locked: adding a key to .cryptomark fails" EPERM cmt addkey .cryptomark /cmq/stranger.der
after=$(cmkeys pcrs --tcti $T --pcrs sha256:14)
if [ -n "$before" ] && [ -n "$after" ] && [ "$before" != "$after" ]; then
	g_ok "capping PCR 14 changed"
else
	g_fail "capping PCR 14 unchanged: '$before' -> '$after'"
fi
g_grep "the secret cannot be unsealed again this boot" 'PCR policy mismatch' cmkeys unseal --tcti $T --signed-by /etc/cryptomark/ca.pem $B
g_expect "mode raised to enforce" ok cmt write $S/mode "enforce
"
g_expect "enforce: binary signed with the provisioned key runs" ok cmt exec /cmq/hello
g_expect "enforce: unsigned binary refused" EACCES cmt exec /cmq/hello-unsigned
g_expect "enforce: binary signed by a key not in the bundle refused" EACCES cmt exec /cmq/hello-stranger
g_done
G
chmod +x "$r/cmq/test.sh"
cmq_initramfs "$r" "$work/initrd.gz" || fail "initramfs"
echo "# kernel: $kernel"
start=$(date +%s.%N)
cmq_boot -k "$kernel" -i "$work/initrd.gz" -l "$work/console.log" -a "cryptomark.mode=off" -t 120
rc=$?
echo "# boot: $(printf '%.1f' "$(echo "$(date +%s.%N) - $start" | bc)") s"
tr -d '\r' <"$work/console.log" | grep -E '^# guest: '
cmq_report "$work/console.log" $rc
