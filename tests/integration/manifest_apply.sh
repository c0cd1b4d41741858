#!/usr/bin/env bash
# cmsign manifest / cmsign apply on real files: what gets listed, what gets
# written, exit statuses, refusals that write nothing, paths that cannot
# leave the root (symlinks in the installed tree), idempotence, and a
# SIGKILL in the middle of an apply leaving every file either without a
# value or with a complete, valid one.
set -u
. "$(dirname "$0")/../lib.sh"
t_require_root

D=$(t_scratch)
trap 'rm -rf "$D"' EXIT
t_mkcert "$D" s p256
t_mkcert "$D" rogue rsa2048
openssl x509 -in "$D/s.pem" -outform der -out "$D/s.der"

# A staged root: ELF files, text, a nested dir, a symlink, an empty file.
S=$D/stage
mkdir -p "$S/usr/bin" "$S/usr/lib/pkg/deep/er" "$S/etc" "$S/DEBIAN"
cp /usr/bin/true /usr/bin/ls /usr/bin/cat "$S/usr/bin/"
echo "conf" > "$S/etc/pkg.conf"
: > "$S/usr/lib/pkg/empty"
head -c 200000 /dev/urandom > "$S/usr/lib/pkg/deep/er/blob"
ln -s ls "$S/usr/bin/dir"
echo "control" > "$S/DEBIAN/control"
N=6	# regular files outside DEBIAN/

mf() { "$CMSIGN" manifest -q --key "$D/s.key" --cert "$D/s.pem" "$@"; }
apply() { "$CMSIGN" apply --cert "$D/s.pem" "$@"; }
inst() { rm -rf "$1"; cp -a "$S" "$1"; }
no_xattr_in() { ! getfattr -R -m security.ima "$1" 2>/dev/null | grep -q security.ima; }
# rc DESC WANT PATTERN CMD...: exit status and output.
rc() {
	local d=$1 want=$2 pat=$3 out r; shift 3
	out=$("$@" 2>&1); r=$?
	if [ "$r" = "$want" ] && grep -qE -- "$pat" <<<"$out"; then t_ok "$d"
	else t_fail "$d: exit $r (want $want), /$pat/ not in: $out"; fi
}

t_check "manifest of a staged root" mf --exclude DEBIAN --root "$S/" -o "$D/m.cmm"
t_check "no temp file left beside the manifest" \
	bash -c "[ \$(ls '$D' | grep -c '^m.cmm') = 1 ]"

I=$D/inst; inst "$I"
rc "apply: every file applied" 0 ": $N applied, 0 already, 0 missing, 0 mismatched, 0 failed" \
	apply --manifest "$D/m.cmm" --root "$I"
t_check "DEBIAN/ excluded: not signed" no_xattr_in "$I/DEBIAN"
t_check "applied files verify with cmverify" \
	bash -c "[ \$('$CMVERIFY' -r --carrier xattr --cert '$D/s.pem' '$I/usr' '$I/etc' 2>/dev/null | grep -c ': ok (') = $N ]"
t_check "applied files verify with evmctl" \
	bash -c "[ \$(find '$I/usr' '$I/etc' -type f -print0 | xargs -0 evmctl ima_verify --key '$D/s.der' 2>&1 | grep -c 'verification is OK') = $N ]"
rc "re-run is idempotent" 0 ": 0 applied, $N already, 0 missing" \
	apply --manifest "$D/m.cmm" --root "$I"

# A stale manifest inside the root is not listed by the next one.  (On a
# copy: signing again re-embeds the ELF notes, and ECDSA signatures are
# randomised, so the files' bytes change.)
S2=$D/stage2; cp -a "$S" "$S2"
t_check "manifest written inside the root" mf --exclude DEBIAN --root "$S2" -o "$S2/etc/m.cmm"
t_check "...and again, over the stale one" mf --exclude DEBIAN --root "$S2" -o "$S2/etc/m.cmm"
rm -rf "$I"; cp -a "$S2" "$I"
rc "...which does not list itself" 0 ": $N applied, 0 already" \
	apply --manifest "$S2/etc/m.cmm" --root "$I"
t_check "ELF files of the staged root carry the note carrier" \
	"$CMVERIFY" --carrier note --cert "$D/s.pem" "$S2/usr/bin/ls" "$S2/usr/bin/true"
t_check "installed ELF files verify with both carriers" \
	"$CMVERIFY" --carrier both --cert "$D/s.pem" "$I/usr/bin/ls" "$I/usr/bin/true"

# A hard-linked ELF file keeps its link and gets the note in both names
# (tests/integration/note_hardlink.sh has the details).
S3=$D/stage3; mkdir -p "$S3/bin"; cp /usr/bin/true "$S3/bin/a"; ln "$S3/bin/a" "$S3/bin/b"
t_check "hard-linked ELF file: manifest written" mf --root "$S3" -o "$D/h.cmm"
t_check "hard-linked ELF file: link kept, note embedded" \
	bash -c "[ \$(stat -c %h '$S3/bin/a') = 2 ] && [ '$S3/bin/a' -ef '$S3/bin/b' ] &&
		'$CMVERIFY' -q --carrier note --cert '$D/s.pem' '$S3/bin/b'"
rc "hard-linked ELF file: applied" 0 ": 1 applied" apply --manifest "$D/h.cmm" --root "$S3"
t_check "hard-linked ELF file: both names verify" \
	"$CMVERIFY" --carrier xattr --cert "$D/s.pem" "$S3/bin/a" "$S3/bin/b"

# Missing and changed files: named, left alone, exit 1; the rest applied.
inst "$I"
rm "$I/usr/bin/cat"
echo "changed" >> "$I/etc/pkg.conf"
rc "missing file named" 1 "$I/usr/bin/cat: NOT applied: missing" \
	apply --manifest "$D/m.cmm" --root "$I"
rc "changed file named" 1 "$I/etc/pkg.conf: NOT applied: digest does not match the manifest" \
	apply --manifest "$D/m.cmm" --root "$I"
t_check "changed file left unsigned" no_xattr_in "$I/etc/pkg.conf"
t_check "the other files applied" \
	"$CMVERIFY" --carrier xattr --cert "$D/s.pem" "$I/usr/bin/ls" "$I/usr/lib/pkg/deep/er/blob"

# Refusals write nothing at all (exit 3).
inst "$I"
rc "untrusted signer refused" 3 "REFUSED: manifest (signature|signer certificate): unknown-key" \
	"$CMSIGN" apply --cert "$D/rogue.pem" --manifest "$D/m.cmm" --root "$I"
head -c 100 "$D/m.cmm" > "$D/trunc.cmm"
rc "truncated manifest refused" 3 "REFUSED: malformed manifest: body_len beyond the end of the manifest; nothing applied" \
	apply --manifest "$D/trunc.cmm" --root "$I"
cp "$D/m.cmm" "$D/flip.cmm"
printf 'X' | dd of="$D/flip.cmm" bs=1 seek=40 conv=notrunc status=none
rc "altered path refused by the signature" 3 "REFUSED: manifest signature: bad-signature" \
	apply --manifest "$D/flip.cmm" --root "$I"
t_check "after three refusals nothing was written" no_xattr_in "$I"
rc "no trusted certificate is a usage error" 2 "no trusted certificate" \
	"$CMSIGN" apply --manifest "$D/m.cmm" --root "$I"
rc "absent manifest" 2 "No such file or directory" \
	apply --manifest "$D/absent.cmm" --root "$I"

# Several manifests in one run (the dpkg hook's way): each checked and
# applied on its own, in order; exit 3 if any was refused, else 2 if any
# could not be read, else 1 if any file was not applied.
S4=$D/stage4
mkdir -p "$S4/opt/two"
cp /usr/bin/true "$S4/opt/two/t"
echo "two" > "$S4/opt/two/f"
t_check "a second package's manifest" mf --root "$S4" -o "$D/m2.cmm"
inst2() { inst "$1"; cp -a "$S4/opt" "$1/"; }
inst2 "$I"
out=$(apply --manifest "$D/m.cmm" --manifest "$D/m2.cmm" --root "$I" 2>&1); r=$?
t_check "two good manifests: exit 0, each summarised by name" bash -c "[ $r = 0 ] &&
	grep -qx 'cmsign apply: $D/m.cmm: $N applied, 0 already, 0 missing, 0 mismatched, 0 failed' <<<'$out' &&
	grep -qx 'cmsign apply: $D/m2.cmm: 2 applied, 0 already, 0 missing, 0 mismatched, 0 failed' <<<'$out'"
t_check "... every file of both verifies" \
	"$CMVERIFY" --carrier xattr --cert "$D/s.pem" "$I/usr/bin/ls" "$I/etc/pkg.conf" "$I/opt/two/t" "$I/opt/two/f"
inst2 "$I"
out=$(apply --manifest "$D/m2.cmm" --manifest "$D/flip.cmm" --manifest "$D/m.cmm" --root "$I" 2>&1); r=$?
t_check "a refused manifest between two good ones: exit 3" test $r = 3
t_check "... the refused one named" grep -q "^cmsign apply: $D/flip.cmm: REFUSED: manifest signature: bad-signature" <<<"$out"
t_check "... the good ones after and before it applied" bash -c "
	grep -q '^cmsign apply: $D/m2.cmm: 2 applied,' <<<'$out' && grep -q '^cmsign apply: $D/m.cmm: $N applied,' <<<'$out' &&
	'$CMVERIFY' -q --carrier xattr --cert '$D/s.pem' '$I/usr/bin/ls' '$I/etc/pkg.conf' '$I/opt/two/t' '$I/opt/two/f'"
t_check "... in order: each manifest's lines before the next one's" bash -c "
	[ \"\$(sed 's/^cmsign apply: \\([^:]*\\):.*/\\1/' <<<'$out' | paste -sd' ')\" = '$D/m2.cmm $D/flip.cmm $D/m.cmm' ]"
inst2 "$I"
echo "changed" >> "$I/opt/two/f"
rc "a changed file in one of two manifests: exit 1, named" 1 "$I/opt/two/f: NOT applied: digest does not match the manifest" \
	apply --manifest "$D/m.cmm" --manifest "$D/m2.cmm" --root "$I"
t_check "... the other files of both applied" \
	"$CMVERIFY" -q --carrier xattr --cert "$D/s.pem" "$I/usr/bin/ls" "$I/opt/two/t"
rc "a refusal outranks a changed file: exit 3" 3 "flip.cmm: REFUSED" \
	apply --manifest "$D/m2.cmm" --manifest "$D/flip.cmm" --root "$I"
rc "an absent manifest among good ones: exit 2, named" 2 "absent.cmm: No such file or directory" \
	apply --manifest "$D/m.cmm" --manifest "$D/absent.cmm" --root "$I"

# Paths cannot leave the root: an absolute and a relative symlink in the
# installed tree are resolved inside it, never outside.
O=$D/outside
mkdir -p "$O/bin" && cp /usr/bin/true /usr/bin/ls /usr/bin/cat "$O/bin/"
inst "$I"; rm -rf "$I/usr/bin"; ln -s "$O/bin" "$I/usr/bin"
rc "absolute symlink escape: missing, not followed out" 1 "usr/bin/ls: NOT applied: missing" \
	apply --manifest "$D/m.cmm" --root "$I"
inst "$I"; rm -rf "$I/usr/bin"; ln -s ../../../../../../../../../..$O/bin "$I/usr/bin"
rc "relative ../ symlink escape: missing, not followed out" 1 "usr/bin/ls: NOT applied: missing" \
	apply --manifest "$D/m.cmm" --root "$I"
# valgrind (3.19) has no openat2: the fallback must refuse the same escapes.
# An ASan build cannot run under valgrind: a SAN=1 run checks the fallback
# with the plain build's cmsign (the ASan run covers the openat2 path).
VG_CMSIGN=$CMSIGN
[[ $T_BUILD == */san ]] && VG_CMSIGN=${T_BUILD%/san}/cmsign
if ! [ -x "$VG_CMSIGN" ]; then
	t_fail "$VG_CMSIGN missing (make all): openat2 fallback untested"
elif command -v valgrind >/dev/null; then
	inst "$I"; rm -rf "$I/usr/bin"; ln -s "$O/bin" "$I/usr/bin"
	rc "without openat2: absolute symlink escape refused" 1 "usr/bin/ls: NOT applied: resolves outside the root" \
		valgrind -q "$VG_CMSIGN" apply --cert "$D/s.pem" --manifest "$D/m.cmm" --root "$I"
	inst "$I"; rm -rf "$I/usr/bin"; ln -s ../../../../../../../../../..$O/bin "$I/usr/bin"
	rc "without openat2: relative symlink escape refused" 1 "usr/bin/ls: NOT applied: resolves outside the root" \
		valgrind -q "$VG_CMSIGN" apply --cert "$D/s.pem" --manifest "$D/m.cmm" --root "$I"
	inst "$I"
	rc "without openat2: a plain tree applies" 0 ": $N applied" \
		valgrind -q "$VG_CMSIGN" apply --cert "$D/s.pem" --manifest "$D/m.cmm" --root "$I"
else
	t_fail "valgrind missing (make deps): openat2 fallback untested"
fi
t_check "nothing outside the root was written" no_xattr_in "$O"
inst "$I"; rm "$I/etc/pkg.conf"; echo "conf" > "$I/etc/real.conf"; ln -s real.conf "$I/etc/pkg.conf"
rc "a symlink where a file was listed is refused" 1 "etc/pkg.conf: NOT applied: is a symlink" \
	apply --manifest "$D/m.cmm" --root "$I"
t_check "its target was not written" no_xattr_in "$I/etc/real.conf"
# merged /usr: listed as usr/lib/pkg/..., installed behind a symlink inside the root
inst "$I"; mv "$I/usr/lib" "$I/lib"; ln -s ../lib "$I/usr/lib"
rc "a symlinked directory inside the root is followed" 0 ": $N applied" \
	apply --manifest "$D/m.cmm" --root "$I"

# SIGKILL mid-apply: each file has no value or a complete valid one.
# Real programs, up to 400 of them: how many a machine has varies (a
# minimal Debian 12 has fewer), so every count below is the number copied.
B=$D/big
mkdir -p "$B"
find /usr/bin -maxdepth 1 -type f -size +20k -print0 | sort -z | head -z -n 400 |
	xargs -0 cp -t "$B/"
NB=$(find "$B" -type f | wc -l)
t_check "at least 100 programs of /usr/bin for the kill test ($NB)" [ "$NB" -ge 100 ]
t_check "manifest of a $NB-file root" mf --root "$B" -o "$D/big.cmm"
I=$D/binst; rm -rf "$I"; cp -a "$B" "$I"
sync
"$CMSIGN" apply -j 1 --manifest "$D/big.cmm" --root "$I" --cert "$D/s.pem" 2>/dev/null &
pid=$!
# Kill once the first value is written: a fixed delay lands before the
# first file on a loaded machine (a fresh-root run killed after 0 of 395)
# and after the last on a fast one.
for _ in $(seq 1000); do
	getfattr -R -m security.ima "$I" 2>/dev/null | grep -q '^security.ima' && break
	kill -0 $pid 2>/dev/null || break
	sleep 0.01
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
signed=$(getfattr -R -m security.ima "$I" 2>/dev/null | grep -c '^security.ima')
bad=$("$CMVERIFY" -r --carrier xattr --cert "$D/s.pem" "$I" 2>/dev/null | grep -v ': ok (' | grep -vc 'FAIL unsigned')
echo "# killed after $signed of $NB files"
t_check "the kill landed mid-apply (some files applied, not all)" test "$signed" -gt 0 -a "$signed" -lt "$NB"
t_check "after SIGKILL: every value present is complete and valid" test "$bad" = 0
rc "after SIGKILL: re-running completes the rest" 0 ": $((NB - signed)) applied, $signed already, 0 missing" \
	apply --manifest "$D/big.cmm" --root "$I"

# cmsign manifest refusals
rc "manifest: absent root" 1 "cannot walk the whole root; no manifest written" \
	mf --root "$D/nonexistent" -o "$D/x.cmm"
t_check "manifest: nothing written on failure" test ! -e "$D/x.cmm"
rc "manifest: missing -o is a usage error" 2 "are required" mf --root "$S"
rc "manifest: absolute --exclude refused" 2 "relative to the root" \
	mf --root "$S" -o "$D/x.cmm" --exclude /DEBIAN
t_done
