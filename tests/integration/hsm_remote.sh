#!/usr/bin/env bash
# Remote keys for build farms: one key in one HSM, many builders.  A
# SoftHSM2 token is exported by `p11-kit server` on a unix socket (what one
# forwards over ssh: ssh -R /run/p11.sock:$P11_KIT_SERVER_ADDRESS); the
# builder has no token and no SoftHSM configuration, only p11-kit-client.so
# and P11_KIT_SERVER_ADDRESS.  cmsign -r -j N and cmsign deb sign through
# it; the results verify with cmverify and evmctl; the rate (files/s) is
# measured against the same token used locally; a dead server is a key
# error (exit 2), not a half-signed tree.
set -u
. "$(dirname "$0")/../lib.sh"
t_require_root
MOD=/usr/lib/softhsm/libsofthsm2.so
CLIENT=/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so
for f in "$MOD" "$CLIENT" /usr/bin/p11-kit /usr/bin/softhsm2-util; do
	[ -e "$f" ] || { t_fail "$f missing (make deps: softhsm2, p11-kit, p11-kit-modules)"; t_done; exit 1; }
done

D=$(t_scratch)
SERVER=
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$D"; }
trap cleanup EXIT
mkdir -p "$D/tokens"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$D" > "$D/softhsm2.conf"
export SOFTHSM2_CONF=$D/softhsm2.conf
softhsm2-util --init-token --free --label farm --pin 1234 --so-pin 5678 >/dev/null
t_mkcert "$D" rsa rsa2048
openssl x509 -in "$D/rsa.pem" -outform der -out "$D/rsa.der"
softhsm2-util --import "$D/rsa.key" --token farm --label rsa --id 02 --pin 1234 >/dev/null
rm "$D/rsa.key"	# the key now lives in the token only
p11-kit server -f --provider "$MOD" -n "$D/p11.sock" "pkcs11:token=farm" > "$D/server.log" 2>&1 &
SERVER=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -S "$D/p11.sock" ] && break; sleep 0.2; done
t_check "p11-kit server exports the token on a unix socket" test -S "$D/p11.sock"

URI_REMOTE="pkcs11:token=farm;object=rsa;type=private?pin-value=1234&module-path=$CLIENT"
URI_LOCAL="pkcs11:token=farm;object=rsa;type=private?pin-value=1234&module-path=$MOD"
# The builder: no SoftHSM configuration, only the socket.
builder() { env -u SOFTHSM2_CONF P11_KIT_SERVER_ADDRESS="unix:path=$D/p11.sock" "$@"; }

mkdir -p "$D/local" "$D/remote"
ls /usr/bin | head -n 300 | while read -r f; do
	[ -f "/usr/bin/$f" ] && [ ! -L "/usr/bin/$f" ] && cp "/usr/bin/$f" "$D/local/" && cp "/usr/bin/$f" "$D/remote/"
done
n=$(ls "$D/remote" | wc -l)
rate() { echo "scale=1; $1 / ($3 - $2)" | bc; }
t0=$(date +%s.%N)
t_check "the builder signs $n files with cmsign -r -j 2 through p11-kit-client" \
	builder "$CMSIGN" -q -r -j 2 --key "$URI_REMOTE" --cert "$D/rsa.pem" "$D/remote"
t1=$(date +%s.%N)
"$CMSIGN" -q -r -j 2 --key "$URI_LOCAL" --cert "$D/rsa.pem" "$D/local"
t2=$(date +%s.%N)
echo "# remote (p11-kit RPC): $(rate $n $t0 $t1) files/s; local token: $(rate $n $t1 $t2) files/s ($n files, RSA-2048)"
t_check "every remotely signed file verifies (cmverify)" "$CMVERIFY" -q -r --cert "$D/rsa.pem" "$D/remote"
t_grep "... and with evmctl" "verification is OK" evmctl ima_verify --key "$D/rsa.der" "$D/remote/$(ls "$D/remote" | head -n1)"
t_check "remote and local signatures are the same bytes (RSA)" bash -c \
	"for f in \$(ls '$D/remote' | head -n 20); do
		[ \"\$(getfattr --absolute-names --only-values -n security.ima '$D/remote/'\$f | md5sum)\" = \"\$(getfattr --absolute-names --only-values -n security.ima '$D/local/'\$f | md5sum)\" ] || exit 1
	 done"

cp "$(t_fetch_deb hello)" "$D/hello.deb"
t_check "cmsign deb through the remote key" builder "$CMSIGN" deb -q --key "$URI_REMOTE" --cert "$D/rsa.pem" "$D/hello.deb"
mkdir -p "$D/x" && dpkg-deb -x "$D/hello.deb" "$D/x"
t_check "its manifest applies and the files verify" bash -c \
	"'$CMSIGN' apply -q --manifest '$D/x/usr/share/cryptomark/manifests/hello_amd64.cmm' --root '$D/x' --cert '$D/rsa.pem' &&
	 '$CMVERIFY' -q --cert '$D/rsa.pem' '$D/x/usr/bin/hello'"

kill "$SERVER"; wait "$SERVER" 2>/dev/null; SERVER=
cp /usr/bin/true "$D/late"
out=$(builder "$CMSIGN" --key "$URI_REMOTE" --cert "$D/rsa.pem" "$D/late" 2>&1); rc=$?
t_check "server gone: a key error (exit 2), nothing signed" bash -c \
	"[ $rc = 2 ] && ! getfattr -n security.ima '$D/late' >/dev/null 2>&1"
echo "# $out"
t_done
