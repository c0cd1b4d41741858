#!/usr/bin/env bash
# The LSM's rule set (docs/FORMAT-rules.md, kernel/security/cryptomark/
# rules.c): one boot of build/kernel/bzImage.  Policies are compiled and
# signed on the host with `cmkeys rules`, written to securityfs `rules` in
# the guest:
#   loading   an unsigned policy is taken before the keyring lock and
#             refused after it (EPERM); a bad signature (text changed
#             after signing: EKEYREJECTED), a key not in .cryptomark
#             (ENOKEY), a malformed text (EBADMSG) are refused; rollback
#             to a lower or the same version is refused (ESTALE); the
#             active version, digest and signer are readable and logged;
#             root of a user namespace cannot load one (EPERM);
#   per op    a rule that audits modules but enforces exec: an unsigned
#             module loads (logged mode=audit), an unsigned program does
#             not run;
#   signers   an exec rule naming one key id refuses a file signed by
#             another key of the keyring (reason wrong_key);
#   fs UUID   an ext4 image with the trusted UUID, on a read-only loop
#             device mounted read-only, runs its unsigned program; the same
#             bytes elsewhere, the same UUID mounted read-write or on a
#             writable device, another UUID, and an op the rule does not
#             name (an unsigned module on it) are refused.
# The guest side is tests/qemu/guest/rules.sh.
#
#   tests/qemu/rules-tests.sh [KERNEL]        prints "N passed, N failed"
. "$(dirname "$0")/suite.sh"
suite_begin rules cryptomark "$@"
ko=$(dirname "$kernel")/cmtest.ko
[ -r "$ko" ] || fail "$ko missing: run 'make kernel' (it builds the test module)"
suite_need cma "$CMKEYS"
command -v mkfs.ext4 >/dev/null || fail "mkfs.ext4 missing (e2fsprogs)"
st_keys "$work" || fail "test keys"
st_base "$r" "$work" || fail "base tree"
c=$r/cmq
p=$c/rules
mkdir -p "$p"
cp "$q/cma" "$c/cma"
cp "$ko" "$c/cmtest-unsigned.ko"
cp "$q/hello" "$c/hello"
cp "$q/hello" "$c/hello-unsigned"
cp "$q/hello" "$c/hello-p256"
st_sign signer "$c/cma" "$c/hello" || fail "cmsign"
st_sign p256 "$c/hello-p256" || fail "cmsign (p256)"
chmod 0755 "$c/cma" "$c/hello"*

# keyid: the last 4 bytes of the certificate's subjectKeyIdentifier.
keyid() {
	local k
	k=$(openssl x509 -in "$1" -noout -ext subjectKeyIdentifier | tail -n 1 | tr -d ' :\n')
	echo "${k: -8}" | tr A-F a-f
}
sid=$(keyid "$work/signer.pem") pid=$(keyid "$work/p256.pem")
[ ${#sid} = 8 ] && [ ${#pid} = 8 ] && [ "$sid" != "$pid" ] || fail "key ids: '$sid' '$pid'"

# The filesystems: ext4 images (no journal) holding the unsigned program.
ut=3c1d7b2e-5a4f-4e8b-9c0d-1e2f3a4b5c6d uo=7e6d5c4b-3a29-4817-9605-f4e3d2c1b0a9
mkdir -p "$work/fs"
cp "$q/hello" "$work/fs/hello"
cp "$ko" "$work/fs/cmtest.ko"
cp "$CMQ_BUSYBOX" "$work/fs/busybox"	# Debian's busybox-static, unsigned
chmod 0755 "$work/fs/hello" "$work/fs/busybox"
for u in $ut $uo; do
	mkfs.ext4 -q -F -O ^has_journal -U "$u" -d "$work/fs" "$c/$u.img" 4M >/dev/null ||
		fail "mkfs.ext4 -U $u"
done
t_check "the trusted image has the UUID of its rule" \
	sh -c "dumpe2fs -h '$c/$ut.img' 2>/dev/null | grep -qi 'UUID: *$ut'"

# The policies.  sign NAME: $work/NAME.txt signed by the signer.
rules() { "$CMKEYS" rules "$@" >>"$work/rules.log" 2>&1 || fail "cmkeys rules $*: $(tail -n 3 "$work/rules.log")"; }
sign() { rules sign --sign-key "$work/$2.key" --sign-cert "$work/$2.pem" -o "$p/$1.$2" "$work/$1.txt"; }
printf 'version 1\n' >"$work/v1.txt"
printf '# audit modules, enforce exec\nversion 2\nop exec enforce\nop module audit\n' >"$work/v2.txt"
printf 'version 3\nfs %s exec,mmap,mprotect,check\n' "$ut" >"$work/v3.txt"
printf 'version 4\nop exec enforce key %s\nfs %s exec,mmap\n' "$sid" "$ut" >"$work/v4.txt"
rules pack -o "$p/v1.unsigned" "$work/v1.txt"
rules pack -o "$p/v2.unsigned" "$work/v2.txt"
sign v1 signer
sign v2 signer
sign v2 stranger
sign v3 signer
sign v4 signer
# Changed after signing: the comment's first letter.
cp "$p/v2.signer" "$p/v2.tampered"
printf 'A' | dd of="$p/v2.tampered" bs=1 seek=$((16 + 2)) conv=notrunc status=none
cmp -s "$p/v2.signer" "$p/v2.tampered" && fail "tampered copy unchanged"
# Malformed text in a well-formed container (cmkeys refuses to make one).
printf 'version 5\nop exec sometimes\n' >"$work/bad.txt"
{ printf 'CMRULES1\0\0\0'; printf "\\x$(printf %02x "$(stat -c %s "$work/bad.txt")")"
  printf '\0\0\0\0'; cat "$work/bad.txt"; } >"$p/bad.unsigned"
t_check "cmkeys rules check refuses the malformed text" \
	sh -c "! '$CMKEYS' rules check '$work/bad.txt' 2>/dev/null"
t_grep "cmkeys rules show: the signer's key id" "signer $sid" \
	"$CMKEYS" rules show "$p/v4.signer"
sha256sum <"$work/v2.txt" | cut -d' ' -f1 >"$p/v2.sha256"
cat >"$c/rules.env" <<E
SIGNER_ID=$sid
UUID_TRUSTED=$ut
UUID_OTHER=$uo
E
suite_guest -n 40 "$here/guest/rules.sh"
t_done
