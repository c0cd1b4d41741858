# The guest half of tests/qemu/kernel-tests.sh (busybox sh): booted in
# mode off, signatures restored, keys provisioned from the TPM by cmkeys;
# off, audit and enforce checked in turn, with the exact errno of every
# operation the LSM mediates.  cmq.note=0 on the command line: the host
# could not sign the ELF-note cases.
. /cmq/lib.sh

g_begin_lsm
g_grep "booted in mode off (cryptomark.mode=off)" '^off$' cat $cm/mode
ring=$(cat $cm/keyring)
g_expect "a non-asymmetric key cannot be linked: EOPNOTSUPP" EOPNOTSUPP \
	cmt addkey-user "$ring" /cmq/signer.der
T=device:/dev/tpmrm0
B=/cmq/keyring.bundle
g_check "keyring bundle sealed to the guest TPM (PCRs 7, 14)" \
	cmkeys seal --tcti $T --pcrs sha256:7,14 $B
pcr0=$(cmkeys pcrs --tcti $T --pcrs sha256:14)
out=$(cmkeys provision --tcti $T --allow-unsigned-bundle --cap-pcr 14 $B 2>&1)
if echo "$out" | grep -qE "provisioned 3 keys into keyring \.cryptomark .*locked"; then
	g_ok "bundle provisioned into .cryptomark through the TPM: $(echo "$out" | tail -n1)"
	g_grep "provisioning skipped the certificate the bundle revokes" \
		'^skipped 1 certificates whose key id the bundle revokes$' echo "$out"
	g_grep "provisioning handed the revoked digest to the LSM" \
		'^1 revoked digests refused by the cryptomark LSM$' echo "$out"
else
	g_fail "provisioning into .cryptomark: $out"
	# Keep the rest meaningful: load the certificates directly.
	for k in signer p256 p384; do cmt addkey "$ring" /cmq/$k.der; done
	cmt write $cm/lock 1
fi
g_grep "provisioning locked the keyring" '^1$' cat $cm/lock
pcr1=$(cmkeys pcrs --tcti $T --pcrs sha256:14)
if [ -n "$pcr0" ] && [ -n "$pcr1" ] && [ "$pcr0" != "$pcr1" ]; then
	g_ok "provisioning capped PCR 14"
else
	g_fail "PCR 14 unchanged by provisioning: '$pcr0' -> '$pcr1'"
fi
g_grep "the bundle cannot be unsealed again this boot" 'PCR policy mismatch' \
	cmkeys unseal --tcti $T --allow-unsigned-bundle $B
g_grep "the three signer keys are in .cryptomark" '^3$' \
	sh -c "grep -c 'asymmetri .*cryptomark test' /proc/keys"
g_expect "adding a key after lock fails" EPERM cmt addkey "$ring" /cmq/stranger.der

# off: everything runs, nothing is checked.
checks0=$(cmstat checks)
g_expect "off: unsigned binary runs" ok cmt exec /cmq/hello-unsigned
g_expect "off: memfd exec runs (control for the enforce case)" ok cmt fexec-memfd /cmq/hello
g_expect "off: unsigned library loads (control)" ok cmt tracex /cmq/dlo /cmq/libcmt-unsigned.so
g_grep "off: no check counted" "^$checks0\$" cmstat checks

# audit: allowed and logged.
g_expect "mode raised off -> audit" ok cmt write $cm/mode audit
den=$(cmstat denied) enf=$(cmstat enforced)
g_expect "audit: unsigned binary runs" ok cmt exec /cmq/hello-audit
# At least one: audit mode lets the exec go on, so the ELF loader's own
# mmap(PROT_EXEC) of the file is judged (and counted) too.
g_check "audit: counted as denied" test "$(cmstat denied)" -gt "$den"
g_grep "audit: not counted as enforced" "^$enf\$" cmstat enforced
g_check "audit: logged with verdict=allow" \
	logged 'op=exec reason=unsigned mode=audit verdict=allow .*path="/cmq/hello-audit"'

# audit: writers and executable mappings are logged, not refused.
exec 4>>/cmq/libcmt.so
g_expect "audit: mmap(PROT_EXEC) of a file open for writing allowed" ok cmt mmapx /cmq/libcmt.so
exec 4>&-
g_check "audit: ... logged with reason writable, verdict=allow" \
	logged 'op=mmap reason=writable mode=audit verdict=allow .*path="/cmq/libcmt.so"'
g_expect "audit: open for writing while mapped executable allowed" ok cmt xmap-openw /cmq/libcmt.so
g_check "audit: ... logged with reason exec_mapped, verdict=allow" \
	logged 'op=write_open reason=exec_mapped mode=audit verdict=allow .*path="/cmq/libcmt.so"'

g_expect "mode raised audit -> enforce" ok cmt write $cm/mode enforce
g_grep "mode reads enforce" '^enforce$' cat $cm/mode

# Signed programs run.
g_expect "signed static binary runs (RSA, sha256, xattr)" ok cmt exec /cmq/hello
g_expect "signed with sha384 runs" ok cmt exec /cmq/hello-sha384
g_expect "signed with sha512 runs" ok cmt exec /cmq/hello-sha512
g_expect "signed with ECDSA P-256 runs" ok cmt exec /cmq/hello-p256
g_expect "signed with ECDSA P-384 (sha384) runs" ok cmt exec /cmq/hello-p384
g_expect "signed dynamic binary runs (signed ld.so and libc)" ok cmt exec /cmq/hello-dyn
g_expect "signed #! script runs" ok cmt exec /cmq/script-signed
if grep -q cmq.note=1 /proc/cmdline; then
	g_expect "ELF note carrier: signed binary without xattr runs" ok cmt exec /cmq/hello-note
	g_expect "ELF note carrier: tampered binary refused" EACCES cmt exec /cmq/hello-note-tampered
	g_expect "both carriers: binary runs" ok cmt exec /cmq/hello-both
	g_expect "ELF note carrier: dlopen of a note-signed library works" ok \
		cmt tracex /cmq/dlo /cmq/libcmt-note.so
else
	g_fail "ELF note carrier: cmsign --carrier note failed on the host"
fi

# Refusals: exec.
g_expect "unsigned binary refused" EACCES cmt exec /cmq/hello-unsigned
g_check "enforce: denial logged with op, reason, mode, verdict, path" \
	logged 'op=exec reason=unsigned mode=enforce verdict=deny pid=[0-9]+ comm="cmt" path="/cmq/hello-unsigned"'
g_expect "tampered binary refused" EACCES cmt exec /cmq/hello-tampered
g_check "tampered: reason bad_signature" logged 'reason=bad_signature .*path="/cmq/hello-tampered"'
g_expect "binary signed by an unknown key refused" EACCES cmt exec /cmq/hello-stranger
g_expect "binary whose digest the bundle revokes refused" EACCES cmt exec /cmq/hello-revoked
g_check "revoked digest: reason revoked" logged 'reason=revoked .*path="/cmq/hello-revoked"'
g_expect "binary signed by a key the bundle revokes refused" EACCES cmt exec /cmq/hello-revkey
g_check "revoked key: reason unknown_key (never loaded)" logged 'reason=unknown_key .*path="/cmq/hello-revkey"'
g_check "unknown key: reason unknown_key" logged 'reason=unknown_key .*path="/cmq/hello-stranger"'
g_expect "malformed header set (sig_size beyond the value)" ok \
	cmt setsig /cmq/hello-malformed /cmq/malformed.sig
g_expect "malformed signature refused" EACCES cmt exec /cmq/hello-malformed
g_check "malformed: reason malformed" logged 'reason=malformed .*path="/cmq/hello-malformed"'
g_expect "SHA-1 signature header set" ok cmt setsig /cmq/hello-sha1 /cmq/sha1.sig
g_expect "SHA-1 signature refused" EACCES cmt exec /cmq/hello-sha1
g_check "SHA-1: reason unsupported" logged 'reason=unsupported .*path="/cmq/hello-sha1"'
g_expect "copy of the xattr: set on another file" ok cmt copysig /cmq/hello /cmq/hello-other
g_expect "xattr copied from another signed file refused" EACCES cmt exec /cmq/hello-other
g_expect "unsigned dynamic binary refused" EACCES cmt exec /cmq/hello-dyn-unsigned
g_expect "unsigned #! script refused" EACCES cmt exec /cmq/script-unsigned
g_expect "signed #! script with an unsigned interpreter refused" EACCES cmt exec /cmq/script-badinterp
g_expect "memfd exec (fexecve) refused" EACCES cmt fexec-memfd /cmq/hello
g_check "memfd: reason unsealed (its writers are not counted)" \
	logged 'op=exec reason=unsealed mode=enforce verdict=deny .*path="/memfd:cmt-memfd'

# Refusals: mmap(PROT_EXEC) through the loader.
# glibc's loader reports a refused mmap as "failed to map segment from
# shared object" and resets errno; cmt tracex reads the errno at the
# syscall's exit (ptrace) and names the file.
g_expect "dlopen of a signed library works" ok cmt tracex /cmq/dlo /cmq/libcmt.so
g_expect_grep "dlopen of an unsigned library refused: mmap EACCES" EACCES \
	'refused: mmap\(PROT_EXEC\) /cmq/libcmt-unsigned.so: EACCES' \
	cmt tracex /cmq/dlo /cmq/libcmt-unsigned.so
g_expect_grep "LD_PRELOAD of a signed library runs its constructor" ok \
	'libcmt constructor ran' cmt tracex -e LD_PRELOAD=/cmq/libcmt.so /cmq/hello-dyn
G_NOT='libcmt constructor ran'
g_expect_grep "LD_PRELOAD of an unsigned library refused: mmap EACCES, its code never runs" \
	EACCES 'refused: mmap\(PROT_EXEC\) /cmq/libcmt-unsigned.so: EACCES' \
	cmt tracex -e LD_PRELOAD=/cmq/libcmt-unsigned.so /cmq/hello-dyn
G_NOT=
g_check "LD_PRELOAD: mmap denial logged" \
	logged 'op=mmap reason=unsigned mode=enforce verdict=deny .*path="/cmq/libcmt-unsigned.so"'
g_expect "ld.so ./signed runs" ok cmt tracex /lib64/ld-linux-x86-64.so.2 /cmq/hello-dyn
g_expect_grep "ld.so ./unsigned refused: mmap EACCES" EACCES \
	'refused: mmap\(PROT_EXEC\) /cmq/hello-dyn-unsigned: EACCES' \
	cmt tracex /lib64/ld-linux-x86-64.so.2 /cmq/hello-dyn-unsigned
g_expect "mmap(PROT_EXEC) of a signed file allowed" ok cmt mmapx /cmq/libcmt.so
g_expect "mmap(PROT_EXEC) of an unsigned file refused" EACCES cmt mmapx /cmq/libcmt-unsigned.so

# mprotect(+PROT_EXEC).
g_expect "mprotect(+X) of a clean private mapping of a signed file allowed" ok \
	cmt mprotect /cmq/libcmt.so clean
g_expect "mprotect(+X) of a written private mapping of a signed file refused" EACCES \
	cmt mprotect /cmq/libcmt.so written
g_check "written mapping: reason written_mapping" logged 'op=mprotect reason=written_mapping '
g_expect "mprotect(+X) of an unsigned file mapping refused" EACCES \
	cmt mprotect /cmq/libcmt-unsigned.so clean

# The verdict cache follows the file.
g_expect "modify after exec: first exec runs" ok cmt exec /cmq/modme
printf 'X' >>/cmq/modme
g_expect "modify after exec: re-verified and refused" EACCES cmt exec /cmq/modme
# A file is never writable and executable at once: a writer could change
# the bytes under a mapping after they were checked.
exec 3>>/cmq/wlib.so
g_expect "open for write: mmap(PROT_EXEC) of the still-signed file refused" EACCES cmt mmapx /cmq/wlib.so
g_check "open for write: reason writable" logged 'op=mmap reason=writable mode=enforce verdict=deny .*path="/cmq/wlib.so"'
g_expect "open for write: mprotect(+X) of a clean mapping refused" EACCES cmt mprotect /cmq/wlib.so clean
printf 'X' >&3
exec 3>&-
g_expect "after the writer closed: its byte is seen (bad signature)" EACCES cmt mmapx /cmq/wlib.so
g_check "... reason bad_signature" logged 'reason=bad_signature .*path="/cmq/wlib.so"'
g_expect "O_RDWR fd of a signed library mapped PROT_EXEC (MAP_SHARED): refused" EACCES \
	cmt rw-xmap /cmq/libcmt.so
g_expect "O_RDWR fd of a signed library, shared mapping made executable by mprotect: refused" EACCES \
	cmt rw-mprotect /cmq/libcmt.so
g_expect "a file mapped executable cannot be opened for writing: ETXTBSY" ETXTBSY \
	cmt xmap-openw /cmq/libcmt.so
g_check "... logged as op=write_open reason=exec_mapped" \
	logged 'op=write_open reason=exec_mapped mode=enforce verdict=deny .*path="/cmq/libcmt.so"'
g_expect "once unmapped it opens for writing" ok cmt openw /cmq/libcmt.so
g_expect "... and, unchanged, still maps executable" ok cmt mmapx /cmq/libcmt.so
g_expect "unsignme: runs while signed" ok cmt exec /cmq/unsignme
g_expect "unsignme: signature removed" ok cmt rmsig /cmq/unsignme
g_expect "unsignme: refused once the xattr is gone" EACCES cmt exec /cmq/unsignme
g_expect "retrunc: runs" ok cmt exec /cmq/retrunc
h=$(cmstat hashed)
truncate -s "$(wc -c </cmq/retrunc)" /cmq/retrunc
g_expect "retrunc: same-size truncate, still runs" ok cmt exec /cmq/retrunc
g_grep "retrunc: truncate dropped the verdict (hashed again)" "^$((h + 1))\$" cmstat hashed
g_expect "late: refused while unsigned" EACCES cmt exec /cmq/late
g_expect "late: signature set afterwards" ok cmt setsig /cmq/late /cmq/late.sig
g_expect "late: runs once signed (xattr change dropped the verdict)" ok cmt exec /cmq/late

# Stats move.
den=$(cmstat denied_unsigned) enf=$(cmstat enforced)
cmt exec /cmq/hello-stats >/dev/null
g_grep "stats: denied_unsigned grew" "^$((den + 1))\$" cmstat denied_unsigned
g_grep "stats: enforced grew" "^$((enf + 1))\$" cmstat enforced
cmt exec /cmq/hello-sha512 >/dev/null
hits=$(cmstat cache_hits)
cmt exec /cmq/hello-sha512 >/dev/null
g_check "stats: second exec of a file is a cache hit" test "$(cmstat cache_hits)" -gt "$hits"

# 8 parallel exec loops of a binary never run before: no error, hashed once.
h0=$(cmstat hashed) v0=$(cmstat verified)
g_expect "8 parallel exec loops x 40 of one binary" ok cmt parexec 8 40 /cmq/hello-par
g_grep "concurrent first execs hashed the file once" "^$((h0 + 1))\$" cmstat hashed
g_grep "stats: ... and verified its signature once" "^$((v0 + 1))\$" cmstat verified

# The mode only goes up; the keyring locks for good.
g_expect "mode cannot be lowered to audit" EPERM cmt write $cm/mode audit
g_expect "mode cannot be lowered to off" EPERM cmt write $cm/mode off
g_expect "mode rejects garbage" EINVAL cmt write $cm/mode permissive
g_grep "mode still enforce" '^enforce$' cat $cm/mode
g_expect "locking again is accepted" ok cmt write $cm/lock 1
g_expect "adding a key still fails" EPERM cmt addkey "$ring" /cmq/stranger.der
g_expect "unlocking fails" EPERM cmt write $cm/lock 0
g_expect "still-trusted key keeps working after lock" ok cmt exec /cmq/hello-p256
g_done
