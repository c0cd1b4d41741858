# shellcheck shell=bash
# tests/qemu/stage.sh: host-side staging shared by kernel-tests.sh and
# kernel-bench.sh (source after lib.sh and ../lib.sh).  Keys, signing with
# cmsign, and the base tree every cryptomark guest needs once enforcing:
# busybox, the probe cmt, the dynamic loader and libc, all signed.
#
#   st_keys WORK          WORK/{signer,stranger,p256,p384}.{key,pem,der}
#   st_sign NAME FILE...  cmsign with key NAME (xattr carrier, sha256);
#                         extra cmsign options go before the files:
#                         st_sign signer --hash sha512 FILE
#   st_base ROOT WORK     cmq_rootfs_new + libc/ld.so for the dynamic test
#                         programs + signer/p256/stranger DER certificates
#                         (and p384) in /cmq; signs busybox, cmt, ld.so and libc
#   st_sigblob FILE OUT   security.ima of FILE (host) into OUT, raw
#   st_run_guest ROOT WORK KERNEL SCRIPT [TAIL]
#                         SCRIPT as the guest's test, ROOT's signatures
#                         saved, one boot (cryptomark.mode=off, 240 s); the
#                         guest's lines printed and its counts added to
#                         T_PASS/T_FAIL (TAIL: console lines shown on
#                         failure, default 60).  The caller then t_done's.

st_keys() {
	local w=$1 n
	t_mkcert "$w" signer rsa2048 && t_mkcert "$w" stranger rsa2048 &&
		t_mkcert "$w" p256 p256 && t_mkcert "$w" p384 p384 ||
		{ cmq_err "openssl: test certificates"; return 1; }
	for n in signer stranger p256 p384; do
		openssl x509 -in "$w/$n.pem" -outform DER -out "$w/$n.der" || return 1
	done
	ST_WORK=$w
}

st_sign() {
	local n=$1
	shift
	"$CMSIGN" --key "$ST_WORK/$n.key" --cert "$ST_WORK/$n.pem" "$@" \
		>"$ST_WORK/sign.log" 2>&1 || {
		cmq_err "cmsign $*: $(cat "$ST_WORK/sign.log")"; return 1; }
}

st_base() {
	local r=$1 w=$2 q=$T_BUILD/qemu b
	for b in cmt hello hello-dyn libcmt.so dlo; do
		[ -e "$q/$b" ] || { cmq_err "$q/$b missing: run 'make qemu-guest'"; return 1; }
	done
	[ -x "$CMSIGN" ] || { cmq_err "$CMSIGN missing: run 'make all'"; return 1; }
	cmq_rootfs_new "$r" || return 1
	cmq_rootfs_add_libs "$r" "$q/hello-dyn" "$q/dlo" || return 1
	cp "$w/signer.der" "$w/p256.der" "$w/p384.der" "$w/stranger.der" "$r/cmq/" ||
		return 1
	# Everything that runs after the mode is raised: the shell and its
	# applets, the probe, the dynamic loader and libc.
	st_sign signer "$r/bin/busybox" "$r/cmq/cmt" \
		$(cd "$r" && ldd "$q/hello-dyn" | grep -oE '/[^ ]+' | sed "s|^|$r|")
}

st_sigblob() {
	getfattr --absolute-names --only-values -n security.ima "$1" >"$2"
}

st_run_guest() {
	local r=$1 w=$2 kernel=$3 script=$4 tail=${5:-60} nsig rc gp gf
	cmq_rootfs_script "$r" "$script" || { t_fail "guest script"; return 1; }
	nsig=$(cmq_rootfs_save_sigs "$r") || { t_fail "saving signatures"; return 1; }
	echo "# $nsig signatures staged"
	cmq_initramfs "$r" "$w/initrd.gz" || { t_fail "initramfs"; return 1; }
	echo "# kernel: $kernel"
	cmq_boot -k "$kernel" -i "$w/initrd.gz" -l "$w/console.log" \
		-a "cryptomark.mode=off" -t 240
	rc=$?
	# The guest's lines, then one closing line for host and guest together.
	cmq_report "$w/console.log" $rc "$tail" >"$w/report"
	sed '$d' "$w/report"
	read -r gp _ gf _ < <(tail -n 1 "$w/report")
	T_PASS=$((T_PASS + gp)) T_FAIL=$((T_FAIL + gf))
}
