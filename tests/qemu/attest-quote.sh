#!/usr/bin/env bash
# cmattest in the busybox guest, staged as cmkeys is (the binary, its
# libraries, libtss2-tcti-device): one boot with a fresh swtpm, the guest
# exports its AK, extends a signed log made here into PCR 12 (not the LSM's
# PCR 11, so the kernel's own measurements do not mix in) and quotes it
# with a nonce chosen here; the AK and the quote come back on the console
# (hex) and the host verifies them: genuine, the replay equal to the
# guest's PCR 12 as cmkeys reads it, a wrong nonce refused.
#   tests/qemu/attest-quote.sh [KERNEL]   (default build/kernel/bzImage)
. "$(dirname "$0")/suite.sh"
CMATTEST=${CMATTEST:-$T_BUILD/cmattest}
suite_begin attest cryptomark "$@"
suite_need "$CMATTEST" "$CMKEYS"
t_mkcert "$work" s rsa2048 || fail "certificate"
"$CMATTEST" mklog --key "$work/s.key" --cert "$work/s.pem" -n 20 --root /usr/bin \
	--hash-files --pcr 12 --out "$work/log" || fail "cmattest mklog"
nonce=$(openssl rand -hex 16)

tcti=$(suite_tcti) || fail "no TPM library for cmattest"
cmq_rootfs_new "$r" || fail "staging tree"
cmq_rootfs_add "$r" "$CMATTEST" /sbin/cmattest 0755 &&
	cmq_rootfs_add "$r" "$CMKEYS" /sbin/cmkeys 0755 &&
	cmq_rootfs_add_libs "$r" "$CMATTEST" "$CMKEYS" "$tcti" &&
	cmq_rootfs_add "$r" "$tcti" "$tcti" &&
	cmq_rootfs_add "$r" "$work/log" /cmq/log || fail "staging cmattest"
printf 'NONCE=%s\n' "$nonce" >"$r/cmq/attest.env"
suite_guest -t 180 "$here/guest/attest-quote.sh"
con=$(tr -d '\r' <"$SUITE_LOG")
sed -n 's/^# ak: //p' <<<"$con" >"$work/ak.pub"
sed -n 's/^# quote: //p' <<<"$con" | xxd -r -p >"$work/q"
pcr=$(sed -n 's/^# pcr12: .*12[^0-9a-fA-F]*\(0x\)\{0,1\}\([0-9a-fA-F]\{64\}\).*/\2/p' <<<"$con" | tr A-F a-f)
out=$("$CMATTEST" verify --ak "$work/ak.pub" --nonce "$nonce" --quote "$work/q" \
	--log "$work/log" --cert "$work/s.pem" --pcr 12 2>&1); vrc=$?
t_check "host: verify of the guest's quote and the log: exit 0" [ $vrc = 0 ]
t_check "host: 20 of 20 entries quoted, all ok" grep -q '^verify: ok: 20 quoted entries, all ok' <<<"$out"
t_check "host: the replayed PCR 12 is the guest's (cmkeys pcrs)" \
	bash -c "[ -n '$pcr' ] && grep -q 'PCR 12 sha256 = $pcr' <<<'$out'"
t_grep "host: another nonce: nonce-mismatch" '^verify: FAIL nonce-mismatch' \
	"$CMATTEST" verify --ak "$work/ak.pub" --nonce 00 --quote "$work/q" \
	--log "$work/log" --cert "$work/s.pem" --pcr 12
t_done
