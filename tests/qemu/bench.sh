# shellcheck shell=bash
# tests/qemu/bench.sh: what the in-guest benchmarks (kernel-bench.sh,
# checkexec-bench.sh) share; source after suite.sh.  The guest runs once
# per clock in CLOCKS:
#   "icount": QEMU -icount shift=0, guest time = instructions executed
#     (1 ns each): deterministic, blind to the host's load, what a few
#     percent need on a shared 2-core machine where TCG wall time swings by
#     20% within seconds; a vector instruction counts as one;
#   "wall": plain TCG, guest time = host time: noisy, but real time.
# Each figure is the best of ROUNDS rounds of ITER runs.
#
#   die MSG               "NAME: MSG" on stderr, exit 1 (NAME: the bench)
#   bench_pack SCRIPT     SCRIPT as the guest's test, /cmq/bench.env with
#                         ITER and ROUNDS, signatures saved, packed into
#                         $work/bench.initrd.gz
#   bench_boot CLOCK MEM SETUP_FAILED
#                         one boot under CLOCK with MEM MB; the guest's
#                         "bench: " lines into $work/figures, printed as
#                         "bench[CLOCK]: "; dies if the guest did not reach
#                         "bench: done" or printed a line matching
#                         SETUP_FAILED (grep -E after "bench: ")
#   bench_min WHAT        the smallest N of the lines "bench: WHAT...=N"
#   bench_ratio A B       A / B, three decimals
#   bench_verdict R T     "meets" if R <= T, else "MISSES"
ITER=${ITER:-200}
ROUNDS=${ROUNDS:-5}
CLOCKS=${CLOCKS:-icount wall}
BENCH_NAME=$(basename "$0" .sh)

die() { echo "$BENCH_NAME: $*" >&2; exit 1; }

bench_pack() {
	cmq_rootfs_script "$r" "$1" || die "guest script $1"
	printf 'ITER=%s ROUNDS=%s\n' "$ITER" "$ROUNDS" >"$r/cmq/bench.env"
	cmq_rootfs_save_sigs "$r" >/dev/null || die "signatures"
	cmq_initramfs "$r" "$work/bench.initrd.gz" || die "initramfs"
}

bench_boot() {
	local clock=$1 mem=$2 bad=$3 qargs=() log=$work/$1.log
	[ "$clock" = icount ] && qargs=(-q -icount -q shift=0)
	cmq_boot -k "$kernel" -i "$work/bench.initrd.gz" -l "$log" \
		-a "cryptomark.mode=off" -m "$mem" -t 900 "${qargs[@]}" || {
		tail -n 30 "$log"; die "$clock boot failed"; }
	tr -d '\r' <"$log" | grep '^bench: ' >"$work/figures"
	sed "s/^bench: /bench[$clock]: /" "$work/figures"
	grep -q '^bench: done' "$work/figures" || die "$clock: the guest did not finish"
	grep -qE "^bench: ($bad)" "$work/figures" &&
		die "$clock: measurement setup failed (see above)"
	return 0
}

bench_min() {
	sed -n "s/^bench: $1.*=\([0-9]*\)$/\1/p" "$work/figures" | sort -n | head -n1
}

bench_ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
bench_verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r <= t) ? "meets" : "MISSES" }'; }
