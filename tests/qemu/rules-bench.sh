#!/usr/bin/env bash
# Warm exec overhead of a 50-rule policy: fork+exec+wait of a
# signed static binary, verdicts cached, in enforce mode, first under the
# compiled-in default rules, then, in the same boot, after a signed 50-rule
# policy was loaded (7 op lines whose exec/mmap/mprotect/check rules name
# 16 key ids with the signer's last, 43 fs UUID rules).  QEMU -icount
# shift=0 (guest time = instructions executed), so the ratio is blind to
# the host's load.  Figure: median(policy) / median(default); target <= 1.01.
#
#   tests/qemu/rules-bench.sh [KERNEL]
# Environment: ITER (default 200), ROUNDS (7).  One clock, icount (bench.sh).
ROUNDS=${ROUNDS:-7}
CLOCKS=icount
. "$(dirname "$0")/suite.sh"
. "$here/bench.sh"
suite_begin rbench cryptomark "$@"
st_keys "$work" || die "test keys"
st_base "$r" "$work" || die "base tree"
c=$r/cmq
cp "$q/hello" "$c/hello"
st_sign signer "$c/hello" || die "cmsign"

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

bench_pack "$here/guest/rules-bench.sh"
bench_boot icount 1024 'signatures|key not|lock refused|enforce refused|signed hello|policy|no figure'
med() { sed -n "s/^bench: warm $1 ns_per_exec=//p" "$work/figures" | sort -n |
	awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
d=$(med default) p=$(med policy50)
awk -v p="$p" -v d="$d" 'BEGIN { r = p / d; printf "[icount] warm exec, 50-rule policy / compiled-in default = %.4f (%d vs %d ns per fork+exec, medians of %s) — %s target <= 1.01\n", r, p, d, "'"$ROUNDS"'", (r <= 1.01) ? "meets" : "MISSES" }'
