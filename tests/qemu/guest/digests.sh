# The guest half of tests/qemu/digests-tests.sh (busybox sh): booted with
# cryptomark.mode=enforce, the initial-rootfs trust on and
# cryptomark.digests_max=4.  The initramfs runs unsigned until a signed
# program on a tmpfs runs; then the digest table allows unsigned files by
# (digest, signature) entries.  /cmq/digests.env holds what the host
# computed: D_PROG, D_PROG2, D512_PROG3, D_X1..3 (digests) and SIG_PROG,
# SIG_PROG2, SIG_PROG3, SIG_BAD (security.ima values in hex).
. /cmq/lib.sh
. /cmq/digests.env
dg=$cm/digests

g_begin_lsm
g_grep "booted in enforce (cryptomark.mode=enforce)" '^enforce$' cat $cm/mode
n0=$(cmstat initramfs_allowed)
g_check "initramfs_allowed grew at boot (/init, sh, ... ran under enforce)" \
	test "${n0:-0}" -gt 0
g_expect "trust: an unsigned program of the initramfs runs under enforce" ok \
	cmt exec /cmq/hello-unsigned
g_check "... counted in initramfs_allowed" test "$(cmstat initramfs_allowed)" -gt "$n0"
g_expect "signer certificate added to .cryptomark" ok cmt addkey "$(cat $cm/keyring)" /cmq/signer.der

# The first exec from another filesystem ends the trust.
g_check "a tmpfs mounted" sh -c 'mkdir -p /mnt/t && mount -t tmpfs tmpfs /mnt/t && cp /cmq/hello /mnt/t/hello'
g_expect "... and the signed program copied there with its signature" ok cmt copysig /cmq/hello /mnt/t/hello
g_expect "a signed program on the tmpfs runs (first exec from another filesystem)" ok cmt exec /mnt/t/hello
g_check "the end of the trust is logged" logged 'initial rootfs trust ended'
n1=$(cmstat initramfs_allowed)
g_expect "trust ended: the unsigned program of the initramfs is refused" EACCES \
	cmt exec /cmq/hello-unsigned
g_check "... reason=unsigned" logged 'op=exec reason=unsigned .*path="/cmq/hello-unsigned"'
g_expect "trust ended: signed busybox still runs" ok cmt exec /bin/busybox true
g_grep "... and initramfs_allowed no longer grows" "^$n1\$" cmstat initramfs_allowed

# The table.
g_grep "digests: no entries" '^entries 0$' cat $dg
g_grep "digests: the bound is cryptomark.digests_max=4" '^max 4$' cat $dg
g_check "digests is mode 0600" sh -c "ls -l $dg | grep -q '^-rw-------'"
g_expect "an unsigned copy of a signed program is refused" EACCES cmt exec /cmq/prog
g_check "... reason=unsigned" logged 'op=exec reason=unsigned .*path="/cmq/prog"'
a=$(cmstat digest_allowed)
g_expect "an entry whose signature has one byte flipped is accepted (checked at use)" ok \
	cmt write $dg "sha256:$D_PROG $SIG_BAD"
g_expect "... and allows nothing" EACCES cmt exec /cmq/prog
# RSA reports a damaged signature as EINVAL (reason io) or, for 1 in 256
# keys, bad padding (EBADMSG, malformed), as for the same bytes in
# security.ima; either way no longer "unsigned".
g_check "... reason io or malformed: the cached 'unsigned' was dropped by the new entry" \
	logged 'op=exec reason=(io|malformed) .*path="/cmq/prog"'
g_expect "an entry with prog's digest and prog2's (valid) signature" ok \
	cmt write $dg "sha256:$D_PROG $SIG_PROG2"
g_expect "... allows nothing" EACCES cmt exec /cmq/prog
g_check "... reason=bad_signature" logged 'op=exec reason=bad_signature .*path="/cmq/prog"'
g_expect "clear" ok cmt write $dg clear
g_expect "the entry with the valid signature" ok cmt write $dg "sha256:$D_PROG $SIG_PROG
"
g_grep "one entry" '^entries 1$' cat $dg
g_expect "the unsigned copy runs by its entry" ok cmt exec /cmq/prog
g_grep "digest_allowed grew by one" "^$((a + 1))\$" cmstat digest_allowed
h=$(cmstat hashed)
g_expect "runs again" ok cmt exec /cmq/prog
g_grep "... from the cache (nothing hashed)" "^$h\$" cmstat hashed
g_grep "the measurement list has the entry's signature" \
	" sha256:$D_PROG /cmq/prog $SIG_PROG\$" cat $cm/ascii_runtime_measurements
g_check "a copy given another file's security.ima" sh -c 'cp /cmq/prog /tmp/prog-sig'
g_expect "... (copysig)" ok cmt copysig /cmq/hello /tmp/prog-sig
g_expect "a file with a signature carrier of its own is not allowed by the table" EACCES \
	cmt exec /tmp/prog-sig
g_expect "a sha512 entry" ok cmt write $dg "sha512:$D512_PROG3 $SIG_PROG3"
g_expect "the program runs by its sha512 digest" ok cmt exec /cmq/prog3
g_expect "an entry for prog2" ok cmt write $dg "sha256:$D_PROG2 $SIG_PROG2"
g_expect "prog2 runs by its entry" ok cmt exec /cmq/prog2
g_expect "prog2's digest revoked" ok cmt write $cm/revoke "sha256:$D_PROG2"
g_expect "a revoked digest wins over an entry" EACCES cmt exec /cmq/prog2
g_check "... reason=revoked" logged 'op=exec reason=revoked .*path="/cmq/prog2"'
g_expect "an entry for a digest no file has" ok cmt write $dg "sha256:$D_X3 $SIG_PROG"
g_grep "four entries: the table is full" '^entries 4$' cat $dg

# Errors, each with its errno; nothing is added by a refused write.
g_expect "without CAP_SYS_ADMIN: EPERM" EPERM cmt write-nocap $dg "sha256:$D_X1 $SIG_PROG"
g_expect "full: a new entry gets ENOSPC" ENOSPC cmt write $dg "sha256:$D_X1 $SIG_PROG"
g_expect "full: an entry already present is accepted again" ok cmt write $dg "sha256:$D_PROG $SIG_PROG"
g_expect "bad hex in the digest: EINVAL" EINVAL cmt write $dg "sha256:zz${D_X1#??} $SIG_PROG"
g_expect "digest one byte short: EINVAL" EINVAL cmt write $dg "sha256:${D_X1#??} $SIG_PROG"
g_expect "sha384 with a sha256 digest: EINVAL" EINVAL cmt write $dg "sha384:$D_X1 $SIG_PROG"
g_expect "unknown algorithm md5: EINVAL" EINVAL cmt write $dg "md5:0123456789abcdef0123456789abcdef $SIG_PROG"
g_expect "no signature: EINVAL" EINVAL cmt write $dg "sha256:$D_X1"
g_expect "truncated signature header: the parser's EBADMSG" EBADMSG cmt write $dg "sha256:$D_X1 03020401"
g_expect "a signature of another hash algorithm than the line's: EINVAL" EINVAL \
	cmt write $dg "sha512:$D_X1$D_X1 $SIG_PROG"
g_expect "clear with an entry in one write: EINVAL" EINVAL cmt write $dg "clear
sha256:$D_X1 $SIG_PROG"
g_grep "refused writes changed nothing" '^entries 4$' cat $dg

# clear
g_expect "clear" ok cmt write $dg "clear
"
g_grep "... no entries" '^entries 0$' cat $dg
g_check "a new unsigned file with prog's digest" sh -c 'cp /cmq/prog /tmp/prog-new'
g_expect "after clear: the new file is refused" EACCES cmt exec /tmp/prog-new
g_expect "after clear: the file the table allowed is refused too" EACCES cmt exec /cmq/prog
g_expect "one write of three entries, 0 + 3 fit" ok cmt write $dg "sha256:$D_X1 $SIG_PROG
sha256:$D_X2 $SIG_PROG
sha256:$D_X3 $SIG_PROG
"
g_expect "a write of two new entries past the bound (3 + 2 > 4): ENOSPC" ENOSPC \
	cmt write $dg "sha256:$D_PROG $SIG_PROG
sha256:$D_PROG2 $SIG_PROG2"
g_grep "... all or nothing: still three" '^entries 3$' cat $dg
g_expect "the new file is still refused" EACCES cmt exec /tmp/prog-new

# The keyring lock freezes the keys, not the table.
g_expect "clear" ok cmt write $dg clear
g_expect "before lock: prog3's sha512 entry" ok cmt write $dg "sha512:$D512_PROG3 $SIG_PROG3"
g_expect "keyring locked" ok cmt write $cm/lock 1
g_check "a copy of prog3 made after the lock" sh -c 'cp /cmq/prog3 /tmp/prog3-new'
g_expect "after lock: it runs by the entry written before the lock" ok cmt exec /tmp/prog3-new
g_expect "after lock: an entry can be written" ok cmt write $dg "sha256:$D_PROG $SIG_PROG"
g_grep "... two entries" '^entries 2$' cat $dg
a=$(cmstat digest_allowed)
g_expect "after lock: the new file runs by its entry" ok cmt exec /tmp/prog-new
g_grep "... digest_allowed grew" "^$((a + 1))\$" cmstat digest_allowed
g_expect "after lock: clear" ok cmt write $dg clear
g_grep "... no entries" '^entries 0$' cat $dg
g_expect "after lock: the stranger's key cannot be added" EPERM cmt addkey "$(cat $cm/keyring)" /cmq/stranger.der
g_done
