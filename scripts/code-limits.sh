#!/usr/bin/env bash
# Lists the C files over the file limit and the functions over the function
# limit (STYLE.md: 800 lines a file, 80 lines a function) in the tracked and
# untracked-but-not-ignored *.c files of the tree, kernel/ included.
#
# A function is what the house style writes: a definition whose opening
# brace stands alone at column 0 and whose closing brace stands alone at
# column 0 ("}"); its length is the lines from that "{" to that "}",
# both included.  A "{" alone at column 0 that is not a function body (an
# initializer) is rare and would be counted the same, erring on the strict
# side.
#
# usage: code-limits.sh [--exclude REGEX] [--max-file N] [--max-func N] [DIR]
# Prints one line a finding: "file: PATH: N lines" or
# "func: PATH:LINE NAME: N lines", then "N files, N functions over".
# Exits 1 when it printed a finding, 0 when none, 2 on a usage error.
set -u
max_file=800 max_func=80 exclude='' dir=.
while [ $# -gt 0 ]; do
	case $1 in
	--exclude) exclude=$2; shift 2 ;;
	--max-file) max_file=$2; shift 2 ;;
	--max-func) max_func=$2; shift 2 ;;
	-*) echo "code-limits: unknown option $1" >&2; exit 2 ;;
	*) dir=$1; shift ;;
	esac
done
cd "$dir" || exit 2
if git rev-parse --git-dir >/dev/null 2>&1; then
	files=$(git ls-files -co --exclude-standard -- '*.c')
else
	files=$(find . -name '*.c' -printf '%P\n')
fi
[ -n "$exclude" ] && files=$(grep -Ev -- "$exclude" <<<"$files")
[ -z "$files" ] && { echo "code-limits: no C files in $dir" >&2; exit 2; }
# shellcheck disable=SC2086
awk -v maxfile="$max_file" -v maxfunc="$max_func" '
FNR == 1 { if (prev != "" && lines > maxfile) { print "file: " prev ": " lines " lines"; nf++ }
	   depth = 0; start = 0; name = ""; last = "" }
{ prev = FILENAME; lines = FNR }
/^\{[ \t]*$/ { start = FNR; name = last; next }
/^\}[ \t]*$/ && start {
	n = FNR - start + 1
	if (n > maxfunc) { print "func: " FILENAME ":" start " " name ": " n " lines"; nfn++ }
	start = 0; next
}
!start && /^[A-Za-z_].*\(/ {
	s = $0; sub(/\(.*/, "", s); k = split(s, w, /[ \t*]+/); last = w[k]
}
END {
	if (lines > maxfile) { print "file: " prev ": " lines " lines"; nf++ }
	printf "%d files, %d functions over\n", nf, nfn
	exit (nf + nfn) ? 1 : 0
}' $files
