#!/usr/bin/env bash
# The cmkeys initramfs-tools hook, run with the real hook-functions into a
# scratch DESTDIR: what it adds (cmkeys, every library ldd names, the TCTI
# tpm2-tss dlopen()s, config, bundle, seal), that it adds nothing until
# configured, and that it fails the build when the bundle or seal is
# missing.  The init-premount script is booted for real in
# tests/qemu/keys-stock.sh.
. "$(dirname "$0")/../lib.sh"
H=/usr/share/initramfs-tools/hook-functions
[ -r $H ] || { t_fail "$H missing: initramfs-tools-core (make deps)"; t_done; exit 1; }
[ -x "$CMKEYS" ] || { t_fail "$CMKEYS missing (make all)"; t_done; exit 1; }
D=$(t_scratch)
trap 'rm -rf "$D"' EXIT
hook() { # DESTDIR CONF
	mkdir -p "$1"
	PATH=$(dirname "$CMKEYS"):$PATH DESTDIR=$1 CRYPTOMARK_CONF=$2 verbose=n \
		version=none MODULESDIR=/nonexistent sh "$T_ROOT/keys/initramfs/hook"
}
"$CMKEYS" ca -o "$D/ca" --type ecdsa-p256 >/dev/null &&
	"$CMKEYS" signer --ca "$D/ca" -o "$D/s" --type ecdsa-p256 >/dev/null &&
	"$CMKEYS" bundle -o "$D/keyring.bundle" "$D/s/signer.pem" >/dev/null || { t_fail "setup"; t_done; exit 1; }
printf 'CMSEAL01 stand-in: the hook copies, it does not parse\n' >"$D/keyring.bundle.seal"
printf 'KEYRING=_ima\nBUNDLE=%s/keyring.bundle\nALLOW_UNSIGNED_BUNDLE=yes\n' "$D" >"$D/provision.conf"
printf 'KEYRING=_ima\nBUNDLE=%s/keyring.bundle\n' "$D" >"$D/nosig.conf"
t_grep "configured without SIGNED_BY (and no opt-out): the initramfs build fails" \
	'SIGNED_BY not set in .*nosig.conf: the bundle must be signed' hook "$D/img0" "$D/nosig.conf"
t_refuse "... with a non-zero exit" hook "$D/img0b" "$D/nosig.conf"

t_check "hook without a config: succeeds" hook "$D/none" "$D/absent.conf"
t_check "... and adds nothing" [ -z "$(find "$D/none" -mindepth 1 | head -n1)" ]

out=$(hook "$D/img" "$D/provision.conf" 2>&1); rc=$?
t_check "hook with a config succeeds${out:+: $out}" [ $rc = 0 ]
bin=$(find "$D/img" -name cmkeys -type f | head -n1)
t_check "cmkeys in the image ($bin)" [ -x "$bin" ]
missing=
for lib in $(ldd "$CMKEYS" | grep -oE '/[^ ]+'); do
	base=$(basename "$lib")
	[ -n "$(find "$D/img" -name "$base" | head -n1)" ] || missing="$missing $base"
done
t_check "every library ldd names is in the image${missing:+ (missing:$missing)}" [ -z "$missing" ]
t_check "the dlopen()ed device TCTI is in the image" \
	[ -n "$(find "$D/img" -name 'libtss2-tcti-device.so.0*' | head -n1)" ]
t_check "config at /etc/cryptomark/provision.conf" cmp -s "$D/provision.conf" "$D/img/etc/cryptomark/provision.conf"
t_check "bundle at /etc/cryptomark/keyring.bundle" cmp -s "$D/keyring.bundle" "$D/img/etc/cryptomark/keyring.bundle"
t_check "seal beside it" cmp -s "$D/keyring.bundle.seal" "$D/img/etc/cryptomark/keyring.bundle.seal"

mv "$D/keyring.bundle.seal" "$D/seal.away"
t_grep "configured but unsealed: the initramfs build fails" 'keyring.bundle.seal missing: run .cmkeys seal' \
	hook "$D/img2" "$D/provision.conf"
t_refuse "... with a non-zero exit" hook "$D/img3" "$D/provision.conf"
mv "$D/seal.away" "$D/keyring.bundle.seal"
printf 'BUNDLE=%s/nowhere\nALLOW_UNSIGNED_BUNDLE=yes\n' "$D" >"$D/bad.conf"
t_grep "configured bundle missing: the initramfs build fails" 'nowhere \(BUNDLE in .*bad.conf\) missing' \
	hook "$D/img4" "$D/bad.conf"
# SIGNED_BY: the bundle's signature and the pinned signer go in too.
"$CMKEYS" bundle -o "$D/keyring.bundle" --sign-key "$D/ca/ca.key" --sign-cert "$D/ca/ca.pem" \
	"$D/s/signer.pem" >/dev/null
printf 'SIGNED_BY=%s/ca/ca.pem\nBUNDLE=%s/keyring.bundle\n' "$D" "$D" >"$D/signed.conf"
out=$(hook "$D/img5" "$D/signed.conf" 2>&1); rc=$?
t_check "SIGNED_BY: hook succeeds${out:+: $out}" [ $rc = 0 ]
t_check "... BUNDLE.sig in the image" cmp -s "$D/keyring.bundle.sig" "$D/img5/etc/cryptomark/keyring.bundle.sig"
t_check "... the pinned signer at /etc/cryptomark/bundle-signer.pem" \
	cmp -s "$D/ca/ca.pem" "$D/img5/etc/cryptomark/bundle-signer.pem"
mv "$D/keyring.bundle.sig" "$D/sig.away"
t_grep "SIGNED_BY but the bundle unsigned: the initramfs build fails" 'keyring.bundle.sig missing: sign the bundle' \
	hook "$D/img6" "$D/signed.conf"
mv "$D/sig.away" "$D/keyring.bundle.sig"
printf 'SIGNED_BY=%s/nocert.pem\nBUNDLE=%s/keyring.bundle\n' "$D" "$D" >"$D/signed2.conf"
t_grep "SIGNED_BY naming a missing certificate: the build fails" 'nocert.pem \(SIGNED_BY in .*signed2.conf\) missing' \
	hook "$D/img7" "$D/signed2.conf"
# What init-premount hands cmkeys, through a stand-in that only echoes.
premount() { # CONF
	mkdir -p "$D/pm/scripts" "$D/pm/bin"
	printf 'log_begin_msg() { :; }\nlog_end_msg() { :; }\nlog_failure_msg() { :; }\npanic() { echo "panic: $*"; exit 1; }\n' >"$D/pm/scripts/functions"
	printf '#!/bin/sh\necho "stub cmkeys $*"\n' >"$D/pm/bin/cmkeys"; chmod 0755 "$D/pm/bin/cmkeys"
	sed -e "s|^\\. /scripts/functions|. $D/pm/scripts/functions|" \
		-e "s|^CONF=/etc/cryptomark/provision.conf|CONF=$1|" "$T_ROOT/keys/initramfs/init-premount" >"$D/pm/premount"
	PATH=$D/pm/bin:$PATH sh "$D/pm/premount"
}
printf 'TCTI=swtpm:\n' >"$D/pm.conf"
t_grep "init-premount without SIGNED_BY: no opt-out passed (cmkeys refuses the unsigned bundle)" \
	'^stub cmkeys provision --tcti swtpm: --keyring .cryptomark /etc/cryptomark/keyring.bundle$' premount "$D/pm.conf"
printf 'TCTI=swtpm:\nALLOW_UNSIGNED_BUNDLE=yes\n' >"$D/pm2.conf"
t_grep "init-premount with ALLOW_UNSIGNED_BUNDLE=yes: passes the opt-out" 'stub cmkeys provision .*--allow-unsigned-bundle' premount "$D/pm2.conf"
printf 'TCTI=swtpm:\nSIGNED_BY=/x.pem\nALLOW_UNSIGNED_BUNDLE=yes\n' >"$D/pm3.conf"
t_grep "init-premount with SIGNED_BY: --signed-by, never the opt-out" 'stub cmkeys provision .*--signed-by /etc/cryptomark/bundle-signer.pem /etc' premount "$D/pm3.conf"
# POLICIES: every signed policy goes in; init-premount passes --policies.
mkdir -p "$D/pol"
printf 'policy A\n' >"$D/pol/A.policy"; printf 'policy B\n' >"$D/pol/B.policy"
printf 'SIGNED_BY=%s/ca/ca.pem\nBUNDLE=%s/keyring.bundle\nPOLICIES=%s/pol\n' "$D" "$D" "$D" >"$D/pol.conf"
out=$(hook "$D/img8" "$D/pol.conf" 2>&1); rc=$?
t_check "POLICIES: hook succeeds${out:+: $out}" [ $rc = 0 ]
t_check "... chain A's policy at /etc/cryptomark/policies" \
	cmp -s "$D/pol/A.policy" "$D/img8/etc/cryptomark/policies/A.policy"
t_check "... and chain B's beside it" cmp -s "$D/pol/B.policy" "$D/img8/etc/cryptomark/policies/B.policy"
mkdir -p "$D/nopol"
printf 'SIGNED_BY=%s/ca/ca.pem\nBUNDLE=%s/keyring.bundle\nPOLICIES=%s/nopol\n' "$D" "$D" "$D" >"$D/nopol.conf"
t_grep "POLICIES without any *.policy: the initramfs build fails" 'nopol has no \*.policy' hook "$D/img9" "$D/nopol.conf"
printf 'TCTI=swtpm:\nSIGNED_BY=/x.pem\nPOLICIES=/etc/cryptomark/policies\n' >"$D/pm4.conf"
t_grep "init-premount with POLICIES: --policies /etc/cryptomark/policies" \
	'stub cmkeys provision .*--policies /etc/cryptomark/policies .*--signed-by' premount "$D/pm4.conf"

# The kernel postinst.d hook: the shipped policy of the new kernel joins the
# running chain's, before initramfs-tools rebuilds the initramfs.
printf 'sha256:7=%064d\nsha256:14=%064d\n' 0 1 >"$D/chain.txt"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$D/pk.key" 2>/dev/null
mkdir -p "$D/ship/6.1.0-99" "$D/etcpol"
"$CMKEYS" policy sign --pcr-values "$D/chain.txt" --key "$D/pk.key" -o "$D/ship/6.1.0-99/chain.policy" >/dev/null
printf 'POLICIES=%s/etcpol\n' "$D" >"$D/pi.conf"
postinst() { PATH=$(dirname "$CMKEYS"):$PATH CRYPTOMARK_CONF=$1 CRYPTOMARK_SHIPPED=$D/ship \
	sh "$T_ROOT/keys/initramfs/kernel-postinst" "$2"; }
t_grep "postinst.d: the new kernel's signed policy installed" "installed $D/etcpol/6.1.0-99-chain.policy" \
	postinst "$D/pi.conf" 6.1.0-99
t_check "... byte for byte" cmp -s "$D/ship/6.1.0-99/chain.policy" "$D/etcpol/6.1.0-99-chain.policy"
t_grep "postinst.d: a kernel without a shipped policy: warned, its chain will not provision" \
	'no signed PCR policy for kernel 6.1.0-100' postinst "$D/pi.conf" 6.1.0-100
mkdir -p "$D/ship/6.1.0-98"; printf 'junk' >"$D/ship/6.1.0-98/x.policy"
t_refuse "postinst.d: a shipped file that is not a signed policy: refused" postinst "$D/pi.conf" 6.1.0-98
t_check "... and not installed" [ ! -e "$D/etcpol/6.1.0-98-x.policy" ]
t_check "init-premount script parses (sh -n)" sh -n "$T_ROOT/keys/initramfs/init-premount"
p=$(sh "$T_ROOT/keys/initramfs/init-premount" prereqs); rc=$?
t_check "init-premount answers prereqs (none) and stops there" [ $rc = 0 -a -z "$p" ]
t_done
