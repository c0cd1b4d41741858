# The guest half of tests/qemu/checkexec-tests.sh (busybox sh, helpers in
# /cmq/lib.sh).  Booted with cryptomark.mode=off; the key is loaded and
# locked, the mode raised to audit, then enforce.  S is the patched shell,
# P the same busybox without the patch.  Securebits: 0x100 RESTRICT_FILE,
# 0x200 its lock, 0x400 DENY_INTERACTIVE, 0x800 its lock.
. /cmq/lib.sh
S=/opt/check/sh
P=/opt/plain/sh
ALL=0xf00
nlogged() { dmesg | grep -cE "cryptomark: .*$1"; }

# runs DESC WANT_EXIT PATTERN CMD...: CMD exits WANT_EXIT and its output
# (stdout and stderr) matches PATTERN and not the optional $G_NOT.
runs() {
	_d=$1 _want=$2 _pat=$3; shift 3
	_out=$("$@" 2>&1)
	_rc=$?
	_o=$(echo "$_out" | tail -n3 | tr '\n' ' ')
	if [ "$_rc" != "$_want" ]; then
		g_fail "$_d: exit $_rc, want $_want: $_o"
	elif ! echo "$_out" | grep -qE -- "$_pat"; then
		g_fail "$_d: /$_pat/ not in: $_o"
	elif [ -n "${G_NOT:-}" ] && echo "$_out" | grep -qE -- "$G_NOT"; then
		g_fail "$_d: /$G_NOT/ in: $_o"
	else
		g_ok "$_d"
	fi
}
# piped INPUT CMD...: CMD with INPUT on a pipe as stdin.
piped() { _in=$1; shift; echo "$_in" | "$@"; }

g_begin_lsm
g_grep "no securebit set at boot" '^bits=0$' cmx getbits

# 1. The kernel's check, mode off: an exec's permission checks only.
g_expect "off: AT_EXECVE_CHECK of an unsigned executable script: ok" ok cmx check /cmq/unsigned.sh
g_expect "off: AT_EXECVE_CHECK by path (no AT_EMPTY_PATH): ok" ok cmx check-at /cmq/unsigned.sh
g_expect "off: AT_EXECVE_CHECK of a file without x bits: EACCES" EACCES cmx check /cmq/noexec.sh
g_expect "off: AT_EXECVE_CHECK of a directory: EACCES" EACCES cmx check /cmq
g_expect "off: AT_EXECVE_CHECK of a missing path: ENOENT" ENOENT cmx check-at /cmq/missing
exec 3>>/cmq/unsigned.sh
g_expect "off: AT_EXECVE_CHECK of a file open for writing: ETXTBSY" ETXTBSY cmx check /cmq/unsigned.sh
exec 3>&-
g_expect "off: an unknown execveat flag is still EINVAL (0x20000)" EINVAL \
	cmx check-flags 0x20000 /cmq/signed.sh
g_check "off: the check did not run the file (no output, caller unchanged)" \
	sh -c '[ -z "$(cmx check /cmq/signed.sh | grep -v result=)" ]'

# 2. Keys, then audit: the LSM answers the check, logs op=check, allows.
g_expect "signer key loaded" ok cmt addkey "$(cat $cm/keyring)" /cmq/signer.der
g_expect "keyring locked" ok cmt write $cm/lock 1
g_expect "mode raised off -> audit" ok cmt write $cm/mode audit
g_expect "audit: AT_EXECVE_CHECK of an unsigned script: allowed" ok cmx check /cmq/unsigned.sh
g_check "... logged op=check reason=unsigned verdict=allow" \
	logged 'op=check reason=unsigned mode=audit verdict=allow .*path="/cmq/unsigned.sh"'
g_expect "mode raised audit -> enforce" ok cmt write $cm/mode enforce

# 3. Enforce: the check is the exec's verdict.
g_expect "enforce: AT_EXECVE_CHECK of a signed script: ok" ok cmx check /cmq/signed.sh
g_expect "enforce: AT_EXECVE_CHECK of an unsigned script: EACCES" EACCES cmx check /cmq/unsigned.sh
g_check "... logged op=check reason=unsigned verdict=deny" \
	logged 'op=check reason=unsigned mode=enforce verdict=deny .*comm="cmx" path="/cmq/unsigned.sh"'
g_expect "enforce: ... by path: EACCES" EACCES cmx check-at /cmq/unsigned.sh
g_expect "enforce: executing the same unsigned script: EACCES, as the check said" \
	EACCES cmt exec /cmq/unsigned.sh
g_expect "enforce: AT_EXECVE_CHECK of a signed file without x bits: EACCES" \
	EACCES cmx check /cmq/noexec.sh
g_expect "enforce: AT_EXECVE_CHECK of a signed program: ok" ok cmx check /cmq/cmx
g_expect "enforce: AT_EXECVE_CHECK as an unprivileged user: same verdict" \
	EACCES cmx -u 1000 check /cmq/unsigned.sh

# 4. No securebits: the shells behave as before (the patched one asks).
n0=$(nlogged 'op=check .*comm="sh" path="/cmq/unsigned.sh"')
runs "no bits: sh unsigned.sh runs" 0 '^unsigned ran$' $S /cmq/unsigned.sh
n1=$(nlogged 'op=check .*comm="sh" path="/cmq/unsigned.sh"')
if [ "$n1" -gt "$n0" ]; then
	g_ok "no bits: ... yet the shell asked (op=check verdict=deny logged)"
else
	g_fail "no bits: the shell did not ask the kernel ($n0 -> $n1 op=check lines)"
fi
runs "no bits: . unsigned runs" 0 '^lib-unsigned sourced$' $S /cmq/dot-unsigned.sh
runs "no bits: sh -c runs" 0 '^c ran$' $S -c 'echo c ran'
runs "no bits: commands on a pipe run" 0 '^pipe ran$' piped 'echo pipe ran' $S
runs "no bits: sh signed.sh runs" 0 '^signed ran$' $S /cmq/signed.sh
runs "no bits: the unpatched shell runs unsigned.sh" 0 '^unsigned ran$' $P /cmq/unsigned.sh

# 5. Both bits set and locked.
G_NOT='unsigned ran'
runs "bits+locks: sh unsigned.sh refused (126, Permission denied)" 126 \
	'unsigned.sh: Permission denied' cmx setbits $ALL $S /cmq/unsigned.sh
G_NOT='lib-unsigned sourced|after dot'
runs "bits+locks: . unsigned refused (from a signed script)" 126 \
	'lib-unsigned: Permission denied' cmx setbits $ALL $S /cmq/dot-unsigned.sh
G_NOT='c ran'
runs "bits+locks: sh -c refused" 126 '-c: Permission denied' \
	cmx setbits $ALL $S -c 'echo c ran'
G_NOT='pipe ran'
runs "bits+locks: commands on a pipe refused" 126 'stdin: Permission denied' \
	piped 'echo pipe ran' cmx setbits $ALL $S
G_NOT='unsigned ran'
runs "bits+locks: an unsigned file on stdin refused" 126 'stdin: Permission denied' \
	sh -c "cmx setbits $ALL $S < /cmq/unsigned.sh"
G_NOT='noexec ran'
runs "bits+locks: a signed script without x bits refused" 126 \
	'noexec.sh: Permission denied' cmx setbits $ALL $S /cmq/noexec.sh
G_NOT=
runs "bits+locks: sh signed.sh runs" 0 '^signed ran$' cmx setbits $ALL $S /cmq/signed.sh
runs "bits+locks: . signed runs" 0 'lib-signed sourced' cmx setbits $ALL $S /cmq/dot-signed.sh
runs "bits+locks: a signed file on stdin runs" 0 '^signed ran$' \
	sh -c "cmx setbits $ALL $S < /cmq/signed.sh"
runs "bits+locks: the unpatched shell ignores them (opt-in only)" 0 '^unsigned ran$' \
	cmx setbits $ALL $P /cmq/unsigned.sh

# 6. One bit at a time.
G_NOT='unsigned ran'
runs "RESTRICT_FILE only: sh unsigned.sh refused" 126 'Permission denied' \
	cmx setbits 0x300 $S /cmq/unsigned.sh
G_NOT='lib-unsigned sourced'
runs "RESTRICT_FILE only: sh -c '. unsigned' refused" 126 'lib-unsigned: Permission denied' \
	cmx setbits 0x300 $S -c '. /cmq/lib-unsigned'
G_NOT=
runs "RESTRICT_FILE only: sh -c runs" 0 '^c ran$' cmx setbits 0x300 $S -c 'echo c ran'
runs "DENY_INTERACTIVE only: sh unsigned.sh runs" 0 '^unsigned ran$' \
	cmx setbits 0xc00 $S /cmq/unsigned.sh
G_NOT='c ran'
runs "DENY_INTERACTIVE only: sh -c refused" 126 '-c: Permission denied' \
	cmx setbits 0xc00 $S -c 'echo c ran'
G_NOT=

# 7. Who may change the bits.
g_grep "the bits are inherited through fork and exec" '^bits=0xf00$' \
	cmx setbits $ALL /cmq/cmx getbits
g_expect "a child cannot clear locked bits (root): EPERM" EPERM \
	cmx setbits $ALL /cmq/cmx setbits 0
g_expect "a child cannot clear RESTRICT_FILE under its lock: EPERM" EPERM \
	cmx setbits $ALL /cmq/cmx setbits 0xe00
g_expect "a child cannot drop a lock alone: EPERM" EPERM \
	cmx setbits $ALL /cmq/cmx setbits 0xd00
runs "a signed script cannot clear them either" 1 'result=EPERM' \
	cmx setbits $ALL $S /cmq/clear.sh
g_expect "unlocked bits can be cleared" ok cmx setbits 0x500 /cmq/cmx setbits 0
g_expect "unprivileged: may set both bits and their locks" ok cmx -u 1000 setbits $ALL
g_expect "unprivileged: may not set another securebit (NOROOT): EPERM" EPERM \
	cmx -u 1000 setbits 0x1
g_expect "unprivileged: a child cannot clear locked bits: EPERM" EPERM \
	cmx -u 1000 setbits $ALL /cmq/cmx setbits 0
G_NOT='unsigned ran'
runs "unprivileged, bits+locks: sh unsigned.sh refused" 126 'Permission denied' \
	cmx -u 1000 setbits $ALL $S /cmq/unsigned.sh
G_NOT=
runs "unprivileged, bits+locks: sh signed.sh runs" 0 '^signed ran$' \
	cmx -u 1000 setbits $ALL $S /cmq/signed.sh
g_done
