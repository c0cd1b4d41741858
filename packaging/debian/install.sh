#!/bin/sh
# Installs the Debian integration under $DESTDIR (for `make install` or a
# package's debian/rules): dh_cryptomark and its dh sequence addon, the
# dpkg hook and the dpkg.cfg.d line that runs it, the apt pre-install hook
# and its apt.conf.d lines.  Usage:
#   packaging/debian/install.sh [DESTDIR] [PREFIX]   (PREFIX default /usr)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dest=${1:-${DESTDIR:-}}
prefix=${2:-/usr}
install -D -m 0755 "$here/dh_cryptomark" "$dest$prefix/bin/dh_cryptomark"
install -D -m 0644 "$here/Debian/Debhelper/Sequence/cryptomark.pm" \
	"$dest/usr/share/perl5/Debian/Debhelper/Sequence/cryptomark.pm"
install -D -m 0755 "$here/dpkg-hook" "$dest/usr/lib/cryptomark/dpkg-hook"
install -D -m 0644 "$here/dpkg.cfg.d-cryptomark" "$dest/etc/dpkg/dpkg.cfg.d/cryptomark"
install -D -m 0755 "$here/apt-preinstall" "$dest/usr/lib/cryptomark/apt-preinstall"
# Its post-invoke line names cmsign by path: $prefix/bin/cmsign.
install -d -m 0755 "$dest/etc/apt/apt.conf.d"
sed "s|/usr/bin/cmsign|$prefix/bin/cmsign|g" "$here/apt.conf.d-cryptomark" \
	> "$dest/etc/apt/apt.conf.d/60cryptomark"
chmod 0644 "$dest/etc/apt/apt.conf.d/60cryptomark"
install -d -m 0755 "$dest/etc/cryptomark/manifest-signers" \
	"$dest/usr/share/cryptomark/manifests"
