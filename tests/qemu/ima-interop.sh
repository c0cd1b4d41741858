#!/usr/bin/env bash
# IMA interop (issue 6): one signature, two enforcers.  Boots the cryptomark
# test kernel with cryptomark.mode=off and IMA appraisal on (policy
# "appraise func=BPRM_CHECK appraise_type=imasig", one write), the test
# CA's signer certificates (cmkeys, RSA and ECDSA) in the IMA keyring
# (".ima" if the kernel has one, else a "_ima" keyring the process can
# find), and checks that binaries signed by cmsign run while unsigned,
# tampered and wrong-key ones are refused with EACCES by IMA.
#   tests/qemu/ima-interop.sh [KERNEL]   (default build/kernel/bzImage;
#   `ima-interop.sh debian` boots Debian's stock kernel instead)
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/../lib.sh"
work=$(mktemp -d /tmp/cmq-ima.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { t_fail "$*"; t_done; exit 1; }

# cmq.lsm=1: the guest also checks that cryptomark is present and off.
lsm=1
case ${1:-} in
"") kernel=$(cmq_kernel_cryptomark) || fail "no kernel image" ;;
debian) kernel=$(cmq_kernel_debian) || fail "no Debian kernel image"; lsm=0 ;;
*) kernel=$1 ;;
esac
for b in cmt hello; do
	[ -x "$T_BUILD/qemu/$b" ] || fail "build/qemu/$b missing: run 'make qemu-guest'"
done
for b in "$CMSIGN" "$CMKEYS"; do [ -x "$b" ] || fail "$b missing: run 'make all'"; done

# Keys from the project's PKI: a test CA, its RSA and ECDSA signers (both
# trusted by the guest) and a third signer the guest never learns about.
"$CMKEYS" ca -o "$work/ca" --type rsa3072 >/dev/null &&
	"$CMKEYS" signer --ca "$work/ca" -o "$work/signer" --type rsa3072 >/dev/null &&
	"$CMKEYS" signer --ca "$work/ca" -o "$work/ecsigner" --type ecdsa-p256 >/dev/null &&
	"$CMKEYS" signer --ca "$work/ca" -o "$work/stranger" --type rsa3072 >/dev/null ||
	fail "cmkeys PKI"

r=$work/root
cmq_rootfs_new "$r" || fail "staging tree"
q=$T_BUILD/qemu
for n in hello hello-ec hello-unsigned hello-tampered hello-stranger; do
	cp "$q/hello" "$r/cmq/$n"
done
for n in signer ecsigner; do
	openssl x509 -in "$work/$n/signer.pem" -outform DER -out "$r/cmq/$n.der" || fail "DER"
done
sign() { "$CMSIGN" --key "$work/$1/signer.key" --cert "$work/$1/signer.pem" "${@:2}" \
	>"$work/sign.log" 2>&1 || { cat "$work/sign.log"; false; }; }
# Everything the guest executes once the policy is loaded must be signed:
# busybox (the shell's children, poweroff), the probe, the test binaries.
sign signer "$r/bin/busybox" "$r/cmq/cmt" "$r/cmq/hello" "$r/cmq/hello-tampered" ||
	fail "cmsign failed"
sign ecsigner "$r/cmq/hello-ec" || fail "cmsign (ECDSA) failed"
sign stranger "$r/cmq/hello-stranger" || fail "cmsign (stranger) failed"
# One byte more after signing: the signature no longer matches the digest.
printf 'X' >>"$r/cmq/hello-tampered"
nsig=$(cmq_rootfs_save_sigs "$r") || fail "saving signatures"
[ "$nsig" = 6 ] || fail "expected 6 signed files in the staging tree, found $nsig"

cat >"$r/cmq/test.sh" <<'G'
. /cmq/lib.sh
g_expect "signatures restored on the tmpfs root" ok cmt applysigs /cmq/sigs.list
if grep -q 'cmq.lsm=1' /proc/cmdline; then
	g_grep "cryptomark is present and off" '^off' cat /sys/kernel/security/cryptomark/mode
fi
if cmt keyring .ima | grep -q '^result=ok'; then
	ring=.ima
else
	# No .ima keyring (no INTEGRITY_TRUSTED_KEYRING): IMA looks up "_ima"
	# from the calling process; it must exist before the first appraisal.
	ring=_ima
	g_expect "_ima keyring created in the user keyring" ok cmt newkeyring _ima
fi
g_expect "RSA signer certificate added to $ring" ok cmt addkey $ring /cmq/signer.der
g_expect "ECDSA P-256 signer certificate added to $ring" ok cmt addkey $ring /cmq/ecsigner.der
g_expect "unsigned binary runs before the IMA policy" ok cmt exec /cmq/hello-unsigned
g_expect "IMA appraisal policy loaded (one write)" ok \
	cmt write /sys/kernel/security/ima/policy "appraise func=BPRM_CHECK appraise_type=imasig
"
g_expect "cmsign-signed binary runs under IMA appraisal (RSA)" ok cmt exec /cmq/hello
g_expect "cmsign-signed binary runs under IMA appraisal (ECDSA P-256)" ok cmt exec /cmq/hello-ec
g_expect "unsigned binary refused by IMA" EACCES cmt exec /cmq/hello-unsigned
g_expect "tampered binary refused by IMA" EACCES cmt exec /cmq/hello-tampered
g_expect "binary signed by an unknown key refused by IMA" EACCES cmt exec /cmq/hello-stranger
g_expect "signed binary still runs (cached verdict)" ok cmt exec /cmq/hello
g_done
G
chmod +x "$r/cmq/test.sh"
cmq_initramfs "$r" "$work/initrd.gz" || fail "initramfs"
echo "# kernel: $kernel"
start=$(date +%s.%N)
cmq_boot -k "$kernel" -i "$work/initrd.gz" -l "$work/console.log" \
	-a "cryptomark.mode=off cmq.lsm=$lsm" -t 120
rc=$?
echo "# boot: $(printf '%.1f' "$(echo "$(date +%s.%N) - $start" | bc)") s"
# The guest's own lines and closing count are this suite's result.
cmq_report "$work/console.log" $rc
