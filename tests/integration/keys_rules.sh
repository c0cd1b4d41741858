#!/usr/bin/env bash
# `cmkeys rules` (docs/FORMAT-rules.md) without a kernel: check prints the
# canonical text and refuses bad texts with FILE:LINE and the reason; sign
# writes a container whose text is the file, byte for byte, and whose
# signature cmverify's parser and the signer's certificate accept; pack
# writes an unsigned one; show names the signer; load writes the container
# in one piece; every vector of tests/vectors/rules is accepted or refused
# as its index says.
. "$(dirname "$0")/../lib.sh"
[ -x "$CMKEYS" ] || { t_fail "$CMKEYS missing (make all)"; t_done; exit 1; }
D=$(t_scratch)
trap 'rm -rf "$D"' EXIT
K=$CMKEYS
V=$T_ROOT/tests/vectors/rules
t_mkcert "$D" signer rsa2048 || { t_fail "openssl: test certificate"; t_done; exit 1; }
kid=$(openssl x509 -in "$D/signer.pem" -noout -ext subjectKeyIdentifier | tail -n 1 | tr -d ' :\n')
kid=$(echo "${kid: -8}" | tr A-F a-f)

printf '# test\nversion 9\nop module audit\nop exec enforce key %s\n' "$kid" >"$D/p.txt"
t_grep "check: canonical text, every op" "^op kexec enforce key any$" "$K" rules check "$D/p.txt"
t_grep "check: the key id" "^op exec enforce key $kid$" "$K" rules check "$D/p.txt"
printf 'version 1\nop exec\n' >"$D/bad.txt"
t_grep "check: a bad text names file, line, reason" "bad.txt:2: op: OP MODE \[key KEYS\] expected" \
	"$K" rules check "$D/bad.txt"
t_refuse "check: refused" "$K" rules check "$D/bad.txt"
t_refuse "sign: a bad text is not signed" "$K" rules sign --sign-key "$D/signer.key" \
	--sign-cert "$D/signer.pem" -o "$D/bad.signed" "$D/bad.txt"
t_check "... and nothing written" test ! -e "$D/bad.signed"
t_check "sign" "$K" rules sign --sign-key "$D/signer.key" --sign-cert "$D/signer.pem" \
	-o "$D/p.signed" "$D/p.txt"
t_check "the container: magic, lengths" sh -c \
	"head -c 8 '$D/p.signed' | grep -qx CMRULES1 &&
	 [ \$(od -An -tu1 -j8 -N4 '$D/p.signed' | awk '{print \$4}') = $(stat -c %s "$D/p.txt") ]"
tl=$(stat -c %s "$D/p.txt")
t_check "the text, byte for byte" cmp -s "$D/p.txt" <(tail -c +17 "$D/p.signed" | head -c "$tl")
tail -c +$((17 + tl)) "$D/p.signed" >"$D/sig"
t_check "the signature: a security.ima v2 value (type 3, version 2, sha256)" sh -c \
	"[ \"\$(od -An -tx1 -N3 '$D/sig' | tr -d ' ')\" = 030204 ]"
openssl x509 -in "$D/signer.pem" -noout -pubkey >"$D/pub.pem"
t_check "the signature verifies over the text with the signer's key" sh -c \
	"tail -c +10 '$D/sig' >'$D/sig.raw' && openssl dgst -sha256 -verify '$D/pub.pem' -signature '$D/sig.raw' '$D/p.txt' >/dev/null"
t_grep "show: the signer" "^# signer $kid$" "$K" rules show "$D/p.signed"
t_grep "show: the digest of the text" "^# digest sha256:$(sha256sum <"$D/p.txt" | cut -c1-64)$" \
	"$K" rules show "$D/p.signed"
t_check "pack: unsigned" "$K" rules pack -o "$D/p.unsigned" "$D/p.txt"
t_grep "show: unsigned" "^# signer none" "$K" rules show "$D/p.unsigned"
: >"$D/sink"
t_check "load: one write" "$K" rules load --securityfs "$D/sink" "$D/p.signed"
t_check "... the sink holds the container" cmp -s "$D/sink" "$D/p.signed"
t_refuse "load: no such securityfs file" "$K" rules load --securityfs "$D/none/x" "$D/p.signed"
t_refuse "sign without -o" "$K" rules sign --sign-key "$D/signer.key" --sign-cert "$D/signer.pem" "$D/p.txt"
t_refuse "unknown action" "$K" rules frobnicate "$D/p.txt"
t_grep "rules --help: the usage" "cmkeys rules sign --sign-key" "$K" rules --help
t_grep "rules sign --help: the usage" "cmkeys rules load" "$K" rules sign --help

# The vector table through the CLI: accepted ones check, refused ones not.
n=0 bad=0
while IFS='	' read -r f err why; do
	case $f in '#'*|'') continue ;; esac
	n=$((n + 1))
	if "$K" rules check "$V/$f" >/dev/null 2>&1; then got=0; else got=1; fi
	if { [ "$err" = 0 ] && [ $got = 1 ]; } || { [ "$err" != 0 ] && [ $got = 0 ]; }; then
		bad=$((bad + 1)); echo "# $f: expected $err"
	fi
done <"$V/index.txt"
t_check "cmkeys rules check on the $n vectors: as index.txt says" test "$n" -ge 50 -a "$bad" = 0
t_done
