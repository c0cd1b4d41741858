#!/usr/bin/env bash
# cmsign preload, apt's pre-install hook, on real archive packages re-signed
# with cmsign deb (hello, less and tzdata with maintainer scripts, tzdata's
# debconf config among them, libzstd1, coreutils), the LSM's securityfs
# file replaced by a regular file (--securityfs).  The lines written must
# be exactly one "sha256:DIGEST SIG" per distinct file and script of the
# packages, DIGEST the sha256sum of its bytes and SIG a security.ima value
# that cmverify and evmctl accept on those bytes, in writes of at most
# 65536 bytes of whole lines (an LD_PRELOAD shim records each write).
# Refusals write nothing: a tampered _cryptomark member, a tampered
# manifest in data.tar (a package without the member, read through the
# data.tar fallback), an untrusted signer, a signer a bundle revokes.  An
# unsigned archive package is loaded around (warning, exit 0).  Also:
# --stdin with apt's **CONFIGURE** lines, --clear, no LSM (missing file:
# nothing to do), a signer trusted through its CA, and a full table
# (/dev/full: ENOSPC, named).
set -u
. "$(dirname "$0")/../lib.sh"
t_require_root
t_need dpkg-deb evmctl setfattr cc ar

D=$(t_scratch)
trap 'rm -rf "$D"' EXIT
t_mkcert "$D" rsa rsa2048
t_mkcert "$D" rogue rsa2048
openssl x509 -in "$D/rsa.pem" -outform der -out "$D/rsa.der"
mkdir -p "$D/signers" "$D/in" "$D/out" "$D/empty" "$D/rogue" "$D/ca"
cp "$D/rsa.pem" "$D/signers/"

PKGS=(hello less tzdata libzstd1 coreutils)
for p in "${PKGS[@]}"; do
	cp "$(t_fetch_deb "$p")" "$D/in/" || { t_fail "download $p"; t_done; exit 1; }
done
t_check "cmsign deb re-signs ${PKGS[*]}" \
	"$CMSIGN" deb -q --key "$D/rsa.key" --cert "$D/rsa.pem" -o "$D/out" "$D"/in/*.deb
OUT=("$D"/out/*.deb)
o() { ls "$D"/out/"$1"_*.deb; }

# The shim: one log line per write(2) to a descriptor above 2: its size,
# and "ok" if it is at most 65536 bytes of whole lines starting "sha",
# or exactly "clear\n".
cat > "$D/shim.c" <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
ssize_t write(int fd, const void *buf, size_t n)
{
	static ssize_t (*real)(int, const void *, size_t);
	const char *log = getenv("SHIM_LOG"), *b = buf;
	char line[64];
	int ok, lf;

	if (!real)
		real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	if (fd > 2 && log) {
		ok = n == 6 && !memcmp(b, "clear\n", 6);
		if (!ok && n && n <= 65536 && b[n - 1] == '\n' && !strncmp(b, "sha", 3)) {
			ok = 1;
			for (size_t i = 0; i + 1 < n; i++)
				if (b[i] == '\n' && strncmp(b + i + 1, "sha", 3))
					ok = 0;
		}
		lf = open(log, O_WRONLY | O_APPEND | O_CREAT, 0644);
		snprintf(line, sizeof(line), "%zu %s\n", n, ok ? "ok" : "bad");
		real(lf, line, strlen(line));
		close(lf);
	}
	return real(fd, buf, n);
}
EOF
cc -shared -fPIC -o "$D/shim.so" "$D/shim.c" -ldl

SFS=$D/digests
pre() { "$CMSIGN" preload --signers "$D/signers" --securityfs "$SFS" "$@"; }

# --- the lines -----------------------------------------------------------
: > "$SFS"
out=$(SHIM_LOG=$D/writes LD_PRELOAD=$D/shim.so pre "${OUT[@]}" 2>&1); rc=$?
t_check "preload of ${#OUT[@]} signed packages: exit 0" [ $rc = 0 ]
echo "# $out"
t_check "every line is ALG:HEXDIGEST HEXSIG (an IMA v2 signature), no duplicate" bash -c \
	"[ -s '$SFS' ] && ! grep -qvE '^sha256:[0-9a-f]{64} 0302[0-9a-f]+\$' '$SFS' && [ -z \"\$(sort '$SFS' | uniq -d)\" ]"
# What the packages hold: every regular file and maintainer script.
for f in "${OUT[@]}"; do
	rm -rf "$D/x"; mkdir -p "$D/x/ctl"
	dpkg-deb -x "$f" "$D/x/data"; dpkg-deb -e "$f" "$D/x/ctl"
	rm -rf "$D/x/data/usr/share/cryptomark"
	find "$D/x/data" -type f -exec sha256sum {} + | cut -d' ' -f1
	for s in preinst postinst prerm postrm config; do
		[ -f "$D/x/ctl/$s" ] && sha256sum < "$D/x/ctl/$s" | cut -d' ' -f1
	done
done | sed 's/^/sha256:/' | sort -u > "$D/want"
cut -d' ' -f1 "$SFS" | sort -u > "$D/got"
t_check "the digests are exactly the sha256sum of the $(wc -l < "$D/want") distinct files and scripts of the packages" \
	cmp -s "$D/want" "$D/got"
for f in "${OUT[@]}"; do ar p "$f" _cryptomark > "$D/m"; t_cmm_list "$D/m" | cut -d' ' -f2-; done | sort -u > "$D/fromcmm"
t_check "each line is an entry of a package's _cryptomark manifest, and every entry is there" \
	cmp -s "$D/fromcmm" <(sort "$SFS")
# The signatures: each on the bytes of its file, checked by cmverify and evmctl.
rm -rf "$D/v"; mkdir -p "$D/v"
dpkg-deb -x "$(o hello)" "$D/v"; dpkg-deb -x "$(o less)" "$D/v"; dpkg-deb -e "$(o tzdata)" "$D/v/tzdata-ctl"
rm -rf "$D/v/usr/share/cryptomark"
find "$D/v/tzdata-ctl" -type f ! -name config ! -name '*inst' ! -name '*rm' -delete
n=0 bad=0
while read -r f; do
	d=$(sha256sum < "$f" | cut -d' ' -f1)
	sig=$(grep -m1 "^sha256:$d " "$SFS" | cut -d' ' -f2)
	[ -n "$sig" ] && setfattr -n security.ima -v "0x$sig" "$f" || { echo "# no line for $f"; bad=1; continue; }
	evmctl ima_verify --key "$D/rsa.der" "$f" >/dev/null 2>&1 || { echo "# evmctl: $f"; bad=1; }
	n=$((n + 1))
done < <(find "$D/v" -type f)
t_check "the signatures of hello, less and tzdata's scripts ($n files): evmctl accepts each on its file" [ $bad = 0 -a $n -gt 60 ]
t_check "... and cmverify" bash -c "find '$D/v' -type f -print0 | xargs -0 '$CMVERIFY' -q --carrier xattr --cert '$D/rsa.pem'"
t_check "the writes: $(wc -l < "$D/writes") of whole lines, at most 65536 bytes each" bash -c \
	"[ \$(wc -l < '$D/writes') -gt 1 ] && ! grep -qv ' ok\$' '$D/writes' &&
	 [ \$(awk '{s+=\$1} END {print s}' '$D/writes') = \$(stat -c %s '$SFS') ] &&
	 [ \$(sort -n '$D/writes' | tail -n1 | cut -d' ' -f1) -le 65536 ]"
t_grep "the summary counts packages, manifests and entries" \
	"5 packages \(0 without a manifest\), 5 manifests, $(wc -l < "$SFS") entries loaded into $SFS in $(wc -l < "$D/writes") writes" \
	echo "$out"

# --- --stdin: apt's Pre-Install-Pkgs protocol, version 1 ------------------
cp "$SFS" "$D/first"
: > "$SFS"
{ echo "**CONFIGURE**"; echo; printf '%s\n' "${OUT[@]}"; echo "**REMOVE**"; echo "**CONFIGURE**"; } |
	pre -q --stdin
t_check "--stdin with **CONFIGURE**, **REMOVE** and blank lines: the same bytes" cmp -s "$D/first" "$SFS"
t_check "... and no summary with -q" bash -c \
	"[ -z \"\$(echo '$(o hello)' | '$CMSIGN' preload -q --signers '$D/signers' --securityfs '$D/digests' --stdin 2>&1)\" ]"

# --- --clear, no LSM ------------------------------------------------------
: > "$SFS"
t_check "--clear writes 'clear\\n' alone" bash -c \
	"SHIM_LOG='$D/wclear' LD_PRELOAD='$D/shim.so' '$CMSIGN' preload --clear --securityfs '$SFS' &&
	 [ \"\$(od -c '$SFS' | head -n1)\" = \"\$(printf 'clear\\n' | od -c | head -n1)\" ] && [ \"\$(cat '$D/wclear')\" = '6 ok' ]"
t_grep "no securityfs file: one line, nothing to do, exit 0" \
	"^cmsign preload: no cryptomark LSM \($D/none missing\): nothing to do rc=0$" \
	bash -c "out=\$('$CMSIGN' preload --signers '$D/signers' --securityfs '$D/none' '$(o hello)' 2>&1); echo \"\$out rc=\$?\""
t_grep "... and for --clear" "^cmsign preload: no cryptomark LSM \($D/none missing\): nothing to do rc=0$" \
	bash -c "out=\$('$CMSIGN' preload --clear --securityfs '$D/none' 2>&1); echo \"\$out rc=\$?\""
t_check "... silent with -q (apt's post-invoke line)" bash -c \
	"[ -z \"\$('$CMSIGN' preload --clear -q --securityfs '$D/none' 2>&1)\" ] && [ ! -e '$D/none' ]"

# --- refusals: exit 3, nothing written ------------------------------------
# refused DESC PATTERN PRELOAD-ARGS...: exit 3, PATTERN said, the file untouched.
refused() {
	local d=$1 pat=$2 out rc; shift 2
	: > "$SFS"
	out=$(pre "$@" 2>&1); rc=$?
	if [ $rc = 3 ] && grep -qE -- "$pat" <<<"$out" && [ ! -s "$SFS" ]; then
		t_ok "$d: exit 3, nothing written"
	else
		t_fail "$d: rc $rc, $(stat -c %s "$SFS") bytes written: $out"
	fi
}
# A byte of the member flipped (in an entry's digest); the member put back
# by GNU ar (its name then "_cryptomark/").
cp "$(o hello)" "$D/tamper-member.deb"
ar p "$D/tamper-member.deb" _cryptomark > "$D/_cryptomark"
t_flip "$D/_cryptomark" 100
ar d "$D/tamper-member.deb" _cryptomark && (cd "$D" && ar q tamper-member.deb _cryptomark)
t_check "(GNU ar wrote the member back named _cryptomark/)" bash -c "ar t '$D/tamper-member.deb' | tail -n1 | grep -qx _cryptomark && grep -qa '_cryptomark/ ' '$D/tamper-member.deb'"
refused "a flipped byte in the _cryptomark member, with good packages" \
	"tamper-member.deb: member _cryptomark: REFUSED: manifest signature: bad-signature" \
	"$(o less)" "$D/tamper-member.deb" "$(o libzstd1)"
# Without the member: the manifest of data.tar (dpkg-deb -R, then -b).
dpkg-deb -R "$(o hello)" "$D/tree"
dpkg-deb --root-owner-group -b "$D/tree" "$D/fallback.deb" >/dev/null 2>&1
t_grep "no _cryptomark member: the data.tar fallback, said with -v" \
	"fallback.deb: no _cryptomark member: manifests from data.tar.xz" pre -v "$D/fallback.deb"
: > "$SFS"; pre -q "$D/fallback.deb"; cp "$SFS" "$D/fb"
: > "$SFS"; pre -q "$(o hello)"
t_check "... the same lines as from the member" cmp -s "$D/fb" "$SFS"
t_flip "$D/tree/usr/share/cryptomark/manifests/hello_amd64.cmm" 100
dpkg-deb --root-owner-group -b "$D/tree" "$D/tamper-data.deb" >/dev/null 2>&1
refused "a flipped byte in data.tar's manifest (no member)" \
	"tamper-data.deb: usr/share/cryptomark/manifests/hello_amd64.cmm: REFUSED: manifest signature: bad-signature" \
	"$(o less)" "$D/tamper-data.deb"
"$CMSIGN" deb -q --key "$D/rogue.key" --cert "$D/rogue.pem" -o "$D/rogue" "$D/in/$(basename "$(o hello)")"
refused "an untrusted signer" "hello_2.10-3_amd64.deb: member _cryptomark: REFUSED: manifest signer certificate: unknown-key" \
	"$(o less)" "$D/rogue/$(basename "$(o hello)")"
: > "$SFS"
out=$("$CMSIGN" preload --signers "$D/empty" --securityfs "$SFS" "$(o hello)" 2>&1); rc=$?
t_check "no trusted signer at all: exit 3, said, nothing written" bash -c \
	"[ $rc = 3 ] && grep -q 'no trusted signer in --signers' <<<'$out' && [ ! -s '$SFS' ]"
t_grep "a corrupt package: exit 1, named, nothing written" "^1 .*text.deb: not an ar archive.*nothing loaded 0$" \
	bash -c "echo junk > '$D/text.deb'; : > '$SFS'; out=\$('$CMSIGN' preload --signers '$D/signers' --securityfs '$SFS' '$(o less)' '$D/text.deb' 2>&1); echo \$? \$out \$(stat -c %s '$SFS')"

# --- an unsigned archive package: a warning, the others loaded ------------
: > "$SFS"
out=$(pre "$D/in/$(basename "$(o hello)")" "$(o less)" 2>&1); rc=$?
t_check "an unsigned archive package: exit 0, the signed one loaded" bash -c "[ $rc = 0 ] && [ -s '$SFS' ]"
t_grep "... and it is named" \
	"hello_2.10-3_amd64.deb: no cryptomark manifest: not preloaded \(its files will be refused under enforce\)" echo "$out"

# --- CA trust and bundle revocations, as cmsign apply ----------------------
P=$D/pki; mkdir -p "$P" "$D/ca-signers"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=cryptomark test CA" \
	-keyout "$P/ca.key" -out "$P/ca.pem" -addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=build" \
	-keyout "$P/build.key" -out "$P/build.csr" 2>/dev/null
printf 'keyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' > "$P/ext"
openssl x509 -req -in "$P/build.csr" -CA "$P/ca.pem" -CAkey "$P/ca.key" -CAcreateserial -days 30 \
	-extfile "$P/ext" -out "$P/build.pem" 2>/dev/null
cp "$P/ca.pem" "$D/ca-signers/"
"$CMSIGN" deb -q --key "$P/build.key" --cert "$P/build.pem" -o "$D/ca" "$D/in/$(basename "$(o hello)")"
: > "$SFS"
t_check "a signer trusted through its CA (only the CA in --signers)" bash -c \
	"'$CMSIGN' preload -q --signers '$D/ca-signers' --securityfs '$SFS' '$D/ca/$(basename "$(o hello)")' && [ -s '$SFS' ]"
kid=$(openssl x509 -in "$P/build.pem" -noout -ext subjectKeyIdentifier | tail -n1 | tr -d ' :' | tail -c 9)
"$CMKEYS" bundle -o "$D/revoke.bundle" --revoke "$kid" "$P/ca.pem" >/dev/null 2>&1
: > "$SFS"
out=$("$CMSIGN" preload --signers "$D/ca-signers" --bundle "$D/revoke.bundle" --securityfs "$SFS" "$D/ca/$(basename "$(o hello)")" 2>&1); rc=$?
t_check "a signer the --bundle revokes: exit 3, revoked, nothing written" bash -c \
	"[ $rc = 3 ] && grep -q 'REFUSED: manifest signer certificate: revoked' <<<'$out' && [ ! -s '$SFS' ]"

# --- the kernel refuses a write -------------------------------------------
t_grep "a full table (ENOSPC from /dev/full): exit 1, the errno and the remedy named" \
	"^1 cmsign preload: write /dev/full: ENOSPC \(No space left on device\): the LSM's digest table is full \(cryptomark.digests_max\): install fewer packages per apt run" \
	bash -c "out=\$('$CMSIGN' preload -q --signers '$D/signers' --securityfs /dev/full '$(o hello)' 2>&1); echo \$? \$out"

# --- usage ------------------------------------------------------------------
t_grep "no package and no --stdin: exit 2" "^2$" bash -c "'$CMSIGN' preload >/dev/null 2>&1; echo \$?"
t_grep "--clear with a package: exit 2" "^2$" bash -c "'$CMSIGN' preload --clear '$(o hello)' >/dev/null 2>&1; echo \$?"
t_grep "cmsign preload --help" "^Usage: cmsign preload" "$CMSIGN" preload --help
t_done
