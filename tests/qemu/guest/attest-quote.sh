# The guest half of tests/qemu/attest-quote.sh (busybox sh): cmattest
# exports the AK, extends the host's log into PCR 12 and quotes it with the
# host's nonce (/cmq/attest.env: NONCE); the AK, the quote and PCR 12 go
# back on the console as "# ak: ", "# quote: " and "# pcr12: " lines.
. /cmq/lib.sh
. /cmq/attest.env
T=device:/dev/tpmrm0
g_check "cmattest ak in the guest" cmattest ak --tcti $T --out /tmp/ak.pub
g_check "cmattest extend: the log into PCR 12" cmattest extend --tcti $T --pcr 12 --log /cmq/log
g_check "cmattest quote of PCR 12 with the host's nonce" \
	cmattest quote --tcti $T --pcr 12 --nonce $NONCE --out /tmp/q
sed 's/^/# ak: /' /tmp/ak.pub
od -An -v -tx1 /tmp/q | tr -d ' \n' | sed 's/^/# quote: /'; echo
echo "# pcr12: $(cmkeys pcrs --tcti $T --pcrs sha256:12)"
g_done
