#!/usr/bin/env bash
# Warm exec overhead of a 50-rule policy (issue 13): fork+exec+wait of a
# signed static binary, verdicts cached, in enforce mode, first under the
# compiled-in default rules, then, in the same boot, after a signed 50-rule
# policy was loaded (7 op lines whose exec/mmap/mprotect/check rules name
# 16 key ids with the signer's last, 43 fs UUID rules).  QEMU -icount
# shift=0 (guest time = instructions executed), so the ratio is blind to
# the host's load.  Figure: median(policy) / median(default); target <= 1.01.
#
#   tests/qemu/rules-bench.sh [KERNEL]
# Environment: ITER (default 200), ROUNDS (7).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/../lib.sh"
. "$here/stage.sh"
ITER=${ITER:-200}
ROUNDS=${ROUNDS:-7}
work=$(mktemp -d /tmp/cmq-rbench.XXXXXX)
trap 'rm -rf "$work"' EXIT
die() { echo "rules-bench: $*" >&2; exit 1; }

kernel=${1:-}
[ -n "$kernel" ] || kernel=$(cmq_kernel_cryptomark) || die "no kernel image"
q=$T_BUILD/qemu
r=$work/root
st_keys "$work" || die "test keys"
st_base "$r" "$work" || die "base tree"
c=$r/cmq
cp "$q/hello" "$c/hello"
st_sign signer "$c/hello" || die "cmsign"
cmq_rootfs_save_sigs "$r" >/dev/null || die "signatures"

k=$(openssl x509 -in "$work/signer.pem" -noout -ext subjectKeyIdentifier | tail -n 1 | tr -d ' :\n')
sid=$(echo "${k: -8}" | tr A-F a-f)
keys=$(for i in $(seq 15); do printf '%08x,' $((0x10000000 + i)); done)$sid
{
	echo "version 1"
	for op in exec mmap mprotect check; do echo "op $op enforce key $keys"; done
	echo "op module audit"
	echo "op firmware enforce key any"
	echo "op kexec enforce key $sid"
	for i in $(seq 43); do printf 'fs %08x-1111-4222-8333-444455556666 exec,mmap\n' "$i"; done
} >"$work/p50.txt"
[ "$(grep -c . "$work/p50.txt")" = 51 ] || die "the policy is not 50 rules and a version"
"$CMKEYS" rules sign --sign-key "$work/signer.key" --sign-cert "$work/signer.pem" \
	-o "$c/p50.signed" "$work/p50.txt" >/dev/null || die "cmkeys rules sign"

cat >"$c/test.sh" <<G
ITER=$ITER ROUNDS=$ROUNDS
G
cat >>"$c/test.sh" <<'G'
cm=/sys/kernel/security/cryptomark
fig() {
	_o=$("$@")
	if ! echo "$_o" | grep -qx 'result=ok'; then
		echo "bench: no figure from $*: $(echo "$_o" | tr '\n' ' ')" >&2
		echo 0; return 1
	fi
	echo "$_o" | sed -n 's/^ns[a-z_]*=//p'
}
warm() {
	fig cmt bench "$ITER" /cmq/hello >/dev/null	# warm-up, discarded
	for _i in $(seq "$ROUNDS"); do
		echo "bench: warm $1 ns_per_exec=$(fig cmt bench "$ITER" /cmq/hello)"
	done
}
cmt applysigs /cmq/sigs.list | grep -q result=ok || echo "bench: signatures not applied"
cmt addkey "$(cat $cm/keyring)" /cmq/signer.der | grep -q result=ok || echo "bench: key not loaded"
cmt write $cm/lock 1 | grep -q result=ok || echo "bench: lock refused"
cmt write $cm/mode enforce | grep -q result=ok || echo "bench: enforce refused"
cmt exec /cmq/hello | grep -q result=ok || echo "bench: signed hello refused"
warm default
cmt writefile $cm/rules /cmq/p50.signed | grep -q result=ok || echo "bench: policy refused"
grep -qx 'version 1' $cm/rules || echo "bench: policy not active"
cmt exec /cmq/hello | grep -q result=ok || echo "bench: signed hello refused"
warm policy50
echo "bench: done"
G
chmod +x "$c/test.sh"
cmq_initramfs "$r" "$work/initrd.gz" || die "initramfs"
log=$work/icount.log
cmq_boot -k "$kernel" -i "$work/initrd.gz" -l "$log" -a "cryptomark.mode=off" \
	-m 1024 -t 900 -q -icount -q shift=0 || { tail -n 30 "$log"; die "boot failed"; }
tr -d '\r' <"$log" | grep '^bench: ' >"$work/figures"
cat "$work/figures"
grep -q '^bench: done' "$work/figures" || die "the guest did not finish"
grep -qE 'bench: (signatures|key not|lock refused|enforce refused|signed hello|policy|no figure)' \
	"$work/figures" && die "measurement setup failed (see above)"
med() { sed -n "s/^bench: warm $1 ns_per_exec=//p" "$work/figures" | sort -n |
	awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
d=$(med default) p=$(med policy50)
awk -v p="$p" -v d="$d" 'BEGIN { r = p / d; printf "[icount] warm exec, 50-rule policy / compiled-in default = %.4f (%d vs %d ns per fork+exec, medians of %s) — %s target <= 1.01\n", r, p, d, "'"$ROUNDS"'", (r <= 1.01) ? "meets" : "MISSES" }'
