# The guest half of boot 2 ("provisioning") of tests/qemu/keys-stock.sh
# (busybox sh): the real init-premount script provisions the bundle into
# _ima, locked, PCR 14 capped; then the stock kernel's IMA appraisal runs
# the signed binary and refuses the others.
. /cmq/lib.sh
T=device:/dev/tpmrm0
B=/etc/cryptomark/keyring.bundle
g_expect "signatures restored on the tmpfs root" ok cmt applysigs /cmq/sigs.list
before=$(cmkeys pcrs --tcti $T --pcrs sha256:14)
# As initramfs-tools' /init runs it: quiet set, functions available.
export quiet=n
out=$(sh /scripts/init-premount/cryptomark 2>&1)
echo "# guest: $(echo "$out" | grep -oE 'provisioned .* ms')"
g_grep "init-premount script provisions the bundle into _ima" \
	'provisioned 1 keys into keyring _ima \([0-9]+\), locked; PCR 14 capped; [0-9.]+ ms' \
	echo "$out"
g_check "no failure marker" test ! -e /run/cryptomark.failed
# What the script hands cmkeys, seen through a stand-in that only echoes.
mkdir -p /tmp/stub && printf '#!/bin/sh\necho "stub cmkeys $*"\n' >/tmp/stub/cmkeys && chmod 0755 /tmp/stub/cmkeys
g_grep "init-premount passes --signed-by the pinned signer (SIGNED_BY)" \
	'stub cmkeys provision .*--signed-by /etc/cryptomark/bundle-signer.pem /etc/cryptomark/keyring.bundle' \
	env PATH=/tmp/stub:$PATH sh /scripts/init-premount/cryptomark
g_expect "keyring _ima exists" ok cmt keyring _ima
g_grep "the signer certificate is in _ima" 'asymmetri +cryptomark signer: ' cat /proc/keys
g_expect "keyring locked: adding a key fails" EACCES cmt addkey _ima /cmq/stranger.der
after=$(cmkeys pcrs --tcti $T --pcrs sha256:14)
if [ -n "$before" ] && [ -n "$after" ] && [ "$before" != "$after" ]; then
	g_ok "capping PCR 14 changed ($after)"
else
	g_fail "capping PCR 14 unchanged: '$before' -> '$after'"
fi
g_grep "the secret cannot be unsealed again this boot" 'PCR policy mismatch' cmkeys unseal --tcti $T --allow-unsigned-bundle $B
g_grep "the bundle's signature checks against the pinned CA (then the capped TPM refuses)" \
	'PCR policy mismatch' cmkeys unseal --tcti $T --signed-by /etc/cryptomark/bundle-signer.pem $B
g_grep "... and against no other certificate" 'not made by the --signed-by key' \
	cmkeys unseal --tcti $T --signed-by /cmq/stranger.der $B
g_ima_appraise
g_expect "stock kernel runs the cmsign-signed binary (key from the provisioned _ima)" ok cmt exec /cmq/hello
g_expect "stock kernel refuses the unsigned binary" EACCES cmt exec /cmq/hello-unsigned
g_expect "stock kernel refuses a binary signed by a key not in the bundle" EACCES cmt exec /cmq/hello-stranger
g_done
