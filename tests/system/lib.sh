# shellcheck shell=bash
# tests/system/lib.sh: builds the whole-system image of `make check-system`
# (issue 10): a Debian 12 root debootstrapped from a local repository of
# packages re-signed with `cmsign deb`, cryptomark installed from its own
# packages, every manifest applied, keys sealed to the guest TPM, a real
# update-initramfs initrd, packed as an ext4 image (xattrs kept).
# Sourced by tests/system/check-system.sh.
#
# Phases (each prints its duration; the first four are cached under
# $SYS_CACHE, keyed by what goes in):
#   sys_download   debootstrap --download-only (base set) + the test
#                  packages' closure (apt-get with a private config and an
#                  empty dpkg status)            -> $SYS_CACHE/debs-KEY
#   sys_keys       test CA + package signer     -> $SYS_CACHE/keys
#   sys_repo       every .deb re-signed with cmsign deb, apt-ftparchive
#                  index (suite bookworm)        -> $SYS_CACHE/repo-KEY
#   sys_base       debootstrap from file://REPO   -> $SYS_CACHE/base-KEY.tar
#   sys_root       per run: a copy of the base, cryptomark's own packages
#                  (make deb, re-signed) installed, manifests applied,
#                  the test unit, the keys, update-initramfs -> $SYS_WORK/root
#   sys_image      mke2fs -t ext4 -d                -> $SYS_WORK/root.img
#
# Environment: CM_SYSTEM_CACHE (~/.cache/cryptomark/system),
# CM_SYSTEM_MIRROR (http://deb.debian.org/debian), CM_SYSTEM_KERNEL
# (build/kernel/bzImage), CM_SYSTEM_WORK (build/system).
# Every chroot runs in a private mount namespace (the caller unshares);
# sys_mount/sys_umount track the mounts so every exit path unmounts.

SYS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SYS_TOP=$(cd "$SYS_DIR/../.." && pwd)
SYS_CACHE=${CM_SYSTEM_CACHE:-$HOME/.cache/cryptomark/system}
SYS_MIRROR=${CM_SYSTEM_MIRROR:-http://deb.debian.org/debian}
SYS_WORK=${CM_SYSTEM_WORK:-$SYS_TOP/build/system}
SYS_SUITE=bookworm
SYS_B=${T_BUILD:-$SYS_TOP/build}
CMSIGN=${CMSIGN:-$SYS_B/cmsign}
CMKEYS=${CMKEYS:-$SYS_B/cmkeys}
SYS_MOUNTS=()

sys_say() { echo "system: $*"; }
sys_die() { echo "system: $*" >&2; return 1; }

# sys_phase NAME CMD...: run CMD, print its duration.
sys_phase() {
	local name=$1 t0 t1 rc
	shift
	t0=$(date +%s.%N)
	"$@"; rc=$?
	t1=$(date +%s.%N)
	printf 'system: phase %-10s %6.1f s%s\n' "$name" "$(echo "$t1 - $t0" | bc)" \
		"$([ $rc -eq 0 ] || echo " (FAILED, exit $rc)")"
	return $rc
}

sys_list() { # KIND: the packages of that kind in packages.txt
	awk -v k="$1" '$1 == k { for (i = 2; i <= NF; i++) print $i }' "$SYS_DIR/packages.txt"
}

sys_key() { # FILES/STRINGS...: a short hash of them
	local a
	for a in "$@"; do
		if [ -f "$a" ]; then sha256sum <"$a"; else echo "$a"; fi
	done | sha256sum | cut -c1-12
}

sys_prune() { # PREFIX KEEP: remove the cache's older PREFIX* entries
	local o
	for o in "$SYS_CACHE/$1"*; do
		[ -e "$o" ] && [ "$o" != "$2" ] && rm -rf --one-file-system "$o"
	done
	return 0
}

sys_mount() { # mount ARGS... TARGET
	mount "$@" || { sys_die "mount $*"; return 1; }
	SYS_MOUNTS+=("${!#}")
}

sys_umount_all() {
	local i m
	for ((i = ${#SYS_MOUNTS[@]} - 1; i >= 0; i--)); do
		m=${SYS_MOUNTS[i]}
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null ||
			echo "system: could not unmount $m" >&2
	done
	SYS_MOUNTS=()
}

# sys_chroot_mounts ROOT / sys_chroot_umounts: proc, sys, dev for a chroot.
sys_chroot_mounts() {
	sys_mount -t proc proc "$1/proc" && sys_mount -t sysfs sysfs "$1/sys" &&
		sys_mount --bind /dev "$1/dev" && sys_mount --bind /dev/pts "$1/dev/pts"
}

# in_root ROOT CMD: a clean root shell in ROOT.
sys_in_root() {
	env -i HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		chroot "$1" /bin/sh -c "$2"
}

# A private apt configuration on bookworm main with an empty dpkg status:
# `apt-get install --download-only` then fetches the whole closure.
sys_apt_conf() { # DIR
	local d=$1
	mkdir -p "$d/lists/partial" "$d/archives/partial" "$d/parts" "$d/prefs" || return 1
	: >"$d/status"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $SYS_MIRROR $SYS_SUITE main" \
		>"$d/sources.list"
	cat >"$d/apt.conf" <<EOF
Dir::Etc::SourceList "$d/sources.list";
Dir::Etc::SourceParts "$d/parts";
Dir::Etc::PreferencesParts "$d/prefs";
Dir::State "$d";
Dir::State::Lists "$d/lists";
Dir::State::status "$d/status";
Dir::Cache "$d";
Dir::Cache::archives "$d/archives";
APT::Architecture "amd64";
APT::Architectures { "amd64"; };
APT::Install-Recommends "false";
Debug::NoLocking "true";
EOF
}

sys_download() {
	local key dir tmp base
	key=$(sys_key "$SYS_DIR/packages.txt" "$SYS_MIRROR")
	dir=$SYS_CACHE/debs-$key
	SYS_DEBS=$dir/debs
	if [ -f "$dir/done" ]; then
		sys_say "packages cached: $dir ($(ls "$SYS_DEBS" | wc -l) .deb)"
		return 0
	fi
	tmp=$dir.tmp
	rm -rf "$tmp" && mkdir -p "$tmp/debs" || return 1
	base=$(sys_list base | paste -sd,)
	sys_say "debootstrap --download-only --variant=minbase --include=$base"
	debootstrap --download-only --variant=minbase --include="$base" \
		"$SYS_SUITE" "$tmp/ds" "$SYS_MIRROR" >"$tmp/debootstrap.log" 2>&1 ||
		{ tail -n 5 "$tmp/debootstrap.log" >&2; sys_die "debootstrap --download-only failed"; return 1; }
	mv "$tmp"/ds/var/cache/apt/archives/*.deb "$tmp/debs/" || return 1
	sys_apt_conf "$tmp/apt" || return 1
	APT_CONFIG=$tmp/apt/apt.conf apt-get -qq update >"$tmp/apt.log" 2>&1 &&
		APT_CONFIG=$tmp/apt/apt.conf apt-get -qq -y --download-only install \
			$(sys_list test) $(sys_list extra) >>"$tmp/apt.log" 2>&1 ||
		{ tail -n 5 "$tmp/apt.log" >&2; sys_die "apt-get download of the test packages failed"; return 1; }
	mv -n "$tmp"/apt/archives/*.deb "$tmp/debs/" || return 1
	rm -rf "$tmp/ds" "$tmp/apt"
	touch "$tmp/done"
	rm -rf "$dir" && mv "$tmp" "$dir"
	sys_prune debs- "$dir"
	sys_say "downloaded $(ls "$SYS_DEBS" | wc -l) packages into $dir"
}

# The test PKI: a CA (signs the keyring bundle) and the package signer,
# made once; the repository's cache key includes the signer certificate.
sys_keys() {
	SYS_KEYS=$SYS_CACHE/keys
	if [ -s "$SYS_KEYS/signer/signer.pem" ]; then
		sys_say "keys cached: $SYS_KEYS"
		return 0
	fi
	rm -rf "$SYS_KEYS.tmp" && mkdir -p "$SYS_KEYS.tmp" || return 1
	"$CMKEYS" ca -o "$SYS_KEYS.tmp/ca" --subject "/CN=cryptomark system test CA" >/dev/null &&
		"$CMKEYS" signer --ca "$SYS_KEYS.tmp/ca" -o "$SYS_KEYS.tmp/signer" \
			--subject "/CN=cryptomark system test packages" >/dev/null &&
		"$CMKEYS" signer --ca "$SYS_KEYS.tmp/ca" -o "$SYS_KEYS.tmp/stranger" \
			--subject "/CN=cryptomark system test stranger" >/dev/null ||
		{ sys_die "cmkeys ca/signer failed"; return 1; }
	rm -rf "$SYS_KEYS" && mv "$SYS_KEYS.tmp" "$SYS_KEYS"
	sys_say "made the test CA and signer in $SYS_KEYS"
}

# sys_sign_debs OUTDIR DEB...: cmsign deb with the test signer.
sys_sign_debs() {
	local out=$1
	shift
	"$CMSIGN" deb -j2 -q --key "$SYS_KEYS/signer/signer.key" --cert "$SYS_KEYS/signer/signer.pem" \
		-o "$out" "$@"
}

# sys_index REPO: apt-ftparchive Packages and Release for suite bookworm.
sys_index() {
	local r=$1 d=$1/dists/$SYS_SUITE
	mkdir -p "$d/main/binary-amd64" || return 1
	(cd "$r" && apt-ftparchive packages pool >"$d/main/binary-amd64/Packages") || return 1
	gzip -9nk -f "$d/main/binary-amd64/Packages" || return 1
	apt-ftparchive -o APT::FTPArchive::Release::Suite="$SYS_SUITE" \
		-o APT::FTPArchive::Release::Codename="$SYS_SUITE" \
		-o APT::FTPArchive::Release::Components=main \
		-o APT::FTPArchive::Release::Architectures=amd64 \
		release "$d" >"$d/Release.tmp" && mv "$d/Release.tmp" "$d/Release"
}

# The archive packages re-signed: key = the downloaded set, cmsign, signer.
sys_repo() {
	local key dir tmp n
	key=$(sys_key "$SYS_DEBS/../done" "$(ls "$SYS_DEBS")" "$CMSIGN" "$SYS_KEYS/signer/signer.pem")
	dir=$SYS_CACHE/repo-$key
	SYS_REPO=$dir
	if [ -f "$dir/done" ]; then
		sys_say "re-signed repository cached: $dir"
		return 0
	fi
	tmp=$dir.tmp
	rm -rf "$tmp" && mkdir -p "$tmp/pool" || return 1
	n=$(ls "$SYS_DEBS"/*.deb | wc -l)
	sys_say "cmsign deb -j2: re-signing $n packages"
	sys_sign_debs "$tmp/pool" "$SYS_DEBS"/*.deb >"$tmp/cmsign.log" 2>&1 ||
		{ tail -n 5 "$tmp/cmsign.log" >&2; sys_die "cmsign deb failed"; return 1; }
	sys_index "$tmp" || { sys_die "apt-ftparchive failed"; return 1; }
	touch "$tmp/done"
	rm -rf "$dir" && mv "$tmp" "$dir"
	sys_prune repo- "$dir"
	sys_say "repository: $dir ($n re-signed packages)"
}

# The base root: debootstrap from the re-signed repository (no hook yet:
# cryptomark is installed per run, then applies every manifest).
sys_base() {
	local key tmp
	key=$(sys_key "$SYS_REPO" "$(sys_list base)")
	SYS_BASE=$SYS_CACHE/base-$key.tar
	if [ -s "$SYS_BASE" ]; then
		sys_say "base root cached: $SYS_BASE"
		return 0
	fi
	tmp=$(mktemp -d "$SYS_CACHE/base.XXXXXX") || return 1
	sys_say "debootstrap --variant=minbase from file://$SYS_REPO"
	debootstrap --variant=minbase --no-check-gpg --include="$(sys_list base | paste -sd,)" \
		"$SYS_SUITE" "$tmp/root" "file://$SYS_REPO" >"$tmp/debootstrap.log" 2>&1 ||
		{ tail -n 8 "$tmp/debootstrap.log" >&2; rm -rf --one-file-system "$tmp";
		  sys_die "debootstrap failed"; return 1; }
	rm -f "$tmp"/root/var/cache/apt/archives/*.deb
	tar -C "$tmp/root" --numeric-owner --xattrs --xattrs-include='*' -cf "$tmp/base.tar" . &&
		mv "$tmp/base.tar" "$SYS_BASE"
	rm -rf --one-file-system "$tmp"
	[ -s "$SYS_BASE" ] && sys_prune base- "$SYS_BASE" && sys_say "base root: $SYS_BASE"
}

# sys_kver KERNEL: the kernel's release string (file(1) reads the bzImage
# header).
sys_kver() {
	file -bL "$1" | sed -n 's/.*version \([^ ]*\) .*/\1/p'
}

# sys_tamper_deb IN OUT: the package with one byte of its manifest's first
# digest flipped, in data.tar and (when present) in the `_cryptomark` ar
# member alike: its manifest signature no longer verifies.
sys_tamper_deb() {
	local in=$1 out=$2 t m pl off b
	t=$(mktemp -d) || return 1
	dpkg-deb -R "$in" "$t/x" || { rm -rf "$t"; return 1; }
	m=$(ls "$t"/x/usr/share/cryptomark/manifests/*.cmm 2>/dev/null | head -n1)
	[ -n "$m" ] || { sys_die "$in: no manifest to tamper with"; rm -rf "$t"; return 1; }
	pl=$(od -An -tu1 -j24 -N2 "$m" | awk '{print $1 * 256 + $2}')
	off=$((32 + pl))
	b=$(od -An -tu1 -j"$off" -N1 "$m" | tr -d ' ')
	printf "$(printf '\\%03o' $((b ^ 1)))" | dd of="$m" bs=1 seek="$off" conv=notrunc status=none
	dpkg-deb --root-owner-group -Zxz -b "$t/x" "$out" >/dev/null || { rm -rf "$t"; return 1; }
	if ar t "$in" | grep -qx _cryptomark; then
		cp "$m" "$t/_cryptomark" && (cd "$t" && ar rD "$out" _cryptomark) ||
			{ rm -rf "$t"; return 1; }
	fi
	rm -rf "$t"
}

# sys_unsigned_deb OUT PROGRAM: a package made with dpkg-deb, no manifest:
# cm-unsigned, /usr/bin/cm-unsigned (the audit boot's one finding).
sys_unsigned_deb() {
	local out=$1 prog=$2 t
	t=$(mktemp -d) || return 1
	mkdir -p "$t/x/DEBIAN" "$t/x/usr/bin" &&
		install -m 0755 "$prog" "$t/x/usr/bin/cm-unsigned" &&
		cat >"$t/x/DEBIAN/control" <<EOC &&
Package: cm-unsigned
Version: 1.0
Architecture: amd64
Maintainer: cryptomark tests <cryptomark@example.org>
Description: unsigned test program (cryptomark system test)
 A program with no cryptomark manifest: audit mode must report it.
EOC
		dpkg-deb --root-owner-group -b "$t/x" "$out" >/dev/null
	local rc=$?
	rm -rf "$t"
	return $rc
}

# The per-run repository: the cached re-signed pool (hard links),
# cryptomark's own packages re-signed, sl replaced by a tampered copy.
sys_run_repo() {
	local debs=$1 r=$SYS_WORK/repo d
	SYS_RUNREPO=$r
	rm -rf "$r" && mkdir -p "$r/pool" "$SYS_WORK/extra" || return 1
	cp -al "$SYS_REPO"/pool/*.deb "$r/pool/" || return 1
	d=$(ls "$debs"/*.deb | grep -v -e dbgsym -e '/dh-cryptomark_' -e '/libcryptomark-dev_')
	# shellcheck disable=SC2086
	sys_sign_debs "$r/pool" $d >"$SYS_WORK/cmsign-own.log" 2>&1 ||
		{ cat "$SYS_WORK/cmsign-own.log" >&2; sys_die "cmsign deb of cryptomark's packages failed"; return 1; }
	d=$(ls "$r"/pool/sl_*.deb) || return 1
	rm -f "$d"
	sys_tamper_deb "$SYS_REPO/pool/${d##*/}" "$d" || { sys_die "tampering with sl failed"; return 1; }
	sys_index "$r"
}

# sys_exec_files ROOT DIR...: every ELF file and #! script under DIR
# (relative to ROOT), one absolute host path per line.
sys_exec_files() {
	local r=$1
	shift
	(cd "$r" && find "$@" -xdev -type f -print0 2>/dev/null |
		perl -0ne 'chomp; my $f = $_; open(my $h, "<", $f) or next;
			my $b = ""; read($h, $b, 4);
			print "$f\n" if $b eq "\x7fELF" || substr($b, 0, 2) eq "#!";' 2>/dev/null) |
		sed "s|^|$r/|"
}

# The image's root for this run, from the cached base.
#   sys_root KERNEL DEBDIR
sys_root() {
	local kernel=$1 debs=$2 R=$SYS_WORK/root kver n f
	kver=$(sys_kver "$kernel")
	[ -n "$kver" ] || { sys_die "cannot read the release of $kernel"; return 1; }
	SYS_KVER=$kver
	SYS_ROOT=$R
	if [ -d "$R" ]; then
		[ -z "$(awk -v d="$R" 'index($5, d) == 1' /proc/self/mountinfo)" ] ||
			{ sys_die "$R has mounts under it"; return 1; }
		rm -rf --one-file-system "$R"
	fi
	mkdir -p "$R" && tar -C "$R" --numeric-owner --xattrs --xattrs-include='*' -xpf "$SYS_BASE" &&
		chmod 0755 "$R" || return 1
	sys_run_repo "$debs" || return 1
	mkdir -p "$R/srv" && cp -a "$SYS_RUNREPO" "$R/srv/repo" || return 1
	echo "deb [trusted=yes] file:/srv/repo $SYS_SUITE main" >"$R/etc/apt/sources.list"
	mkdir -p "$R/etc/cryptomark/manifest-signers" &&
		cp "$SYS_KEYS/signer/signer.pem" "$R/etc/cryptomark/manifest-signers/system-test.pem" || return 1
	printf '#!/bin/sh\nexit 101\n' >"$R/usr/sbin/policy-rc.d" && chmod 0755 "$R/usr/sbin/policy-rc.d"
	sys_chroot_mounts "$R" || return 1
	sys_in_root "$R" 'apt-get -qq update && apt-get -y -qq install cryptomark' \
		>"$SYS_WORK/install.log" 2>&1 ||
		{ tail -n 15 "$SYS_WORK/install.log" >&2; sys_die "apt-get install cryptomark in the chroot failed"; return 1; }
	sys_say "cryptomark installed in the root from the repository (dpkg hook active)"
	sys_in_root "$R" 'CRYPTOMARK_HOOK_ALL=1 /usr/lib/cryptomark/dpkg-hook' >"$SYS_WORK/hook.log" 2>&1
	sys_say "manifests applied: $(ls "$R"/usr/share/cryptomark/manifests/*.cmm | wc -l) ($(grep -c . "$SYS_WORK/hook.log") hook lines, $SYS_WORK/hook.log)"

	# The kernel's module directory (empty), its config for mkinitramfs.
	mkdir -p "$R/lib/modules/$kver"
	[ -r "$(dirname "$kernel")/config" ] && cp "$(dirname "$kernel")/config" "$R/boot/config-$kver"
	sys_in_root "$R" "depmod -a $kver" 2>/dev/null

	# A quiet machine: no getty on the console, no timers.
	cat >"$R/etc/fstab" <<EOT
/dev/vda / ext4 rw,relatime 0 1
EOT
	echo cmsys >"$R/etc/hostname"
	for f in serial-getty@ttyS0.service getty@tty1.service apt-daily.timer apt-daily-upgrade.timer \
		 e2scrub_all.timer e2scrub_reap.service fstrim.timer dpkg-db-backup.timer \
		 systemd-tmpfiles-clean.timer; do
		ln -sf /dev/null "$R/etc/systemd/system/$f"
	done
	# The test unit and its scripts (signed below: under enforce every
	# file that runs must be).
	install -d "$R/usr/lib/cryptomark-test" "$R/etc/systemd/system/multi-user.target.wants" &&
		install -m 0755 "$SYS_DIR/guest/system-test.sh" "$R/usr/lib/cryptomark-test/system-test.sh" &&
		install -m 0644 "$SYS_DIR/guest/cm-system-test.service" "$R/etc/systemd/system/cm-system-test.service" &&
		ln -sf ../cm-system-test.service "$R/etc/systemd/system/multi-user.target.wants/cm-system-test.service" ||
		return 1
	mkdir -p "$R/srv/cm-test"
	sys_list test >"$R/srv/cm-test/test-packages.txt"
	install -m 0644 "$SYS_KEYS/signer/signer.pem" "$R/srv/cm-test/signer.pem"
	[ -z "${SYS_UNSIGNED_DEB:-}" ] || cp "$SYS_UNSIGNED_DEB" "$R/srv/cm-test/cm-unsigned.deb"
	"$CMSIGN" -q --key "$SYS_KEYS/signer/signer.key" --cert "$SYS_KEYS/signer/signer.pem" \
		"$R/usr/lib/cryptomark-test/system-test.sh" || { sys_die "cmsign of the test script failed"; return 1; }

	sys_keys_root "$R" || return 1

	# initramfs-tools: only the modules it names (the kernel has what it
	# needs built in); our hook adds cmkeys, the bundle and its seal.
	sed -i 's/^MODULES=.*/MODULES=list/' "$R/etc/initramfs-tools/initramfs.conf"
	sys_in_root "$R" "update-initramfs -c -k $kver" >"$SYS_WORK/initramfs.log" 2>&1 ||
		{ tail -n 15 "$SYS_WORK/initramfs.log" >&2; sys_die "update-initramfs failed"; return 1; }
	sys_say "update-initramfs -c -k $kver: $(ls -la "$R/boot/initrd.img-$kver" | awk '{print $5}') bytes"
	rm -f "$R/usr/sbin/policy-rc.d"
	sys_umount_all

	# Every ELF file and script verifies (offline, the test signer).
	sys_exec_files "$R" usr etc var/lib/dpkg/info >"$SYS_WORK/exec-files.txt"
	n=$(wc -l <"$SYS_WORK/exec-files.txt")
	xargs -d '\n' -a "$SYS_WORK/exec-files.txt" "$SYS_B/cmverify" -j2 \
		--cert "$SYS_KEYS/signer/signer.pem" >"$SYS_WORK/cmverify.txt" 2>&1
	f=$(grep -v -e ': ok ' -e 'skipped: hard link to a file already listed' "$SYS_WORK/cmverify.txt" | grep -c .)
	SYS_ROOT_UNVERIFIED=$f
	sys_say "cmverify: $((n - f)) of $n ELF files and scripts under /usr, /etc and /var/lib/dpkg/info verify, $f do not"
	[ "$f" -eq 0 ] || grep -v -e ': ok ' -e 'skipped: hard link' "$SYS_WORK/cmverify.txt" | sed "s|$R||; s/^/system:   /" | head -n 20
	return 0
}

# The guest TPM's sha256 PCRs 7 and 14 when the initramfs provisions, read
# once in a probe boot (busybox initramfs, same QEMU machine and firmware:
# SeaBIOS is what extends PCR 7; PCR 14 is still zero before the cap) and
# cached, keyed by QEMU's version and its firmware image.  The seal is then
# made on the host against those values (cmkeys seal --pcr-values) on a
# fresh swtpm state that the boots use: no extra boot of the whole system.
#   sys_pcr_probe KERNEL
sys_pcr_probe() {
	local kernel=$1 key d tcti bios
	bios=$(ls /usr/share/seabios/bios-256k.bin /usr/share/qemu/bios-256k.bin 2>/dev/null | head -n1)
	key=$(sys_key "$(qemu-system-x86_64 --version | head -n1)" "${bios:-none}")
	SYS_PCRS=$SYS_CACHE/pcrs-$key.txt
	if [ -s "$SYS_PCRS" ]; then
		sys_say "PCR values cached: $SYS_PCRS"
		return 0
	fi
	d=$SYS_WORK/probe
	tcti=$(ldconfig -p | awk '$1 == "libtss2-tcti-device.so.0" {print $NF; exit}')
	[ -n "$tcti" ] || { sys_die "libtss2-tcti-device.so.0 not found (make deps)"; return 1; }
	cmq_rootfs_new "$d/root" &&
		cmq_rootfs_add "$d/root" "$CMKEYS" /sbin/cmkeys 0755 &&
		cmq_rootfs_add_libs "$d/root" "$CMKEYS" "$tcti" &&
		cmq_rootfs_add "$d/root" "$tcti" /usr/lib/x86_64-linux-gnu/libtss2-tcti-device.so.0 ||
		{ sys_die "probe staging"; return 1; }
	printf '%s\n' '#!/bin/sh' \
		'cmkeys pcrs --tcti device:/dev/tpmrm0 --pcrs sha256:7,14 | sed "s/^/PCRS:/"' >"$d/test.sh"
	cmq_rootfs_script "$d/root" "$d/test.sh" && cmq_initramfs "$d/root" "$d/initrd.gz" || return 1
	cmq_boot -k "$kernel" -i "$d/initrd.gz" -l "$d/console.log" -t 120 -a "cryptomark.mode=off" ||
		{ tail -n 20 "$d/console.log" >&2; sys_die "PCR probe boot failed"; return 1; }
	tr -d '\r' <"$d/console.log" | sed -n 's/^PCRS://p' >"$SYS_PCRS.tmp"
	[ "$(grep -c . "$SYS_PCRS.tmp")" -ge 2 ] ||
		{ cat "$d/console.log" >&2; rm -f "$SYS_PCRS.tmp"; sys_die "no PCR values from the probe boot"; return 1; }
	mv "$SYS_PCRS.tmp" "$SYS_PCRS"
	rm -rf "$d"
	sys_say "PCR values of the guest TPM (probe boot): $(paste -sd' ' "$SYS_PCRS")"
}

# Keys in the root: the CA-signed bundle (the test signer), sealed on a
# fresh swtpm state ($SYS_WORK/tpm, handed to QEMU) to the probed PCRs,
# provision.conf pinning the CA (SIGNED_BY).
sys_keys_root() {
	local R=$1 e=$1/etc/cryptomark st=$SYS_WORK/tpm
	install -d "$e/ca" && install -m 0644 "$SYS_KEYS/ca/ca.pem" "$e/ca/ca.pem" || return 1
	"$CMKEYS" bundle -o "$e/keyring.bundle" --sign-key "$SYS_KEYS/ca/ca.key" \
		--sign-cert "$SYS_KEYS/ca/ca.pem" "$SYS_KEYS/signer/signer.pem" >/dev/null ||
		{ sys_die "cmkeys bundle failed"; return 1; }
	rm -rf "$st" && mkdir -p "$st" || return 1
	t_swtpm_start "$st" || { sys_die "swtpm on the host"; return 1; }
	"$CMKEYS" seal --tcti "$TPM2TOOLS_TCTI" --pcr-values "$SYS_PCRS" "$e/keyring.bundle" >/dev/null
	local rc=$?
	t_swtpm_stop
	[ $rc -eq 0 ] || { sys_die "cmkeys seal --pcr-values failed"; return 1; }
	cat >"$e/provision.conf" <<EOT
# cryptomark system test (tests/system): provisioned by the initramfs
KEYRING=.cryptomark
TCTI=device:/dev/tpmrm0
SIGNED_BY=/etc/cryptomark/ca/ca.pem
ON_FAILURE=panic
EOT
	sys_say "keyring bundle sealed to $(paste -sd' ' "$SYS_PCRS" | cut -c1-60)... (TPM state $st)"
}

# sys_image: the ext4 image (1 KiB inodes: a 3072-bit RSA security.ima
# value fits in the inode), xattrs checked with debugfs.
sys_image() {
	local R=$SYS_ROOT img=$SYS_WORK/root.img mb
	mb=$(du -sm "$R" | awk '{print $1}')
	mb=$((mb + 1536))
	rm -f "$img"
	mke2fs -q -t ext4 -I 1024 -L cmroot -d "$R" "$img" "${mb}M" >/dev/null ||
		{ sys_die "mke2fs -d failed"; return 1; }
	SYS_IMAGE=$img
	if debugfs -R 'ea_list /usr/bin/ls' "$img" 2>/dev/null | grep -q 'security.ima'; then
		sys_say "image $img (${mb} MiB): xattrs kept (debugfs ea_list /usr/bin/ls: security.ima)"
	else
		sys_die "image $img: /usr/bin/ls has no security.ima (debugfs ea_list)"
		return 1
	fi
}
