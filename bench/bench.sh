#!/bin/bash
# make bench: cmsign/cmverify against evmctl and the hash-bound ceiling on
# one page-cached tree of 3000 files (~1.2 GB, bench/tree.sh), in one run.
#
# Each timing is the best of BENCH_REPS runs (default 3), the same for
# every contender, so a neighbour's burst of CPU use does not decide a
# ratio.  Prints every figure, then each ratio against its target from
# issue 4; exits 1 if a target is missed.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
B=${B:-$ROOT/build}
CMSIGN=$B/cmsign
CMVERIFY=$B/cmverify
REPS=${BENCH_REPS:-3}
NCPU=$(nproc)
export WORK TREE CMSIGN CMVERIFY NCPU

for t in evmctl openssl /usr/bin/time xargs; do
	command -v "$t" >/dev/null || { echo "bench: $t is missing (make deps)" >&2; exit 1; }
done
[ -x "$CMSIGN" ] && [ -x "$CMVERIFY" ] || { echo "bench: build first (make all)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "bench: needs root (writes security.ima)" >&2; exit 1; }

# Other work on a shared machine (a kernel build) would otherwise take a
# bigger share from the multi-threaded contenders than from single-threaded
# evmctl; every contender runs at this same raised priority.  With
# autogroup scheduling, nice only orders tasks inside one session, so the
# session's autogroup gets the raised priority too (restored on exit).
renice -n "${BENCH_NICE:--10}" $$ >/dev/null
AG_OLD=
if [ -w /proc/$$/autogroup ]; then
	AG_OLD=$(sed -n 's/.* nice //p' /proc/$$/autogroup)
	echo "${BENCH_NICE:--10}" > /proc/$$/autogroup 2>/dev/null || AG_OLD=
fi
echo "bench: load average before the run: $(cut -d' ' -f1-3 /proc/loadavg), every contender at nice ${BENCH_NICE:--10}"

TREE=$("$HERE/tree.sh")
WORK=$(mktemp -d /tmp/cmbench.XXXXXX)
trap 'rm -rf "$WORK"; [ -z "$AG_OLD" ] || echo "$AG_OLD" > /proc/$$/autogroup' EXIT

# Keys with absolute paths: evmctl resolves --key relative to nothing else.
mkkey() {
	local name=$1; shift
	openssl req -x509 "$@" -nodes -days 2 -subj "/CN=cryptomark bench $name" \
		-addext "keyUsage=critical,digitalSignature" \
		-keyout "$WORK/$name.key" -out "$WORK/$name.pem" 2>/dev/null
	openssl x509 -in "$WORK/$name.pem" -outform der -out "$WORK/$name.der"
}
mkkey rsa -newkey rsa:2048
mkkey p256 -newkey ec -pkeyopt ec_paramgen_curve:P-256

files=$(find "$TREE" -type f | wc -l)
bytes=$(du -sb "$TREE" | cut -f1)
find "$TREE" -type f -print0 > "$WORK/files0"

# Page-cache the tree, so every contender reads from memory.
xargs -0 cat < "$WORK/files0" > /dev/null

# best_of NAME CMD...: runs CMD REPS times, records the best wall time and
# the CPU time (user + sys, children included) of that run.  The CPU figure
# is printed for context: on a shared machine it is the noise-free one.
declare -A T C
best_of() {
	local name=$1; shift
	local best="" cpu="" d c i
	export -f "$1"
	for ((i = 0; i < REPS; i++)); do
		/usr/bin/time -f '%e %U %S' -o "$WORK/t" bash -c '"$@"' _ "$@" \
			> "$WORK/out" 2>&1 || { echo "bench: $name failed:" >&2; tail -5 "$WORK/out" >&2; exit 1; }
		read -r d u s < "$WORK/t"
		c=$(echo "$u + $s" | bc -l)
		if [ -z "$best" ] || [ "$(echo "$d < $best" | bc -l)" = 1 ]; then best=$d; cpu=$c; fi
	done
	T[$name]=$best
	C[$name]=$cpu
	printf '  %-34s %8.2f s wall %8.2f s CPU\n' "$name" "$best" "$cpu"
}

ceiling() { xargs -0 -P"$NCPU" -n 100 openssl dgst -sha256 < "$WORK/files0" > /dev/null; }
evm_sign() { evmctl ima_sign --key "$WORK/$1.key" -a sha256 -r "$TREE"; }
evm_verify() {
	# evmctl reports on stderr; a file that fails makes xargs exit 123.
	xargs -0 -n 500 evmctl ima_verify --key "$WORK/$1.der" < "$WORK/files0" 2>&1 |
		grep -c 'verification is OK' > "$WORK/evm_ok" || true
}
cm_sign() { "$CMSIGN" -q -r --key "$WORK/$1.key" --cert "$WORK/$1.pem" "$TREE"; }
cm_verify() { "$CMVERIFY" -q -r --carrier xattr --cert "$WORK/$1.pem" "$TREE" > /dev/null; }

echo "cryptomark bench: $files files, $((bytes / 1000000)) MB, $NCPU CPUs, best of $REPS"
# How much parallelism the machine gives right now: with other work running
# the multi-threaded contenders cannot reach NCPU x, and the verify ratio,
# whose two sides do the same CPU work, is 1 / (this scaling) at best.
sp1=$(openssl speed -seconds 1 -evp sha256 -bytes 65536 2>/dev/null | awk '/^sha256/ {print $2}' | tr -d k)
spn=$(openssl speed -seconds 1 -multi "$NCPU" -evp sha256 -bytes 65536 2>/dev/null | awk '/^sha256/ {print $2}' | tr -d k)
printf '  sha256: %.0f MB/s on one core, %.2fx that on %d (openssl speed)\n' \
	"$(echo "$sp1 / 1000" | bc -l)" "$(echo "$spn / $sp1" | bc -l)" "$NCPU"
best_of "ceiling (openssl dgst -P$NCPU)" ceiling
best_of "evmctl ima_sign -r RSA-2048" evm_sign rsa
best_of "cmsign -r RSA-2048" cm_sign rsa
best_of "evmctl ima_sign -r P-256" evm_sign p256
best_of "evmctl ima_verify P-256 (xargs)" evm_verify p256
evm_ok=$(cat "$WORK/evm_ok")
best_of "cmsign -r P-256" cm_sign p256
best_of "cmverify -r P-256" cm_verify p256

# The tree now carries cmsign's P-256 signatures: both verifiers must agree.
evm_verify p256
cm_ok=$("$CMVERIFY" -r --carrier xattr --cert "$WORK/p256.pem" "$TREE" 2>/dev/null | grep -c ': ok (' || true)
evm_ok2=$(cat "$WORK/evm_ok")
echo "  verified: cmverify $cm_ok/$files, evmctl $evm_ok2/$files (cmsign's signatures), evmctl $evm_ok/$files (its own)"

/usr/bin/time -v "$CMSIGN" -q -r --key "$WORK/p256.key" --cert "$WORK/p256.pem" "$TREE" 2> "$WORK/time.out"
rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.out")
printf '  %-34s %8.1f MB\n' "cmsign -r peak RSS" "$(echo "$rss_kb / 1024" | bc -l)"

# Linearity: the same work on half the tree (15 of the 30 directories).
half=("$TREE"/d{0..14})
half_files=$(find "${half[@]}" -type f | wc -l)
cm_sign_half() { "$CMSIGN" -q -r --key "$WORK/p256.key" --cert "$WORK/p256.pem" "$TREE"/d{0..14}; }
best_of "cmsign -r P-256, half the tree" cm_sign_half
/usr/bin/time -v "$CMSIGN" -q -r --key "$WORK/p256.key" --cert "$WORK/p256.pem" "${half[@]}" 2> "$WORK/time.out"
rss_half_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.out")
printf '  %-34s %8.1f MB\n' "cmsign -r peak RSS, half the tree" "$(echo "$rss_half_kb / 1024" | bc -l)"
printf '  linearity: %d/%d files take %.2f of the time, %.2f of the peak RSS\n' \
	"$half_files" "$files" "$(echo "${T[cmsign -r P-256, half the tree]} / ${T[cmsign -r P-256]}" | bc -l)" \
	"$(echo "$rss_half_kb / $rss_kb" | bc -l)"

# ELF-note embedding (issue 3): what the note carrier adds per MB over the
# xattr carrier, on the ELF files of a third of the tree (a private copy:
# embedding rewrites the files).  Both contenders sign the same bytes; the
# note run also writes a temporary file, fsyncs and renames each one.
NT=$WORK/note-tree
mkdir -p "$NT"
find "$TREE"/d{0..9} -type f -print0 | while IFS= read -r -d '' f; do
	if [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ]; then cp -p "$f" "$NT/${f//\//_}"; fi
done
note_files=$(find "$NT" -type f | wc -l)
note_bytes=$(du -sb "$NT" | cut -f1)
cp -a "$NT" "$WORK/note-orig"
reset_nt() { rm -rf "$NT" && cp -a "$WORK/note-orig" "$NT" && xargs -0 cat < <(find "$NT" -type f -print0) > /dev/null; }
# best_of cannot reset between repetitions: time each run here.
note_best() {
	local best="" i d
	for ((i = 0; i < REPS; i++)); do
		reset_nt
		/usr/bin/time -f '%e' -o "$WORK/t" "$CMSIGN" -q -r --carrier "$1" \
			--key "$WORK/p256.key" --cert "$WORK/p256.pem" "$NT" > /dev/null 2>&1 ||
			{ echo "bench: cmsign --carrier $1 failed" >&2; exit 1; }
		d=$(cat "$WORK/t")
		if [ -z "$best" ] || [ "$(echo "$d < $best" | bc -l)" = 1 ]; then best=$d; fi
	done
	echo "$best"
}
t_nx=$(note_best xattr)
t_nn=$(note_best note)
"$CMVERIFY" -q -r --carrier note --cert "$WORK/p256.pem" "$NT" > /dev/null ||
	{ echo "bench: note-signed tree does not verify" >&2; exit 1; }
printf '  %-34s %8.2f s wall (%d ELF files, %d MB)\n' "cmsign -r --carrier xattr" "$t_nx" "$note_files" "$((note_bytes / 1000000))"
printf '  %-34s %8.2f s wall\n' "cmsign -r --carrier note" "$t_nn"
printf '  note embedding adds %.2f ms per MB (%.2f ms per file)\n' \
	"$(echo "($t_nn - $t_nx) * 1000 * 1000000 / $note_bytes" | bc -l)" \
	"$(echo "($t_nn - $t_nx) * 1000 / $note_files" | bc -l)"

missed=0
# check LABEL VALUE LIMIT
check() {
	local ok
	ok=$(echo "$2 <= $3" | bc -l)
	printf '%-44s %6.3f  (target <= %s)  %s\n' "$1" "$2" "$3" "$([ "$ok" = 1 ] && echo met || echo MISSED)"
	[ "$ok" = 1 ] || missed=1
}
r() { echo "scale=4; $1 / $2" | bc -l; }
echo
check "cmsign RSA-2048 / evmctl ima_sign" "$(r "${T[cmsign -r RSA-2048]}" "${T[evmctl ima_sign -r RSA-2048]}")" 0.30
check "cmsign P-256 / evmctl ima_sign" "$(r "${T[cmsign -r P-256]}" "${T[evmctl ima_sign -r P-256]}")" 0.30
check "cmsign P-256 / hash ceiling" "$(r "${T[cmsign -r P-256]}" "${T[ceiling (openssl dgst -P$NCPU)]}")" 1.25
check "cmverify / evmctl ima_verify" "$(r "${T[cmverify -r P-256]}" "${T[evmctl ima_verify P-256 (xargs)]}")" 0.50
check "cmsign peak RSS (MB)" "$(echo "scale=2; $rss_kb / 1024" | bc -l)" 64
[ "$cm_ok" = "$files" ] && [ "$evm_ok2" = "$files" ] || { echo "bench: not every file verified"; missed=1; }
exit $missed
