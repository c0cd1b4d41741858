#!/usr/bin/env bash
# Debian integration end to end with real packages: a staged package root
# (a freshly compiled and stripped binary, a shared library, data files, a
# symlink) is signed by packaging/debian/dh_cryptomark, packed by dpkg-deb,
# installed by dpkg into a scratch root (--root: its own admindir) with
# cryptomark's post-invoke hook line from packaging/debian/dpkg.cfg.d-cryptomark.
# The installed files must verify (cmverify and evmctl); an upgrade is
# re-signed; a tampered or untrusted manifest is reported and not applied;
# a file changed after signing is named and left unsigned; dpkg keeps
# working in every case, also when the hook itself is gone.
set -u
. "$(dirname "$0")/../lib.sh"
t_require_root

PK=$T_ROOT/packaging/debian
t_need dpkg dpkg-deb evmctl getfattr cc strip

D=$(t_scratch)
trap 'rm -rf "$D"' EXIT
t_mkcert "$D" signer p256
t_mkcert "$D" rogue p256
openssl x509 -in "$D/signer.pem" -outform der -out "$D/signer.der"

# The scratch system: its own dpkg database and trusted manifest signers.
R=$D/root
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$R/var/lib/dpkg/triggers" \
	"$R/etc/cryptomark/manifest-signers"
touch "$R/var/lib/dpkg/status" "$R/var/lib/dpkg/available"
cp "$D/signer.pem" "$R/etc/cryptomark/manifest-signers/"

# The hook exactly as the conffile sets it, pointed at this build's files.
HOOK_LINE=$(grep '^post-invoke=' "$PK/dpkg.cfg.d-cryptomark")
HOOK_LINE=${HOOK_LINE//\/usr\/lib\/cryptomark\/dpkg-hook/$D\/hook}
cp "$PK/dpkg-hook" "$D/hook"
# cmsign, logging which manifests the hook applies (one line each) and
# each run (a line "run").
cat > "$D/cmsign-wrap" <<EOF
#!/bin/sh
echo run >> $D/calls
p=
for a in "\$@"; do [ "\$p" = --manifest ] && echo "\$a" >> $D/calls; p=\$a; done
exec $CMSIGN "\$@"
EOF
chmod +x "$D/cmsign-wrap"
export CRYPTOMARK_CMSIGN=$D/cmsign-wrap
calls() { grep -c "/${1}_amd64.cmm\$" "$D/calls" 2>/dev/null; }
DPKG=(dpkg --root="$R" --"$HOOK_LINE")

# mkpkg NAME VERSION MESSAGE: a source tree with debian/NAME staged.
mkpkg() {
	local name=$1 ver=$2 msg=$3 src=$D/src-$1-$2 st
	st=$src/debian/$name
	mkdir -p "$st/DEBIAN" "$st/usr/bin" "$st/usr/lib/$name" "$st/usr/share/doc/$name"
	printf 'Source: %s\nBuild-Depends: debhelper-compat (= 13)\n\nPackage: %s\nArchitecture: amd64\n' "$name" "$name" > "$src/debian/control"
	printf 'Package: %s\nVersion: %s\nArchitecture: amd64\nMaintainer: cryptomark tests <t@example.org>\nDescription: cryptomark test package\n' \
		"$name" "$ver" > "$st/DEBIAN/control"
	printf '#include <stdio.h>\nint main(void) { puts("%s"); return 0; }\n' "$msg" > "$src/hello.c"
	cc -O2 -o "$st/usr/bin/$name" "$src/hello.c"
	strip --remove-section=.comment --remove-section=.note "$st/usr/bin/$name"   # what dh_strip does
	cp "$(readlink -f /usr/lib/x86_64-linux-gnu/libz.so.1)" "$st/usr/lib/$name/libz-copy.so"
	echo "$name $ver $msg" > "$st/usr/share/doc/$name/README"
	ln -s ../lib/$name/libz-copy.so "$st/usr/bin/$name-lib"
	echo "$src"
}

# build SRC NAME VERSION [dh_cryptomark args]: sign + dpkg-deb.
build() {
	local src=$1 name=$2 ver=$3; shift 3
	(cd "$src" && CMSIGN=$CMSIGN CRYPTOMARK_KEY=$D/signer.key CRYPTOMARK_CERT=$D/signer.pem \
		"$PK/dh_cryptomark" "$@") >"$D/dh.log" 2>&1 || { cat "$D/dh.log"; return 1; }
	dpkg-deb --root-owner-group --build "$src/debian/$name" "$D/${name}_${ver}_amd64.deb" >/dev/null
}

# files_verify NAME: every regular file the package installed verifies.
files_verify() {
	local name=$1 f n=0 bad=0
	while read -r f; do
		[ -f "$R$f" ] && [ ! -L "$R$f" ] || continue
		case $f in /usr/share/cryptomark/manifests/*) continue ;; esac
		n=$((n + 1))
		"$CMVERIFY" --carrier xattr --cert "$D/signer.pem" "$R$f" >/dev/null 2>&1 || { echo "cmverify: $f"; bad=1; }
		evmctl ima_verify --key "$D/signer.der" "$R$f" >/dev/null 2>&1 || { echo "evmctl: $f"; bad=1; }
	done < <(dpkg --root="$R" -L "$name")
	[ $n -ge 3 ] && [ $bad = 0 ]
}
unsigned() { ! getfattr -n security.ima "$1" >/dev/null 2>&1; }

# --- build side ---------------------------------------------------------
src=$(mkpkg hello-cm 1.0 "hello 1")
t_check "dh_cryptomark signs the staged root" build "$src" hello-cm 1.0
t_grep "the .deb carries the manifest" './usr/share/cryptomark/manifests/hello-cm_amd64.cmm' \
	dpkg-deb -c "$D/hello-cm_1.0_amd64.deb"
t_check "re-running dh_cryptomark succeeds" build "$src" hello-cm 1.0
t_check "the manifest lists the package's 3 regular files, not DEBIAN/, itself or the symlink" \
	bash -c "'$CMSIGN' apply --manifest '$src/debian/hello-cm/usr/share/cryptomark/manifests/hello-cm_amd64.cmm' \
		--root '$src/debian/hello-cm' --cert '$D/signer.pem' 2>&1 | grep -q ': 3 applied, 0 already, 0 missing, 0 mismatched, 0 failed'"
mkdir -p "$D/with space"
echo "s3cret" > "$D/with space/pass"
openssl pkey -in "$D/signer.key" -aes256 -passout "file:$D/with space/pass" -out "$D/enc.key"
src2=$(mkpkg enc-cm 1.0 "enc")
t_check "dh_cryptomark with an encrypted key and CRYPTOMARK_PASS_FILE (path with a space)" \
	bash -c "cd '$src2' && CMSIGN='$CMSIGN' CRYPTOMARK_KEY='$D/enc.key' CRYPTOMARK_CERT='$D/signer.pem' \
		CRYPTOMARK_PASS_FILE='$D/with space/pass' '$PK/dh_cryptomark' 2>/dev/null &&
		test -s debian/enc-cm/usr/share/cryptomark/manifests/enc-cm_amd64.cmm"
t_grep "dh_cryptomark without a key fails loudly" 'no signing key' \
	bash -c "cd '$src' && env -u CRYPTOMARK_KEY '$PK/dh_cryptomark'"

# --- install side -------------------------------------------------------
out=$("${DPKG[@]}" -i "$D/hello-cm_1.0_amd64.deb" 2>&1); rc=$?
t_check "dpkg -i with the hook succeeds" test $rc = 0
t_check "installed files verify (cmverify + evmctl)" files_verify hello-cm
t_check "the installed binary still runs" bash -c "[ \"\$('$R/usr/bin/hello-cm')\" = 'hello 1' ]"
t_grep "hook re-run is idempotent" '0 applied, 3 already, 0 missing, 0 mismatched, 0 failed' \
	"$CMSIGN" apply --manifest "$R/usr/share/cryptomark/manifests/hello-cm_amd64.cmm" --root "$R" \
	--keyring "$R/etc/cryptomark/manifest-signers"

t_check "the hook applied hello-cm once" test "$(calls hello-cm)" = 1
DPKG_ROOT=$R "$D/hook"
t_check "hook run again: unchanged manifests are not re-read" test "$(calls hello-cm)" = 1
out=$("${DPKG[@]}" -i "$D/hello-cm_1.0_amd64.deb" 2>&1); rc=$?
t_check "reinstall of the same version succeeds" test $rc = 0
t_check "reinstall: the manifest is applied again" test "$(calls hello-cm)" = 2
t_check "reinstall: the new inodes verify" files_verify hello-cm

src=$(mkpkg hello-cm 1.1 "hello 2")
build "$src" hello-cm 1.1
out=$("${DPKG[@]}" -i "$D/hello-cm_1.1_amd64.deb" 2>&1); rc=$?
t_check "upgrade with the hook succeeds" test $rc = 0
t_check "upgraded files (new inodes) verify" files_verify hello-cm
t_check "the upgraded binary runs" bash -c "[ \"\$('$R/usr/bin/hello-cm')\" = 'hello 2' ]"

# Tampered manifest: one digest byte flipped after signing.
src=$(mkpkg evil-cm 1.0 "evil")
build "$src" evil-cm 1.0
m=$src/debian/evil-cm/usr/share/cryptomark/manifests/evil-cm_amd64.cmm
# offset 60: inside the first entry's digest (24 header + 8 entry + 15 path)
b=$(od -An -tu1 -j60 -N1 "$m" | tr -d ' ')
printf "\\$(printf '%03o' $((b ^ 0xff)))" | dd of="$m" bs=1 seek=60 conv=notrunc status=none
dpkg-deb --root-owner-group --build "$src/debian/evil-cm" "$D/evil-cm_1.0_amd64.deb" >/dev/null
out=$("${DPKG[@]}" -i "$D/evil-cm_1.0_amd64.deb" 2>&1); rc=$?
t_check "tampered manifest: dpkg still succeeds" test $rc = 0
t_check "tampered manifest: reported as refused" grep -q 'evil-cm:amd64: manifest REFUSED' <<<"$out"
t_check "tampered manifest: cmsign names the signature failure" grep -q 'REFUSED: manifest signature: bad-signature' <<<"$out"
t_check "tampered manifest: no file got a signature" \
	bash -c "! getfattr -R -n security.ima '$R/usr/bin/evil-cm' '$R/usr/lib/evil-cm' 2>/dev/null | grep -q security.ima"
t_check "other packages are still signed" files_verify hello-cm

# A manifest from an untrusted signer.
src=$(mkpkg rogue-cm 1.0 "rogue")
(cd "$src" && CMSIGN=$CMSIGN "$PK/dh_cryptomark" --key="$D/rogue.key" --cert="$D/rogue.pem") >/dev/null 2>&1
dpkg-deb --root-owner-group --build "$src/debian/rogue-cm" "$D/rogue-cm_1.0_amd64.deb" >/dev/null
out=$("${DPKG[@]}" -i "$D/rogue-cm_1.0_amd64.deb" 2>&1); rc=$?
t_check "untrusted signer: dpkg still succeeds" test $rc = 0
t_check "untrusted signer: refused as unknown-key" grep -qE "REFUSED: manifest (signature|signer certificate): unknown-key" <<<"$out"
t_check "untrusted signer: binary unsigned" unsigned "$R/usr/bin/rogue-cm"

# A file changed after signing (a build step after dh_cryptomark).
src=$(mkpkg late-cm 1.0 "late")
build "$src" late-cm 1.0
echo "changed after signing" >> "$src/debian/late-cm/usr/share/doc/late-cm/README"
dpkg-deb --root-owner-group --build "$src/debian/late-cm" "$D/late-cm_1.0_amd64.deb" >/dev/null
out=$("${DPKG[@]}" -i "$D/late-cm_1.0_amd64.deb" 2>&1); rc=$?
t_check "changed file: dpkg still succeeds" test $rc = 0
t_check "changed file: named as not matching" \
	grep -q 'usr/share/doc/late-cm/README: NOT applied: digest does not match the manifest' <<<"$out"
t_check "changed file: left unsigned" unsigned "$R/usr/share/doc/late-cm/README"
t_check "changed file: the rest of the package is signed" \
	"$CMVERIFY" --carrier xattr --cert "$D/signer.pem" "$R/usr/bin/late-cm"

# Several packages in one dpkg run: one cmsign apply for their manifests,
# each package reported on its own (the refused one sorts before the good
# one: it does not stop it).
n0=$(grep -cx run "$D/calls")
out=$("${DPKG[@]}" -i "$D/hello-cm_1.1_amd64.deb" "$D/evil-cm_1.0_amd64.deb" "$D/late-cm_1.0_amd64.deb" 2>&1); rc=$?
t_check "three packages in one dpkg run: dpkg succeeds" test $rc = 0
t_check "... one cmsign apply run for their three manifests" \
	test "$(($(grep -cx run "$D/calls") - n0)):$(tail -n 3 "$D/calls" | grep -c '_amd64.cmm$')" = 1:3
t_check "... the tampered one reported refused, by package" grep -q 'evil-cm:amd64: manifest REFUSED' <<<"$out"
t_check "... the changed file named, its package reported" bash -c "
	grep -q 'usr/share/doc/late-cm/README: NOT applied: digest does not match' <<<'$out' &&
	grep -q 'late-cm:amd64: some files did not match' <<<'$out'"
t_check "... the good one not reported" bash -c "! grep -E 'cryptomark: hello-cm|cmsign apply: .*hello-cm' <<<'$out'"
t_check "... and applied: its new inodes verify" files_verify hello-cm
t_check "... no summary lines shown" bash -c "! grep -q ' already, ' <<<'$out'"

# A conffile, unpacked and configured in two dpkg runs as apt does: after
# --unpack it waits as FILE.dpkg-new, so the hook neither reports it nor
# forgets it; after --configure (its manifest not new any more) it is
# signed.
src=$(mkpkg conf-cm 1.0 "conf")
mkdir -p "$src/debian/conf-cm/etc"
echo "setting=1" > "$src/debian/conf-cm/etc/conf-cm.conf"
echo /etc/conf-cm.conf > "$src/debian/conf-cm/DEBIAN/conffiles"
build "$src" conf-cm 1.0
out=$("${DPKG[@]}" --unpack "$D/conf-cm_1.0_amd64.deb" 2>&1); rc=$?
t_check "conffile: dpkg --unpack leaves it as .dpkg-new, the hook reports nothing" bash -c \
	"[ $rc = 0 ] && [ -e '$R/etc/conf-cm.conf.dpkg-new' ] && ! grep -qE 'NOT applied|cryptomark:' <<<'$out'"
t_check "... and keeps the manifest pending" grep -qx "$R/usr/share/cryptomark/manifests/conf-cm_amd64.cmm" \
	"$R/var/lib/cryptomark/dpkg-hook.pending"
out=$("${DPKG[@]}" --configure conf-cm 2>&1); rc=$?
t_check "conffile: after dpkg --configure it is signed" bash -c \
	"[ $rc = 0 ] && '$CMVERIFY' -q --carrier xattr --cert '$D/signer.pem' '$R/etc/conf-cm.conf'"
t_check "... and no longer pending" bash -c "! grep -q conf-cm '$R/var/lib/cryptomark/dpkg-hook.pending'"

# Multi-Arch: same, built by dh_cryptomark for two architectures: each
# manifest is named after its architecture, so dpkg co-installs them.
dpkg --root="$R" --add-architecture i386
for a in amd64 i386; do
	src=$D/src-ma-$a st=$D/src-ma-$a/debian/libma-cm
	mkdir -p "$st/DEBIAN" "$st/usr/lib/ma-$a" "$st/usr/share/doc/libma-cm"
	printf 'Source: libma-cm\nBuild-Depends: debhelper-compat (= 13)\n\nPackage: libma-cm\nArchitecture: any\nMulti-Arch: same\n' > "$src/debian/control"
	printf 'Package: libma-cm\nVersion: 1.0\nArchitecture: %s\nMulti-Arch: same\nMaintainer: cryptomark tests <t@example.org>\nDescription: cryptomark test library\n' "$a" > "$st/DEBIAN/control"
	echo "library for $a" > "$st/usr/lib/ma-$a/libma.so.1"
	echo "shared by both architectures" > "$st/usr/share/doc/libma-cm/README"
	(cd "$src" && DEB_HOST_ARCH=$a CMSIGN=$CMSIGN CRYPTOMARK_KEY=$D/signer.key CRYPTOMARK_CERT=$D/signer.pem \
		"$PK/dh_cryptomark") >/dev/null 2>&1
	dpkg-deb --root-owner-group --build "$st" "$D/libma-cm_1.0_$a.deb" >/dev/null
done
t_check "Multi-Arch: same: dh_cryptomark names the manifests libma-cm_amd64.cmm and libma-cm_i386.cmm" bash -c \
	"dpkg-deb -c '$D/libma-cm_1.0_amd64.deb' | grep -q 'manifests/libma-cm_amd64.cmm\$' &&
	 dpkg-deb -c '$D/libma-cm_1.0_i386.deb' | grep -q 'manifests/libma-cm_i386.cmm\$'"
t_check "Multi-Arch: same: both architectures co-install" \
	"${DPKG[@]}" -i "$D/libma-cm_1.0_amd64.deb" "$D/libma-cm_1.0_i386.deb"
t_check "Multi-Arch: same: every file of both verifies" bash -c \
	"'$CMVERIFY' --carrier xattr --cert '$D/signer.pem' '$R/usr/lib/ma-amd64/libma.so.1' '$R/usr/lib/ma-i386/libma.so.1' \
		'$R/usr/share/doc/libma-cm/README' >/dev/null"

# dpkg keeps working when the hook is gone (package removed, conffile kept)
# and when no signer is trusted.
rm "$D/hook"
t_check "hook removed: dpkg -r still succeeds" "${DPKG[@]}" -r evil-cm
mv "$R/etc/cryptomark/manifest-signers" "$R/etc/cryptomark/off"
cp "$PK/dpkg-hook" "$D/hook"
out=$("${DPKG[@]}" -r rogue-cm 2>&1); rc=$?
t_check "no trusted signer: dpkg -r still succeeds" test $rc = 0
t_check "no trusted signer: said so" grep -q 'no trusted manifest signer' <<<"$out"
t_check "dpkg database is consistent (dpkg --audit)" dpkg --root="$R" --audit
t_done
