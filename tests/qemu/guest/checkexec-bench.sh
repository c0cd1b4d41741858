# The guest half of tests/qemu/checkexec-bench.sh (busybox sh): in
# enforce mode, rounds of `SHELL /cmq/empty.sh` alternating between the
# patched and the plain shell, under both securebits, locked.  Prints
# "bench: " lines; /cmq/bench.env holds ITER and ROUNDS.
. /cmq/lib.sh
. /cmq/bench.env
# fig SHELL: ns per `SHELL /cmq/empty.sh`, under both securebits, locked.
fig() {
	_o=$(cmx setbits 0xf00 /cmq/cmx bench "$ITER" "$1" /cmq/empty.sh)
	if ! echo "$_o" | grep -qx 'result=ok'; then
		echo "bench: no figure from $1: $(echo "$_o" | tr '\n' ' ')" >&2
		echo 0; return 1
	fi
	echo "$_o" | sed -n 's/^ns_per_run=//p'
}
cmt applysigs /cmq/sigs.list | grep -q result=ok || echo "bench: signatures not applied"
cmt addkey "$(cat $cm/keyring)" /cmq/signer.der | grep -q result=ok ||
	echo "bench: key not loaded"
cmt write $cm/mode enforce | grep -q result=ok || echo "bench: enforce refused"
# Warm-up, discarded: verdicts cached, TCG's translations made.
fig /opt/plain/sh >/dev/null
fig /opt/check/sh >/dev/null
h0=$(sed -n 's/^hashed //p' $cm/stats)
for _i in $(seq "$ROUNDS"); do
	echo "bench: plain ns_per_run=$(fig /opt/plain/sh)"
	echo "bench: check ns_per_run=$(fig /opt/check/sh)"
done
h1=$(sed -n 's/^hashed //p' $cm/stats)
echo "bench: warm hashed=$((h1 - h0))"
echo "bench: done"
