#!/bin/sh
# Build the cryptomark test kernel: build/kernel/bzImage.
#
# The Debian linux-source-6.1 tarball is extracted once into a cache outside
# the work tree (keyed by the package version, so an upgraded tarball gets a
# fresh tree), the LSM sources and the shared format header are copied in
# (only files whose content changed, so make's timestamps stay meaningful
# and an LSM-only edit rebuilds in about a minute), security/Kconfig and
# security/Makefile get one line each, and the kernel is built with O= in the
# cache.  Safe to run concurrently: one build at a time under a lock.
#
# `build-kernel.sh checkpatch` instead runs the kernel's checkpatch.pl
# --no-tree -f on every LSM source (exit status: non-zero on any error).
#
# Environment: CM_KERNEL_CACHE (default ~/.cache/cryptomark),
#              CM_KERNEL_TARBALL (default /usr/src/linux-source-6.1.tar.xz),
#              CM_KERNEL_DEST (default build/kernel: where bzImage goes),
#              JOBS (default 2).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARBALL=${CM_KERNEL_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
JOBS=${JOBS:-2}
FRAG=$ROOT/kernel/config.fragment
LSM=$ROOT/kernel/security/cryptomark
DEST=${CM_KERNEL_DEST:-$ROOT/build/kernel}

die() { echo "build-kernel: $*" >&2; exit 1; }

[ -r "$TARBALL" ] || die "$TARBALL missing (apt-get install linux-source-6.1)"
ver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || true)
[ -n "$ver" ] || ver=$(stat -c '%s-%Y' "$TARBALL")
CACHE=${CM_KERNEL_CACHE:-$HOME/.cache/cryptomark}/linux-$ver
SRC=$CACHE/src
OUT=$CACHE/out
mkdir -p "$CACHE"

exec 9>"$CACHE/.lock"
flock 9

# 1. Extract once (into a temporary directory, renamed when complete, so an
#    interrupted extraction is never mistaken for a tree).
if [ ! -f "$SRC/Makefile" ]; then
	echo "build-kernel: extracting $TARBALL into $SRC"
	rm -rf "$CACHE/src.tmp"
	mkdir -p "$CACHE/src.tmp"
	tar -xJf "$TARBALL" -C "$CACHE/src.tmp"
	top=$(ls "$CACHE/src.tmp")
	[ -f "$CACHE/src.tmp/$top/Makefile" ] || die "unexpected tarball layout"
	rm -rf "$SRC"
	mv "$CACHE/src.tmp/$top" "$SRC"
	rmdir "$CACHE/src.tmp"
fi

if [ "${1:-}" = checkpatch ]; then
	rc=0
	for f in "$LSM"/*.c "$LSM"/*.h; do
		"$SRC/scripts/checkpatch.pl" --no-tree --terse -f "$f" || rc=1
	done
	exit $rc
fi

# copy_if_changed SRC DST: keep DST's mtime when the content is identical.
copy_if_changed() {
	if ! cmp -s "$1" "$2"; then
		cp "$1" "$2.tmp" && mv "$2.tmp" "$2"
	fi
}

# 2. Install the LSM and the repo's single format.h (as a uapi header, so
#    the LSM includes <cryptomark/format.h> exactly as userspace does).
mkdir -p "$SRC/security/cryptomark" "$SRC/include/uapi/cryptomark"
copy_if_changed "$ROOT/include/cryptomark/format.h" \
	"$SRC/include/uapi/cryptomark/format.h"
for f in "$LSM"/*; do
	copy_if_changed "$f" "$SRC/security/cryptomark/${f##*/}"
done
for f in "$SRC/security/cryptomark"/*; do
	[ -e "$LSM/${f##*/}" ] || rm -f "$f"	# removed from the repo
done

# 3. Hook into security/Kconfig and security/Makefile (idempotent).
grep -q 'security/cryptomark/Kconfig' "$SRC/security/Kconfig" ||
	sed -i '/^source "security\/landlock\/Kconfig"/a source "security/cryptomark/Kconfig"' \
		"$SRC/security/Kconfig"
grep -q 'security/cryptomark/Kconfig' "$SRC/security/Kconfig" ||
	die "could not hook security/Kconfig"
grep -q 'CONFIG_SECURITY_CRYPTOMARK' "$SRC/security/Makefile" ||
	sed -i '/^obj-\$(CONFIG_SECURITY_LANDLOCK)/a obj-$(CONFIG_SECURITY_CRYPTOMARK)\t+= cryptomark/' \
		"$SRC/security/Makefile"
grep -q 'CONFIG_SECURITY_CRYPTOMARK' "$SRC/security/Makefile" ||
	die "could not hook security/Makefile"

# 4. Configure: tinyconfig + fragment, only when the fragment changed.
kmake() { make -C "$SRC" O="$OUT" "$@"; }
mkdir -p "$OUT"
fsum=$(sha256sum "$FRAG" | cut -d' ' -f1)
if [ ! -f "$OUT/.config" ] || [ "$(cat "$OUT/.cm-fragment" 2>/dev/null)" != "$fsum" ]; then
	kmake -s tinyconfig
	"$SRC/scripts/kconfig/merge_config.sh" -m -O "$OUT" "$OUT/.config" "$FRAG" >/dev/null
	kmake -s olddefconfig
	# Every option of the fragment must have survived olddefconfig.
	missing=0
	grep -E '^CONFIG_[A-Z0-9_]+=' "$FRAG" | while IFS= read -r line; do
		grep -qxF "$line" "$OUT/.config" || { echo "build-kernel: dropped: $line" >&2; echo x; }
	done > "$OUT/.cm-missing"
	[ -s "$OUT/.cm-missing" ] && missing=1
	[ "$missing" = 0 ] || die "config fragment not fully applied (see above)"
	echo "$fsum" > "$OUT/.cm-fragment"
fi

# 5. Build and publish.
kmake -j"$JOBS" bzImage
mkdir -p "$DEST"
copy_if_changed "$OUT/arch/x86/boot/bzImage" "$DEST/bzImage"
copy_if_changed "$OUT/.config" "$DEST/config"
echo "build-kernel: $DEST/bzImage ($(uname -m), linux-source $ver)"
