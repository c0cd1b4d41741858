#!/usr/bin/env bash
# Runs test programs and scripts, shows their output, and closes with one
# line totalling every suite: "N passed, N failed".  A suite's counts come
# from its own closing line (cmocka's summary or "N passed, N failed"); a
# suite that exits non-zero without reporting a failure counts as one.
set -u
logdir=${TEST_LOGDIR:-build/logs}
mkdir -p "$logdir"
total_pass=0 total_fail=0 bad_suites=()
for t in "$@"; do
	name=$(basename "$t")
	log="$logdir/$name.log"
	echo "=== $name"
	start=$(date +%s)
	if [[ $t == *.sh ]]; then
		bash "$t" >"$log" 2>&1
	else
		"$t" >"$log" 2>&1
	fi
	rc=$?
	cat "$log"
	p=0 f=0
	line=$(grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n1)
	if [ -n "$line" ]; then
		p=$(sed -E 's/^([A-Za-z-]+: )?([0-9]+) passed.*/\2/' <<<"$line")
		f=$(sed -E 's/^([A-Za-z-]+: )?[0-9]+ passed, ([0-9]+) failed.*/\2/' <<<"$line")
	else
		# cmocka: its summary may share a line with other output.
		p=$(grep -oE '\[  PASSED  \] [0-9]+ test' "$log" | awk '{s+=$4} END {print s+0}')
		f=$(grep -oE '\[  FAILED  \] [0-9]+ test' "$log" | awk '{s+=$4} END {print s+0}')
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "--- $name exited $rc without reporting a failure: counted as one"
	fi
	[ "$f" -ne 0 ] && bad_suites+=("$name")
	total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
	echo "--- $name: $p passed, $f failed ($(( $(date +%s) - start ))s)"
done
[ ${#bad_suites[@]} -gt 0 ] && echo "failing suites: ${bad_suites[*]}"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
