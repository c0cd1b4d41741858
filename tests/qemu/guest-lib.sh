# /cmq/lib.sh in the guest (busybox sh): TAP-like result lines the host's
# cmq_results parses, ending with "N passed, N failed".
G_PASS=0
G_FAIL=0

g_ok() { G_PASS=$((G_PASS + 1)); echo "ok $((G_PASS + G_FAIL)) - $*"; }
g_fail() { G_FAIL=$((G_FAIL + 1)); echo "not ok $((G_PASS + G_FAIL)) - $*"; }

# g_check DESC CMD...: passes if CMD exits 0.
g_check() {
	_d=$1; shift
	_out=$("$@" 2>&1); _rc=$?
	if [ $_rc -eq 0 ]; then g_ok "$_d"; else g_fail "$_d (exit $_rc: $*): $_out"; fi
}

# g_expect DESC WANT CMD...: CMD prints one "result=..." line (the guest
# test program cmt does: "result=ok" or "result=errno:13:EACCES"); passes
# if that line is exactly "result=WANT".
g_expect() {
	_d=$1 _want=$2; shift 2
	_out=$("$@" 2>&1)
	_got=$(echo "$_out" | sed -n 's/^result=//p' | tail -n1)
	if [ "$_got" = "$_want" ]; then
		g_ok "$_d"
	else
		g_fail "$_d: want $_want, got ${_got:-nothing}: $(echo "$_out" | tail -n3 | tr '\n' ' ')"
	fi
}

# g_expect_grep DESC WANT PATTERN CMD...: g_expect, and CMD's output must
# also match PATTERN (grep -E) and not match the optional $G_NOT pattern.
g_expect_grep() {
	_d=$1 _want=$2 _pat=$3; shift 3
	_out=$("$@" 2>&1)
	_got=$(echo "$_out" | sed -n 's/^result=//p' | tail -n1)
	if [ "$_got" != "$_want" ]; then
		g_fail "$_d: want $_want, got ${_got:-nothing}: $(echo "$_out" | tail -n3 | tr '\n' ' ')"
	elif ! echo "$_out" | grep -qE -- "$_pat"; then
		g_fail "$_d: /$_pat/ not in: $(echo "$_out" | tail -n3 | tr '\n' ' ')"
	elif [ -n "${G_NOT:-}" ] && echo "$_out" | grep -qE -- "$G_NOT"; then
		g_fail "$_d: /$G_NOT/ in: $(echo "$_out" | tail -n3 | tr '\n' ' ')"
	else
		g_ok "$_d"
	fi
}

# g_grep DESC PATTERN CMD...: passes if CMD's output matches (grep -E).
g_grep() {
	_d=$1 _pat=$2; shift 2
	_out=$("$@" 2>&1)
	if echo "$_out" | grep -qE -- "$_pat"; then
		g_ok "$_d"
	else
		g_fail "$_d: /$_pat/ not in: $(echo "$_out" | tail -n3 | tr '\n' ' ')"
	fi
}

# The cryptomark LSM's securityfs directory and two readers of it.
cm=/sys/kernel/security/cryptomark
# cmstat NAME: one counter of $cm/stats.
cmstat() { sed -n "s/^$1 //p" $cm/stats; }
# logged PATTERN: the kernel log has a cryptomark line matching PATTERN.
logged() { dmesg | grep -E "cryptomark: .*$1" >/dev/null; }

# g_begin_lsm: the signatures restored on the tmpfs root (one result);
# the script ends there (g_done) if the kernel has no cryptomark LSM.
g_begin_lsm() {
	g_expect "signatures restored on the tmpfs root" ok cmt applysigs /cmq/sigs.list
	if [ ! -r $cm/mode ]; then
		g_fail "no $cm/mode: the kernel has no cryptomark LSM"
		g_done; exit 1
	fi
}

# g_ima_appraise: unsigned programs still run, then IMA's appraisal policy
# for exec, in one write (the policy file takes one rule per write).
g_ima_appraise() {
	g_expect "unsigned binary runs before the IMA policy" ok cmt exec /cmq/hello-unsigned
	g_expect "IMA appraisal policy loaded (one write)" ok \
		cmt write /sys/kernel/security/ima/policy "appraise func=BPRM_CHECK appraise_type=imasig
"
}

# Benchmarks (bench.sh): b_fig CMD... echoes the ns figure CMD prints
# ("ns...=N"), or 0 with a "bench: no figure" line on stderr; b_warm LABEL
# prints ROUNDS lines "bench: warm LABEL ns_per_exec=N" of `cmt bench ITER
# /cmq/hello` after one discarded round (TCG still translating).
b_fig() {
	_o=$("$@")
	if ! echo "$_o" | grep -qx 'result=ok'; then
		echo "bench: no figure from $*: $(echo "$_o" | tr '\n' ' ')" >&2
		echo 0; return 1
	fi
	echo "$_o" | sed -n 's/^ns[a-z_]*=//p'
}
b_warm() {
	b_fig cmt bench "$ITER" /cmq/hello >/dev/null
	for _i in $(seq "$ROUNDS"); do
		echo "bench: warm $1 ns_per_exec=$(b_fig cmt bench "$ITER" /cmq/hello)"
	done
}

g_done() {
	echo "$G_PASS passed, $G_FAIL failed"
	[ "$G_FAIL" -eq 0 ]
}
