#!/usr/bin/env bash
# Self-test of the QEMU harness and a usage example: boots KERNEL (default:
# Debian's stock kernel) with a fresh swtpm and checks, in the guest, that
# the TPM is there and answers and that securityfs is mounted.  Prints "N passed, N failed".
#   tests/qemu/harness-test.sh [KERNEL]
set -u
. "$(dirname "$0")/lib.sh"
work=$(mktemp -d /tmp/cmq-harness.XXXXXX)
trap 'rm -rf "$work"' EXIT
kernel=${1:-}
if [ -z "$kernel" ]; then kernel=$(cmq_kernel_debian) || { echo "0 passed, 1 failed"; exit 1; }; fi
cat >"$work/test.sh" <<'G'
. /cmq/lib.sh
g_check "/dev/tpm0 exists" test -c /dev/tpm0
# TPM2_GetRandom(8): tag 0x8001, size 12, cc 0x17b, bytesRequested 8.
# A TPM2 answers tag 0x8001, size 20, rc 0.
# The response must be read on the descriptor that sent the command.
exec 3<>/dev/tpm0
printf '\200\001\000\000\000\014\000\000\001\173\000\010' >&3
rsp=$(dd bs=4096 count=1 <&3 2>/dev/null | hexdump -v -e '1/1 "%02x"')
exec 3>&-
case $rsp in
80010000001400000000*) g_ok "TPM2_GetRandom answered" ;;
*) g_fail "TPM2_GetRandom answered '$rsp'" ;;
esac
g_check "securityfs mounted" test -d /sys/kernel/security/lsm -o -f /sys/kernel/security/lsm
g_done
G
cmq_rootfs_new "$work/root" || exit 1
cmq_rootfs_script "$work/root" "$work/test.sh"
cmq_initramfs "$work/root" "$work/initrd.gz" || exit 1
start=$(date +%s.%N)
cmq_boot -k "$kernel" -i "$work/initrd.gz" -l "$work/console.log" -t 90
rc=$?
echo "# boot+test took $(echo "$(date +%s.%N) - $start" | bc) s"
cmq_results "$work/console.log" || { [ $rc -eq 0 ] && rc=1; }
[ $rc -eq 0 ] || { tail -n 30 "$work/console.log"; }
tr -d '\r' <"$work/console.log" | grep -E '^[0-9]+ passed, [0-9]+ failed' || echo "0 passed, 1 failed"
exit $rc
