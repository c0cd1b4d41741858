# The guest half of `make demo-kernel` (scripts/demo-kernel.sh): busybox sh,
# run by the harness's /init as /cmq/test.sh on the cryptomark kernel booted
# with cryptomark.mode=off.  It narrates what a boot of a signed system does
# (keys from the TPM into the LSM, keyring locked, mode raised) and then
# what enforcement looks like from a shell.  Every outcome it narrates is
# also checked: a surprise prints "demo-kernel: UNEXPECTED: ..." and the
# script exits 1 (the host then fails).  With cmq.demo=interactive on the
# kernel command line it ends in a root shell instead of powering off.
cm=/sys/kernel/security/cryptomark
T=device:/dev/tpmrm0
B=/etc/cryptomark/keyring.bundle
export PATH=/demo:/cmq:/bin:/sbin:/usr/bin:/usr/sbin
unexpected=0

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# note TEXT: the narrator speaking, not a command's output.
note() { echo "   ($*)"; }
bad() { echo "demo-kernel: UNEXPECTED: $*"; unexpected=$((unexpected + 1)); }
# show CMDLINE: print it as typed at a root prompt, run it, keep its output
# in $out (also printed).
show() {
	echo "# $*"
	out=$(sh -c "$*" 2>&1)
	[ -z "$out" ] || echo "$out"
}
# expect PATTERN WHAT: the last show's output must match PATTERN.
expect() { echo "$out" | grep -qE -- "$1" || bad "$2"; }
# errno_of WANT CMD...: the probe cmt performs the same system call and
# names its errno (the shell's message is strerror's text).
errno_of() {
	_want=$1; shift
	_r=$(cmt "$@" 2>&1 | sed -n 's/^result=//p' | tail -n1)
	echo "   errno: ${_r:-?}   (cmt $*: the same system call, its errno named)"
	[ "$_r" = "$_want" ] || bad "cmt $*: want $_want, got ${_r:-nothing}"
}
# audit PATH [OP]: the LSM's audit line for PATH (the newest one).
audit() {
	_l=$(dmesg | grep "cryptomark: op=${2:-exec} .*path=\"$1\"" | tail -n1 |
	     sed 's/^\[[ 0-9.]*\] //')
	echo "   audit: ${_l:-none}"
	[ -n "$_l" ] || bad "no audit line for $1"
}

say "5. Booted the cryptomark kernel; the LSM starts in mode off"
show "uname -r"
show "cat $cm/mode"
expect '^off$' "boot mode is not off"
note "off, so that a machine whose keys are not loaded yet still boots"
# cpio carries no xattrs: the signatures made on the host are set back here.
cmt applysigs /cmq/sigs.list >/dev/null 2>&1 || bad "restoring the signatures failed"
note "security.ima signatures made on the host by cmsign restored on the tmpfs root"

say "6. The keyring bundle: sealed to this machine's TPM (swtpm), unsealed at boot"
note "an install step, done here because this TPM is new: bundle sealed to PCRs 7 and 14"
show "cmkeys seal --tcti $T --pcrs sha256:7,14 $B"
note "the boot step: unseal the secret from the TPM, check the bundle's HMAC and the CA's"
note "signature, load its certificates into .cryptomark, lock the keyring, extend PCR 14"
show "cmkeys provision --tcti $T --signed-by /etc/cryptomark/ca.pem $B"
expect '^provisioned 1 keys into keyring \.cryptomark \([0-9]+\), locked; PCR 14 capped' \
	"provisioning did not load, lock and cap"
show "grep asymmetri /proc/keys"
expect 'cryptomark demo signer' "the signer's key is not in .cryptomark"
show "cat $cm/lock"
expect '^1$' "the keyring is not locked"
note "PCR 14 moved on, so the bundle's secret cannot be unsealed again until reboot:"
show "cmkeys unseal --tcti $T --signed-by /etc/cryptomark/ca.pem $B"
expect 'PCR policy mismatch' "the bundle unsealed again after provisioning"

say "7. Mode raised to enforce (it can only go up)"
show "echo enforce > $cm/mode"
show "cat $cm/mode"
expect '^enforce$' "the mode is not enforce"

say "8. stats before anything ran under enforce"
show "cat $cm/stats"
echo "$out" >/tmp/stats.before
note "the checks so far are this script's own shell, cat and cmt: signed, allowed"

say "9. A signed program runs"
show "/demo/hello"
expect '^hello from /demo/hello$' "the signed static program did not run"
note "dynamic: ld.so, libc and the program are all signed"
show "/demo/hello-dyn"
expect '^hello from /demo/hello-dyn$' "the signed dynamic program did not run"

say "10. An unsigned program is refused"
show "/demo/hello-unsigned"
expect 'Permission denied' "the unsigned program was not refused"
audit /demo/hello-unsigned
errno_of EACCES exec /demo/hello-unsigned

say "11. A tampered program is refused (signed on the host, then one byte appended)"
show "/demo/hello-tampered"
expect 'Permission denied' "the tampered program was not refused"
audit /demo/hello-tampered
errno_of EACCES exec /demo/hello-tampered

say "12. An unsigned library through LD_PRELOAD is refused"
note "a signed library preloads: its constructor announces itself"
show "LD_PRELOAD=/demo/libsigned.so /demo/hello-dyn"
expect '^libcmt constructor ran$' "the signed library was not preloaded"
note "the unsigned one: the kernel refuses to map its code; glibc's loader says so and goes on"
show "LD_PRELOAD=/demo/libunsigned.so /demo/hello-dyn"
expect 'cannot be preloaded' "the unsigned library was preloaded"
echo "$out" | grep -q 'constructor ran' && bad "the unsigned library's code ran"
audit /demo/libunsigned.so mmap
note "glibc hides the errno; cmt reads it at the refused mmap(PROT_EXEC) through ptrace:"
show "cmt tracex -e LD_PRELOAD=/demo/libunsigned.so /demo/hello-dyn"
expect 'refused: mmap\(PROT_EXEC\) /demo/libunsigned.so: EACCES' \
	"the unsigned library's mmap was not refused with EACCES"

say "13. stats after: what changed"
cat $cm/stats | while read -r k v; do
	b=$(sed -n "s/^$k //p" /tmp/stats.before)
	[ "$b" = "$v" ] || printf '   %-22s %6s -> %s\n' "$k" "$b" "$v"
done
a=$(sed -n 's/^enforced //p' $cm/stats)
b=$(sed -n 's/^enforced //p' /tmp/stats.before)
[ "$a" -gt "$b" ] || bad "stats: enforced did not grow"

say "14. After the lock: the mode cannot be lowered, no key can be added"
show "echo audit > $cm/mode"
expect 'Operation not permitted' "lowering the mode to audit did not fail"
errno_of EPERM write $cm/mode audit
show "echo off > $cm/mode"
expect 'Operation not permitted' "lowering the mode to off did not fail"
show "cat $cm/mode"
expect '^enforce$' "the mode changed"
note "another CA-issued signer's certificate, added to the LSM's keyring:"
show "keyctl padd asymmetric '' \$(cat $cm/keyring) </demo/extra-signer.der"
expect 'Operation not permitted' "adding a key after the lock did not fail"
errno_of EPERM addkey "$(cat $cm/keyring)" /demo/extra-signer.der
show "echo 0 > $cm/lock"
expect 'Operation not permitted' "unlocking did not fail"

if [ "$unexpected" -eq 0 ]; then
	say "demo-kernel: every outcome as narrated: signed code runs, the rest is refused"
else
	say "demo-kernel: $unexpected outcome(s) not as narrated (UNEXPECTED lines above)"
fi

if grep -q 'cmq\.demo=interactive' /proc/cmdline; then
	say "Your turn: a root shell in the enforcing guest"
	cat <<'EOF'
   Try:  /demo/hello                  cp /demo/hello /tmp/copy && /tmp/copy
         cat /sys/kernel/security/cryptomark/stats
         dmesg | grep cryptomark:     cmt exec /demo/hello-unsigned
         LD_PRELOAD=/demo/libunsigned.so /demo/hello-dyn
   To leave: type 'exit' (the guest powers off), or press Ctrl-A then X to quit QEMU.
EOF
	# cttyhack gives the shell the console as its controlling terminal, so
	# Ctrl-C interrupts the command, not the demo.
	PS1='enforce# ' setsid cttyhack sh -i
fi
[ "$unexpected" -eq 0 ]
