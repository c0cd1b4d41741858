#!/usr/bin/env bash
# apt's pre-install hook in a real apt run.  A fresh Debian 12 chroot
# (debootstrap minbase, cached) gets cryptomark's Debian integration
# (packaging/debian/install.sh: the dpkg hook, /usr/lib/cryptomark/
# apt-preinstall and /etc/apt/apt.conf.d/60cryptomark exactly as shipped)
# and a local apt repository (apt-ftparchive) of archive packages
# re-signed with cmsign deb.  The chroot has no LSM: a regular file stands
# in for /sys/kernel/security/cryptomark/digests, and a dpkg pre-invoke
# line records how many lines it holds each time dpkg starts.  Checked:
# apt-get install loads every manifest entry of the packages (files and
# maintainer scripts) before dpkg first runs and clears the table after;
# a package whose manifest was tampered with makes apt-get fail before
# dpkg runs (nothing unpacked, not installed, nothing loaded);
# CRYPTOMARK_SECURITYFS redirects the hook; without the file the hook
# says there is nothing to do; with cmsign and the hook removed (the
# conffile left behind) apt still works.
set -u
. "$(dirname "$0")/../lib.sh"
t_require_root
t_need debootstrap apt-ftparchive chroot ar

D=$(t_scratch)
trap 'rm -rf "$D"' EXIT
t_mkcert "$D" rsa rsa2048

C=$D/chroot
t_check "a fresh Debian 12 minbase chroot" t_chroot "$C" || { t_done; exit 1; }
mkdir -p "$D/in" "$C/srv/repo" "$D/signed"
for p in hello less sensible-utils; do
	cp "$(t_fetch_deb $p)" "$D/in/" || t_fail "download $p"
done
t_check "cmsign deb re-signs hello, less and sensible-utils" \
	"$CMSIGN" deb -q --key "$D/rsa.key" --cert "$D/rsa.pem" -o "$D/signed" "$D"/in/*.deb
cp "$D"/signed/hello_*.deb "$D"/signed/less_*.deb "$C/srv/repo/"
# sensible-utils: a byte of its _cryptomark member flipped in place.
s=$(ls "$D"/signed/sensible-utils_*.deb)
cp "$s" "$C/srv/repo/"
t=$C/srv/repo/${s##*/}
msize=$(ar p "$s" _cryptomark | wc -c)
t_flip "$t" $(( $(stat -c %s "$t") - (msize % 2) - msize + 200 ))
t_check "(the flipped byte is in the member)" bash -c "! ar p '$t' _cryptomark | cmp -s - <(ar p '$s' _cryptomark)"
t_check "apt-ftparchive publishes them" bash -c \
	"cd '$C/srv/repo' && apt-ftparchive packages . > Packages && apt-ftparchive release . > Release"

"$T_ROOT/packaging/debian/install.sh" "$C" /usr
t_install_into "$C" "$CMSIGN" /usr/bin/cmsign
cp "$D/rsa.pem" "$C/etc/cryptomark/manifest-signers/"
t_check "the apt.conf.d lines are installed as shipped" \
	cmp -s "$T_ROOT/packaging/debian/apt.conf.d-cryptomark" "$C/etc/apt/apt.conf.d/60cryptomark"
rm -f "$C/etc/apt/sources.list" "$C"/etc/apt/sources.list.d/*
echo 'deb [trusted=yes] file:/srv/repo ./' > "$C/etc/apt/sources.list"
SFS=/sys/kernel/security/cryptomark/digests
mkdir -p "$C${SFS%/*}"
: > "$C$SFS"
echo "pre-invoke=cat $SFS 2>/dev/null | wc -l >> /var/log/cm-preinvoke" > "$C/etc/dpkg/dpkg.cfg.d/00cm-test"
: > "$C/var/log/cm-preinvoke"
export DEBIAN_FRONTEND=noninteractive
t_check "apt-get update from the local repository" bash -c "chroot '$C' apt-get update -q >/dev/null"

# --- a good install: loaded before dpkg, cleared after --------------------
chroot "$C" apt-get install -y -q hello less > "$D/apt.log" 2>&1
rc=$?
t_check "apt-get install hello less" [ $rc = 0 ]
[ $rc = 0 ] || cat "$D/apt.log"
for f in "$D"/signed/hello_*.deb "$D"/signed/less_*.deb; do
	ar p "$f" _cryptomark > "$D/m"; t_cmm_list "$D/m" | cut -d' ' -f2-
done | sort -u > "$D/want"
t_check "the table got exactly the $(wc -l < "$D/want") entries of both manifests (files and scripts), then clear" bash -c \
	"[ \"\$(tail -n1 '$C$SFS')\" = clear ] && grep -vx clear '$C$SFS' | sort | cmp -s - '$D/want'"
t_check "loaded before dpkg first ran: dpkg's pre-invoke saw $(head -n1 "$C/var/log/cm-preinvoke") lines" \
	[ "$(head -n1 "$C/var/log/cm-preinvoke")" = "$(wc -l < "$D/want")" ]
t_check "the dpkg hook signed the files and the scripts" \
	"$CMVERIFY" -q --carrier xattr --cert "$D/rsa.pem" "$C/usr/bin/hello" "$C/usr/bin/less" \
	"$C/var/lib/dpkg/info/less.postinst" "$C/var/lib/dpkg/info/less.prerm" "$C/var/lib/dpkg/info/less.preinst"

# --- a tampered manifest: apt stops before dpkg ---------------------------
before=$(stat -c %s "$C$SFS") runs=$(wc -l < "$C/var/log/cm-preinvoke")
chroot "$C" apt-get install -y -q sensible-utils > "$D/apt2.log" 2>&1
rc=$?
t_check "apt-get install of the tampered sensible-utils fails" [ $rc != 0 ]
t_grep "... the hook names it" "sensible-utils_.*\.deb: member _cryptomark: REFUSED: manifest signature: bad-signature" cat "$D/apt2.log"
t_check "... dpkg never ran, nothing was unpacked or loaded" bash -c \
	"[ \$(wc -l < '$C/var/log/cm-preinvoke') = $runs ] && [ \$(stat -c %s '$C$SFS') = $before ] &&
	 [ ! -e '$C/usr/bin/sensible-editor' ]"
t_check "... and it is not installed" bash -c \
	"! chroot '$C' dpkg-query -W -f='\${db:Status-Abbrev}' sensible-utils 2>/dev/null | grep -q '^ii'"

# --- CRYPTOMARK_SECURITYFS, no LSM, cmsign removed -------------------------
: > "$C/tmp/alt"
chroot "$C" env CRYPTOMARK_SECURITYFS=/tmp/alt apt-get install -y -q --reinstall hello > "$D/apt3.log" 2>&1
t_check "CRYPTOMARK_SECURITYFS: the hook loads into that file" bash -c \
	"[ \$(grep -c '^sha256:' '$C/tmp/alt') -gt 40 ]"
rm -f "$C$SFS"
chroot "$C" apt-get install -y -q --reinstall less > "$D/apt4.log" 2>&1
rc=$?
t_check "no LSM (no securityfs file): apt-get install works" [ $rc = 0 ]
t_grep "... and the hook says there is nothing to do" "cmsign preload: no cryptomark LSM \($SFS missing\): nothing to do" cat "$D/apt4.log"
rm -f "$C/usr/lib/cryptomark/apt-preinstall" "$C/usr/bin/cmsign"
chroot "$C" apt-get install -y -q --reinstall hello > "$D/apt5.log" 2>&1
rc=$?
t_check "hook and cmsign removed, 60cryptomark left: apt-get still works" [ $rc = 0 ]
[ $rc = 0 ] || cat "$D/apt5.log"
t_done
