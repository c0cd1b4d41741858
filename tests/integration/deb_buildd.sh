#!/usr/bin/env bash
# dh_cryptomark the way buildds run it, on a real source package from the
# Debian archive that builds an architecture-dependent and an
# architecture-independent binary: nyancat (nyancat: any, nyancat-server:
# all, with maintainer scripts), unmodified, signing switched on by the
# site with DH_EXTRA_ADDONS=cryptomark.  dpkg-buildpackage -B (arch-only,
# what the amd64 buildd runs), -A (arch-indep) and -b must each succeed and
# sign exactly the packages they build, with one manifest path per package
# and architecture; then the debhelper package selection is checked on the
# staged tree: -p, -N, -a, -i, DH_OPTIONS, --no-act and
# DEB_BUILD_OPTIONS=nocryptomark.
set -u
. "$(dirname "$0")/../lib.sh"
t_require_root
PK=$T_ROOT/packaging/debian
t_need dpkg-buildpackage dh curl

D=$(t_scratch)
trap 'rm -rf "$D"' EXIT
t_mkcert "$D" k rsa2048
S=$D/nyancat
t_check "nyancat 1.5.2-0.2 source from the archive" \
	t_fetch_source n/nyancat nyancat_1.5.2-0.2.dsc "$S" || { t_done; exit 1; }

I=$D/inst
"$PK/install.sh" "$I" /usr
export PERL5LIB=$I/usr/share/perl5 PATH=$I/usr/bin:$PATH CMSIGN=$CMSIGN \
	CRYPTOMARK_KEY=$D/k.key CRYPTOMARK_CERT=$D/k.pem DH_EXTRA_ADDONS=cryptomark
M=usr/share/cryptomark/manifests

# build FLAG: dpkg-buildpackage FLAG into a fresh output directory.
build() {
	rm -f "$D"/*.deb "$D"/*.changes "$D"/*.buildinfo
	(cd "$S" && dpkg-buildpackage "$1" -us -uc) > "$D/build$1.log" 2>&1 ||
		{ tail -20 "$D/build$1.log"; return 1; }
}
debs() { (cd "$D" && ls *.deb 2>/dev/null | LC_ALL=C sort | tr '\n' ' '); }

t_check "dpkg-buildpackage -B (arch-only, as the buildd)" build -B
t_check "-B: only nyancat (and its -dbgsym) (got: $(debs))" test "$(debs)" = "nyancat-dbgsym_1.5.2-0.2_amd64.deb nyancat_1.5.2-0.2_amd64.deb "
t_grep "-B: dh_cryptomark ran with -a" "dh_cryptomark -a" cat "$D/build-B.log"
t_grep "-B: it carries $M/nyancat_amd64.cmm" "\./$M/nyancat_amd64.cmm\$" dpkg-deb -c "$D/nyancat_1.5.2-0.2_amd64.deb"
dpkg-deb -x "$D/nyancat_1.5.2-0.2_amd64.deb" "$D/xB"
t_check "-B: the packaged binary carries the ELF note" "$CMVERIFY" --carrier note --cert "$D/k.pem" "$D/xB/usr/bin/nyancat"
t_check "-B: the manifest applies to the unpacked package" \
	"$CMSIGN" apply -q --manifest "$D/xB/$M/nyancat_amd64.cmm" --root "$D/xB" --cert "$D/k.pem"

t_check "dpkg-buildpackage -A (arch-indep)" build -A
t_check "-A: only nyancat-server (got: $(debs))" test "$(debs)" = "nyancat-server_1.5.2-0.2_all.deb "
t_grep "-A: dh_cryptomark ran with -i" "dh_cryptomark -i" cat "$D/build-A.log"
t_grep "-A: it carries $M/nyancat-server_all.cmm" "\./$M/nyancat-server_all.cmm\$" dpkg-deb -c "$D/nyancat-server_1.5.2-0.2_all.deb"
dpkg-deb -x "$D/nyancat-server_1.5.2-0.2_all.deb" "$D/xA"
t_check "-A: the manifest applies to the unpacked package" \
	"$CMSIGN" apply -q --manifest "$D/xA/$M/nyancat-server_all.cmm" --root "$D/xA" --cert "$D/k.pem"

t_check "dpkg-buildpackage -b (both)" build -b
t_check "-b: both packages, each with its own manifest" bash -c \
	"dpkg-deb -c '$D/nyancat_1.5.2-0.2_amd64.deb' | grep -q '$M/nyancat_amd64.cmm' &&
	 dpkg-deb -c '$D/nyancat-server_1.5.2-0.2_all.deb' | grep -q '$M/nyancat-server_all.cmm'"
t_check "-b: dpkg -V clean after installing both (md5sums cover the signed bytes)" bash -c "
	R='$D/root'; mkdir -p \$R/var/lib/dpkg/info \$R/var/lib/dpkg/updates; touch \$R/var/lib/dpkg/status
	dpkg --root=\$R --force-depends --unpack '$D/nyancat_1.5.2-0.2_amd64.deb' '$D/nyancat-server_1.5.2-0.2_all.deb' >/dev/null 2>&1 &&
	[ -z \"\$(dpkg --root=\$R -V 2>&1)\" ]"

# Package selection on the staged tree the -b build left (debian/PKG).
clear() { rm -f "$S/debian/nyancat/$M"/*.cmm "$S/debian/nyancat-server/$M"/*.cmm; }
signed() { (cd "$S/debian" && ls nyancat/$M/*.cmm nyancat-server/$M/*.cmm 2>/dev/null | xargs -rn1 basename | LC_ALL=C sort | tr '\n' ' '); }
sel() {	# sel DESC EXPECTED [ENV=...] -- ARGS
	local d=$1 want=$2; shift 2
	clear
	(cd "$S" && env "$@") >/dev/null 2>&1
	t_check "$d: signs '$want' (got '$(signed)')" test "$(signed)" = "$want"
}
sel "dh_cryptomark (all packages)" "nyancat-server_all.cmm nyancat_amd64.cmm " dh_cryptomark
sel "-a" "nyancat_amd64.cmm " dh_cryptomark -a
sel "-i" "nyancat-server_all.cmm " dh_cryptomark -i
sel "-pnyancat-server" "nyancat-server_all.cmm " dh_cryptomark -pnyancat-server
sel "-Nnyancat" "nyancat-server_all.cmm " dh_cryptomark -Nnyancat
sel "DH_OPTIONS=-a" "nyancat_amd64.cmm " DH_OPTIONS=-a dh_cryptomark
sel "DH_OPTIONS=-Nnyancat-server" "nyancat_amd64.cmm " DH_OPTIONS=-Nnyancat-server dh_cryptomark
sel "--no-act" "" dh_cryptomark --no-act
sel "DEB_BUILD_OPTIONS=nocryptomark" "" DEB_BUILD_OPTIONS=nocryptomark dh_cryptomark
sel "--key/--cert options" "nyancat_amd64.cmm " CRYPTOMARK_KEY= CRYPTOMARK_CERT= dh_cryptomark -a --key="$D/k.key" --cert="$D/k.pem"
t_check "DH_VERBOSE shows the command but not the key URI's pin-value" bash -c \
	"out=\$(cd '$S' && DH_VERBOSE=1 dh_cryptomark -a --no-act --key='pkcs11:token=t;object=o?pin-value=SECRET1234' 2>&1);
	 grep -q 'cmsign manifest' <<<\"\$out\" && ! grep -q SECRET1234 <<<\"\$out\""
t_grep "no key: fails naming the cause" "no signing key" bash -c "cd '$S' && CRYPTOMARK_KEY= dh_cryptomark -a"
t_done
