#!/usr/bin/env bash
# Core interop: cmsign <-> evmctl for every key type and hash, identical
# bytes for RSA, and refusal of tampered, unsigned, wrong-key and hostile
# values.  Real binaries from /usr/bin, the real evmctl.
source "$(dirname "$0")/../lib.sh"
t_require_root
command -v evmctl >/dev/null || { t_fail "evmctl missing (make deps)"; t_done; exit 1; }
D=$(t_scratch); trap 'rm -rf "$D"' EXIT
BINS=(/usr/bin/ls /usr/bin/cp /usr/bin/openssl)

imaval() { getfattr --absolute-names -n security.ima -e hex "$1" 2>/dev/null | sed -n 's/^security.ima=//p'; }

for type in rsa2048 rsa3072 rsa4096 p256 p384; do
	t_mkcert "$D" "$type" "$type"
	openssl x509 -in "$D/$type.pem" -outform DER -out "$D/$type.der"
	for hash in sha256 sha384 sha512; do
		for b in "${BINS[@]}"; do
			n=$(basename "$b")
			cp "$b" "$D/c-$type-$hash-$n"; cp "$b" "$D/e-$type-$hash-$n"
		done
		f=("$D"/c-$type-$hash-*)
		t_check "$type/$hash: cmsign signs ${#f[@]} binaries" \
			"$CMSIGN" -q --key "$D/$type.key" --cert "$D/$type.pem" --hash "$hash" "${f[@]}"
		t_check "$type/$hash: evmctl ima_verify accepts cmsign's" \
			evmctl ima_verify --key "$D/$type.der" "${f[@]}"
		e=("$D"/e-$type-$hash-*)
		for x in "${e[@]}"; do evmctl ima_sign --key "$D/$type.key" -a "$hash" "$x" >/dev/null; done
		t_check "$type/$hash: cmverify accepts evmctl's" \
			"$CMVERIFY" -q --cert "$D/$type.der" "${e[@]}"
		if [[ $type == rsa* ]]; then
			same=1
			for b in "${BINS[@]}"; do
				n=$(basename "$b")
				[ "$(imaval "$D/c-$type-$hash-$n")" = "$(imaval "$D/e-$type-$hash-$n")" ] || same=0
			done
			t_check "$type/$hash: xattr bytes identical to evmctl's" [ $same = 1 ]
		fi
	done
done

# Refusals, each with its reason and no crash.
cp /usr/bin/ls "$D/good"
"$CMSIGN" -q --key "$D/p256.key" --cert "$D/p256.pem" "$D/good"
cp --preserve=xattr "$D/good" "$D/tampered"
printf 'X' | dd of="$D/tampered" bs=1 seek=4096 conv=notrunc status=none
t_grep "tampered binary: bad-signature" "tampered: FAIL bad-signature" "$CMVERIFY" --cert "$D/p256.pem" "$D/tampered"
t_refuse "tampered binary: non-zero exit" "$CMVERIFY" --cert "$D/p256.pem" "$D/tampered"
cp --preserve=xattr "$D/good" "$D/appended"; printf 'X' >>"$D/appended"
t_grep "appended byte: bad-signature" "appended: FAIL bad-signature" "$CMVERIFY" --cert "$D/p256.pem" "$D/appended"
cp /usr/bin/ls "$D/unsigned"
t_grep "unsigned: reason" "unsigned: FAIL unsigned" "$CMVERIFY" --cert "$D/p256.pem" "$D/unsigned"
t_refuse "unsigned: non-zero exit" "$CMVERIFY" --cert "$D/p256.pem" "$D/unsigned"
t_grep "wrong key: unknown-key" "good: FAIL unknown-key" "$CMVERIFY" --cert "$D/rsa2048.pem" "$D/good"
t_check "right key among several: ok" "$CMVERIFY" -q --cert "$D/rsa2048.pem" --cert "$D/p256.der" "$D/good"
# Same keyid, different key: a forged cert reusing the SKID.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=forger \
	-addext "subjectKeyIdentifier=$(openssl x509 -in "$D/p256.pem" -noout -ext subjectKeyIdentifier | tail -1 | tr -d ' ')" \
	-keyout "$D/forger.key" -out "$D/forger.pem" 2>/dev/null
t_grep "same keyid, other key: bad-signature" "good: FAIL bad-signature" "$CMVERIFY" --cert "$D/forger.pem" "$D/good"
# An xattr copied from another signed file.
cp /usr/bin/cp "$D/copied"; setfattr -n security.ima -v "$(imaval "$D/good")" "$D/copied"
t_grep "xattr copied from another file: bad-signature" "copied: FAIL bad-signature" "$CMVERIFY" --cert "$D/p256.pem" "$D/copied"

# Every hostile vector as a real xattr: refused as malformed/unsigned, no crash.
while IFS=$'\t' read -r file err why; do
	[[ $file == \#* || $err == 0 ]] && continue
	cp /usr/bin/true "$D/hostile"
	if [ -s "$T_ROOT/tests/vectors/sig/$file" ]; then
		setfattr -n security.ima -v "0x$(xxd -p "$T_ROOT/tests/vectors/sig/$file" | tr -d '\n')" "$D/hostile"
	fi
	case $err in
	ENODATA) want="FAIL unsigned" ;;
	*) want="FAIL malformed: " ;;
	esac
	t_grep "hostile xattr $file ($why): $want" "$want" "$CMVERIFY" --cert "$D/p256.pem" "$D/hostile"
done <"$T_ROOT/tests/vectors/sig/index.txt"
setfattr -n security.ima -v "0x03$(head -c 600 /dev/urandom | xxd -p | tr -d '\n')" "$D/hostile"
t_grep "oversized xattr: malformed" "FAIL malformed" "$CMVERIFY" --cert "$D/p256.pem" "$D/hostile"
t_done
