#!/usr/bin/env bash
# A kernel update under QEMU with swtpm, without a reseal: four
# boots of Debian's stock kernel on one TPM state.
#
#  install (host, on that TPM state): NV counters, the bundle sealed under
#    the policy-signing key (seal --authorize, PCR 14, bound to the bundle
#    counter); chain A's policy signed offline (--version P).
#  1. chain A: the initramfs built by the real hook (SIGNED_BY, POLICIES);
#     the real init-premount provisions _ima; then "kernel B" is installed:
#     the real /etc/kernel/postinst.d/cryptomark copies its shipped signed
#     policy (--version P+1) beside A's.  The policies come back on the
#     console and the hook rebuilds the initramfs with them.
#  2. chain B: provisions through B's policy; the seal is the install's.
#  3. chain C (no signed policy): refused, no keyring.
#     host: cmkeys counter bump policy (P -> P+1).
#  4. chain A again (a rollback): the TPM refuses A's policy (PolicyNV).
# Each chain is simulated by extending PCR 14 in the guest before the
# init-premount script runs; every TPM command is real.
#
#   tests/qemu/keys-update.sh [KERNEL]   (default: Debian's stock vmlinuz)
. "$(dirname "$0")/suite.sh"
suite_begin upd debian "$@"
suite_at_exit t_swtpm_stop
for b in "$CMKEYS" /usr/bin/tpm2; do [ -x "$b" ] || fail "$b missing (make all / make deps)"; done
[ -r /usr/share/initramfs-tools/hook-functions ] || fail "initramfs-tools-core missing (make deps)"
tcti=$(suite_tcti) || fail "no TPM library for tpm2 in the guest"

"$CMKEYS" ca -o "$work/ca" --type rsa3072 >/dev/null &&
	"$CMKEYS" signer --ca "$work/ca" -o "$work/signer" --type rsa3072 >/dev/null &&
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/policy.key" 2>/dev/null &&
	openssl pkey -in "$work/policy.key" -pubout -out "$work/policy.pub" || fail "keys"
B=$work/keyring.bundle
"$CMKEYS" bundle -o "$B" --sign-key "$work/ca/ca.key" --sign-cert "$work/ca/ca.pem" \
	"$work/signer/signer.pem" >/dev/null || fail "cmkeys bundle"
state=$work/tpmstate
mkdir -p "$state"
host_tpm() { # CMD...: a cmkeys command on the guest's TPM state, from the host
	local rc
	t_swtpm_start "$state" >/dev/null || return 1
	"$@"; rc=$?
	t_swtpm_stop
	return $rc
}

# ---- install -------------------------------------------------------------
host_tpm "$CMKEYS" counter init >"$work/init.out" 2>&1 || fail "counter init: $(cat "$work/init.out")"
P=$(awk '/^policy counter/ {print $4}' "$work/init.out")
C=$(awk '/^bundle counter/ {print $4}' "$work/init.out")
host_tpm "$CMKEYS" seal --authorize "$work/policy.pub" --pcrs sha256:14 --counter "$C" "$B" >/dev/null ||
	fail "seal --authorize"
cp "$B.seal" "$work/seal.install"
ev() { printf '%s' "$1" | sha256sum | cut -c1-64; }
pcr14() { printf '%064d%s' 0 "$(ev "$1")" | xxd -r -p | sha256sum | cut -c1-64; }
mkdir -p "$work/policies" "$work/ship/6.1.0-99-cmtest"
printf 'sha256:14=%s\n' "$(pcr14 'kernel A')" >"$work/A.txt"
printf 'sha256:14=%s\n' "$(pcr14 'kernel B')" >"$work/B.txt"
"$CMKEYS" policy sign --pcr-values "$work/A.txt" --key "$work/policy.key" --version "$P" \
	-o "$work/policies/A.policy" >/dev/null &&
	"$CMKEYS" policy sign --pcr-values "$work/B.txt" --key "$work/policy.key" --version $((P + 1)) \
	-o "$work/ship/6.1.0-99-cmtest/B.policy" >/dev/null || fail "policy sign"
t_ok "install: counters $P/$C, seal under the policy key, chain A's policy signed offline"

# image POLICIES_DIR CHAIN EVENT EXPECT [UPDATE]: an initramfs by the real hook
image() {
	local r=$work/root-$2 out
	cmq_rootfs_new "$r" || fail "staging tree"
	mkdir -p "$r/usr/lib" "$r/usr/lib64" && ln -s usr/lib "$r/lib" && ln -s usr/lib64 "$r/lib64"
	printf 'KEYRING=_ima\nTCTI=device:/dev/tpmrm0\nBUNDLE=%s\nSIGNED_BY=%s\nPOLICIES=%s\n' \
		"$B" "$work/ca/ca.pem" "$1" >"$work/provision.conf"
	out=$(PATH=$T_BUILD:$PATH DESTDIR=$r CRYPTOMARK_CONF=$work/provision.conf verbose=n \
		version=none MODULESDIR=/nonexistent sh "$T_ROOT/keys/initramfs/hook" 2>&1) ||
		fail "initramfs hook: $out"
	# On the machine the config names its own directories.
	printf 'KEYRING=_ima\nTCTI=device:/dev/tpmrm0\nSIGNED_BY=/etc/cryptomark/ca.pem\nPOLICIES=/etc/cryptomark/policies\nON_FAILURE=continue\n' \
		>"$r/etc/cryptomark/provision.conf"
	cmq_rootfs_add "$r" /usr/share/initramfs-tools/scripts/functions /scripts/functions &&
		cmq_rootfs_add "$r" "$T_ROOT/keys/initramfs/init-premount" /scripts/init-premount/cryptomark 0755 &&
		cmq_rootfs_add "$r" "$T_ROOT/keys/initramfs/kernel-postinst" /etc/kernel/postinst.d/cryptomark 0755 &&
		cmq_rootfs_add "$r" /usr/bin/tpm2 /usr/bin/tpm2 0755 &&
		cmq_rootfs_add_libs "$r" /usr/bin/tpm2 "$tcti" &&
		mkdir -p "$r/usr/share/cryptomark" &&
		cp -r "$work/ship" "$r/usr/share/cryptomark/policies" || fail "staging"
	printf "CHAIN=%s\nEVENT=%s\nEXPECT='%s'\nUPDATE=%s\n" "$2" "$(ev "$3")" "$4" "${5:-}" >"$r/cmq/update.env"
}
# boot CHAIN: boots the image, takes the guest's results
boot() {
	suite_guest -r "$work/root-$1" -s "$state" -o "$1" -t 180 -n 40 "$here/guest/update.sh"
	t_check "chain $1: the guest's seal is the install's (no reseal)" \
		[ "$(tr -d '\r' <"$SUITE_LOG" | sed -n 's/^SEALSUM://p')" = "$(sha256sum "$work/seal.install" | cut -c1-64)" ]
}

# ---- 1. chain A, then the kernel update ---------------------------------------
image "$work/policies" A "kernel A" ok 6.1.0-99-cmtest
boot A
mkdir -p "$work/policies2"
tr -d '\r' <"$work/A.log" | sed -n 's/^POLICY:\([^:]*\):\([0-9a-f]*\)$/\1 \2/p' |
	while read -r name hex; do printf '%s' "$hex" | xxd -r -p >"$work/policies2/$name"; done
t_check "the update left both policies on the machine (A's and the new kernel's)" \
	[ "$(ls "$work/policies2" | wc -l)" = 2 ]
t_check "... the new one is the shipped file" cmp -s "$work/ship/6.1.0-99-cmtest/B.policy" \
	"$work/policies2/6.1.0-99-cmtest-B.policy"

# ---- 2. chain B, 3. chain C --------------------------------------------------
image "$work/policies2" B "kernel B" ok
boot B
image "$work/policies2" C "kernel C" 'boot chain not authorized'
boot C

# ---- 4. the policy counter moves past A: rollback to A refused by the TPM ------
host_tpm "$CMKEYS" counter bump policy >"$work/bump.out" 2>&1
t_grep "counter bump policy ($P -> $((P + 1)))" "^policy counter 0x013c4d01: $((P + 1))\$" cat "$work/bump.out"
image "$work/policies2" A2 "kernel A" "signed policy version $P revoked: counter 0x013c4d01 is at $((P + 1)).*TPM2_PolicyNV"
boot A2
t_done
