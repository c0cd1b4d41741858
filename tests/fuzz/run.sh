#!/usr/bin/env bash
# Runs every libFuzzer target for FUZZ_TIME seconds on a copy of its
# checked-in corpus (tests/fuzz/corpus/<target>/), then replays the
# malformed vectors.  Closes with "N passed, N failed" (one per target).
set -u
cd "$(dirname "$0")/../.."
t=${FUZZ_TIME:-60}
pass=0 fail=0
for f in build/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	name=$(basename "$f")
	seed=tests/fuzz/corpus/$name
	work=build/fuzz/work-$name
	rm -rf "$work"; mkdir -p "$work" "$seed"
	cp -r "$seed/." "$work/" 2>/dev/null
	echo "fuzz: $name for ${t}s"
	if "$f" -max_total_time="$t" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix=build/fuzz/ "$work" "$seed" \
		>"build/fuzz/$name.log" 2>&1; then
		pass=$((pass + 1))
		grep -E 'stat::number_of_executed_runs|INFO: .*corpus' "build/fuzz/$name.log" | tail -2
	else
		fail=$((fail + 1))
		tail -40 "build/fuzz/$name.log"
	fi
done
if [ $((pass + fail)) -eq 0 ]; then
	echo "no fuzz targets built"; fail=1
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
