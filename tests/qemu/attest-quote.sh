#!/usr/bin/env bash
# cmattest in the busybox guest, staged as cmkeys is (the binary, its
# libraries, libtss2-tcti-device): one boot with a fresh swtpm, the guest
# exports its AK, extends a signed log made here into PCR 12 (not the LSM's
# PCR 11, so the kernel's own measurements do not mix in) and quotes it
# with a nonce chosen here; the AK and the quote come back on the console
# (hex) and the host verifies them: genuine, the replay equal to the
# guest's PCR 12 as cmkeys reads it, a wrong nonce refused.
#   tests/qemu/attest-quote.sh [KERNEL]   (default build/kernel/bzImage)
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/../lib.sh"
CMATTEST=${CMATTEST:-$T_BUILD/cmattest}
work=$(mktemp -d /tmp/cmq-attest.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { t_fail "$*"; t_done; exit 1; }

kernel=${1:-}
[ -n "$kernel" ] || kernel=$(cmq_kernel_cryptomark) || fail "no cryptomark kernel (make kernel)"
for b in "$CMATTEST" "$CMKEYS"; do [ -x "$b" ] || fail "$b missing: run 'make all'"; done
t_mkcert "$work" s rsa2048 || fail "certificate"
"$CMATTEST" mklog --key "$work/s.key" --cert "$work/s.pem" -n 20 --root /usr/bin \
	--hash-files --pcr 12 --out "$work/log" || fail "cmattest mklog"
nonce=$(openssl rand -hex 16)

r=$work/root
tcti=$(ldconfig -p | awk '$1 == "libtss2-tcti-device.so.0" {print $NF; exit}')
[ -n "$tcti" ] || fail "libtss2-tcti-device.so.0 not found (make deps)"
cmq_rootfs_new "$r" || fail "staging tree"
cmq_rootfs_add "$r" "$CMATTEST" /sbin/cmattest 0755 &&
	cmq_rootfs_add "$r" "$CMKEYS" /sbin/cmkeys 0755 &&
	cmq_rootfs_add_libs "$r" "$CMATTEST" "$CMKEYS" "$tcti" &&
	cmq_rootfs_add "$r" "$tcti" "$tcti" &&
	cmq_rootfs_add "$r" "$work/log" /cmq/log || fail "staging cmattest"
cat >"$r/cmq/test.sh" <<G
. /cmq/lib.sh
T=device:/dev/tpmrm0
g_check "cmattest ak in the guest" cmattest ak --tcti \$T --out /tmp/ak.pub
g_check "cmattest extend: the log into PCR 12" cmattest extend --tcti \$T --pcr 12 --log /cmq/log
g_check "cmattest quote of PCR 12 with the host's nonce" \
	cmattest quote --tcti \$T --pcr 12 --nonce $nonce --out /tmp/q
sed 's/^/# ak: /' /tmp/ak.pub
od -An -v -tx1 /tmp/q | tr -d ' \n' | sed 's/^/# quote: /'; echo
echo "# pcr12: \$(cmkeys pcrs --tcti \$T --pcrs sha256:12)"
g_done
G
chmod +x "$r/cmq/test.sh"
cmq_initramfs "$r" "$work/initrd.gz" || fail "initramfs"
echo "# kernel: $kernel"
start=$(date +%s.%N)
cmq_boot -k "$kernel" -i "$work/initrd.gz" -l "$work/console.log" -a "cryptomark.mode=off" -t 180
rc=$?
echo "# boot: $(printf '%.1f' "$(echo "$(date +%s.%N) - $start" | bc)") s"
con=$(tr -d '\r' <"$work/console.log")
while read -r line; do
	case $line in
	"ok "*) t_ok "guest: ${line#ok * - }" ;;
	"not ok "*) t_fail "guest: ${line#not ok * - }" ;;
	esac
done < <(grep -E '^(not )?ok [0-9]+ ' <<<"$con")
[ "$rc" = 0 ] || t_fail "guest boot exited $rc: $(tail -5 <<<"$con")"
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
