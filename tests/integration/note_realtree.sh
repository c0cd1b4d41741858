#!/usr/bin/env bash
# A real tree signs and verifies: 3000 files from this machine's /usr (ELF
# executables, shared libraries, scripts, data) plus many-section
# relocatable objects: the object with the most sections in Debian's
# llvm-14-dev static libraries, and one built with gcc -ffunction-sections
# with ~28 000 sections and a section name table over 1 MiB (the layout that
# was refused as "section name table too large").  Signed with cmsign -r,
# xattr carrier, then note carrier (--non-elf xattr) and both; cmverify -r
# must pass every file, in the default mode and per carrier.
source "$(dirname "$0")/../lib.sh"
t_require_root
D=$(t_scratch)
trap 'rm -rf "$D"' EXIT
t_mkcert "$D" k p256
S=("$CMSIGN" -q --key "$D/k.key" --cert "$D/k.pem")
V=("$CMVERIFY" -q --cert "$D/k.pem")
VV=("$CMVERIFY" --cert "$D/k.pem")
T=$D/tree
mkdir -p "$T"/{bin,lib,script,data,obj}

is_elf() { [ "$(od -An -tx1 -N4 "$1" 2>/dev/null | tr -d ' ')" = 7f454c46 ]; }
is_script() { [ "$(od -An -tx1 -N2 "$1" 2>/dev/null | tr -d ' ')" = 2321 ]; }
# take KIND DIR N TEST FIND-ARGS...: copy the first N files passing TEST.
take() {
	local kind=$1 n=$3 test=$4 i=0 f; shift 4
	while IFS= read -r -d '' f; do
		"$test" "$f" || continue
		cp "$f" "$T/$kind/$i.${f##*/}" 2>/dev/null || continue
		i=$((i + 1)); [ $i -lt "$n" ] || break
	done < <(find "$@" -type f -size -20M -print0 2>/dev/null | sort -z)
	echo "$i"
}
not_elf_data() { ! is_elf "$1" && ! is_script "$1"; }
nb=$(take bin - 800 is_elf /usr/bin /usr/sbin /usr/libexec)
nl=$(take lib - 900 is_elf /usr/lib/x86_64-linux-gnu -name '*.so*')
ns=$(take script - 600 is_script /usr/bin /usr/share)
# Data fills the tree to 3000 files with the two objects below.
nd=$(take data - $((3000 - 2 - nb - nl - ns)) not_elf_data /usr/share/doc /usr/share/man /usr/include)
t_check "tree from /usr: $nb ELF executables, $nl libraries, $ns scripts, $nd data" \
	[ "$nb" -ge 500 ] && [ "$nl" -ge 500 ] && [ "$ns" -ge 300 ] && [ "$nd" -ge 500 ]

# The relocatable object with the most sections in llvm-14-dev's .a files.
deb=$(t_fetch_deb llvm-14-dev)
t_check "llvm-14-dev fetched" [ -s "$deb" ]
mkdir "$D/x" "$D/ar"
dpkg-deb --fsys-tarfile "$deb" | tar -xf - -C "$D/x" --wildcards './usr/lib/llvm-14/lib/libLLVM*.a'
best=$(python3 - "$D/x" "$D/ar" <<'PY'
import os, struct, sys
best = (0, None, None)
for dp, _, fn in os.walk(sys.argv[1]):
    for f in sorted(fn):
        data = open(os.path.join(dp, f), "rb").read()
        off, longnames = 8, b""
        while off + 60 <= len(data):
            h = data[off:off + 60]; size = int(h[48:58])
            body = data[off + 60:off + 60 + size]
            name = h[:16].decode().strip()
            if name == "//":
                longnames = body
            elif name.startswith("/") and name[1:].isdigit():
                i = int(name[1:])
                name = longnames[i:longnames.index(b"\n", i)].decode()
            name = name.rstrip("/")
            if body[:4] == b"\x7fELF" and len(body) > 64:
                n = struct.unpack_from("<H", body, 60)[0]
                if n > best[0]:
                    best = (n, name, body)
            off += 60 + size + (size & 1)
open(os.path.join(sys.argv[2], best[1]), "wb").write(best[2])
print(best[0], best[1])
PY
)
read -r nsec obj <<<"$best"
cp "$D/ar/$obj" "$T/obj/$obj"
t_check "llvm-14-dev's most-sectioned object $obj has $nsec sections (over 10 000)" [ "${nsec:-0}" -gt 10000 ]

# Generated: 14 000 functions with 80-character names, each calling the next.
python3 - "$D/many.c" <<'PY'
import sys
n, pad = 14000, "x" * 64
with open(sys.argv[1], "w") as f:
    for i in range(n):
        f.write(f"int f{i:07d}_{pad}(int a);\n")
    for i in range(n):
        nxt = f"f{(i + 1) % n:07d}_{pad}"
        f.write(f"int f{i:07d}_{pad}(int a) {{ return a ? {nxt}(a - 1) + {i} : 0; }}\n")
PY
gcc -O1 -ffunction-sections -c -o "$T/obj/many.o" "$D/many.c"
read -r gsec gstr < <(python3 - "$T/obj/many.o" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
shoff, = struct.unpack_from("<Q", b, 40); n, ndx = struct.unpack_from("<HH", b, 60)
size, = struct.unpack_from("<Q", b, shoff + ndx * 64 + 32)
print(n, size)
PY
)
t_check "generated many.o: $gsec sections (over 27 000), name table $gstr bytes (over 1 MiB)" \
	[ "$gsec" -gt 27000 ] && [ "$gstr" -gt 1048576 ]
total=$(find "$T" -type f | wc -l)
t_check "the tree holds $total files (3000)" [ "$total" = 3000 ]
cp -a "$T" "$D/note"
cp -a "$T" "$D/both"

# verify_all DIR ARGS...: cmverify -r passes, and names every file ok.
verify_all() {
	local dir=$1 out n; shift
	out=$("${VV[@]}" "$@" -r "$dir" 2>&1)
	n=$(grep -c ': ok' <<<"$out")
	grep -v ': ok' <<<"$out" | head -5 >&2
	[ "$n" = 3000 ] && ! grep -q FAIL <<<"$out"
}
t_check "cmsign -r (xattr) signs the tree" "${S[@]}" -r "$T"
t_check "cmverify -r passes all 3000 files (default mode)" verify_all "$T"
t_check "cmverify -r --carrier xattr passes all 3000 files" verify_all "$T" --carrier xattr
t_grep "cmverify names many.o ok" "many.o: ok" "$CMVERIFY" --cert "$D/k.pem" "$T/obj/many.o"

t_check "cmsign -r --carrier note --non-elf xattr signs the tree" \
	"${S[@]}" -r --carrier note --non-elf xattr "$D/note"
t_check "cmverify -r passes all 3000 (note carrier where ELF)" verify_all "$D/note"
t_grep "many.o carries a CryptoMark note" "CryptoMark" readelf -n "$D/note/obj/many.o"
t_grep "$obj carries a CryptoMark note" "CryptoMark" readelf -n "$D/note/obj/$obj"
t_check "cmverify --carrier note accepts the signed objects" \
	"${V[@]}" --carrier note "$D/note/obj/many.o" "$D/note/obj/$obj"
t_check "signed many.o still links: ld -r" ld -r -o "$D/relinked.o" "$D/note/obj/many.o"

t_check "cmsign -r --carrier both --non-elf xattr signs the tree" \
	"${S[@]}" -r --carrier both --non-elf xattr "$D/both"
t_check "cmverify -r passes all 3000 (both carriers)" verify_all "$D/both"
t_done
