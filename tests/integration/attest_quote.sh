#!/usr/bin/env bash
# cmattest on a real software TPM (swtpm, started here on loopback and
# stopped by its pid): AK export (the endorsement primary, and a persistent
# RSA AK made by tpm2_createak), the log of real /usr/bin binaries signed
# and extended into PCR 11 the way the LSM does, TPM2_Quote, verify; the
# quote cross-checked with tpm2_checkquote; the log read by evmctl
# ima_measurement (replay and signatures); a log longer than the quote;
# --json; per-entry verdicts (unsigned, unknown-key, bad-signature,
# revoked); and each failure with its own reason: a changed digest (with
# and without the template digest fixed up), a removed entry, two entries
# swapped, a replayed old quote, a quote by another TPM's key, malformed
# inputs, no TPM.
. "$(dirname "$0")/../lib.sh"
CMATTEST=${CMATTEST:-$T_BUILD/cmattest}
for tool in swtpm tpm2_pcrread tpm2_checkquote evmctl python3 openssl; do
	command -v $tool >/dev/null || { t_fail "$tool missing (make deps)"; t_done; exit 1; }
done
[ -x "$CMATTEST" ] || { t_fail "$CMATTEST missing (make all)"; t_done; exit 1; }
D=$(t_scratch)
cp "$CMATTEST" "$D/cmattest" && CMATTEST=$D/cmattest
cleanup() { [ -n "$SWPID" ] && kill "$SWPID" 2>/dev/null; rm -rf "$D"; }
trap cleanup EXIT

# logedit IN OUT OP ARGS: rewrite a binary_runtime_measurements file.
#   swap I J | drop I | digest I [fix] (flip a d-ng digest byte; fix: the
#   SHA-1 template digest recomputed) | sigfrom I J (entry I gets J's sig,
#   template digest fixed) | take N (the first N) | from FILE I (entry I
#   replaced by FILE's entry I) | cat FILE (append FILE's entries) |
#   full (append the LSM's log_full entry) | digestof I (print d-ng's digest)
logedit() {
	python3 - "$@" <<'PY'
import hashlib, struct, sys
def parse(b):
    out, o = [], 0
    while o < len(b):
        pcr, = struct.unpack_from('<I', b, o); td = b[o+4:o+24]
        nl, = struct.unpack_from('<I', b, o+24); name = b[o+28:o+28+nl]
        tl, = struct.unpack_from('<I', b, o+28+nl); t = b[o+32+nl:o+32+nl+tl]
        out.append([pcr, td, name, t]); o += 32 + nl + tl
    return out
def fields(t):
    f, o = [], 0
    while o < len(t):
        l, = struct.unpack_from('<I', t, o); f.append(t[o+4:o+4+l]); o += 4 + l
    return f
def pack_t(f): return b''.join(struct.pack('<I', len(x)) + x for x in f)
def fix(r): r[1] = hashlib.sha1(r[3]).digest()
inp, out, op, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
L = parse(open(inp, 'rb').read())
if op == 'swap':
    i, j = int(args[0]), int(args[1]); L[i], L[j] = L[j], L[i]
elif op == 'drop':
    del L[int(args[0])]
elif op == 'digest':
    r = L[int(args[0])]; f = fields(r[3]); d = bytearray(f[0]); d[-1] ^= 1
    f[0] = bytes(d); r[3] = pack_t(f)
    if args[1:] == ['fix']: fix(r)
elif op == 'sigfrom':
    r = L[int(args[0])]; f = fields(r[3]); f[2] = fields(L[int(args[1])][3])[2]
    r[3] = pack_t(f); fix(r)
elif op == 'take':
    L = L[:int(args[0])]
elif op == 'from':
    L[int(args[1])] = parse(open(args[0], 'rb').read())[int(args[1])]
elif op == 'cat':
    L += parse(open(args[0], 'rb').read())
elif op == 'full':  # the LSM's last entry once its list is full
    t = pack_t([b'sha256:\0' + bytes(32), b'log_full\0', b''])
    L.append([11, hashlib.sha1(t).digest(), b'ima-sig', t])
elif op == 'digestof':
    print(fields(L[int(args[0])][3])[0].split(b'\0', 1)[1].hex()); sys.exit(0)
with open(out, 'wb') as w:
    for pcr, td, name, t in L:
        w.write(struct.pack('<I', pcr) + td + struct.pack('<I', len(name)) + name +
                struct.pack('<I', len(t)) + t)
PY
}

# attest STATE LOG NONCE: a fresh boot of the TPM at STATE (PCRs reset),
# LOG extended into PCR 11, then a quote with NONCE into $D/q.
attest() {
	t_swtpm_start "$1" || { echo "swtpm: $(tail -3 "$1/log" 2>/dev/null)" >&2; return 1; }
	"$CMATTEST" extend --log "$2" && "$CMATTEST" quote --nonce "$3" --out "$D/q"
}
verify() { "$CMATTEST" verify --ak "$D/ak.pub" --quote "$D/q" "$@"; }
reason() { verify "$@" | sed -n 's/^verify: FAIL \([a-z-]*\):.*/\1/p'; }

t_mkcert "$D" s rsa2048 && t_mkcert "$D" o p256 || { t_fail "certificates"; t_done; exit 1; }
openssl x509 -in "$D/s.pem" -outform DER -out "$D/s.der"
N=40
# Real binaries, their real content digests, signed as cmsign signs.
t_check "mklog: $N entries of /usr/bin, file digests, RSA-2048" \
	"$CMATTEST" mklog --key "$D/s.key" --cert "$D/s.pem" -n $N --root /usr/bin \
	--hash-files --out "$D/log"
t_check "mklog: the same paths signed by another key" \
	"$CMATTEST" mklog --key "$D/o.key" --cert "$D/o.pem" -n $N --root /usr/bin \
	--hash-files --out "$D/other.log"
t_swtpm_start "$D/tpm" || { t_fail "swtpm did not start: $(cat "$D/tpm/log" 2>/dev/null)"; t_done; exit 1; }

# ---- the AK ------------------------------------------------------------------
t_check "ak --out: written" "$CMATTEST" ak --out "$D/ak.pub"
t_check "ak: a PEM EC public key (P-256)" \
	bash -c "openssl pkey -pubin -in '$D/ak.pub' -noout -text | grep -q 'NIST CURVE: P-256'"
"$CMATTEST" ak --out "$D/ak2.pub"
t_check "ak: the same key on a second call (recreated from the template)" cmp -s "$D/ak.pub" "$D/ak2.pub"
t_grep "ak without --out: usage error" 'out AK.pub is required' "$CMATTEST" ak
t_grep "ak --ak of a non-persistent handle: refused" 'not persistent' "$CMATTEST" ak --ak 0x80000001 --out "$D/x"

# A persistent AK made by tpm2-tools (RSA-2048, RSASSA), under the EK.
# Without a resource manager, each tool's leftovers are flushed.
fl() { for k in -t -s -l; do tpm2_flushcontext $k >/dev/null 2>&1; done; }
(cd "$D" && tpm2_createek -c ek.ctx -G rsa -u ek.pub >/dev/null && fl &&
	tpm2_createak -C ek.ctx -c ak.ctx -G rsa -g sha256 -s rsassa -u akp.tpm.pem -f pem >/dev/null &&
	fl && tpm2_evictcontrol -c ak.ctx 0x81010002 >/dev/null && fl) ||
	t_fail "tpm2_createak + tpm2_evictcontrol 0x81010002"
t_check "ak --ak 0x81010002: the persistent AK" "$CMATTEST" ak --ak 0x81010002 --out "$D/akp.pem"
t_check "... the same public key tpm2_createak wrote" \
	cmp -s <(openssl pkey -pubin -in "$D/akp.pem" -outform DER) \
	<(openssl pkey -pubin -in "$D/akp.tpm.pem" -outform DER)
: >"$D/empty"
t_check "quote --ak 0x81010002 (RSASSA)" "$CMATTEST" quote --ak 0x81010002 --nonce 0a0b --out "$D/qp"
t_grep "verify with its PEM: genuine (PCR 11 still zero: the empty log)" '^verify: ok: 0 quoted entries' \
	"$CMATTEST" verify --ak "$D/akp.pem" --nonce 0a0b --quote "$D/qp" --log "$D/empty" --cert "$D/s.pem"
t_grep "verify with the endorsement-primary AK: quote-signature" '^verify: FAIL quote-signature' \
	"$CMATTEST" verify --ak "$D/ak.pub" --nonce 0a0b --quote "$D/qp" --log "$D/empty" --cert "$D/s.pem"
t_grep "ak --ak of an empty persistent handle: refused, named" 'AK at handle 0x81010003: .*handle' \
	"$CMATTEST" ak --ak 0x81010003 --out "$D/x"

# ---- extend, quote, verify ----------------------------------------------------
NONCE=$(openssl rand -hex 20)
t_check "extend + quote on swtpm" attest "$D/tpm" "$D/log" "$NONCE"
t_check "quote file starts with CMQUOTE1" [ "$(head -c 8 "$D/q")" = CMQUOTE1 ]
out=$(verify --nonce "$NONCE" --log "$D/log" --cert "$D/s.pem"); rc=$?
t_check "verify: exit 0 for a genuine quote and an all-ok log" [ $rc = 0 ]
t_check "verify: one line per entry ($N)" [ "$(grep -c '^entry ' <<<"$out")" = $N ]
t_check "verify: entry 0 is boot_aggregate" grep -q '^entry 0: boot_aggregate: ok (boot_aggregate)' <<<"$out"
t_check "verify: entries ok with the signer's key id" \
	grep -qE '^entry 1: /usr/bin/.*: ok \(keyid [0-9a-f]{8}, sha256\)$' <<<"$out"
pcr=$(tpm2_pcrread sha256:11 | sed -n 's/.*11 *: *0x//p' | tr A-F a-f)
t_check "verify: the replayed PCR 11 is the TPM's" grep -q "PCR 11 sha256 = $pcr, $N of $N entries quoted" <<<"$out"
t_check "verify: verdict ok" grep -q "^verify: ok: $N quoted entries, all ok" <<<"$out"
# tpm2-tools reads the same quote: TPMS_ATTEST after the TPM2B size, then
# the TPMT_SIGNATURE.
python3 - "$D/q" "$D" <<'PY'
import struct, sys
b = open(sys.argv[1], 'rb').read(); n, = struct.unpack_from('>H', b, 8)
open(sys.argv[2] + '/q.msg', 'wb').write(b[10:10 + n])
open(sys.argv[2] + '/q.sig', 'wb').write(b[10 + n:])
PY
t_check "tpm2_checkquote accepts the quote with ak.pub and the nonce" \
	tpm2_checkquote -u "$D/ak.pub" -m "$D/q.msg" -s "$D/q.sig" -q "$NONCE"
t_refuse "tpm2_checkquote refuses it with another nonce" \
	tpm2_checkquote -u "$D/ak.pub" -m "$D/q.msg" -s "$D/q.sig" -q 00
t_check "verify --keyring DIR" bash -c "mkdir -p '$D/kr' && cp '$D/s.pem' '$D/kr/' &&
	'$CMATTEST' verify --ak '$D/ak.pub' --quote '$D/q' --nonce $NONCE --log '$D/log' --keyring '$D/kr' >/dev/null"

# evmctl reads our binary log: parses every record, replays PCR 11 to the
# TPM's value, verifies the signatures with the signer's certificate.
(for i in $(seq 0 23); do
	if [ "$i" = 11 ]; then echo "PCR-11: $pcr"; else printf 'PCR-%02d: %064d\n' "$i" 0; fi
done) >"$D/pcrs"
ev=$(evmctl ima_measurement -v --verify-sig --key "$D/s.der" --pcrs "sha256,$D/pcrs" "$D/log" 2>&1)
t_check "evmctl ima_measurement: replays the log to the TPM's PCR 11" grep -q 'Matched per TPM bank' <<<"$ev"
t_check "evmctl ima_measurement: $((N - 1)) signatures verify" \
	[ "$(grep -c ': verification is OK' <<<"$ev")" = $((N - 1)) ]
t_check "evmctl ima_measurement: shows the records' paths and ima-sig template" \
	grep -qE '^11 [0-9a-f]{40} ima-sig sha256:[0-9a-f]{64} /usr/bin/' <<<"$ev"

# ---- --json ----------------------------------------------------------------------
verify --nonce "$NONCE" --log "$D/log" --cert "$D/s.pem" --json >"$D/out.json"
t_check "--json: one JSON document, verdict ok, $N entries, all quoted" python3 -c "
import json, sys; d = json.load(open('$D/out.json'))
assert d['verdict'] == 'ok' and d['reason'] == 'ok', d['verdict']
assert d['quote']['status'] == 'genuine' and d['quote']['pcr'] == 11
assert d['quote']['pcr_value'] == '$pcr'
assert len(d['entries']) == $N and all(e['quoted'] for e in d['entries'])
assert d['summary']['ok'] == $N and d['summary']['unsigned'] == 0
assert d['entries'][1]['status'] == 'ok' and d['entries'][1]['hash'] == 'sha256'
"

# ---- a log longer than the quote ------------------------------------------------
# The quote covers the first 30 entries; the log read later has all 40.
logedit "$D/log" "$D/first30" take 30
t_check "quote over the first 30 entries" attest "$D/tpm" "$D/first30" "$NONCE"
out=$(verify --nonce "$NONCE" --log "$D/log" --cert "$D/s.pem"); rc=$?
t_check "longer log: verified up to the quoted prefix (exit 0)" [ $rc = 0 ]
t_check "longer log: 30 of $N entries quoted" grep -q "30 of $N entries quoted" <<<"$out"
t_check "longer log: the 10 later entries are marked not quoted" \
	[ "$(grep -c '\[not quoted\]$' <<<"$out")" = 10 ]

# ---- per-entry verdicts -----------------------------------------------------------
# Entry 3 signed by a key not trusted, 5's signature is 6's, 7's digest is
# revoked by the bundle, 9 unsigned; the log is what the TPM measured.
logedit "$D/log" "$D/mixed" from "$D/other.log" 3
logedit "$D/mixed" "$D/mixed" sigfrom 5 6
python3 - "$D/mixed" <<'PY'
import hashlib, struct, sys
p = sys.argv[1]; b = bytearray(open(p, 'rb').read()); o = 0; i = 0; out = b''
while o < len(b):
    nl, = struct.unpack_from('<I', b, o + 24); tl, = struct.unpack_from('<I', b, o + 28 + nl)
    rec = bytes(b[o:o + 32 + nl + tl]); o += 32 + nl + tl
    if i == 9:  # drop the sig field's bytes: an unsigned file
        t = rec[32 + nl:]; f = []; q = 0
        while q < len(t):
            l, = struct.unpack_from('<I', t, q); f.append(t[q + 4:q + 4 + l]); q += 4 + l
        f[2] = b''; t = b''.join(struct.pack('<I', len(x)) + x for x in f)
        rec = rec[:4] + hashlib.sha1(t).digest() + rec[24:28 + nl] + struct.pack('<I', len(t)) + t
    out += rec; i += 1
open(p, 'wb').write(out)
PY
d7=$(logedit "$D/mixed" /dev/null digestof 7)
"${CMKEYS:-$T_BUILD/cmkeys}" bundle -o "$D/bundle" --revoke "sha256:$d7" "$D/s.pem" >/dev/null ||
	t_fail "cmkeys bundle --revoke sha256:..."
t_check "quote over the mixed log" attest "$D/tpm" "$D/mixed" "$NONCE"
out=$(verify --nonce "$NONCE" --log "$D/mixed" --bundle "$D/bundle"); rc=$?
t_check "mixed: exit 1 (genuine quote, not every entry ok)" [ $rc = 1 ]
t_check "mixed: entry 3 unknown-key" grep -qE '^entry 3: .*: unknown-key \(keyid [0-9a-f]{8}\)$' <<<"$out"
t_check "mixed: entry 5 bad-signature" grep -qE '^entry 5: .*: bad-signature$' <<<"$out"
t_check "mixed: entry 7 revoked (digest revoked by the bundle)" grep -qE '^entry 7: .*: revoked' <<<"$out"
t_check "mixed: entry 9 unsigned" grep -qE '^entry 9: .*: unsigned$' <<<"$out"
t_check "mixed: the others ok" [ "$(grep -c ': ok (' <<<"$out")" = $((N - 4)) ]
t_check "mixed: reason entries-not-ok with the counts" \
	grep -q '^verify: FAIL entries-not-ok: 4 of 40 quoted entries are not ok: 1 unsigned, 1 unknown-key, 1 bad-signature, 1 revoked, 0 malformed' <<<"$out"
verify --nonce "$NONCE" --log "$D/mixed" --bundle "$D/bundle" --json >"$D/mixed.json"
t_check "mixed --json: statuses and summary" python3 -c "
import json; d = json.load(open('$D/mixed.json'))
st = [e['status'] for e in d['entries']]
assert st[3] == 'unknown-key' and st[5] == 'bad-signature' and st[7] == 'revoked' and st[9] == 'unsigned', st
s = d['summary']; assert (s['unsigned'], s['unknown-key'], s['bad-signature'], s['revoked'], s['ok']) == (1, 1, 1, 1, 36), s
assert d['verdict'] == 'fail' and d['reason'] == 'entries-not-ok'
"
out=$(verify -q --nonce "$NONCE" --log "$D/mixed" --bundle "$D/bundle")
t_check "-q: only the 4 entries that are not ok" [ "$(grep -c '^entry ' <<<"$out")" = 4 ]

# ---- failures, each with its own reason ---------------------------------------------
t_check "quote over the genuine log again" attest "$D/tpm" "$D/log" "$NONCE"
cp "$D/q" "$D/q.good"
V=(--nonce "$NONCE" --cert "$D/s.pem")
logedit "$D/log" "$D/changed" digest 12 fix
logedit "$D/log" "$D/changed-raw" digest 12
logedit "$D/log" "$D/dropped" drop 20
logedit "$D/log" "$D/swapped" swap 20 21
declare -A R
R[changed]=$(reason "${V[@]}" --log "$D/changed")
R[changed-raw]=$(reason "${V[@]}" --log "$D/changed-raw")
R[dropped]=$(reason "${V[@]}" --log "$D/dropped")
R[swapped]=$(reason "${V[@]}" --log "$D/swapped")
R[old-quote]=$(reason --nonce "$(openssl rand -hex 20)" --cert "$D/s.pem" --log "$D/log")
t_check "changed digest (template digest fixed up): entry-changed" [ "${R[changed]}" = entry-changed ]
t_grep "... naming entry 12 and its bad signature" '^entry 12: .*: bad-signature' verify "${V[@]}" --log "$D/changed"
t_check "changed digest (template digest left): template-digest-mismatch" [ "${R[changed-raw]}" = template-digest-mismatch ]
t_check "removed entry: replay-mismatch" [ "${R[dropped]}" = replay-mismatch ]
t_check "swapped entries: out-of-order" [ "${R[swapped]}" = out-of-order ]
t_grep "... naming entries 20 and 21" 'entries 20 \(.*\) and 21 \(.*\) are swapped' verify "${V[@]}" --log "$D/swapped"
t_check "old quote, another nonce: nonce-mismatch" [ "${R[old-quote]}" = nonce-mismatch ]
for k in changed changed-raw dropped swapped; do
	t_refuse "$k log: exit non-zero" verify "${V[@]}" --log "$D/$k"
done
# A second TPM (its own endorsement seed, so its own AK) quotes the same log.
t_check "a second TPM quotes the same log" attest "$D/tpm-other" "$D/log" "$NONCE"
R[other-key]=$(reason "${V[@]}" --log "$D/log")
t_check "quote by another TPM's key: quote-signature" [ "${R[other-key]}" = quote-signature ]
"$CMATTEST" ak --out "$D/ak-other.pub"
t_grep "... which verifies with that TPM's AK" '^verify: ok' \
	"$CMATTEST" verify --ak "$D/ak-other.pub" --quote "$D/q" "${V[@]}" --log "$D/log"
t_check "the six failure reasons are distinct" \
	[ "$(printf '%s\n' "${R[@]}" | sort -u | grep -c .)" = 6 ]

# ---- a full measurement list ---------------------------------------------------------
logedit "$D/log" "$D/full" full
t_check "quote over a list ending in log_full" attest "$D/tpm" "$D/full" "$NONCE"
t_grep "log_full quoted: log-full, not entries-not-ok" \
	'^verify: FAIL log-full: the measurement list is full \(entry 40 is log_full\)' \
	verify "${V[@]}" --log "$D/full"
t_grep "... the entry says so" '^entry 40: log_full: log-full \(the list is full' \
	verify "${V[@]}" --log "$D/full"

# ---- malformed inputs, usage, no TPM ----------------------------------------------
cp "$D/q.good" "$D/q"
head -c 1000 "$D/log" >"$D/trunc"
t_grep "truncated log: log-malformed, at the byte of the cut record" \
	'^verify: FAIL log-malformed: .*trunc: at byte [0-9]+: truncated' verify "${V[@]}" --log "$D/trunc"
t_refuse "truncated log: exit non-zero" verify "${V[@]}" --log "$D/trunc"
printf 'CMQUOTE1garbage' >"$D/badq"
t_grep "garbage quote: quote-malformed" '^verify: FAIL quote-malformed: .*TPM2B_ATTEST does not unmarshal' \
	"$CMATTEST" verify --ak "$D/ak.pub" --quote "$D/badq" "${V[@]}" --log "$D/log"
t_grep "garbage quote --json: a JSON verdict" '"reason": "quote-malformed"' \
	"$CMATTEST" verify --json --ak "$D/ak.pub" --quote "$D/badq" "${V[@]}" --log "$D/log"
"$CMATTEST" verify --nonce "$NONCE" --log "$D/log" >/dev/null 2>&1
t_check "verify without --ak/--quote/trust: usage error, exit 2" [ $? = 2 ]
t_grep "--nonce not hex: refused" 'not 1 to 64 bytes in hex' verify --nonce xyz --cert "$D/s.pem" --log "$D/log"
t_grep "--ak not a public key: refused" 'not a PEM public key' \
	"$CMATTEST" verify --ak "$D/s.pem" --quote "$D/q" "${V[@]}" --log "$D/log"
kill "$SWPID"; SWPID=
start=$(date +%s)
out=$(env TPM2TOOLS_TCTI=swtpm:host=127.0.0.1,port=1 "$CMATTEST" quote --nonce 00 --out "$D/x" 2>&1); rc=$?
t_check "no TPM: quote exits 3 naming it" bash -c "[ $rc = 3 ] && grep -q 'no TPM' <<<'$out'"
t_check "no TPM: within 12 s" [ $(( $(date +%s) - start )) -le 12 ]
t_done
