# shellcheck shell=bash
# tests/qemu/lib.sh: boot a kernel under QEMU (TCG) with a fresh software
# TPM and a busybox initramfs, run a test script in the guest and collect
# its results.  Suites reach it through suite.sh; scripts/demo-kernel.sh
# sources it alone.  Source it from bash; every function returns non-zero with a message
# on stderr ("cmq: ...") instead of exiting, so a suite can count the
# failure and go on.
#
# API
#   cmq_need_tools              qemu-system-x86_64, swtpm, busybox (static),
#                               cpio, gzip present?  Names what is missing
#                               and the package that provides it.
#   cmq_kernel_cryptomark       echo build/kernel/bzImage (our LSM kernel);
#                               fails with a hint to run `make kernel`.
#   cmq_kernel_debian           echo the path of Debian's stock vmlinuz,
#                               fetched with `apt-get download` into
#                               $CMQ_CACHE (default ~/.cache/cryptomark/
#                               debian-kernel) and extracted once.  Needs no
#                               modules: tpm-tis, tmpfs xattrs, IMA and
#                               keyrings are built in.
#   cmq_rootfs_new DIR          fresh staging tree: busybox-static and its
#                               applet links, /init, /cmq/lib.sh (guest
#                               helpers, see tests/qemu/guest-lib.sh) and
#                               /cmq/cmt (the static probe and xattr setter,
#                               build/qemu/cmt: `make qemu-guest`).
#   cmq_rootfs_add DIR SRC [DEST [MODE]]
#                               copy a host file into the tree (DEST is the
#                               guest path, default /SRC's basename under
#                               /cmq; parents created; MODE default: kept).
#   cmq_rootfs_add_libs DIR BIN...
#                               copy the dynamic loader and every shared
#                               library BIN needs (ldd) to the same paths.
#   cmq_rootfs_script DIR FILE  install FILE as /cmq/test.sh, the script
#                               /init runs (busybox sh; it may source
#                               /cmq/lib.sh).
#   cmq_rootfs_save_sigs DIR    cpio drops xattrs: for every file under DIR
#                               that carries security.ima on the host (e.g.
#                               signed there by cmsign), save the value as
#                               /cmq/sigs/N.sig and list "GUESTPATH BLOB" in
#                               /cmq/sigs.list; the guest restores them all
#                               with `cmt applysigs /cmq/sigs.list` (tmpfs
#                               root with TMPFS_XATTR).  Echoes the count.
#   cmq_initramfs DIR OUT       pack DIR as a gzip'd cpio newc archive.
#                               cpio carries no xattrs: signatures must be
#                               set in the guest (see kernel-tests.sh).
#   cmq_boot -k KERNEL -i INITRD -l LOG [-a APPEND] [-t SECONDS]
#            [-s TPMSTATE_DIR] [-m MEM_MB] [-q EXTRA_QEMU_ARG]... [-c | -I]
#                               start a fresh swtpm (state in TPMSTATE_DIR
#                               if given, so a host-side provisioning or a
#                               second boot sees the same TPM, else a new
#                               temporary one), boot KERNEL with
#                               "console=ttyS0 panic=-1 loglevel=4 rdinit=/init
#                               cryptomark.initramfs=check APPEND" (loglevel
#                               keeps kernel chatter from splitting result
#                               lines; the guests run from the initramfs, so
#                               the LSM checks its files from the start;
#                               APPEND can override both)
#                               and write the serial console to LOG.
#                               Returns 0 when the guest reached the end of
#                               /init ("cmq: guest done"), 1 on a timeout
#                               (default 120 s), a panic or a missing tool.
#                               The swtpm is stopped whatever happens.
#                               -c: the console also goes to stdout as it
#                               comes (a demo's narration).  -I: interactive:
#                               the console is this terminal (stdin and
#                               stdout, still logged to LOG; Ctrl-C goes to
#                               the guest, Ctrl-A X quits QEMU), QEMU runs in
#                               the foreground and no timeout applies;
#                               returns 0 when QEMU exited normally (the
#                               guest powered off or the user quit), whether
#                               or not /init reached its end.
#   cmq_results LOG             print the guest's "ok N"/"not ok N" lines
#                               and its "N passed, N failed" line; returns
#                               non-zero if any failed or the line is
#                               missing (a guest that crashed is a failure).
#   cmq_counts LOG              echo "PASSED FAILED" from LOG (or "0 1").
#   cmq_report LOG RC [LINES]   a suite's closing: the console's last LINES
#                               (default 40) when the boot (cmq_boot's RC)
#                               or a test failed, the guest's result lines,
#                               then "N passed, N failed" (a failed boot
#                               counts as one failure).  Returns non-zero
#                               on any failure.
#
# Guest side (/cmq/lib.sh, sourced by the test script): g_ok DESC, g_fail
# DESC, g_check DESC CMD..., g_expect DESC ERRNO CMD... (the probes print
# "result=ok" or "result=ERRNO"), g_begin_lsm, g_done: see guest-lib.sh.
#
# Environment: CMQ_ACCEL (default tcg; "kvm" if you want it, never needed),
# CMQ_MACHINE (q35), CMQ_MEM (512), CMQ_TIMEOUT (120), CMQ_CACHE,
# CMQ_VERBOSE=1 copies the console to stderr as it comes.
#
# Measured pitfalls: boot the bzImage, not an extracted vmlinux (PVH boot
# loses ACPI and with it the TPM); swtpm exits when its guest powers off,
# so each boot gets its own swtpm process.

CMQ_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CMQ_ROOT=$(cd "$CMQ_DIR/../.." && pwd)
CMQ_CACHE=${CMQ_CACHE:-$HOME/.cache/cryptomark/debian-kernel}
CMQ_ACCEL=${CMQ_ACCEL:-tcg}
CMQ_MACHINE=${CMQ_MACHINE:-q35}
CMQ_MEM=${CMQ_MEM:-512}
CMQ_TIMEOUT=${CMQ_TIMEOUT:-120}
CMQ_BUSYBOX=${CMQ_BUSYBOX:-/bin/busybox}
# t_swtpm_start: the swtpm starter the host-side tests use too.
. "$CMQ_ROOT/tests/swtpm.sh"

cmq_err() { echo "cmq: $*" >&2; }

cmq_need_tools() {
	local missing=() t pkg
	for t in qemu-system-x86_64:qemu-system-x86 swtpm:swtpm cpio:cpio \
		 gzip:gzip timeout:coreutils; do
		pkg=${t#*:}; t=${t%%:*}
		command -v "$t" >/dev/null 2>&1 || missing+=("$t (package $pkg)")
	done
	if [ ! -x "$CMQ_BUSYBOX" ]; then
		missing+=("$CMQ_BUSYBOX (package busybox-static)")
	elif LC_ALL=C readelf -l "$CMQ_BUSYBOX" 2>/dev/null | grep -q 'INTERP'; then
		missing+=("static $CMQ_BUSYBOX (package busybox-static, not busybox)")
	fi
	if [ ${#missing[@]} -gt 0 ]; then
		cmq_err "missing: ${missing[*]}; run 'make deps' as root"
		return 1
	fi
}

cmq_kernel_cryptomark() {
	local k=$CMQ_ROOT/build/kernel/bzImage
	if [ ! -s "$k" ]; then
		cmq_err "$k not built; run 'make kernel' (about 10 minutes the first time)"
		return 1
	fi
	echo "$k"
}

# The stock image of the running release's linux-image-amd64 dependency
# (e.g. linux-image-6.1.0-56-amd64), extracted from its .deb: only
# boot/vmlinuz-* is kept.
cmq_kernel_debian() {
	local pkg deb dir v
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	      awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
	if [ -z "$pkg" ]; then
		cmq_err "apt-cache knows no linux-image-amd64 dependency (apt-get update?)"
		return 1
	fi
	dir=$CMQ_CACHE/$pkg
	v=$(ls "$dir"/boot/vmlinuz-* 2>/dev/null | head -n1)
	if [ -n "$v" ]; then echo "$v"; return 0; fi
	mkdir -p "$CMQ_CACHE" || return 1
	deb=$(ls "$CMQ_CACHE/${pkg}"_*.deb 2>/dev/null | head -n1)
	if [ -z "$deb" ]; then
		(cd "$CMQ_CACHE" && apt-get download "$pkg" >/dev/null 2>&1) || {
			cmq_err "apt-get download $pkg failed"; return 1; }
		deb=$(ls "$CMQ_CACHE/${pkg}"_*.deb 2>/dev/null | head -n1)
	fi
	mkdir -p "$dir.tmp" &&
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir.tmp" --wildcards './boot/vmlinuz-*' ||
		{ cmq_err "cannot extract vmlinuz from $deb"; rm -rf "$dir.tmp"; return 1; }
	rm -rf "$dir" && mv "$dir.tmp" "$dir"
	ls "$dir"/boot/vmlinuz-* | head -n1
}

cmq_rootfs_new() {
	local d=$1 a
	rm -rf "$d" && mkdir -p "$d"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,etc,root,cmq} ||
		return 1
	# The kernel opens /dev/console before /init runs (and before devtmpfs
	# is mounted): without the node the guest has no stdout.
	mknod -m 0600 "$d/dev/console" c 5 1 && mknod -m 0666 "$d/dev/null" c 1 3 ||
		{ cmq_err "mknod in $d/dev failed (needs root)"; return 1; }
	install -m 0755 "$CMQ_BUSYBOX" "$d/bin/busybox" || return 1
	# Links made here rather than by `busybox --install` in the guest, so
	# /init works before anything is mounted.
	for a in $("$CMQ_BUSYBOX" --list-full); do
		[ -e "$d/$a" ] || ln -s /bin/busybox "$d/$a"
	done
	install -m 0755 "$CMQ_DIR/init.sh" "$d/init" &&
	install -m 0644 "$CMQ_DIR/guest-lib.sh" "$d/cmq/lib.sh" || return 1
	if [ -x "$CMQ_ROOT/build/qemu/cmt" ]; then
		install -m 0755 "$CMQ_ROOT/build/qemu/cmt" "$d/cmq/cmt"
	else
		cmq_err "warning: build/qemu/cmt not built (make qemu-guest): no /cmq/cmt"
	fi
}

cmq_rootfs_save_sigs() {
	local d=$1 f n=0 rel
	mkdir -p "$d/cmq/sigs" || return 1
	: >"$d/cmq/sigs.list"
	while IFS= read -r -d '' f; do
		getfattr --absolute-names --only-values -n security.ima "$f" >"$d/cmq/sigs/$n.sig" 2>/dev/null ||
			{ rm -f "$d/cmq/sigs/$n.sig"; continue; }
		rel=${f#"$d"}
		echo "$rel /cmq/sigs/$n.sig" >>"$d/cmq/sigs.list"
		n=$((n + 1))
	done < <(find "$d" -type f ! -path "$d/cmq/sigs/*" -print0)
	echo "$n"
}

cmq_rootfs_add() {
	local d=$1 src=$2 dest=${3:-/cmq/$(basename "$2")} mode=${4:-}
	mkdir -p "$d$(dirname "$dest")" || return 1
	cp -L "$src" "$d$dest" || return 1
	[ -z "$mode" ] || chmod "$mode" "$d$dest"
}

cmq_rootfs_add_libs() {
	local d=$1 bin lib
	shift
	for bin in "$@"; do
		for lib in $(ldd "$bin" 2>/dev/null | grep -oE '/[^ ]+'); do
			[ -e "$d$lib" ] || cmq_rootfs_add "$d" "$lib" "$lib" || return 1
		done
	done
}

cmq_rootfs_script() {
	install -m 0755 "$2" "$1/cmq/test.sh"
}

cmq_initramfs() {
	local d=$1 out=$2
	mkdir -p "$(dirname "$out")" || return 1
	(cd "$d" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc --owner=0:0 --quiet) | gzip -1 >"$out.tmp" &&
		mv "$out.tmp" "$out"
}

cmq_boot() {
	local kernel= initrd= log= append= tmo=$CMQ_TIMEOUT state= mem=$CMQ_MEM
	local extra=() OPTIND=1 o tpmdir swpid rc qpid con=file
	while getopts k:i:l:a:t:s:m:q:cI o; do
		case $o in
		k) kernel=$OPTARG ;; i) initrd=$OPTARG ;; l) log=$OPTARG ;;
		a) append=$OPTARG ;; t) tmo=$OPTARG ;; s) state=$OPTARG ;;
		m) mem=$OPTARG ;; q) extra+=("$OPTARG") ;;
		c) con='stdout' ;; I) con='tty' ;;
		*) cmq_err "cmq_boot: bad option"; return 1 ;;
		esac
	done
	if [ -z "$kernel" ] || [ -z "$initrd" ] || [ -z "$log" ]; then
		cmq_err "cmq_boot needs -k KERNEL -i INITRD -l LOG"; return 1
	fi
	cmq_need_tools || return 1
	[ -r "$kernel" ] || { cmq_err "no kernel image $kernel"; return 1; }
	[ -r "$initrd" ] || { cmq_err "no initramfs $initrd"; return 1; }
	tpmdir=$(mktemp -d "${TMPDIR:-/tmp}/cmq-tpm.XXXXXX") || return 1
	[ -n "$state" ] || state=$tpmdir/state
	mkdir -p "$state" "$(dirname "$log")" || return 1
	: >"$log"
	# A fresh swtpm per boot: it exits when QEMU drops the control channel.
	t_swtpm_start "$state" "$tpmdir/ctrl.sock" 2>"$tpmdir/swtpm.err" || {
		cmq_err "$(cat "$tpmdir/swtpm.err")"; rm -rf "$tpmdir"; return 1; }
	swpid=$SWPID
	local qemu=(qemu-system-x86_64
		-machine "$CMQ_MACHINE,accel=$CMQ_ACCEL" -cpu max -m "$mem" -smp 1
		-nographic -monitor none -no-reboot
		-chardev "socket,id=chrtpm,path=$tpmdir/ctrl.sock"
		-tpmdev "emulator,id=tpm0,chardev=chrtpm" -device "tpm-tis,tpmdev=tpm0"
		-kernel "$kernel" -initrd "$initrd"
		-append "console=ttyS0 panic=-1 loglevel=4 rdinit=/init cryptomark.initramfs=check $append")
	if [ "$con" != file ]; then
		# On a terminal, SeaBIOS's serial console would reset it (ESC c,
		# line wrap off) and iPXE would talk: no BIOS console, no NIC.
		printf '\0\0' >"$tpmdir/sercon-port"
		qemu+=(-nic none -fw_cfg "name=etc/sercon-port,file=$tpmdir/sercon-port")
	fi
	case $con in
	file) qemu+=(-serial "file:$log") ;;
	# The stdio chardev writes the console to stdout and to the logfile.
	stdout) qemu+=(-chardev "stdio,id=cmqcon,signal=off,logfile=$log"
		       -serial chardev:cmqcon) ;;
	# mux=on is what interprets Ctrl-A X (there is no monitor to reach).
	tty) qemu+=(-chardev "stdio,id=cmqcon,mux=on,signal=off,logfile=$log"
		    -serial chardev:cmqcon) ;;
	esac
	if [ "$con" = tty ]; then
		# In the foreground, no timeout(1): it would move QEMU out of
		# the terminal's foreground process group (reads: SIGTTIN).
		"${qemu[@]}" "${extra[@]}" 2>"$tpmdir/qemu.out"
		rc=$?
	else
		if [ "$con" = stdout ]; then
			# --foreground: QEMU stays in the terminal's process
			# group, so Ctrl-C stops it with the demo.
			timeout --foreground -k 5 "$tmo" "${qemu[@]}" "${extra[@]}" </dev/null 2>"$tpmdir/qemu.out" &
		else
			timeout -k 5 "$tmo" "${qemu[@]}" "${extra[@]}" </dev/null >"$tpmdir/qemu.out" 2>&1 &
		fi
		qpid=$!
		if [ "${CMQ_VERBOSE:-0}" = 1 ] && [ "$con" = file ]; then
			tail -f "$log" --pid="$qpid" >&2 &
		fi
		wait "$qpid"; rc=$?
	fi
	# swtpm normally exits with QEMU; never leave one behind.
	kill -0 "$swpid" 2>/dev/null && sleep 0.2
	t_swtpm_stop
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		cmq_err "timeout after ${tmo}s booting $kernel (log: $log)"
		rc=1
	elif [ $rc -ne 0 ]; then
		cmq_err "qemu exited $rc: $(tail -n 5 "$tpmdir/qemu.out")"
		rc=1
	elif [ "$con" = tty ]; then
		:	# the user may leave before /init's end (Ctrl-A X)
	elif ! grep -q '^cmq: guest done' "$log"; then
		if grep -q 'Kernel panic' "$log"; then
			cmq_err "guest panicked: $(grep -m1 'Kernel panic' "$log")"
		else
			cmq_err "guest stopped before the end of /init (log: $log)"
		fi
		rc=1
	fi
	rm -rf "$tpmdir"
	return $rc
}

cmq_counts() {
	local line
	line=$(tr -d '\r' <"$1" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n1)
	if [ -z "$line" ]; then echo "0 1"; return; fi
	sed -E 's/^([0-9]+) passed, ([0-9]+) failed.*/\1 \2/' <<<"$line"
}

cmq_results() {
	local c
	tr -d '\r' <"$1" | grep -E '^(not )?ok [0-9]+ |^# '
	c=$(cmq_counts "$1")
	if ! tr -d '\r' <"$1" | grep -qE '^[0-9]+ passed, [0-9]+ failed'; then
		cmq_err "no 'N passed, N failed' line from the guest (log: $1)"
		return 1
	fi
	[ "${c#* }" = 0 ]
}

cmq_report() {
	local log=$1 rc=$2 lines=${3:-40} p f
	if ! cmq_results "$log" >/dev/null || [ "$rc" -ne 0 ]; then
		echo "# console log (tail):"
		tr -d '\r' <"$log" | tail -n "$lines" | sed 's/^/#   /'
	fi
	tr -d '\r' <"$log" | grep -E '^(not )?ok [0-9]+ '
	read -r p f < <(cmq_counts "$log")
	[ "$rc" -eq 0 ] || [ "$f" -ne 0 ] || f=1
	echo "$p passed, $f failed"
	[ "$f" -eq 0 ]
}
