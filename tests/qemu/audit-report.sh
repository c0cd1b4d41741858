#!/usr/bin/env bash
# cmaudit on the kernel's own log (issue 10, the audit dry run): one boot of
# build/kernel/bzImage, the mode raised to audit, unsigned files with
# awkward names executed and mapped, a burst the LSM's rate limit cuts
# (guest/audit-report.sh).  On the host, cmaudit reads the guest's dmesg
# (busybox: the kernel's text as printed, no escaping of its own) and must
# list exactly the rows below, say the list is incomplete by the number the
# kernel's "cm_audit_denial: N callbacks suppressed" line gives (found here
# with sed, not by cmaudit), and its events plus the suppressed lines must
# equal the growth of stats "denied".  The log is kept as
# $T_BUILD/audit-report/klog.txt (tests/integration/audit/ holds lines of
# such a run).
#   tests/qemu/audit-report.sh [KERNEL]        prints "N passed, N failed"
. "$(dirname "$0")/suite.sh"
suite_begin audit-report cryptomark "$@"
CMAUDIT=$T_BUILD/cmaudit
[ -x "$CMAUDIT" ] || fail "$CMAUDIT missing: run 'make all'"
st_keys "$work" || fail "test keys"
st_base "$r" "$work" || fail "base tree"
u=$r/cmq/u
mkdir -p "$u"
for n in plain burst "with space" 'quo"te' 'back\slash' $'new\nline' \
	$'tab\there' $'caf\xc3\xa9' $'lat\xe9n' $'del\x7fesc\x1b' \
	tampered; do
	cp "$q/hello" "$u/$n" || fail "cp hello $n"
done
# A directory named so that the path holds a whole path field.
mkdir -p "$u/x\" path=\"" && cp "$q/hello" "$u/x\" path=\"/ok" || fail "cp hello x"
cp "$q/cmt" "$u/c\" path=\"" || fail "cp cmt"
cp "$q/libcmt.so" "$u/lib.so" || fail "cp libcmt.so"
st_sign signer "$u/tampered" || fail "cmsign tampered"
printf 'x' >>"$u/tampered"
suite_guest -t 240 -a "cryptomark.mode=off" "$here/guest/audit-report.sh"

log=$(tr -d '\r' <"$SUITE_LOG")
denied=$(sed -n 's/^DENIED \([0-9]*\)$/\1/p' <<<"$log")
out=$T_BUILD/audit-report
mkdir -p "$out"
sed -n '/^KLOG-BEGIN$/,/^KLOG-END$/p' <<<"$log" | sed '1d;$d' | base64 -d >"$out/klog.txt" ||
	fail "the guest's kernel log did not come back"
[ -n "$denied" ] || fail "no DENIED line from the guest"
# The kernel's own count, read without cmaudit.
sup=$(sed -n 's/.*cm_audit_denial: \([0-9]*\) callbacks suppressed$/\1/p' "$out/klog.txt" |
	awk '{s += $1} END {print s + 0}')
[ "$sup" -gt 0 ] && t_ok "the rate limit dropped lines: the kernel says $sup" ||
	t_fail "no 'cm_audit_denial: N callbacks suppressed' line: the burst was not cut"

"$CMAUDIT" "$out/klog.txt" >"$out/report.txt" 2>"$out/report.err"
rc=$?
[ $rc -eq 1 ] && t_ok "cmaudit exits 1: incomplete" ||
	t_fail "cmaudit exit $rc, want 1: $(cat "$out/report.err")"
grep -qx "cmaudit: incomplete: $sup lines suppressed by the kernel's rate limit; .*" "$out/report.err" &&
	t_ok "stderr says $sup lines were suppressed" ||
	t_fail "stderr: $(cat "$out/report.err")"
# Each exec the kernel logged of the burst file, counted with grep.
burst=$(grep -ac 'cryptomark: op=exec .* path="/cmq/u/burst"$' "$out/klog.txt")
cat >"$out/expected.txt" <<EXP
PATH                     OPERATION  REASON         COUNT
/cmq/u/burst             exec       unsigned       $(printf '%5d' "$burst")
/cmq/u/plain             exec       unsigned           5
"/cmq/u/back\\\\slash"     exec       unsigned           1
"/cmq/u/c\" path=\""     exec       unsigned           1
/cmq/u/café              exec       unsigned           1
"/cmq/u/del\x7fesc\e"    exec       unsigned           1
"/cmq/u/lat\xe9n"        exec       unsigned           1
/cmq/u/lib.so            mmap       unsigned           1
"/cmq/u/new\nline"       exec       unsigned           1
"/cmq/u/quo\"te"         exec       unsigned           1
"/cmq/u/tab\there"       exec       unsigned           1
/cmq/u/tampered          exec       bad_signature      1
"/cmq/u/with space"      exec       unsigned           1
"/cmq/u/x\" path=\"/ok"  exec       unsigned           1
14 distinct, $((burst + 17)) events; incomplete: $sup lines suppressed by the kernel's rate limit
EXP
if diff -u "$out/expected.txt" "$out/report.txt"; then
	t_ok "cmaudit lists exactly the refusals enforce would make"
else
	t_fail "cmaudit's list differs (above)"
fi
# Every line the kernel counted is a row's event, a loader mmap folded into
# its exec, or a suppressed line.
ev=$(sed -n 's/^[0-9]* distinct, \([0-9]*\) events.*/\1/p' "$out/report.txt")
fo=$(sed -n 's/^cmaudit: \([0-9]*\) mmap lines not listed.*/\1/p' "$out/report.err")
[ -n "$ev" ] && [ -n "$fo" ] && [ $((ev + fo + sup)) -eq "$denied" ] &&
	t_ok "events $ev + folded mmaps $fo + suppressed $sup = stats denied $denied" ||
	t_fail "events ${ev:-?} + folded ${fo:-?} + suppressed $sup != stats denied $denied"
t_done
