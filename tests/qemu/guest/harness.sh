# The guest half of tests/qemu/harness-test.sh (busybox sh): the TPM is
# there and answers TPM2_GetRandom, securityfs is mounted.
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
