#!/usr/bin/env bash
# cryptomark's own Debian packages: `make deb` (dpkg-buildpackage on the
# in-tree debian/) builds cryptomark, libcryptomark1, libcryptomark-dev and
# dh-cryptomark; lintian finds no error; they install with dpkg (--root);
# every tool answers --version and has a man page; dh-cryptomark provides
# dh-sequence-cryptomark, and a source package that only build-depends on
# it (rules: plain `dh $@`) is signed by the packaged dh_cryptomark.
set -u
. "$(dirname "$0")/../lib.sh"
t_require_root
t_need dpkg-buildpackage lintian help2man
D=$(t_scratch)
trap 'rm -rf "$D"' EXIT
OUT=$T_ROOT/build/deb

t_check "make deb" make -s -C "$T_ROOT" deb >/dev/null
V=$(sed -n 's/^VERSION\t:= //p' "$T_ROOT/Makefile")
for p in cryptomark_${V}_amd64 libcryptomark1_${V}_amd64 libcryptomark-dev_${V}_amd64 dh-cryptomark_${V}_all; do
	t_check "built $p.deb" test -s "$OUT/$p.deb"
done
t_check "lintian: no error (lintian --fail-on error)" \
	bash -c "lintian --fail-on error '$OUT'/*.changes 2>&1 | grep -v 'root privileges' | (! grep -q '^E:')"
t_grep "dh-cryptomark provides dh-sequence-cryptomark" "dh-sequence-cryptomark" \
	dpkg-deb -f "$OUT/dh-cryptomark_${V}_all.deb" Provides
t_check "libcryptomark1 is Multi-Arch: same with the soname's shlibs" bash -c \
	"[ \"\$(dpkg-deb -f '$OUT/libcryptomark1_${V}_amd64.deb' Multi-Arch)\" = same ] &&
	 dpkg-deb --ctrl-tarfile '$OUT/libcryptomark1_${V}_amd64.deb' | tar xO ./shlibs | grep -q '^libcryptomark 1 libcryptomark1'"

R=$D/root
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates"
touch "$R/var/lib/dpkg/status"
t_check "the four packages install (dpkg --root)" bash -c \
	"dpkg --root='$R' --force-depends -i '$OUT'/cryptomark_${V}_amd64.deb '$OUT'/libcryptomark1_${V}_amd64.deb \
		'$OUT'/libcryptomark-dev_${V}_amd64.deb '$OUT'/dh-cryptomark_${V}_all.deb >/dev/null 2>&1"
t_grep "the dpkg hook line is a conffile" "/etc/dpkg/dpkg.cfg.d/cryptomark" \
	dpkg-query --root="$R" -W -f='${Conffiles}' cryptomark
t_grep "the apt hook lines are a conffile" "/etc/apt/apt.conf.d/60cryptomark" \
	dpkg-query --root="$R" -W -f='${Conffiles}' cryptomark
t_check "the apt pre-install hook is installed" test -x "$R/usr/lib/cryptomark/apt-preinstall"
for t in cmsign cmverify cmkeys; do
	t_grep "$t --version" "^$t \(cryptomark\) $V\$" "$R/usr/bin/$t" --version
	t_check "$t.1 man page" test -s "$R/usr/share/man/man1/$t.1.gz"
done
t_check "dh_cryptomark.1 man page" test -s "$R/usr/share/man/man1/dh_cryptomark.1.gz"
t_check "cryptomark.pc and the headers" test -s "$R/usr/lib/x86_64-linux-gnu/pkgconfig/cryptomark.pc" -a -s "$R/usr/include/cryptomark/cryptomark.h"

# A source package enabling signing only through Build-Depends: dh-sequence-cryptomark.
t_mkcert "$D" k p256
S=$D/seq-1.0
mkdir -p "$S/debian"
printf 'Source: seq\nBuild-Depends: debhelper-compat (= 13), dh-sequence-cryptomark\nMaintainer: t <t@example.org>\n\nPackage: seq\nArchitecture: any\nDescription: t\n t\n' > "$S/debian/control"
printf 'seq (1.0) unstable; urgency=medium\n\n  * t\n\n -- t <t@example.org>  Thu, 03 Dec 2026 00:00:00 +0000\n' > "$S/debian/changelog"
printf '#!/usr/bin/make -f\n%%:\n\tdh $@\n' > "$S/debian/rules"; chmod +x "$S/debian/rules"
printf 'all:\n\t$(CC) -O2 -o seq seq.c\ninstall:\n\tinstall -D -m755 seq $(DESTDIR)/usr/bin/seq-cm\n' > "$S/Makefile"
echo 'int main(void) { return 0; }' > "$S/seq.c"
t_check "dpkg-buildpackage with only dh-sequence-cryptomark (the packaged dh_cryptomark)" bash -c \
	"cd '$S' && PATH='$R/usr/bin':\$PATH PERL5LIB='$R/usr/share/perl5' CMSIGN='$R/usr/bin/cmsign' \
		CRYPTOMARK_KEY='$D/k.key' CRYPTOMARK_CERT='$D/k.pem' dpkg-buildpackage -b -d -us -uc > '$D/seq.log' 2>&1"
t_grep "... and the package carries its manifest" "manifests/seq_amd64.cmm" dpkg-deb -c "$D/seq_1.0_amd64.deb"
t_done
