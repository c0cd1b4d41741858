#!/usr/bin/env bash
# cmsign / cmverify behaviour: keys and passphrases, refusals at start,
# tree walks (symlinks, hard links, special files), per-file failures
# (no xattr support, read-only, no privilege), JSON, exit codes.
source "$(dirname "$0")/../lib.sh"
t_require_root
D=$(t_scratch); M=()
cleanup() { for m in "${M[@]}"; do umount "$m" 2>/dev/null; done; rm -rf "$D"; }
trap cleanup EXIT
t_mkcert "$D" k p256
t_mkcert "$D" other rsa2048
S0=("$CMSIGN" --key "$D/k.key" --cert "$D/k.pem")
S=("${S0[@]}" -q)

# Usage and refusals to start.
t_grep "--help documents --carrier" "--carrier" "$CMSIGN" --help
t_grep "cmverify --help documents reasons" "bad-signature" "$CMVERIFY" --help
t_refuse "no --key: usage error" "$CMSIGN" --cert "$D/k.pem" /usr/bin/ls
t_refuse "unknown --hash" "$CMSIGN" --key "$D/k.key" --cert "$D/k.pem" --hash md5 "$D"
cp /usr/bin/ls "$D/f"
t_grep "key does not match cert: refused at start" "does not match" "$CMSIGN" --key "$D/k.key" --cert "$D/other.pem" "$D/f"
t_check "...and the file was not touched" bash -c "! getfattr -n security.ima '$D/f' 2>/dev/null"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=noskid \
	-addext subjectKeyIdentifier=none -keyout "$D/noskid.key" -out "$D/noskid.pem" 2>/dev/null
t_grep "cert without SKID: says what to do" "subjectKeyIdentifier.*cmkeys signer" \
	"$CMSIGN" --key "$D/noskid.key" --cert "$D/noskid.pem" "$D/f"
t_refuse "cmverify with a SKID-less cert refuses" "$CMVERIFY" --cert "$D/noskid.pem" "$D/f"
t_grep "cmverify --cert without SKID: names the cause" "noskid.pem: certificate has no subjectKeyIdentifier" \
	"$CMVERIFY" --cert "$D/noskid.pem" "$D/f"
t_grep "--cert DIR: not a regular file" "--cert $D: not a regular file" "$CMVERIFY" --cert "$D" "$D/f"
: >"$D/empty.pem"
t_grep "--cert of an empty file: named" "empty.pem: empty file, not a certificate" \
	"$CMSIGN" --key "$D/k.key" --cert "$D/empty.pem" "$D/f"
openssl x509 -in "$D/k.pem" -outform DER -out "$D/trail.der" && printf 'X' >>"$D/trail.der"
t_grep "--cert DER with a trailing byte: refused" "trail.der: bytes follow the DER certificate" \
	"$CMVERIFY" --cert "$D/trail.der" "$D/f"
openssl ec -in "$D/k.key" -aes256 -passout pass:s3cret -out "$D/enc.key" 2>/dev/null
t_grep "encrypted key without passphrase: says how" "pass-env|pass-file" \
	"$CMSIGN" --key "$D/enc.key" --cert "$D/k.pem" "$D/f"
t_refuse "encrypted key, wrong passphrase" env CMPASS=nope "$CMSIGN" --pass-env CMPASS --key "$D/enc.key" --cert "$D/k.pem" "$D/f"
t_check "encrypted key, passphrase from env" env CMPASS=s3cret "$CMSIGN" -q --pass-env CMPASS --key "$D/enc.key" --cert "$D/k.pem" "$D/f"
echo s3cret >"$D/pass"
t_check "encrypted key, passphrase from file" "$CMSIGN" -q --pass-file "$D/pass" --key "$D/enc.key" --cert "$D/k.pem" "$D/f"
t_check "verifies" "$CMVERIFY" -q --cert "$D/k.pem" "$D/f"
openssl x509 -in "$D/k.pem" -outform DER -out "$D/k.der"
t_check "DER cert for signing" "$CMSIGN" -q --key "$D/k.key" --cert "$D/k.der" "$D/f"
mkdir "$D/ring"; cp "$D/other.pem" "$D/k.der" "$D/ring/"
t_check "--keyring DIR" "$CMVERIFY" -q --keyring "$D/ring" "$D/f"
# --bundle: a keyring bundle's certificates are trusted, its revocations refused.
cp /usr/bin/cp "$D/g"; "${S[@]}" "$D/g"
"$CMKEYS" bundle -o "$D/kb" "$D/k.pem" >/dev/null
t_check "--bundle BUNDLE trusts its certificates" "$CMVERIFY" -q --bundle "$D/kb" "$D/f" "$D/g"
"$CMKEYS" bundle -o "$D/kb-dig" --revoke "sha256:$(sha256sum "$D/f" | cut -c1-64)" "$D/k.pem" >/dev/null
out=$("$CMVERIFY" --bundle "$D/kb-dig" "$D/f" "$D/g" 2>&1); rc=$?
t_check "--bundle with a revoked digest: exit 1" [ $rc = 1 ]
t_grep "... that file: FAIL revoked" "^$D/f: FAIL revoked$" echo "$out"
t_grep "... the other still verifies" "^$D/g: ok " echo "$out"
# --digests: every carrier's digest, computed here independently.
cp /usr/bin/true "$D/dual"; "${S[@]}" --carrier both "$D/dual"
out=$("$CMVERIFY" --digests "$D/dual" "$D/f" 2>&1); rc=$?
t_check "--digests: exit 0, no certificate needed" [ $rc = 0 ]
t_grep "--digests: xattr digest is the whole file's sha256" \
	"^$D/dual: xattr sha256:$(sha256sum "$D/dual" | cut -c1-64)\$" echo "$out"
off=$((0x$(readelf -SW "$D/dual" |
	sed -n 's/.*\.note\.cryptomark *NOTE *[0-9a-f]* \([0-9a-f]*\) .*/\1/p')))
cp "$D/dual" "$D/zeroed"
dd if=/dev/zero of="$D/zeroed" bs=1 seek=$((off + 24)) count=1024 conv=notrunc status=none
t_grep "--digests: note digest is the file's with the descriptor as zeros" \
	"^$D/dual: note sha256:$(sha256sum "$D/zeroed" | cut -c1-64)\$" echo "$out"
t_grep "--digests: a file without a note has only its xattr digest" \
	"^$D/f: xattr sha256:" echo "$out"
t_check "... and no note line" bash -c "! echo '$out' | grep -q '^$D/f: note'"
t_grep "--digests --hash sha512" "^$D/f: xattr sha512:$(sha512sum "$D/f" | cut -c1-128)\$" \
	"$CMVERIFY" --digests --hash sha512 "$D/f"
t_refuse "--digests of a missing file: exit 1" "$CMVERIFY" --digests "$D/nonexistent"
"$CMKEYS" bundle -o "$D/kb-key" --revoke "$D/k.pem" "$D/k.pem" >/dev/null
t_grep "--bundle revoking the signer's key id: FAIL revoked" "g: FAIL revoked" \
	"$CMVERIFY" --bundle "$D/kb-key" "$D/g"
t_grep "--bundle that is not a bundle: named, usage exit" "--bundle .*k.pem: bad magic" \
	"$CMVERIFY" --bundle "$D/k.pem" "$D/g"
t_check "... exit 2" bash -c "'$CMVERIFY' --bundle '$D/k.pem' '$D/g' 2>/dev/null; [ \$? = 2 ]"
t_grep "--bundle missing: named" "--bundle $D/nonexistent: No such file" \
	"$CMVERIFY" --bundle "$D/nonexistent" "$D/g"

# Tree walk.
T=$D/tree; mkdir -p "$T/a/b" "$D/outside"
cp /usr/bin/ls "$T/a/ls"; cp /usr/bin/cp "$T/a/b/cp"; echo data >"$T/a/b/text"
ln "$T/a/ls" "$T/a/ls-hardlink"
cp /usr/bin/true "$D/outside/target"; ln -s "$D/outside/target" "$T/a/link"
ln -s "$D/outside" "$T/dirlink"
mkfifo "$T/a/fifo"
out=$("${S0[@]}" -r "$T" 2>&1); rc=$?
t_check "-r exits 0" [ $rc = 0 ]
t_grep "-r reports the skipped symlink" "a/link: skipped: symlink" echo "$out"
t_grep "-r reports the skipped fifo" "fifo: skipped: not a regular file" echo "$out"
t_grep "-r signs a hard-linked inode once" "3 signed, 0 failed, 4 skipped" echo "$out"
t_check "symlink target outside the tree untouched" bash -c "! getfattr -n security.ima '$D/outside/target' 2>/dev/null"
t_check "-r tree verifies (hard link shares the xattr)" "$CMVERIFY" -q -r --cert "$D/k.pem" "$T/a/ls" "$T/a/ls-hardlink" "$T/a/b"
t_refuse "directory without -r is an error" "${S[@]}" "$T"
t_refuse "missing file is an error" "${S[@]}" "$D/nonexistent"
t_grep "missing file named in cmverify" "nonexistent: FAIL io: No such file" "$CMVERIFY" --cert "$D/k.pem" "$D/nonexistent"

# JSON.
t_check "cmverify --json is valid JSON" bash -c "'$CMVERIFY' --json -r --cert '$D/k.pem' '$T' | python3 -m json.tool >/dev/null"
t_check "cmsign --json is valid JSON" bash -c "'$CMSIGN' -q --json --key '$D/k.key' --cert '$D/k.pem' -r '$T' | python3 -m json.tool >/dev/null"
t_grep "cmverify --json names failures" '"status": "fail", "reason": "unsigned"' "$CMVERIFY" --json --cert "$D/k.pem" "$D/outside/target"

# Per-file failures: one line naming the file and cause, the run goes on.
mkdir -p "$D/ramfs" "$D/ro"
mount -t ramfs ramfs "$D/ramfs" && M+=("$D/ramfs")
cp /usr/bin/ls "$D/ramfs/x"; cp /usr/bin/ls "$D/ok1"; cp /usr/bin/ls "$D/ok2"
out=$("${S[@]}" "$D/ok1" "$D/ramfs/x" "$D/ok2" 2>&1); rc=$?
t_check "no-xattr filesystem: non-zero exit" [ $rc = 1 ]
t_grep "no-xattr filesystem: names file and cause" "ramfs/x: setxattr security.ima: Operation not supported" echo "$out"
t_check "no-xattr filesystem: the other files were signed" "$CMVERIFY" -q --cert "$D/k.pem" "$D/ok1" "$D/ok2"
mount -t tmpfs tmpfs "$D/ro" && M+=("$D/ro")
cp /usr/bin/ls "$D/ro/y"; mount -o remount,ro "$D/ro"
t_grep "read-only filesystem: named" "ro/y: setxattr security.ima: Read-only file system" "${S[@]}" "$D/ro/y"
cp /usr/bin/ls "$D/perm"; chmod 755 "$D" "$D/perm"; chown nobody "$D/k.key"
t_grep "unprivileged signer: EPERM named" "perm: setxattr security.ima: Operation not permitted" \
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$CMSIGN" -q --key "$D/k.key" --cert "$D/k.pem" "$D/perm"
chmod 000 "$D/perm"
t_grep "unreadable file: io error for an unprivileged verifier" "perm: FAIL io: Permission denied" \
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$CMVERIFY" --cert "$D/k.pem" "$D/perm"
t_done
