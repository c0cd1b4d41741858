#!/usr/bin/env bash
# Crash consistency of note embedding: `cmsign -r --carrier note` over a
# tree of real binaries is killed with SIGKILL at random moments (at least
# 50 runs, spread over the length of a full run).  Afterwards every file
# must be either byte-identical to the original or fully signed (verifies),
# keep its mode, and still run; any temporary file left behind must itself
# be complete and signed (only possible between linkat and rename, see
# lib/rewrite.c; the count is reported).
source "$(dirname "$0")/../lib.sh"
t_require_root
KILLS=${NOTE_CRASH_KILLS:-50}	# runs that must really die mid-way
D=$(t_scratch)
trap 'rm -rf "$D"' EXIT
t_mkcert "$D" k p256
mkdir "$D/pristine"
BINS=(ls cat cp mv env sha256sum sort date head tail wc du df stat id uname bash python3 tar gzip grep sed find)
for b in "${BINS[@]}"; do cp "$(readlink -f "/usr/bin/$b")" "$D/pristine/$b"; done
mkdir "$D/pristine/sub"; mv "$D/pristine/"{tar,gzip,grep} "$D/pristine/sub/"
cp -a "$D/pristine" "$D/copy" && mv "$D/copy" "$D/pristine/"	# longer run, more moments to die in
(cd "$D/pristine" && find . -type f -exec sha256sum {} + | sort -k2) >"$D/orig.sum"
nfiles=$(wc -l <"$D/orig.sum")
S=("$CMSIGN" -q --key "$D/k.key" --cert "$D/k.pem" --carrier note -r -j 2)

# Length of an uninterrupted run, to spread the kills over it.
cp -a "$D/pristine" "$D/tree"
t0=$(date +%s%N); "${S[@]}" "$D/tree"; rc=$?; t1=$(date +%s%N)
full_us=$(( (t1 - t0) / 1000 ))
t_check "uninterrupted run signs all $nfiles files (${full_us} us)" \
	bash -c "[ $rc = 0 ] && '$CMVERIFY' -q --cert '$D/k.pem' --carrier note -r '$D/tree'"
rm -rf "$D/tree"

bad=0 mixed=0 leftovers=0 killed=0 run=0
while [ $killed -lt "$KILLS" ] && [ $run -lt $((KILLS * 3)) ]; do
	run=$((run + 1))
	cp -a "$D/pristine" "$D/tree"
	# Startup is a fixed cost and the measured run was cold: aim at the
	# first 60% so that most kills land while files are being rewritten.
	delay_us=$(( (RANDOM * 32768 + RANDOM) % (full_us * 6 / 10 + 1) ))
	"${S[@]}" "$D/tree" >/dev/null 2>&1 &
	pid=$!
	sleep "$(printf '%d.%06d' $((delay_us / 1000000)) $((delay_us % 1000000)))"
	kill -KILL $pid 2>/dev/null
	wait $pid 2>/dev/null
	[ $? = 137 ] && killed=$((killed + 1))
	nsigned=0 norig=0
	while read -r sum path; do
		f=$D/tree/${path#./}
		if [ "$(sha256sum <"$f" | cut -d' ' -f1)" = "$sum" ]; then
			norig=$((norig + 1))
		elif "$CMVERIFY" -q --cert "$D/k.pem" --carrier note "$f" >/dev/null 2>&1; then
			nsigned=$((nsigned + 1))
		else
			echo "# run $run: $path is neither the original nor signed"; bad=$((bad + 1))
		fi
		if [ "$(stat -c %a "$f")" != 755 ] || ! "$f" --version >/dev/null 2>&1; then
			echo "# run $run: $path lost its mode or does not run"; bad=$((bad + 1))
		fi
	done <"$D/orig.sum"
	[ $nsigned -gt 0 ] && [ $norig -gt 0 ] && mixed=$((mixed + 1))
	while IFS= read -r -d '' tmp; do
		leftovers=$((leftovers + 1))
		if ! "$CMVERIFY" -q --cert "$D/k.pem" --carrier note "$tmp" >/dev/null 2>&1; then
			echo "# run $run: incomplete temporary file $tmp"; bad=$((bad + 1))
		fi
	done < <(find "$D/tree" -name '.cm-*' -print0)
	rm -rf "$D/tree"
done
t_check "$killed runs killed by SIGKILL mid-run (of $run started)" [ $killed -ge "$KILLS" ]
t_check "after each of the $run runs: every file original or fully signed, mode kept, runs" [ $bad = 0 ]
t_check "kills landed mid-tree in $mixed runs (some files signed, some not)" [ $((mixed * 3)) -ge "$killed" ]
t_check "temporary files left behind: $leftovers, each complete and signed" [ $bad = 0 ]
t_done
