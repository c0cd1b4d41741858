#!/usr/bin/env bash
# Keys on Debian's stock kernel (issue 5), two boots on one software TPM:
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
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/../lib.sh"
work=$(mktemp -d /tmp/cmq-keys.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { t_fail "$*"; t_done; exit 1; }
guest_results() { # LOG: the guest's lines become ours
	tr -d '\r' <"$1" | grep -E '^(not )?ok [0-9]+ ' | sed -E "s/^(not )?ok [0-9]+ - /\\1ok - $2: /" |
	while IFS= read -r l; do
		case $l in "not ok - "*) echo "F ${l#not ok - }" ;; *) echo "P ${l#ok - }" ;; esac
	done
}
absorb() { # LOG LABEL RC
	local l any=0
	while IFS= read -r l; do
		any=1
		case $l in F\ *) t_fail "${l#F }" ;; *) t_ok "${l#P }" ;; esac
	done < <(guest_results "$1" "$2")
	[ $any = 1 ] || t_fail "$2: no results from the guest"
	if [ "$3" -ne 0 ] || ! cmq_results "$1" >/dev/null 2>&1; then
		echo "# $2 console (tail):"; tr -d '\r' <"$1" | tail -n 25 | sed 's/^/#   /'
		[ "$3" -ne 0 ] && t_fail "$2: boot did not complete (rc $3)"
	fi
}

kernel=${1:-}
[ -n "$kernel" ] || kernel=$(cmq_kernel_debian) || fail "no Debian kernel image"
for b in cmt hello; do
	[ -x "$T_BUILD/qemu/$b" ] || fail "build/qemu/$b missing: run 'make qemu-guest'"
done
for b in "$CMSIGN" "$CMKEYS"; do [ -x "$b" ] || fail "$b missing: run 'make all'"; done
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
	cmq_rootfs_add_libs "$r" "$CMKEYS" "$(ldconfig -p | awk '$1 == "libtss2-tcti-device.so.0" {print $NF; exit}')" &&
	cmq_rootfs_add "$r" "$(ldconfig -p | awk '$1 == "libtss2-tcti-device.so.0" {print $NF; exit}')" \
		/usr/lib/x86_64-linux-gnu/libtss2-tcti-device.so.0 &&
	cmq_rootfs_add "$r" "$B" /etc/cryptomark/keyring.bundle &&
	cmq_rootfs_add "$r" /usr/share/initramfs-tools/scripts/functions /cmq/functions &&
	cmq_rootfs_add "$r" "$T_ROOT/keys/initramfs/init-premount" /cmq/init-premount 0755 ||
	fail "staging cmkeys"
cat >"$r/cmq/test.sh" <<'G'
. /cmq/lib.sh
T=device:/dev/tpmrm0
B=/etc/cryptomark/keyring.bundle
g_check "guest has /dev/tpmrm0" test -c /dev/tpmrm0
g_check "seal to the guest TPM's PCRs 0,7,14" cmkeys seal --tcti $T --pcrs sha256:0,7,14 $B
echo "SEAL:$(hexdump -v -e '1/1 "%02x"' $B.seal)"
g_grep "unseal in the guest" '^trust keyid [0-9a-f]{8} /CN=cryptomark signer' cmkeys unseal --tcti $T --allow-unsigned-bundle $B
cp $B /tmp/t.bundle && cp $B.seal /tmp/t.bundle.seal
printf 'X' | dd of=/tmp/t.bundle bs=1 seek=200 conv=notrunc 2>/dev/null
g_grep "tampered bundle: unseal refuses" 'bundle changed' cmkeys unseal --tcti $T --allow-unsigned-bundle /tmp/t.bundle
g_grep "tampered bundle: provision refuses" 'bundle changed' cmkeys provision --tcti $T --allow-unsigned-bundle --keyring _imabad /tmp/t.bundle
if grep -q '_imabad' /proc/keys; then g_fail "refused provision created a keyring"; else g_ok "refused provision left no keyring"; fi
# The init-premount script on a tampered bundle, told to boot on.
mkdir -p /scripts/init-premount
cp /cmq/functions /scripts/functions && cp /cmq/init-premount /scripts/init-premount/cryptomark
cp $B /tmp/good.bundle && cp /tmp/t.bundle $B
printf 'KEYRING=_imafail\nTCTI=%s\nON_FAILURE=continue\nALLOW_UNSIGNED_BUNDLE=yes\n' $T >/etc/cryptomark/provision.conf
export quiet=n
g_grep "init-premount on a tampered bundle: failure reported" \
	'cryptomark: keyring provisioning failed: no signer key is trusted' sh /scripts/init-premount/cryptomark
# PCR 14 was capped by the refused provision above: that is the reason now.
g_grep "... the reason kept in /run/cryptomark.failed" 'cmkeys provision: PCR policy mismatch' cat /run/cryptomark.failed
if grep -q '_imafail' /proc/keys; then g_fail "failed init-premount created a keyring"; else g_ok "... and no keyring created"; fi
cp /tmp/good.bundle $B
g_grep "the refused provision still capped PCR 14: the good bundle no longer unseals" \
	'PCR policy mismatch' cmkeys unseal --tcti $T --allow-unsigned-bundle $B
g_done
G
chmod +x "$r/cmq/test.sh"
cmq_initramfs "$r" "$work/initrd1.gz" || fail "initramfs 1"
echo "# kernel: $kernel"
start=$(date +%s.%N)
cmq_boot -k "$kernel" -i "$work/initrd1.gz" -l "$work/console1.log" -s "$tpmstate" -t 120
rc=$?
echo "# boot 1: $(printf '%.1f' "$(echo "$(date +%s.%N) - $start" | bc)") s"
absorb "$work/console1.log" "install boot" $rc
tr -d '\r' <"$work/console1.log" | sed -n 's/^SEAL:\([0-9a-f]*\)$/\1/p' | xxd -r -p >"$B.seal"
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
q=$T_BUILD/qemu
cp "$q/hello" "$r/cmq/hello" && cp "$q/hello" "$r/cmq/hello-unsigned" && cp "$q/hello" "$r/cmq/hello-stranger"
sign() { "$CMSIGN" --carrier xattr --key "$work/$1/signer.key" --cert "$work/$1/signer.pem" "${@:2}" \
	>"$work/sign.log" 2>&1 || { cat "$work/sign.log"; false; }; }
# What the guest executes once the IMA policy is loaded must be signed.
sign signer "$r/bin/busybox" "$r/cmq/cmt" "$r/cmq/hello" || fail "cmsign"
sign stranger "$r/cmq/hello-stranger" || fail "cmsign (stranger)"
nsig=$(cmq_rootfs_save_sigs "$r") || fail "saving signatures"
[ "$nsig" = 4 ] || fail "expected 4 signed files, found $nsig"
cat >"$r/cmq/test.sh" <<'G'
. /cmq/lib.sh
T=device:/dev/tpmrm0
B=/etc/cryptomark/keyring.bundle
g_expect "signatures restored on the tmpfs root" ok cmt applysigs /cmq/sigs.list
before=$(cmkeys pcrs --tcti $T --pcrs sha256:14)
# As initramfs-tools' /init runs it: quiet set, functions available.
export quiet=n
out=$(sh /scripts/init-premount/cryptomark 2>&1)
echo "# guest: $(echo "$out" | grep -oE 'provisioned .* ms')"
g_grep "init-premount script provisions the bundle into _ima" \
	'provisioned 1 keys into keyring _ima \([0-9]+\), locked; PCR 14 capped; [0-9.]+ ms' \
	echo "$out"
g_check "no failure marker" test ! -e /run/cryptomark.failed
# What the script hands cmkeys, seen through a stand-in that only echoes.
mkdir -p /tmp/stub && printf '#!/bin/sh\necho "stub cmkeys $*"\n' >/tmp/stub/cmkeys && chmod 0755 /tmp/stub/cmkeys
g_grep "init-premount passes --signed-by the pinned signer (SIGNED_BY)" \
	'stub cmkeys provision .*--signed-by /etc/cryptomark/bundle-signer.pem /etc/cryptomark/keyring.bundle' \
	env PATH=/tmp/stub:$PATH sh /scripts/init-premount/cryptomark
g_expect "keyring _ima exists" ok cmt keyring _ima
g_grep "the signer certificate is in _ima" 'asymmetri +cryptomark signer: ' cat /proc/keys
g_expect "keyring locked: adding a key fails" EACCES cmt addkey _ima /cmq/stranger.der
after=$(cmkeys pcrs --tcti $T --pcrs sha256:14)
if [ -n "$before" ] && [ -n "$after" ] && [ "$before" != "$after" ]; then
	g_ok "capping PCR 14 changed ($after)"
else
	g_fail "capping PCR 14 unchanged: '$before' -> '$after'"
fi
g_grep "the secret cannot be unsealed again this boot" 'PCR policy mismatch' cmkeys unseal --tcti $T --allow-unsigned-bundle $B
g_grep "the bundle's signature checks against the pinned CA (then the capped TPM refuses)" \
	'PCR policy mismatch' cmkeys unseal --tcti $T --signed-by /etc/cryptomark/bundle-signer.pem $B
g_grep "... and against no other certificate" 'not made by the --signed-by key' \
	cmkeys unseal --tcti $T --signed-by /cmq/stranger.der $B
g_expect "unsigned binary runs before the IMA policy" ok cmt exec /cmq/hello-unsigned
g_expect "IMA appraisal policy loaded (one write)" ok \
	cmt write /sys/kernel/security/ima/policy "appraise func=BPRM_CHECK appraise_type=imasig
"
g_expect "stock kernel runs the cmsign-signed binary (key from the provisioned _ima)" ok cmt exec /cmq/hello
g_expect "stock kernel refuses the unsigned binary" EACCES cmt exec /cmq/hello-unsigned
g_expect "stock kernel refuses a binary signed by a key not in the bundle" EACCES cmt exec /cmq/hello-stranger
g_done
G
chmod +x "$r/cmq/test.sh"
cmq_initramfs "$r" "$work/initrd2.gz" || fail "initramfs 2"
start=$(date +%s.%N)
cmq_boot -k "$kernel" -i "$work/initrd2.gz" -l "$work/console2.log" -s "$tpmstate" -t 120
rc=$?
echo "# boot 2: $(printf '%.1f' "$(echo "$(date +%s.%N) - $start" | bc)") s"
tr -d '\r' <"$work/console2.log" | grep -E '^# guest: '
absorb "$work/console2.log" "provisioning boot" $rc
t_done
