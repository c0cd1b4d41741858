#!/usr/bin/env bash
# The debhelper route for real: a source package whose debian/rules is
# `dh $@ --with cryptomark` is built by dpkg-buildpackage (compile, install,
# dh_strip, ...), so dh_cryptomark runs where the sequence addon puts it.
# The built binary must carry the ELF note, dpkg's md5sums must cover the
# signed bytes, and after `dpkg --root` with the hook the installed binary
# verifies with both carriers (cmverify) and with evmctl.
set -u
. "$(dirname "$0")/../lib.sh"
t_require_root

PK=$T_ROOT/packaging/debian
t_need dpkg-buildpackage dh dpkg evmctl

D=$(t_scratch)
trap 'rm -rf "$D"' EXIT
t_mkcert "$D" k p256
openssl x509 -in "$D/k.pem" -outform der -out "$D/k.der"

S=$D/hello-dh-1.0
mkdir -p "$S/debian"
cat > "$S/debian/control" <<'EOF'
Source: hello-dh
Section: misc
Priority: optional
Maintainer: cryptomark tests <t@example.org>
Build-Depends: debhelper-compat (= 13)
Standards-Version: 4.6.2
Rules-Requires-Root: no

Package: hello-dh
Architecture: any
Depends: ${misc:Depends}, ${shlibs:Depends}
Description: cryptomark debhelper test
 A test package.
EOF
cat > "$S/debian/changelog" <<'EOF'
hello-dh (1.0) unstable; urgency=medium

  * Test.

 -- cryptomark tests <t@example.org>  Tue, 24 Nov 2026 00:00:00 +0000
EOF
printf '#!/usr/bin/make -f\n%%:\n\tdh $@ --with cryptomark\n' > "$S/debian/rules"
chmod +x "$S/debian/rules"
printf 'all: hello\nhello: hello.c\n\t$(CC) -O2 -g -o $@ $<\ninstall:\n\tinstall -D -m755 hello $(DESTDIR)/usr/bin/hello-dh\n\tinstall -D -m644 hello.c $(DESTDIR)/usr/share/doc/hello-dh/hello.c\n' > "$S/Makefile"
printf '#include <stdio.h>\nint main(void) { puts("hello from dh"); return 0; }\n' > "$S/hello.c"

# The integration as packaging/debian/install.sh lays it out.
I=$D/inst
t_check "install.sh lays out the Debian integration" "$PK/install.sh" "$I"
build() {
	cd "$S" && PERL5LIB=$I/usr/share/perl5 PATH=$I/usr/bin:$PATH CMSIGN=$CMSIGN \
		CRYPTOMARK_KEY=$D/k.key CRYPTOMARK_CERT=$D/k.pem \
		dpkg-buildpackage -b -us -uc > "$D/build.log" 2>&1
}
t_check "dpkg-buildpackage with dh --with cryptomark" build
seq=$(grep -oE '^   dh_(strip|cryptomark|md5sums|builddeb)( |$)' "$D/build.log" | tr -d ' ' | tr '\n' ' ')
t_check "dh_cryptomark runs after dh_strip, before dh_md5sums (got: $seq)" \
	test "$seq" = "dh_strip dh_cryptomark dh_md5sums dh_builddeb "
DEB=$D/hello-dh_1.0_amd64.deb
t_grep "the .deb carries the manifest" 'usr/share/cryptomark/manifests/hello-dh_amd64.cmm' dpkg-deb -c "$DEB"
mkdir -p "$D/x" && dpkg-deb -x "$DEB" "$D/x"
t_check "the packaged binary carries the ELF note carrier" \
	"$CMVERIFY" --carrier note --cert "$D/k.pem" "$D/x/usr/bin/hello-dh"
t_check "the packaged binary is stripped (no .symtab)" \
	bash -c "! readelf -S '$D/x/usr/bin/hello-dh' | grep -q '\.symtab'"

R=$D/root
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$R/var/lib/dpkg/triggers" \
	"$R/etc/cryptomark/manifest-signers"
touch "$R/var/lib/dpkg/status" "$R/var/lib/dpkg/available"
cp "$D/k.pem" "$R/etc/cryptomark/manifest-signers/"
HOOK_LINE=$(grep '^post-invoke=' "$I/etc/dpkg/dpkg.cfg.d/cryptomark")
HOOK_LINE=${HOOK_LINE//\/usr\/lib\/cryptomark\/dpkg-hook/$I\/usr\/lib\/cryptomark\/dpkg-hook}
export CRYPTOMARK_CMSIGN=$CMSIGN
# The scratch root has no libc6 package: only that dependency is forced.
t_check "dpkg --root -i with the hook" dpkg --root="$R" --force-depends --"$HOOK_LINE" -i "$DEB"
t_check "dpkg -V: md5sums cover the signed bytes" dpkg --root="$R" -V hello-dh
t_check "installed binary verifies with both carriers" \
	"$CMVERIFY" --carrier both --cert "$D/k.pem" "$R/usr/bin/hello-dh"
t_check "installed data file verifies (xattr)" \
	"$CMVERIFY" --carrier xattr --cert "$D/k.pem" "$R/usr/share/doc/hello-dh/hello.c"
t_grep "installed binary verifies with evmctl" 'verification is OK' \
	evmctl ima_verify --key "$D/k.der" "$R/usr/bin/hello-dh"
t_grep "installed binary runs" '^hello from dh$' "$R/usr/bin/hello-dh"
t_done
