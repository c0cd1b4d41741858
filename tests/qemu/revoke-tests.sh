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
. "$(dirname "$0")/suite.sh"
suite_begin revoke cryptomark "$@"
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
printf 'D_HELLO=%s D_BOTH=%s D_NOTE=%s D_OTHER=%s\n' \
	"$d_hello" "$d_both" "$d_note" "$d_other" >"$c/revoke.env"
suite_guest -t 120 "$here/guest/revoke.sh"
t_done
