# shellcheck shell=bash
# tests/qemu/stage.sh: host-side staging and the guest's boot, shared by
# the QEMU suites and benchmarks (sourced by suite.sh, after lib.sh and
# ../lib.sh).  Keys, signing with
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
#   st_shells ROOT        busybox ash as built by build-busybox.sh, plain
#                         and patched (execveat check), in ROOT/opt/plain
#                         and ROOT/opt/check (busybox + its "sh" link);
#                         echoes the directory they came from
#   suite_guest [OPTION]... SCRIPT
#                         one boot of $kernel on the tree $r, its results
#                         added to T_PASS/T_FAIL: see suite.sh
#   st_run_guest ROOT WORK KERNEL SCRIPT [TAIL]
#                         the same, for ROOT, WORK and KERNEL, with the
#                         console's last TAIL lines shown on a failure

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

st_shells() {
	local r=$1 bb v
	bb=$("$CMQ_DIR/build-busybox.sh") ||
		{ cmq_err "building the shells (tests/qemu/build-busybox.sh)"; return 1; }
	for v in check plain; do
		mkdir -p "$r/opt/$v" && cp "$bb/busybox-$v" "$r/opt/$v/busybox" &&
			ln -s busybox "$r/opt/$v/sh" ||
			{ cmq_err "staging the $v shell"; return 1; }
	done
	echo "$bb"
}

st_sigblob() {
	getfattr --absolute-names --only-values -n security.ima "$1" >"$2"
}

suite_guest() {
	local root=$r append='' tmo=240 lines=60 state=() name=boot want='' o OPTIND=1
	local script nsig rc start gp gf
	[ "${SUITE_KIND:-}" = debian ] || append=cryptomark.mode=off
	while getopts r:a:t:n:s:o:S: o; do
		case $o in
		r) root=$OPTARG ;; a) append=$OPTARG ;; t) tmo=$OPTARG ;;
		n) lines=$OPTARG ;; s) state=(-s "$OPTARG") ;; o) name=$OPTARG ;;
		S) want=$OPTARG ;; *) t_fail "suite_guest: bad option"; return 1 ;;
		esac
	done
	shift $((OPTIND - 1))
	script=$1
	SUITE_LOG=$work/$name.log
	if [ "$script" != - ]; then
		cmq_rootfs_script "$root" "$script" || { t_fail "guest script $script"; return 1; }
	fi
	nsig=$(cmq_rootfs_save_sigs "$root") || { t_fail "saving signatures"; return 1; }
	echo "# $name: $nsig signatures staged"
	if [ -n "$want" ] && [ "$nsig" != "$want" ]; then
		t_fail "expected $want signed files in the guest's tree, found $nsig"; return 1
	fi
	cmq_initramfs "$root" "$work/$name.initrd.gz" || { t_fail "initramfs"; return 1; }
	echo "# $name: kernel $kernel${append:+, $append}"
	start=$(date +%s.%N)
	cmq_boot -k "$kernel" -i "$work/$name.initrd.gz" -l "$SUITE_LOG" \
		-a "$append" -t "$tmo" "${state[@]}"
	rc=$?
	echo "# $name: boot $(printf '%.1f' "$(echo "$(date +%s.%N) - $start" | bc)") s"
	tr -d '\r' <"$SUITE_LOG" | grep -E '^# guest: '
	# The guest's lines; its counts join the host's.
	cmq_report "$SUITE_LOG" $rc "$lines" >"$work/$name.report"
	sed '$d' "$work/$name.report"
	read -r gp _ gf _ < <(tail -n 1 "$work/$name.report")
	T_PASS=$((T_PASS + gp)) T_FAIL=$((T_FAIL + gf))
	[ "$gf" -eq 0 ]
}

st_run_guest() {
	local r=$1 work=$2 kernel=$3 rc
	suite_guest -n "${5:-60}" "$4"
	rc=$?
	# The older form's console log, which its callers read.
	cp "$SUITE_LOG" "$work/console.log" 2>/dev/null
	return $rc
}
