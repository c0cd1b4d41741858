#!/usr/bin/env bash
# Embedding the note rewrites the file (temp file + rename): everything that
# is not content must come through unchanged: owner, mode with setuid and
# setgid, file capabilities (setcap), user.* xattrs, POSIX ACLs (setfacl),
# timestamps.  A stale security.ima is dropped (it signs the old bytes).
# Hard links are refused (a rename would split them), symlinks sign their
# target, a running binary can be signed, an unprivileged owner can sign.
source "$(dirname "$0")/../lib.sh"
t_require_root
for c in setcap getcap setfacl getfacl getfattr setfattr setpriv; do
	command -v $c >/dev/null || { t_fail "$c missing (make deps)"; t_done; exit 1; }
done
D=$(t_scratch)
trap 'rm -rf "$D"' EXIT
t_mkcert "$D" k p256
S=("$CMSIGN" -q --key "$D/k.key" --cert "$D/k.pem")
V=("$CMVERIFY" -q --cert "$D/k.pem")

meta() { stat -c '%u:%g %a %X %Y %s' "$1"; }
xattrs() { getfattr -d -m - -e hex --absolute-names "$1" 2>/dev/null | grep -v '^security.ima=' | sed 1d; }

f=$D/suid
cp /usr/bin/ls "$f"
chown 65534:65534 "$f"; chmod 6755 "$f"
setcap cap_net_raw,cap_net_bind_service+ep "$f"
setfattr -n user.origin -v build-42 "$f"
setfattr -n user.binary -v 0x00ff00ff "$f"
setfacl -m u:1234:rx,g:5678:r "$f"
touch -d '2001-02-03 04:05:06.789' "$f"
chmod 6755 "$f"   # setfacl's mask change may touch the group bits: set them last
before_caps=$(getcap "$f" | awk '{print $2}')
before_acl=$(getfacl -cp "$f" 2>/dev/null)
before_x=$(xattrs "$f")
before_m=$(stat -c '%u:%g %a %X %Y' "$f")
ino=$(stat -c %i "$f")
t_check "signs a setuid+setgid file with caps, xattrs and an ACL" "${S[@]}" --carrier note "$f"
t_check "owner, mode 6755, atime and mtime kept ($before_m)" [ "$(stat -c '%u:%g %a %X %Y' "$f")" = "$before_m" ]
t_check "verifies" "${V[@]}" --carrier note "$f"
t_check "setuid bit kept" test -u "$f"
t_check "setgid bit kept" test -g "$f"
t_check "capabilities kept ($before_caps)" [ "$(getcap "$f" | awk '{print $2}')" = "$before_caps" ]
t_check "ACL kept" [ "$(getfacl -cp "$f" 2>/dev/null)" = "$before_acl" ]
t_check "every xattr kept byte for byte ($(wc -l <<<"$before_x") of them)" [ "$(xattrs "$f")" = "$before_x" ]
t_check "user.origin value" [ "$(getfattr --absolute-names --only-values -n user.origin "$f")" = build-42 ]
t_check "a new inode (atomic rename, not an in-place write)" [ "$(stat -c %i "$f")" != "$ino" ]
t_check "the signed setuid binary runs" bash -c "'$f' -d / >/dev/null"
t_check "no temporary file left behind" [ "$(ls -A "$D" | grep -c '^\.cm-')" = 0 ]

# A stale security.ima goes; --carrier both writes a fresh one.
g=$D/withima
cp /usr/bin/true "$g"
"${S[@]}" --carrier xattr "$g"
t_check "xattr signed first" "${V[@]}" --carrier xattr "$g"
t_check "then --carrier note" "${S[@]}" --carrier note "$g"
t_check "the stale security.ima was dropped" bash -c "! getfattr -n security.ima '$g' 2>/dev/null"
t_check "so --carrier any verifies (no invalid carrier present)" "${V[@]}" "$g"
t_check "--carrier both afterwards: both verify" bash -c "'${S[0]}' -q --key '$D/k.key' --cert '$D/k.pem' --carrier both '$g' && '$CMVERIFY' -q --cert '$D/k.pem' --carrier both '$g'"

# Default ACL on the directory: the temp file inherits it, the result must not.
mkdir "$D/dacl"; cp /usr/bin/true "$D/dacl/t"
setfacl -d -m u:1234:rwx "$D/dacl"
t_check "sign in a directory with a default ACL" "${S[@]}" --carrier note "$D/dacl/t"
t_check "no ACL appeared on the file" bash -c "[ -z \"\$(getfacl -cps '$D/dacl/t' 2>/dev/null)\" ]"
t_check "mode unchanged (755)" [ "$(stat -c %a "$D/dacl/t")" = 755 ]

# Hard links: refused, both names untouched.
cp /usr/bin/true "$D/h1"; ln "$D/h1" "$D/h2"
sum=$(sha256sum <"$D/h1")
t_grep "hard-linked file refused with the reason" "h1: has 2 hard links: .*file untouched" "${S[@]}" --carrier note "$D/h1"
t_check "hard link untouched and still linked" bash -c "[ \"\$(sha256sum <'$D/h1')\" = '$sum' ] && [ \$(stat -c %h '$D/h1') = 2 ]"
mkdir "$D/tree"; cp /usr/bin/true "$D/tree/a"; ln "$D/tree/a" "$D/tree/b"; cp /usr/bin/ls "$D/tree/c"
out=$("${S[@]}" --carrier note -r "$D/tree" 2>&1); rc=$?
t_check "tree with a hard link: exit 1" [ $rc = 1 ]
t_grep "tree: the hard-linked file is named" "tree/a: has 2 hard links" echo "$out"
t_check "tree: the other file signed" "${V[@]}" --carrier note "$D/tree/c"

# Symlink named on the command line: the target is signed, the link stays.
cp /usr/bin/true "$D/target"; ln -s target "$D/link"
t_check "sign through a symlink" "${S[@]}" --carrier note "$D/link"
t_check "the link is still a symlink to target" [ "$(readlink "$D/link")" = target ]
t_check "the target verifies" "${V[@]}" --carrier note "$D/target"

# A running program can be signed (rename, no ETXTBSY).
cp /usr/bin/sleep "$D/sleep"; "$D/sleep" 30 & pid=$!
sleep 0.2
t_check "sign a running binary" "${S[@]}" --carrier note "$D/sleep"
t_check "the running process is unaffected" kill -0 $pid
kill $pid; wait $pid 2>/dev/null
t_check "the new file verifies and runs" bash -c "'$CMVERIFY' -q --cert '$D/k.pem' --carrier note '$D/sleep' && '$D/sleep' 0"

# Unprivileged owner signing a file in its own directory.
mkdir "$D/user"; cp /usr/bin/true "$D/user/t"; cp "$D/k.key" "$D/k.pem" "$D/user/"
chown -R 65534:65534 "$D/user"; chmod 755 "$D"
t_check "nobody signs its own file" setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$CMSIGN" -q --key "$D/user/k.key" --cert "$D/user/k.pem" --carrier note "$D/user/t"
t_check "owner still nobody" [ "$(stat -c %u:%g "$D/user/t")" = 65534:65534 ]
t_check "verifies" "${V[@]}" --carrier note "$D/user/t"
cp /usr/bin/true "$D/rootfile"
t_grep "nobody cannot replace root's file (directory not writable)" "rootfile: .*(Permission denied|Operation not permitted)" \
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$CMSIGN" -q --key "$D/user/k.key" --cert "$D/user/k.pem" --carrier note "$D/rootfile"
t_check "...and it is untouched" cmp -s /usr/bin/true "$D/rootfile"
t_done
