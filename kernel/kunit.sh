#!/bin/sh
# Boots build/kernel/bzImage under QEMU with no root filesystem: the
# built-in KUnit suites run during boot (only cryptomark's, by
# kunit.filter_glob), then the kernel panics for want of a root and QEMU
# exits.  Prints every cryptomark KTAP result and a closing
# "N passed, N failed" line; exit status 0 only if all passed and at least
# one ran.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
IMG=${1:-$ROOT/build/kernel/bzImage}
[ -r "$IMG" ] || { echo "kunit: $IMG missing (make kernel)" >&2; exit 1; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
timeout 300 qemu-system-x86_64 -m 256 -nographic -no-reboot -kernel "$IMG" \
	-append "console=ttyS0 panic=-1 printk.time=0 kunit.filter_glob=cryptomark*" \
	</dev/null 2>&1 | tr -d '\r' >"$log" || true
# KTAP: suites at column 0, cases indented 4, parameters indented 8.  A
# parameterised case ("    # Subtest: NAME") is counted by its parameters.
grep -E '^\s+(not )?ok [0-9]+ |^\s+# Subtest: |Expected|cryptomark_' "$log" |
	sed 's/^[[:space:]]*//' || true
counts=$(awk '
	/^        # Subtest: / { parent[$3] = 1 }
	/^[ \t]+(not )?ok [0-9]+ / {
		name = $0; sub(/^[ \t]*(not )?ok [0-9]+ /, "", name); sub(/ .*/, "", name)
		if (name in parent) next
		if ($1 == "not") f++; else p++
	}
	END { printf "%d %d", p, f }' "$log")
pass=${counts% *}
fail=${counts#* }
echo "$pass passed, $fail failed"
[ "$fail" = 0 ] && [ "$pass" -gt 0 ]
