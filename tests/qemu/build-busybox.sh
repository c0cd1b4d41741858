#!/usr/bin/env bash
# Build the two shells of tests/qemu/checkexec-tests.sh and its benchmark:
# busybox ash from Debian's busybox source package (the version of the
# installed busybox-static), static, with only the shell, twice from the
# same configuration:
#   busybox-plain   as Debian ships it (Debian's patches only)
#   busybox-check   plus tests/qemu/patches/busybox-ash-execve-check.patch
#                   (execveat(AT_EXECVE_CHECK) and the exec securebits)
# Prints the directory holding both.  The source comes through apt-get
# source with a private apt configuration (deb-src entries derived from
# the system's own sources; the system's apt state is not touched), and
# everything is cached outside the work tree, keyed by the source version,
# the patch and this script, so a second run costs nothing.
#
#   tests/qemu/build-busybox.sh          (JOBS, default 2)
# Environment: CM_BUSYBOX_CACHE (default ~/.cache/cryptomark/busybox).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
patch_file=$here/patches/busybox-ash-execve-check.patch
cache=${CM_BUSYBOX_CACHE:-$HOME/.cache/cryptomark/busybox}
JOBS=${JOBS:-2}
die() { echo "build-busybox: $*" >&2; exit 1; }

ver=$(dpkg-query -W -f='${source:Version}' busybox-static 2>/dev/null) ||
	die "busybox-static is not installed (make deps)"
key=$(cat "$patch_file" "$0" | sha256sum | cut -c1-16)
dver=${ver//:/_}	# kbuild cannot build in a path with a colon
out=$cache/$dver-$key
if [ -x "$out/busybox-plain" ] && [ -x "$out/busybox-check" ]; then
	echo "$out"; exit 0
fi
command -v dpkg-source >/dev/null || die "dpkg-source missing (package dpkg-dev)"
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9

# 1. The source package, once per version.
src=$cache/src-$dver
if [ ! -d "$src/tree" ]; then
	apt=$cache/apt
	mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/parts"
	rm -f "$apt/parts"/*
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -e "$f" ] || continue
		sed 's/^Types:.*/Types: deb-src/' "$f" >"$apt/parts/${f##*/}"
	done
	if [ -s /etc/apt/sources.list ]; then
		sed -n 's/^deb /deb-src /p' /etc/apt/sources.list >"$apt/parts/sources.list"
	fi
	cat >"$apt/apt.conf" <<EOF
Dir::Etc::SourceList "/dev/null";
Dir::Etc::SourceParts "$apt/parts";
Dir::State::Lists "$apt/lists";
Dir::Cache "$apt/cache";
APT::Sandbox::User "root";
EOF
	rm -rf "$src.tmp" && mkdir -p "$src.tmp"
	APT_CONFIG=$apt/apt.conf apt-get -qq update >/dev/null ||
		die "apt-get update (deb-src) failed"
	(cd "$src.tmp" && APT_CONFIG=$apt/apt.conf apt-get -qq source "busybox=$ver" >/dev/null) ||
		die "apt-get source busybox=$ver failed"
	d=$(find "$src.tmp" -mindepth 1 -maxdepth 1 -type d -name 'busybox-*' | head -n1)
	[ -n "$d" ] && [ -f "$d/shell/ash.c" ] || die "unexpected source layout in $src.tmp"
	mv "$d" "$src.tmp/tree"
	rm -rf "$src" && mv "$src.tmp" "$src"
fi

# 2. Two trees, one configuration: allnoconfig plus a static ash.
build() {	# build NAME [PATCH]
	local t=$out/$1.tree
	rm -rf "$t" && cp -a "$src/tree" "$t"
	if [ -n "${2:-}" ]; then
		patch -d "$t" -p1 -F0 -s --no-backup-if-mismatch <"$2" ||
			die "$2 does not apply to busybox $ver"
	fi
	make -C "$t" -s allnoconfig >/dev/null
	local opts="STATIC SHELL_ASH ASH SH_IS_ASH ASH_ECHO ASH_PRINTF ASH_TEST
		    ASH_BASH_COMPAT FEATURE_SH_MATH" o
	for o in $opts; do
		sed -i "/^# CONFIG_$o is not set\$/d; /^CONFIG_$o=/d" "$t/.config"
		echo "CONFIG_$o=y" >>"$t/.config"
	done
	yes '' | make -C "$t" -s oldconfig >/dev/null 2>&1
	grep -qx 'CONFIG_ASH=y' "$t/.config" || die "$1: ash not configured"
	make -C "$t" -s -j"$JOBS" busybox >"$out/$1.log" 2>&1 ||
		{ tail -n 20 "$out/$1.log" >&2; die "$1: build failed ($out/$1.log)"; }
	cp "$t/busybox" "$out/busybox-$1.tmp" && mv "$out/busybox-$1.tmp" "$out/busybox-$1"
	rm -rf "$t"
}
mkdir -p "$out"
[ -x "$out/busybox-plain" ] || build plain
[ -x "$out/busybox-check" ] || build check "$patch_file"
for d in "$cache/$dver"-*; do	# builds of an older patch or script
	[ "$d" = "$out" ] || rm -rf "$d"
done
echo "$out"
