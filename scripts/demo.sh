#!/usr/bin/env bash
# make demo: the main job on built-in sample data.  Makes a throwaway
# signer, signs a copy of some system binaries, verifies them with cmverify
# and with evmctl, and shows a tampered one and an unsigned one refused.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
B=$root/build
work=$(mktemp -d "${TMPDIR:-/tmp}/cryptomark-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

if [ "$(id -u)" != 0 ]; then
	echo "demo: writing security.ima needs root (CAP_SYS_ADMIN); run 'make demo' as root" >&2
	exit 1
fi

say "1. A throwaway ECDSA P-256 code-signing key and certificate"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
	-subj "/CN=cryptomark demo signer" -addext "keyUsage=critical,digitalSignature" \
	-addext "extendedKeyUsage=codeSigning" \
	-keyout "$work/signer.key" -out "$work/signer.pem" 2>/dev/null
openssl x509 -in "$work/signer.pem" -noout -subject -ext subjectKeyIdentifier

say "2. A staged tree: copies of system binaries and libraries"
mkdir -p "$work/root/usr/bin" "$work/root/usr/lib"
cp /usr/bin/{ls,cp,mv,cat,grep,sed,tar,gzip,openssl} "$work/root/usr/bin/"
cp /lib/x86_64-linux-gnu/{libc.so.6,libssl.so.3,libcrypto.so.3} "$work/root/usr/lib/"
ln -s ls "$work/root/usr/bin/dir"
du -sh "$work/root"

say "3. cmsign -r (security.ima, IMA signature v2)"
"$B/cmsign" --key "$work/signer.key" --cert "$work/signer.pem" -r "$work/root"

say "4. cmverify -r"
"$B/cmverify" --cert "$work/signer.pem" -r "$work/root"

say "5. The same signatures checked by evmctl (ima-evm-utils), the kernel's format"
openssl x509 -in "$work/signer.pem" -outform DER -out "$work/signer.der"
evmctl ima_verify --key "$work/signer.der" "$work/root/usr/bin/ls" 2>&1 | tail -1

say "6. A tampered binary, an unsigned one and a copied signature are refused"
printf 'X' | dd of="$work/root/usr/bin/grep" bs=1 seek=5000 conv=notrunc status=none
cp /usr/bin/true "$work/root/usr/bin/unsigned"
cp /usr/bin/false "$work/root/usr/bin/copied"
setfattr -n security.ima -v "$(getfattr --absolute-names -n security.ima -e hex "$work/root/usr/bin/cat" | sed -n 's/^security.ima=//p')" "$work/root/usr/bin/copied"
set +e
"$B/cmverify" --cert "$work/signer.pem" "$work/root/usr/bin/grep" \
	"$work/root/usr/bin/unsigned" "$work/root/usr/bin/copied" "$work/root/usr/bin/cat"
rc=$?
set -e
echo "cmverify exit status: $rc (non-zero: not every file verified)"
[ $rc = 1 ] || { echo "demo: expected refusals did not happen" >&2; exit 1; }
if [ -x "$B/cmsign" ] && "$B/cmsign" --help | grep -q -- '--carrier'; then
	say "7. The ELF-note carrier: the signature travels inside the binary"
	cp /usr/bin/ls "$work/ls-note"
	if "$B/cmsign" -q --carrier note --key "$work/signer.key" --cert "$work/signer.pem" "$work/ls-note"; then
		cp "$work/ls-note" "$work/ls-copied"   # plain cp: no xattrs
		"$B/cmverify" --carrier note --cert "$work/signer.pem" "$work/ls-copied"
		"$work/ls-copied" -d / >/dev/null && echo "the signed copy still runs"
	fi
fi
say "demo finished: signed, verified by two verifiers, tampering refused"
