#!/usr/bin/env bash
# CA trust anchors.  A site trusts a CA and rotates the build keys it
# issues: manifests (format 2) carry their signer's certificate, and
# cmsign apply / the dpkg hook accept them when it chains to a CA in the
# trust directory (PEM, .der, .crt), has codeSigning usage, is valid now
# and is not revoked; each refusal names its reason (unknown-key,
# untrusted-chain, expired, revoked) and writes nothing.  cmverify --ca
# does the same for signer certificates given with --cert or --keyring.
# A manifest refused before its CA was trusted is applied by the hook on
# the next dpkg run after the trust directory changed.
set -u
. "$(dirname "$0")/../lib.sh"
t_require_root

D=$(t_scratch)
trap "rm -rf $D" EXIT
P=$D/pki
mkdir -p "$P"

# ca NAME: a CA (basicConstraints CA:TRUE, keyCertSign).
ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
		-subj "/CN=cryptomark test CA $1" -keyout "$P/$1.key" -out "$P/$1.pem" \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}
# signer NAME CA [EXT]: a signer certificate issued by CA (default
# extensions: digitalSignature, codeSigning).
signer() {
	local name=$1 ca=$2 ext=${3:-"keyUsage=critical,digitalSignature
extendedKeyUsage=codeSigning"}
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=signer $name" \
		-keyout "$P/$name.key" -out "$P/$name.csr" 2>/dev/null
	printf '%s\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' "$ext" > "$P/$name.ext"
	openssl x509 -req -in "$P/$name.csr" -CA "$P/$ca.pem" -CAkey "$P/$ca.key" -CAcreateserial \
		-days 30 -extfile "$P/$name.ext" -out "$P/$name.pem" 2>/dev/null
}
ca site
ca rogue
signer build1 site
signer build2 site
signer evil rogue
signer nocode site "keyUsage=critical,digitalSignature"
# An expired one: openssl ca takes explicit dates.
mkdir -p "$P/ca"; : > "$P/ca/index.txt"; echo 01 > "$P/ca/serial"
cat > "$P/ca.cnf" <<EOC
[ca]
default_ca = c
[c]
database = $P/ca/index.txt
new_certs_dir = $P/ca
serial = $P/ca/serial
default_md = sha256
policy = p
x509_extensions = ext
[p]
commonName = supplied
[ext]
keyUsage = critical,digitalSignature
extendedKeyUsage = codeSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOC
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=signer old" \
	-keyout "$P/old.key" -out "$P/old.csr" 2>/dev/null
openssl ca -batch -config "$P/ca.cnf" -cert "$P/site.pem" -keyfile "$P/site.key" -in "$P/old.csr" \
	-out "$P/old.pem" -startdate 20200101000000Z -enddate 20200201000000Z >/dev/null 2>&1
t_check "test PKI: site and rogue CAs, signers build1, build2, evil, nocode, old (expired)" \
	test -s "$P/build1.pem" -a -s "$P/build2.pem" -a -s "$P/evil.pem" -a -s "$P/nocode.pem" -a -s "$P/old.pem"
keyid() { openssl x509 -in "$1" -noout -ext subjectKeyIdentifier | tail -n1 | tr -d ' :' | tail -c 9; }

# A staged root: an ELF file and a text file.
T=$D/tree
mkdir -p "$T/usr/bin" "$T/usr/share/doc/x"
cp /usr/bin/true "$T/usr/bin/true"
echo "some data" > "$T/usr/share/doc/x/README"
# mk NAME: T copied to root-NAME, manifest signed by signer NAME.
mk() {
	rm -rf "$D/root-$1"; cp -a "$T" "$D/root-$1"
	"$CMSIGN" manifest -q --key "$P/$1.key" --cert "$P/$1.pem" --root "$D/root-$1" -o "$D/$1.cmm"
}
for s in build1 build2 evil nocode old; do mk $s; done
t_check "manifests are format 2 (they carry the signer certificate)" \
	test "$(xxd -s 8 -l 2 -p "$D/build1.cmm")" = 0002

mkdir -p "$D/pem" "$D/der" "$D/crt"
cp "$P/site.pem" "$D/pem/site.pem"
openssl x509 -in "$P/site.pem" -outform der -out "$D/der/site.der"
cp "$P/site.pem" "$D/crt/site.crt"
apply() { "$CMSIGN" apply --manifest "$D/$1.cmm" --root "$D/root-$1" "${@:2}"; }
t_check "a manifest of build1 applies trusting only the site CA (PEM)" apply build1 -q --keyring "$D/pem"
t_check "... and verifies with cmverify --ca site --cert build1" \
	"$CMVERIFY" -q --carrier both --ca "$P/site.pem" --cert "$P/build1.pem" "$D/root-build1/usr/bin/true"
t_check "the CA as a .der file" bash -c "$(declare -f mk apply); CMSIGN='$CMSIGN' D='$D' P='$P' T='$T'; mk build1 && apply build1 -q --keyring '$D/der'"
t_check "the CA as a .crt file" bash -c "$(declare -f mk apply); CMSIGN='$CMSIGN' D='$D' P='$P' T='$T'; mk build1 && apply build1 -q --keyring '$D/crt'"
t_check "the rotated key build2 applies with the same CA" apply build2 -q --keyring "$D/pem"

refused() {	# refused DESC NAME REASON [apply args]
	local out rc
	out=$(apply "$2" "${@:4}" 2>&1); rc=$?
	if [ $rc = 3 ] && grep -q "REFUSED: manifest signer certificate: $3" <<<"$out" &&
	   ! getfattr -n security.ima "$D/root-$2/usr/bin/true" >/dev/null 2>&1; then
		t_ok "$1: refused ($3), nothing written"
	else
		t_fail "$1: rc $rc: $out"
	fi
}
refused "a signer of another CA" evil untrusted-chain --keyring "$D/pem"
refused "a signer without codeSigning usage" nocode untrusted-chain --keyring "$D/pem"
refused "an expired signer" old expired --keyring "$D/pem"
"$CMKEYS" bundle -o "$D/revoke.bundle" --revoke "$(keyid "$P/build1.pem")" "$P/site.pem" >/dev/null 2>&1
mk build1
refused "a signer the bundle revokes" build1 revoked --keyring "$D/pem" --bundle "$D/revoke.bundle"
out=$(apply build1 --cert "$P/evil.pem" 2>&1)
t_check "only an unrelated signer trusted (no CA): unknown-key" grep -q "unknown-key" <<<"$out"

# cmverify --ca
apply build1 -q --keyring "$D/pem"
"$CMSIGN" --key "$P/evil.key" --cert "$P/evil.pem" -q "$D/tree/usr/share/doc/x/README"
"$CMSIGN" --key "$P/old.key" --cert "$P/old.pem" -q "$D/tree/usr/bin/true"
t_grep "cmverify --ca: a chained signer's file is ok" ": ok \(keyid" \
	"$CMVERIFY" --ca "$P/site.pem" --cert "$P/build1.pem" "$D/root-build1/usr/share/doc/x/README"
t_grep "cmverify --ca: a signer of another CA: untrusted-chain" "FAIL untrusted-chain" \
	"$CMVERIFY" --ca "$P/site.pem" --cert "$P/evil.pem" "$D/tree/usr/share/doc/x/README"
t_grep "cmverify --ca: an expired signer: expired" "FAIL expired" \
	"$CMVERIFY" --ca "$P/site.pem" --cert "$P/old.pem" "$D/tree/usr/bin/true"
t_grep "cmverify --ca --bundle: a revoked signer: revoked" "FAIL revoked" \
	"$CMVERIFY" --ca "$P/site.pem" --bundle "$D/revoke.bundle" --cert "$P/build1.pem" "$D/root-build1/usr/share/doc/x/README"
mkdir -p "$D/signers"; cp "$P/build1.pem" "$P/evil.pem" "$D/signers/"
t_grep "cmverify --ca --keyring: chained ones ok, others named" "README: ok" \
	"$CMVERIFY" --ca "$P/site.pem" --keyring "$D/signers" "$D/root-build1/usr/share/doc/x/README"
t_grep "cmverify without --ca trusts no chain: unknown-key" "FAIL unknown-key" \
	"$CMVERIFY" --cert "$P/site.pem" "$D/root-build1/usr/share/doc/x/README"

# The hook: a manifest refused for trust is applied once the CA is trusted.
R=$D/root
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$R/var/lib/dpkg/triggers" \
	"$R/etc/cryptomark/manifest-signers"
touch "$R/var/lib/dpkg/status" "$R/var/lib/dpkg/available"
openssl x509 -in "$P/rogue.pem" -outform der -out "$R/etc/cryptomark/manifest-signers/other.der"
cp "$(t_fetch_deb hello)" "$D/hello.deb"
"$CMSIGN" deb -q --key "$P/build2.key" --cert "$P/build2.pem" "$D/hello.deb"
HOOK_LINE=$(grep '^post-invoke=' "$T_ROOT/packaging/debian/dpkg.cfg.d-cryptomark")
HOOK_LINE=${HOOK_LINE//\/usr\/lib\/cryptomark\/dpkg-hook/$T_ROOT\/packaging\/debian\/dpkg-hook}
export CRYPTOMARK_CMSIGN=$CMSIGN
out=$(dpkg --root="$R" --force-depends --"$HOOK_LINE" -i "$D/hello.deb" 2>&1)
t_check "hook: a manifest whose CA is not trusted is refused (a .der signer dir is read)" \
	grep -q "hello:amd64: manifest REFUSED" <<<"$out"
t_check "hook: hello's binary got nothing" bash -c "! getfattr -n security.ima '$R/usr/bin/hello' >/dev/null 2>&1"
sleep 1
openssl x509 -in "$P/site.pem" -outform der -out "$R/etc/cryptomark/manifest-signers/site.der"
out=$(dpkg --root="$R" --"$HOOK_LINE" --configure -a 2>&1)
t_check "hook: after the site CA is added, the next dpkg run applies it" \
	"$CMVERIFY" -q --ca "$P/site.pem" --cert "$P/build2.pem" "$R/usr/bin/hello"
t_check "hook: every file of hello verifies" bash -c \
	"dpkg --root='$R' -L hello | while read -r f; do [ -f '$R'\$f ] && [ ! -L '$R'\$f ] || continue
		case \$f in */manifests/*) continue;; esac
		'$CMVERIFY' -q --ca '$P/site.pem' --cert '$P/build2.pem' '$R'\$f >/dev/null || exit 1; done"
t_done
