#!/usr/bin/env bash
# Keys resident in a TPM : a software TPM (swtpm) holds
# an ECDSA P-256 and an RSA-2048 key made by the tpm2-openssl provider
# (TSS2 PRIVATE KEY files, the private parts wrapped by the TPM).  cmsign
# loads them through OSSL_STORE once OPENSSL_CONF activates the provider;
# signing runs in the TPM (serially: one TPM session), file hashing stays
# in the default provider.  Signatures verify with cmverify and evmctl.
set -u
. "$(dirname "$0")/../lib.sh"
t_require_root

t_need swtpm tpm2_pcrread evmctl
[ -f /usr/lib/x86_64-linux-gnu/ossl-modules/tpm2.so ] ||
	{ t_fail "tpm2-openssl provider missing (make deps)"; t_done; exit 1; }

D=$(t_scratch)
cleanup() {
	t_swtpm_stop
	rm -rf "$D"
}
trap cleanup EXIT

t_swtpm_start "$D/tpm" || { t_fail "swtpm did not start"; t_done; exit 1; }
export TPM2OPENSSL_TCTI="swtpm:host=127.0.0.1,port=$SWTPM_PORT"

# default first: the library must not depend on the provider order.
cat > "$D/openssl.cnf" <<'EOF'
openssl_conf = openssl_init
[openssl_init]
providers = provider_sect
[provider_sect]
default = default_sect
tpm2 = tpm2_sect
[default_sect]
activate = 1
[tpm2_sect]
activate = 1
EOF

mkkey() {  # mkkey NAME genpkey-args...
	local n=$1; shift
	openssl genpkey -provider tpm2 -provider default "$@" -out "$D/$n.tss2.pem" 2>/dev/null &&
	openssl req -provider tpm2 -provider default -new -x509 -key "$D/$n.tss2.pem" \
		-subj "/CN=cryptomark TPM $n" -days 2 -addext "keyUsage=critical,digitalSignature" \
		-out "$D/$n.pem" 2>/dev/null &&
	openssl x509 -in "$D/$n.pem" -outform der -out "$D/$n.der" &&
	grep -q 'BEGIN TSS2 PRIVATE KEY' "$D/$n.tss2.pem"
}
t_check "P-256 key created in the TPM" mkkey ec -algorithm EC -pkeyopt group:P-256
t_check "RSA-2048 key created in the TPM" mkkey rsa -algorithm RSA -pkeyopt bits:2048

mktree() {
	rm -rf "$D/t"; mkdir -p "$D/t"
	cp /usr/bin/ls /usr/bin/true "$D/t/"
	for i in $(seq 1 12); do echo "file $i" > "$D/t/f$i"; done
}
verifies() {
	local k=$1 n ok
	n=$(find "$D/t" -type f | wc -l)
	ok=$("$CMVERIFY" -r --carrier xattr --cert "$D/$k.pem" "$D/t" 2>/dev/null | grep -c ': ok (')
	[ "$ok" = "$n" ] || { echo "cmverify $ok/$n"; return 1; }
	ok=$(find "$D/t" -type f -print0 | xargs -0 evmctl ima_verify --key "$D/$k.der" 2>&1 | grep -c 'verification is OK')
	[ "$ok" = "$n" ] || { echo "evmctl $ok/$n"; return 1; }
}
for k in ec rsa; do
	for h in sha256 sha512; do
		mktree
		t_check "$k/$h: cmsign -r -j 4 with a TPM key" \
			env OPENSSL_CONF="$D/openssl.cnf" "$CMSIGN" -q -r -j 4 --hash $h \
			--key "$D/$k.tss2.pem" --cert "$D/$k.pem" "$D/t"
		t_check "$k/$h: verifies with cmverify and evmctl" verifies $k
	done
done

mkdir -p "$D/root/bin" && cp /usr/bin/true "$D/root/bin/"
t_check "manifest signed by a TPM key" \
	env OPENSSL_CONF="$D/openssl.cnf" "$CMSIGN" manifest -q --key "$D/ec.tss2.pem" \
	--cert "$D/ec.pem" --root "$D/root" -o "$D/m.cmm"
t_check "...applies" "$CMSIGN" apply -q --manifest "$D/m.cmm" --root "$D/root" --cert "$D/ec.pem"

t_grep "without the provider the TPM key is refused" 'no private key found' \
	"$CMSIGN" --key "$D/ec.tss2.pem" --cert "$D/ec.pem" "$D/t/f1"
t_grep "TPM key not matching the certificate is refused" 'does not match the public key' \
	env OPENSSL_CONF="$D/openssl.cnf" "$CMSIGN" --key "$D/ec.tss2.pem" --cert "$D/rsa.pem" "$D/t/f1"
t_done
