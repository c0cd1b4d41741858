# shellcheck shell=bash
# tests/qemu/suite.sh: the start and the boot every QEMU suite shares.
# A suite reads:
#
#   #!/usr/bin/env bash
#   # What the suite checks, in the guest and on the host.
#   #   tests/qemu/NAME.sh [KERNEL]        prints "N passed, N failed"
#   . "$(dirname "$0")/suite.sh"
#   suite_begin NAME cryptomark "$@"      # or: debian (the stock kernel)
#   suite_need cmt hello "$CMSIGN"
#   st_keys "$work" && st_base "$r" "$work" || fail "base tree"
#   ... files into $r/cmq, signed with st_sign ...
#   suite_guest -t 180 "$here/guest/NAME.sh"
#   t_done
#
# Sourcing it sets -u and sources lib.sh (cmq_*: staging, cmq_boot),
# ../lib.sh (t_*: counts, t_done) and stage.sh (st_*: keys, signing, the
# signed base tree).  Then:
#
#   here                tests/qemu (absolute): $here/guest/ holds the
#                       guest scripts
#   q                   $T_BUILD/qemu, the guest programs (make qemu-guest)
#   fail MSG            t_fail MSG, t_done, exit 1: setup cannot go on
#   suite_begin NAME KIND [KERNEL]
#                       work=$(mktemp -d /tmp/cmq-NAME.XXXXXX), removed at
#                       exit; r=$work/root (the guest's tree);
#                       kernel=KERNEL, or KIND's image: "cryptomark"
#                       (build/kernel/bzImage) or "debian" (Debian's stock
#                       vmlinuz); KERNEL "debian" also picks the stock one.
#                       SUITE_KIND is the kind picked.
#   suite_at_exit CMD   run CMD (eval) at exit, before $work goes
#   suite_need NAME|PATH...
#                       each must be executable: a bare NAME is a guest
#                       program in $q (else: run 'make qemu-guest'), a path
#                       a host tool ($CMSIGN, $CMKEYS: run 'make all')
#   suite_sign NAME FILE...
#                       cmsign FILE... (security.ima) with the signer
#                       `cmkeys signer -o $work/NAME` made; its output
#                       shown only on a failure
#   suite_tcti          echo the host's libtss2-tcti-device.so.0 (what
#                       cmkeys needs to reach /dev/tpmrm0 in the guest)
#   suite_guest [-r ROOT] [-a APPEND] [-t SECONDS] [-n LINES] [-s TPMSTATE]
#               [-o NAME] [-S COUNT] SCRIPT
#                       one boot: SCRIPT becomes ROOT's /cmq/test.sh (run
#                       by /init; SCRIPT "-" keeps the one staged), ROOT's
#                       signatures are saved (-S: exactly COUNT expected),
#                       ROOT is packed and $kernel booted with APPEND
#                       (default "cryptomark.mode=off" on the cryptomark
#                       kernel, nothing on Debian's) for at most SECONDS
#                       (240) on a fresh swtpm (-s: that TPM state, kept
#                       across boots).  Prints the boot's time, the guest's
#                       "# guest: " and result lines (and the console's last
#                       LINES, default 60, on a failure) and adds its counts
#                       to T_PASS/T_FAIL.  Files: $work/NAME.initrd.gz,
#                       $work/NAME.log (NAME default "boot"); SUITE_LOG is
#                       the console log.  Returns non-zero on a failure.
#                       (Defined in stage.sh, with st_run_guest, its older
#                       form: st_run_guest ROOT WORK KERNEL SCRIPT [LINES].)
#
# Guest scripts are files under tests/qemu/guest/ (busybox sh; they source
# /cmq/lib.sh, see guest-lib.sh).  Values the host computes reach them in
# a file staged beside them, e.g. $r/cmq/NAME.env, that the script sources.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
. "$here/../lib.sh"
. "$here/stage.sh"
q=$T_BUILD/qemu
SUITE_AT_EXIT=()
SUITE_KIND=

fail() { t_fail "$*"; t_done; exit 1; }

suite_exit() {
	local c
	for c in "${SUITE_AT_EXIT[@]}"; do eval "$c"; done
	[ -z "${work:-}" ] || rm -rf "$work"
}

suite_at_exit() { SUITE_AT_EXIT+=("$*"); }

suite_begin() {
	local name=$1 kind=$2 arg=${3:-}
	work=$(mktemp -d "${TMPDIR:-/tmp}/cmq-$name.XXXXXX") || fail "mktemp"
	trap suite_exit EXIT
	r=$work/root
	[ "$arg" = debian ] && { kind=debian; arg=; }
	SUITE_KIND=$kind
	if [ -n "$arg" ]; then
		kernel=$arg
	elif [ "$kind" = debian ]; then
		kernel=$(cmq_kernel_debian) || fail "no Debian kernel image"
	else
		kernel=$(cmq_kernel_cryptomark) || fail "no kernel image (make kernel)"
	fi
}

suite_need() {
	local b
	for b in "$@"; do
		case $b in
		*/*) [ -x "$b" ] || fail "$b missing: run 'make all'" ;;
		*) [ -x "$q/$b" ] || [ -f "$q/$b" ] ||
			fail "$q/$b missing: run 'make qemu-guest'" ;;
		esac
	done
}

suite_sign() {
	"$CMSIGN" --carrier xattr --key "$work/$1/signer.key" --cert "$work/$1/signer.pem" \
		"${@:2}" >"$work/sign.log" 2>&1 || { cat "$work/sign.log"; false; }
}

suite_tcti() {
	local l
	l=$(ldconfig -p | awk '$1 == "libtss2-tcti-device.so.0" {print $NF; exit}')
	[ -n "$l" ] || { cmq_err "libtss2-tcti-device.so.0 not found (make deps)"; return 1; }
	echo "$l"
}
