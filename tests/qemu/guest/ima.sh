# The guest half of tests/qemu/ima-interop.sh (busybox sh): the signer
# certificates into IMA's keyring, an appraisal policy, then signed
# binaries run and unsigned, tampered and unknown-key ones are refused by
# IMA.  cmq.lsm=1 on the command line: cryptomark must be there, and off.
. /cmq/lib.sh
g_expect "signatures restored on the tmpfs root" ok cmt applysigs /cmq/sigs.list
if grep -q 'cmq.lsm=1' /proc/cmdline; then
	g_grep "cryptomark is present and off" '^off' cat /sys/kernel/security/cryptomark/mode
fi
if cmt keyring .ima | grep -q '^result=ok'; then
	ring=.ima
else
	# No .ima keyring (no INTEGRITY_TRUSTED_KEYRING): IMA looks up "_ima"
	# from the calling process; it must exist before the first appraisal.
	ring=_ima
	g_expect "_ima keyring created in the user keyring" ok cmt newkeyring _ima
fi
g_expect "RSA signer certificate added to $ring" ok cmt addkey $ring /cmq/signer.der
g_expect "ECDSA P-256 signer certificate added to $ring" ok cmt addkey $ring /cmq/ecsigner.der
g_ima_appraise
g_expect "cmsign-signed binary runs under IMA appraisal (RSA)" ok cmt exec /cmq/hello
g_expect "cmsign-signed binary runs under IMA appraisal (ECDSA P-256)" ok cmt exec /cmq/hello-ec
g_expect "unsigned binary refused by IMA" EACCES cmt exec /cmq/hello-unsigned
g_expect "tampered binary refused by IMA" EACCES cmt exec /cmq/hello-tampered
g_expect "binary signed by an unknown key refused by IMA" EACCES cmt exec /cmq/hello-stranger
g_expect "signed binary still runs (cached verdict)" ok cmt exec /cmq/hello
g_done
