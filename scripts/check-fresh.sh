#!/usr/bin/env bash
# make check-fresh: the README's two commands (`make demo`, then `make
# check`) run as root in a fresh Debian 12 root, as a new user would run
# them: `debootstrap --variant=minbase bookworm` plus git and make, the
# apt sources of an installed Debian 12 (bookworm, -updates, -security),
# and a clean `git clone` of HEAD (uncommitted changes are not in it).
# Everything else must come from the project's own `make deps`.
#
# The base root is built once and kept as a tarball outside the work tree
# ($CM_FRESH_CACHE, default ~/.cache/cryptomark/fresh); each run unpacks it
# into a new directory (mode 0755, as / must be), installs git and make,
# clones, mounts proc, sys, dev, dev/pts and a dev/shm tmpfs, runs, prints
# the inner `make check`'s closing "N passed, N failed" line and the time,
# and removes the root again.
#
# The whole run happens in a private mount namespace (unshare), so no mount
# can outlive it; on every exit path (end, failure, Ctrl-C, SIGTERM) the
# trap also stops what still runs inside the root, unmounts in reverse
# order and removes the root only once nothing is mounted under it.
#
# Environment:
#   CM_FRESH_CACHE          where the base tarball lives (~/.cache/cryptomark/fresh)
#   CM_FRESH_REFRESH=1      rebuild the base tarball (debootstrap again)
#   CM_FRESH_MIRROR         Debian mirror (http://deb.debian.org/debian)
#   CM_FRESH_WORKDIR        where the root is unpacked (/var/tmp)
#   CM_FRESH_KERNEL_CACHE=1 opt-in: bind-mount the host's kernel build cache
#                           (${CM_KERNEL_CACHE:-~/.cache/cryptomark}) at the
#                           root's ~/.cache/cryptomark, so `make check`
#                           rebuilds the kernel incrementally; the default
#                           is fully cold (the tree extracted and built)
#   CM_FRESH_KEEP=1         keep the root afterwards (its path is printed)
#   CM_FRESH_CMD            the commands run in the clone, as root
#                           ("make demo && make check"; for testing this
#                           script: e.g. CM_FRESH_CMD=false)
#   CM_FRESH_LOG            the inner output (build/check-fresh.log)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SUITE=bookworm
MIRROR=${CM_FRESH_MIRROR:-http://deb.debian.org/debian}
SECMIRROR=${CM_FRESH_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
CACHE=${CM_FRESH_CACHE:-$HOME/.cache/cryptomark/fresh}
BASE=$CACHE/$SUITE-minbase.tar.gz
WORKDIR=${CM_FRESH_WORKDIR:-/var/tmp}
CMD=${CM_FRESH_CMD:-make demo && make check}
LOG=${CM_FRESH_LOG:-$ROOT/build/check-fresh.log}
KCACHE=
[ "${CM_FRESH_KERNEL_CACHE:-0}" = 1 ] && KCACHE=${CM_KERNEL_CACHE:-$HOME/.cache/cryptomark}

say() { echo "check-fresh: $*"; }
die() { echo "check-fresh: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, mounts)"
for t in debootstrap unshare chroot git tar; do
	command -v $t >/dev/null || die "$t missing (make deps)"
done

# Into a private mount namespace: whatever happens below, the kernel drops
# every mount made here when the last process of the namespace exits.
if [ "${CM_FRESH_IN_NS:-}" != 1 ]; then
	CM_FRESH_IN_NS=1 exec unshare --mount --propagation private -- "$0" "$@"
fi

T0=$(date +%s)
R=			# the fresh root, once unpacked
BASETMP=		# a base being built
MOUNTS=()		# what we mounted, in order
CHILD=
TAIL=

# Processes whose root is the fresh root (make, QEMU, swtpm...): ours, and
# the mounts cannot go while they run.
chroot_pids() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$1" ] && echo "${p#/proc/}"
	done
	return 0
}

mounted_under() { # DIR: mount points at or below DIR, from our namespace
	awk -v d="$1" '$5 == d || index($5, d "/") == 1 {print $5}' /proc/self/mountinfo
}

cleanup() {
	local rc=$? i pids m left
	trap - EXIT INT TERM HUP
	set +e
	if [ -n "$CHILD" ] && kill -0 "$CHILD" 2>/dev/null; then
		kill -TERM "$CHILD" 2>/dev/null
	fi
	if [ -n "$R" ]; then
		for i in 1 2 3 4 5 6 7 8 9 10; do
			pids=$(chroot_pids "$R")
			[ -z "$pids" ] && break
			# shellcheck disable=SC2086
			if [ $i -lt 6 ]; then kill -TERM $pids 2>/dev/null; else kill -KILL $pids 2>/dev/null; fi
			sleep 1
		done
	fi
	[ -n "$CHILD" ] && wait "$CHILD" 2>/dev/null
	[ -n "$TAIL" ] && kill "$TAIL" 2>/dev/null && wait "$TAIL" 2>/dev/null
	for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
		m=${MOUNTS[i]}
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null ||
			echo "check-fresh: could not unmount $m" >&2
	done
	MOUNTS=()
	for d in "$BASETMP" "$R"; do
		[ -n "$d" ] && [ -d "$d" ] || continue
		left=$(mounted_under "$d")
		if [ -n "$left" ]; then
			echo "check-fresh: still mounted, $d kept: $left" >&2
			rc=1
		elif [ "$d" = "$R" ] && [ "${CM_FRESH_KEEP:-0}" = 1 ]; then
			say "root kept: $R"
		else
			rm -rf --one-file-system "$d"
		fi
	done
	exit "$rc"
}
trap cleanup EXIT
trap 'echo "check-fresh: interrupted" >&2; exit 130' INT
trap 'echo "check-fresh: terminated" >&2; exit 143' TERM HUP

# 1. The base root: debootstrap once, kept as a tarball.
mkdir -p "$CACHE"
if [ ! -s "$BASE" ] || [ "${CM_FRESH_REFRESH:-0}" = 1 ]; then
	BASETMP=$(mktemp -d "$CACHE/base.XXXXXX")
	say "debootstrap --variant=minbase $SUITE ($MIRROR) into $BASETMP"
	debootstrap --variant=minbase "$SUITE" "$BASETMP/root" "$MIRROR" \
		>"$BASETMP/debootstrap.log" 2>&1 ||
		die "debootstrap failed: $(tail -n 5 "$BASETMP/debootstrap.log")"
	tar -C "$BASETMP/root" --numeric-owner --xattrs --xattrs-include='*' \
		-czf "$BASETMP/base.tar.gz" .
	mv "$BASETMP/base.tar.gz" "$BASE"
	rm -rf --one-file-system "$BASETMP"; BASETMP=
fi
say "base $BASE ($(date -r "$BASE" '+%F %R'))"

# 2. A fresh root from it; / mode 0755 (mktemp makes 0700).
mkdir -p "$WORKDIR"
R=$(mktemp -d "$WORKDIR/cryptomark-fresh.XXXXXX")
tar -C "$R" --numeric-owner --xattrs --xattrs-include='*' -xzpf "$BASE"
chmod 0755 "$R"
[ "$(stat -c %a "$R")" = 755 ] || die "$R: mode $(stat -c %a "$R"), not 755"
# An installed Debian 12's apt sources (debootstrap configures only the
# release itself; the installer adds -updates and -security).
cat >"$R/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECMIRROR $SUITE-security main
EOF
cp -L /etc/resolv.conf "$R/etc/resolv.conf"
# Not a booted machine: packages do not start services in it.
printf '#!/bin/sh\nexit 101\n' >"$R/usr/sbin/policy-rc.d"
chmod 0755 "$R/usr/sbin/policy-rc.d"

# 3. Pseudo filesystems (and, opt-in, the host's kernel build cache).
mnt() { # mount ARGS... TARGET: mount, remember TARGET
	mount "$@" || die "mount $*"
	MOUNTS+=("${!#}")
}
mnt -t proc proc "$R/proc"
mnt -t sysfs sysfs "$R/sys"
mnt --bind /dev "$R/dev"
mnt --bind /dev/pts "$R/dev/pts"
mnt -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$R/dev/shm"
if [ -n "$KCACHE" ]; then
	mkdir -p "$KCACHE" "$R/root/.cache/cryptomark"
	mnt --bind "$KCACHE" "$R/root/.cache/cryptomark"
	say "kernel build cache: the host's $KCACHE (bind-mounted)"
else
	say "kernel build cache: none (cold)"
fi

# in_root CMD: a login-like root shell in the fresh root, no host environment.
in_root() {
	env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/bash TERM="${TERM:-dumb}" \
		LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		chroot "$R" /bin/bash -c "$1"
}

# 4. What a new user starts with: git and make.  Then a clean clone of HEAD.
say "apt-get install git make"
in_root 'export DEBIAN_FRONTEND=noninteractive; apt-get -q update >/dev/null &&
	apt-get install -y -q --no-install-recommends git make >/dev/null 2>&1' ||
	die "installing git and make in the fresh root failed"
sha=$(git -C "$ROOT" rev-parse HEAD)
[ -z "$(git -C "$ROOT" status --porcelain --untracked-files=no)" ] ||
	say "note: uncommitted changes in $ROOT are not tested (clone of HEAD)"
git clone -q --no-hardlinks --no-checkout "$ROOT" "$R/root/cryptomark"
git -C "$R/root/cryptomark" checkout -q --detach "$sha"
say "clone of $(git -C "$ROOT" log -1 --format='%h %s' "$sha")"

# 5. The README's commands.
mkdir -p "$(dirname "$LOG")"
say "running '$CMD' in $R/root/cryptomark (output: $LOG)"
t1=$(date +%s)
# Straight into the log (complete once the command is done), shown as it grows.
in_root "cd /root/cryptomark && $CMD" >"$LOG" 2>&1 </dev/null &
CHILD=$!
tail -n +1 -f --pid="$CHILD" "$LOG" &
TAIL=$!
set +e
wait "$CHILD"; rc=$?
wait "$TAIL"
set -e
CHILD=; TAIL=
t2=$(date +%s)
# The inner suite logs, for a look after the root is gone.
rm -rf "$ROOT/build/check-fresh-logs"
[ -d "$R/root/cryptomark/build/logs" ] &&
	cp -a "$R/root/cryptomark/build/logs" "$ROOT/build/check-fresh-logs"

line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$LOG" | tail -n 1 || true)
mins() { printf '%d min %02d s' $(($1 / 60)) $(($1 % 60)); }
say "${line:-no closing 'N passed, N failed' line}"
kc=cold
[ -n "$KCACHE" ] && kc="reused ($KCACHE)"
say "'$CMD' exit $rc in $(mins $((t2 - t1))); whole run $(mins $((t2 - T0))); kernel cache: $kc"
exit $rc
