#!/usr/bin/env bash
# Self-test of the QEMU harness and a usage example: boots KERNEL (default:
# Debian's stock kernel) with a fresh swtpm and checks, in the guest, that
# the TPM is there and answers and that securityfs is mounted.  Prints "N passed, N failed".
#   tests/qemu/harness-test.sh [KERNEL]
. "$(dirname "$0")/suite.sh"
suite_begin harness debian "$@"
cmq_rootfs_new "$r" || fail "staging tree"
suite_guest -t 90 -n 30 "$here/guest/harness.sh"
t_done
