# The guest half of tests/qemu/revoke-tests.sh (busybox sh): booted in
# mode off, the signer's key added, enforce with the keyring unlocked;
# digests written to securityfs "revoke" refuse what ran before, bad
# entries get their errno, the lock freezes the list.  /cmq/revoke.env
# holds the digests the host computed (D_HELLO, D_BOTH, D_NOTE, D_OTHER).
. /cmq/lib.sh
. /cmq/revoke.env

g_begin_lsm
g_expect "signer certificate added to .cryptomark" ok cmt addkey "$(cat $cm/keyring)" /cmq/signer.der
g_expect "mode raised to enforce, keyring still unlocked" ok cmt write $cm/mode enforce
g_grep "no digest revoked yet" '^0$' cmstat revoked_digests

g_expect "signed binary runs" ok cmt exec /cmq/hello
h=$(cmstat hashed)
g_expect "signed binary runs again" ok cmt exec /cmq/hello
g_grep "... from the cache (nothing hashed)" "^$h\$" cmstat hashed
g_expect "both carriers: runs" ok cmt exec /cmq/hello-both
g_expect "note carrier: runs" ok cmt exec /cmq/hello-note
g_expect "control binary runs" ok cmt exec /cmq/hello-keep

g_expect "revoke hello's sha256" ok cmt write $cm/revoke "sha256:$D_HELLO
"
g_grep "stats: one revoked digest" '^1$' cmstat revoked_digests
den=$(cmstat denied_revoked) h=$(cmstat hashed)
g_expect "revoked binary refused at once" EACCES cmt exec /cmq/hello
# Every cached verdict goes: the (static) probe cmt and hello are hashed again.
g_grep "the cached verdicts were dropped: cmt and hello hashed again" "^$((h + 2))\$" cmstat hashed
g_check "denial logged with reason=revoked" logged 'op=exec reason=revoked mode=enforce verdict=deny .*path="/cmq/hello"'
g_grep "stats: denied_revoked grew" "^$((den + 1))\$" cmstat denied_revoked
g_expect "revoked binary refused again (cached refusal)" EACCES cmt exec /cmq/hello
g_expect "a file with another digest still runs" ok cmt exec /cmq/hello-keep

g_expect "revoke the security.ima digest of a both-carrier file" ok \
	cmt write $cm/revoke "sha256:$D_BOTH"
g_expect "both carriers: refused although its ELF note is valid" EACCES cmt exec /cmq/hello-both
g_expect "revoke the note carrier's digest (descriptor as zeros)" ok \
	cmt write $cm/revoke "sha256:$D_NOTE"
g_expect "note carrier: refused" EACCES cmt exec /cmq/hello-note
g_check "note carrier: reason=revoked" logged 'reason=revoked .*path="/cmq/hello-note"'
g_expect "the same digest again is accepted" ok cmt write $cm/revoke "sha256:$D_HELLO"
g_grep "... and counted once" '^3$' cmstat revoked_digests

# Bad entries, each with its own errno.
g_expect "no colon: EINVAL" EINVAL cmt write $cm/revoke "$D_HELLO"
g_expect "non-hex digits: EINVAL" EINVAL cmt write $cm/revoke \
	"sha256:zz${D_HELLO#??}"
g_expect "digest too short for sha256: EINVAL" EINVAL cmt write $cm/revoke "sha256:${D_HELLO#??}"
g_expect "sha384 with a sha256-sized digest: EINVAL" EINVAL cmt write $cm/revoke "sha384:$D_HELLO"
g_expect "sha1: ENOPKG" ENOPKG cmt write $cm/revoke "sha1:0123456789abcdef0123456789abcdef01234567"
g_expect "md5: ENOPKG" ENOPKG cmt write $cm/revoke "md5:0123456789abcdef0123456789abcdef"
g_expect "longer than any entry: EINVAL" EINVAL cmt write $cm/revoke \
	"sha512:$D_HELLO$D_HELLO$D_HELLO"
g_grep "bad entries added nothing" '^3$' cmstat revoked_digests

g_expect "keyring locked" ok cmt write $cm/lock 1
g_expect "locked: a new revocation is refused" EPERM cmt write $cm/revoke "sha256:$D_OTHER"
g_grep "locked: the list is frozen" '^3$' cmstat revoked_digests
g_expect "locked: revoked binary still refused" EACCES cmt exec /cmq/hello
g_expect "locked: control binary still runs" ok cmt exec /cmq/hello-keep
g_done
