# The guest half of tests/qemu/attack-tests.sh (busybox sh, sourced
# helpers in /cmq/lib.sh).  Booted with cryptomark.mode=off: first the
# controls (every attack works, so the probe can tell), then keys are
# provisioned from the TPM, the mode raised to enforce, and each attack
# must fail with its exact errno and audit line.
. /cmq/lib.sh
. /cmq/attack.env
U="cma -u 1000"

g_begin_lsm

# Controls (mode off): the attacks themselves work on this kernel.
g_expect "off: unprivileged PTRACE_ATTACH + POKETEXT runs injected code (control)" \
	injected $U poketext
g_expect "off: unprivileged PTRACE_TRACEME, the parent pokes (control)" \
	injected $U traceme
g_expect "off: unprivileged userfaultfd UFFDIO_COPY into an r-x private mapping (control)" \
	injected $U uffd /cmq/lib-uffd.so
g_expect "off: mmap rwx private of a signed library, write, call (control)" \
	injected cma wx-mmap /cmq/lib-x.so
g_expect "off: mmap r-x, mprotect rwx, write, call (control)" \
	injected cma rx-rwx /cmq/lib-x.so
g_expect "off: SysV shm written, then shmat(SHM_EXEC) (control)" injected cma shmexec
g_expect "off: memfd rewritten through a shared mapping runs (control)" \
	injected cma memfd-rewrite /cmq/hello-note "$COMMENT_OFF"
# The kernel config (PROC_MEM_FORCE_PTRACE) forces /proc/PID/mem writes
# only for a tracer: writes into read-only mappings fail in any mode.
g_expect "off: /proc/self/mem write into own code is not forced: EIO" EIO cma procmem-self
g_expect "off: /proc/CHILD/mem write by a non-tracer is not forced: EIO" EIO cma procmem-pid

# Keys from the TPM-sealed bundle; it revokes both digests of hello-dual.
T=device:/dev/tpmrm0
B=/cmq/keyring.bundle
g_check "keyring bundle sealed to the guest TPM" cmkeys seal --tcti $T --pcrs sha256:7,14 $B
out=$(cmkeys provision --tcti $T --cap-pcr 14 --signed-by /cmq/signer.der $B 2>&1)
if echo "$out" | grep -qE "provisioned 1 keys into keyring \.cryptomark .*locked"; then
	g_ok "bundle provisioned into .cryptomark and locked"
else
	g_fail "provisioning: $out"
	cmt addkey "$(cat $cm/keyring)" /cmq/signer.der
	cmt write $cm/lock 1
fi
g_grep "every revoked digest of hello-dual (2 carriers x 4 hashes) handed to the LSM" \
	'^8 revoked digests refused by the cryptomark LSM$' echo "$out"
g_expect "mode raised off -> enforce" ok cmt write $cm/mode enforce
g_grep "ptrace policy: cap by default" '^cap$' cat $cm/ptrace

# 1. Writing into code: /proc/PID/mem, ptrace, userfaultfd.
g_expect "unprivileged: /proc/self/mem opened for writing: EPERM" EPERM $U procmem-self
g_check "... logged op=proc_mem reason=ptrace" \
	logged 'op=proc_mem reason=ptrace mode=enforce verdict=deny .*path="/proc/[0-9]+/mem"'
g_expect "unprivileged: /proc/CHILD/mem of its own child: EPERM" EPERM $U procmem-pid
g_expect "unprivileged: PTRACE_ATTACH to its own child: EPERM" EPERM $U poketext
g_check "... logged op=ptrace reason=ptrace" \
	logged 'op=ptrace reason=ptrace mode=enforce verdict=deny .*path="-"'
g_expect "unprivileged: PTRACE_TRACEME: EPERM" EPERM $U traceme
g_expect "unprivileged, CAP_SYS_PTRACE in its own user namespace: PTRACE_ATTACH: EPERM" \
	EPERM $U -n poketext
g_expect "unprivileged, in its own user namespace: /proc/self/mem: EPERM" \
	EPERM $U -n procmem-self
g_expect "unprivileged: userfaultfd(): EPERM" EPERM $U uffd /cmq/lib-uffd.so
g_check "... logged op=userfaultfd reason=ptrace" \
	logged 'op=userfaultfd reason=ptrace mode=enforce verdict=deny'
g_expect "root: /proc/self/mem opens, the write into code is not forced: EIO" \
	EIO cma procmem-self
g_expect "root (CAP_SYS_PTRACE) under ptrace=cap may still debug: POKETEXT" \
	injected cma poketext
g_expect "ptrace policy raised cap -> deny" ok cmt write $cm/ptrace deny
g_grep "ptrace policy reads deny" '^deny$' cat $cm/ptrace
g_expect "ptrace policy cannot be lowered" EPERM cmt write $cm/ptrace cap
g_expect "ptrace policy rejects garbage" EINVAL cmt write $cm/ptrace yes
g_expect "deny: root PTRACE_ATTACH: EPERM" EPERM cma poketext
g_expect "deny: root PTRACE_TRACEME: EPERM" EPERM cma traceme
g_expect "deny: root /proc/CHILD/mem opened for writing: EPERM" EPERM cma procmem-pid
g_expect "deny: root userfaultfd(): EPERM" EPERM cma uffd /cmq/lib-uffd.so
g_check "deny: reading /proc/1/maps (PTRACE_MODE_READ) still works" \
	grep -q busybox /proc/1/maps

# 2. memfd and SysV shm: exec only when sealed, never from a cached verdict.
g_expect "memfd, unsealed, note-signed bytes: fexecve refused" \
	EACCES cma memfd /cmq/hello-note none exec
g_check "... reason unsealed" logged 'op=exec reason=unsealed mode=enforce verdict=deny'
g_expect "memfd, unsealed: mmap(PROT_EXEC) refused" \
	EACCES cma memfd /cmq/hello-note none mmap
g_expect "memfd sealed (write, shrink, grow): fexecve runs" \
	ok cma memfd /cmq/hello-note write exec
g_expect "memfd sealed (write, shrink, grow): mmap(PROT_EXEC) allowed" \
	ok cma memfd /cmq/hello-note write mmap
g_expect "memfd sealed (future-write, shrink, grow): fexecve runs" \
	ok cma memfd /cmq/hello-note future exec
g_expect "memfd sealed future-write, a writable shared mapping made before: refused" \
	EACCES cma memfd /cmq/hello-note future-wmap exec
g_expect "memfd sealed against writes only (may still grow or shrink): refused" \
	EACCES cma memfd /cmq/hello-note write-only exec
g_expect "memfd sealed, unsigned bytes: refused" \
	EACCES cma memfd /cmq/hello-unsigned write exec
g_check "... reason unsigned" logged 'op=exec reason=unsigned mode=enforce verdict=deny .*memfd:cma'
g_expect "memfd rewritten through a shared mapping: refused from the first fexecve" \
	EACCES cma memfd-rewrite /cmq/hello-note "$COMMENT_OFF"
g_expect "SysV shm: shmat(SHM_EXEC) refused (it cannot be sealed)" EACCES cma shmexec
g_check "... reason unsealed, op mmap" logged 'op=mmap reason=unsealed mode=enforce verdict=deny'

# 4. A private file mapping is writable or executable, never both.
g_expect "mmap rwx private of a signed library: refused" EACCES cma wx-mmap /cmq/lib-x.so
g_check "... reason wx_mapping" logged 'op=mmap reason=wx_mapping mode=enforce verdict=deny'
g_expect "mmap r-x private of a signed library, then mprotect rwx: refused" \
	EACCES cma rx-rwx /cmq/lib-x.so
g_check "... reason wx_mapping (mprotect)" \
	logged 'op=mprotect reason=wx_mapping mode=enforce verdict=deny'
g_expect "the signed library itself still maps executable" ok cmt mmapx /cmq/lib-x.so

# 5. Transient errors are never cached.
io0=$(cmstat denied_io)
g_expect "open(lib, 3) + mmap(PROT_EXEC): mmap needs read access: EACCES" \
	EACCES cma noread-mmap /cmq/lib-noread.so
g_grep "... the kernel verified it through its own read-only open (no io denial)" \
	"^$io0\$" cmstat denied_io
g_expect "... and the intact library still maps executable afterwards" \
	ok cmt mmapx /cmq/lib-noread.so

# Truncating a file mapped executable takes its pages away (SIGBUS).
g_expect "truncate(2) of a library mapped executable: ETXTBSY" \
	ETXTBSY cma trunc-mapped /cmq/lib-trunc.so
g_check "... logged op=truncate reason=exec_mapped" \
	logged 'op=truncate reason=exec_mapped mode=enforce verdict=deny'
g_expect "open(O_TRUNC) of a library mapped executable: ETXTBSY" \
	ETXTBSY cma otrunc-mapped /cmq/lib-otrunc.so
g_expect "... both untouched: they still map executable" ok cmt mmapx /cmq/lib-trunc.so

# 6. Revoked by file: every carrier's digest.
g_expect "a file revoked with cmkeys bundle --revoke FILE is refused" \
	EACCES cmt exec /cmq/hello-dual
cp /cmq/hello-dual /cmq/dual-copy
g_expect "cp dropped the copy's security.ima" ENODATA cmt rmsig /cmq/dual-copy
g_expect "the copy, signed by its ELF note only, is refused too" \
	EACCES cmt exec /cmq/dual-copy
g_check "... reason revoked" logged 'reason=revoked .*path="/cmq/dual-copy"'

# 3. Bounded parsing: the costliest ELF the limits allow (2^16 sections, a
#    1 MiB name table, 65534 note sections; the old per-section memchr made
#    this 64 GiB of compares) costs an unprivileged mmap(PROT_EXEC) at most
#    PARSE_BOUND_MS, and a heartbeat on the guest's one vCPU never waits
#    more than 1 s.  Each attempt uses a fresh copy: no cached verdict.
PARSE_BOUND_MS=3000
g_expect "worst-case ELF written" ok cma worst-elf /tmp/worst0
cma heartbeat 15000 > /tmp/heartbeat &
hb=$!
sleep 1
for i in 1 2 3; do
	cp /tmp/worst0 /tmp/worst$i
	out=$($U timed-mmapx /tmp/worst$i 2>&1)
	ms=$(echo "$out" | sed -n 's/^ms=//p')
	echo "# worst-case ELF, attempt $i: $(echo $out)"
	if echo "$out" | grep -q '^result=EACCES$' &&
	   [ -n "$ms" ] && [ "$ms" -le $PARSE_BOUND_MS ]; then
		g_ok "worst-case ELF $i refused (unsigned) in ${ms} ms <= $PARSE_BOUND_MS ms"
	else
		g_fail "worst-case ELF $i: want EACCES within $PARSE_BOUND_MS ms: $(echo $out)"
	fi
done
g_check "... logged reason=unsigned" logged 'reason=unsigned .*path="/tmp/worst1"'
wait $hb
gap=$(sed -n 's/^maxgap_ms=//p' /tmp/heartbeat)
echo "# heartbeat: longest wait ${gap:-?} ms"
if [ -n "$gap" ] && [ "$gap" -lt 1000 ]; then
	g_ok "heartbeat never stalled more than 1 s (longest wait $gap ms)"
else
	g_fail "heartbeat stalled: longest wait ${gap:-?} ms"
fi
rm -f /tmp/worst0 /tmp/worst1 /tmp/worst2 /tmp/worst3

g_grep "stats count the new reasons" '^denied_unsealed [1-9]' cat $cm/stats
g_done
