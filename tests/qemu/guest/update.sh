# The guest half of tests/qemu/keys-update.sh (busybox sh, /cmq/lib.sh):
# one boot of a boot chain.  /cmq/update.env names the chain (CHAIN),
# the PCR 14 event that simulates its measurement (EVENT, a sha256), what
# provisioning must do (EXPECT: ok, or a pattern of the refusal) and, on
# chain A's boot, the kernel version whose update to install (UPDATE).
# The TPM commands are real (the guest's TPM TIS on swtpm); the chain is
# simulated by extending PCR 14 before the real init-premount script runs.
. /cmq/lib.sh
. /cmq/update.env
T=device:/dev/tpmrm0
B=/etc/cryptomark/keyring.bundle
g_check "guest has /dev/tpmrm0" test -c /dev/tpmrm0
g_check "chain $CHAIN measured into PCR 14" tpm2 pcrextend -T $T "14:sha256=$EVENT"
echo "SEALSUM:$(sha256sum $B.seal | cut -d' ' -f1)"
export quiet=n
out=$(sh /scripts/init-premount/cryptomark 2>&1)
echo "# guest: $(echo "$out" | grep -E 'provisioned|cmkeys provision:' | head -n1)"
if [ "$EXPECT" = ok ]; then
	g_grep "chain $CHAIN: init-premount provisions through its signed policy, no reseal" \
		'provisioned 1 keys into keyring _ima \([0-9]+\), locked; PCR 14 capped' echo "$out"
	g_check "chain $CHAIN: no failure marker" test ! -e /run/cryptomark.failed
	g_grep "chain $CHAIN: the signer is in _ima" 'asymmetri +cryptomark signer: ' cat /proc/keys
elif [ -z "$EXPECT" ]; then
	g_fail "chain $CHAIN: no expected refusal in /cmq/update.env"
else
	g_grep "chain $CHAIN: refused ($EXPECT)" "$EXPECT" cat /run/cryptomark.failed
	if grep -q ' _ima: ' /proc/keys; then
		g_fail "chain $CHAIN: a refused provision left keyring _ima"
	else
		g_ok "chain $CHAIN: no keyring _ima"
	fi
fi
if [ -n "${UPDATE:-}" ]; then
	# The kernel package's postinst: its shipped signed policy joins ours.
	g_grep "kernel $UPDATE installed: postinst.d puts its signed policy beside chain $CHAIN's" \
		"installed /etc/cryptomark/policies/$UPDATE-" sh /etc/kernel/postinst.d/cryptomark "$UPDATE"
	for f in /etc/cryptomark/policies/*.policy; do
		echo "POLICY:$(basename "$f"):$(hexdump -v -e '1/1 "%02x"' "$f")"
	done
fi
g_done
