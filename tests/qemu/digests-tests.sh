#!/usr/bin/env bash
# The digest table (securityfs "digests") and the initial-rootfs trust of
# the cryptomark LSM (kernel/README.md), in one boot of
# build/kernel/bzImage with cryptomark.mode=enforce from the kernel
# command line, the initial-rootfs trust at its default (trust) and
# cryptomark.digests_max=4:
#  - the busybox initramfs runs unsigned under enforce (initramfs_allowed
#    grows) until a signed program on a tmpfs runs; from then on an
#    unsigned file of the initramfs is refused;
#  - an unsigned copy of a signed program is refused, then allowed by an
#    entry (its digest and the signature cmsign made on the host, as
#    getfattr -e hex prints it), not by an entry whose signature has one
#    byte flipped; a revoked digest wins over an entry; a file with a
#    signature carrier of its own is never allowed by the table; a sha512
#    entry allows by the file's sha512;
#  - writes: EPERM without CAP_SYS_ADMIN, EINVAL and the signature
#    parser's errno for bad lines, all or nothing, ENOSPC past the bound,
#    "clear" (then a new unsigned file with the same digest is refused),
#    and entries written after the keyring lock still work.
#   tests/qemu/digests-tests.sh [KERNEL]        prints "N passed, N failed"
. "$(dirname "$0")/suite.sh"
suite_begin digests cryptomark "$@"
suite_need cmt hello "$CMSIGN"
st_keys "$work" && st_base "$r" "$work" || fail "base tree"
c=$r/cmq
cp "$q/hello" "$c/hello" && st_sign signer "$c/hello" || fail "cmsign hello"

# sigx FILE: its security.ima in hex, as `getfattr -e hex` prints it.
sigx() { getfattr --absolute-names -e hex -n security.ima "$1" | sed -n 's/^security.ima=0x//p'; }

# Distinct programs (distinct bytes), signed on the host in a scratch
# directory; the guest gets only unsigned copies (cp keeps no xattr).
mkdir -p "$work/signed" || fail "mkdir"
for n in prog prog2 prog3 hello-unsigned; do
	cp "$q/hello" "$work/signed/$n" && printf '%s' "$n" >>"$work/signed/$n" ||
		fail "copy $n"
	cp "$work/signed/$n" "$c/$n" || fail "copy $n"
done
st_sign signer "$work/signed/prog" "$work/signed/prog2" || fail "cmsign prog"
st_sign signer --hash sha512 "$work/signed/prog3" || fail "cmsign --hash sha512 prog3"
sig_prog=$(sigx "$work/signed/prog")
sig_prog2=$(sigx "$work/signed/prog2")
sig_prog3=$(sigx "$work/signed/prog3")
[ -n "$sig_prog" ] && [ -n "$sig_prog2" ] && [ -n "$sig_prog3" ] || fail "getfattr -e hex"
# One byte of the signature flipped (its last).
last=${sig_prog: -2}
sig_bad=${sig_prog%??}$(printf '%02x' $((0x$last ^ 0xff)))
for f in prog prog2 prog3 hello-unsigned; do
	getfattr -n security.ima "$c/$f" >/dev/null 2>&1 && fail "$c/$f is signed"
done
{
	printf 'D_PROG=%s\n' "$(sha256sum "$c/prog" | cut -d' ' -f1)"
	printf 'D_PROG2=%s\n' "$(sha256sum "$c/prog2" | cut -d' ' -f1)"
	printf 'D512_PROG3=%s\n' "$(sha512sum "$c/prog3" | cut -d' ' -f1)"
	for i in 1 2 3; do
		printf 'D_X%s=%s\n' "$i" "$(printf 'other %s' "$i" | sha256sum | cut -d' ' -f1)"
	done
	printf 'SIG_PROG=%s\nSIG_PROG2=%s\nSIG_PROG3=%s\nSIG_BAD=%s\n' \
		"$sig_prog" "$sig_prog2" "$sig_prog3" "$sig_bad"
} >"$c/digests.env"
suite_guest -t 180 \
	-a "cryptomark.mode=enforce cryptomark.initramfs=trust cryptomark.digests_max=4" \
	"$here/guest/digests.sh"
t_done
