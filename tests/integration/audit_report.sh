#!/usr/bin/env bash
# cmaudit (issue 10, the audit dry run) on kernel log text: the real log of
# a QEMU boot in audit mode (tests/integration/audit/qemu-audit.log, kept
# from tests/qemu/audit-report.sh: awkward names, a burst the rate limit
# cut; also as util-linux dmesg prints it, dmesg-{C,Tx,r}.log), real lines of the demo boot in enforce mode, and hand-made logs in
# each wrapper (dmesg and its -T/-x/-r forms, journalctl -k and -o cat,
# kern.log, a serial console, audit.log records), with the quoting cases
# the kernel's %pE and dmesg's \xHH produce, other messages between, the
# rate-limit marker, console drops, journalctl's blob data and hostile
# look-alikes.  Each case's stdout and stderr are compared with diff to
# audit/CASE.out and audit/CASE.err, its exit status to the table.
source "$(dirname "$0")/../lib.sh"
CMAUDIT=${CMAUDIT:-$T_BUILD/cmaudit}
A=$T_ROOT/tests/integration/audit
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
[ -x "$CMAUDIT" ] || { t_fail "$CMAUDIT missing: run 'make all'"; t_done; exit 1; }

# case | exit status | arguments (files relative to audit/)
cases=(
	"qemu-audit|1|qemu-audit.log"
	"qemu-audit-json|1|--json qemu-audit.log"
	"demo-enforce|0|--mode enforce demo-kernel.log"
	"demo-audit|0|demo-kernel.log"
	"dmesg|0|dmesg.log"
	"dmesg-enforce|0|--mode enforce dmesg.log"
	"dmesg-any|0|--mode any dmesg.log"
	"dmesg-json|0|--json dmesg.log"
	"dmesg-quiet|0|-q dmesg.log"
	"dmesg-formats|1|dmesg-formats.log"
	"journal|1|journal.log"
	"journal-cat|0|journal-cat.log"
	"kern|0|kern.log"
	"console|1|console.log"
	"audit|0|audit.log"
	"audit-json|0|--json --mode any audit.log"
	"both|0|both.log"
	"hostile|1|hostile.log"
	"several|1|kern.log journal-cat.log console.log"
	"empty|0|/dev/null"
)
cd "$A" || exit 1
for c in "${cases[@]}"; do
	IFS='|' read -r name want args <<<"$c"
	# shellcheck disable=SC2086
	"$CMAUDIT" $args >"$D/$name.out" 2>"$D/$name.err"
	rc=$?
	if [ $rc -ne "$want" ]; then
		t_fail "$name: cmaudit $args: exit $rc, want $want: $(head -3 "$D/$name.err")"
	elif ! diff -u "$name.out" "$D/$name.out" || ! diff -u "$name.err" "$D/$name.err"; then
		t_fail "$name: cmaudit $args: output differs (above)"
	else
		t_ok "$name: cmaudit $args (exit $rc, output as expected)"
	fi
done

# The same real log as util-linux dmesg 2.38 prints it (dmesg -F on the
# boot's buffer; LC_ALL=C: UTF-8 as \xHH; -T -x; -r; --color=always):
# the same report.
for v in dmesg-C dmesg-Tx dmesg-r dmesg-color; do
	"$CMAUDIT" "$v.log" >"$D/$v.out" 2>"$D/$v.err"
	rc=$?
	if [ $rc -eq 1 ] && diff -u qemu-audit.out "$D/$v.out" && diff -u qemu-audit.err "$D/$v.err"; then
		t_ok "$v: util-linux dmesg's rendering of the boot's log, the same report"
	else
		t_fail "$v: exit $rc or output differs from qemu-audit's (above)"
	fi
done

# Standard input: none given, "-", and between files.
out=$("$CMAUDIT" -q <kern.log 2>&1)
[ "$out" = "$(sed '1d;$d' kern.out)" ] && t_ok "no FILE: standard input" ||
	t_fail "stdin: $out"
out=$("$CMAUDIT" - journal-cat.log <kern.log 2>&1)
[ "$out" = "$(cat several-stdin.out)" ] && t_ok "'-' is standard input, beside a file" ||
	t_fail "'-': $out"
# The JSON documents parse.
for j in qemu-audit-json dmesg-json audit-json; do
	t_check "$j: valid JSON" python3 -m json.tool "$j.out" /dev/null
done
t_grep "json: the summary says incomplete" '"complete": false, "folded": [0-9]+, "suppressed": [1-9]' \
	cat qemu-audit-json.out

# Usage and I/O errors: exit 2 with the cause named.
t_usage() {
	local d=$1 pat=$2 out rc; shift 2
	out=$("$CMAUDIT" "$@" 2>&1 </dev/null); rc=$?
	if [ $rc -eq 2 ] && grep -qE -- "$pat" <<<"$out"; then t_ok "$d"; else t_fail "$d: exit $rc: $out"; fi
}
t_usage "missing FILE: exit 2, named" "^cmaudit: $D/missing: No such file or directory" "$D/missing"
t_usage "a directory: exit 2" "^cmaudit: .*: Is a directory" "$D"
t_usage "bad --mode: exit 2" "^cmaudit: --mode both: give audit, enforce or any" --mode both kern.log
t_usage "unknown option: exit 2" "Try 'cmaudit --help'" --frobnicate
out=$("$CMAUDIT" --help); rc=$?
[ $rc -eq 0 ] && grep -q '^Usage: cmaudit \[--json\] \[-q\] \[--mode audit|enforce|any\] \[FILE...\]' <<<"$out" &&
	t_ok "--help: usage, exit 0" || t_fail "--help: exit $rc"
out=$("$CMAUDIT" --version); rc=$?
[ $rc -eq 0 ] && grep -qE '^cmaudit \(cryptomark\) [0-9.]+$' <<<"$out" && t_ok "--version" ||
	t_fail "--version: exit $rc: $out"

# A line longer than any buffer, and a log of many lines, still read.
{ printf '[ 1.0] '; head -c 3000000 /dev/zero | tr '\0' 'a'; printf '\n'; cat dmesg.log; } >"$D/long.log"
out=$("$CMAUDIT" -q "$D/long.log" 2>/dev/null); rc=$?
[ $rc -eq 0 ] && [ "$out" = "$(sed '1d;$d' dmesg.out)" ] && t_ok "a 3 MB line of other text, then the log: read" ||
	t_fail "long line: exit $rc"
for i in $(seq 1 20000); do
	printf '[ %d.0] cryptomark: op=exec reason=unsigned mode=audit verdict=allow pid=%d comm="sh" path="/many/f%d"\n' \
		"$i" "$i" $((i % 5000))
done >"$D/many.log"
out=$("$CMAUDIT" "$D/many.log" 2>&1 | tail -n 1)
[ "$out" = "5000 distinct, 20000 events" ] && t_ok "20000 lines, 5000 distinct paths" ||
	t_fail "many: $out"
# A log of look-alikes: 20 named, the rest counted, the list incomplete.
for i in $(seq 1 500); do
	printf '[ %d.0] cryptomark: op=exec reason=unsigned mode=audit verdict=allow pid=x comm="sh" path="/b"\n' "$i"
done >"$D/bad.log"
"$CMAUDIT" "$D/bad.log" >"$D/bad.out" 2>"$D/bad.err"; rc=$?
[ $rc -eq 1 ] && [ "$(grep -c 'cannot read' "$D/bad.err")" = 20 ] &&
	grep -qx 'cmaudit: 480 more unreadable lines not named' "$D/bad.err" &&
	grep -qx '0 distinct, 0 events; incomplete: 500 cryptomark lines unreadable' "$D/bad.out" &&
	t_ok "500 unreadable lines: 20 named, all counted, exit 1" ||
	t_fail "bad lines: exit $rc: $(tail -n 3 "$D/bad.err")"
t_done
