#!/usr/bin/env bash
# In-guest benchmarks of the cryptomark LSM.
#
# 1. Warm exec overhead: fork+exec+wait loop of a signed static binary,
#    first with cryptomark.mode=off (as booted), then, after loading the key
#    and raising the mode to enforce, with the verdict cached.
#    Target: enforce / off <= 1.03.
# 2. Cold verification of a large signed binary (BIG_MB of extra section):
#    exec time with the verdict dropped (the signature xattr is set again
#    before each round, which drops the cached verdict) against `sha256sum`
#    of the same file in the guest, alternating round by round.
#    Target: <= 1.3.
#
# The guest runs once per clock, "icount" (guest time = instructions,
# blind to the host's load) and "wall" (plain TCG): see bench.sh.
#
#   tests/qemu/kernel-bench.sh [KERNEL]
# Environment: ITER (default 200), ROUNDS (5), BIG_MB (16), CLOCKS
# ("icount wall").
. "$(dirname "$0")/suite.sh"
. "$here/bench.sh"
BIG_MB=${BIG_MB:-16}
suite_begin bench cryptomark "$@"
st_keys "$work" || die "test keys"
st_base "$r" "$work" || die "base tree"
c=$r/cmq
cp "$q/hello" "$c/hello"
# The large binary: the static program plus BIG_MB of random bytes in a
# non-loaded section, so it still runs and every byte is hashed.
head -c $((BIG_MB << 20)) /dev/urandom >"$work/pad"
objcopy --add-section .cmpad="$work/pad" --set-section-flags .cmpad=noload,readonly \
	"$q/hello" "$c/big" || die "objcopy"
st_sign signer "$c/hello" "$c/big" || die "cmsign"
st_sigblob "$c/big" "$c/big.sig" || die "signature blob"
bench_pack "$here/guest/kernel-bench.sh"
echo "kernel-bench: kernel $kernel, $ITER execs x $ROUNDS rounds, big binary $(( $(stat -c %s "$c/big") >> 20 )) MB"

res=()
for clock in $CLOCKS; do
	bench_boot "$clock" 1024 'signatures|not booted|hello does|key not|enforce refused|signed hello|no figure'
	[ "$(sed -n 's/^bench: cold hashed=//p' "$work/figures")" = "$ROUNDS" ] ||
		die "$clock: the cold rounds did not each hash the big binary"
	off=$(bench_min 'warm off') enf=$(bench_min 'warm enforce')
	cold=$(bench_min 'cold exec') sha=$(bench_min 'sha256sum')
	w=$(bench_ratio "$enf" "$off") k=$(bench_ratio "$cold" "$sha")
	res+=("[$clock] warm exec overhead: enforce/off = $w ($((enf / 1000)) vs $((off / 1000)) us per fork+exec) — $(bench_verdict "$w" 1.03) target <= 1.03")
	res+=("[$clock] cold verification: exec/sha256sum = $k ($((cold / 1000000)) vs $((sha / 1000000)) ms, $BIG_MB MB) — $(bench_verdict "$k" 1.3) target <= 1.3")
done
printf '%s\n' "${res[@]}"
