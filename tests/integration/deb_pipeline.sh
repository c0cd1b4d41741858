#!/usr/bin/env bash
# The whole pipeline, end to end: real archive packages
# (hello, less, sensible-utils, libzstd1) re-signed with cmsign deb, and a
# real multi-binary source package (nyancat: any + all, unmodified, signing
# switched on with DH_EXTRA_ADDONS=cryptomark) built with dpkg-buildpackage,
# all signed with a key the builder never holds: it lives in a SoftHSM2
# token exported by `p11-kit server`, and the builder has only
# p11-kit-client.so and the socket.  The signer certificate is issued by a
# site CA.  apt-ftparchive publishes the packages; a fresh Debian 12 chroot
# that trusts only the CA installs them with apt-get; every installed file
# must carry a security.ima that cmverify (--ca CA) and evmctl accept.
set -u
. "$(dirname "$0")/../lib.sh"
t_require_root
MOD=/usr/lib/softhsm/libsofthsm2.so
CLIENT=/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so
for f in "$MOD" "$CLIENT" /usr/bin/p11-kit /usr/bin/apt-ftparchive /usr/sbin/debootstrap /usr/bin/evmctl; do
	[ -e "$f" ] || { t_fail "$f missing (make deps)"; t_done; exit 1; }
done
D=$(t_scratch)
SERVER=
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$D"; }
trap cleanup EXIT

# The site CA and the build farm's signer certificate.
P=$D/pki; mkdir -p "$P"
openssl req -x509 -newkey rsa:3072 -nodes -days 30 -subj "/CN=site CA" -keyout "$P/ca.key" -out "$P/ca.pem" \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" 2>/dev/null
openssl req -new -newkey rsa:2048 -nodes -subj "/CN=build farm" -keyout "$P/farm.key" -out "$P/farm.csr" 2>/dev/null
printf 'keyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' > "$P/ext"
openssl x509 -req -in "$P/farm.csr" -CA "$P/ca.pem" -CAkey "$P/ca.key" -CAcreateserial -days 30 \
	-extfile "$P/ext" -out "$P/farm.pem" 2>/dev/null
openssl x509 -in "$P/farm.pem" -outform der -out "$P/farm.der"

# The key goes into the token; the key host exports it.
mkdir -p "$D/tokens"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$D" > "$D/softhsm2.conf"
SOFTHSM2_CONF=$D/softhsm2.conf softhsm2-util --init-token --free --label farm --pin 1234 --so-pin 5678 >/dev/null
SOFTHSM2_CONF=$D/softhsm2.conf softhsm2-util --import "$P/farm.key" --token farm --label farm --id 01 --pin 1234 >/dev/null
rm "$P/farm.key" "$P/ca.key"
SOFTHSM2_CONF=$D/softhsm2.conf p11-kit server -f --provider "$MOD" -n "$D/p11.sock" "pkcs11:token=farm" >/dev/null 2>&1 &
SERVER=$!
for _ in $(seq 20); do [ -S "$D/p11.sock" ] && break; sleep 0.2; done
t_check "the key host exports the token (p11-kit server); no key file is left" \
	bash -c "[ -S '$D/p11.sock' ] && ! ls '$P'/*.key >/dev/null 2>&1"
KEY="pkcs11:token=farm;object=farm;type=private?pin-value=1234&module-path=$CLIENT"
# The builder: the socket and the certificate, nothing else.
builder() { env -u SOFTHSM2_CONF P11_KIT_SERVER_ADDRESS="unix:path=$D/p11.sock" "$@"; }

C=$D/chroot
REPO=$C/srv/repo
t_check "a fresh Debian 12 minbase chroot" t_chroot "$C" || { t_done; exit 1; }
mkdir -p "$REPO" "$D/in"
for p in hello less sensible-utils libzstd1; do cp "$(t_fetch_deb $p)" "$D/in/"; done
t_check "the builder re-signs the archive packages through the remote key" \
	builder "$CMSIGN" deb -q --key "$KEY" --cert "$P/farm.pem" -o "$REPO" "$D"/in/*.deb

S=$D/nyancat
t_fetch_source n/nyancat nyancat_1.5.2-0.2.dsc "$S" || t_fail "nyancat source"
"$T_ROOT/packaging/debian/install.sh" "$D/inst" /usr
t_check "the builder builds nyancat (dpkg-buildpackage -b), dh_cryptomark signing through the remote key" \
	bash -c "cd '$S' && $(declare -f builder); D='$D'; builder env PERL5LIB='$D/inst/usr/share/perl5' PATH='$D/inst/usr/bin':\$PATH \
		CMSIGN='$CMSIGN' CRYPTOMARK_KEY='$KEY' CRYPTOMARK_CERT='$P/farm.pem' DH_EXTRA_ADDONS=cryptomark \
		dpkg-buildpackage -b -us -uc > '$D/build.log' 2>&1"
cp "$D"/nyancat_*_amd64.deb "$D"/nyancat-server_*_all.deb "$REPO/" 2>/dev/null
t_check "apt-ftparchive publishes $(ls "$REPO"/*.deb | wc -l) packages" bash -c \
	"cd '$REPO' && apt-ftparchive packages . > Packages && apt-ftparchive release . > Release"

"$T_ROOT/packaging/debian/install.sh" "$C" /usr
t_install_into "$C" "$CMSIGN" /usr/bin/cmsign
cp "$P/ca.pem" "$C/etc/cryptomark/manifest-signers/site-ca.crt"	# the CA only
rm -f "$C/etc/apt/sources.list" "$C"/etc/apt/sources.list.d/*
echo 'deb [trusted=yes] file:/srv/repo ./' > "$C/etc/apt/sources.list"
export DEBIAN_FRONTEND=noninteractive
chroot "$C" apt-get update -q > "$D/apt.log" 2>&1
chroot "$C" apt-get install -y -q hello less sensible-utils libzstd1 nyancat nyancat-server >> "$D/apt.log" 2>&1
rc=$?
t_check "the chroot (trusting only the CA) installs them with apt-get" [ $rc = 0 ]
[ $rc = 0 ] || tail -20 "$D/apt.log"
t_check "the hook refused nothing" bash -c "! grep -q REFUSED '$D/apt.log'"

bad=0 n=0
for p in hello less sensible-utils libzstd1 nyancat nyancat-server; do
	while read -r f; do
		[ -f "$C$f" ] && [ ! -L "$C$f" ] || continue
		case $f in /usr/share/cryptomark/manifests/*) continue ;; esac
		n=$((n + 1))
		"$CMVERIFY" -q --carrier xattr --ca "$P/ca.pem" --cert "$P/farm.pem" "$C$f" >/dev/null 2>&1 || { echo "# cmverify: $f"; bad=1; }
		evmctl ima_verify --key "$P/farm.der" "$C$f" >/dev/null 2>&1 || { echo "# evmctl: $f"; bad=1; }
	done < <(chroot "$C" dpkg -L "$p")
done
t_check "every installed file ($n) verifies with cmverify --ca and evmctl" [ $bad = 0 -a $n -gt 90 ]
t_check "nyancat's binary also carries the ELF note" \
	"$CMVERIFY" -q --carrier both --ca "$P/ca.pem" --cert "$P/farm.pem" "$C/usr/bin/nyancat"
t_check "dpkg -V is clean" bash -c "[ -z \"\$(chroot '$C' dpkg -V hello less sensible-utils libzstd1 nyancat nyancat-server 2>&1)\" ]"
t_done
