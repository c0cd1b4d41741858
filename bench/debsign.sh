#!/bin/bash
# Package-pipeline figures, printed (no targets): `cmsign deb` re-signing
# rate on real archive packages (packages/s, MB/s, bytes added per package
# and per file), and remote signing through p11-kit RPC (a SoftHSM2 token
# exported by `p11-kit server`, used by a builder through p11-kit-client.so)
# against the same token used locally (files/s).  Best of BENCH_REPS runs.
#   bench/debsign.sh [PKG...]   (default: coreutils hello libzstd1 less sensible-utils)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
B=${B:-$ROOT/build}
REPS=${BENCH_REPS:-3}
. "$ROOT/tests/lib.sh"
CMSIGN=$B/cmsign
W=$(mktemp -d /tmp/cmdebbench.XXXXXX)
SERVER=
trap '[ -z "$SERVER" ] || kill "$SERVER" 2>/dev/null; rm -rf "$W"' EXIT
best() { sort -n | head -n1; }
now() { date +%s.%N; }

PKGS=("$@")
[ ${#PKGS[@]} -gt 0 ] || PKGS=(coreutils hello libzstd1 less sensible-utils)
mkdir -p "$W/in" "$W/out"
for p in "${PKGS[@]}"; do cp "$(t_fetch_deb "$p")" "$W/in/"; done
t_mkcert "$W" rsa rsa2048
n=${#PKGS[@]}
mb=$(cat "$W"/in/*.deb | wc -c)
files=$(for f in "$W"/in/*.deb; do dpkg-deb --fsys-tarfile "$f" | tar tv | grep -c '^-'; done | paste -sd+ | bc)
el=$(for _ in $(seq "$REPS"); do
	t0=$(now); "$CMSIGN" deb -q --key "$W/rsa.key" --cert "$W/rsa.pem" -o "$W/out" "$W"/in/*.deb; t1=$(now)
	echo "$t1 - $t0" | bc; done | best)
added=$(( $(cat "$W"/out/*.deb | wc -c) - mb ))
echo "cmsign deb: $n packages, $files files, $(echo "scale=2; $mb/1000000" | bc) MB in $el s:" \
	"$(echo "scale=2; $n/$el" | bc) packages/s, $(echo "scale=2; $mb/1000000/$el" | bc) MB/s (RSA-2048, $(nproc) CPUs)"
echo "cmsign deb: +$added bytes in all, +$((added / n)) per package, +$((added / files)) per file (compressed)"
for f in "$W"/in/*.deb; do
	b=${f##*/}
	echo "  $b: $(stat -c %s "$f") -> $(stat -c %s "$W/out/$b") bytes"
done

# Remote signing through p11-kit.
MOD=/usr/lib/softhsm/libsofthsm2.so
CLIENT=/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so
mkdir -p "$W/tokens"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$W" > "$W/softhsm2.conf"
export SOFTHSM2_CONF=$W/softhsm2.conf
softhsm2-util --init-token --free --label bench --pin 1234 --so-pin 5678 >/dev/null
softhsm2-util --import "$W/rsa.key" --token bench --label rsa --id 02 --pin 1234 >/dev/null
p11-kit server -f --provider "$MOD" -n "$W/p11.sock" "pkcs11:token=bench" >/dev/null 2>&1 &
SERVER=$!
for _ in $(seq 20); do [ -S "$W/p11.sock" ] && break; sleep 0.2; done
mkdir -p "$W/t"
find /usr/bin -maxdepth 1 -type f | head -n 500 | xargs cp -t "$W/t"
nf=$(ls "$W/t" | wc -l)
run() {	# run MODULE [ENV...]: best elapsed time of signing the tree
	local mod=$1; shift
	for _ in $(seq "$REPS"); do
		t0=$(now)
		env "$@" "$CMSIGN" -q -r -j "$(nproc)" --key "pkcs11:token=bench;object=rsa;type=private?pin-value=1234&module-path=$mod" \
			--cert "$W/rsa.pem" "$W/t"
		t1=$(now); echo "$t1 - $t0" | bc
	done | best
}
local_s=$(run "$MOD")
# The builder: no token configuration at all, only the socket.
remote_s=$(run "$CLIENT" -u SOFTHSM2_CONF P11_KIT_SERVER_ADDRESS="unix:path=$W/p11.sock")
echo "remote key (p11-kit RPC, unix socket): $(echo "scale=1; $nf/$remote_s" | bc) files/s;" \
	"local token: $(echo "scale=1; $nf/$local_s" | bc) files/s; remote/local time = $(echo "scale=2; $remote_s/$local_s" | bc) ($nf files, RSA-2048, -j $(nproc))"
