#!/usr/bin/env bash
# make install PREFIX=/usr DESTDIR=...: the tools, libcryptomark (static and
# shared, with its soname link), the headers and cryptomark.pc, and the
# initramfs-tools hook; then a program built against the installed tree
# with pkg-config alone parses a signature vector through the shared
# library, and the installed tools run.
source "$(dirname "$0")/../lib.sh"
D=$(t_scratch)
trap 'rm -rf "$D"' EXIT
R=$D/root
san=
[[ $T_BUILD == */san ]] && san="SAN=1"
make -s -C "$T_ROOT" install PREFIX=/usr DESTDIR="$R" $san >"$D/make.log" 2>&1; rc=$?
t_check "make install PREFIX=/usr DESTDIR=... ($(tail -n 2 "$D/make.log" | tr '\n' ' '))" [ $rc = 0 ]
for f in usr/bin/cmsign usr/bin/cmverify usr/bin/cmkeys usr/bin/cmaudit; do
	t_check "$f installed, executable" [ -x "$R/$f" ]
done
for f in usr/lib/libcryptomark.a usr/lib/libcryptomark.so.1 usr/lib/pkgconfig/cryptomark.pc \
	 usr/include/cryptomark/cryptomark.h usr/include/cryptomark/format.h \
	 usr/share/initramfs-tools/hooks/cryptomark \
	 usr/share/initramfs-tools/scripts/init-premount/cryptomark etc/kernel/postinst.d/cryptomark; do
	t_check "$f installed" [ -f "$R/$f" ]
done
t_check "libcryptomark.so -> libcryptomark.so.1" [ "$(readlink "$R/usr/lib/libcryptomark.so")" = libcryptomark.so.1 ]
t_grep "the shared library's soname is libcryptomark.so.1" 'SONAME +libcryptomark\.so\.1' \
	objdump -p "$R/usr/lib/libcryptomark.so.1"
t_grep "cryptomark.pc names the install prefix" '^prefix=/usr$' cat "$R/usr/lib/pkgconfig/cryptomark.pc"

# A consumer of the installed library, found through pkg-config only.
cat >"$D/consumer.c" <<'C'
#include <stdio.h>
#include <cryptomark/cryptomark.h>
int main(int argc, char **argv)
{
	static unsigned char v[4096];
	const char *why = "";
	struct cm_sig sig;
	FILE *f = fopen(argv[1], "rb");
	size_t n = f ? fread(v, 1, sizeof(v), f) : 0;
	int r = cm_sig_parse(v, n, &sig, &why);

	(void)argc;
	if (r) {
		printf("refused %d %s\n", r, why);
		return 1;
	}
	printf("keyid %08x %s %u\n", sig.keyid, cm_hash_name(sig.hash_algo), (unsigned)sig.sig_len);
	return 0;
}
C
export PKG_CONFIG_PATH=$R/usr/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$R
cflags=$(pkg-config --cflags cryptomark) && libs=$(pkg-config --libs cryptomark); rc=$?
t_check "pkg-config --cflags --libs cryptomark" [ $rc = 0 ]
sanflags=()
[ -n "$san" ] && sanflags=(-fsanitize=address,undefined)
cc -Wall -Werror "${sanflags[@]}" $cflags -o "$D/consumer" "$D/consumer.c" $libs -Wl,-rpath,"$R/usr/lib" 2>"$D/cc.log"; rc=$?
t_check "a consumer compiles and links against the installed tree ($(head -c 300 "$D/cc.log"))" [ $rc = 0 ]
t_grep "... it uses the installed libcryptomark.so.1" "$R/usr/lib/libcryptomark.so.1" ldd "$D/consumer"
t_grep "... and parses a signature vector through it" '^keyid [0-9a-f]{8} sha256 [0-9]+$' \
	"$D/consumer" "$T_ROOT/tests/vectors/sig/ok-sha256.bin"
t_grep "... and refuses a malformed one" '^refused -[0-9]+ ' \
	"$D/consumer" "$T_ROOT/tests/vectors/sig/size-too-big.bin"
t_grep "installed cmsign runs (--help)" 'Usage: cmsign' "$R/usr/bin/cmsign" --help
t_grep "installed cmverify runs (--help)" 'Usage: cmverify' "$R/usr/bin/cmverify" --help
t_grep "installed cmkeys runs (--help)" 'cmkeys provision' "$R/usr/bin/cmkeys" --help
t_done
