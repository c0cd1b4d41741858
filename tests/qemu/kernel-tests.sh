#!/usr/bin/env bash
# The cryptomark LSM, tested in a real kernel under QEMU (issue 6).
#
# One boot of build/kernel/bzImage with cryptomark.mode=off and a fresh
# swtpm.  The host signs the test files with cmsign; the guest restores the
# signatures (cpio carries no xattrs), seals a keyring bundle of the signer
# certificates to its TPM (swtpm) and provisions it into .cryptomark with
# cmkeys (locks the keyring, caps a PCR), checks that off allows and checks
# nothing, raises the mode to
# audit (allows and logs), then to enforce, and asserts the exact errno of
# every operation the LSM mediates: exec of ELF programs and #! scripts,
# mmap(PROT_EXEC) through dlopen, LD_PRELOAD and ld.so, mprotect, memfd, the
# verdict cache, the keyring lock, the one-way mode and the stats.  The
# contract asserted here is kernel/README.md's: every refusal is EACCES.
#
#   tests/qemu/kernel-tests.sh [KERNEL]        prints "N passed, N failed"
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/../lib.sh"
. "$here/stage.sh"
work=$(mktemp -d /tmp/cmq-kt.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { t_fail "$*"; t_done; exit 1; }
note_ok=1

kernel=${1:-}
[ -n "$kernel" ] || kernel=$(cmq_kernel_cryptomark) || fail "no kernel image"
q=$T_BUILD/qemu
r=$work/root
st_keys "$work" || fail "test keys"
st_base "$r" "$work" || fail "base tree"
[ -x "$CMKEYS" ] || fail "$CMKEYS missing: run 'make all'"
# Keys reach the kernel the way a real boot gives them: a bundle sealed to
# the guest's TPM, provisioned by cmkeys (run in mode off, so unsigned).
tcti_lib=$(ldconfig -p | awk '$1 == "libtss2-tcti-device.so.0" {print $NF; exit}')
[ -n "$tcti_lib" ] || fail "libtss2-tcti-device.so.0 not found (make deps)"
# The bundle also revokes a digest (hello-revoked's) and a key whose
# certificate it carries (provisioning must skip that certificate).
t_mkcert "$work" revoked p256 || fail "revoked-key certificate"
cmq_rootfs_add "$r" "$CMKEYS" /sbin/cmkeys 0755 &&
	cmq_rootfs_add_libs "$r" "$CMKEYS" "$tcti_lib" &&
	cmq_rootfs_add "$r" "$tcti_lib" "$tcti_lib" || fail "staging cmkeys"

c=$r/cmq
# Static ELF programs, one per signature case.
for n in hello hello-unsigned hello-tampered hello-stranger hello-p256 \
	 hello-sha384 hello-sha512 hello-note hello-note-tampered modme late \
	 hello-par hello-audit hello-stats hello-p384 hello-both hello-malformed \
	 hello-sha1 unsignme retrunc hello-revoked hello-revkey; do
	cp "$q/hello" "$c/$n"
done
# Same program, different bytes: carries a signature copied from hello.
cp "$q/hello" "$c/hello-other" && printf 'other' >>"$c/hello-other"
cp "$q/hello-dyn" "$c/hello-dyn"
cp "$q/hello-dyn" "$c/hello-dyn-unsigned"
cp "$q/libcmt.so" "$c/libcmt.so"
cp "$q/libcmt.so" "$c/libcmt-unsigned.so"
cp "$q/libcmt.so" "$c/libcmt-note.so"
cp "$q/libcmt.so" "$c/wlib.so"
cp "$q/dlo" "$c/dlo"
printf '#!/bin/sh\necho script ran\n' >"$c/script-signed"
printf '#!/bin/sh\necho script ran\n' >"$c/script-unsigned"
printf '#!/cmq/hello-unsigned\n' >"$c/script-badinterp"
chmod 0755 "$c"/script-*

st_sign signer "$c/hello" "$c/hello-tampered" "$c/modme" "$c/hello-par" \
	"$c/hello-dyn" "$c/libcmt.so" "$c/wlib.so" "$c/dlo" "$c/script-signed" \
	"$c/script-badinterp" || fail "cmsign"
st_sign signer --hash sha384 "$c/hello-sha384" || fail "cmsign sha384"
st_sign signer --hash sha512 "$c/hello-sha512" || fail "cmsign sha512"
st_sign p256 "$c/hello-p256" || fail "cmsign p256"
st_sign p384 --hash sha384 "$c/hello-p384" || fail "cmsign p384"
st_sign signer "$c/unsignme" "$c/retrunc" || fail "cmsign"
# Both carriers: the note inside, then security.ima over the final bytes.
st_sign signer --carrier both "$c/hello-both" || note_ok=0
st_sign stranger "$c/hello-stranger" || fail "cmsign stranger"
printf 'revoked' >>"$c/hello-revoked"
st_sign signer "$c/hello-revoked" || fail "cmsign (revoked digest)"
st_sign revoked "$c/hello-revkey" || fail "cmsign (revoked key)"
"$CMKEYS" bundle -o "$r/cmq/keyring.bundle" \
	--revoke "sha256:$(sha256sum "$c/hello-revoked" | cut -d' ' -f1)" \
	--revoke "$work/revoked.pem" "$work/signer.pem" "$work/p256.pem" \
	"$work/p384.pem" "$work/revoked.pem" >/dev/null || fail "cmkeys bundle"
# The signature for "late" travels as a file: set in the guest only after
# late was refused, to show that an xattr change drops the cached verdict.
cp "$c/late" "$work/late" && st_sign signer "$work/late" &&
	st_sigblob "$work/late" "$c/late.sig" || fail "late signature"
# Tampered after signing: one byte more, the signature stays.
printf 'X' >>"$c/hello-tampered"
# ELF note carrier: the signature is in the file's bytes, no xattr at all.
st_sign signer --carrier note "$c/hello-note" "$c/hello-note-tampered" \
	"$c/libcmt-note.so" || note_ok=0
printf 'X' >>"$c/hello-note-tampered"
# Bad headers, made from a good signature: sig_size claims 256 bytes more
# than follow (malformed); hash algorithm 2, SHA-1 (unsupported).
cp "$c/hello-malformed" "$work/m" && st_sign signer "$work/m" && st_sigblob "$work/m" "$work/m.sig" ||
	fail "signature for the malformed cases"
{ head -c 7 "$work/m.sig"; printf '\002\000'; tail -c +10 "$work/m.sig"; } >"$c/malformed.sig"
{ printf '\003\002\002'; tail -c +4 "$work/m.sig"; } >"$c/sha1.sig"
nsig=$(cmq_rootfs_save_sigs "$r") || fail "saving signatures"
echo "# $nsig signatures staged"

cat >"$c/test.sh" <<'G'
. /cmq/lib.sh
cm=/sys/kernel/security/cryptomark
# cmstat NAME: one counter of the stats file.
cmstat() { sed -n "s/^$1 //p" $cm/stats; }
# logged PATTERN: the kernel log has a line matching PATTERN.
logged() { dmesg | grep -E "cryptomark: .*$1" >/dev/null; }

g_expect "signatures restored on the tmpfs root" ok cmt applysigs /cmq/sigs.list
if [ ! -r $cm/mode ]; then
	g_fail "no $cm/mode: the kernel has no cryptomark LSM"
	g_done; exit 1
fi
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
G
chmod +x "$c/test.sh"
cmq_initramfs "$r" "$work/initrd.gz" || fail "initramfs"
echo "# kernel: $kernel"
start=$(date +%s.%N)
cmq_boot -k "$kernel" -i "$work/initrd.gz" -l "$work/console.log" \
	-a "cryptomark.mode=off cmq.note=$note_ok" -t 180
rc=$?
echo "# boot + tests: $(printf '%.1f' "$(echo "$(date +%s.%N) - $start" | bc)") s"
cmq_report "$work/console.log" $rc 60
