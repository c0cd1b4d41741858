#!/usr/bin/env bash
# Attestation (issue 12): one boot of build/kernel/bzImage with a fresh
# swtpm.  The guest (tests/qemu/guest/attest.sh) runs signed programs
# (security.ima and ELF note carriers) and one unsigned program in audit
# mode, takes an old quote and a fresh one (cmattest), and sends the AK,
# both quotes, its measurement log and its PCRs to the host on the console.
# The host checks, independently of cmattest, that entry 0 is the boot
# aggregate of PCRs 0-7 and that the log replays to PCR 11; then
#   cmattest verify  genuine: the quote is genuine and exactly one entry,
#                    the unsigned program, is reported (entries-not-ok);
#                    one digest changed: template-digest-mismatch; the same
#                    with the template digest recomputed: entry-changed; an
#                    entry removed: replay-mismatch; two entries swapped:
#                    out-of-order; the old quote: nonce-mismatch; another
#                    AK: quote-signature (each a distinct reason);
#   evmctl ima_measurement (ima-evm-utils) reads the guest's binary log,
#                    replays it to the guest's PCR 11 and verifies its
#                    signatures with the signer's certificate.
#
# A second boot, without a TPM and with cryptomark.log_max=64K
# (tests/qemu/guest/attest-full.sh): entries logged, nothing extended,
# boot_aggregate zeros; the list fills, ends with "log_full", and the LSM
# goes on deciding.
#
#   tests/qemu/attest-tests.sh [KERNEL]      prints "N passed, N failed"
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/../lib.sh"
. "$here/stage.sh"
work=$(mktemp -d /tmp/cmq-attest.XXXXXX)
# CMQ_KEEP=1 keeps the work directory (the guest's log, quotes, console).
if [ "${CMQ_KEEP:-0}" = 1 ]; then
	echo "# work directory kept: $work"
else
	trap 'rm -rf "$work"' EXIT
fi
fail() { t_fail "$*"; t_done; exit 1; }
log_tool() { python3 "$here/attest-log.py" "$@"; }

kernel=${1:-}
[ -n "$kernel" ] || kernel=$(cmq_kernel_cryptomark) || fail "no kernel image"
CMATTEST=${CMATTEST:-$T_BUILD/cmattest}
[ -x "$CMATTEST" ] || fail "$CMATTEST missing: run 'make all'"
q=$T_BUILD/qemu
tcti_lib=$(ldconfig -p | awk '$1 == "libtss2-tcti-device.so.0" {print $NF; exit}')
[ -n "$tcti_lib" ] || fail "libtss2-tcti-device.so.0 not found (make deps)"

r=$work/root
st_keys "$work" || fail "test keys"
st_base "$r" "$work" || fail "base tree"
c=$r/cmq
cmq_rootfs_add "$r" "$CMATTEST" /sbin/cmattest 0755 &&
	cmq_rootfs_add_libs "$r" "$CMATTEST" "$tcti_lib" &&
	cmq_rootfs_add "$r" "$tcti_lib" "$tcti_lib" || fail "staging cmattest"
for n in x note unsigned; do cp "$q/hello" "$c/hello-$n"; done
# Code the kernel loads (measured after the dump): a module, a firmware file.
ko=$(dirname "$kernel")/cmtest.ko
[ -r "$ko" ] || fail "$ko missing: run 'make kernel' (it builds the test module)"
cp "$q/cma" "$c/cma" && cp "$ko" "$c/cmtest.ko" && mkdir -p "$r/lib/firmware" &&
	head -c 4096 /dev/urandom >"$r/lib/firmware/cmtest-signed.bin" || fail "staging"
st_sign signer "$c/cma" "$c/cmtest.ko" "$r/lib/firmware/cmtest-signed.bin" || fail "cmsign (module, firmware)"
chmod 0755 "$c/cma"
chmod 0755 "$c"/hello-*
mapfile -t libs < <({ ldd "$CMATTEST"; ldd "$tcti_lib"; } | grep -oE '/[^ ]+' | sort -u | sed "s|^|$r|")
st_sign signer "$c/hello-x" "$r/sbin/cmattest" "$r$tcti_lib" "${libs[@]}" || fail "cmsign"
st_sign signer --carrier note "$c/hello-note" || fail "cmsign --carrier note"
od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$c/nonce"
od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$c/nonce-old"
st_run_guest "$r" "$work" "$kernel" "$here/guest/attest.sh" 40

# The guest's files, from the console.
o=$work/out
mkdir -p "$o"
for f in ak.pem old.quote new.quote log.bin pcrs ascii; do
	tr -d '\r' <"$SUITE_LOG" | awk -v n="$f" '
		$1 == "cmq-b64-end" { on = 0 }
		on { print }
		$1 == "cmq-b64" && $2 == n { on = 1; print $3 >"/dev/stderr" }' \
		2>"$o/$f.sum" | base64 -d >"$o/$f" 2>/dev/null
	if [ -s "$o/$f" ] && [ "$(sha256sum <"$o/$f" | cut -d' ' -f1)" = "$(cat "$o/$f.sum")" ]; then
		t_ok "guest sent $f ($(stat -c %s "$o/$f") bytes, sha256 matches)"
	else
		t_fail "guest's $f missing or damaged on the console"
	fi
done
[ -s "$o/log.bin" ] && [ -s "$o/new.quote" ] || fail "nothing to verify"

# Independent of cmattest: the layout, entry 0, the PCR.
t_check "the log parses as ima-sig entries" log_tool list "$o/log.bin"
t_grep "entry 0 is boot_aggregate over the guest's PCRs 0-7" '^ok$' \
	log_tool aggregate "$o/pcrs" "$o/log.bin"
t_grep "the log replays to the guest's PCR 11 (sha256 bank)" \
	"^$(awk '$1 == 11 {print tolower($2)}' "$o/pcrs")\$" log_tool replay "$o/log.bin" 11
n=$(log_tool list "$o/log.bin" | wc -l)
echo "# $n entries in the guest's log"

cm_verify() {
	"$CMATTEST" verify --ak "${AK:-$o/ak.pem}" --nonce "$(cat "$c/nonce")" \
		--quote "${QUOTE:-$o/new.quote}" --cert "$work/signer.pem" --log "$@"
}
out=$(cm_verify "$o/log.bin" 2>&1)
echo "$out" | sed -n 's/^/#   /p' | grep -v ': ok' | head -20
t_grep "genuine: the quote is genuine" '^quote: genuine' echo "$out"
t_grep "genuine: exactly one entry not ok, unsigned" \
	'^verify: FAIL entries-not-ok: 1 of [0-9]+ quoted entries are not ok: 1 unsigned, 0 unknown-key, 0 bad-signature, 0 revoked, 0 malformed' echo "$out"
t_grep "genuine: ... and it is the unsigned program" \
	'^entry [0-9]+: /cmq/hello-unsigned: unsigned$' echo "$out"
t_grep "genuine: both signed programs ok (xattr and note carrier)" \
	'^2$' sh -c "echo \"\$1\" | grep -cE '^entry [0-9]+: /cmq/hello-(x|note): ok '" _ "$out"

# Tampered logs: the middle of the log, away from boot_aggregate.
i=$((n / 2))
expect_reason() {
	local what=$1 word=$2 log=$3
	t_grep "$what: FAIL $word" "^(verify|quote): FAIL $word" cm_verify "$log"
}
log_tool mutate "$o/log.bin" "$work/digest.bin" digest $i &&
	expect_reason "one digest changed" template-digest-mismatch "$work/digest.bin"
log_tool mutate "$o/log.bin" "$work/rehash.bin" digest-rehash $i &&
	expect_reason "one digest changed, template digest recomputed" entry-changed "$work/rehash.bin"
log_tool mutate "$o/log.bin" "$work/removed.bin" remove $i &&
	expect_reason "one entry removed" replay-mismatch "$work/removed.bin"
log_tool mutate "$o/log.bin" "$work/swapped.bin" swap $i &&
	expect_reason "two entries swapped" out-of-order "$work/swapped.bin"
QUOTE=$o/old.quote expect_reason "a replayed old quote" nonce-mismatch "$o/log.bin"
openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null |
	openssl ec -pubout -out "$work/other-ak.pem" 2>/dev/null
AK=$work/other-ak.pem expect_reason "a quote checked with another AK" quote-signature "$o/log.bin"

# Another parser: ima-evm-utils.
if command -v evmctl >/dev/null; then
	# evmctl's --pcrs file: "PCR-NN: HEX" lines from PCR 0 up, in order.
	awk '{ v[$1] = tolower($2) } END { for (i = 0; i < 24; i++)
		printf "PCR-%02d: %s\n", i, (i in v) ? v[i] : sprintf("%064d", 0) }' \
		"$o/pcrs" >"$work/evm-pcrs"
	t_grep "evmctl ima_measurement replays the guest's log to its PCR 11" \
		'Matched per TPM bank calculated digest|PCRAgg.*matches' \
		evmctl -v ima_measurement --pcrs "sha256,$work/evm-pcrs" "$o/log.bin"
	nsig=$(log_tool list "$o/log.bin" | awk '$4 > 0' | wc -l)
	t_grep "evmctl verifies all $nsig signed entries' signatures (both carriers) with the signer's certificate" \
		"^$nsig 0\$" sh -c 'out=$(evmctl -v ima_measurement --verify-sig --key "$1" --pcrs "sha256,$2" "$3" 2>&1)
			echo "$(echo "$out" | grep -c ": verification is OK") $(echo "$out" | grep -ci "verification failed")"' \
		_ "$work/signer.der" "$work/evm-pcrs" "$o/log.bin"
else
	t_fail "evmctl missing (apt-get install ima-evm-utils)"
fi

# Boot 2: no TPM (cmq_boot always attaches one), a 64 KiB list.
boot_no_tpm() {
	local initrd=$1 log=$2 rc
	timeout -k 5 "$CMQ_TIMEOUT" qemu-system-x86_64 \
		-machine "$CMQ_MACHINE,accel=$CMQ_ACCEL" -cpu max -m "$CMQ_MEM" \
		-smp 1 -nographic -monitor none -no-reboot -serial "file:$log" \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 loglevel=4 rdinit=/init cryptomark.initramfs=check cryptomark.mode=off cryptomark.log_max=64K" \
		</dev/null >"$work/qemu2.out" 2>&1
	rc=$?
	[ $rc -eq 0 ] || cmq_err "qemu (no TPM) exited $rc: $(tail -n 3 "$work/qemu2.out")"
	grep -q '^cmq: guest done' "$log" || { cmq_err "guest 2 did not finish (log: $log)"; rc=1; }
	return $rc
}
echo "# boot 2: no TPM, cryptomark.log_max=64K"
cmq_rootfs_script "$r" "$here/guest/attest-full.sh" || fail "guest script 2"
cmq_rootfs_save_sigs "$r" >/dev/null || fail "saving signatures"
cmq_initramfs "$r" "$work/initrd2.gz" || fail "initramfs 2"
boot_no_tpm "$work/initrd2.gz" "$work/console2.log"
rc=$?
cmq_report "$work/console2.log" $rc 40 >"$work/report2"
tr -d '\r' <"$work/console2.log" | grep '^# '
sed '$d' "$work/report2"
read -r gp _ gf _ < <(tail -n 1 "$work/report2")
T_PASS=$((T_PASS + gp)) T_FAIL=$((T_FAIL + gf))
t_done
