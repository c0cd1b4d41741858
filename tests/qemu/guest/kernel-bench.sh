# The guest half of tests/qemu/kernel-bench.sh (busybox sh): warm execs
# in mode off, then in enforce (verdicts cached), then cold executions of
# the big binary (its signature set again each round) against sha256sum.
# Prints "bench: " lines; /cmq/bench.env holds ITER and ROUNDS.
. /cmq/lib.sh
. /cmq/bench.env
cmt applysigs /cmq/sigs.list | grep -q result=ok || echo "bench: signatures not applied"
grep -qx off $cm/mode || echo "bench: not booted in mode off"
cmt exec /cmq/hello | grep -q result=ok || echo "bench: hello does not run"
b_warm off
cmt addkey "$(cat $cm/keyring)" /cmq/signer.der | grep -q result=ok ||
	echo "bench: key not loaded"
cmt write $cm/mode enforce | grep -q result=ok || echo "bench: enforce refused"
cmt exec /cmq/hello | grep -q result=ok || echo "bench: signed hello refused"
b_warm enforce
h0=$(sed -n 's/^hashed //p' $cm/stats)
sha256=$(which sha256sum)
for i in $(seq "$ROUNDS"); do
	cmt setsig /cmq/big /cmq/big.sig >/dev/null
	echo "bench: cold exec ns=$(b_fig cmt timeexec /cmq/big)"
	echo "bench: sha256sum ns=$(b_fig cmt timeexec "$sha256" /cmq/big)"
done
h1=$(sed -n 's/^hashed //p' $cm/stats)
echo "bench: cold hashed=$((h1 - h0))"
echo "bench: stats $(tr '\n' ' ' <$cm/stats)"
echo "bench: done"
