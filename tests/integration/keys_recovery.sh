#!/usr/bin/env bash
# Recovery on a real swtpm: the TPM refuses (a firmware update without a
# signed policy; then a cleared TPM), the administrator approves this
# boot's request offline with the CA key, provision --recovery loads the
# CA-signed bundle once; then a reseal makes the next boot provision
# normally.  A token is refused on the next boot, on another TPM, for
# another bundle, for other PCRs, signed by another key or changed.
. "$(dirname "$0")/../lib.sh"
t_require_root
t_need swtpm tpm2_pcrextend tpm2_clear keyctl "$CMKEYS"
t_keys_scratch
boot() { # DIR: a (re)boot of the TPM whose state is in DIR
	t_swtpm_start "$1" || { t_fail "swtpm start: $(cat "$1/log" 2>/dev/null)"; t_done; exit 1; }
}
fw() { tpm2_pcrextend 7:sha256=$(printf 'firmware 2' | sha256sum | cut -c1-64); }
ring() { local r; r=$(keyctl search @u keyring "$1" 2>/dev/null) && RINGS+=("$r"); [ -n "$r" ]; }
boot "$D/tpm"

"$K" ca -o "$D/ca" --type ecdsa-p256 >/dev/null &&
	"$K" signer --ca "$D/ca" -o "$D/s" --type ecdsa-p256 >/dev/null &&
	"$K" ca -o "$D/evil" --type ecdsa-p256 >/dev/null &&
	"$K" bundle -o "$D/b" --sign-key "$D/ca/ca.key" --sign-cert "$D/ca/ca.pem" "$D/s/signer.pem" >/dev/null &&
	"$K" bundle -o "$D/other" --sign-key "$D/ca/ca.key" --sign-cert "$D/ca/ca.pem" \
		--revoke 0badc0de "$D/s/signer.pem" >/dev/null ||
	{ t_fail "setup"; t_done; exit 1; }
B=$D/b S=(--signed-by "$D/ca/ca.pem") CA=(--sign-key "$D/ca/ca.key" --sign-cert "$D/ca/ca.pem")
"$K" seal --pcrs sha256:7,14 "$B" >/dev/null

# New firmware, no policy for it: the seal no longer opens.
boot "$D/tpm"; fw
t_grep "after a firmware update the seal does not open" 'PCR policy mismatch' \
	"$K" provision "${S[@]}" --keyring cmtest_$$_x "$B"
t_check "recovery request: this TPM, this boot, the PCRs, the bundle" \
	"$K" recovery request -o "$D/req" "$B"
t_grep "recovery sign (offline, the CA key) shows what it approves" \
	'^recovery request: TPM 000b[0-9a-f]{64}, boot \(reset count\) [0-9]+, bundle sha256:'"$(sha256sum "$B" | cut -c1-64)" \
	"$K" recovery sign "${CA[@]}" -o "$D/token" "$D/req"
"$K" recovery sign --sign-key "$D/evil/ca.key" --sign-cert "$D/evil/ca.pem" -o "$D/evil.token" "$D/req" >/dev/null
t_grep "a token signed by another key: refused" 'recovery token refused: not signed by the --signed-by key' \
	"$K" provision "${S[@]}" --recovery "$D/evil.token" --keyring cmtest_$$_e "$B"
cp "$D/token" "$D/flip.token"
t_flip "$D/flip.token" 60
t_grep "a changed token: refused" 'recovery token refused: signature does not match' \
	"$K" provision "${S[@]}" --recovery "$D/flip.token" --keyring cmtest_$$_f "$B"
t_grep "the token with another (CA-signed) bundle: refused" 'recovery token refused: it is for another bundle' \
	"$K" provision "${S[@]}" --recovery "$D/token" --keyring cmtest_$$_o "$D/other"
t_grep "--recovery without --signed-by: refused" 'refusing an unsigned bundle|needs --signed-by' \
	"$K" provision --allow-unsigned-bundle --recovery "$D/token" --keyring cmtest_$$_u "$B"
t_check "... none of those created a keyring" \
	bash -c "! keyctl show @u | grep -q 'cmtest_$$_[efou]'"
ring=cmtest_$$_r
out=$("$K" provision "${S[@]}" --recovery "$D/token" --keyring $ring "$B" 2>&1)
ring $ring
t_grep "provision --recovery TOKEN: the CA-signed bundle loaded, locked, PCR 14 capped" \
	"^provisioned 1 keys into keyring $ring \\([0-9]+\\), locked; PCR 14 capped" echo "$out"
t_grep "... not twice in the same boot (the PCRs moved)" 'the PCRs are not those it approved' \
	"$K" provision "${S[@]}" --recovery "$D/token" --keyring cmtest_$$_2 "$B"
boot "$D/tpm"; fw
t_grep "the token on the next boot: refused (one boot only)" 'recovery token refused: it was for boot [0-9]+, this is boot [0-9]+ \(one boot only\)' \
	"$K" provision "${S[@]}" --recovery "$D/token" --keyring cmtest_$$_n "$B"
# Another machine: a second TPM, same PCRs, same reset count or not.
keep_pid=$SWPID keep_tcti=$TPM2TOOLS_TCTI; SWPID=
boot "$D/tpm2"; fw
t_grep "the token on another TPM: refused" 'recovery token refused: it is for another TPM' \
	"$K" provision "${S[@]}" --recovery "$D/token" --keyring cmtest_$$_t "$B"
kill "$SWPID"; SWPID=$keep_pid; export TPM2TOOLS_TCTI=$keep_tcti

# Reseal for the new firmware: the next boot provisions the normal way.
t_check "reseal in the new state (--force)" "$K" seal --force --pcrs sha256:7,14 "$B"
boot "$D/tpm"; fw
ring=cmtest_$$_after
t_grep "the next boot provisions from the TPM again, no token" "^provisioned 1 keys into keyring $ring " \
	"$K" provision "${S[@]}" --keyring $ring "$B"
ring $ring

# A cleared TPM: the owner seed is new, so the sealed object does not load.
tpm2_clear >/dev/null 2>&1
boot "$D/tpm"; fw
t_grep "after TPM2_Clear the seal is refused" 'TPM2_Load: sealed object refused' \
	"$K" unseal "${S[@]}" "$B"
"$K" recovery request --pcrs 7,14 -o "$D/req2" "$B" >/dev/null &&
	"$K" recovery sign "${CA[@]}" -o "$D/token2" "$D/req2" >/dev/null
"$K" recovery sign "${CA[@]}" -o "$D/token2b" "$D/req2" | grep '^sha256:' >"$D/approved.txt"
ring=cmtest_$$_clr
t_grep "cleared TPM: provision --recovery with a fresh token" "^provisioned 1 keys into keyring $ring " \
	"$K" provision "${S[@]}" --recovery "$D/token2" --keyring $ring "$B"
ring $ring
# The PCRs are capped now: seal to the values the token approved.
t_check "... then counters, and a seal to the approved (uncapped) PCR values" \
	bash -c "'$K' counter init >/dev/null && '$K' seal --force --pcr-values '$D/approved.txt' '$B' >/dev/null"
boot "$D/tpm"; fw
t_grep "... and the next boot provisions normally" '^trust keyid' "$K" unseal "${S[@]}" "$B"
t_done
