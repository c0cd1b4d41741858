#!/usr/bin/env bash
# The ELF note carrier on real binaries: system executables (dynamic, PIE,
# static) and a shared library signed with --carrier note still run / load,
# readelf shows exactly one CryptoMark note and no warnings, the signature
# survives cp and tar, and flipping a byte anywhere (ELF header, program
# headers, code, note header, signature, padding, section tables, last
# byte), appending a byte or an objcopy rewrite makes verification fail.
# Also: --carrier both with evmctl, non-ELF and hostile ELF refused with the
# file untouched, re-signing in place.
source "$(dirname "$0")/../lib.sh"
t_require_root
D=$(t_scratch)
trap 'rm -rf "$D"' EXIT
t_mkcert "$D" k p256
t_mkcert "$D" r rsa2048
openssl x509 -in "$D/k.pem" -outform DER -out "$D/k.der"
S=("$CMSIGN" -q --key "$D/k.key" --cert "$D/k.pem")
V=("$CMVERIFY" -q --cert "$D/k.pem")

# Executables: run the signed copy and the original, compare the output.
mkdir "$D/bin"
BINS=(ls true bash env sha256sum python3 busybox)
sys_bin() { readlink -f "/usr/bin/$1"; }
for b in "${BINS[@]}"; do cp "$(sys_bin "$b")" "$D/bin/$b"; done
t_check "cmsign --carrier note signs ${#BINS[@]} system binaries" "${S[@]}" --carrier note "${BINS[@]/#/$D/bin/}"
t_check "cmverify --carrier note accepts them" "${V[@]}" --carrier note -r "$D/bin"
t_check "cmverify (any) accepts them" "${V[@]}" -r "$D/bin"
t_refuse "cmverify --carrier xattr: no xattr was written" "${V[@]}" --carrier xattr "$D/bin/ls"
run_same() { # NAME ARGS...: signed copy and original print the same
	local n=$1; shift
	[ "$("$D/bin/$n" "$@" 2>&1)" = "$("$(sys_bin "$n")" "$@" 2>&1)" ]
}
t_check "signed ls runs like the original" run_same ls -la "$T_ROOT/tests/vectors/elf"
t_check "signed true exits 0" "$D/bin/true"
t_check "signed bash runs a script" run_same bash -c 'for i in 1 2 3; do echo $((i*i)); done; echo "$BASH_VERSION"'
t_check "signed env runs a program" run_same env -i PATH=/usr/bin printenv PATH
t_check "signed sha256sum hashes like the original" run_same sha256sum /usr/bin/ls
t_check "signed python3 runs" run_same python3 -c 'import hashlib, json; print(json.dumps({"x": hashlib.sha256(b"a").hexdigest()}))'
t_check "signed static busybox runs" run_same busybox sh -c 'echo static; expr 6 \* 7'
t_check "busybox is static (covers the static layout: no PT_INTERP, no PT_DYNAMIC)" \
	bash -c "! readelf -lW '$D/bin/busybox' | grep -qE 'INTERP|DYNAMIC'"

for b in "${BINS[@]}"; do
	f=$D/bin/$b
	t_check "$b: readelf -n lists one CryptoMark note" \
		[ "$(readelf -n "$f" | grep -c 'CryptoMark *0x00000400')" = 1 ]
	t_check "$b: readelf -a -W has no warnings" \
		bash -c "! readelf -a -W '$f' 2>&1 >/dev/null | grep -qi warn"
	orig=$(sys_bin "$b")
	t_check "$b: program headers unchanged" \
		[ "$(readelf -lW "$orig" | sed 1,2d)" = "$(readelf -lW "$f" | sed 1,2d)" ]
	t_check "$b: every original byte but e_shoff/e_shnum/e_shstrndx kept" \
		python3 - "$orig" "$f" <<'PY'
import struct, sys
a = open(sys.argv[1], "rb").read(); b = open(sys.argv[2], "rb").read()
# ELF64 LSB: e_shoff at 40 (8 bytes), e_shnum 60, e_shstrndx 62
diff = [i for i in range(len(a)) if a[i] != b[i]]
sys.exit(0 if all(40 <= i < 48 or 60 <= i < 64 for i in diff) else 1)
PY
done

# A shared library: loads through the dynamic linker, LD_PRELOAD and dlopen.
lib=$(readlink -f /usr/lib/x86_64-linux-gnu/libz.so.1)
mkdir "$D/lib"; cp "$lib" "$D/lib/libz.so.1"
t_check "cmsign --carrier note signs libz" "${S[@]}" --carrier note "$D/lib/libz.so.1"
t_check "signed libz verifies" "${V[@]}" --carrier note "$D/lib/libz.so.1"
t_check "signed libz is mapped via LD_PRELOAD" \
	bash -c "LD_PRELOAD='$D/lib/libz.so.1' cat /proc/self/maps | grep -q '$D/lib/libz.so.1'"
# A program of our own that needs libz.so.1 (which system programs link
# libz differs between machines).
printf 'const char *zlibVersion(void);\nint puts(const char *);\nint main(void) { return puts(zlibVersion()) < 0; }\n' >"$D/zuser.c"
cc -o "$D/zuser" "$D/zuser.c" "$D/lib/libz.so.1"
t_check "signed libz resolves via LD_LIBRARY_PATH (ldd)" \
	bash -c "LD_LIBRARY_PATH='$D/lib' ldd '$D/zuser' | grep -q '$D/lib/libz.so.1 '"
t_grep "... and a program linked against it runs" '^1\.' env LD_LIBRARY_PATH="$D/lib" "$D/zuser"
t_grep "signed libz works through dlopen (ctypes): compress/uncompress" "^ok 1\.2" /usr/bin/python3 - "$D/lib/libz.so.1" <<'PY'
import ctypes, sys
z = ctypes.CDLL(sys.argv[1])
z.zlibVersion.restype = ctypes.c_char_p
src = b"cryptomark " * 100
dl = ctypes.c_ulong(1024); dst = ctypes.create_string_buffer(1024)
assert z.compress(dst, ctypes.byref(dl), src, len(src)) == 0
ol = ctypes.c_ulong(4096); out = ctypes.create_string_buffer(4096)
assert z.uncompress(out, ctypes.byref(ol), dst, dl.value) == 0
assert out.raw[:ol.value] == src
print("ok", z.zlibVersion().decode())
PY

# Survives cp and tar (which drop xattrs), on another path.
mkdir "$D/cp" "$D/untar"
cp "$D/bin/ls" "$D/cp/ls"
t_check "cp copy verifies (note)" "${V[@]}" --carrier note "$D/cp/ls"
t_check "cp copy verifies (any)" "${V[@]}" "$D/cp/ls"
tar -C "$D/bin" -cf "$D/t.tar" ls bash && tar -C "$D/untar" -xf "$D/t.tar"
t_check "tar round trip verifies" "${V[@]}" --carrier note "$D/untar/ls" "$D/untar/bash"
t_check "tar round trip: no xattr came along" bash -c "! getfattr -n security.ima '$D/untar/ls' 2>/dev/null"
t_check "untarred ls still runs" bash -c "'$D/untar/ls' / >/dev/null"

# Re-signing replaces the note in place; another key takes over.
sz=$(stat -c %s "$D/bin/ls")
t_check "re-sign with another key" "$CMSIGN" -q --key "$D/r.key" --cert "$D/r.pem" --carrier note "$D/bin/ls"
t_check "re-sign keeps the size (note replaced in place)" [ "$(stat -c %s "$D/bin/ls")" = "$sz" ]
t_check "re-signed: still one note" [ "$(readelf -n "$D/bin/ls" | grep -c CryptoMark)" = 1 ]
t_grep "re-signed: old key no longer verifies" "FAIL unknown-key" "$CMVERIFY" --cert "$D/k.pem" --carrier note "$D/bin/ls"
t_check "re-signed: new key verifies" "$CMVERIFY" -q --cert "$D/r.pem" --carrier note "$D/bin/ls"
"${S[@]}" --carrier note "$D/bin/ls"

# Single-byte flips everywhere: every region named, plus random offsets.
mkdir "$D/flip"
python3 - "$D/bin/ls" "$D/flip" <<'PY' >"$D/flip.list"
import os, random, struct, sys
src, out = sys.argv[1], sys.argv[2]
b = bytearray(open(src, "rb").read())
shoff, = struct.unpack_from("<Q", b, 40)
phoff, = struct.unpack_from("<Q", b, 32)
phnum, shnum, shstrndx = struct.unpack_from("<H", b, 56)[0], *struct.unpack_from("<HH", b, 60)
sec = lambda i: struct.unpack_from("<IIQQQQIIQQ", b, shoff + 64 * i)
strtab = sec(shstrndx)
name = lambda i: b[strtab[4] + sec(i)[0]:].split(b"\0")[0].decode()
names = {name(i): sec(i) for i in range(1, shnum)}
note, text = names[".note.cryptomark"][4], names[".text"]
regions = {
    "ehdr": range(0, 64), "phdrs": range(phoff, phoff + 56 * phnum, 7),
    "text": range(text[4], text[4] + text[5], max(1, text[5] // 60)),
    "note-header": range(note, note + 24), "sig-header": range(note + 24, note + 33),
    "signature": range(note + 33, note + 33 + 64, 3),
    "padding": range(note + 200, note + 1048, 17),
    "shstrtab": range(strtab[4], strtab[4] + strtab[5], 11),
    "shdrs": range(shoff, shoff + 64 * shnum, 13), "last": [len(b) - 1],
}
random.seed(1)
regions["random"] = random.sample(range(len(b)), 300)
n = 0
for r, offs in regions.items():
    for o in offs:
        for bit in (0, 7):
            c = bytearray(b); c[o] ^= 1 << bit
            p = os.path.join(out, "%s-%d-%d" % (r, o, bit))
            open(p, "wb").write(c); n += 1
            print(r)
PY
nflip=$(wc -l <"$D/flip.list")
t_check "generated >= 1000 flipped copies ($nflip)" [ "$nflip" -ge 1000 ]
for r in $(sort -u "$D/flip.list"); do
	t_check "flips in $r: $(ls "$D/flip" | grep -c "^$r-") copies, none verifies (note)" \
		bash -c "! '$CMVERIFY' --cert '$D/k.pem' --carrier note '$D'/flip/$r-* 2>&1 | grep -q ': ok'"
done
t_check "no flipped copy verifies with --carrier any" \
	bash -c "[ \$('$CMVERIFY' --cert '$D/k.pem' -r '$D/flip' 2>&1 | grep -c ': FAIL') = $nflip ]"
rm -rf "$D/flip"
cp "$D/bin/ls" "$D/appended"; printf '\0' >>"$D/appended"
t_grep "one appended byte: bad-signature" "FAIL bad-signature" "$CMVERIFY" --cert "$D/k.pem" --carrier note "$D/appended"
cp "$D/bin/ls" "$D/trunc"; truncate -s -1 "$D/trunc"
t_grep "one byte cut: refused" "FAIL (malformed|bad-signature)" "$CMVERIFY" --cert "$D/k.pem" --carrier note "$D/trunc"
objcopy "$D/bin/ls" "$D/objcopied"
t_check "objcopy rewrite still runs" bash -c "'$D/objcopied' / >/dev/null"
t_grep "objcopy rewrite: refused" "FAIL (bad-signature|malformed)" "$CMVERIFY" --cert "$D/k.pem" --carrier note "$D/objcopied"
objcopy --remove-section=.note.cryptomark "$D/bin/ls" "$D/removed"
t_grep "note removed with objcopy: unsigned" "FAIL unsigned" "$CMVERIFY" --cert "$D/k.pem" --carrier note "$D/removed"
strip "$D/bin/ls" -o "$D/stripped"
t_grep "strip: refused" "FAIL (bad-signature|malformed|unsigned)" "$CMVERIFY" --cert "$D/k.pem" --carrier note "$D/stripped"

# --carrier both: note first, then security.ima over the final bytes.
cp /usr/bin/true "$D/both"
t_check "cmsign --carrier both" "${S[@]}" --carrier both "$D/both"
t_check "both carriers verify (--carrier both)" "${V[@]}" --carrier both "$D/both"
t_check "the xattr alone verifies" "${V[@]}" --carrier xattr "$D/both"
t_check "the note alone verifies" "${V[@]}" --carrier note "$D/both"
t_check "evmctl ima_verify accepts the xattr of a noted file" bash -c "evmctl ima_verify --key '$D/k.der' '$D/both' >/dev/null 2>&1"
t_check "--carrier both runs" "$D/both"

# Non-ELF and hostile ELF: refused, file untouched.
printf '#!/bin/sh\necho hi\n' >"$D/script"; chmod +x "$D/script"
before=$(stat -c '%i %s %Y' "$D/script")
t_grep "non-ELF with --carrier note: clear error" "script: not an ELF file" "${S[@]}" --carrier note "$D/script"
t_check "non-ELF: untouched" [ "$(stat -c '%i %s %Y' "$D/script")" = "$before" ]
mkdir "$D/mixed"; cp /usr/bin/true "$D/mixed/elf"; cp "$D/script" "$D/mixed/script"
out=$("${S[@]}" --carrier note -r "$D/mixed" 2>&1); rc=$?
t_check "tree with a script, default: exit 1" [ $rc = 1 ]
t_grep "...the script is named" "mixed/script: not an ELF file" echo "$out"
t_check "...the ELF file was signed anyway" "${V[@]}" --carrier note "$D/mixed/elf"
t_check "...the script untouched" cmp -s "$D/script" "$D/mixed/script"
t_grep "--non-elf skip: reported, exit 0" "script: skipped: not an ELF file" "$CMSIGN" --key "$D/k.key" --cert "$D/k.pem" --carrier note --non-elf skip -r "$D/mixed"
t_check "...no xattr on the skipped script" bash -c "! getfattr -n security.ima '$D/mixed/script' 2>/dev/null"
t_check "--non-elf xattr: exit 0" "${S[@]}" --carrier note --non-elf xattr -r "$D/mixed"
t_check "...the script carries security.ima, the ELF the note; all verify (any)" "${V[@]}" -r "$D/mixed"
t_check "...the script's xattr verifies" "${V[@]}" --carrier xattr "$D/mixed/script"
mkdir "$D/hostile"
n=0; bad=0
while IFS=$'\t' read -r f err why; do
	case "$f:$err" in \#*|*:ENOKEY|*:ENODATA|*:ENOEXEC|desc-*) continue ;; esac
	cp "$T_ROOT/tests/vectors/elf/$f" "$D/hostile/$f"
	out=$("${S[@]}" --carrier note "$D/hostile/$f" 2>&1); rc=$?
	n=$((n + 1))
	if [ $rc != 1 ] || ! grep -q "$f: malformed ELF: $why (file untouched)" <<<"$out" ||
	   ! cmp -s "$T_ROOT/tests/vectors/elf/$f" "$D/hostile/$f"; then
		bad=$((bad + 1)); echo "# $f: rc=$rc $out"
	fi
done <"$T_ROOT/tests/vectors/elf/index.txt"
t_check "$n hostile ELF vectors: each refused naming file and reason, untouched" [ $n -ge 50 ] && [ $bad = 0 ]
t_check "cmverify says malformed for every hostile vector" \
	bash -c "[ \$('$CMVERIFY' --cert '$D/k.pem' --carrier note -r '$D/hostile' 2>&1 | grep -c ': FAIL malformed') = $n ]"
t_done
