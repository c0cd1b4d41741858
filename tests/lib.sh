# Helpers for shell test suites: source it, call t_ok/t_fail/t_check, end
# with t_done (prints "N passed, N failed", exits non-zero on failure).
set -u
T_PASS=0
T_FAIL=0
T_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
T_BUILD=${T_BUILD:-$T_ROOT/build}
CMSIGN=${CMSIGN:-$T_BUILD/cmsign}
CMVERIFY=${CMVERIFY:-$T_BUILD/cmverify}
CMKEYS=${CMKEYS:-$T_BUILD/cmkeys}

t_ok() { T_PASS=$((T_PASS + 1)); echo "ok $((T_PASS + T_FAIL)) - $*"; }
t_fail() { T_FAIL=$((T_FAIL + 1)); echo "not ok $((T_PASS + T_FAIL)) - $*"; }

# t_check DESC CMD...: passes if CMD exits 0.
t_check() {
	local d=$1; shift
	if "$@"; then t_ok "$d"; else t_fail "$d (exit $?: $*)"; fi
}

# t_refuse DESC CMD...: passes if CMD exits non-zero and did not crash
# (no signal, no sanitizer report).
t_refuse() {
	local d=$1; shift
	local out rc
	out=$("$@" 2>&1); rc=$?
	if [ $rc -ne 0 ] && [ $rc -lt 128 ] && ! grep -q 'Sanitizer' <<<"$out"; then
		t_ok "$d"
	else
		t_fail "$d (exit $rc: $*): $out"
	fi
}

# t_grep DESC PATTERN CMD...: passes if CMD's combined output matches.
t_grep() {
	local d=$1 pat=$2; shift 2
	local out
	out=$("$@" 2>&1)
	if grep -qE -- "$pat" <<<"$out"; then t_ok "$d"; else t_fail "$d: /$pat/ not in: $out"; fi
}

t_done() {
	echo "$T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ]
}

# Tests that need root or a kernel feature fail loudly, never skip silently.
t_require_root() {
	if [ "$(id -u)" != 0 ]; then
		t_fail "needs root (run make check as root)"
		t_done; exit 1
	fi
}

# t_need TOOL...: each TOOL on PATH (a path: executable), else one failure
# naming it and what provides it (make deps; make all for build/), and exit.
t_need() {
	local t
	for t in "$@"; do
		case $t in
		*/*) [ -x "$t" ] || { t_fail "$t missing (make all)"; t_done; exit 1; } ;;
		*) command -v "$t" >/dev/null ||
			{ t_fail "$t missing (make deps)"; t_done; exit 1; } ;;
		esac
	done
}

# t_keys_scratch: for the suites of cmkeys on a swtpm.  D, a scratch
# directory; CMKEYS and K, a private copy of cmkeys in it (a concurrent
# rebuild of build/ must not change the binary under a running suite);
# RINGS, the kernel keyrings the suite made (it appends their ids).  At
# exit the swtpm is stopped, the keyrings unlinked, D removed.
t_keys_scratch() {
	D=$(t_scratch)
	cp "$CMKEYS" "$D/cmkeys" || { t_fail "copying $CMKEYS"; t_done; exit 1; }
	CMKEYS=$D/cmkeys K=$D/cmkeys
	RINGS=()
	trap t_keys_cleanup EXIT
}
t_keys_cleanup() {
	local r
	t_swtpm_stop
	for r in "${RINGS[@]}"; do keyctl unlink "$r" @u >/dev/null 2>&1; done
	rm -rf "$D"
}

# A scratch directory on a filesystem with user-writable security.* xattrs
# (tmpfs supports security.ima for root).
t_scratch() {
	local d
	d=$(mktemp -d "${TMPDIR:-/tmp}/cmtest.XXXXXX")
	echo "$d"
}

# t_mkcert DIR NAME TYPE: self-signed signer certificate with SKID.
# TYPE: rsa2048 rsa3072 rsa4096 p256 p384.  Creates DIR/NAME.key, NAME.pem.
t_mkcert() {
	local dir=$1 name=$2 type=$3 alg
	case $type in
	rsa*) alg=(-newkey "rsa:${type#rsa}") ;;
	p256) alg=(-newkey ec -pkeyopt ec_paramgen_curve:P-256) ;;
	p384) alg=(-newkey ec -pkeyopt ec_paramgen_curve:P-384) ;;
	esac
	openssl req -x509 "${alg[@]}" -nodes -days 30 -subj "/CN=cryptomark test $name" \
		-addext "keyUsage=critical,digitalSignature" \
		-addext "extendedKeyUsage=codeSigning" \
		-keyout "$dir/$name.key" -out "$dir/$name.pem" 2>/dev/null
}

# t_swtpm_start DIR [SOCK], t_swtpm_stop, SWPID: tests/swtpm.sh.
. "$T_ROOT/tests/swtpm.sh"

# t_flip FILE OFFSET: xor one byte with 0x01 (always a change).
t_flip() {
	local f=$1 off=$2 v
	v=$(od -An -tu1 -j "$off" -N1 "$f" | tr -d ' ')
	printf "$(printf '\\%03o' $((v ^ 1)))" | dd of="$f" bs=1 seek="$off" conv=notrunc 2>/dev/null
}

# Real packages from the Debian archive, downloaded once into a cache that
# survives `make clean` (like the kernel tree).
T_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/cryptomark

# t_fetch_deb NAME[:ARCH]: prints the path of the cached .deb of the
# candidate version of NAME (ARCH default: the native one, or all), fetching
# it with apt-get download; a foreign ARCH is fetched from the same pool
# directory (apt here knows only the native architecture).
t_fetch_deb() {
	local name=${1%%:*} arch= dir=$T_CACHE/debs f uri fn
	[ "$name" != "$1" ] && arch=${1#*:}
	mkdir -p "$dir"
	f=$(ls "$dir/${name}_"*_${arch:-$(dpkg --print-architecture)}.deb \
		"$dir/${name}_"*_${arch:-all}.deb 2>/dev/null | head -n1)
	if [ -z "$f" ]; then
		read -r uri fn _ < <(cd / && apt-get download --print-uris "$name" 2>/dev/null | tr -d "'")
		[ -n "${uri:-}" ] || return 1
		if [ -n "$arch" ]; then
			uri=$(sed -E "s/_[a-z0-9]+\.deb\$/_${arch}.deb/" <<<"$uri")
			fn=$(sed -E "s/_[a-z0-9]+\.deb\$/_${arch}.deb/" <<<"$fn")
		fi
		f=$dir/$fn
		curl -fsSL -o "$f.part" "$uri" && mv "$f.part" "$f" || { rm -f "$f.part"; return 1; }
	fi
	echo "$f"
}

# t_cmm_list MANIFEST: one line per entry of a cryptomark manifest
# (docs/FORMAT-manifest.md): "PATH ALG:HEXDIGEST HEXSIG", the last two as
# cmsign preload writes them to the LSM.  No signature is checked.
t_cmm_list() {
	python3 - "$1" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
alg = {4: 'sha256', 5: 'sha384', 6: 'sha512'}
n, p = struct.unpack('>I', d[12:16])[0], 24
for _ in range(n):
    pl, ha, dl, xl, _r = struct.unpack('>HBBHH', d[p:p + 8]); p += 8
    path, dig, sig = d[p:p + pl], d[p + pl:p + pl + dl], d[p + pl + dl:p + pl + dl + xl]
    p += pl + dl + xl
    print(path.decode(), '%s:%s' % (alg[ha], dig.hex()), sig.hex())
PY
}

# t_chroot DIR: a Debian 12 minbase system (debootstrap, plus libssl3 for
# cmsign) unpacked into DIR; the tarball is built once into the cache.
t_chroot() {
	local dir=$1 tb=$T_CACHE/chroot-bookworm-minbase.tar b
	if [ ! -s "$tb" ]; then
		b=$(mktemp -d "${TMPDIR:-/tmp}/cmchroot.XXXXXX")
		debootstrap --variant=minbase --include=libssl3 bookworm "$b" \
			http://deb.debian.org/debian >"$b.log" 2>&1 || { cat "$b.log"; rm -rf "$b" "$b.log"; return 1; }
		mkdir -p "$T_CACHE"
		tar -C "$b" -cf "$tb.new" . && mv "$tb.new" "$tb"
		rm -rf "$b" "$b.log"
	fi
	mkdir -p "$dir" && tar -C "$dir" -xf "$tb"
}

# t_fetch_source POOLDIR DSC DEST: unpacks a source package of the Debian
# archive (pool/main/POOLDIR/DSC and the files it lists, cached) into DEST.
# dpkg-source checks every file against the .dsc's checksums.
t_fetch_source() {
	local pool=$1 dsc=$2 dest=$3 dir=$T_CACHE/src f
	mkdir -p "$dir"
	if [ ! -s "$dir/$dsc" ]; then
		curl -fsSL -o "$dir/$dsc.part" "http://deb.debian.org/debian/pool/main/$pool/$dsc" || return 1
		for f in $(awk '/^Files:/{x=1;next} /^[^ ]/{x=0} x{print $3}' "$dir/$dsc.part"); do
			[ -s "$dir/$f" ] || curl -fsSL -o "$dir/$f" "http://deb.debian.org/debian/pool/main/$pool/$f" || return 1
		done
		mv "$dir/$dsc.part" "$dir/$dsc"
	fi
	dpkg-source --no-copy -x "$dir/$dsc" "$dest" >/dev/null 2>&1
}

# t_install_into ROOT BIN DEST: install BIN as ROOT/DEST, with every shared
# library it needs that ROOT lacks (the sanitizer runtimes of a SAN=1 build,
# say), so it runs under chroot ROOT.
t_install_into() {
	local root=$1 bin=$2 dest=$3 lib
	install -m 0755 "$bin" "$root$dest" || return 1
	for lib in $(ldd "$bin" | grep -oE '/[^ ]+\.so[^ ]*'); do
		[ -e "$root$lib" ] && continue
		install -D -m 0644 "$(readlink -f "$lib")" "$root$lib" || return 1
	done
}
