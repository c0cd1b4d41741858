#!/usr/bin/env bash
# `make demo-kernel` (scripts/demo-kernel.sh), tested the way a user runs
# it.  Three boots of build/kernel/bzImage:
#  1. non-interactive: every outcome the demo narrates is asserted from its
#     output (keys unsealed and provisioned, keyring locked, mode raised,
#     signed programs run, unsigned / tampered / LD_PRELOAD'ed unsigned
#     library refused with EACCES and an audit line, stats before and after,
#     lowering the mode and adding a key after the lock fail);
#  2. INTERACTIVE=1 on a pseudo-terminal (script(1)), commands typed on its
#     stdin once the prompt is there: the shell runs them under enforce,
#     Ctrl-C interrupts a command, not the demo, and Ctrl-A X (the exit line
#     the demo shows) quits QEMU;
#  3. INTERACTIVE=1 left with `exit`: the guest powers off.
#   tests/qemu/demo-kernel-test.sh        prints "N passed, N failed"
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
root=$T_ROOT
demo=$root/scripts/demo-kernel.sh
work=$(mktemp -d "${TMPDIR:-/tmp}/cmq-demo.XXXXXX")
spid=
cleanup() {
	[ -z "$spid" ] || { kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null; }
	rm -rf "$work"
}
trap cleanup EXIT
t_require_root

# The demo's output without carriage returns and colour.
plain() { tr -d '\r' <"$1" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g'; }
# after LOG CMD [N]: the output of the Nth (default first) narrated command
# line "# CMD", up to the next command, heading or narrator's note.
after() {
	plain "$1" | awk -v c="# $2" -v n="${3:-1}" '
		f && (/^# / || /^== / || /^   \(/ || /^$/) { exit }
		f { print }
		$0 == c && ++seen == n { f = 1 }'
}
# absent LOG PATTERN: LOG does not match PATTERN.
absent() { ! grep -qE -- "$2" "$1"; }

# --- 1. make demo-kernel
out=$work/demo.out
start=$SECONDS
bash "$demo" >"$out" 2>&1
rc=$?
echo "# make demo-kernel: $((SECONDS - start)) s; the kernel step: $(plain "$out" |
	sed -n 's/^   kernel build: \([0-9]*:[0-9]*, .*\)/\1/p')"
t_check "demo-kernel exits 0" test $rc -eq 0
t_grep "says up front what a cold kernel build costs" \
	'a cold build takes ~10-20 minutes on 2 cores' plain "$out"
t_grep "shows the kernel build's progress" '^   kernel build: [0-9]+:[0-9]{2}' plain "$out"
t_check "the terminal is never reset (no SeaBIOS console: no ESC c)" \
	absent "$out" $'\ec'
t_grep "the LSM boots in mode off" '^off$' after "$out" "cat /sys/kernel/security/cryptomark/mode"
t_grep "bundle unsealed from the TPM and provisioned into .cryptomark, locked, PCR capped" \
	'^provisioned 1 keys into keyring \.cryptomark \([0-9]+\), locked; PCR 14 capped; [0-9.]+ ms$' \
	after "$out" "cmkeys provision --tcti device:/dev/tpmrm0 --signed-by /etc/cryptomark/ca.pem /etc/cryptomark/keyring.bundle"
t_grep "the demo signer's key is in .cryptomark" 'asymmetri cryptomark demo signer: ' \
	after "$out" "grep asymmetri /proc/keys"
t_grep "keyring locked: lock reads 1" '^1$' after "$out" "cat /sys/kernel/security/cryptomark/lock"
t_grep "the bundle does not unseal again this boot" 'PCR policy mismatch' \
	after "$out" "cmkeys unseal --tcti device:/dev/tpmrm0 --signed-by /etc/cryptomark/ca.pem /etc/cryptomark/keyring.bundle"
t_grep "mode raised to enforce" '^== 7\. Mode raised to enforce' plain "$out"
t_grep "... and reads enforce" '^enforce$' \
	after "$out" "cat /sys/kernel/security/cryptomark/mode" 2
t_grep "stats before: the whole file" '^revoked_digests 0$' \
	after "$out" "cat /sys/kernel/security/cryptomark/stats"
t_grep "signed static program runs" '^hello from /demo/hello$' after "$out" "/demo/hello"
t_grep "signed dynamic program runs" '^hello from /demo/hello-dyn$' after "$out" "/demo/hello-dyn"
t_grep "unsigned program refused: Permission denied" \
	'^sh: /demo/hello-unsigned: Permission denied$' after "$out" "/demo/hello-unsigned"
t_grep "... EACCES" '^   errno: EACCES   \(cmt exec /demo/hello-unsigned' plain "$out"
t_grep "... its audit line" \
	'^   audit: cryptomark: op=exec reason=unsigned mode=enforce verdict=deny pid=[0-9]+ comm="sh" path="/demo/hello-unsigned"$' \
	plain "$out"
t_grep "tampered program refused: Permission denied" \
	'^sh: /demo/hello-tampered: Permission denied$' after "$out" "/demo/hello-tampered"
t_grep "... EACCES" '^   errno: EACCES   \(cmt exec /demo/hello-tampered' plain "$out"
t_grep "... its audit line (bad_signature)" \
	'^   audit: cryptomark: op=exec reason=bad_signature mode=enforce verdict=deny pid=[0-9]+ comm="sh" path="/demo/hello-tampered"$' \
	plain "$out"
t_grep "signed library through LD_PRELOAD runs its constructor" '^libcmt constructor ran$' \
	after "$out" "LD_PRELOAD=/demo/libsigned.so /demo/hello-dyn"
after "$out" "LD_PRELOAD=/demo/libunsigned.so /demo/hello-dyn" >"$work/preload"
t_grep "unsigned library through LD_PRELOAD: the loader cannot map it" \
	"from LD_PRELOAD cannot be preloaded \(failed to map segment from shared object\)" cat "$work/preload"
t_check "... and its code never runs" absent "$work/preload" 'constructor ran'
t_grep "... its audit line (op=mmap)" \
	'^   audit: cryptomark: op=mmap reason=unsigned mode=enforce verdict=deny pid=[0-9]+ comm="hello-dyn" path="/demo/libunsigned.so"$' \
	plain "$out"
t_grep "... the refused mmap(PROT_EXEC) is EACCES" \
	'^refused: mmap\(PROT_EXEC\) /demo/libunsigned.so: EACCES$' \
	after "$out" "cmt tracex -e LD_PRELOAD=/demo/libunsigned.so /demo/hello-dyn"
# stats after: "name before -> after" for what changed.
grew() {
	plain "$out" | awk -v k="$1" '$1 == k && $3 == "->" && $4 > $2 { f = 1 } END { exit !f }'
}
for k in checks enforced denied_unsigned denied_bad_signature; do
	t_check "stats after: $k grew" grew "$k"
done
t_grep "lowering the mode to audit fails" 'Operation not permitted' \
	after "$out" "echo audit > /sys/kernel/security/cryptomark/mode"
t_grep "... EPERM" '^   errno: EPERM   \(cmt write /sys/kernel/security/cryptomark/mode audit' plain "$out"
t_grep "lowering the mode to off fails" 'Operation not permitted' \
	after "$out" "echo off > /sys/kernel/security/cryptomark/mode"
t_grep "... the mode stays enforce" '^enforce$' \
	after "$out" "cat /sys/kernel/security/cryptomark/mode" 3
t_grep "adding a key after the lock fails" '^add_key: Operation not permitted$' \
	after "$out" "keyctl padd asymmetric '' \$(cat /sys/kernel/security/cryptomark/keyring) </demo/extra-signer.der"
t_grep "... EPERM" '^   errno: EPERM   \(cmt addkey [0-9]+ /demo/extra-signer.der' plain "$out"
t_grep "unlocking fails" 'Operation not permitted' after "$out" "echo 0 > /sys/kernel/security/cryptomark/lock"
t_check "no outcome other than narrated" absent "$out" UNEXPECTED
t_grep "the demo's closing line" '^== demo-kernel finished in [0-9]+ s' plain "$out"
if [ "$T_FAIL" -ne 0 ]; then
	echo "# demo output:"
	plain "$out" | sed 's/^/#   /'
fi

# --- 2. and 3. INTERACTIVE=1, on a pseudo-terminal.
t_grep "make demo-kernel INTERACTIVE=1 hands INTERACTIVE to the script" \
	'INTERACTIVE=1 scripts/demo-kernel.sh' make -s -n -C "$root" demo-kernel INTERACTIVE=1

# wait_for PATTERN [SECONDS]: the session's new output (since the last send)
# matches PATTERN.
wait_for() {
	local _
	for _ in $(seq $((${2:-20} * 5))); do
		tail -c +"$((mark + 1))" "$iout" | tr -d '\r' | grep -qE -- "$1" && return 0
		kill -0 "$spid" 2>/dev/null || break
		sleep 0.2
	done
	tail -c +"$((mark + 1))" "$iout" | tr -d '\r' | grep -qE -- "$1"
}
send() { mark=$(stat -c %s "$iout"); printf '%b' "$1" >&3; }
# session: INTERACTIVE=1 under script(1) (a pty, as a terminal user has),
# typed input from fd 3.
session() {
	iout=$work/session$1.out mark=0
	rm -f "$work/in" && mkfifo "$work/in" || return 1
	INTERACTIVE=1 timeout 300 script -qfec "bash $demo" /dev/null <"$work/in" >"$iout" 2>&1 &
	spid=$!
	exec 3>"$work/in"
}
# end_session: script(1) given 20 s to end, fd 3 closed; its exit status
# in $src.
end_session() {
	local _
	for _ in $(seq 100); do kill -0 "$spid" 2>/dev/null || break; sleep 0.2; done
	exec 3>&-
	kill "$spid" 2>/dev/null
	src=0
	wait "$spid" || src=$?
	spid=
}

session 1 || t_fail "session: mkfifo"
start=$SECONDS
t_check "interactive: the exit line (exit or Ctrl-A then X) is shown" \
	wait_for "To leave: type 'exit' \(the guest powers off\), or press Ctrl-A then X to quit QEMU" 240
t_check "interactive: a shell prompt in the enforcing guest" wait_for '^enforce# ' 30
echo "# INTERACTIVE=1: prompt after $((SECONDS - start)) s"
send '/demo/hello\n'
t_check "interactive: a signed program runs" wait_for '^hello from /demo/hello$'
send 'cp /demo/hello /tmp/copy && /tmp/copy\n'
t_check "interactive: a copy (cp drops security.ima) is refused" \
	wait_for '^sh: /tmp/copy: Permission denied$'
send 'cat /sys/kernel/security/cryptomark/mode\n'
t_check "interactive: the mode is enforce" wait_for '^enforce$'
send 'echo sleeping; sleep 300\n'
wait_for '^sleeping$' || t_fail "interactive: 'echo sleeping; sleep 300' printed nothing"
sleep 1
send '\003'
sleep 1
send 'echo ctrl-c-done\n'
t_check "interactive: Ctrl-C interrupts the command, the shell stays" wait_for '^ctrl-c-done$'
send '\001x'
t_check "interactive: Ctrl-A X quits QEMU" wait_for 'QEMU: Terminated'
t_check "interactive: the demo says the guest was left" wait_for '== demo-kernel: left the guest'
end_session
t_check "interactive: exit status 0 after Ctrl-A X" test "$src" = 0

session 2 || t_fail "session: mkfifo"
t_check "interactive: prompt again" wait_for '^enforce# ' 240
send 'exit\n'
t_check "interactive: 'exit' powers the guest off" wait_for '^cmq: guest done rc=0$'
t_check "... and the demo ends" wait_for '== demo-kernel: left the guest'
end_session
t_check "interactive: exit status 0 after 'exit'" test "$src" = 0
if [ "$T_FAIL" -ne 0 ]; then
	for f in "$work"/session*.out; do
		echo "# $f (tail):"
		tr -d '\r' <"$f" | tail -n 25 | sed 's/^/#   /'
	done
fi
t_done
