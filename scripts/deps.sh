#!/bin/sh
# Installs the Debian packages listed in scripts/debian-packages.txt that are
# not installed yet.  Idempotent; needs root only when something is missing.
set -eu
here=$(dirname "$0")
missing=
for p in $(grep -v '^#' "$here/debian-packages.txt" | awk '{print $1}'); do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0
echo "deps: installing:$missing"
if [ "$(id -u)" != 0 ]; then
	echo "deps: not root; run as root or install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
