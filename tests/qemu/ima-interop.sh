#!/usr/bin/env bash
# IMA interop: one signature, two enforcers.  Boots the cryptomark
# test kernel with cryptomark.mode=off and IMA appraisal on (policy
# "appraise func=BPRM_CHECK appraise_type=imasig", one write), the test
# CA's signer certificates (cmkeys, RSA and ECDSA) in the IMA keyring
# (".ima" if the kernel has one, else a "_ima" keyring the process can
# find), and checks that binaries signed by cmsign run while unsigned,
# tampered and wrong-key ones are refused with EACCES by IMA.
#   tests/qemu/ima-interop.sh [KERNEL]   (default build/kernel/bzImage;
#   `ima-interop.sh debian` boots Debian's stock kernel instead)
. "$(dirname "$0")/suite.sh"
suite_begin ima cryptomark "$@"
# cmq.lsm=1: the guest also checks that cryptomark is present and off.
lsm=1
[ "$SUITE_KIND" = debian ] && lsm=0
suite_need cmt hello "$CMSIGN" "$CMKEYS"

# Keys from the project's PKI: a test CA, its RSA and ECDSA signers (both
# trusted by the guest) and a third signer the guest never learns about.
"$CMKEYS" ca -o "$work/ca" --type rsa3072 >/dev/null &&
	"$CMKEYS" signer --ca "$work/ca" -o "$work/signer" --type rsa3072 >/dev/null &&
	"$CMKEYS" signer --ca "$work/ca" -o "$work/ecsigner" --type ecdsa-p256 >/dev/null &&
	"$CMKEYS" signer --ca "$work/ca" -o "$work/stranger" --type rsa3072 >/dev/null ||
	fail "cmkeys PKI"

cmq_rootfs_new "$r" || fail "staging tree"
for n in hello hello-ec hello-unsigned hello-tampered hello-stranger; do
	cp "$q/hello" "$r/cmq/$n"
done
for n in signer ecsigner; do
	openssl x509 -in "$work/$n/signer.pem" -outform DER -out "$r/cmq/$n.der" || fail "DER"
done
# Everything the guest executes once the policy is loaded must be signed:
# busybox (the shell's children, poweroff), the probe, the test binaries.
suite_sign signer "$r/bin/busybox" "$r/cmq/cmt" "$r/cmq/hello" "$r/cmq/hello-tampered" ||
	fail "cmsign failed"
suite_sign ecsigner "$r/cmq/hello-ec" || fail "cmsign (ECDSA) failed"
suite_sign stranger "$r/cmq/hello-stranger" || fail "cmsign (stranger) failed"
# One byte more after signing: the signature no longer matches the digest.
printf 'X' >>"$r/cmq/hello-tampered"
suite_guest -a "cryptomark.mode=off cmq.lsm=$lsm" -t 120 -S 6 -n 40 "$here/guest/ima.sh"
t_done
