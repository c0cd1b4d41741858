#!/usr/bin/env bash
# Hard-linked ELF files in a staged package root get the ELF note like any
# other: cmsign manifest embeds it into one name and links the other names
# to the new inode, so the root keeps its hard links (one inode, link count
# unchanged) and every name carries the note; the manifest then applies
# and every name verifies with both carriers.  When a name cannot be
# relinked the failure is stated and no manifest is written.  Plain
# cmsign --carrier note refuses a hard-linked file by name (untouched).
set -u
. "$(dirname "$0")/../lib.sh"
t_require_root
D=$(t_scratch)
trap 'rm -rf "$D"' EXIT
t_mkcert "$D" k p256

mk() {
	rm -rf "$D/root"
	mkdir -p "$D/root/usr/bin" "$D/root/usr/sbin" "$D/root/usr/share/doc/x"
	cp /usr/bin/true "$D/root/usr/bin/a"
	ln "$D/root/usr/bin/a" "$D/root/usr/bin/b"
	ln "$D/root/usr/bin/a" "$D/root/usr/sbin/c"
	echo text > "$D/root/usr/share/doc/x/t1"
	ln "$D/root/usr/share/doc/x/t1" "$D/root/usr/share/doc/x/t2"
}
mk
t_check "cmsign manifest on a root with a 3-name hard-linked ELF file" \
	"$CMSIGN" manifest -q --key "$D/k.key" --cert "$D/k.pem" --root "$D/root" -o "$D/m.cmm"
ino() { stat -c '%i %h' "$@" | sort -u | tr '\n' ' '; }
t_check "the three names are still one inode with 3 links ($(ino "$D"/root/usr/bin/a "$D"/root/usr/bin/b "$D"/root/usr/sbin/c))" \
	bash -c "[ \$(stat -c '%i %h' '$D/root/usr/bin/a' '$D/root/usr/bin/b' '$D/root/usr/sbin/c' | sort -u | wc -l) = 1 ] &&
		[ \$(stat -c %h '$D/root/usr/bin/a') = 3 ]"
t_check "every name carries the ELF note" \
	"$CMVERIFY" -q --carrier note --cert "$D/k.pem" "$D/root/usr/bin/a" "$D/root/usr/bin/b" "$D/root/usr/sbin/c"
t_check "the signed binary runs" "$D/root/usr/sbin/c"
t_check "the hard-linked text file keeps its link" test "$(stat -c %h "$D/root/usr/share/doc/x/t1")" = 2
t_check "the manifest applies" "$CMSIGN" apply -q --manifest "$D/m.cmm" --root "$D/root" --cert "$D/k.pem"
t_check "every name verifies with both carriers" \
	"$CMVERIFY" -q --carrier both --cert "$D/k.pem" "$D/root/usr/bin/a" "$D/root/usr/bin/b" "$D/root/usr/sbin/c"
t_check "the text file's names verify (xattr)" \
	"$CMVERIFY" -q --carrier xattr --cert "$D/k.pem" "$D/root/usr/share/doc/x/t1" "$D/root/usr/share/doc/x/t2"

# Relinking fails (the other name's directory is read-only to the link):
# an error naming the file, no manifest.
mk
chattr +i "$D/root/usr/sbin" 2>/dev/null || t_fail "chattr +i (needs ext4/xfs)"
out=$("$CMSIGN" manifest -q --key "$D/k.key" --cert "$D/k.pem" --root "$D/root" -o "$D/m2.cmm" 2>&1); rc=$?
chattr -i "$D/root/usr/sbin"
t_check "a relink that fails is an error (exit $rc) naming the file" \
	bash -c "[ $rc = 1 ] && grep -q 'usr/bin/a: hard-linked: note embedded, but relinking .*usr/sbin/c failed' <<<'$out'"
t_check "... and no manifest is written" test ! -e "$D/m2.cmm"

mk
t_grep "cmsign --carrier note refuses a hard-linked file by name" "usr/bin/a: .*hard links" \
	"$CMSIGN" --key "$D/k.key" --cert "$D/k.pem" --carrier note "$D/root/usr/bin/a"
t_done
