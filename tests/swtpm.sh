# shellcheck shell=bash
# tests/swtpm.sh: the one way the tests start a software TPM (swtpm).
# Sourced by tests/lib.sh (host-side suites, bench/keys.sh) and
# tests/qemu/lib.sh (cmq_boot, scripts/demo-kernel.sh).
#
#   t_swtpm_start DIR         a TPM 2.0 on the state in DIR (created if
#                             needed; PCRs reset as at a reboot, seeds and
#                             NV kept), daemonised on free loopback ports
#                             (server and control), started up; ready when
#                             tpm2_pcrread answers.  Exports TPM2TOOLS_TCTI
#                             and sets SWTPM_PORT; log in DIR/log.
#   t_swtpm_start DIR SOCK    the same state for QEMU's tpm-emulator: the
#                             control channel on the unix socket SOCK, in
#                             the background, exiting when QEMU drops the
#                             channel (--terminate); ready when SOCK exists.
#                             Log in SOCK's directory, swtpm.log.
# Both set SWPID (the process) and first stop the swtpm this shell started
# before (the next one needs the state's lock); t_swtpm_stop stops it.
# Both return non-zero with the reason on stderr.
SWPID=
SWTPM_PORT=

t_swtpm_stop() {
	local i
	[ -n "$SWPID" ] || return 0
	kill "$SWPID" 2>/dev/null
	for i in $(seq 50); do kill -0 "$SWPID" 2>/dev/null || break; sleep 0.05; done
	wait "$SWPID" 2>/dev/null
	SWPID=
}

t_swtpm_start() {
	local dir=$1 sock=${2:-} try port i log
	t_swtpm_stop
	mkdir -p "$dir" || return 1
	if [ -n "$sock" ]; then
		log=$(dirname "$sock")/swtpm.log
		swtpm socket --tpm2 --tpmstate dir="$dir" \
			--ctrl type=unixio,path="$sock" --log file="$log" --terminate &
		SWPID=$!
		for i in $(seq 50); do
			[ -S "$sock" ] && return 0
			kill -0 "$SWPID" 2>/dev/null || break
			sleep 0.1
		done
		echo "swtpm did not start: $(cat "$log" 2>/dev/null)" >&2
		t_swtpm_stop
		return 1
	fi
	for try in 1 2 3 4 5; do
		port=$((20000 + RANDOM % 20000))
		rm -f "$dir/pid"
		swtpm socket --tpm2 --tpmstate dir="$dir" \
			--server type=tcp,port=$port,bindaddr=127.0.0.1 \
			--ctrl type=tcp,port=$((port + 1)),bindaddr=127.0.0.1 \
			--flags not-need-init,startup-clear --pid file="$dir/pid" \
			--log file="$dir/log" --daemon 2>/dev/null || continue
		SWPID=$(cat "$dir/pid")
		SWTPM_PORT=$port
		export TPM2TOOLS_TCTI=swtpm:host=127.0.0.1,port=$port
		tpm2_pcrread sha256:0 >/dev/null 2>&1 && return 0
		t_swtpm_stop
	done
	echo "swtpm did not start on loopback: $(cat "$dir/log" 2>/dev/null)" >&2
	return 1
}
