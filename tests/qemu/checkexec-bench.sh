#!/usr/bin/env bash
# Shell start-up with the executability check: `sh signed.sh` of
# an empty signed script, fork+exec+wait, verdicts cached, in enforce mode
# with SECBIT_EXEC_RESTRICT_FILE and SECBIT_EXEC_DENY_INTERACTIVE set and
# locked, for busybox ash with tests/qemu/patches/busybox-ash-execve-check.patch
# (one execveat(AT_EXECVE_CHECK) and one prctl per script) against the same
# busybox without it (tests/qemu/build-busybox.sh).  Rounds alternate
# between the two shells within one boot; each figure is the best of
# ROUNDS.  Target: check / plain <= 1.05.
#
# The guest runs once per clock, "icount" and "wall": see bench.sh.
#
#   tests/qemu/checkexec-bench.sh [KERNEL]
# Environment: ITER (default 200), ROUNDS (5), CLOCKS ("icount wall").
. "$(dirname "$0")/suite.sh"
. "$here/bench.sh"
suite_begin cxbench cryptomark "$@"
suite_need cmx
st_keys "$work" || die "test keys"
st_base "$r" "$work" || die "base tree"
c=$r/cmq
st_shells "$r" >/dev/null || die "the shells"
cp "$q/cmx" "$c/cmx"
: >"$c/empty.sh"
chmod 0755 "$c/empty.sh"
st_sign signer "$r/opt/check/busybox" "$r/opt/plain/busybox" "$c/cmx" \
	"$c/empty.sh" || die "cmsign"
bench_pack "$here/guest/checkexec-bench.sh"
echo "checkexec-bench: kernel $kernel, $ITER runs x $ROUNDS rounds per shell"

res=()
for clock in $CLOCKS; do
	bench_boot "$clock" 512 'signatures|key not|enforce refused|no figure'
	[ "$(sed -n 's/^bench: warm hashed=//p' "$work/figures")" = 0 ] ||
		die "$clock: a round hashed a file: the verdicts were not warm"
	plain=$(bench_min plain) check=$(bench_min check)
	w=$(bench_ratio "$check" "$plain")
	res+=("[$clock] shell start-up, sh empty.sh: check/plain = $w ($((check / 1000)) vs $((plain / 1000)) us per fork+exec) — $(bench_verdict "$w" 1.05) target <= 1.05")
done
printf '%s\n' "${res[@]}"
