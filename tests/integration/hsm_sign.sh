#!/usr/bin/env bash
# Keys in an HSM: a SoftHSM2 token (in a scratch SOFTHSM2_CONF) holding an
# imported ECDSA P-256 key, an imported RSA-2048 key and a P-256 key
# generated on the token (never extractable; its certificate is issued
# through the libp11 engine).  cmsign signs trees with pkcs11: URIs; the
# signatures verify with cmverify and with evmctl.  Refusals (wrong PIN,
# unknown object, no module, key/cert mismatch, bad URI) are exact.
set -u
. "$(dirname "$0")/../lib.sh"
t_require_root

MOD=/usr/lib/softhsm/libsofthsm2.so
t_need softhsm2-util pkcs11-tool evmctl
[ -f "$MOD" ] || { t_fail "$MOD missing (softhsm2)"; t_done; exit 1; }
[ -f /usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so ] ||
	{ t_fail "libp11 engine missing (libengine-pkcs11-openssl)"; t_done; exit 1; }

D=$(t_scratch)
trap 'rm -rf "$D"' EXIT
mkdir -p "$D/tokens"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$D" > "$D/softhsm2.conf"
export SOFTHSM2_CONF=$D/softhsm2.conf
unset PKCS11_MODULE_PATH

softhsm2-util --init-token --free --label cmtest --pin 1234 --so-pin 5678 >/dev/null ||
	{ t_fail "softhsm2-util --init-token"; t_done; exit 1; }
t_mkcert "$D" ec p256
t_mkcert "$D" rsa rsa2048
import() {
	softhsm2-util --import "$D/$1.key" --token cmtest --label $1 --id $2 --pin 1234 |
		grep -q 'key pair has been imported'
}
t_check "import ECDSA key into the token" import ec 01
t_check "import RSA key into the token" import rsa 02
keygen() {
	pkcs11-tool --module "$MOD" --token-label cmtest --login --pin 1234 \
		--keypairgen --key-type EC:prime256v1 --label ecgen --id 03 >/dev/null 2>&1
}
t_check "generate a P-256 key on the token" keygen
PKCS11_MODULE_PATH=$MOD openssl req -new -x509 -engine pkcs11 -keyform engine \
	-key "pkcs11:token=cmtest;object=ecgen;type=private;pin-value=1234" \
	-subj "/CN=cryptomark token key" -days 2 \
	-addext "keyUsage=critical,digitalSignature" -out "$D/ecgen.pem" >/dev/null 2>&1
t_check "certificate for the on-token key" test -s "$D/ecgen.pem"
for k in ec rsa ecgen; do
	openssl x509 -in "$D/$k.pem" -outform der -out "$D/$k.der"
done

uri() { echo "pkcs11:token=cmtest;object=$1;type=private?pin-value=1234&module-path=$MOD"; }

mktree() {
	rm -rf "$D/t"; mkdir -p "$D/t/bin" "$D/t/etc"
	cp /usr/bin/ls /usr/bin/cat /usr/bin/true "$D/t/bin/"
	for i in $(seq 1 20); do echo "config $i" > "$D/t/etc/c$i"; done
}

# every file of the tree verifies with cmverify and with evmctl
verifies() {
	local cert=$1 n ok
	n=$(find "$D/t" -type f | wc -l)
	ok=$("$CMVERIFY" -r --carrier xattr --cert "$D/$cert.pem" "$D/t" 2>/dev/null | grep -c ': ok (')
	[ "$ok" = "$n" ] || { echo "cmverify: $ok/$n"; return 1; }
	ok=$(find "$D/t" -type f -print0 | xargs -0 evmctl ima_verify --key "$D/$cert.der" 2>&1 | grep -c 'verification is OK')
	[ "$ok" = "$n" ] || { echo "evmctl: $ok/$n"; return 1; }
}

for k in ec rsa ecgen; do
	mktree
	t_check "$k: cmsign -r -j 4 with module-path= in the URI" \
		"$CMSIGN" -q -r -j 4 --key "$(uri $k)" --cert "$D/$k.pem" "$D/t"
	t_check "$k: tree verifies with cmverify and evmctl" verifies $k
done

mktree
t_check "RSA: PKCS11_MODULE_PATH when the URI has no module-path" \
	env PKCS11_MODULE_PATH=$MOD "$CMSIGN" -q -r \
	--key "pkcs11:token=cmtest;object=rsa;type=private?pin-value=1234" \
	--cert "$D/rsa.pem" "$D/t"
t_check "RSA (env module): verifies" verifies rsa

# PKCS#1 v1.5 is deterministic: the token signs exactly what the PEM key does.
getfattr --absolute-names -n security.ima -e hex "$D/t/bin/ls" > "$D/hsm.sig"
"$CMSIGN" -q --key "$D/rsa.key" --cert "$D/rsa.pem" "$D/t/bin/ls"
getfattr --absolute-names -n security.ima -e hex "$D/t/bin/ls" > "$D/pem.sig"
t_check "RSA: token signature byte-identical to the PEM key's" cmp -s "$D/hsm.sig" "$D/pem.sig"

t_check "percent-encoded module-path is decoded" \
	"$CMSIGN" -q --key "pkcs11:token=cmtest;object=ec;type=private?pin-value=1234&module-path=${MOD//\//%2F}" \
	--cert "$D/ec.pem" "$D/t/bin/true"

echo 1234 > "$D/pin"
t_check "pin-source=file: (with a trailing newline) is read" \
	"$CMSIGN" -q --key "pkcs11:token=cmtest;object=rsa;type=private?pin-source=file:$D/pin&module-path=$MOD" \
	--cert "$D/rsa.pem" "$D/t/bin/true"

# A manifest signed by a token key applies like any other.
mkdir -p "$D/root/usr/bin" && cp /usr/bin/true "$D/root/usr/bin/"
t_check "cmsign manifest with a token key" \
	"$CMSIGN" manifest -q --carrier xattr --key "$(uri ecgen)" --cert "$D/ecgen.pem" \
	--root "$D/root" -o "$D/m.cmm"
t_check "its manifest applies" \
	"$CMSIGN" apply -q --manifest "$D/m.cmm" --root "$D/root" --cert "$D/ecgen.pem"

refuse() {  # refuse DESC EXIT PATTERN ARGS...
	local d=$1 want=$2 pat=$3 out rc; shift 3
	out=$("$@" 2>&1); rc=$?
	if [ $rc = "$want" ] && grep -qE -- "$pat" <<<"$out"; then t_ok "$d"
	else t_fail "$d: exit $rc (want $want), /$pat/ not in: $out"; fi
}
refuse "wrong PIN refused" 2 'no such private key on the token, or wrong PIN.*PIN incorrect' \
	"$CMSIGN" --key "pkcs11:token=cmtest;object=rsa;type=private?pin-value=9999&module-path=$MOD" \
	--cert "$D/rsa.pem" "$D/t/bin/ls"
refuse "unknown object refused" 2 'no such private key on the token' \
	"$CMSIGN" --key "$(uri nosuch)" --cert "$D/rsa.pem" "$D/t/bin/ls"
refuse "no module anywhere refused" 2 'no PKCS#11 module: add module-path=' \
	"$CMSIGN" --key "pkcs11:token=cmtest;object=rsa;type=private?pin-value=1234" \
	--cert "$D/rsa.pem" "$D/t/bin/ls"
refuse "missing module file refused" 2 'PKCS#11 module /nonexistent.so: No such file or directory' \
	"$CMSIGN" --key "pkcs11:token=cmtest;object=rsa;type=private?pin-value=1234&module-path=/nonexistent.so" \
	--cert "$D/rsa.pem" "$D/t/bin/ls"
refuse "token key not matching the certificate refused" 2 'does not match the public key' \
	"$CMSIGN" --key "$(uri ec)" --cert "$D/rsa.pem" "$D/t/bin/ls"
# No message may show the PIN (the three refusals above, again).
pin_out=$( { "$CMSIGN" --key "$(uri ec)" --cert "$D/rsa.pem" "$D/t/bin/ls"
	"$CMSIGN" --key "$(uri nosuch)" --cert "$D/rsa.pem" "$D/t/bin/ls"
	"$CMSIGN" --key "pkcs11:token=cmtest;object=rsa;type=private?pin-value=1234&module-path=/nonexistent.so" \
		--cert "$D/rsa.pem" "$D/t/bin/ls"; } 2>&1)
t_check "no error message shows the PIN" \
	bash -c '[ "$(grep -c "^cmsign: " <<<"$1")" = 3 ] && ! grep -q 1234 <<<"$1"' _ "$pin_out"
refuse "repeated pin-value refused" 2 'module-path or pin-value given twice' \
	"$CMSIGN" --key "$(uri rsa)&pin-value=1234" --cert "$D/rsa.pem" "$D/t/bin/ls"
refuse "bad percent-encoding refused" 2 'bad percent-encoding' \
	"$CMSIGN" --key "pkcs11:token=cmtest;object=rsa;type=private?pin-value=12%3&module-path=$MOD" \
	--cert "$D/rsa.pem" "$D/t/bin/ls"
refuse "both pin-value and pin-source refused" 2 'both pin-value and pin-source' \
	"$CMSIGN" --key "$(uri rsa)&pin-source=$D/pin" --cert "$D/rsa.pem" "$D/t/bin/ls"
refuse "unreadable pin-source refused" 2 'pin-source /nonexistent: No such file' \
	"$CMSIGN" --key "pkcs11:token=cmtest;object=rsa;type=private?pin-source=/nonexistent&module-path=$MOD" \
	--cert "$D/rsa.pem" "$D/t/bin/ls"
t_done
