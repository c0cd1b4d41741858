#!/usr/bin/env bash
# Shell start-up with the executability check (issue 13): `sh signed.sh` of
# an empty signed script, fork+exec+wait, verdicts cached, in enforce mode
# with SECBIT_EXEC_RESTRICT_FILE and SECBIT_EXEC_DENY_INTERACTIVE set and
# locked, for busybox ash with tests/qemu/patches/busybox-ash-execve-check.patch
# (one execveat(AT_EXECVE_CHECK) and one prctl per script) against the same
# busybox without it (tests/qemu/build-busybox.sh).  Rounds alternate
# between the two shells within one boot; each figure is the best of
# ROUNDS.  Target: check / plain <= 1.05.
#
# As kernel-bench.sh, the guest runs twice: "icount" (QEMU -icount
# shift=0, guest time = instructions, blind to the host's load) and "wall"
# (plain TCG).
#
#   tests/qemu/checkexec-bench.sh [KERNEL]
# Environment: ITER (default 200), ROUNDS (5), CLOCKS ("icount wall").
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/../lib.sh"
. "$here/stage.sh"
ITER=${ITER:-200}
ROUNDS=${ROUNDS:-5}
CLOCKS=${CLOCKS:-icount wall}
work=$(mktemp -d /tmp/cmq-cxb.XXXXXX)
trap 'rm -rf "$work"' EXIT
die() { echo "checkexec-bench: $*" >&2; exit 1; }

kernel=${1:-}
[ -n "$kernel" ] || kernel=$(cmq_kernel_cryptomark) || die "no kernel image"
q=$T_BUILD/qemu
r=$work/root
[ -x "$q/cmx" ] || die "$q/cmx missing: run 'make qemu-guest'"
bb=$("$here/build-busybox.sh") || die "building the shells"
st_keys "$work" || die "test keys"
st_base "$r" "$work" || die "base tree"
c=$r/cmq
for v in check plain; do
	mkdir -p "$r/opt/$v" && cp "$bb/busybox-$v" "$r/opt/$v/busybox" &&
		ln -s busybox "$r/opt/$v/sh" || die "staging the $v shell"
done
cp "$q/cmx" "$c/cmx"
: >"$c/empty.sh"
chmod 0755 "$c/empty.sh"
st_sign signer "$r/opt/check/busybox" "$r/opt/plain/busybox" "$c/cmx" \
	"$c/empty.sh" || die "cmsign"
cmq_rootfs_save_sigs "$r" >/dev/null || die "signatures"
cat >"$c/test.sh" <<G
ITER=$ITER ROUNDS=$ROUNDS
G
cat >>"$c/test.sh" <<'G'
cm=/sys/kernel/security/cryptomark
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
G
chmod +x "$c/test.sh"
cmq_initramfs "$r" "$work/initrd.gz" || die "initramfs"
echo "checkexec-bench: kernel $kernel, $ITER runs x $ROUNDS rounds per shell"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r <= t) ? "meets" : "MISSES" }'; }
res=()
for clock in $CLOCKS; do
	qargs=()
	[ "$clock" = icount ] && qargs=(-q -icount -q shift=0)
	log=$work/$clock.log
	cmq_boot -k "$kernel" -i "$work/initrd.gz" -l "$log" \
		-a "cryptomark.mode=off" -m 512 -t 900 "${qargs[@]}" || {
		tail -n 30 "$log"; die "$clock boot failed"; }
	tr -d '\r' <"$log" | grep '^bench: ' >"$work/figures"
	sed "s/^bench: /bench[$clock]: /" "$work/figures"
	grep -q '^bench: done' "$work/figures" || die "$clock: the guest did not finish"
	grep -qE 'bench: (signatures|key not|enforce refused|no figure)' "$work/figures" &&
		die "$clock: measurement setup failed (see above)"
	[ "$(sed -n 's/^bench: warm hashed=//p' "$work/figures")" = 0 ] ||
		die "$clock: a round hashed a file: the verdicts were not warm"
	min() { sed -n "s/^bench: $1 ns_per_run=\([0-9]*\)$/\1/p" "$work/figures" | sort -n | head -n1; }
	plain=$(min plain) check=$(min check)
	w=$(ratio "$check" "$plain")
	res+=("[$clock] shell start-up, sh empty.sh: check/plain = $w ($((check / 1000)) vs $((plain / 1000)) us per fork+exec) — $(verdict "$w" 1.05) target <= 1.05")
done
printf '%s\n' "${res[@]}"
