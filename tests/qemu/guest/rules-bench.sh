# The guest half of tests/qemu/rules-bench.sh (busybox sh): warm execs in
# enforce under the compiled-in default rules, then under the signed
# 50-rule policy /cmq/p50.signed.  Prints "bench: " lines; /cmq/bench.env
# holds ITER and ROUNDS.
. /cmq/lib.sh
. /cmq/bench.env
cmt applysigs /cmq/sigs.list | grep -q result=ok || echo "bench: signatures not applied"
cmt addkey "$(cat $cm/keyring)" /cmq/signer.der | grep -q result=ok || echo "bench: key not loaded"
cmt write $cm/lock 1 | grep -q result=ok || echo "bench: lock refused"
cmt write $cm/mode enforce | grep -q result=ok || echo "bench: enforce refused"
cmt exec /cmq/hello | grep -q result=ok || echo "bench: signed hello refused"
b_warm default
cmt writefile $cm/rules /cmq/p50.signed | grep -q result=ok || echo "bench: policy refused"
grep -qx 'version 1' $cm/rules || echo "bench: policy not active"
cmt exec /cmq/hello | grep -q result=ok || echo "bench: signed hello refused"
b_warm policy50
echo "bench: done"
