# shellcheck shell=sh
# The second boot of tests/qemu/attest-tests.sh: no TPM, and
# cryptomark.log_max=64K.  Without a TPM the list still fills (nothing is
# extended, boot_aggregate all zeros, "tpm 0"); past its memory limit one
# "log_full" entry is added and nothing more is measured, while the LSM
# goes on deciding (audit, then enforce).
. /cmq/lib.sh
cm=/sys/kernel/security/cryptomark
ml=$cm/ascii_runtime_measurements
count() { cat $cm/runtime_measurements_count; }
state() { sed -n "s/^$1 //p" $cm/measurement; }

g_expect "signatures restored on the tmpfs root" ok cmt applysigs /cmq/sigs.list
g_check "no TPM in this guest" test ! -e /dev/tpm0
g_grep "measurement state: tpm 0, limit 65536 bytes" '^tpm 0 max_bytes 65536$' \
	sh -c "echo tpm \$(sed -n 's/^tpm //p' $cm/measurement) max_bytes \$(sed -n 's/^max_bytes //p' $cm/measurement)"
g_grep "no TPM: boot_aggregate is all zeros" \
	"^11 [0-9a-f]{40} ima-sig sha256:0{64} boot_aggregate \$" head -n1 $ml
cmt addkey "$(cat $cm/keyring)" /cmq/signer.der >/dev/null
g_expect "keyring locked" ok cmt write $cm/lock 1
g_expect "mode raised off -> audit" ok cmt write $cm/mode audit
g_grep "no TPM: files are measured all the same" '^hello from /cmq/hello-x$' /cmq/hello-x
g_grep "... hello-x is in the list" ' /cmq/hello-x 030204' cat $ml

# An unprivileged user could do this: distinct files, each executed once.
mkdir -p /tmp/many
i=0
while [ $i -lt 1000 ] && [ "$(state full)" = 0 ]; do
	printf '#!/bin/sh\n# %d\n' $i >/tmp/many/s$i
	chmod 0755 /tmp/many/s$i
	/tmp/many/s$i
	i=$((i + 1))
done
echo "# log full after $i new files, $(count) entries, $(state bytes) bytes"
g_grep "the list became full" '^1$' state full
g_grep "... its last entry is log_full, digest all zeros, no signature" \
	"^11 [0-9a-f]{40} ima-sig sha256:0{64} log_full \$" tail -n1 $ml
g_grep "... announced on the console" 'measurement list full' dmesg
g_check "... within the limit (bytes <= 65536)" test "$(state bytes)" -le 65536
n=$(count)
nl=$(state not_logged)
printf '#!/bin/sh\necho still runs\n' >/tmp/late
chmod 0755 /tmp/late
g_grep "full: a new file still runs (audit mode)" '^still runs$' /tmp/late
g_grep "... and is not logged: still $n entries" "^$n\$" count
g_grep "... counted in not_logged" "^$((nl + 1))\$" state not_logged
g_expect "mode raised audit -> enforce" ok cmt write $cm/mode enforce
g_expect "full, enforce: a signed program runs" ok cmt exec /cmq/hello-x
printf '#!/bin/sh\necho must not run\n' >/tmp/late2
chmod 0755 /tmp/late2
g_expect "full, enforce: an unsigned one is refused" EACCES cmt exec /tmp/late2
g_grep "no TPM: no TPM error either" '^0$' state tpm_errors
g_done
