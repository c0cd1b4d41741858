#!/usr/bin/env bash
# make demo-kernel [INTERACTIVE=1]: the other half of the main job, the
# kernel refusing what is not signed.  Builds the cryptomark kernel if
# needed (with progress), makes a throwaway CA and signer, a keyring bundle
# signed by the CA, and a small guest whose programs and libraries are
# signed (or deliberately not), then boots it under QEMU (TCG) with a fresh
# software TPM.  The guest narrates on its console
# (scripts/demo-kernel-guest.sh).  INTERACTIVE=1 ends in a shell in the
# enforcing guest.  The QEMU harness is tests/qemu/lib.sh.
# No pipefail: tests/qemu/lib.sh's pipelines (grep -q) are not written for it.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/tests/qemu/lib.sh"
B=$root/build
interactive=${INTERACTIVE:-0}
[ "$interactive" = 1 ] || interactive=0
work=$(mktemp -d "${TMPDIR:-/tmp}/cryptomark-demo-kernel.XXXXXX")
trap 'rm -rf "$work"' EXIT
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
die() { echo "demo-kernel: $*" >&2; exit 1; }
start=$(date +%s)

[ "$(id -u)" = 0 ] || die "staging the guest (device nodes, security.ima) needs root; run 'make demo-kernel' as root"
cmq_need_tools || exit 1
for b in cmsign cmkeys qemu/cmt qemu/hello qemu/hello-dyn qemu/libcmt.so; do
	[ -x "$B/$b" ] || [ -f "$B/$b" ] || die "$B/$b missing: run 'make all qemu-guest'"
done

# kernel_progress: kbuild's output in (kept in the work directory), a
# status line out every 15 s, so a cold build shows that it moves.
kernel_progress() {
	local line n=0 last='' shown=$SECONDS t0=$SECONDS
	local stage='checking the tree, or waiting for the cache lock another build holds'
	while :; do
		if IFS= read -r -t 5 line; then
			echo "$line" >>"$work/kernel-build.log"
			case $line in
			*"  CC "*) n=$((n + 1)); last=${line##* } ;;
			build-kernel:\ extracting*) echo "   $line"; stage='extracting' ;;
			build-kernel:*) echo "   $line" ;;
			*) stage='configuring, checking what changed' ;;
			esac
		elif [ $? -le 128 ]; then
			break	# end of the output
		fi
		[ $((SECONDS - shown)) -ge 15 ] || continue
		shown=$SECONDS
		if [ $n = 0 ]; then
			printf '   kernel build: %d:%02d elapsed (%s)\n' \
				$(((SECONDS - t0) / 60)) $(((SECONDS - t0) % 60)) "$stage"
		else
			printf '   kernel build: %d:%02d elapsed, %d of ~1300 files compiled (%s)\n' \
				$(((SECONDS - t0) / 60)) $(((SECONDS - t0) % 60)) "$n" "$last"
		fi
	done
	printf '   kernel build: %d:%02d, %d files compiled%s\n' \
		$(((SECONDS - t0) / 60)) $(((SECONDS - t0) % 60)) "$n" \
		"$([ $n != 0 ] || echo ' (the cached tree was up to date)')"
}

say "1. The cryptomark kernel (build/kernel/bzImage)"
echo "   The first run builds it: a cold build takes ~10-20 minutes on 2 cores"
echo "   (Debian's linux-source-6.1 extracted and compiled into ~/.cache/cryptomark);"
echo "   later runs reuse that tree and take seconds."
"$root/kernel/build-kernel.sh" 2>&1 | kernel_progress
if [ "${PIPESTATUS[0]}" != 0 ]; then
	tail -n 30 "$work/kernel-build.log" >&2
	die "kernel build failed (above: the last lines of its output)"
fi
kernel=$(cmq_kernel_cryptomark) || exit 1

say "2. Keys: a throwaway CA, a code-signing key it certifies, a keyring bundle"
"$B/cmkeys" ca -o "$work/ca" --type ecdsa-p256 --subject "/CN=cryptomark demo CA" >/dev/null &&
	"$B/cmkeys" signer --ca "$work/ca" -o "$work/signer" --type ecdsa-p256 \
		--subject "/CN=cryptomark demo signer" >/dev/null &&
	"$B/cmkeys" signer --ca "$work/ca" -o "$work/extra" --type ecdsa-p256 \
		--subject "/CN=cryptomark demo extra signer" >/dev/null ||
	die "cmkeys ca/signer failed"
"$B/cmkeys" bundle -o "$work/keyring.bundle" --sign-key "$work/ca/ca.key" \
	--sign-cert "$work/ca/ca.pem" "$work/signer/signer.pem" || die "cmkeys bundle failed"
openssl x509 -in "$work/extra/signer.pem" -outform DER -out "$work/extra-signer.der" ||
	die "openssl x509 failed"

say "3. The guest: busybox, cmkeys, the demo programs; signed with cmsign (or not)"
r=$work/root d=$work/root/demo q=$B/qemu
tcti=$(ldconfig -p | awk '$1 == "libtss2-tcti-device.so.0" {print $NF; exit}')
[ -n "$tcti" ] || die "libtss2-tcti-device.so.0 not found (make deps)"
keyctl=$(command -v keyctl) || die "keyctl missing (package keyutils; make deps)"
cmq_rootfs_new "$r" &&
	cmq_rootfs_add "$r" "$B/cmkeys" /sbin/cmkeys 0755 &&
	cmq_rootfs_add "$r" "$keyctl" /bin/keyctl 0755 &&
	cmq_rootfs_add_libs "$r" "$B/cmkeys" "$tcti" "$keyctl" "$q/hello-dyn" &&
	cmq_rootfs_add "$r" "$tcti" "$tcti" &&
	cmq_rootfs_add "$r" "$work/keyring.bundle" /etc/cryptomark/keyring.bundle &&
	cmq_rootfs_add "$r" "$work/keyring.bundle.sig" /etc/cryptomark/keyring.bundle.sig &&
	cmq_rootfs_add "$r" "$work/ca/ca.pem" /etc/cryptomark/ca.pem &&
	cmq_rootfs_add "$r" "$work/extra-signer.der" /demo/extra-signer.der ||
	die "staging the guest tree failed"
cp "$q/hello" "$d/hello" && cp "$q/hello" "$d/hello-unsigned" &&
	cp "$q/hello" "$d/hello-tampered" && cp "$q/hello-dyn" "$d/hello-dyn" &&
	cp "$q/libcmt.so" "$d/libsigned.so" && cp "$q/libcmt.so" "$d/libunsigned.so" ||
	die "copying the demo programs failed"
# Everything that runs once the mode is enforce is signed: the shell and its
# applets, the tools, the loader and every library; not the two "unsigned"
# files, and hello-tampered gets one byte more after it was signed.
find "$r/bin" "$r/sbin" "$r/lib" "$r/lib64" "$r/usr" -type f >"$work/tosign"
printf '%s\n' "$r/cmq/cmt" "$d/hello" "$d/hello-tampered" "$d/hello-dyn" \
	"$d/libsigned.so" >>"$work/tosign"
xargs -d '\n' "$B/cmsign" -q --key "$work/signer/signer.key" \
	--cert "$work/signer/signer.pem" <"$work/tosign" || die "cmsign failed"
printf 'X' >>"$d/hello-tampered"
echo "   $(wc -l <"$work/tosign") files signed by \"cryptomark demo signer\"; unsigned:" \
	"/demo/hello-unsigned, /demo/libunsigned.so; tampered after signing: /demo/hello-tampered"
cmq_rootfs_save_sigs "$r" >/dev/null && cmq_rootfs_script "$r" "$root/scripts/demo-kernel-guest.sh" &&
	cmq_initramfs "$r" "$work/initrd.gz" || die "packing the initramfs failed"

say "4. Booting it under QEMU (TCG, no KVM needed) with a fresh swtpm: the guest's console follows"
append="cryptomark.mode=off"
if [ "$interactive" = 1 ]; then
	append="$append cmq.demo=interactive"
	echo "   At the end you get a root shell in the enforcing guest."
	echo "   To leave: type 'exit' (the guest powers off), or press Ctrl-A then X to quit QEMU."
	cmq_boot -I -k "$kernel" -i "$work/initrd.gz" -l "$work/console.log" -a "$append" ||
		die "QEMU failed"
	say "demo-kernel: left the guest ($(( $(date +%s) - start )) s)"
	exit 0
fi
rc=0
cmq_boot -c -k "$kernel" -i "$work/initrd.gz" -l "$work/console.log" -a "$append" -t 300 || rc=$?
if [ $rc -ne 0 ] || ! grep -q '^cmq: guest done rc=0' "$work/console.log"; then
	die "the guest did not show every outcome as narrated (console above)"
fi
say "demo-kernel finished in $(( $(date +%s) - start )) s: the kernel ran signed code and refused the rest"
