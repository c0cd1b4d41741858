#!/usr/bin/env bash
# Issue 14's tool bugs, each checked the way a user meets it, and the
# evmctl-compatible short options (-k, -a): cmverify's JSON "ok" count with
# unreadable paths, cmsign's JSON "io" error text, an immutable file's
# setxattr refusal, a wrong passphrase's message, the signer freed when an
# allocation fails (an LD_PRELOAD shim fails calloc and counts the frees), and
# the shared -j parser refusing what atoi() accepted.
source "$(dirname "$0")/../lib.sh"
t_require_root
D=$(t_scratch)
trap 'chattr -i "$D/imm" 2>/dev/null; rm -rf "$D"' EXIT
t_mkcert "$D" k p256
S=("$CMSIGN" -q --key "$D/k.key" --cert "$D/k.pem")
cp /usr/bin/true "$D/a"

# cmverify --json: a path the walk cannot read is a failure, not a file
# that verified less.
"${S[@]}" "$D/a" || t_fail "setup: signing $D/a"
out=$("$CMVERIFY" --json --cert "$D/k.pem" "$D/a" "$D/missing")
t_grep "cmverify --json: unreadable path counted as failed, the file as ok" \
	'"summary": \{"files": 2, "ok": 1, "failed": 1\}' echo "$out"
t_check "cmverify --json summary is valid JSON" \
	bash -c 'python3 -m json.tool >/dev/null' <<<"$out"

# cmsign --json: an io error carries its errno text, as on stderr.
t_grep 'cmsign --json: "error" names the errno' \
	'"error": "io: No such file or directory"' \
	"${S[@]}" --json "$D/missing"

# chattr +i: the cause is the flag, not a missing capability.
cp /usr/bin/true "$D/imm"
if chattr +i "$D/imm" 2>/dev/null; then
	out=$("${S[@]}" "$D/imm" 2>&1)
	t_grep "immutable file: the message names the flag" 'immutable: chattr -i' echo "$out"
	t_check "immutable file: no CAP_SYS_ADMIN claim" eval '! grep -q CAP_SYS_ADMIN <<<"$out"'
	chattr -i "$D/imm"
else
	t_fail "chattr +i not supported on $D: cannot test the immutable message"
fi

# A wrong passphrase says so, without OpenSSL's "unsupported".
openssl ec -in "$D/k.key" -aes256 -passout pass:s3cret -out "$D/enc.key" 2>/dev/null
out=$(env CMPASS=nope "$CMSIGN" --pass-env CMPASS --key "$D/enc.key" --cert "$D/k.pem" "$D/a" 2>&1); rc=$?
t_check "wrong passphrase: exit 2" test "$rc" -eq 2
t_grep "wrong passphrase: named" 'enc.key: cannot decrypt the key: wrong passphrase$' echo "$out"
t_check "wrong passphrase: no 'unsupported'" eval '! grep -q unsupported <<<"$out"'

# The signer is freed when the result table cannot be allocated: an
# LD_PRELOAD shim fails calloc of exactly 7 elements (the 7 files signed)
# and counts the signer's X509_free + EVP_PKEY_free calls that follow it.
mkdir "$D/seven"; for i in 1 2 3 4 5 6 7; do cp /usr/bin/true "$D/seven/$i"; done
cat >"$D/failcalloc.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stddef.h>
static int failed, freed;
void *calloc(size_t n, size_t sz)
{
	static void *(*real)(size_t, size_t);

	if (n == 7 && sz > 1 && !failed) {
		failed = 1;
		return NULL;
	}
	if (!real)
		real = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
	return real(n, sz);
}
#define COUNT(fn) void fn(void *p) \
	{ static void (*real)(void *); \
	  if (!real) real = (void (*)(void *))dlsym(RTLD_NEXT, #fn); \
	  freed += failed && p; real(p); }
COUNT(EVP_PKEY_free)
COUNT(X509_free)
__attribute__((destructor)) static void report(void)
{
	if (failed)
		fprintf(stderr, "shim: %d key objects freed after the failure\n", freed);
}
C
if gcc -shared -fPIC -o "$D/failcalloc.so" "$D/failcalloc.c" -ldl; then
	out=$(LD_PRELOAD="$D/failcalloc.so" "${S[@]}" -j 1 -r "$D/seven" 2>&1); rc=$?
	t_grep "allocation failure: reported" '^cmsign: out of memory$' echo "$out"
	t_check "allocation failure: exit 2" test "$rc" -eq 2
	t_grep "allocation failure: the signer's key and certificate are freed" \
		'^shim: [2-9] key objects freed after the failure$' echo "$out"
else
	t_fail "cannot build the calloc shim"
fi

# One -j parser: "4x" and "0" are refused everywhere (cmverify used atoi).
for tool in "$CMVERIFY --cert $D/k.pem" "${S[*]}"; do
	t_grep "${tool%% *} -j 4x: refused with the range" \
		'-j 4x: give a number of threads from 1 to 1024' $tool -j 4x "$D/a"
done
t_refuse "cmsign manifest -j 0: refused" "$CMSIGN" manifest -j 0 --key "$D/k.key" \
	--cert "$D/k.pem" --root "$D/seven" -o "$D/m"

# evmctl's short forms: -k KEY, -a ALGO (and -k CERT for cmverify).
cp /usr/bin/true "$D/b"
t_check "cmsign -k KEY -a sha384" "$CMSIGN" -q -k "$D/k.key" --cert "$D/k.pem" -a sha384 "$D/b"
t_grep "cmverify -k CERT: verified with sha384" 'ok \(keyid [0-9a-f]{8}, sha384\)' \
	"$CMVERIFY" -k "$D/k.pem" "$D/b"
t_grep "cmverify --digests -a sha512" 'xattr sha512:[0-9a-f]{128}$' \
	"$CMVERIFY" --digests -a sha512 "$D/b"
t_check "cmsign manifest -k -a" "$CMSIGN" manifest -q -k "$D/k.key" --cert "$D/k.pem" \
	-a sha384 --carrier xattr --root "$D/seven" -o "$D/m2"
t_done
