#!/usr/bin/env bash
# cmkeys PKI and bundles, no TPM: CA and signer certificates for every key
# type checked with `openssl verify` and their extensions; a signer key
# signs for evmctl and cmsign alike; bundles built, shown and refused.
. "$(dirname "$0")/../lib.sh"
command -v evmctl >/dev/null || { t_fail "evmctl missing (make deps)"; t_done; exit 1; }
[ -x "$CMKEYS" ] || { t_fail "$CMKEYS missing (make all)"; t_done; exit 1; }
D=$(t_scratch)
trap 'rm -rf "$D"' EXIT

# One line per extension, so patterns can span its name and value.
ext() { openssl x509 -in "$1" -noout -ext "$2" 2>/dev/null | tr -s '\n ' '  '; echo; }

for type in rsa3072 rsa4096 ecdsa-p256 ecdsa-p384; do
	t_check "$type: ca" "$CMKEYS" ca -o "$D/$type-ca" --type "$type" \
		--subject "/CN=test CA $type/O=cryptomark"
	t_check "$type: signer" "$CMKEYS" signer --ca "$D/$type-ca" -o "$D/$type-s" \
		--type "$type" --subject "/CN=test signer $type"
	ca=$D/$type-ca/ca.pem s=$D/$type-s/signer.pem
	t_grep "$type: openssl verify signer against the CA" ': OK$' \
		openssl verify -CAfile "$ca" "$s"
	t_grep "$type: CA basicConstraints critical CA:TRUE" 'Basic Constraints: critical CA:TRUE $' ext "$ca" basicConstraints
	t_grep "$type: CA keyUsage has keyCertSign" 'Certificate Sign' ext "$ca" keyUsage
	t_grep "$type: CA has SKID" '([0-9A-F]{2}:){19}[0-9A-F]{2}' ext "$ca" subjectKeyIdentifier
	t_grep "$type: signer CA:FALSE" 'Basic Constraints: critical CA:FALSE $' ext "$s" basicConstraints
	t_grep "$type: signer keyUsage digitalSignature only" 'Key Usage: critical Digital Signature $' ext "$s" keyUsage
	t_grep "$type: signer extendedKeyUsage codeSigning" 'Code Signing' ext "$s" extendedKeyUsage
	t_grep "$type: signer has SKID" '([0-9A-F]{2}:){19}[0-9A-F]{2}' ext "$s" subjectKeyIdentifier
	# AKID of the signer = SKID of the CA.
	akid=$(ext "$s" authorityKeyIdentifier | grep -oE '([0-9A-F]{2}:){19}[0-9A-F]{2}')
	skid=$(ext "$ca" subjectKeyIdentifier | grep -oE '([0-9A-F]{2}:){19}[0-9A-F]{2}')
	t_check "$type: signer AKID names the CA's SKID" [ -n "$akid" -a "$akid" = "$skid" ]
	t_check "$type: private key mode 0600" [ "$(stat -c %a "$D/$type-s/signer.key")" = 600 ]

	# The signer key works with evmctl and cmsign, verified by the other.
	cp /bin/true "$D/evm-$type"; cp /bin/true "$D/cm-$type"
	openssl x509 -in "$s" -outform DER -out "$D/$type-s/signer.der"
	evmctl ima_sign --key "$D/$type-s/signer.key" -a sha256 "$D/evm-$type" >/dev/null 2>&1
	t_check "$type: file signed by evmctl with the signer key verifies with evmctl" \
		evmctl ima_verify --key "$D/$type-s/signer.der" "$D/evm-$type"
	t_grep "$type: ... and with cmverify" ': ok \(keyid' \
		"$CMVERIFY" --carrier xattr --cert "$s" "$D/evm-$type"
	"$CMSIGN" --key "$D/$type-s/signer.key" --cert "$s" "$D/cm-$type" >/dev/null
	t_check "$type: file signed by cmsign with the signer key verifies with evmctl" \
		evmctl ima_verify --key "$D/$type-s/signer.der" "$D/cm-$type"
done

# Refusals: exact messages, nothing overwritten.
sum=$(sha256sum "$D/rsa3072-ca/ca.key")
t_grep "ca refuses to overwrite an existing key" 'exists; not overwriting' \
	"$CMKEYS" ca -o "$D/rsa3072-ca"
t_check "... and the key is unchanged" [ "$(sha256sum "$D/rsa3072-ca/ca.key")" = "$sum" ]
t_grep "signer without --ca is a usage error" '--ca DIR is required' "$CMKEYS" signer -o "$D/x"
t_grep "signer with a CA dir lacking ca.pem" 'ca.pem: No such file' \
	"$CMKEYS" signer --ca "$D/nowhere" -o "$D/x"
mkdir "$D/mixed" && cp "$D/rsa3072-ca/ca.pem" "$D/mixed/" && cp "$D/ecdsa-p256-ca/ca.key" "$D/mixed/"
t_grep "signer refuses a CA key that does not match ca.pem" 'ca.key does not match ca.pem' \
	"$CMKEYS" signer --ca "$D/mixed" -o "$D/x"
t_grep "unknown key type" 'unknown --type' "$CMKEYS" ca -o "$D/y" --type dsa1024
t_grep "subject must be /K=V" "subject 'CN=x'" "$CMKEYS" ca -o "$D/y" --subject "CN=x"
"$CMKEYS" ca -o "$D/y" --type rsa2048 >/dev/null 2>&1; rc=$?
t_check "usage errors exit 2" [ $rc = 2 ]

# Bundles (layout only; authentication is the TPM suite's).
s1=$D/rsa3072-s/signer.pem s2=$D/ecdsa-p256-s/signer.pem
kid1=$(ext "$s1" subjectKeyIdentifier | grep -oE '([0-9A-F]{2}:){19}[0-9A-F]{2}' | tr -d : | tail -c 9 | tr A-F a-f)
t_check "bundle of two signers with revocations" "$CMKEYS" bundle -o "$D/b1" --version 7 \
	--revoke 0badc0de --revoke "sha256:$(sha256sum /bin/true | cut -c1-64)" \
	--revoke "$D/ecdsa-p384-s/signer.pem" "$s1" "$s2"
t_grep "show: version" '^.*b1: version 7$' "$CMKEYS" show "$D/b1"
t_grep "show: key id is the last 4 bytes of the SKID" "^trust keyid $kid1 /CN=test signer rsa3072" \
	"$CMKEYS" show "$D/b1"
t_grep "show: revoked key id" '^revoked keyid 0badc0de$' "$CMKEYS" show "$D/b1"
t_grep "show: revoked digest" "^revoked digest sha256:$(sha256sum /bin/true | cut -c1-64)$" \
	"$CMKEYS" show "$D/b1"
t_grep "show: a certificate given to --revoke revokes its key id" \
	"^revoked keyid $(ext "$D/ecdsa-p384-s/signer.pem" subjectKeyIdentifier | grep -oE '([0-9A-F]{2}:){19}[0-9A-F]{2}' | tr -d : | tail -c 9 | tr A-F a-f)$" \
	"$CMKEYS" show "$D/b1"
t_check "bundle: same inputs, same bytes" "$CMKEYS" bundle -o "$D/b1again" --version 7 \
	--revoke 0badc0de --revoke "sha256:$(sha256sum /bin/true | cut -c1-64)" \
	--revoke "$D/ecdsa-p384-s/signer.pem" "$s1" "$s2"
t_check "... identical files" cmp -s "$D/b1" "$D/b1again"
t_grep "bundle refuses the same certificate twice" 'two certificates with the same key id' \
	"$CMKEYS" bundle -o "$D/b2" "$s1" "$s1"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=noskid \
	-addext subjectKeyIdentifier=none -keyout "$D/noskid.key" -out "$D/noskid.pem" 2>/dev/null
t_grep "bundle refuses a certificate without SKID" 'no subjectKeyIdentifier' \
	"$CMKEYS" bundle -o "$D/b3" "$D/noskid.pem"
echo "not a certificate" >"$D/notacert"
t_grep "bundle refuses a non-certificate" 'notacert: not a PEM or DER X.509 certificate' "$CMKEYS" bundle -o "$D/b4" "$D/notacert"
t_grep "bundle refuses a bad digest revocation" 'digest is not 32 hex bytes' \
	"$CMKEYS" bundle -o "$D/b5" --revoke sha256:abcd "$s1"
t_grep "bundle needs a certificate" 'at least one signer CERT' "$CMKEYS" bundle -o "$D/b6"
t_check "refused bundles were not written" [ ! -e "$D/b2" -a ! -e "$D/b3" -a ! -e "$D/b4" -a ! -e "$D/b5" ]
# The version only grows: --previous enforces it against the last bundle.
t_grep "--previous: an explicit version must exceed the previous one" \
	'version 7 does not exceed .*b1.s 7 \(rollback\)' \
	"$CMKEYS" bundle -o "$D/b7" --previous "$D/b1" --version 7 "$s1"
t_check "... nothing written" [ ! -e "$D/b7" ]
"$CMKEYS" bundle -o "$D/b8" --version 100 "$s1" >/dev/null
"$CMKEYS" bundle -o "$D/b9" --version 100000000000 "$s1" >/dev/null
"$CMKEYS" bundle -o "$D/b10" --previous "$D/b8" "$s1" >/dev/null
"$CMKEYS" bundle -o "$D/b11" --previous "$D/b9" "$s1" >/dev/null
t_grep "--previous: by default the time, when that exceeds the previous version" \
	'b10: version 1[0-9]{9}$' "$CMKEYS" show "$D/b10"
t_grep "--previous: ... else one past the previous version" \
	'b11: version 100000000001$' "$CMKEYS" show "$D/b11"
t_grep "--previous must be a bundle" "--previous $D/notacert: malformed bundle" \
	"$CMKEYS" bundle -o "$D/b12" --previous "$D/notacert" "$s1"
# --previous carries every revocation forward; only --unrevoke lifts one.
"$CMKEYS" bundle -o "$D/r1" --version 20 --revoke 0badc0de --revoke 1badc0de \
	--revoke "sha256:$(sha256sum /bin/true | cut -c1-64)" "$s1" >/dev/null
"$CMKEYS" bundle -o "$D/r2" --previous "$D/r1" "$s1" >"$D/r2.out" 2>&1
t_grep "--previous: the old bundle's revoked key ids stay revoked" '^revoked keyid 0badc0de$' "$CMKEYS" show "$D/r2"
t_grep "... both of them" '^revoked keyid 1badc0de$' "$CMKEYS" show "$D/r2"
t_grep "... and its revoked digests" "^revoked digest sha256:$(sha256sum /bin/true | cut -c1-64)$" "$CMKEYS" show "$D/r2"
t_grep "... and bundle says so" "^carried 3 revocations forward from $D/r1\$" cat "$D/r2.out"
"$CMKEYS" bundle -o "$D/r3" --previous "$D/r2" --unrevoke 1badc0de "$s1" >"$D/r3.out" 2>&1
t_grep "--unrevoke KEYID lifts it, stated in the output" '^lifted: revoked keyid 1badc0de$' cat "$D/r3.out"
t_check "... gone from the new bundle" bash -c "! '$CMKEYS' show '$D/r3' | grep -q 1badc0de"
t_grep "... the others carried" '^revoked keyid 0badc0de$' "$CMKEYS" show "$D/r3"
t_grep "--unrevoke of what OLD does not revoke: refused" 'unrevoke 12345678: not revoked by' \
	"$CMKEYS" bundle -o "$D/r4" --previous "$D/r3" --unrevoke 12345678 "$s1"
t_grep "--unrevoke without --previous: usage error" 'unrevoke lifts a revocation of --previous' \
	"$CMKEYS" bundle -o "$D/r4" --unrevoke 0badc0de "$s1"
t_grep "revoking and lifting the same key id: refused" 'both revoked and lifted' \
	"$CMKEYS" bundle -o "$D/r4" --previous "$D/r3" --revoke 0badc0de --unrevoke 0badc0de "$s1"
t_check "... refused bundles not written" [ ! -e "$D/r4" ]
t_check "a revocation given twice is recorded once" bash -c \
	"'$CMKEYS' bundle -o '$D/r5' --previous '$D/r3' --revoke 0badc0de '$s1' >/dev/null && [ \$('$CMKEYS' show '$D/r5' | grep -c 0badc0de) = 1 ]"

# --revoke FILE: every carrier's digest of the file, in every signature
# hash, computed here independently: the whole file (security.ima) and the
# file with the 1024 note descriptor bytes (24 bytes into .note.cryptomark)
# counted as zeros (the ELF note).
cp /bin/true "$D/vuln"
"$CMSIGN" --key "$D/ecdsa-p256-s/signer.key" --cert "$s2" --carrier both "$D/vuln" >/dev/null 2>&1
noff=$(readelf -SW "$D/vuln" | awk '$2 == ".note.cryptomark" {print $5}')
cp "$D/vuln" "$D/zeroed"
dd if=/dev/zero of="$D/zeroed" bs=1 seek=$((0x$noff + 24)) count=1024 conv=notrunc 2>/dev/null
"$CMKEYS" bundle -o "$D/rf" --revoke "$D/vuln" "$s2" >"$D/rf.out" 2>&1
"$CMKEYS" show "$D/rf" >"$D/rf.show"
for h in sha256 sha384 sha512 sha224; do
	t_grep "--revoke FILE: the security.ima digest ($h)" "^revoked digest $h:$(${h}sum "$D/vuln" | cut -d' ' -f1)\$" cat "$D/rf.show"
	t_grep "--revoke FILE: the ELF note digest ($h)" "^revoked digest $h:$(${h}sum "$D/zeroed" | cut -d' ' -f1)\$" cat "$D/rf.show"
done
t_grep "--revoke FILE: bundle names the count" "^--revoke $D/vuln: 8 digests" cat "$D/rf.out"
t_grep "cmverify --bundle: the revoked file is refused (security.ima)" ': FAIL revoked' \
	"$CMVERIFY" --bundle "$D/rf" --carrier xattr "$D/vuln"
t_grep "... and by its ELF note" ': FAIL revoked' "$CMVERIFY" --bundle "$D/rf" --carrier note "$D/vuln"
cp "$D/vuln" "$D/vuln384"
"$CMSIGN" --key "$D/ecdsa-p256-s/signer.key" --cert "$s2" --hash sha384 --carrier xattr "$D/vuln384" >/dev/null 2>&1
t_grep "... and signed with sha384 (same bytes): refused" ': FAIL revoked' \
	"$CMVERIFY" --bundle "$D/rf" --carrier xattr "$D/vuln384"
t_grep "... while the unrevoked original still verifies without that bundle" ': ok' \
	"$CMVERIFY" --cert "$s2" --carrier note "$D/vuln"
printf 'a script\n' >"$D/script"
"$CMKEYS" bundle -o "$D/rs" --revoke "$D/script" "$s2" >/dev/null
t_check "--revoke of a non-ELF file: its 4 security.ima digests" [ "$("$CMKEYS" show "$D/rs" | grep -c '^revoked digest')" = 4 ]
t_grep "... sha256 = sha256sum" "^revoked digest sha256:$(sha256sum "$D/script" | cut -c1-64)\$" "$CMKEYS" show "$D/rs"
t_grep "--revoke of a missing file: refused" 'revoke .*nowhere: not a key id, ALG:HEX, certificate or file' \
	"$CMKEYS" bundle -o "$D/rx" --revoke "$D/nowhere" "$s2"
t_grep "--revoke sha256: digest of the wrong size still refused" 'digest is not 32 hex bytes' \
	"$CMKEYS" bundle -o "$D/rx" --revoke sha256:abcd "$s2"
"$CMKEYS" bundle -o "$D/rf2" --previous "$D/rf" --unrevoke "$D/vuln" "$s2" >"$D/rf2.out"
t_check "--unrevoke FILE lifts all 8 digests" [ "$(grep -c '^lifted: revoked digest' "$D/rf2.out")" = 8 ]
t_check "... none left" [ "$("$CMKEYS" show "$D/rf2" | grep -c '^revoked digest')" = 0 ]
# The CA key encrypted; certificates in DER too; per-subcommand help.
export CMK_TEST_PW=correct-horse
t_check "ca --encrypt --pass-env" "$CMKEYS" ca -o "$D/enc" --type ecdsa-p256 --encrypt --pass-env CMK_TEST_PW
t_grep "... ca.key is an encrypted PKCS#8 key" '^-----BEGIN ENCRYPTED PRIVATE KEY-----$' head -n1 "$D/enc/ca.key"
t_check "... which openssl opens only with the passphrase" \
	openssl pkey -in "$D/enc/ca.key" -passin env:CMK_TEST_PW -noout
t_refuse "... and not without" openssl pkey -in "$D/enc/ca.key" -passin pass:wrong -noout
t_grep "signer under an encrypted CA without the passphrase: clear error, no prompt" \
	'ca.key: cannot load \(encrypted\? give --pass-env VAR or --pass-file FILE\)' \
	"$CMKEYS" signer --ca "$D/enc" -o "$D/encs" </dev/null
printf 'correct-horse\n' >"$D/pw"
t_check "signer --pass-file under the encrypted CA" "$CMKEYS" signer --ca "$D/enc" -o "$D/encs" --pass-file "$D/pw"
t_grep "... the signer verifies against that CA" ': OK$' openssl verify -CAfile "$D/enc/ca.pem" "$D/encs/signer.pem"
t_grep "ca --encrypt without a passphrase source: refused" 'encrypt needs --pass-env VAR or --pass-file FILE' \
	"$CMKEYS" ca -o "$D/enc2" --encrypt
t_check "bundle --sign-key of the encrypted CA key with --pass-env" \
	"$CMKEYS" bundle -o "$D/encb" --sign-key "$D/enc/ca.key" --sign-cert "$D/enc/ca.pem" --pass-env CMK_TEST_PW "$D/encs/signer.pem"
t_check "ca and signer certificates also as DER (= the PEM's)" \
	bash -c "cmp -s '$D/enc/ca.der' <(openssl x509 -in '$D/enc/ca.pem' -outform DER) && cmp -s '$D/encs/signer.der' <(openssl x509 -in '$D/encs/signer.pem' -outform DER)"
cp /bin/true "$D/evm-der"
"$CMSIGN" --key "$D/encs/signer.key" --cert "$D/encs/signer.pem" "$D/evm-der" >/dev/null 2>&1
t_check "evmctl ima_verify takes the signer.der cmkeys wrote" evmctl ima_verify --key "$D/encs/signer.der" "$D/evm-der"
t_grep "cmkeys seal --help: seal's usage only" '^  cmkeys seal .*--authorize' "$CMKEYS" seal --help
t_check "... and not the others'" bash -c "! '$CMKEYS' seal --help | grep -q 'cmkeys bundle'"
t_grep "cmkeys bundle --help names --unrevoke" 'unrevoke' "$CMKEYS" bundle --help
t_check "cmkeys --help: every subcommand" [ "$("$CMKEYS" --help | grep -c '^  cmkeys ')" -ge 15 ]

printf 'CMBUNDL2' | dd of="$D/b1" conv=notrunc 2>/dev/null
t_grep "show refuses a bad magic" 'malformed bundle: bad magic' "$CMKEYS" show "$D/b1"
t_done
