#!/bin/bash
# Builds (once) the benchmark work tree: 3000 regular files, ~1.2 GB, copied
# from /usr/bin and /usr/lib/x86_64-linux-gnu, cached under
# ~/.cache/cryptomark/bench-tree.  Prints the tree's path.
#
# Selection is deterministic for a given system: the 3000 largest files not
# above a size cap, the cap lowered until the total is at most 1.25 GB, so a
# few huge libraries (LLVM, ...) do not dominate the run.
set -eu
N_FILES=${BENCH_FILES:-3000}
MAX_BYTES=${BENCH_BYTES:-1250000000}
CACHE=${BENCH_CACHE:-$HOME/.cache/cryptomark}
TREE=$CACHE/bench-tree
STAMP=$CACHE/bench-tree.list

list_candidates() {
	find /usr/bin /usr/lib/x86_64-linux-gnu -type f -size +0 \
		-printf '%s\t%p\n' 2>/dev/null | sort -t$'\t' -k1,1rn -k2,2
}

select_files() {
	local cand=$1
	awk -F'\t' -v n="$N_FILES" -v max="$MAX_BYTES" '
		{ size[NR] = $1; path[NR] = $2 }
		END {
			# skip the largest files until the next n fit in max
			for (start = 1; start <= NR - n + 1; start++) {
				s = 0
				for (i = start; i < start + n; i++) s += size[i]
				if (s <= max) break
			}
			for (i = start; i < start + n && i <= NR; i++)
				print size[i] "\t" path[i]
		}' "$cand"
}

if [ -f "$STAMP" ] && [ "$(wc -l < "$STAMP")" -eq "$N_FILES" ] && \
   [ "$(find "$TREE" -type f | wc -l)" -eq "$N_FILES" ]; then
	echo "$TREE"
	exit 0
fi

mkdir -p "$CACHE"
rm -rf "$TREE" "$STAMP"
cand=$(mktemp)
trap 'rm -f "$cand"' EXIT
list_candidates > "$cand"
select_files "$cand" > "$STAMP.tmp"
[ "$(wc -l < "$STAMP.tmp")" -eq "$N_FILES" ] || {
	echo "bench: only $(wc -l < "$STAMP.tmp") candidate files on this system" >&2
	exit 1
}
# 30 directories of 100 files: a tree, not one flat directory.
i=0
while IFS=$'\t' read -r size path; do
	d=$TREE/d$((i % 30))
	mkdir -p "$d"
	cp "$path" "$d/$(printf '%04d' $i)-$(basename "$path")"
	i=$((i + 1))
done < "$STAMP.tmp"
mv "$STAMP.tmp" "$STAMP"
echo "$TREE"
