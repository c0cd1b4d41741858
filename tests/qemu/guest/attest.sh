# shellcheck shell=sh
# The guest half of tests/qemu/attest-tests.sh (busybox sh, helpers in
# /cmq/lib.sh).  Booted with cryptomark.mode=off and a fresh swtpm: the
# signer's key is added, the keyring locked, the mode raised to audit; an
# old quote is taken, signed programs (both carriers) and one unsigned
# program run, then the AK, a fresh quote, the log and the PCRs go to the
# host as base64 blocks ("cmq-b64 NAME" ... "cmq-b64-end", with their
# sha256).  After the dump: re-measurement of a changed file, a module and
# a firmware file measured, enforce mode.
. /cmq/lib.sh
cm=/sys/kernel/security/cryptomark
T=device:/dev/tpmrm0
ml=$cm/ascii_runtime_measurements
count() { cat $cm/runtime_measurements_count; }
entry() { grep -E " $1 ?" $ml | grep -cE "^11 [0-9a-f]{40} ima-sig sha256:[0-9a-f]{64} $1 $2\$"; }
b64() {
	echo "cmq-b64 $1 $(sha256sum <"$2" | cut -d' ' -f1)"
	base64 <"$2"
	echo "cmq-b64-end"
}

g_expect "signatures restored on the tmpfs root" ok cmt applysigs /cmq/sigs.list
if [ ! -r $cm/binary_runtime_measurements ]; then
	g_fail "no $cm/binary_runtime_measurements: the kernel does not measure"
	g_done; exit 1
fi
for f in binary_runtime_measurements ascii_runtime_measurements \
	runtime_measurements_count measurement; do
	g_grep "$f is root's, mode 0400" '^400 0 0$' stat -c '%a %u %g' $cm/$f
done
g_grep "measurement state: PCR 11, a TPM, not full" \
	'^pcr 11 tpm 1 .* full 0 not_logged 0 tpm_errors 0$' sh -c "tr '\n' ' ' <$cm/measurement | sed 's/ \$//'"
g_grep "mode off: only boot_aggregate is in the list" '^1$' count
g_grep "entry 0: boot_aggregate, sha256, no signature" \
	'^11 [0-9a-f]{40} ima-sig sha256:[0-9a-f]{64} boot_aggregate $' head -n1 $ml

cmt addkey "$(cat $cm/keyring)" /cmq/signer.der >/dev/null
g_expect "keyring locked" ok cmt write $cm/lock 1
g_expect "mode raised off -> audit" ok cmt write $cm/mode audit

g_check "old quote (a nonce from an earlier challenge)" \
	cmattest quote --tcti $T --nonce "$(cat /cmq/nonce-old)" --out /tmp/old.quote
g_grep "signed program (security.ima) runs" '^hello from /cmq/hello-x$' /cmq/hello-x
g_grep "signed program (ELF note) runs" '^hello from /cmq/hello-note$' /cmq/hello-note
g_grep "unsigned program runs in audit mode" '^hello from /cmq/hello-unsigned$' /cmq/hello-unsigned
g_grep "... and audit logged it" 'op=exec reason=unsigned mode=audit verdict=allow .*hello-unsigned' dmesg
n=$(count)
/cmq/hello-x >/dev/null; /cmq/hello-unsigned >/dev/null
g_grep "a second run measures nothing (cached verdict): still $n entries" "^$n\$" count
g_grep "hello-x: one entry, an IMA v2 sha256 signature" '^1$' \
	entry /cmq/hello-x '030204[0-9a-f]{8}[0-9a-f]{4}[0-9a-f]+'
g_grep "hello-note: one entry, the note's signature" '^1$' \
	entry /cmq/hello-note '030204[0-9a-f]{8}[0-9a-f]{4}[0-9a-f]+'
g_grep "hello-unsigned: one entry, empty signature" '^1$' entry /cmq/hello-unsigned ''
g_grep "hello-x's entry holds its sha256 (what sha256sum prints)" \
	"sha256:$(sha256sum /cmq/hello-x | cut -d' ' -f1) /cmq/hello-x " cat $ml
g_grep "hello-unsigned's entry holds its sha256" \
	"sha256:$(sha256sum /cmq/hello-unsigned | cut -d' ' -f1) /cmq/hello-unsigned \$" cat $ml
g_grep "the binary list is as long as the count says" "^$(count)\$" \
	sh -c "grep -c . $ml"

g_check "AK exported" cmattest ak --tcti $T --out /tmp/ak.pem
g_check "quote with the verifier's nonce" \
	cmattest quote --tcti $T --nonce "$(cat /cmq/nonce)" --out /tmp/new.quote
cat $cm/binary_runtime_measurements >/tmp/log.bin
for i in 0 1 2 3 4 5 6 7 11; do
	printf '%s ' "$i"; cat /sys/class/tpm/tpm0/pcr-sha256/$i
done >/tmp/pcrs
g_grep "PCRs read from sysfs" '^11 [0-9A-Fa-f]{64}$' tail -n1 /tmp/pcrs
b64 ak.pem /tmp/ak.pem
b64 old.quote /tmp/old.quote
b64 new.quote /tmp/new.quote
b64 log.bin /tmp/log.bin
b64 pcrs /tmp/pcrs
b64 ascii /sys/kernel/security/cryptomark/ascii_runtime_measurements

# After the dump: a changed file is measured again.
cp /cmq/hello-unsigned /tmp/u
n=$(count)
/tmp/u >/dev/null
g_grep "a new file: one more entry" "^$((n + 1))\$" count
printf '\0' >>/tmp/u
/tmp/u >/dev/null
g_grep "the same file changed: one more entry, its new digest" \
	"sha256:$(sha256sum /tmp/u | cut -d' ' -f1) /tmp/u \$" cat $ml
g_grep "... count $((n + 2))" "^$((n + 2))\$" count
g_expect "a signed module loads (audit mode)" ok cma finit-module /cmq/cmtest.ko
g_grep "... measured: op module, its signature" '^1$' entry /cmq/cmtest.ko '030204[0-9a-f]+'
cma delete-module cmtest >/dev/null
g_check "a signed firmware file loads" sh -c \
	"printf cmtest-signed.bin >/sys/devices/virtual/misc/test_firmware/trigger_request"
g_grep "... measured: op firmware, its signature" '^1$' entry /lib/firmware/cmtest-signed.bin '030204[0-9a-f]+'
g_expect "mode raised audit -> enforce" ok cmt write $cm/mode enforce
printf '\0' >>/tmp/u
g_expect "enforce: the changed unsigned file is refused" EACCES cmt exec /tmp/u
g_grep "... and measured all the same (evaluated: in the list)" \
	"sha256:$(sha256sum /tmp/u | cut -d' ' -f1) /tmp/u \$" cat $ml
g_grep "the list replays to PCR 11 (no TPM error)" '^tpm_errors 0$' cat $cm/measurement
g_done
