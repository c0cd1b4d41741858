#!/usr/bin/env bash
# The progress bar of cmsign -r and cmsign manifest (files, MB, rate, ETA on
# stderr): drawn on a terminal (a real pty from script(1)), never when
# stderr is not a terminal or with -q, and never mixed into stdout.
source "$(dirname "$0")/../lib.sh"
t_require_root
D=$(t_scratch)
trap 'rm -rf "$D"' EXIT
command -v script >/dev/null || { t_fail "script(1) missing (bsdutils)"; t_done; exit 1; }
t_mkcert "$D" k p256
mkdir -p "$D/tree/a" "$D/tree/b"
for f in ls cp mv cat true false env sort; do
	cp "/usr/bin/$f" "$D/tree/a/$f"; cp "/usr/bin/$f" "$D/tree/b/$f-2"
done
S=("$CMSIGN" --key "$D/k.key" --cert "$D/k.pem")
# on_tty CMD...: CMD's terminal output (stdout and stderr share the pty).
on_tty() { script -qefc "$(printf '%q ' "$@")" /dev/null | tr -d '\r'; }
bar='signing \[#+\] 16/16 files [0-9]+/[0-9]+ MB [0-9]+ MB/s ETA [0-9]+:[0-9]{2}'

out=$(on_tty "${S[@]}" -r "$D/tree")
t_grep "terminal: a full bar (files, MB, rate, ETA)" "$bar" echo "$out"
t_grep "terminal: the summary still follows" 'cmsign: 16 signed, 0 failed' echo "$out"
t_check "... and the tree verifies" "$CMVERIFY" -q -r --cert "$D/k.pem" "$D/tree"
out=$(on_tty "${S[@]}" -q -r "$D/tree")
t_check "terminal with -q: no bar" bash -c '! grep -q ETA <<<"$1"' _ "$out"
"${S[@]}" -r "$D/tree" >"$D/out" 2>"$D/err"
t_check "stderr not a terminal: no bar" bash -c "! grep -q ETA '$D/err'"
t_check "... and none on stdout" bash -c "! grep -q ETA '$D/out'"
# stdout redirected, stderr on the terminal: the bar stays out of stdout.
on_tty bash -c '"$@" >"$0"' "$D/out2" "${S[@]}" -r "$D/tree" >"$D/tty2"
t_grep "stdout to a file, stderr on the terminal: bar on the terminal" "$bar" cat "$D/tty2"
t_check "... never in the file" bash -c "! grep -q ETA '$D/out2'"
out=$(on_tty "$CMSIGN" manifest --key "$D/k.key" --cert "$D/k.pem" --root "$D/tree" -o "$D/m.cmm")
t_grep "cmsign manifest on a terminal: bar" "$bar" echo "$out"
t_done
