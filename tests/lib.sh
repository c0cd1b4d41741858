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

# t_swtpm_start DIR: a fresh swtpm process on the state in DIR (PCRs reset,
# as at a reboot; seeds and NV kept), on free loopback ports; stops the one
# this shell started before (SWPID).  Exports TPM2TOOLS_TCTI.
SWPID=
t_swtpm_start() {
	local dir=$1 try port i
	if [ -n "$SWPID" ]; then
		# The next one needs the state's lock: wait for this one to exit.
		kill "$SWPID" 2>/dev/null
		for i in $(seq 50); do kill -0 "$SWPID" 2>/dev/null || break; sleep 0.05; done
		SWPID=
	fi
	mkdir -p "$dir"
	for try in 1 2 3 4 5; do
		port=$((20000 + RANDOM % 20000))
		rm -f "$dir/pid"
		swtpm socket --tpm2 --tpmstate dir="$dir" \
			--server type=tcp,port=$port,bindaddr=127.0.0.1 \
			--ctrl type=tcp,port=$((port + 1)),bindaddr=127.0.0.1 \
			--flags not-need-init,startup-clear --pid file="$dir/pid" \
			--log file="$dir/log" --daemon 2>/dev/null || continue
		SWPID=$(cat "$dir/pid")
		export TPM2TOOLS_TCTI=swtpm:host=127.0.0.1,port=$port
		tpm2_pcrread sha256:0 >/dev/null 2>&1 && return 0
		kill "$SWPID"; SWPID=
	done
	return 1
}

# t_flip FILE OFFSET: xor one byte with 0x01 (always a change).
t_flip() {
	local f=$1 off=$2 v
	v=$(od -An -tu1 -j "$off" -N1 "$f" | tr -d ' ')
	printf "$(printf '\\%03o' $((v ^ 1)))" | dd of="$f" bs=1 seek="$off" conv=notrunc 2>/dev/null
}
