# The guest half of tests/qemu/rules-tests.sh (busybox sh, sourced helpers
# in /cmq/lib.sh).  Booted with cryptomark.mode=off; the policies in
# /cmq/rules/ were made by `cmkeys rules` on the host.
. /cmq/lib.sh
. /cmq/rules.env
cm=/sys/kernel/security/cryptomark
logged() { dmesg | grep -E "cryptomark: .*$1" >/dev/null; }
load() { cmt writefile $cm/rules "/cmq/rules/$1"; }
active() { grep -qx "version $1" $cm/rules; }
# mnt UUID LOSETUP_OPTS MOUNT_OPTS: the image on /mnt/fs (a fresh loop device)
mnt() {
	umount /mnt/fs 2>/dev/null
	losetup -d /dev/loop0 2>/dev/null
	losetup $2 /dev/loop0 "/cmq/$1.img" && mount -t ext4 -o "$3" /dev/loop0 /mnt/fs
}

g_expect "signatures restored on the tmpfs root" ok cmt applysigs /cmq/sigs.list
if [ ! -r $cm/rules ]; then
	g_fail "no $cm/rules: the kernel has no rule set"
	g_done; exit 1
fi
g_check "no policy: version 0, the compiled-in default" \
	sh -c "grep -qx 'version 0' $cm/rules && grep -qx 'digest none' $cm/rules"
cmt addkey "$(cat $cm/keyring)" /cmq/signer.der >/dev/null
cmt addkey "$(cat $cm/keyring)" /cmq/p256.der >/dev/null

# Before the lock: an unsigned policy is taken.
g_expect "unsigned v1 before the lock: loaded" ok load v1.unsigned
g_check "... version 1" active 1
g_check "... signer none" grep -qx 'signer none' $cm/rules
g_check "... logged" logged 'rules version 1 \(was 0\) loaded: sha256:[0-9a-f]{64} signer=none'
g_expect "keyring locked" ok cmt write $cm/lock 1
g_expect "mode raised off -> enforce" ok cmt write $cm/mode enforce

# Refusals after the lock.
g_expect "unsigned v2 after the lock: EPERM" EPERM load v2.unsigned
g_expect "v2 signed by a key not in .cryptomark: ENOKEY" ENOKEY load v2.stranger
g_expect "v2 changed after signing: EKEYREJECTED" EKEYREJECTED load v2.tampered
g_expect "malformed text: EBADMSG" EBADMSG load bad.unsigned
g_check "... logged with its line and reason" logged 'rules refused: line 2: unknown mode'
g_check "... still version 1" active 1

# v2: audit modules, enforce exec.
g_expect "v2 signed: loaded" ok load v2.signer
g_check "... version 2" active 2
g_check "... the text's digest" grep -qx "digest sha256:$(cat /cmq/rules/v2.sha256)" $cm/rules
g_check "... the signer's key id" grep -qx "signer $SIGNER_ID" $cm/rules
g_check "... logged" logged "rules version 2 \\(was 1\\) loaded: sha256:$(cat /cmq/rules/v2.sha256) signer=$SIGNER_ID"
g_expect "v2: unsigned module loads (modules audited)" ok cma finit-module /cmq/cmtest-unsigned.ko
g_check "... logged op=module mode=audit verdict=allow" \
	logged 'op=module reason=unsigned mode=audit verdict=allow .*cmtest-unsigned.ko'
cma delete-module cmtest >/dev/null
g_expect "v2: unsigned program: EACCES (exec enforced)" EACCES cmt exec /cmq/hello-unsigned
g_expect "v2: signed program runs" ok cmt exec /cmq/hello
g_expect "rollback to v1 (signed): ESTALE" ESTALE load v1.signer
g_expect "v2 again (same version): ESTALE" ESTALE load v2.signer
g_check "... logged" logged 'rules version 2 refused: not above the active 2'
g_check "... still version 2" active 2

# v3: the trusted filesystem.
g_expect "v3 (fs UUID rule for exec, mmap, mprotect, check): loaded" ok load v3.signer
mkdir -p /mnt/fs
g_check "trusted UUID, read-only loop device, read-only mount" mnt $UUID_TRUSTED -r ro
g_expect "... its unsigned program runs" ok cmt exec /mnt/fs/hello
g_expect "... Debian's busybox-static on it, unsigned, runs" ok cmt exec /mnt/fs/busybox true
g_expect "... mmap(PROT_EXEC) of it" ok cmt mmapx /mnt/fs/hello
g_expect "... an unsigned module on it (no rule for module): EACCES" \
	EACCES cma finit-module /mnt/fs/cmtest.ko
g_check "... logged op=module reason=unsigned mode=enforce" \
	logged 'op=module reason=unsigned mode=enforce verdict=deny .*path="/mnt/fs/cmtest.ko"'
g_expect "the same bytes on the tmpfs root: EACCES" EACCES cmt exec /cmq/hello-unsigned
g_check "trusted UUID, writable loop device, read-only mount" mnt $UUID_TRUSTED "" ro
g_expect "... its unsigned program: EACCES" EACCES cmt exec /mnt/fs/hello
g_check "trusted UUID, writable device, read-write mount" mnt $UUID_TRUSTED "" rw
g_expect "... its unsigned program: EACCES" EACCES cmt exec /mnt/fs/hello
g_check "another UUID, read-only device and mount" mnt $UUID_OTHER -r ro
g_expect "... its unsigned program: EACCES" EACCES cmt exec /mnt/fs/hello
g_expect "... its unsigned busybox: EACCES" EACCES cmt exec /mnt/fs/busybox true
g_check "trusted UUID again, read-only" mnt $UUID_TRUSTED -r ro
g_expect "... runs again" ok cmt exec /mnt/fs/hello
# Who can mount a chosen UUID: not root of a user namespace (ext4 is not
# mountable there; the superblock would not belong to the initial one).
mkdir -p /mnt/u
losetup -r /dev/loop1 /cmq/$UUID_TRUSTED.img
g_check "a user namespace with its own mount namespace can be made (control)" \
	unshare -r -m sh -c "mount -t tmpfs t /mnt/u"
g_check "root of a new user namespace cannot mount the image" \
	sh -c "! unshare -r -m mount -t ext4 -o ro /dev/loop1 /mnt/u 2>/dev/null"
g_check "... (the same mount from the initial namespace works: control)" \
	sh -c "mount -t ext4 -o ro /dev/loop1 /mnt/u && umount /mnt/u"
losetup -d /dev/loop1

# v4: exec only with the signer's key.
g_expect "root of a user namespace (no CAP_SYS_ADMIN in the initial one): EPERM" \
	EPERM unshare -r cmt writefile $cm/rules /cmq/rules/v4.signer
g_check "... still version 3" active 3
g_expect "v4 (exec: key $SIGNER_ID only): loaded" ok load v4.signer
g_expect "v4: a program signed by the signer runs" ok cmt exec /cmq/hello
g_expect "v4: a program signed by p256 (in the keyring): EACCES" EACCES cmt exec /cmq/hello-p256
g_check "... logged reason=wrong_key" logged 'op=exec reason=wrong_key mode=enforce verdict=deny .*hello-p256'
g_grep "stats count wrong_key" '^denied_wrong_key [1-9]' cat $cm/stats
g_done
