#!/usr/bin/env bash
# Revoked file digests in the cryptomark LSM (kernel/README.md, "Revoked
# digests"), in one boot of build/kernel/bzImage with the keyring still
# unlocked, so the moment a revocation arrives can be seen from a running
# system:
#  - a signed binary that ran (its verdict cached) is refused as soon as its
#    digest is written to securityfs "revoke": the cached verdict is dropped;
#  - the digest is the one the carrier signs: the whole file for
#    security.ima, the file with the note descriptor as zeros for the ELF
#    note (computed here on the host with dd, independently of cmsign);
#  - a file whose security.ima digest is revoked stays refused although its
#    ELF note still verifies;
#  - bad entries get their exact errno; after the keyring lock the list is
#    frozen (EPERM), and stats count entries and denials.
# The bundle-to-kernel path (cmkeys provision writing the bundle's revoked
# digests) is in kernel-tests.sh.
#   tests/qemu/revoke-tests.sh [KERNEL]        prints "N passed, N failed"
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/../lib.sh"
. "$here/stage.sh"
work=$(mktemp -d /tmp/cmq-rev.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { t_fail "$*"; t_done; exit 1; }

kernel=${1:-}
[ -n "$kernel" ] || kernel=$(cmq_kernel_cryptomark) || fail "no kernel image"
q=$T_BUILD/qemu
r=$work/root
st_keys "$work" || fail "test keys"
st_base "$r" "$work" || fail "base tree"
c=$r/cmq
for n in hello hello-keep hello-both hello-note; do
	cp "$q/hello" "$c/$n"
done
# Distinct bytes, distinct digests.
printf 'keep' >>"$c/hello-keep"
printf 'both' >>"$c/hello-both"
st_sign signer "$c/hello" "$c/hello-keep" || fail "cmsign"
st_sign signer --carrier both "$c/hello-both" || fail "cmsign --carrier both"
st_sign signer --carrier note "$c/hello-note" || fail "cmsign --carrier note"

# The note carrier's digest: the file with its 1024 descriptor bytes, 24
# bytes into .note.cryptomark (note header 12, "CryptoMark\0" padded 12),
# counted as zeros.
off=$(readelf -SW "$c/hello-note" | awk '$2 == ".note.cryptomark" {print $5}')
[ -n "$off" ] || fail "readelf: no .note.cryptomark in hello-note"
cp "$c/hello-note" "$work/zeroed"
dd if=/dev/zero of="$work/zeroed" bs=1 seek=$((0x$off + 24)) count=1024 conv=notrunc 2>/dev/null ||
	fail "dd"
d_note=$(sha256sum "$work/zeroed" | cut -d' ' -f1)
d_hello=$(sha256sum "$c/hello" | cut -d' ' -f1)
d_both=$(sha256sum "$c/hello-both" | cut -d' ' -f1)
d_other=$(printf 'never executed' | sha256sum | cut -d' ' -f1)
nsig=$(cmq_rootfs_save_sigs "$r") || fail "saving signatures"
echo "# $nsig signatures staged"

cat >"$c/test.sh" <<G
D_HELLO=$d_hello D_BOTH=$d_both D_NOTE=$d_note D_OTHER=$d_other
G
cat >>"$c/test.sh" <<'G'
. /cmq/lib.sh
cm=/sys/kernel/security/cryptomark
cmstat() { sed -n "s/^$1 //p" $cm/stats; }
logged() { dmesg | grep -E "cryptomark: .*$1" >/dev/null; }

g_expect "signatures restored on the tmpfs root" ok cmt applysigs /cmq/sigs.list
g_expect "signer certificate added to .cryptomark" ok cmt addkey "$(cat $cm/keyring)" /cmq/signer.der
g_expect "mode raised to enforce, keyring still unlocked" ok cmt write $cm/mode enforce
g_grep "no digest revoked yet" '^0$' cmstat revoked_digests

g_expect "signed binary runs" ok cmt exec /cmq/hello
h=$(cmstat hashed)
g_expect "signed binary runs again" ok cmt exec /cmq/hello
g_grep "... from the cache (nothing hashed)" "^$h\$" cmstat hashed
g_expect "both carriers: runs" ok cmt exec /cmq/hello-both
g_expect "note carrier: runs" ok cmt exec /cmq/hello-note
g_expect "control binary runs" ok cmt exec /cmq/hello-keep

g_expect "revoke hello's sha256" ok cmt write $cm/revoke "sha256:$D_HELLO
"
g_grep "stats: one revoked digest" '^1$' cmstat revoked_digests
den=$(cmstat denied_revoked) h=$(cmstat hashed)
g_expect "revoked binary refused at once" EACCES cmt exec /cmq/hello
# Every cached verdict goes: the (static) probe cmt and hello are hashed again.
g_grep "the cached verdicts were dropped: cmt and hello hashed again" "^$((h + 2))\$" cmstat hashed
g_check "denial logged with reason=revoked" logged 'op=exec reason=revoked mode=enforce verdict=deny .*path="/cmq/hello"'
g_grep "stats: denied_revoked grew" "^$((den + 1))\$" cmstat denied_revoked
g_expect "revoked binary refused again (cached refusal)" EACCES cmt exec /cmq/hello
g_expect "a file with another digest still runs" ok cmt exec /cmq/hello-keep

g_expect "revoke the security.ima digest of a both-carrier file" ok \
	cmt write $cm/revoke "sha256:$D_BOTH"
g_expect "both carriers: refused although its ELF note is valid" EACCES cmt exec /cmq/hello-both
g_expect "revoke the note carrier's digest (descriptor as zeros)" ok \
	cmt write $cm/revoke "sha256:$D_NOTE"
g_expect "note carrier: refused" EACCES cmt exec /cmq/hello-note
g_check "note carrier: reason=revoked" logged 'reason=revoked .*path="/cmq/hello-note"'
g_expect "the same digest again is accepted" ok cmt write $cm/revoke "sha256:$D_HELLO"
g_grep "... and counted once" '^3$' cmstat revoked_digests

# Bad entries, each with its own errno.
g_expect "no colon: EINVAL" EINVAL cmt write $cm/revoke "$D_HELLO"
g_expect "non-hex digits: EINVAL" EINVAL cmt write $cm/revoke \
	"sha256:zz${D_HELLO#??}"
g_expect "digest too short for sha256: EINVAL" EINVAL cmt write $cm/revoke "sha256:${D_HELLO#??}"
g_expect "sha384 with a sha256-sized digest: EINVAL" EINVAL cmt write $cm/revoke "sha384:$D_HELLO"
g_expect "sha1: ENOPKG" ENOPKG cmt write $cm/revoke "sha1:0123456789abcdef0123456789abcdef01234567"
g_expect "md5: ENOPKG" ENOPKG cmt write $cm/revoke "md5:0123456789abcdef0123456789abcdef"
g_expect "longer than any entry: EINVAL" EINVAL cmt write $cm/revoke \
	"sha512:$D_HELLO$D_HELLO$D_HELLO"
g_grep "bad entries added nothing" '^3$' cmstat revoked_digests

g_expect "keyring locked" ok cmt write $cm/lock 1
g_expect "locked: a new revocation is refused" EPERM cmt write $cm/revoke "sha256:$D_OTHER"
g_grep "locked: the list is frozen" '^3$' cmstat revoked_digests
g_expect "locked: revoked binary still refused" EACCES cmt exec /cmq/hello
g_expect "locked: control binary still runs" ok cmt exec /cmq/hello-keep
g_done
G
chmod +x "$c/test.sh"
cmq_initramfs "$r" "$work/initrd.gz" || fail "initramfs"
echo "# kernel: $kernel"
cmq_boot -k "$kernel" -i "$work/initrd.gz" -l "$work/console.log" \
	-a "cryptomark.mode=off" -t 120
cmq_report "$work/console.log" $?
