# The guest half of boot 1 ("install") of tests/qemu/keys-stock.sh
# (busybox sh): seal to the guest TPM, the seal echoed back to the host
# ("SEAL:<hex>"), unseal, a tampered bundle refused by unseal, provision
# and the init-premount script.
. /cmq/lib.sh
T=device:/dev/tpmrm0
B=/etc/cryptomark/keyring.bundle
g_check "guest has /dev/tpmrm0" test -c /dev/tpmrm0
g_check "seal to the guest TPM's PCRs 0,7,14" cmkeys seal --tcti $T --pcrs sha256:0,7,14 $B
echo "SEAL:$(hexdump -v -e '1/1 "%02x"' $B.seal)"
g_grep "unseal in the guest" '^trust keyid [0-9a-f]{8} /CN=cryptomark signer' cmkeys unseal --tcti $T --allow-unsigned-bundle $B
cp $B /tmp/t.bundle && cp $B.seal /tmp/t.bundle.seal
printf 'X' | dd of=/tmp/t.bundle bs=1 seek=200 conv=notrunc 2>/dev/null
g_grep "tampered bundle: unseal refuses" 'bundle changed' cmkeys unseal --tcti $T --allow-unsigned-bundle /tmp/t.bundle
g_grep "tampered bundle: provision refuses" 'bundle changed' cmkeys provision --tcti $T --allow-unsigned-bundle --keyring _imabad /tmp/t.bundle
if grep -q '_imabad' /proc/keys; then g_fail "refused provision created a keyring"; else g_ok "refused provision left no keyring"; fi
# The init-premount script on a tampered bundle, told to boot on.
mkdir -p /scripts/init-premount
cp /cmq/functions /scripts/functions && cp /cmq/init-premount /scripts/init-premount/cryptomark
cp $B /tmp/good.bundle && cp /tmp/t.bundle $B
printf 'KEYRING=_imafail\nTCTI=%s\nON_FAILURE=continue\nALLOW_UNSIGNED_BUNDLE=yes\n' $T >/etc/cryptomark/provision.conf
export quiet=n
g_grep "init-premount on a tampered bundle: failure reported" \
	'cryptomark: keyring provisioning failed: no signer key is trusted' sh /scripts/init-premount/cryptomark
# PCR 14 was capped by the refused provision above: that is the reason now.
g_grep "... the reason kept in /run/cryptomark.failed" 'cmkeys provision: PCR policy mismatch' cat /run/cryptomark.failed
if grep -q '_imafail' /proc/keys; then g_fail "failed init-premount created a keyring"; else g_ok "... and no keyring created"; fi
cp /tmp/good.bundle $B
g_grep "the refused provision still capped PCR 14: the good bundle no longer unseals" \
	'PCR policy mismatch' cmkeys unseal --tcti $T --allow-unsigned-bundle $B
g_done
