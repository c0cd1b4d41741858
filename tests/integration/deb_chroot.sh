#!/usr/bin/env bash
# The repository step end to end: real archive packages are re-signed with
# cmsign deb, published as a local apt repository by apt-ftparchive, and a
# fresh Debian 12 chroot (debootstrap minbase, cached) with cryptomark's
# Debian integration installed (packaging/debian/install.sh: the hook, its
# dpkg.cfg.d line) and the signer in /etc/cryptomark/manifest-signers
# installs them with apt-get: a new package (hello), one with maintainer
# scripts (less), an arch:all one (sensible-utils) and an upgrade of a
# package the chroot already has (libzstd1, the bookworm-security version
# over the bookworm one), and upgrades with maintainer scripts run by apt
# (libpam-modules: Multi-Arch: same, and a conffile the upgrade changes,
# which dpkg installs only at configure, a later dpkg run than the unpack;
# tzdata: a debconf config script).
# Every installed file, and every maintainer script dpkg keeps in
# /var/lib/dpkg/info (PKG.SCRIPT, PKG:ARCH.SCRIPT), must then carry a
# security.ima that cmverify and evmctl accept, dpkg -V must be clean, and
# a package signed by an untrusted key is installed but its manifest
# refused and reported.
set -u
. "$(dirname "$0")/../lib.sh"
t_require_root
t_need debootstrap apt-ftparchive evmctl chroot

D=$(t_scratch)
trap 'rm -rf "$D"' EXIT
t_mkcert "$D" rsa rsa2048
t_mkcert "$D" rogue rsa2048
openssl x509 -in "$D/rsa.pem" -outform der -out "$D/rsa.der"

C=$D/chroot
t_check "a fresh Debian 12 minbase chroot" t_chroot "$C" || { t_done; exit 1; }

mkdir -p "$D/in" "$C/srv/repo"
for p in hello less sensible-utils libzstd1 coreutils libpam-modules libpam-modules-bin tzdata; do
	cp "$(t_fetch_deb $p)" "$D/in/" || t_fail "download $p"
done
# coreutils is signed by a key the chroot does not trust.
t_check "cmsign deb re-signs the packages into the repository" \
	"$CMSIGN" deb -q --key "$D/rsa.key" --cert "$D/rsa.pem" -o "$C/srv/repo" \
	"$D"/in/hello_*.deb "$D"/in/less_*.deb "$D"/in/sensible-utils_*.deb "$D"/in/libzstd1_*.deb \
	"$D"/in/libpam-modules_*.deb "$D"/in/libpam-modules-bin_*.deb "$D"/in/tzdata_*.deb
t_check "... and coreutils with an untrusted key" \
	"$CMSIGN" deb -q --key "$D/rogue.key" --cert "$D/rogue.pem" -o "$C/srv/repo" "$D"/in/coreutils_*.deb
t_check "apt-ftparchive publishes them" bash -c \
	"cd '$C/srv/repo' && apt-ftparchive packages . > Packages && apt-ftparchive release . > Release"

# The target system: cryptomark's integration and trust, only our repository.
"$T_ROOT/packaging/debian/install.sh" "$C" /usr
t_install_into "$C" "$CMSIGN" /usr/bin/cmsign
cp "$D/rsa.pem" "$C/etc/cryptomark/manifest-signers/"
rm -f "$C/etc/apt/sources.list" "$C"/etc/apt/sources.list.d/*
echo 'deb [trusted=yes] file:/srv/repo ./' > "$C/etc/apt/sources.list"
t_grep "cmsign runs inside the chroot" "^Usage: cmsign deb" chroot "$C" cmsign deb --help
old_zstd=$(chroot "$C" dpkg-query -W -f='${Version}' libzstd1)

export DEBIAN_FRONTEND=noninteractive
t_check "apt-get update from the local repository" bash -c "chroot '$C' apt-get update -q >/dev/null"
chroot "$C" apt-get install -y -q hello less sensible-utils libzstd1 libpam-modules tzdata > "$D/apt.log" 2>&1 &&
	chroot "$C" apt-get install -y -q --reinstall coreutils >> "$D/apt.log" 2>&1
rc=$?
t_check "apt-get install hello less sensible-utils libzstd1 libpam-modules tzdata, --reinstall coreutils" [ $rc = 0 ]
[ $rc = 0 ] || cat "$D/apt.log"
t_check "libzstd1 was upgraded from $old_zstd" bash -c \
	"[ \"\$(chroot '$C' dpkg-query -W -f='\${Version}' libzstd1)\" != '$old_zstd' ]"
t_check "less's maintainer scripts ran (its alternative is set up)" test -L "$C/etc/alternatives/pager"
t_grep "the hook reported the untrusted manifest" "coreutils:amd64: manifest REFUSED" cat "$D/apt.log"

bad=0 n=0
for p in hello less sensible-utils libzstd1 libpam-modules tzdata; do
	while read -r f; do
		[ -f "$C$f" ] && [ ! -L "$C$f" ] || continue
		case $f in /usr/share/cryptomark/manifests/*) continue ;; esac
		n=$((n + 1))
		"$CMVERIFY" --carrier xattr --cert "$D/rsa.pem" "$C$f" >/dev/null 2>&1 || { echo "# cmverify: $f"; bad=1; }
		evmctl ima_verify --key "$D/rsa.der" "$C$f" >/dev/null 2>&1 || { echo "# evmctl: $f"; bad=1; }
	done < <(chroot "$C" dpkg -L "$p")
done
t_check "every installed file ($n) carries a signature cmverify and evmctl accept" [ $bad = 0 -a $n -gt 80 ]
bad=0 scripts=
for s in less.preinst less.postinst less.prerm libpam-modules:amd64.preinst libpam-modules:amd64.postinst \
	 libpam-modules:amd64.postrm tzdata.config tzdata.preinst tzdata.postinst tzdata.prerm tzdata.postrm; do
	f=$C/var/lib/dpkg/info/$s
	[ -f "$f" ] || { echo "# missing: $f"; bad=1; continue; }
	scripts="$scripts $s"
	"$CMVERIFY" --carrier xattr --cert "$D/rsa.pem" "$f" >/dev/null 2>&1 || { echo "# cmverify: $f"; bad=1; }
	evmctl ima_verify --key "$D/rsa.der" "$f" >/dev/null 2>&1 || { echo "# evmctl: $f"; bad=1; }
done
t_check "the maintainer scripts dpkg keeps verify too:$scripts" [ $bad = 0 ]
t_grep "coreutils' scripts (untrusted signer) got nothing" "FAIL unsigned" "$CMVERIFY" --cert "$D/rogue.pem" "$C/var/lib/dpkg/info/coreutils.postinst"
t_grep "coreutils' files got nothing" "FAIL unsigned" "$CMVERIFY" --cert "$D/rsa.pem" --cert "$D/rogue.pem" "$C/usr/bin/ls"
t_check "dpkg -V is clean for the installed packages" bash -c \
	"[ -z \"\$(chroot '$C' dpkg -V hello less sensible-utils libzstd1 coreutils libpam-modules tzdata 2>&1)\" ]"
t_check "apt-get remove hello removes its manifest" bash -c \
	"chroot '$C' apt-get remove -y -q hello >/dev/null 2>&1 && [ ! -e '$C/usr/share/cryptomark/manifests/hello_amd64.cmm' ]"
t_done
