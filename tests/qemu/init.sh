#!/bin/sh
# /init of the cryptomark test initramfs (tests/qemu/lib.sh): mount the
# pseudo filesystems the tests read, run /cmq/test.sh, say so, power off.
# The "cmq: guest done" line tells the host the script ran to its end.
export PATH=/cmq:/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
# devtmpfs gives /dev/tpm0 and /dev/tpmrm0 without knowing their majors.
mount -t devtmpfs devtmpfs /dev 2>/dev/null ||
	echo "cmq: no devtmpfs (CONFIG_DEVTMPFS); /dev has only console and null"
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null ||
	echo "cmq: no securityfs (CONFIG_SECURITYFS)"
mkdir -p /dev/shm && mount -t tmpfs tmpfs /dev/shm 2>/dev/null
cd /cmq || exit 1
echo "cmq: guest up, kernel $(uname -r), cmdline: $(cat /proc/cmdline)"
if [ -x /cmq/test.sh ]; then
	sh /cmq/test.sh
	rc=$?
else
	echo "cmq: no /cmq/test.sh"
	rc=1
fi
echo "cmq: guest done rc=$rc"
sync
poweroff -f
# Only reached if poweroff itself was refused (e.g. an unsigned busybox
# under enforce): -no-reboot turns the panic into a QEMU exit.
echo "cmq: poweroff failed"
exit 1
