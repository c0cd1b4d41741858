# The guest half of tests/qemu/audit-report.sh (busybox sh): booted in mode
# off with loglevel=4 (the audit lines stay off the console), the signer's
# key added, the mode raised to audit; unsigned files with awkward names are
# executed and mapped, then a burst that the LSM's rate limit (100 lines per
# 5 s) cuts, then, after the interval, one more line so the kernel says how
# many it suppressed.  The kernel log goes back to the host base64-encoded
# between KLOG-BEGIN and KLOG-END (its bytes exactly), with the growth of
# stats "denied" (DENIED N) that cmaudit's list must add up to.
. /cmq/lib.sh

g_begin_lsm
g_expect "signer certificate added to .cryptomark" ok cmt addkey "$(cat $cm/keyring)" /cmq/signer.der
g_expect "mode raised to audit" ok cmt write $cm/mode audit
d0=$(cmstat denied)
u=/cmq/u
for i in 1 2 3; do
	g_expect "unsigned binary runs in audit mode ($i)" ok cmt exec $u/plain
done
g_expect "name with a space" ok cmt exec "$u/with space"
g_expect "name with a quote" ok cmt exec "$u/quo\"te"
g_expect "name with a backslash" ok cmt exec "$u/back\\slash"
g_expect "name with a newline" ok cmt exec "$u/new
line"
g_expect "name with a tab" ok cmt exec "$u/$(printf 'tab\there')"
g_expect "UTF-8 name" ok cmt exec "$u/$(printf 'caf\303\251')"
g_expect "Latin-1 byte (not UTF-8)" ok cmt exec "$u/$(printf 'lat\351n')"
g_expect "DEL and an ESC byte" ok cmt exec "$u/$(printf 'del\177esc\033')"
g_expect "a name holding the path field" ok cmt exec "$u/x\" path=\"/ok"
g_expect "unsigned library mapped executable" ok cmt mmapx $u/lib.so
g_expect "tampered signed binary runs in audit mode" ok cmt exec $u/tampered
# A comm that holds the path field: the probe, renamed, execs as that comm.
g_expect "comm holding the path field" ok cmt exec "$u/c\" path=\"" exec $u/plain
g_expect "burst of 150 unsigned execs" ok cmt parexec 1 150 $u/burst
sleep 6
g_expect "one more after the rate-limit interval" ok cmt exec $u/plain
d1=$(cmstat denied)
echo "DENIED $((d1 - d0))"
echo KLOG-BEGIN
dmesg | base64
echo KLOG-END
g_done
