#!/usr/bin/env bash
# cmkeys against a real software TPM: swtpm started here on loopback (and
# stopped, by its pid, at the end).  Seal/unseal, every single-byte change
# of the sealed blob and many of the bundle refused, PCR extend -> PCR
# policy mismatch, offline policy = the TPM's own (and tpm2-tools'), no TPM
# -> clear error within seconds, provisioning into a real kernel keyring
# (this host's, under a unique name, unlinked at the end) with lock, PCR
# cap and fail-closed refusals, and the provisioning time (printed; the
# 100 ms target is checked by bench/keys.sh).
. "$(dirname "$0")/../lib.sh"
t_require_root
t_need swtpm tpm2_pcrread tpm2_pcrextend tpm2_createpolicy keyctl python3 \
	"$CMKEYS"
t_keys_scratch

# swtpm_start: a fresh swtpm on the same state (a reboot), tests/lib.sh.
swtpm_start() { t_swtpm_start "$D/tpm"; }
pcr14() { tpm2_pcrread sha256:14 | sed -n 's/.*14 *: *0x//p' | tr A-F a-f; }
swtpm_start || { t_fail "swtpm did not start: $(cat "$D/tpm/log" 2>/dev/null)"; t_done; exit 1; }

"$CMKEYS" ca -o "$D/ca" --type ecdsa-p256 >/dev/null &&
	"$CMKEYS" signer --ca "$D/ca" -o "$D/s" --type ecdsa-p256 >/dev/null &&
	"$CMKEYS" signer --ca "$D/ca" -o "$D/s2" --type rsa3072 >/dev/null &&
	"$CMKEYS" bundle -o "$D/b" --version 5 --revoke 0badc0de "$D/s/signer.pem" "$D/s2/signer.pem" >/dev/null ||
	{ t_fail "PKI setup"; t_done; exit 1; }
B=$D/b
# Bundles here are unsigned unless a case says otherwise: say so each time.
U=--allow-unsigned-bundle

# ---- seal / unseal --------------------------------------------------------
t_check "seal --pcrs sha256:7,14" "$CMKEYS" seal --pcrs sha256:7,14 "$B"
t_check "seal file beside the bundle" [ -s "$B.seal" ]
t_check "seal file starts with CMSEAL01" [ "$(head -c 8 "$B.seal")" = CMSEAL01 ]
cp "$B.seal" "$D/seal.first"
t_grep "seal over an existing seal without --force: refused" 'b.seal exists: not replacing a seal without --force' \
	"$CMKEYS" seal --pcrs sha256:7 "$B"
t_check "... the seal is unchanged" cmp -s "$B.seal" "$D/seal.first"
t_grep "--pcrs without a bank: sha256, and it says so" 'no bank given, using sha256:7,14' \
	"$CMKEYS" seal --force --pcrs 7,14 "$B"
t_check "... sealed to sha256 PCRs 7,14 (mask 0x4080 in the header)" \
	[ "$(od -An -tx1 -j 8 -N 8 "$B.seal" | tr -d ' ')" = 000b000000004080 ]
t_grep "unseal of an unsigned bundle without --allow-unsigned-bundle: refused" \
	'refusing an unsigned bundle: give --signed-by CERT \(or --allow-unsigned-bundle\)' "$CMKEYS" unseal "$B"
t_grep "unseal: checks the bundle and prints what it trusts" '^trust keyid [0-9a-f]{8} /CN=cryptomark signer' \
	"$CMKEYS" unseal $U "$B"
t_grep "unseal: ... including the revocations" '^revoked keyid 0badc0de$' "$CMKEYS" unseal $U "$B"
t_grep "unseal --tcti overrides the environment" '^trust keyid' \
	env -u TPM2TOOLS_TCTI "$CMKEYS" unseal $U --tcti "$TPM2TOOLS_TCTI" "$B"
t_grep "unseal: TCTI from \$TCTI too" '^trust keyid' env -u TPM2TOOLS_TCTI TCTI="$TPM2TOOLS_TCTI" "$CMKEYS" unseal $U "$B"
t_grep "unseal --min-version above the bundle's: rollback refused" 'version 5 is below the minimum 6 \(rollback\)' \
	"$CMKEYS" unseal $U --min-version 6 "$B"
t_check "unseal --min-version equal to the bundle's" "$CMKEYS" unseal $U --min-version 5 "$B"

# ---- tampering: every byte of the seal, many of the bundle -------------------
cp "$B" "$D/b.orig"; cp "$B.seal" "$D/seal.orig"
flip() { # FILE OFFSET: xor one byte with 0x01
	local f=$1 off=$2 v
	v=$(od -An -tu1 -j "$off" -N1 "$f" | tr -d ' ')
	printf "$(printf '\\%03o' $((v ^ 1)))" | dd of="$f" bs=1 seek="$off" conv=notrunc 2>/dev/null
}
n=$(stat -c %s "$B.seal") bad=() reasons=$D/reasons
: >"$reasons"
for ((off = 0; off < n; off++)); do
	cp "$D/seal.orig" "$B.seal"; flip "$B.seal" $off
	if out=$("$CMKEYS" unseal $U "$B" 2>&1); then bad+=($off); fi
	echo "$off ${out#cmkeys unseal: }" >>"$reasons"
done
cp "$D/seal.orig" "$B.seal"
t_check "all $n single-byte changes of the sealed blob refused${bad:+ (accepted at: ${bad[*]})}" [ ${#bad[@]} = 0 ]
# The reasons name the part that was changed.
t_grep "seal magic changed: malformed seal" '^0 .*malformed seal: bad magic' cat "$reasons"
t_grep "seal PCR mask changed: refused by the TPM policy" '^13 .*PCR policy mismatch' cat "$reasons"
t_grep "seal policy digest changed: header disagrees with the object" '^20 .*policy differs from the header' cat "$reasons"
t_grep "seal tag changed: bundle changed" '^52 .*bundle changed' cat "$reasons"
t_grep "sealed private part changed: TPM2_Load refuses it" "^$((n - 10)) .*TPM2_Load: sealed object refused" cat "$reasons"
n=$(stat -c %s "$B") bad=() tested=0
for ((off = 0; off < n; off += 5)); do
	cp "$D/b.orig" "$B"; flip "$B" $off; tested=$((tested + 1))
	out=$("$CMKEYS" unseal $U "$B" 2>&1) && bad+=($off)
	grep -q 'bundle changed: its HMAC does not match the sealed tag' <<<"$out" || bad+=("$off:$out")
done
cp "$D/b.orig" "$B"
t_check "$tested single-byte changes across the bundle refused as 'bundle changed'${bad:+ (wrong at: ${bad[*]})}" [ ${#bad[@]} = 0 ]
printf 'X' >>"$B"
t_grep "bundle with one byte appended: refused" 'bundle changed' "$CMKEYS" unseal $U "$B"
cp "$D/b.orig" "$B"
cp "$D/s/signer.pem" "$D/other.pem"
"$CMKEYS" bundle -o "$D/swapped" --version 5 "$D/s/signer.pem" >/dev/null
cp "$B.seal" "$D/swapped.seal"
t_grep "a different bundle with this bundle's seal: refused" 'bundle changed' "$CMKEYS" unseal $U "$D/swapped"
t_grep "bundle without its seal: refused" 'other.pem.seal: No such file' "$CMKEYS" unseal $U "$D/other.pem"

# ---- the boot chain changes -------------------------------------------------
t_check "tpm2_pcrextend PCR 14" tpm2_pcrextend 14:sha256=$(printf 'evil boot' | sha256sum | cut -c1-64)
t_grep "after extending a sealed PCR: PCR policy mismatch" \
	'^cmkeys unseal: PCR policy mismatch: the PCRs do not show the sealed boot state \(TPM2_Unseal: 0x99d\)$' \
	"$CMKEYS" unseal $U "$B"
tpm2_pcrextend 16:sha256=$(printf x | sha256sum | cut -c1-64) >/dev/null
swtpm_start || { t_fail "swtpm restart"; t_done; exit 1; }
t_check "after a TPM restart (reboot) unseal works again" "$CMKEYS" unseal $U "$B"
tpm2_pcrextend 16:sha256=$(printf x | sha256sum | cut -c1-64) >/dev/null
t_check "extending a PCR outside the policy does not matter" "$CMKEYS" unseal $U "$B"

# ---- no TPM -----------------------------------------------------------------
closed=$((20000 + RANDOM % 20000))
start=$(date +%s%N)
t_grep "no TPM at a closed port: clear error" "^cmkeys unseal: no TPM at 'swtpm:host=127.0.0.1,port=$closed'" \
	"$CMKEYS" unseal $U --tcti "swtpm:host=127.0.0.1,port=$closed" "$B"
t_grep "no TPM device: clear error" "^cmkeys unseal: no TPM at 'device:$D/nodev'" \
	"$CMKEYS" unseal $U --tcti "device:$D/nodev" "$B"
t_check "... both within 2 s" [ $(( ($(date +%s%N) - start) / 1000000 )) -lt 2000 ]
# A TPM that accepts the connection but never answers (both swtpm ports).
# The listener says when it is bound (it picks its own free ports).
python3 - "$D/mute.port" <<'PY' &
import socket, sys, select, time
for _ in range(50):
    try:
        p = 20000 + int.from_bytes(__import__("os").urandom(2), "big") % 20000
        ls = []
        for q in (p, p + 1):
            s = socket.socket(); s.bind(("127.0.0.1", q)); s.listen(4); ls.append(s)
        break
    except OSError:
        for s in ls: s.close()
open(sys.argv[1] + ".tmp", "w").write(str(p)); __import__("os").rename(sys.argv[1] + ".tmp", sys.argv[1])
keep = []; end = time.time() + 30
while time.time() < end:
    r, _, _ = select.select(ls, [], [], 0.5)
    keep += [s.accept()[0] for s in r]
PY
mute=$!
for i in $(seq 50); do [ -s "$D/mute.port" ] && break; sleep 0.1; done
mport=$(cat "$D/mute.port" 2>/dev/null)
start=$(date +%s%N)
t_grep "a silent TPM: clear error, no hang" '^cmkeys: no TPM: no answer within 10 s' \
	"$CMKEYS" unseal $U --tcti "swtpm:host=127.0.0.1,port=$mport" "$B"
el=$(( ($(date +%s%N) - start) / 1000000 ))
t_check "... after ${el} ms (bounded by the 10 s watchdog)" [ $el -lt 12000 ]
kill $mute 2>/dev/null; wait $mute 2>/dev/null

# ---- offline policy -------------------------------------------------------------
tpm2_pcrread sha256:7,14 >"$D/pcrs.txt"
p_tpm=$("$CMKEYS" policy --pcrs sha256:7,14)
p_off=$("$CMKEYS" policy --pcr-values "$D/pcrs.txt")
p_tools=$(tpm2_createpolicy --policy-pcr -l sha256:7,14 -L "$D/pol.bin" >/dev/null 2>&1 && xxd -p -c 64 "$D/pol.bin")
t_check "offline PolicyPCR digest = the TPM's own (trial session)" [ -n "$p_off" -a "$p_off" = "$p_tpm" ]
t_check "... = tpm2_createpolicy's" [ "$p_off" = "$p_tools" ]
# Seal to values the PCRs do not have yet: PCR 14 after extending E.
E=$(printf 'next boot chain' | sha256sum | cut -c1-64)
cur14=$(awk '/14 *:/ {sub(/.*0x/, ""); print}' "$D/pcrs.txt")
next14=$(printf '%s%s' "$cur14" "$E" | xxd -r -p | sha256sum | cut -c1-64)
cur7=$(awk '/ 7 *:/ {sub(/.*0x/, ""); print}' "$D/pcrs.txt")
printf '# expected after the update\nsha256:7=%s\n14=%s\n' "$cur7" "$next14" >"$D/future.txt"
cp "$D/b.orig" "$D/fb"
t_check "seal --pcr-values (offline policy for a future boot state)" "$CMKEYS" seal --force --pcr-values "$D/future.txt" "$D/fb"
t_grep "... refused while PCR 14 is not there yet" 'PCR policy mismatch' "$CMKEYS" unseal $U "$D/fb"
tpm2_pcrextend 14:sha256=$E >/dev/null
t_check "... unseals once the TPM's PCR 14 reaches the expected value" "$CMKEYS" unseal $U "$D/fb"
t_check "seal --pcr-values accepts tpm2_pcrread output" "$CMKEYS" seal --force --pcr-values "$D/pcrs.txt" "$D/fb"
printf '7=zz\n' >"$D/badpcr.txt"
t_grep "bad PCR values file: line named" 'badpcr.txt:1: expected' "$CMKEYS" seal --force --pcr-values "$D/badpcr.txt" "$D/fb"
t_grep "--pcrs outside 0..23 refused" '--pcrs: expected' "$CMKEYS" seal --force --pcrs sha256:24 "$D/fb"
t_grep "--pcrs in another bank refused" '--pcrs: expected' "$CMKEYS" seal --force --pcrs sha1:7 "$D/fb"
printf 'CMBUNDL1' >"$D/junk"
t_grep "seal refuses a malformed bundle" 'malformed bundle: shorter than the bundle header' "$CMKEYS" seal --force --pcrs sha256:7 "$D/junk"

# ---- provisioning into a kernel keyring ----------------------------------------
swtpm_start || { t_fail "swtpm restart"; t_done; exit 1; }
"$CMKEYS" seal --force --pcrs sha256:7,14 "$B" >/dev/null
ring=cmtest_$$_a
p14=$(pcr14)
out=$("$CMKEYS" provision $U --keyring "$ring" "$B" 2>&1); rc=$?
rid=$(keyctl search @u keyring "$ring" 2>/dev/null); [ -n "$rid" ] && RINGS+=("$rid")
t_check "provision --keyring $ring: $out" [ $rc = 0 ]
t_grep "provision reports keys, keyring, lock, capped PCR and time" \
	"^provisioned 2 keys into keyring $ring \\([0-9]+\\), locked; PCR 14 capped; [0-9.]+ ms$" echo "$out"
skid=$(openssl x509 -in "$D/s/signer.pem" -noout -ext subjectKeyIdentifier | tail -n1 | tr -d ' :' | tr A-F a-f)
t_grep "the signer certificates are asymmetric keys in the keyring" "asymmetric: cryptomark signer: $skid" \
	keyctl show "$rid"
t_check "... both of them" [ "$(keyctl list "$rid" | grep -c asymmetric)" = 2 ]
openssl x509 -in "$D/other.pem" -outform DER -out "$D/other.der"
t_grep "keyring locked: adding a key fails" 'Permission denied' \
	keyctl padd asymmetric "" "$rid" <"$D/other.der"
t_grep "keyring locked: its permissions cannot be changed back" 'Permission denied' \
	keyctl setperm "$rid" 0x3f3f0000
t_check "keyring locked: unlinking a key fails" bash -c "! keyctl unlink \$(keyctl list $rid | awk -F: '/asymmetric/ {print \$1; exit}') $rid 2>/dev/null"
p14b=$(pcr14)
want=$(printf '%s%s' "$p14" "$(sha256sum "$B" | cut -c1-64)" | xxd -r -p | sha256sum | cut -c1-64)
t_check "PCR 14 capped with the bundle's digest (PCR14' = H(PCR14 || sha256(bundle)))" \
	[ -n "$p14b" -a "$p14b" = "$want" ]
t_grep "after provisioning the secret cannot be unsealed again this boot" 'PCR policy mismatch' \
	"$CMKEYS" unseal $U "$B"
t_grep "... nor provisioned a second time" 'PCR policy mismatch' \
	"$CMKEYS" provision $U --keyring cmtest_$$_b "$B"
t_check "... and that created no keyring" bash -c "! keyctl search @u keyring cmtest_$$_b >/dev/null 2>&1"

# Fail closed: every refusal leaves no key and a non-zero exit.
swtpm_start || { t_fail "swtpm restart"; t_done; exit 1; }
"$CMKEYS" seal --force --pcrs sha256:7,14 "$B" >/dev/null
flip "$B" 100
p14=$(pcr14)
t_grep "provision of a changed bundle: refused" 'bundle changed' "$CMKEYS" provision $U --keyring cmtest_$$_c "$B"
t_check "... no keyring created" bash -c "! keyctl search @u keyring cmtest_$$_c >/dev/null 2>&1"
t_check "... and PCR 14 capped anyway (nobody can unseal and forge later)" \
	[ -n "$p14" -a "$(pcr14)" != "$p14" ]
cp "$D/b.orig" "$B"
swtpm_start || { t_fail "swtpm restart"; t_done; exit 1; }
"$CMKEYS" seal --force --pcrs sha256:7,14 "$B" >/dev/null
p14=$(pcr14)
t_grep "--cap-pcr outside the sealed PCRs: refused before the TPM is touched" \
	'cap-pcr 10 is not one of the sealed PCRs; the TPM was not touched' \
	"$CMKEYS" provision $U --keyring cmtest_$$_d --cap-pcr 10 "$B"
t_check "... no keyring created" bash -c "! keyctl search @u keyring cmtest_$$_d >/dev/null 2>&1"
t_check "... PCR 14 not capped" [ -n "$p14" -a "$(pcr14)" = "$p14" ]
t_check "... so the secret still unseals this boot" "$CMKEYS" unseal $U "$B"
swtpm_start || { t_fail "swtpm restart"; t_done; exit 1; }
occupied=$(keyctl newring cmtest_$$_e @u); RINGS+=("$occupied")
keyctl padd asymmetric "" "$occupied" <"$D/other.der" >/dev/null
t_grep "a keyring that already holds keys: refused" 'already exists and holds keys' \
	"$CMKEYS" provision $U --keyring cmtest_$$_e "$B"
t_check "... and nothing was added to it" [ "$(keyctl list "$occupied" | grep -c asymmetric)" = 1 ]
swtpm_start || { t_fail "swtpm restart"; t_done; exit 1; }
p14=$(pcr14)
t_grep "the cryptomark keyring on a kernel without the LSM: clear error" \
	'keyring .cryptomark not found.*the TPM was not touched' "$CMKEYS" provision $U "$B"
t_check "... found before the TPM was asked: PCR 14 not capped" [ -n "$p14" -a "$(pcr14)" = "$p14" ]
t_check "... so a retry with the right keyring still unseals this boot" "$CMKEYS" unseal $U "$B"
t_grep "provision of an unsigned bundle without --allow-unsigned-bundle: refused" \
	'refusing an unsigned bundle: give --signed-by' "$CMKEYS" provision --keyring cmtest_$$_u "$B"
t_check "... before the TPM: PCR 14 not capped" [ "$(pcr14)" = "$p14" ]
t_check "... no keyring created" bash -c "! keyctl search @u keyring cmtest_$$_u >/dev/null 2>&1"
t_grep "provision without a TPM: clear error" "no TPM at 'device:$D/nodev'" \
	"$CMKEYS" provision $U --tcti "device:$D/nodev" --keyring cmtest_$$_f "$B"
t_check "... no keyring created" bash -c "! keyctl search @u keyring cmtest_$$_f >/dev/null 2>&1"

# Revocations inside the bundle: a certificate whose key id the bundle revokes
# is never loaded; revoked digests cannot reach a stock keyring, which says so.
swtpm_start || { t_fail "swtpm restart"; t_done; exit 1; }
"$CMKEYS" bundle -o "$D/rb" --revoke "$D/s2/signer.pem" \
	--revoke "sha256:$(printf 'vulnerable build' | sha256sum | cut -c1-64)" \
	"$D/s/signer.pem" "$D/s2/signer.pem" >/dev/null
"$CMKEYS" seal --force --pcrs sha256:7,14 "$D/rb" >/dev/null
ring=cmtest_$$_r
"$CMKEYS" provision $U --keyring "$ring" "$D/rb" >"$D/rout" 2>"$D/rerr"; rc=$?
rid=$(keyctl search @u keyring "$ring" 2>/dev/null); [ -n "$rid" ] && RINGS+=("$rid")
t_check "provision of a bundle with revocations: exit 0 ($(cat "$D/rerr"))" [ $rc = 0 ]
t_grep "... the certificate it revokes is skipped" '^skipped 1 certificates whose key id the bundle revokes$' \
	cat "$D/rout"
t_grep "... only the other one is loaded" "^provisioned 1 keys into keyring $ring " cat "$D/rout"
t_check "... one asymmetric key in the keyring" [ "$(keyctl list "$rid" 2>/dev/null | grep -c asymmetric)" = 1 ]
t_grep "... the revoked digest it cannot enforce is named on stderr" \
	"warning: 1 revoked digests are not enforced: keyring $ring has no digest list" cat "$D/rerr"
swtpm_start || { t_fail "swtpm restart"; t_done; exit 1; }
"$CMKEYS" bundle -o "$D/allrev" --revoke "$D/s/signer.pem" "$D/s/signer.pem" >/dev/null
"$CMKEYS" seal --force --pcrs sha256:7,14 "$D/allrev" >/dev/null
t_grep "a bundle that revokes all its certificates: refused" 'every certificate of the bundle is revoked' \
	"$CMKEYS" provision $U --keyring cmtest_$$_g "$D/allrev"
t_check "... no key left in its keyring" \
	bash -c "r=\$(keyctl search @u keyring cmtest_$$_g 2>/dev/null) || exit 0; ! keyctl list \$r | grep -q asymmetric"
rid=$(keyctl search @u keyring cmtest_$$_g 2>/dev/null) && RINGS+=("$rid")

# ---- forged seals and bundle signatures -------------------------------------------
# A seal proves only TPM access: root can seal a bundle of its own to the same
# PCRs.  A bundle signed by the offline CA (BUNDLE.sig) and --signed-by CA
# (pinned in the measured initramfs) refuse such a forgery.
swtpm_start || { t_fail "swtpm restart"; t_done; exit 1; }
t_grep "bundle --sign-key without --sign-cert: usage error" 'go together' \
	"$CMKEYS" bundle -o "$D/x" --sign-key "$D/ca/ca.key" "$D/s/signer.pem"
"$CMKEYS" bundle -o "$D/sb" --sign-key "$D/ca/ca.key" --sign-cert "$D/ca/ca.pem" \
	"$D/s/signer.pem" >"$D/sb.out" 2>&1
t_grep "bundle --sign-key writes BUNDLE.sig" "^$D/sb.sig$" cat "$D/sb.out"
t_check "... an IMA signature v2 value (type 3, version 2)" [ "$(head -c 2 "$D/sb.sig" | xxd -p)" = 0302 ]
"$CMKEYS" seal --force --pcrs sha256:7,14 "$D/sb" >/dev/null
t_grep "unseal --signed-by the CA: accepted" '^trust keyid' \
	"$CMKEYS" unseal --signed-by "$D/ca/ca.pem" "$D/sb"
"$CMKEYS" ca -o "$D/evil-ca" --type ecdsa-p256 >/dev/null &&
	"$CMKEYS" signer --ca "$D/evil-ca" -o "$D/evil" --type ecdsa-p256 >/dev/null
"$CMKEYS" bundle -o "$D/forged" "$D/evil/signer.pem" >/dev/null
"$CMKEYS" seal --force --pcrs sha256:7,14 "$D/forged" >/dev/null
t_grep "a forged bundle sealed to the same PCRs unseals without --signed-by (the limit)" \
	'^trust keyid' "$CMKEYS" unseal $U "$D/forged"
t_grep "... refused with --signed-by: no BUNDLE.sig" 'forged.sig: No such file or directory: the bundle must be signed' \
	"$CMKEYS" unseal --signed-by "$D/ca/ca.pem" "$D/forged"
cp "$D/sb.sig" "$D/forged.sig"
t_grep "... refused with the genuine bundle's BUNDLE.sig copied over" \
	'bundle signature refused: does not match the bundle' \
	"$CMKEYS" unseal --signed-by "$D/ca/ca.pem" "$D/forged"
"$CMKEYS" bundle -o "$D/forged" --sign-key "$D/evil-ca/ca.key" --sign-cert "$D/evil-ca/ca.pem" \
	"$D/evil/signer.pem" >/dev/null
"$CMKEYS" seal --force --pcrs sha256:7,14 "$D/forged" >/dev/null
t_grep "... refused when signed by the attacker's own CA" \
	'bundle signature refused: not made by the --signed-by key' \
	"$CMKEYS" unseal --signed-by "$D/ca/ca.pem" "$D/forged"
cp "$D/sb" "$D/sb.keep"; flip "$D/sb" 40
t_grep "a signed bundle changed after signing: refused before the TPM is asked" \
	'bundle signature refused: does not match the bundle' \
	"$CMKEYS" unseal --signed-by "$D/ca/ca.pem" "$D/sb"
cp "$D/sb.keep" "$D/sb"
t_grep "--signed-by a file that is not a certificate: usage error" '--signed-by .*: not a PEM or DER' \
	"$CMKEYS" unseal --signed-by /etc/hostname "$D/sb"
t_grep "provision --signed-by of the forgery: refused" 'not made by the --signed-by key' \
	"$CMKEYS" provision --keyring cmtest_$$_s --signed-by "$D/ca/ca.pem" "$D/forged"
t_check "... no keyring created" bash -c "! keyctl search @u keyring cmtest_$$_s >/dev/null 2>&1"
printf '\003\002' >"$D/forged.sig"
t_grep "... refused with a malformed BUNDLE.sig" 'malformed bundle signature' \
	"$CMKEYS" unseal --signed-by "$D/ca/ca.pem" "$D/forged"
swtpm_start || { t_fail "swtpm restart"; t_done; exit 1; }
"$CMKEYS" seal --force --pcrs sha256:7,14 "$D/sb" >/dev/null
out=$("$CMKEYS" provision --keyring cmtest_$$_t --signed-by "$D/ca/ca.pem" "$D/sb" 2>&1)
rid=$(keyctl search @u keyring cmtest_$$_t 2>/dev/null) && RINGS+=("$rid")
t_grep "provision --signed-by of the genuine signed bundle: provisioned" \
	"^provisioned 1 keys into keyring cmtest_$$_t " echo "$out"

# ---- provisioning time -----------------------------------------------------------
times=() walls=()
for i in 1 2 3 4 5; do
	swtpm_start || break
	ring=cmtest_$$_t$i
	s=$(date +%s%N)
	out=$("$CMKEYS" provision $U --keyring "$ring" "$B" 2>&1) || { t_fail "timing run $i: $out"; continue; }
	walls+=($(( ($(date +%s%N) - s) / 1000 )))
	r=$(keyctl search @u keyring "$ring" 2>/dev/null) && RINGS+=("$r")
	times+=("$(sed -E 's/.*capped; ([0-9.]+) ms$/\1/' <<<"$out")")
done
max=$(printf '%s\n' "${times[@]}" | sort -n | tail -n1)
wmax=$(printf '%s\n' "${walls[@]}" | sort -n | tail -n1)
echo "# provisioning (2 certificates, swtpm on loopback): in-process ms: ${times[*]}; process wall us: ${walls[*]}"
# The 100 ms target is bench/keys.sh's (make bench-keys): a bound here
# would flake: under load one of 15 runs took 150 ms (whole process).
t_check "5 timed provisioning runs (max ${max} ms in process, $((wmax / 1000)) ms wall; target in bench/keys.sh)" \
	[ ${#times[@]} = 5 ]
t_done
