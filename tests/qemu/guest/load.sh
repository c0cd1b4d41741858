# The guest half of tests/qemu/load-tests.sh (busybox sh, sourced helpers
# in /cmq/lib.sh).  Booted with cryptomark.mode=off: the controls first,
# then the signer's key added, the keyring locked, the mode raised, and
# each load must succeed or fail with its exact errno and audit line.
. /cmq/lib.sh
fwt=/sys/devices/virtual/misc/test_firmware/trigger_request
fwload() { printf '%s' "$1" >$fwt; }

g_begin_lsm

# Controls (mode off): everything loads.
g_expect "off: unsigned module loads (control)" ok cma finit-module /cmq/cmtest-unsigned.ko
g_check "... its init ran" sh -c "dmesg | grep -q 'cmtest: loaded'"
g_expect "off: and unloads" ok cma delete-module cmtest
g_expect "off: init_module of a buffer loads (control)" ok cma init-module /cmq/cmtest-x.ko
g_expect "off: and unloads" ok cma delete-module cmtest
g_check "off: unsigned firmware loads (control)" fwload cmtest-unsigned.bin
g_expect "off: kexec_file_load of an unsigned kernel (control)" ok cma kexec-file /cmq/bzImage-unsigned

cmt addkey "$(cat $cm/keyring)" /cmq/signer.der >/dev/null
g_expect "keyring locked" ok cmt write $cm/lock 1
g_expect "mode raised off -> enforce" ok cmt write $cm/mode enforce

# Modules.
g_expect "module signed in security.ima: finit_module loads it" ok cma finit-module /cmq/cmtest-x.ko
g_expect "... and it unloads" ok cma delete-module cmtest
g_expect "module signed in its ELF note: loads" ok cma finit-module /cmq/cmtest-note.ko
g_expect "... and it unloads" ok cma delete-module cmtest
g_expect "unsigned module: EACCES" EACCES cma finit-module /cmq/cmtest-unsigned.ko
g_check "... logged op=module reason=unsigned" \
	logged 'op=module reason=unsigned mode=enforce verdict=deny .*path="/cmq/cmtest-unsigned.ko"'
g_expect "tampered module (a byte appended after signing): EACCES" \
	EACCES cma finit-module /cmq/cmtest-tampered.ko
g_check "... logged reason=bad_signature" \
	logged 'op=module reason=bad_signature .*path="/cmq/cmtest-tampered.ko"'
g_expect "init_module of a signed module's bytes as a buffer: EACCES" \
	EACCES cma init-module /cmq/cmtest-x.ko
g_check "... logged op=module reason=no_file" logged 'op=module reason=no_file mode=enforce verdict=deny'
g_check "no refused module is loaded" sh -c "! grep -q '^cmtest ' /proc/modules"

# Firmware.
g_check "signed firmware file: loads" fwload cmtest-signed.bin
g_check "unsigned firmware file: the request fails" sh -c "! printf cmtest-unsigned.bin >$fwt"
g_check "... logged op=firmware reason=unsigned" \
	logged 'op=firmware reason=unsigned .*path="/lib/firmware/cmtest-unsigned.bin"'

# kexec.
g_expect "kexec_file_load of a signed kernel image: loads (then unloaded)" \
	ok cma kexec-file /cmq/bzImage-signed
g_expect "kexec_file_load of an unsigned kernel image: EACCES" \
	EACCES cma kexec-file /cmq/bzImage-unsigned
g_check "... logged op=kexec reason=unsigned" \
	logged 'op=kexec reason=unsigned .*path="/cmq/bzImage-unsigned"'
g_expect "kexec_load (segments from a buffer): EACCES" EACCES cma kexec-load
g_check "... logged op=kexec reason=no_file" logged 'op=kexec reason=no_file'
g_grep "stats count no_file denials" '^denied_no_file [1-9]' cat $cm/stats
g_done
