#!/usr/bin/env bash
# Signed PCR policies (TPM2_PolicyAuthorize) and the TPM NV counters, on a
# real swtpm (started here, stopped by its pid at the end): a kernel update
# simulated with PCR extends needs a new signed policy, never a reseal;
# a chain without a signed policy, a policy signed by another key, for
# other PCRs or changed in any part is refused; bumping the policy counter
# makes the TPM itself refuse an old chain's policy, bumping the bundle
# counter an old seal; the counters never move backwards; NV exhaustion and
# a missing index are clear errors; provisioning time with PolicyAuthorize.
. "$(dirname "$0")/../lib.sh"
t_require_root
t_need swtpm tpm2_pcrread tpm2_pcrextend tpm2_nvdefine tpm2_nvundefine \
	tpm2_loadexternal tpm2_policyauthorize keyctl openssl xxd "$CMKEYS"
t_keys_scratch
reboot() { t_swtpm_start "$D/tpm" || { t_fail "swtpm (re)start: $(cat "$D/tpm/log" 2>/dev/null)"; t_done; exit 1; }; }
pcr() { tpm2_pcrread sha256:$1 | sed -n "s/.*$1 *: *0x//p" | tr A-F a-f; }
# next VALUE EVENT: the PCR value after extending VALUE with sha256(EVENT).
next() { printf '%s%s' "$1" "$(printf '%s' "$2" | sha256sum | cut -c1-64)" | xxd -r -p | sha256sum | cut -c1-64; }
ext() { tpm2_pcrextend 14:sha256=$(printf '%s' "$1" | sha256sum | cut -c1-64); }
reboot

"$K" ca -o "$D/ca" --type ecdsa-p256 >/dev/null &&
	"$K" signer --ca "$D/ca" -o "$D/s" --type ecdsa-p256 >/dev/null &&
	"$K" bundle -o "$D/b" --sign-key "$D/ca/ca.key" --sign-cert "$D/ca/ca.pem" "$D/s/signer.pem" >/dev/null &&
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$D/pol.key" 2>/dev/null &&
	openssl pkey -in "$D/pol.key" -pubout -out "$D/pol.pub" &&
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$D/evil.key" 2>/dev/null &&
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$D/rsa.key" 2>/dev/null ||
	{ t_fail "setup"; t_done; exit 1; }
B=$D/b S=(--signed-by "$D/ca/ca.pem")

# ---- counters ------------------------------------------------------------
t_grep "counter show before init: the index is missing, clearly" \
	'NV counter 0x013c4d01 missing: run .cmkeys counter init' "$K" counter show
t_grep "counter init defines the policy counter" '^policy counter 0x013c4d01: [0-9]+ \(defined now\)$' "$K" counter init
t_grep "... and the bundle counter" '^bundle counter 0x013c4d02: [0-9]+$' "$K" counter show
t_check "... exactly 2 NV indices, at 0x013c4d01/02" \
	[ "$(tpm2_getcap handles-nv-index | grep -c '0x13C4D0[12]')" = 2 ]
t_grep "counter init again: idempotent, nothing defined" '^policy counter 0x013c4d01: [0-9]+$' "$K" counter init
P0=$("$K" counter show policy | awk '{print $4}') B0=$("$K" counter show bundle | awk '{print $4}')

# ---- seal under the policy key ------------------------------------------------
t_grep "seal --authorize without --pcrs: refused" '--authorize needs --pcrs' \
	"$K" seal --authorize "$D/pol.pub" --pcr-values /dev/null "$B"
t_grep "seal --counter below the bundle counter: refused (would never open)" 'would never open' \
	"$K" seal --authorize "$D/pol.pub" --pcrs sha256:7,14 --counter $((B0 - 1)) "$B"
t_check "seal --authorize POLICYKEY --pcrs sha256:7,14 --counter" \
	"$K" seal --authorize "$D/pol.pub" --pcrs sha256:7,14 --counter "$B0" "$B"
t_check "... a CMSEAL02 seal" [ "$(head -c 8 "$B.seal")" = CMSEAL02 ]
cp "$B.seal" "$D/seal.orig"
# The seal's policy against tpm2-tools' own PolicyAuthorize (no counter).
cp "$B" "$D/b2"; cp "$B.sig" "$D/b2.sig"
"$K" seal --authorize "$D/pol.pub" --pcrs sha256:7,14 "$D/b2" >/dev/null
tpm2_loadexternal -C o -G ecc -a "sign|userwithauth" -u "$D/pol.pub" -c "$D/key.ctx" -n "$D/key.name" >/dev/null 2>&1
head -c 32 /dev/zero >"$D/zero.bin"
tpm2_startauthsession -S "$D/trial.ctx" >/dev/null 2>&1 &&
	tpm2_policyauthorize -S "$D/trial.ctx" -L "$D/auth.bin" -i "$D/zero.bin" -n "$D/key.name" >/dev/null 2>&1
tpm2_flushcontext "$D/trial.ctx" >/dev/null 2>&1; tpm2_flushcontext -t >/dev/null 2>&1
t_check "offline PolicyAuthorize digest = tpm2_policyauthorize's (key name computed the TPM's way)" \
	[ -s "$D/auth.bin" -a "$(xxd -p -c 64 "$D/auth.bin")" = "$(xxd -p -s 20 -l 32 -c 64 "$D/b2.seal")" ]

# ---- chain A -------------------------------------------------------------------
"$K" pcrs --pcrs sha256:7,14 >"$D/A.txt"
mkdir "$D/pol"
t_grep "policy sign (offline) for chain A" 'A.policy: signed PCR policy' \
	"$K" policy sign --pcr-values "$D/A.txt" --key "$D/pol.key" --version "$P0" -o "$D/pol/A.policy"
t_grep "policy show: bound to the policy counter" "valid while counter 0x013c4d01 <= $P0" "$K" policy show "$D/pol/A.policy"
t_grep "unseal without --policies: clear error" 'sealed under signed policies: give --policies DIR' \
	"$K" unseal "${S[@]}" "$B"
p14=$(pcr 14)
t_grep "provision without --policies: refused before the TPM" 'give --policies DIR; the TPM was not touched' \
	"$K" provision "${S[@]}" --keyring cmtest_$$_n "$B"
t_check "... PCR 14 not capped" [ "$(pcr 14)" = "$p14" ]
t_grep "unseal --policies DIR in chain A: released" '^trust keyid' "$K" unseal "${S[@]}" --policies "$D/pol" "$B"

# Refusals: another key, changed policy files.
mkdir "$D/evil"
"$K" policy sign --pcr-values "$D/A.txt" --key "$D/evil.key" --version "$P0" -o "$D/evil/A.policy" >/dev/null
t_grep "a policy for chain A signed by another key: nothing released" '0 by the sealing key' \
	"$K" unseal "${S[@]}" --policies "$D/evil" "$B"
# Another key's policy relabelled with the sealing key's public part: the
# TPM checks the signature.
n=$(stat -c %s "$D/pol/A.policy"); klen=$((0x$(xxd -p -s 28 -l 2 "$D/pol/A.policy")))
slen=$((0x$(xxd -p -s 30 -l 2 "$D/pol/A.policy")))
mkdir "$D/forge"
{ head -c $((n - slen)) "$D/pol/A.policy"; tail -c "$slen" "$D/evil/A.policy"; } >"$D/forge/A.policy"
t_grep "a policy whose signature another key made: TPM2_VerifySignature refuses" \
	'signature does not verify \(TPM2_VerifySignature' "$K" unseal "${S[@]}" --policies "$D/forge" "$B"
mkdir "$D/flip"; cp "$D/pol/A.policy" "$D/flip/A.policy"
t_flip "$D/flip/A.policy" 64
t_grep "a policy whose PCR value was changed: malformed, skipped" \
	'skipped: approved digest does not match' "$K" unseal "${S[@]}" --policies "$D/flip" "$B"
cp "$D/pol/A.policy" "$D/flip/A.policy"
t_flip "$D/flip/A.policy" $((n - 5))
t_grep "a policy whose signature was changed: refused by the TPM" \
	'signature does not verify' "$K" unseal "${S[@]}" --policies "$D/flip" "$B"
printf 'CMPOLCY1' >"$D/flip/A.policy"
t_grep "a truncated policy: skipped as malformed" 'skipped: shorter than the policy header' \
	"$K" unseal "${S[@]}" --policies "$D/flip" "$B"

# ---- a kernel update: chain B gets a signed policy, the seal is untouched --------
cur14=$(sed -n 's/^sha256:14=//p' "$D/A.txt")
sed "s/^sha256:14=.*/sha256:14=$(next "$cur14" "kernel B")/" "$D/A.txt" >"$D/B.txt"
"$K" policy sign --pcr-values "$D/B.txt" --key "$D/pol.key" --version $((P0 + 1)) -o "$D/pol/B.policy" >/dev/null
reboot; ext "kernel B"
t_grep "after the update (PCRs of chain B): released with B's policy, no reseal" '^trust keyid' \
	"$K" unseal "${S[@]}" --policies "$D/pol" "$B"
t_check "... the seal file is the original" cmp -s "$B.seal" "$D/seal.orig"
reboot; ext "kernel C"
t_grep "chain C (no signed policy): refused" 'no signed policy in .* for the current PCRs .*boot chain not authorized' \
	"$K" unseal "${S[@]}" --policies "$D/pol" "$B"
ring=cmtest_$$_c
p14=$(pcr 14)
t_grep "... provision refuses too" 'boot chain not authorized' "$K" provision "${S[@]}" --policies "$D/pol" --keyring $ring "$B"
t_check "... and no keyring was created" bash -c "! keyctl search @u keyring $ring >/dev/null 2>&1"
t_check "... nothing reached the TPM: PCR 14 not capped (a recovery request records the chain's own values)" \
	[ "$(pcr 14)" = "$p14" ]

# ---- anti-rollback: the policy counter -------------------------------------------
reboot
t_grep "chain A before the bump: released" '^trust keyid' "$K" unseal "${S[@]}" --policies "$D/pol" "$B"
t_grep "counter bump policy: revokes every policy of version $P0" "^policy counter 0x013c4d01: $((P0 + 1))\$" \
	"$K" counter bump policy
reboot
t_grep "chain A's policy after the bump: refused by the TPM (PolicyNV)" \
	"signed policy version $P0 revoked: counter 0x013c4d01 is at $((P0 + 1)), past its $P0 \\(TPM2_PolicyNV: 0x126\\)" \
	"$K" unseal "${S[@]}" --policies "$D/pol" "$B"
ext "kernel B"
t_grep "... chain B's policy (version $((P0 + 1))) still released" '^trust keyid' \
	"$K" unseal "${S[@]}" --policies "$D/pol" "$B"
t_grep "the counter never moves backwards" "is at $((P0 + 1)): it never moves backwards" \
	"$K" counter bump policy --to "$P0"
t_grep "... and stayed where it was" "^policy counter 0x013c4d01: $((P0 + 1))\$" "$K" counter show policy

# ---- anti-rollback: the bundle counter ---------------------------------------------
t_grep "counter bump bundle: revokes seals made with --counter $B0" "^bundle counter 0x013c4d02: $((B0 + 1))\$" \
	"$K" counter bump bundle
reboot; ext "kernel B"
t_grep "the old seal after the bump: refused by the TPM (PolicyNV)" \
	"seal revoked: counter 0x013c4d02 is at $((B0 + 1)), past its $B0" \
	"$K" unseal "${S[@]}" --policies "$D/pol" "$B"
"$K" seal --force --authorize "$D/pol.pub" --pcrs 7,14 --counter $((B0 + 1)) "$B" >/dev/null 2>&1
t_grep "... a new seal (--counter $((B0 + 1))) is released with the same signed policy" '^trust keyid' \
	"$K" unseal "${S[@]}" --policies "$D/pol" "$B"

# ---- missing and re-created indices ------------------------------------------------
before=$("$K" counter show bundle | awk '{print $4}')
tpm2_nvundefine 0x013c4d02 >/dev/null 2>&1
t_grep "bundle counter undefined: a clear error, nothing released" 'NV counter 0x013c4d02 missing' \
	"$K" unseal "${S[@]}" --policies "$D/pol" "$B"
"$K" counter init >/dev/null 2>&1
after=$("$K" counter show bundle | awk '{print $4}')
t_check "re-defined counter does not move backwards ($before -> $after)" [ -n "$after" ] && [ "$after" -ge "$before" ]
tpm2_nvundefine 0x013c4d02 >/dev/null 2>&1
tpm2_nvdefine 0x013c4d02 -C o -s 8 -a "ownerwrite|ownerread|authread" >/dev/null 2>&1
t_grep "an ordinary index at the counter's handle: not taken for a counter" \
	'NV index 0x013c4d02 exists with other attributes' "$K" counter init
tpm2_nvundefine 0x013c4d02 >/dev/null 2>&1
"$K" counter init >/dev/null 2>&1

# ---- RSA policy key -------------------------------------------------------------
cp "$D/b2" "$D/r"; cp "$D/b2.sig" "$D/r.sig"
mkdir "$D/rpol"
t_check "seal --authorize with an RSA-2048 policy key" \
	"$K" seal --authorize "$D/rsa.key" --pcrs sha256:7,14 "$D/r"
"$K" pcrs --pcrs sha256:7,14 >"$D/now.txt"
"$K" policy sign --pcr-values "$D/now.txt" --key "$D/rsa.key" -o "$D/rpol/now.policy" >/dev/null
t_grep "... an unbound RSA-signed policy releases it" '^trust keyid' \
	"$K" unseal "${S[@]}" --policies "$D/rpol" "$D/r"

# ---- provisioning with PolicyAuthorize, and its time ---------------------------------
# The re-created counter came back above the seal's --counter: seal anew.
"$K" seal --force --authorize "$D/pol.pub" --pcrs 7,14 \
	--counter "$("$K" counter show bundle | awk '{print $4}')" "$B" >/dev/null 2>&1
times=() walls=()
for i in 1 2 3 4 5; do
	reboot; ext "kernel B"
	ring=cmtest_$$_p$i
	s=$(date +%s%N)
	out=$("$K" provision "${S[@]}" --policies "$D/pol" --keyring $ring "$B" 2>&1) || { t_fail "provision run $i: $out"; continue; }
	walls+=($(( ($(date +%s%N) - s) / 1000 )))
	r=$(keyctl search @u keyring $ring 2>/dev/null) && RINGS+=("$r")
	times+=("$(sed -nE 's/.*capped; ([0-9.]+) ms$/\1/p' <<<"$out")")
done
t_grep "provision --policies (chain B): keys loaded, locked, PCR 14 capped" \
	"^provisioned 1 keys into keyring cmtest_$$_p5 \\([0-9]+\\), locked; PCR 14 capped" echo "$out"
t_grep "... and the secret cannot be released again this boot" 'boot chain not authorized' \
	"$K" unseal "${S[@]}" --policies "$D/pol" "$B"
echo "# unseal+provision with PolicyAuthorize (swtpm, loopback): in-process ms: ${times[*]}; process wall us: ${walls[*]}"
t_check "5 timed provisioning runs" [ ${#times[@]} = 5 ]

# ---- PCR prediction from a TCG event log -------------------------------------------------
# A crypto-agile binary log (sha1 + sha256 banks, StartupLocality 3, events
# into PCRs 0, 7, 14), written here; its replay must equal what the TPM
# shows after the same extends, and what tpm2_eventlog computes.
python3 - "$D/eventlog.bin" "$D/pcr0.txt" <<'PY'
import hashlib, struct, sys
algs = [(0x0004, 20), (0x000b, 32)]
spec = (b"Spec ID Event03\0" + struct.pack("<IBBBB", 0, 0, 2, 0, 2) +
        struct.pack("<I", len(algs)) + b"".join(struct.pack("<HH", a, n) for a, n in algs) + b"\0")
out = struct.pack("<II", 0, 3) + b"\0" * 20 + struct.pack("<I", len(spec)) + spec
pcr0 = b"\0" * 31 + b"\3"
def ev(pcr, typ, data, noaction=False):
    global out, pcr0
    d1, d2 = hashlib.sha1(data).digest(), hashlib.sha256(data).digest()
    if noaction:
        d1, d2 = b"\0" * 20, b"\0" * 32
    elif pcr == 0:
        pcr0 = hashlib.sha256(pcr0 + d2).digest()
    out += struct.pack("<IIIH", pcr, typ, 2, 4) + d1 + struct.pack("<H", 0xb) + d2
    out += struct.pack("<I", len(data)) + data
ev(0, 3, b"StartupLocality\0\3", True)
ev(0, 8, b"firmware 1.2")
ev(7, 13, b"SecureBoot=1")
ev(14, 13, b"kernel D")
ev(14, 13, b"initrd D")
open(sys.argv[1], "wb").write(out)
open(sys.argv[2], "w").write(pcr0.hex() + "\n")
PY
reboot
for e in "SecureBoot=1:7" "kernel D:14" "initrd D:14"; do
	tpm2_pcrextend ${e##*:}:sha256=$(printf '%s' "${e%:*}" | sha256sum | cut -c1-64)
done
t_check "pcrs --replay EVENTLOG: PCRs 7 and 14 = the TPM's after the same extends" \
	[ "$("$K" pcrs --replay "$D/eventlog.bin" --pcrs 7,14 2>/dev/null)" = "$("$K" pcrs --pcrs 7,14 2>/dev/null)" ]
t_grep "... PCR 0 starts at the StartupLocality (3)" "^sha256:0=$(cat "$D/pcr0.txt")\$" \
	"$K" pcrs --replay "$D/eventlog.bin"
t_check "... without --pcrs: every PCR the log extends (0, 7, 14)" \
	[ "$("$K" pcrs --replay "$D/eventlog.bin" | cut -d= -f1 | tr '\n' ' ')" = "sha256:0 sha256:7 sha256:14 " ]
ev14=$(tpm2_eventlog "$D/eventlog.bin" 2>/dev/null | awk '/^pcrs:/ {p = 1} p && /sha256:/ {s = 1} s && $1 == 14 {sub(/^0x/, "", $3); print tolower($3); exit}')
t_check "... PCR 14 = tpm2_eventlog's replay" [ -n "$ev14" -a "sha256:14=$ev14" = "$("$K" pcrs --replay "$D/eventlog.bin" --pcrs 14)" ]
"$K" pcrs --replay "$D/eventlog.bin" --pcrs 7,14 >"$D/D.txt"
mkdir "$D/dpol"
"$K" policy sign --pcr-values "$D/D.txt" --key "$D/pol.key" --version $((P0 + 1)) -o "$D/dpol/D.policy" >/dev/null
t_grep "a policy signed from the replayed log releases the seal in that boot state" '^trust keyid' \
	"$K" unseal "${S[@]}" --policies "$D/dpol" "$B"
head -c 100 "$D/eventlog.bin" >"$D/short.bin"
t_grep "a truncated event log: refused, the byte named" 'short.bin: event log at byte [0-9]+: ' \
	"$K" pcrs --replay "$D/short.bin"
printf "not a log\n" >"$D/notalog"
t_grep "a file that is no TCG log: refused" "no 'Spec ID Event03' header" "$K" pcrs --replay "$D/notalog"

# ---- NV space exhausted ---------------------------------------------------------------
reboot
tpm2_nvundefine 0x013c4d02 >/dev/null 2>&1
# Fill the TPM's NV: large indices, then smaller ones and counters into
# what is left.
fill() { # PREFIX SIZE ATTRS
	local i
	for i in $(seq 1 400); do
		tpm2_nvdefine $(printf '0x%s%04x' "$1" "$i") -C o -s "$2" -a "$3" >/dev/null 2>&1 || break
	done
}
fill 0151 2048 "ownerwrite|ownerread"
fill 0152 256 "ownerwrite|ownerread"
fill 0153 8 "ownerwrite|ownerread"
fill 0154 8 "nt=counter|ownerwrite|ownerread"
t_grep "NV space exhausted: a clear error" 'TPM NV space exhausted: cannot define counter 0x013c4d02' "$K" counter init
t_done
