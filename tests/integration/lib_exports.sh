#!/usr/bin/env bash
# libcryptomark.so's exported symbols are exactly the functions its installed
# headers declare: nm -D of the built library against the declarations
# (gcc -aux-info over include/cryptomark/*.h, the set `make install` copies),
# both ways, and lib/libcryptomark.map against both.  A program built
# against the installed headers links and runs with the shared library alone.
. "$(dirname "$0")/../lib.sh"

so=$T_BUILD/libcryptomark.so.1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# The headers make install copies: the rule's glob, and nothing private in it.
t_grep "make install copies include/cryptomark/*.h" \
	'install -m 0644 include/cryptomark/\*\.h' cat "$T_ROOT/Makefile"
t_check "rewrite.h (private) is not among the installed headers" \
	test ! -e "$T_ROOT/include/cryptomark/rewrite.h"

(cd "$T_ROOT/include" && for h in cryptomark/*.h; do echo "#include <$h>"; done) \
	>"$tmp/all.c"
if gcc -std=gnu11 -D_GNU_SOURCE -I"$T_ROOT/include" -fsyntax-only \
	-aux-info "$tmp/aux" "$tmp/all.c"; then
	t_ok "the installed headers compile on their own"
else
	t_fail "the installed headers do not compile on their own"
fi
grep -F "$T_ROOT/include/cryptomark/" "$tmp/aux" |
	sed -E 's/^[^*]*\*\/ *//; s/ *\(.*//; s/.*[ *]//' | sort -u >"$tmp/declared"
nm -D --defined-only "$so" | awk '$2 ~ /^[TtWDdBbRr]$/ {print $3}' |
	sed 's/@.*//' | sort -u >"$tmp/exported"
sed -n 's/^[[:space:]]*\(cm_[a-z0-9_]*\);$/\1/p' "$T_ROOT/lib/libcryptomark.map" |
	sort -u >"$tmp/map"

n=$(wc -l <"$tmp/declared")
if [ "$n" -ge 40 ]; then t_ok "$n functions declared"; else
	t_fail "only $n declarations parsed from the headers"; fi

cmp_sets() {	# DESC A B: the two sorted lists are equal; prints the difference
	local d=$1 extra missing
	extra=$(comm -13 "$2" "$3" | tr '\n' ' ')
	missing=$(comm -23 "$2" "$3" | tr '\n' ' ')
	if [ -z "$extra$missing" ]; then t_ok "$d"; else
		t_fail "$d: only in $(basename "$3"): ${extra:-none}; only in $(basename "$2"): ${missing:-none}"
	fi
}
cmp_sets "every export is declared, every declaration exported" \
	"$tmp/declared" "$tmp/exported"
cmp_sets "lib/libcryptomark.map lists exactly the declarations" \
	"$tmp/declared" "$tmp/map"

# Internals are in the static archive (the tools link it) but not exported.
for sym in cm_seterr cm_pkey_sign cm_rewrite_open cm_note_sign_path_flags; do
	if nm "$T_BUILD/libcryptomark.a" 2>/dev/null | grep -qw "T $sym" &&
	   ! grep -qx "$sym" "$tmp/exported"; then
		t_ok "$sym: internal, not exported"
	else
		t_fail "$sym: exported, or missing from libcryptomark.a"
	fi
done
if nm "$so" | grep -qE ' [Tt] cmt_'; then
	t_fail "tool plumbing (cmt_*) is in libcryptomark.so"
else
	t_ok "tool plumbing (cmt_*) is not in libcryptomark.so"
fi
t_grep "exports carry the CRYPTOMARK_1 version" 'cm_hash_name@@CRYPTOMARK_1' \
	nm -D --defined-only "$so"

# A user of the installed API: headers + the shared library, nothing else.
mkdir -p "$tmp/lib"
ln -s "$so" "$tmp/lib/libcryptomark.so"; ln -s "$so" "$tmp/lib/libcryptomark.so.1"
cat >"$tmp/user.c" <<'C'
#include <stdio.h>
#include <cryptomark/cryptomark.h>
#include <cryptomark/bundle.h>
#include <cryptomark/manifest.h>
int main(void)
{
	struct cm_trust *t = cm_trust_new();
	int ok = t && cm_trust_count(t) == 0 &&
		 cm_hash_from_name("sha256") == CM_HASH_SHA256;

	cm_trust_free(t);
	printf("%s %d\n", cm_hash_name(CM_HASH_SHA256), ok);
	return !ok;
}
C
if gcc -std=gnu11 -I"$T_ROOT/include" -o "$tmp/user" "$tmp/user.c" \
	-L"$tmp/lib" -lcryptomark 2>"$tmp/cc.err"; then
	t_grep "a program on the installed API links and runs" '^sha256 1$' \
		env LD_LIBRARY_PATH="$tmp/lib" "$tmp/user"
else
	t_fail "a program on the installed API does not link: $(cat "$tmp/cc.err")"
fi
printf 'void cm_seterr(char *, unsigned long, const char *, ...);\nint main(void) { cm_seterr(0, 0, ""); return 0; }\n' >"$tmp/bad.c"
t_grep "an internal (cm_seterr) does not link from the .so" \
	"undefined reference to .cm_seterr" \
	gcc -o "$tmp/bad" "$tmp/bad.c" -L"$tmp/lib" -lcryptomark
t_done
