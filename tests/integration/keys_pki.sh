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
printf 'CMBUNDL2' | dd of="$D/b1" conv=notrunc 2>/dev/null
t_grep "show refuses a bad magic" 'malformed bundle: bad magic' "$CMKEYS" show "$D/b1"
t_done
