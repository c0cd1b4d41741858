#!/usr/bin/env bash
# make check-system (issue 10): a whole Debian 12 system, its packages
# re-signed by our pipeline, booted under QEMU (TCG) + swtpm on the
# cryptomark kernel.  Builds the image (tests/system/lib.sh: cached parts
# under ~/.cache/cryptomark/system, the per-run root and image under
# build/system), then boots it:
#   off       cryptomark.mode=off: boot time, the apt figure
#   enforce1  cryptomark.mode=enforce: keys from the TPM in the real
#             initramfs, 0 denials, measurement list, unsigned code
#             refused, apt under enforce (tests/system/guest/system-test.sh)
#   enforce2  the same disk rebooted: multi-user, 0 denials
#   audit     the same disk, cryptomark.mode=audit, one unsigned package:
#             cmaudit names exactly its program
# Each boot's test unit reports "SYSTEM: ok|FAIL ..." lines on the console;
# this script counts them, prints the figures and closes with
# "N passed, N failed".
#   tests/system/check-system.sh          (root; make check-system)
# Environment: CM_SYSTEM_KERNEL (build/kernel/bzImage), CM_SYSTEM_CACHE,
# CM_SYSTEM_WORK (build/system), CM_SYSTEM_BOOTS ("off enforce1 enforce2
# audit"), CM_SYSTEM_TIMEOUT (seconds per boot, 900), CM_SYSTEM_ICOUNT
# (QEMU -icount shift for load-independent figures, e.g. 0: slower;
# default "none": the guest clock is wall time),
# CMQ_VERBOSE=1 (the console on stderr as it comes).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

if [ "$(id -u)" != 0 ]; then
	echo "check-system: needs root (debootstrap, chroot, mounts)"
	echo "0 passed, 1 failed"
	exit 1
fi
# A private mount namespace: no chroot mount outlives the run.
if [ "${CM_SYSTEM_IN_NS:-}" != 1 ]; then
	CM_SYSTEM_IN_NS=1 exec unshare --mount --propagation private -- "$0" "$@"
fi

. "$here/lib.sh"
. "$top/tests/qemu/lib.sh"

PASS=0
FAIL=0
T0=$(date +%s)
ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
bad() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
done_() {
	sys_umount_all
	echo "check-system: whole run $(($(date +%s) - T0)) s"
	echo "$PASS passed, $FAIL failed"
	[ "$FAIL" -eq 0 ]
	exit
}
fatal() { bad "$*"; done_; }
trap 'sys_umount_all' EXIT
trap 'echo "check-system: interrupted" >&2; exit 130' INT TERM

for t in debootstrap apt-ftparchive mke2fs debugfs qemu-system-x86_64 swtpm dpkg-deb ar; do
	command -v $t >/dev/null || fatal "$t missing (make deps)"
done
kernel_src=${CM_SYSTEM_KERNEL:-$top/build/kernel/bzImage}
[ -s "$kernel_src" ] || fatal "no kernel $kernel_src (make kernel)"
debdir=${CM_SYSTEM_DEBS:-$top/build/deb}
ls "$debdir"/cryptomark_*.deb >/dev/null 2>&1 || fatal "no cryptomark packages in $debdir (make deb)"
[ -x "$CMSIGN" ] && [ -x "$CMKEYS" ] || fatal "cmsign/cmkeys not built (make)"
[ -x "$top/build/qemu/hello-dyn" ] || fatal "build/qemu/hello-dyn not built (make qemu-guest)"
mkdir -p "$SYS_CACHE" "$SYS_WORK" || fatal "cannot create $SYS_CACHE or $SYS_WORK"
# The kernel may be rebuilt while we boot: our own copy.
kernel=$SYS_WORK/bzImage
cp "$kernel_src" "$kernel" && [ -r "$(dirname "$kernel_src")/config" ] &&
	cp "$(dirname "$kernel_src")/config" "$SYS_WORK/config"
echo "check-system: kernel $kernel_src ($(sys_kver "$kernel"), $(date -r "$kernel_src" '+%F %R'))"

# ---- the image --------------------------------------------------------------
sys_phase keys sys_keys || fatal "test keys"
sys_phase download sys_download || fatal "package download"
sys_phase repo sys_repo || fatal "re-signed repository"
sys_phase base sys_base || fatal "debootstrap from the repository"
SYS_UNSIGNED_DEB=$SYS_WORK/cm-unsigned.deb
sys_unsigned_deb "$SYS_UNSIGNED_DEB" "$top/build/qemu/hello-dyn" || fatal "dpkg-deb of cm-unsigned"
sys_phase probe sys_pcr_probe "$kernel" || fatal "PCR probe boot"
sys_phase root sys_root "$kernel" "$debdir" || fatal "the image's root"
[ "$SYS_ROOT_UNVERIFIED" = 0 ] &&
	ok "every ELF file and script under /usr, /etc and /var/lib/dpkg/info of the root verifies (cmverify)" ||
	bad "$SYS_ROOT_UNVERIFIED ELF files or scripts of the root do not verify ($SYS_WORK/cmverify.txt)"
sys_phase image sys_image || fatal "ext4 image"
ok "ext4 image with security.ima kept"

# ---- boots ------------------------------------------------------------------
initrd=$SYS_ROOT/boot/initrd.img-$SYS_KVER
rm -f "$SYS_WORK"/off.log "$SYS_WORK"/enforce1.log "$SYS_WORK"/enforce2.log "$SYS_WORK"/audit.log
icount=${CM_SYSTEM_ICOUNT:-none}
# boot NAME MODE DISK: one boot; its console in $SYS_WORK/NAME.log.
boot() {
	local name=$1 mode=$2 disk=$3 log=$SYS_WORK/$1.log rc q=() t0 t1
	q=(-q -drive -q "file=$disk,if=virtio,format=raw,cache=unsafe" -q -nic -q none)
	[ "$icount" = none ] || q+=(-q -icount -q "shift=$icount")
	t0=$(date +%s.%N)
	CMQ_MEM=1024 cmq_boot -k "$kernel" -i "$initrd" -l "$log" -t "${CM_SYSTEM_TIMEOUT:-900}" \
		-s "$SYS_WORK/tpm" "${q[@]}" \
		-a "root=/dev/vda ro cryptomark.initramfs=trust cryptomark.mode=$mode cmsys.phase=$name systemd.show_status=0"
	rc=$?
	t1=$(date +%s.%N)
	printf 'system: phase %-10s %6.1f s (boot, mode %s)\n' "$name" "$(echo "$t1 - $t0" | bc)" "$mode"
	tr -d '\r' <"$log" | grep -E '^SYSTEM: ' | grep -v '^SYSTEM: figure' | sed 's/^/# /'
	local p f
	p=$(tr -d '\r' <"$log" | grep -c '^SYSTEM: ok ')
	f=$(tr -d '\r' <"$log" | grep -c '^SYSTEM: FAIL ')
	PASS=$((PASS + p))
	FAIL=$((FAIL + f))
	if [ $rc -ne 0 ] || ! tr -d '\r' <"$log" | grep -qE '^SYSTEM: [0-9]+ passed'; then
		bad "boot $name: no report from the test unit (console: $log)"
		tr -d '\r' <"$log" | tail -n 30 | sed 's/^/#   /'
		return 1
	fi
	ok "boot $name ($mode): the test unit reported ($p ok, $f failed)"
}
figure() { # LOG NAME: a figure's value from a boot's console
	tr -d '\r' 2>/dev/null <"$SYS_WORK/$1.log" | grep '^SYSTEM: figure' | grep -o "$2=[0-9a-z.]*" |
		tail -n1 | cut -d= -f2
}

boots=${CM_SYSTEM_BOOTS:-off enforce1 enforce2 audit}
for b in $boots; do
	case $b in
	off)
		cp --sparse=always "$SYS_IMAGE" "$SYS_WORK/off.img" &&
			boot off off "$SYS_WORK/off.img" ;;
	enforce1)
		cp --sparse=always "$SYS_IMAGE" "$SYS_WORK/disk.img" &&
			boot enforce1 enforce "$SYS_WORK/disk.img" ;;
	enforce2) boot enforce2 enforce "$SYS_WORK/disk.img" ;;
	audit) boot audit audit "$SYS_WORK/disk.img" ;;
	esac
done

# ---- figures ------------------------------------------------------------------
echo "check-system: figures (guest clock: $([ "$icount" = none ] && echo wall time || echo "QEMU -icount shift=$icount"))"
bo=$(figure off boot_multiuser_ms)
be=$(figure enforce1 boot_multiuser_ms)
[ -n "$bo" ] && [ -n "$be" ] &&
	echo "check-system: figure boot to multi-user.target: enforce $be ms / off $bo ms = $(echo "scale=3; $be / $bo" | bc) (goal <= 1.10)"
ah=$(figure off apt_hooks_ms)
an=$(figure off apt_nohooks_ms)
[ -n "$ah" ] && [ -n "$an" ] &&
	echo "check-system: figure apt-get install of $(figure off apt_packages) packages, sum of $(figure off apt_rounds) alternating rounds after a warm-up: hooks $ah ms / without $an ms = $(echo "scale=3; $ah / $an" | bc) (goal <= 1.05)"
for v in boot_checks boot_hashed boot_verified measured_entries; do
	x=$(figure enforce1 $v)
	[ -z "$x" ] || echo "check-system: figure enforce boot: $v=$x"
done
pt=$(tr -d '\r' 2>/dev/null <"$SYS_WORK/enforce1.log" | grep -o 'provisioned .* ms' | head -n1)
[ -z "$pt" ] || echo "check-system: figure initramfs provisioning: $pt"
done_
