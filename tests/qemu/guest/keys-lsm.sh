# The guest half of tests/qemu/keys-lsm.sh (busybox sh): cmkeys seals the
# bundle to the guest TPM and provisions it into ".cryptomark"; the lock,
# the capped PCR 14, then enforce with the provisioned key.
. /cmq/lib.sh
T=device:/dev/tpmrm0
B=/etc/cryptomark/keyring.bundle
S=/sys/kernel/security/cryptomark
g_expect "signatures restored on the tmpfs root" ok cmt applysigs /cmq/sigs.list
g_grep "LSM keyring serial published" '^[0-9]+$' cat $S/keyring
g_check "seal to the guest TPM's PCRs 7,14" cmkeys seal --tcti $T --pcrs sha256:7,14 $B
before=$(cmkeys pcrs --tcti $T --pcrs sha256:14)
out=$(cmkeys provision --tcti $T --signed-by /etc/cryptomark/ca.pem $B 2>&1)
echo "# guest: $out"
g_grep "provision into .cryptomark (the default keyring), bundle signed by the CA" \
	"^provisioned 1 keys into keyring .cryptomark \($(cat $S/keyring)\), locked; PCR 14 capped; [0-9.]+ ms$" \
	echo "$out"
g_grep "securityfs lock reads 1" '^1$' cat $S/lock
g_expect "locked: adding a key to .cryptomark fails" EPERM cmt addkey .cryptomark /cmq/stranger.der
after=$(cmkeys pcrs --tcti $T --pcrs sha256:14)
if [ -n "$before" ] && [ -n "$after" ] && [ "$before" != "$after" ]; then
	g_ok "capping PCR 14 changed"
else
	g_fail "capping PCR 14 unchanged: '$before' -> '$after'"
fi
g_grep "the secret cannot be unsealed again this boot" 'PCR policy mismatch' cmkeys unseal --tcti $T --signed-by /etc/cryptomark/ca.pem $B
g_expect "mode raised to enforce" ok cmt write $S/mode "enforce
"
g_expect "enforce: binary signed with the provisioned key runs" ok cmt exec /cmq/hello
g_expect "enforce: unsigned binary refused" EACCES cmt exec /cmq/hello-unsigned
g_expect "enforce: binary signed by a key not in the bundle refused" EACCES cmt exec /cmq/hello-stranger
g_done
