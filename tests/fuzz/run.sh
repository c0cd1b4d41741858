#!/usr/bin/env bash
# Runs every libFuzzer target for FUZZ_TIME seconds, then closes with
# "N passed, N failed" (one per target).  A target's seeds are put together
# in build/fuzz/work-<target>/ at each run: the vectors of the parser it
# fuzzes (tests/vectors/<dir>/, every file but index.txt, see VECTORS
# below), so each run starts by replaying them, and the seeds that are not
# vectors, checked in under tests/fuzz/corpus/<target>/ (real files: system
# binaries, certificates, bundles, packages).
set -u
cd "$(dirname "$0")/../.." || exit 1
t=${FUZZ_TIME:-60}
# target -> directory of tests/vectors/ whose files seed it
declare -A VECTORS=([fuzz_elfnote]=elf [fuzz_sig]=sig [fuzz_rules]=rules)
pass=0 fail=0
for f in build/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	name=$(basename "$f")
	work=build/fuzz/work-$name
	rm -rf "$work"; mkdir -p "$work"
	[ -d "tests/fuzz/corpus/$name" ] && cp -r "tests/fuzz/corpus/$name/." "$work/"
	if [ -n "${VECTORS[$name]:-}" ]; then
		find "tests/vectors/${VECTORS[$name]}" -maxdepth 1 -type f \
			! -name index.txt -exec cp -t "$work/" {} +
	fi
	if [ -z "$(ls -A "$work")" ]; then
		echo "fuzz: $name has no seeds (tests/fuzz/corpus/$name or VECTORS)"
		fail=$((fail + 1)); continue
	fi
	echo "fuzz: $name for ${t}s from $(ls "$work" | wc -l) seeds"
	if "$f" -max_total_time="$t" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix=build/fuzz/ "$work" \
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
