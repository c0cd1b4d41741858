#!/bin/bash
# The guest half of `make check-system` (tests/system/check-system.sh),
# run by cm-system-test.service once multi-user.target is reached.  What it
# checks depends on the boot (kernel command line `cmsys.phase=`):
#   off       mode off: boot time, the apt figure (the 20 test packages
#             installed with the hooks and without them: a warm-up, then
#             alternating rounds)
#   enforce1  the first boot under enforce: keys, 0 denials, every entry
#             of the measurement list signed, unsigned code refused, apt
#             (a re-signed package, a tampered one, libc6 reinstalled, a
#             package with a postinst)
#   enforce2  the reboot: still multi-user with 0 denials; then installs
#             the unsigned package cm-unsigned with dpkg -i for the audit boot
#   audit     mode audit: runs cm-unsigned; cmaudit over the kernel log
#             must name exactly its program
# Prints "SYSTEM: ok|FAIL WHAT", "SYSTEM: figure NAME=VALUE", a closing
# "SYSTEM: N passed, N failed" and "cmq: guest done", then powers off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL=C DEBIAN_FRONTEND=noninteractive
S=/sys/kernel/security/cryptomark
P=0
F=0
phase=$(sed -n 's/.*cmsys\.phase=\([a-z0-9]*\).*/\1/p' /proc/cmdline)
T=$(mktemp -d)

ok() { P=$((P + 1)); echo "SYSTEM: ok $*"; }
bad() { F=$((F + 1)); echo "SYSTEM: FAIL $*"; }
fig() { echo "SYSTEM: figure $*"; }
# check DESC CMD...: ok when CMD exits 0, else FAIL with its last lines.
check() {
	local d=$1
	shift
	if "$@" >"$T/out" 2>&1; then ok "$d"; else bad "$d (exit $?: $(tail -n 4 "$T/out" | tr '\n' ' '))"; fi
}
# refused DESC CMD...: the exec is refused (exit 126, EACCES).
refused() {
	local d=$1 rc
	shift
	"$@" >"$T/out" 2>&1
	rc=$?
	if [ $rc -eq 126 ] && grep -q 'Permission denied' "$T/out"; then ok "$d"; else
		bad "$d (exit $rc: $(tail -n 2 "$T/out" | tr '\n' ' '))"; fi
}
stat_of() { sed -n "s/^$1 //p" $S/stats 2>/dev/null; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
finish() {
	echo "SYSTEM: $P passed, $F failed"
	echo "cmq: guest done"
	sync
	systemctl --no-block poweroff
	exit 0
}

echo "SYSTEM: phase $phase on $(uname -r): $(cat /proc/cmdline)"
# --- every boot -----------------------------------------------------------
mu=$(systemctl show -P ActiveEnterTimestampMonotonic multi-user.target)
if [ "$(systemctl is-active multi-user.target)" = active ] && [ "${mu:-0}" -gt 0 ]; then
	ok "multi-user.target reached"
	fig "boot_multiuser_ms=$((mu / 1000))"
else
	bad "multi-user.target not active"
fi
failed=$(systemctl list-units --failed --plain --no-legend | awk '{print $1}' | paste -sd' ')
for u in $failed; do
	echo "SYSTEM: note failed unit $u: $(journalctl -b -u "$u" -o cat 2>/dev/null | tail -n 3 | tr '\n' ' ')"
done
mode=$(cat $S/mode 2>/dev/null)
denied0=$(stat_of denied)
fig "mode=$mode"
if [ -r $S/stats ] && [ "$mode" != off ]; then
	fig "boot_checks=$(stat_of checks) boot_hashed=$(stat_of hashed) boot_verified=$(stat_of verified) boot_denied=$denied0 boot_digest_allowed=$(stat_of digest_allowed) boot_initramfs_allowed=$(stat_of initramfs_allowed)"
	if [ "$denied0" = 0 ]; then ok "0 denials during boot (stats)"; else
		bad "$denied0 denials during boot: $(dmesg | grep -o 'cryptomark: op=.*' | head -n 5 | tr '\n' ';')"; fi
fi
if [ -e /run/cryptomark.failed ]; then
	bad "keyring provisioning failed in the initramfs: $(cat /run/cryptomark.failed)"
fi

case $phase in
enforce1 | enforce2)
	[ "$mode" = enforce ] && ok "mode enforce" || bad "mode is '$mode', not enforce"
	;;
esac
# Every boot: the initramfs provisioned the keys and locked the keyring.
[ "$(cat $S/lock 2>/dev/null)" = 1 ] && ok "keyring provisioned and locked by the initramfs" ||
	bad "keyring not locked (lock: $(cat $S/lock 2>&1))"

# measured: every entry of the measurement list carries a signature.
measure_check() {
	local m=$S/ascii_runtime_measurements n nosig
	[ -r $m ] || { bad "no measurement list ($m)"; return; }
	cat $m >"$T/ml.txt"
	n=$(wc -l <"$T/ml.txt")
	# The first entry, boot_aggregate (the PCRs at boot), has no file.
	nosig=$(awk '$5 != "boot_aggregate" && (NF < 6 || $6 == "") { c++ } END { print c + 0 }' "$T/ml.txt")
	fig "measured_entries=$n"
	if [ "$n" -gt 0 ] && [ "$nosig" = 0 ]; then
		ok "every program and library that ran was measured with a signature ($n entries)"
	else
		bad "measurement list: $n entries, $nosig without a signature: $(awk '$5 != "boot_aggregate" && NF < 6' "$T/ml.txt" | head -n 3 | tr '\n' ';')"
	fi
	# And each signature verifies: a quote of PCR 11 and cmattest verify.
	local nonce=0123456789abcdef0123456789abcdef
	if cmattest ak --tcti device:/dev/tpmrm0 --out "$T/ak.pub" >"$T/out" 2>&1 &&
		cmattest quote --tcti device:/dev/tpmrm0 --nonce $nonce --out "$T/quote" >>"$T/out" 2>&1 &&
		cat $S/binary_runtime_measurements >"$T/ml.bin" &&
		cmattest verify -q --ak "$T/ak.pub" --nonce $nonce --quote "$T/quote" --log "$T/ml.bin" \
			--cert /srv/cm-test/signer.pem >>"$T/out" 2>&1; then
		ok "cmattest verify: the quoted measurement list, every entry's signature verified"
	else
		bad "cmattest verify of the measurement list: $(tail -n 4 "$T/out" | tr '\n' ' ')"
	fi
}

apt_time() { # apt-get install of the test packages, in ms on stdout
	local t0 t1
	t0=$(now_ms)
	apt-get install -y -q --no-install-recommends "$@" >>"$T/apt.log" 2>&1 || return 1
	t1=$(now_ms)
	echo $((t1 - t0))
}
apt_purge() {
	apt-get purge -y -q "$@" >>"$T/apt.log" 2>&1 && apt-get autoremove --purge -y -q >>"$T/apt.log" 2>&1
}
hooks_off() {
	mv /etc/apt/apt.conf.d/60cryptomark /etc/apt/60cryptomark.off 2>/dev/null
	mv /etc/dpkg/dpkg.cfg.d/cryptomark /etc/dpkg/cryptomark.off 2>/dev/null
}
hooks_on() {
	mv /etc/apt/60cryptomark.off /etc/apt/apt.conf.d/60cryptomark 2>/dev/null
	mv /etc/dpkg/cryptomark.off /etc/dpkg/dpkg.cfg.d/cryptomark 2>/dev/null
}

case $phase in
off)
	# The apt figure.  A discarded warm-up round first (hooks on, timing
	# each hook piece: CRYPTOMARK_HOOK_TIMING=1), so neither side pays for
	# the cold page cache; then alternating rounds, with the hooks and
	# without (CMSYS_APT_ROUNDS), each sample printed; the figure is the
	# ratio of the sums (= of the medians with two samples a side).
	pk=$(cat /srv/cm-test/test-packages.txt)
	n=$(echo $pk | wc -w)
	sum_on=0
	sum_off=0
	n_on=0
	n_off=0
	rounds=${CMSYS_APT_ROUNDS:-warm on off on off}
	left=$(echo $rounds | wc -w)
	for round in $rounds; do
		left=$((left - 1))
		if [ $round = off ]; then hooks_off; else hooks_on; fi
		tm=
		[ $round = warm ] && tm=1 && : >"$T/apt.log"
		# shellcheck disable=SC2086
		ms=$(CRYPTOMARK_HOOK_TIMING=$tm apt_time $pk) ||
			{ bad "apt-get install of the $n test packages ($round): $(tail -n 3 "$T/apt.log" | tr '\n' ' ')"; hooks_on; break; }
		hooks_on
		echo "SYSTEM: note apt-get install of $n packages, hooks $round: $ms ms"
		if [ $round = warm ]; then
			grep '^cryptomark-timing:' "$T/apt.log" | sed 's/^/SYSTEM: note   /'
			t0=$(now_ms)
			cmsign preload --clear -q
			echo "SYSTEM: note   cryptomark-timing: cmsign preload --clear $(($(now_ms) - t0)) ms"
		fi
		[ $round = on ] && sum_on=$((sum_on + ms)) && n_on=$((n_on + 1))
		[ $round = off ] && sum_off=$((sum_off + ms)) && n_off=$((n_off + 1))
		if [ $round = on ]; then
			nv=0
			for b in /usr/bin/hello /usr/bin/jq /usr/bin/tree /bin/nano; do
				getfattr -n security.ima "$b" >/dev/null 2>&1 && nv=$((nv + 1))
			done
			[ $nv = 4 ] && ok "apt-get install with the hooks: programs signed (security.ima)" ||
				bad "apt-get install with the hooks: $nv of 4 programs have security.ima"
		fi
		# The last round's packages stay (no purge: it costs a minute).
		# shellcheck disable=SC2086
		[ $left = 0 ] || apt_purge $pk || bad "apt-get purge of the test packages"
	done
	if [ $n_on -gt 0 ] && [ $n_on = $n_off ]; then
		ok "apt-get install of $n packages with and without the hooks ($n_on rounds each)"
		fig "apt_hooks_ms=$sum_on apt_nohooks_ms=$sum_off apt_rounds=$n_on apt_packages=$n"
	fi
	;;
enforce1)
	measure_check
	# Unsigned code is refused.
	cp /usr/bin/true "$T/unsigned-true"
	refused "an unsigned binary is refused (EACCES)" "$T/unsigned-true"
	cp /usr/lib/x86_64-linux-gnu/libattr.so.1 "$T/libunsigned.so"
	LD_PRELOAD=$T/libunsigned.so /usr/bin/true 2>"$T/out"
	if grep -q 'cannot be preloaded' "$T/out" && dmesg | grep -q "op=mmap .*libunsigned.so"; then
		ok "an unsigned library (LD_PRELOAD) is refused"
	else
		bad "unsigned library: $(cat "$T/out") $(dmesg | grep libunsigned | tail -n1)"
	fi
	# apt: a re-signed package installs and runs.
	check "apt-get install hello (re-signed) under enforce" apt-get install -y -q hello
	check "hello runs" hello
	# A tampered manifest: apt refuses, dpkg -i installs but the kernel refuses.
	apt-get install -y -q sl >"$T/out" 2>&1
	rc=$?
	st=$(dpkg-query -W -f '${Status}' sl 2>/dev/null)
	if [ $rc -ne 0 ] && [ "$st" != "install ok installed" ]; then
		ok "apt-get install of a package with a tampered manifest fails, not installed"
	else
		bad "tampered package: apt-get exit $rc, status '$st': $(grep -i -m2 'cryptomark\|refus' "$T/out" | tr '\n' ' ')"
	fi
	dpkg -i /srv/repo/pool/sl_*.deb >"$T/out" 2>&1
	grep -q 'REFUSED' "$T/out" && ok "dpkg -i of it anyway: the hook refuses its manifest" ||
		bad "dpkg -i of the tampered package: no REFUSED from the hook: $(tail -n 3 "$T/out" | tr '\n' ' ')"
	refused "its program is refused by the kernel" /usr/games/sl -e
	dpkg -P sl >/dev/null 2>&1
	# libc6 reinstalled, a package with a postinst.
	check "apt-get install --reinstall libc6 under enforce" apt-get install -y -q --reinstall libc6
	check "programs still run after the libc6 reinstall" /usr/bin/ls /
	check "libc.so.6 verifies after the reinstall" cmverify --cert /srv/cm-test/signer.pem /usr/lib/x86_64-linux-gnu/libc.so.6
	check "apt-get install nano (postinst: update-alternatives) under enforce" apt-get install -y -q nano
	check "nano runs" nano --version
	check "apt-get install figlet (postinst) under enforce" apt-get install -y -q figlet
	check "figlet runs" figlet ok
	fig "enforce1_denied=$(stat_of denied) enforce1_verified=$(stat_of verified)"
	;;
enforce2)
	check "hello (installed in the first boot) still runs" hello
	check "nano still runs" nano --version
	check "dpkg -i of the unsigned package cm-unsigned (for the audit boot)" dpkg -i /srv/cm-test/cm-unsigned.deb
	refused "cm-unsigned is refused under enforce" /usr/bin/cm-unsigned
	;;
audit)
	[ "$mode" = audit ] && ok "mode audit" || bad "mode is '$mode', not audit"
	check "cm-unsigned runs in audit mode" /usr/bin/cm-unsigned
	journalctl -k -b -o cat >"$T/klog" 2>/dev/null
	[ -s "$T/klog" ] || dmesg >"$T/klog"
	if command -v cmaudit >/dev/null; then
		cmaudit "$T/klog" >"$T/audit" 2>&1
		echo "SYSTEM: note cmaudit:"
		sed 's/^/SYSTEM: note   /' "$T/audit"
		paths=$(awk '$1 ~ /^\// { print $1 }' "$T/audit" | sort -u | paste -sd' ')
	else
		echo "SYSTEM: note no cmaudit: the audit lines themselves"
		paths=$(grep -o 'cryptomark: op=.*' "$T/klog" | sed -n 's/.*path="\([^"]*\)".*/\1/p' | sort -u | paste -sd' ')
	fi
	[ "$paths" = /usr/bin/cm-unsigned ] && ok "audit report: exactly the unsigned package's program" ||
		bad "audit report names '$paths', not exactly /usr/bin/cm-unsigned"
	;;
*)
	bad "unknown phase '$phase'"
	;;
esac
finish
