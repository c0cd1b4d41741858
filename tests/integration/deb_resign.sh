#!/usr/bin/env bash
# cmsign deb on real packages from the Debian archive (apt-get download,
# cached under ~/.cache/cryptomark/debs): a plain binary package (hello), a
# Multi-Arch: same library for two architectures (libzstd1 amd64 + i386), an
# arch:all package (sensible-utils), a package with maintainer scripts
# (less), a Multi-Arch: same one with maintainer scripts (libpam-modules),
# one with a debconf config script (tzdata) and a large one (coreutils, for
# the rate).  The manifest lists every file and every maintainer script (at
# its /var/lib/dpkg/info path) and travels twice: in data.tar and as the
# trailing ar member _cryptomark, byte for byte.  The signed packages must
# keep every original file byte for byte (contents and tar metadata), pass
# dpkg-deb --info/--contents, be deterministic with an RSA key, install with
# dpkg (--root, the hook line of packaging/debian/dpkg.cfg.d-cryptomark) with
# every installed file verifying with cmverify and evmctl, dpkg -V clean, and
# both architectures of the library co-installed.  gzip, zstd and
# uncompressed members are rewritten with their own compressor.  Broken and
# already-signed packages are refused by name.
set -u
. "$(dirname "$0")/../lib.sh"
t_require_root

PK=$T_ROOT/packaging/debian
t_need dpkg dpkg-deb evmctl apt-get curl

D=$(t_scratch)
trap 'rm -rf "$D"' EXIT
t_mkcert "$D" rsa rsa2048
t_mkcert "$D" ec p256
openssl x509 -in "$D/rsa.pem" -outform der -out "$D/rsa.der"

declare -A DEB
for p in hello libzstd1 libzstd1:i386 sensible-utils less coreutils libpam-modules tzdata; do
	DEB[$p]=$(t_fetch_deb "$p") || { t_fail "download $p from the Debian archive"; t_done; exit 1; }
done
t_ok "real packages from the archive: $(for p in "${!DEB[@]}"; do basename "${DEB[$p]}"; done | sort | tr '\n' ' ')"

mkdir -p "$D/in" "$D/out" "$D/out2" "$D/ec"
for p in "${!DEB[@]}"; do cp "${DEB[$p]}" "$D/in/"; done
IN=("$D"/in/*.deb)

# --- signing: rate, determinism ---------------------------------------------
t0=$(date +%s.%N)
t_check "cmsign deb signs ${#IN[@]} packages into -o DIR" \
	"$CMSIGN" deb -q --key "$D/rsa.key" --cert "$D/rsa.pem" -o "$D/out" "${IN[@]}"
t1=$(date +%s.%N)
mb=$(cat "${IN[@]}" | wc -c)
echo "# rate: ${#IN[@]} packages, $(echo "scale=1; $mb/1000000" | bc) MB in $(echo "$t1 - $t0" | bc) s:" \
	"$(echo "scale=1; ${#IN[@]}/($t1 - $t0)" | bc) packages/s," \
	"$(echo "scale=1; $mb/1000000/($t1 - $t0)" | bc) MB/s"
"$CMSIGN" deb -q -j 1 --key "$D/rsa.key" --cert "$D/rsa.pem" -o "$D/out2" "${IN[@]}"
same=1
for f in "${IN[@]}"; do cmp -s "$D/out/${f##*/}" "$D/out2/${f##*/}" || same=0; done
t_check "RSA: the same packages and key give the same bytes (also with -j 1)" [ $same = 1 ]
t_check "P-256 signs too" "$CMSIGN" deb -q --key "$D/ec.key" --cert "$D/ec.pem" -o "$D/ec" "${IN[@]}"
for f in "${IN[@]}"; do
	o=$D/out/${f##*/}
	echo "# $(basename "$f"): $(stat -c %s "$f") -> $(stat -c %s "$o") bytes" \
		"(+$(( $(stat -c %s "$o") - $(stat -c %s "$f") )), $(dpkg-deb --fsys-tarfile "$f" | tar t | grep -vc '/$') files)"
done

# --- every package: readable by dpkg-deb, files and metadata unchanged ------
for f in "${IN[@]}"; do
	o=$D/out/${f##*/} b=${f##*/}
	pkg=$(dpkg-deb -f "$f" Package) arch=$(dpkg-deb -f "$f" Architecture)
	mf=usr/share/cryptomark/manifests/${pkg}_${arch}.cmm
	t_grep "$b: dpkg-deb --info" "Package: $pkg" dpkg-deb --info "$o"
	dpkg-deb --contents "$f" > "$D/c.old"; dpkg-deb --contents "$o" > "$D/c.new"
	# The old listing (modes, owners, sizes, mtimes, link targets) is a prefix of the new.
	t_check "$b: --contents keeps every original entry and only adds ./$mf (and dirs)" \
		bash -c "head -n $(wc -l < "$D/c.old") '$D/c.new' | cmp -s - '$D/c.old' &&
			tail -n +$(( $(wc -l < "$D/c.old") + 1 )) '$D/c.new' | awk '{print \$6}' |
			grep -v '^./usr/\(share/\(cryptomark/\(manifests/\)\?\)\?\)\?\$' | grep -qx './$mf'"
	# The original tar stream up to its end blocks is a byte prefix of the new one.
	dpkg-deb --fsys-tarfile "$f" > "$D/t.old"; dpkg-deb --fsys-tarfile "$o" > "$D/t.new"
	n=$(python3 -c "
import sys
d=open(sys.argv[1],'rb').read(); p=0
while d[p:p+512].strip(b'\0'):
    h=d[p:p+512]; s=h[124:136].strip(b'\0 '); s=int(s,8) if s else 0
    p+=512+(s+511)//512*512
print(p)" "$D/t.old")
	t_check "$b: the first $n bytes of data.tar are identical" cmp -s -n "$n" "$D/t.old" "$D/t.new"
	dpkg-deb --ctrl-tarfile "$f" | tar xO ./md5sums > "$D/m.old" 2>/dev/null
	dpkg-deb --ctrl-tarfile "$o" | tar xO ./md5sums > "$D/m.new" 2>/dev/null
	dpkg-deb --fsys-tarfile "$o" | tar xO "./$mf" > "$D/mf"
	t_check "$b: md5sums = the old one + the manifest's line" \
		bash -c "{ cat '$D/m.old'; echo \"\$(md5sum < '$D/mf' | cut -d' ' -f1)  $mf\"; } | cmp -s - '$D/m.new'"
	t_check "$b: the last ar member is _cryptomark, the manifest's bytes" bash -c \
		"[ \"\$(ar t '$o' | tail -n1)\" = _cryptomark ] && ar p '$o' _cryptomark | cmp -s - '$D/mf' &&
		 [ \"\$(ar t '$o' | head -n -1)\" = \"\$(ar t '$f')\" ]"
	# Expected entries: each regular file (hard links too) of data.tar, and
	# each maintainer script under dpkg's name for it, with its sha256.
	ma=$(dpkg-deb -f "$f" Multi-Arch)
	info=var/lib/dpkg/info/$pkg; [ "$ma" = same ] && info=$info:$arch
	rm -rf "$D/x"; mkdir -p "$D/x/ctl"
	dpkg-deb -e "$f" "$D/x/ctl"
	{
		dpkg-deb -x "$f" "$D/x/data"
		(cd "$D/x/data" && find . -type f | sed 's|^\./||' | while read -r p; do
			echo "$p sha256:$(sha256sum < "$p" | cut -d' ' -f1)"; done)
		for s in preinst postinst prerm postrm config; do
			[ -f "$D/x/ctl/$s" ] && echo "$info.$s sha256:$(sha256sum < "$D/x/ctl/$s" | cut -d' ' -f1)"
		done
	} | LC_ALL=C sort > "$D/want"
	t_cmm_list "$D/mf" | cut -d' ' -f1,2 > "$D/got"
	t_check "$b: the manifest lists $(grep -vc '^var/lib/dpkg/info/' "$D/want") files and the scripts $(grep '^var/lib/dpkg/info/' "$D/want" | cut -d' ' -f1 | tr '\n' ' ' | grep . || echo '(none) ')with their sha256, in byte order" \
		cmp -s "$D/want" "$D/got"
	t_check "$b: control and maintainer scripts unchanged" bash -c \
		"for m in control preinst postinst prerm postrm triggers shlibs; do
			cmp -s <(dpkg-deb --ctrl-tarfile '$f' | tar xO ./\$m 2>/dev/null) \
			       <(dpkg-deb --ctrl-tarfile '$o' | tar xO ./\$m 2>/dev/null) || exit 1
		 done"
done

# --- other compressors: gzip, zstd, none ------------------------------------
dpkg-deb -R "${DEB[hello]}" "$D/hello-tree"
for z in gzip zstd none; do
	dpkg-deb --root-owner-group -Z$z -b "$D/hello-tree" "$D/hello-$z.deb" >/dev/null 2>&1
	want=$(ar t "$D/hello-$z.deb" | grep '^data')
	"$CMSIGN" deb -q --key "$D/rsa.key" --cert "$D/rsa.pem" -o "$D/out" "$D/hello-$z.deb"
	t_check "-Z$z: member $want kept, manifest inside" bash -c \
		"[ \"\$(ar t '$D/out/hello-$z.deb' | grep ^data)\" = '$want' ] &&
		 dpkg-deb --contents '$D/out/hello-$z.deb' | grep -q 'manifests/hello_amd64.cmm'"
done

# --- install with dpkg and the hook; Multi-Arch: same co-installed ---------
R=$D/root
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$R/var/lib/dpkg/triggers" \
	"$R/etc/cryptomark/manifest-signers"
touch "$R/var/lib/dpkg/status" "$R/var/lib/dpkg/available"
cp "$D/rsa.pem" "$R/etc/cryptomark/manifest-signers/"
HOOK_LINE=$(grep '^post-invoke=' "$PK/dpkg.cfg.d-cryptomark")
HOOK_LINE=${HOOK_LINE//\/usr\/lib\/cryptomark\/dpkg-hook/$PK\/dpkg-hook}
export CRYPTOMARK_CMSIGN=$CMSIGN
DPKG=(dpkg --root="$R" --"$HOOK_LINE" --force-depends)
dpkg --root="$R" --add-architecture i386
o() { echo "$D/out/$(basename "${DEB[$1]}")"; }
# less has maintainer scripts, which need a real chroot: tests/integration/deb_chroot.sh.
t_check "dpkg -i of the signed hello, sensible-utils, libzstd1:amd64 and libzstd1:i386" \
	"${DPKG[@]}" -i "$(o hello)" "$(o sensible-utils)" "$(o libzstd1)" "$(o libzstd1:i386)"
t_check "both architectures of the Multi-Arch: same library are installed" bash -c \
	"dpkg-query --root='$R' -W -f='\${db:Status-Abbrev}\n' libzstd1:amd64 libzstd1:i386 | grep -c '^ii' | grep -qx 2"
t_check "one manifest per architecture" \
	test -f "$R/usr/share/cryptomark/manifests/libzstd1_amd64.cmm" -a -f "$R/usr/share/cryptomark/manifests/libzstd1_i386.cmm"
bad=0 n=0
for p in hello sensible-utils libzstd1:amd64 libzstd1:i386; do
	while read -r f; do
		[ -f "$R$f" ] && [ ! -L "$R$f" ] || continue
		case $f in /usr/share/cryptomark/manifests/*) continue ;; esac
		n=$((n + 1))
		"$CMVERIFY" --carrier xattr --cert "$D/rsa.pem" "$R$f" >/dev/null 2>&1 || { echo "# cmverify: $f"; bad=1; }
		evmctl ima_verify --key "$D/rsa.der" "$R$f" >/dev/null 2>&1 || { echo "# evmctl: $f"; bad=1; }
	done < <(dpkg --root="$R" -L "$p")
done
t_check "the hook applied every signature: $n installed files verify with cmverify and evmctl" [ $bad = 0 -a $n -gt 50 ]
t_check "dpkg -V is clean (md5sums cover the manifests)" bash -c "[ -z \"\$(dpkg --root='$R' -V 2>&1)\" ]"
t_check "dpkg -r of one architecture keeps the other's manifest" bash -c \
	"dpkg --root='$R' -r libzstd1:i386 >/dev/null 2>&1 && [ ! -e '$R/usr/share/cryptomark/manifests/libzstd1_i386.cmm' ] &&
	 [ -f '$R/usr/share/cryptomark/manifests/libzstd1_amd64.cmm' ]"

# --- cmsign apply writes the maintainer scripts' xattrs too ----------------
# (dpkg --root cannot run them without a chroot: deb_chroot.sh installs them.)
R3=$D/root-less
dpkg-deb -x "$(o less)" "$R3"
mfl=$R3/usr/share/cryptomark/manifests/less_amd64.cmm
t_grep "apply without the installed scripts: each named missing, exit 1" \
	"^1 .*less.postinst: NOT applied: missing.*less.preinst: NOT applied: missing.*less.prerm: NOT applied: missing.*14 applied, 0 already, 3 missing" \
	bash -c "out=\$('$CMSIGN' apply --manifest '$mfl' --root '$R3' --cert '$D/rsa.pem' 2>&1); echo \$? \$out"
mkdir -p "$R3/var/lib/dpkg/info"
for s in preinst postinst prerm; do dpkg-deb --ctrl-tarfile "$(o less)" | tar xO ./$s > "$R3/var/lib/dpkg/info/less.$s"; done
t_grep "apply with them in /var/lib/dpkg/info: 3 applied" "3 applied, 14 already, 0 missing, 0 mismatched, 0 failed" \
	"$CMSIGN" apply --manifest "$mfl" --root "$R3" --cert "$D/rsa.pem"
t_check "the installed scripts verify with cmverify and evmctl" bash -c \
	"'$CMVERIFY' -q --carrier xattr --cert '$D/rsa.pem' '$R3'/var/lib/dpkg/info/less.* &&
	 for s in '$R3'/var/lib/dpkg/info/less.*; do evmctl ima_verify --key '$D/rsa.der' \$s >/dev/null 2>&1 || exit 1; done"

# --- --elf-notes: ELF files also carry the note; md5sums follows ---------
mkdir -p "$D/notes" "$D/notes2"
NOTES_IN=("${DEB[hello]}" "${DEB[libzstd1]}" "${DEB[sensible-utils]}")
t_grep "--elf-notes: the change is stated" "1 ELF files got the note: their bytes and md5sums lines changed" \
	"$CMSIGN" deb --elf-notes --key "$D/rsa.key" --cert "$D/rsa.pem" -o "$D/notes" "${NOTES_IN[@]}"
"$CMSIGN" deb -q --elf-notes -j 1 --key "$D/rsa.key" --cert "$D/rsa.pem" -o "$D/notes2" "${NOTES_IN[@]}"
same=1
for f in "${NOTES_IN[@]}"; do cmp -s "$D/notes/${f##*/}" "$D/notes2/${f##*/}" || same=0; done
t_check "--elf-notes: deterministic with RSA" [ $same = 1 ]
nh=$D/notes/$(basename "${DEB[hello]}")
t_check "--elf-notes: only the ELF file's md5sums line changed (plus the manifest's)" bash -c \
	"diff <(dpkg-deb --ctrl-tarfile '${DEB[hello]}' | tar xO ./md5sums) <(dpkg-deb --ctrl-tarfile '$nh' | tar xO ./md5sums) |
	 grep '^[<>]' | awk '{print \$1, \$3}' | sort | tr '\n' ' ' |
	 grep -qx '< usr/bin/hello > usr/bin/hello > usr/share/cryptomark/manifests/hello_amd64.cmm '"
R2=$D/root-notes
mkdir -p "$R2/var/lib/dpkg/info" "$R2/var/lib/dpkg/updates" "$R2/etc/cryptomark/manifest-signers"
touch "$R2/var/lib/dpkg/status"
cp "$D/rsa.pem" "$R2/etc/cryptomark/manifest-signers/"
t_check "--elf-notes: the packages install with the hook" bash -c \
	"dpkg --root='$R2' --force-depends --'${HOOK_LINE//\'/}' -i '$D/notes/'*.deb >/dev/null 2>&1"
t_check "--elf-notes: the installed binary and library verify with both carriers" \
	"$CMVERIFY" -q --carrier both --cert "$D/rsa.pem" "$R2/usr/bin/hello" "$R2/usr/lib/x86_64-linux-gnu/libzstd.so.1.5.4"
t_grep "--elf-notes: the binary runs" "^Hello, world!" "$R2/usr/bin/hello"
t_check "--elf-notes: dpkg -V is clean" bash -c "[ -z \"\$(dpkg --root='$R2' -V 2>&1)\" ]"

# --- refusals ---------------------------------------------------------------
t_grep "an already signed package is refused by name" "hello_2.10-3_amd64.deb: already has a _cryptomark member: not signed again" \
	"$CMSIGN" deb --key "$D/rsa.key" --cert "$D/rsa.pem" -o "$D/out2" "$(o hello)"
cp "$(o hello)" "$D/nomember.deb" && ar d "$D/nomember.deb" _cryptomark
t_grep "... and one that ships the manifest in data.tar only (dh_cryptomark)" "already ships usr/share/cryptomark/manifests/hello_amd64.cmm" \
	"$CMSIGN" deb --key "$D/rsa.key" --cert "$D/rsa.pem" -o "$D/out2" "$D/nomember.deb"
head -c 30000 "${DEB[hello]}" > "$D/trunc.deb"
echo "not a package" > "$D/text.deb"
cp "${DEB[hello]}" "$D/good.deb"
"$CMSIGN" deb -q --key "$D/rsa.key" --cert "$D/rsa.pem" "$D/trunc.deb" "$D/text.deb" "$D/good.deb" 2> "$D/err"
rc=$?
t_check "broken packages: exit 1, each named, the good one still signed in place" bash -c \
	"[ $rc = 1 ] && grep -q 'trunc.deb: .*beyond the end' '$D/err' && grep -q 'text.deb: not an ar archive' '$D/err' &&
	 dpkg-deb --contents '$D/good.deb' | grep -q manifests/hello_amd64.cmm && cmp -s '$D/good.deb' '$(o hello)'"
t_check "the broken inputs are left untouched" cmp -s "$D/trunc.deb" <(head -c 30000 "${DEB[hello]}")
t_grep "a missing key is a usage error (exit 2)" "required" "$CMSIGN" deb --cert "$D/rsa.pem" "$D/good.deb"

t_done
