# shellcheck shell=bash
# Helpers for the Silk integration tests.  Sourced by run.sh and by every
# test script (tests/integration/t*.sh); runs as root inside the test VM.
#
# A test script does:
#     . "$(dirname "$0")/lib.sh"
#     t_begin            # strict mode, error trap, cleanup at exit
#     ...                # assertions; any failing command fails the test
#     t_pass
#
# Parameters (environment):
#   SILK_TRANSPORT   tcp (default) or rdma: the transport every attach uses
#   SILK_RESULTS     where logs go (default /tmp/silk-itest)
#   SILK_PORT        silkd's data port (default 7400)

SILK_TOP=${SILK_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
SILKD=${SILKD:-$SILK_TOP/daemon/silkd}
SILKCTL=${SILKCTL:-$SILK_TOP/tools/silkctl}
SILK_KO=${SILK_KO:-$SILK_TOP/kernel/silk.ko}
SILK_RDMA_KO=${SILK_RDMA_KO:-$SILK_TOP/kernel/silk_rdma.ko}
HOSTILE=${HOSTILE:-$SILK_TOP/tests/tools/hostile_server}
HOSTILE_RDMA=${HOSTILE_RDMA:-$SILK_TOP/tests/tools/hostile_rdma}
NL_MALFORMED=${NL_MALFORMED:-$SILK_TOP/tests/tools/nl_malformed}

SILK_TRANSPORT=${SILK_TRANSPORT:-tcp}
SILK_PORT=${SILK_PORT:-7400}
SILK_SOCK=${SILK_SOCK:-/run/silk/silkd.sock}
SILK_DATA=${SILK_DATA:-/tmp/silk-data}
SILK_RESULTS=${SILK_RESULTS:-/tmp/silk-itest}
SILK_STATE=/run/silk-itest		# pid files of what tests started
SILK_MNT_BASE=/tmp/silk-mnt
# Module parameters for insmod (space separated), e.g. "max_queues=2".
SILK_MODULE_PARAMS=${SILK_MODULE_PARAMS:-}
export SILK_TRANSPORT SILK_PORT SILK_SOCK SILK_DATA SILK_RESULTS

# Kernel log lines that fail any test.
DMESG_BAD='BUG:|WARNING:|Oops|general protection|KASAN|UBSAN|kernel BUG|'\
'possible circular locking|possible recursive locking|INFO: task .* blocked|'\
'inconsistent lock state|suspicious RCU usage|soft lockup|hard LOCKUP|'\
'rcu_sched self-detected stall|rcu: INFO:|list_add corruption|'\
'list_del corruption|refcount_t:|Call Trace:|scheduling while atomic|'\
'sleeping function called from invalid context'

# ---------------------------------------------------------------- basics

T_NAME=${T_NAME:-$(basename "${0%.sh}")}
T_DIR=${T_DIR:-$SILK_RESULTS/$T_NAME}

log() { printf '[%s] %s\n' "$(date +%T)" "$*"; }

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# Run a command that must succeed; a readable failure otherwise.
must() {
	"$@" || fail "command failed (exit $?): $*"
}

# Run a command that must fail.  Its output goes to $T_DIR/last.out.
must_fail() {
	if "$@" >"$T_DIR/last.out" 2>&1; then
		cat "$T_DIR/last.out" >&2
		fail "command unexpectedly succeeded: $*"
	fi
	return 0
}

assert_eq() { # actual expected what
	[ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"
}

assert_match() { # text extended-regex what
	printf '%s\n' "$1" | grep -Eqi -- "$2" || fail "$3: '$1' does not match /$2/"
}

# Wait up to $1 seconds for the command to succeed (polls every 0.2 s).
# Loops here end at a deadline on the clock and after a bounded count.
wait_for() {
	local secs=$1 i end=$((SECONDS + $1)); shift
	for ((i = 0; i < secs * 5 && SECONDS < end; i++)); do
		"$@" 2>/dev/null && return 0
		sleep 0.2
	done
	"$@"
}

t_begin() {
	set -eEuo pipefail
	mkdir -p "$T_DIR" "$SILK_STATE"
	cd "$T_DIR"	# writable: fio keeps state files in the working directory
	trap 't_err $LINENO "$BASH_COMMAND" $?' ERR
	trap 't_cleanup' EXIT
	log "test $T_NAME (transport $SILK_TRANSPORT)"
	transport_setup
	module_load
}

t_err() {
	echo "FAIL: line $1: $2 (exit $3)" >&2
}

t_pass() {
	log "test $T_NAME: all assertions held"
	exit 0
}

t_cleanup() {
	local rc=$?
	trap - ERR
	set +eEu
	cleanup_all
	exit $rc
}

# Put a marker in the kernel log (run.sh checks dmesg from it on).
kmsg() { echo "silk-itest: $*" >/dev/kmsg 2>/dev/null || true; }

# The kernel log.  run.sh keeps a follower writing it to $SILK_KLOG, so a
# flood of messages that wraps the ring buffer cannot hide a marker or an
# oops; without it, dmesg.
klog() {
	if [ -n "${SILK_KLOG:-}" ] && [ -s "$SILK_KLOG" ]; then
		cat "$SILK_KLOG"
	else
		dmesg
	fi
}

# Kernel log lines after the last marker "silk-itest: $1".
klog_since() { # marker
	klog | awk -v m="silk-itest: $1" 'index($0, m) { buf = ""; next } { buf = buf $0 "\n" } END { printf "%s", buf }'
}

# Print the lines since the marker that match DMESG_BAD; returns 0 when
# there are none.
dmesg_clean_since() { # marker
	local bad
	bad=$(klog_since "$1" | grep -E "$DMESG_BAD" || true)
	if [ -n "$bad" ]; then
		echo "$bad" | head -n 40
		return 1
	fi
	return 0
}

# ---------------------------------------------------------------- module

# The module that provides the transport under test (rmmod target).
transport_module() { [ "$SILK_TRANSPORT" = rdma ] && echo silk_rdma || echo silk; }

module_loaded() {
	[ -d /sys/module/silk ] || return 1
	[ "$SILK_TRANSPORT" != rdma ] || [ -d /sys/module/silk_rdma ]
}

# insmod does not load dependencies (libcrc32c, rdma_cm): modprobe them
# first.  The RDMA transport is its own module, on top of silk.ko.
silk_insmod() {
	local m
	if [ ! -d /sys/module/silk ]; then
		for m in $(modinfo -F depends "$SILK_KO" | tr ',' ' '); do
			modprobe "$m" || return 1
		done
		# shellcheck disable=SC2086
		insmod "$SILK_KO" $SILK_MODULE_PARAMS || return 1
	fi
	[ "$SILK_TRANSPORT" = rdma ] && [ ! -d /sys/module/silk_rdma ] || return 0
	for m in $(modinfo -F depends "$SILK_RDMA_KO" | tr ',' ' '); do
		[ "$m" = silk ] || modprobe "$m" || return 1
	done
	insmod "$SILK_RDMA_KO"
}

module_load() {
	module_loaded && return 0
	silk_insmod || fail "insmod $SILK_KO failed"
}

module_unload() { # [timeout]
	if [ -d /sys/module/silk_rdma ]; then
		timeout "${1:-60}" rmmod silk_rdma || return 1
	fi
	[ -d /sys/module/silk ] || return 0
	timeout "${1:-60}" rmmod silk
}

# ---------------------------------------------------------------- silkd

silkd_pid() { cat "$SILK_STATE/silkd.pid" 2>/dev/null; }

silkd_alive() {
	local pid
	pid=$(silkd_pid) && [ -n "$pid" ] && pid_running "$pid"
}

silkctl() { "$SILKCTL" -s "$SILK_SOCK" "$@"; }

# A counter from `silkctl --json status` (node.stats.KEY), e.g. writes.
silkd_stat() { # key
	silkctl --json status | python3 -c '
import json, sys
d = json.load(sys.stdin)
n = d.get("node", d)
print(int(n.get("stats", n)[sys.argv[1]]))' "$1"
}

# Wait up to SECS for silkd's counter KEY to reach at least N.
wait_stat() { # key n secs
	local i v=0 err=$T_DIR/wait_stat.err end=$((SECONDS + $3))
	for ((i = 0; i < $3 * 4 && SECONDS < end; i++)); do
		v=$(silkd_stat "$1" 2>"$err") || v=0
		[ "$v" -ge "$2" ] && return 0
		sleep 0.25
	done
	cat "$err" >&2
	fail "silkd counter $1 stayed at $v (< $2) for $3 s"
}

# Start silkd in the background and wait until it answers on the
# management socket.  Extra arguments go to silkd.
silkd_start() {
	mkdir -p "$SILK_DATA" "$(dirname "$SILK_SOCK")" "$T_DIR"
	silkd_alive && fail "silkd already running"
	local listen=$SILK_ADDR:$SILK_PORT conf=$T_DIR/silkd.conf
	# Both listeners on one node; the RDMA one only when it is tested.
	: >"$conf"
	[ "$SILK_TRANSPORT" != rdma ] || echo "rdma_listen = $listen" >"$conf"
	echo "---- silkd start $(date +%T): -c $conf ($(cat "$conf")) -d $SILK_DATA -l $listen $*" >>"$T_DIR/silkd.log"
	"$SILKD" -c "$conf" -d "$SILK_DATA" -l "$listen" --mgmt-socket "$SILK_SOCK" "$@" \
		>>"$T_DIR/silkd.log" 2>&1 </dev/null &
	echo $! >"$SILK_STATE/silkd.pid"
	local i end=$((SECONDS + 30))
	for ((i = 0; i < 150 && SECONDS < end; i++)); do
		silkd_alive || { tail -n 20 "$T_DIR/silkd.log" >&2; fail "silkd exited during startup"; }
		silkctl status >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	tail -n 20 "$T_DIR/silkd.log" >&2
	fail "silkd did not answer on $SILK_SOCK within 30 s"
}

# True while a process exists and is not a zombie.
pid_running() { # pid
	local st
	st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# Wait (bounded) for a process to exit.  Returns 1 if it still runs after
# SECS; else 0 with its exit status in WAIT_RC (127 if it is not our child).
WAIT_RC=
wait_pid_exit() { # pid secs
	local i end=$((SECONDS + $2))
	for ((i = 0; i < $2 * 5 && SECONDS < end; i++)); do
		pid_running "$1" || break
		sleep 0.2
	done
	pid_running "$1" && return 1
	WAIT_RC=0
	wait "$1" 2>/dev/null || WAIT_RC=$?
	return 0
}

# Stop silkd with SIGTERM; it must drain and exit 0 within 30 s.
silkd_stop() {
	local pid
	pid=$(silkd_pid) || return 0
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	if ! wait_pid_exit "$pid" 30; then
		kill -KILL "$pid" 2>/dev/null || true
		rm -f "$SILK_STATE/silkd.pid"
		fail "silkd did not exit within 30 s of SIGTERM"
	fi
	rm -f "$SILK_STATE/silkd.pid"
	[ "$WAIT_RC" = 0 ] || [ "$WAIT_RC" = 127 ] || fail "silkd exited with status $WAIT_RC after SIGTERM"
}

# Kill silkd with SIGKILL (a crash).
silkd_kill() {
	local pid
	pid=$(silkd_pid) || return 0
	kill -KILL "$pid" 2>/dev/null || true
	wait_pid_exit "$pid" 10 || fail "silkd survived SIGKILL"
	rm -f "$SILK_STATE/silkd.pid"
}

# ---------------------------------------------------------------- transport

# The address the data path uses; the RDMA transport needs a real netdev.
SILK_ADDR=127.0.0.1
transport_setup() {
	case $SILK_TRANSPORT in
	tcp) SILK_ADDR=127.0.0.1 ;;
	rdma)
		# soft-RoCE over a dummy interface (DESIGN.md section 5)
		SILK_ADDR=192.0.2.1
		ip link show d0 >/dev/null 2>&1 || {
			modprobe dummy && ip link add d0 type dummy &&
				ip addr add 192.0.2.1/24 dev d0 && ip link set d0 up
		} || fail "cannot set up dummy interface d0"
		modprobe rdma_rxe || fail "modprobe rdma_rxe failed"
		[ -e /sys/class/infiniband/rxe0 ] ||
			rdma link add rxe0 type rxe netdev d0 || fail "rdma link add failed"
		;;
	*) fail "unknown SILK_TRANSPORT '$SILK_TRANSPORT' (tcp or rdma)" ;;
	esac
}
transport_setup_quiet() { transport_setup >/dev/null 2>&1 || true; }

# ---------------------------------------------------------------- volumes

volume_create() { # name size [block_size]
	local bs=${3:-4096}
	must silkctl volume create "$1" --size "$2" --block-size "$bs" >/dev/null
}

# Field of `silkctl --json volume show NAME`, e.g. volume_field db0 path.
volume_field() { # name field
	silkctl --json volume show "$1" | python3 -c '
import json, sys
d = json.load(sys.stdin)
v = d.get("volume", d)
print(v[sys.argv[1]])' "$2"
}

# Bytes the server has allocated for a volume's backing file.
volume_allocated() { # name
	local path
	path=$(volume_field "$1" path)
	echo $(($(stat -c %b "$path") * $(stat -c %B "$path")))
}

# Attach a volume; prints the device path.  Extra arguments go to
# `silkctl attach` (e.g. --loss-timeout 5).
attach() { # volume [args...]
	local vol=$1 out dev; shift
	local targs=()
	[ "$SILK_TRANSPORT" = tcp ] || targs=(--transport "$SILK_TRANSPORT")
	out=$(timeout 60 "$SILKCTL" attach "$vol" --addr "$SILK_ADDR" --port "$SILK_PORT" \
		"${targs[@]}" "$@" 2>&1) || { echo "$out" >&2; fail "silkctl attach $vol failed"; }
	dev=$(printf '%s\n' "$out" | grep -Eo '/dev/silk[0-9]+' | tail -n 1)
	[ -n "$dev" ] || { echo "$out" >&2; fail "silkctl attach printed no /dev/silkN"; }
	wait_for 10 test -b "$dev" || fail "$dev did not appear"
	echo "$dev"
}

detach() { # dev [timeout]
	timeout "${2:-60}" "$SILKCTL" detach "$1" || fail "silkctl detach $1 failed (exit $?)"
	wait_for 10 test ! -e "/sys/block/$(basename "$1")" || fail "$1 still in sysfs after detach"
}

# All attached silk devices, one /dev path per line.
silk_devices() {
	local d
	for d in /sys/block/silk*; do
		[ -e "$d" ] && echo "/dev/$(basename "$d")"
	done
	return 0
}

# Read a sysfs attribute of a silk disk: searches /sys/block/silkN/ and its
# silk/ subdirectory.
silk_sysfs() { # dev attr
	local b
	b=/sys/block/$(basename "$1")
	if [ -r "$b/silk/$2" ]; then cat "$b/silk/$2"
	elif [ -r "$b/$2" ]; then cat "$b/$2"
	else return 1; fi
}

# ---------------------------------------------------------------- data

# A file of random bytes.
mkrandom() { # file bytes
	head -c "$2" /dev/urandom >"$1"
}

# Every dd on a silk device is bounded by this many seconds.
SILK_IO_LIMIT=${SILK_IO_LIMIT:-180}

# sha256 of LEN bytes at OFFSET of a device, read with O_DIRECT.
dev_sha() { # dev offset len
	timeout "$SILK_IO_LIMIT" dd if="$1" iflag=direct,skip_bytes,count_bytes skip="$2" count="$3" bs=1M status=none |
		sha256sum | cut -d' ' -f1
}

file_sha() { sha256sum "$1" | cut -d' ' -f1; }

# Write a file to a device at OFFSET with O_DIRECT and fsync.
dev_write() { # dev offset file
	timeout "$SILK_IO_LIMIT" dd if="$3" of="$1" oflag=direct,seek_bytes seek="$2" bs=1M conv=fsync,notrunc status=none
}

# True when LEN bytes at OFFSET of the device are all zero.
dev_is_zero() { # dev offset len
	cmp -s <(timeout "$SILK_IO_LIMIT" dd if="$1" iflag=direct,skip_bytes,count_bytes skip="$2" count="$3" bs=1M status=none) \
		<(head -c "$3" /dev/zero)
}

drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }

mnt_dir() { echo "$SILK_MNT_BASE-$1"; }

# ---------------------------------------------------------------- fio

# Run fio with common options; output to $T_DIR/fio-NAME.log.  Returns
# fio's status.  Usage: run_fio NAME --filename=... [fio options]
run_fio() {
	local name=$1; shift
	local out=$T_DIR/fio-$name.log
	log "fio $name: $*"
	if fio --name="$name" --output="$out" "$@"; then
		return 0
	else
		local rc=$?
		tail -n 30 "$out" >&2
		return $rc
	fi
}

# ---------------------------------------------------------------- helpers

# Start a command in the background, remembered as NAME (killed at cleanup).
bg_start() { # name cmd...
	local name=$1; shift
	"$@" </dev/null &
	echo $! >"$SILK_STATE/$name.pid"
}

# Wait up to SECS for background job NAME; its status lands in WAIT_RC.
# Returns 1 (and leaves it running) if it did not finish in time.
bg_wait() { # name secs
	local pid
	pid=$(cat "$SILK_STATE/$1.pid") || fail "no background job $1"
	wait_pid_exit "$pid" "$2" || return 1
	rm -f "$SILK_STATE/$1.pid"
	return 0
}

bg_running() { # name
	local pid
	pid=$(cat "$SILK_STATE/$1.pid" 2>/dev/null) && pid_running "$pid"
}

# A misbehaving server on SILK_ADDR:PORT for the transport under test.
hostile_start() { # port mode [args...]
	local port=$1 mode=$2 bin=$HOSTILE; shift 2
	[ "$SILK_TRANSPORT" = rdma ] && bin=$HOSTILE_RDMA
	"$bin" --listen "$SILK_ADDR:$port" --mode "$mode" "$@" \
		>>"$T_DIR/hostile-$mode.log" 2>&1 </dev/null &
	echo $! >"$SILK_STATE/hostile-$port.pid"
	if [ "$SILK_TRANSPORT" = rdma ]; then
		# An RDMA listener has no TCP socket to look for: wait for its line.
		wait_for 10 grep -q 'listening' "$T_DIR/hostile-$mode.log" ||
			fail "hostile_rdma ($mode) is not listening on $port"
	else
		wait_for 10 port_listening "$port" || fail "hostile_server ($mode) is not listening on $port"
	fi
}

hostile_stop() { # port
	local f=$SILK_STATE/hostile-$1.pid pid
	pid=$(cat "$f" 2>/dev/null) || return 0
	kill -KILL "$pid" 2>/dev/null || true
	wait_pid_exit "$pid" 10 || true
	rm -f "$f"
	return 0
}

port_listening() { # port
	ss -Hltn "sport = :$1" | grep -q .
}

# ---------------------------------------------------------------- cleanup

# Undo everything a test may have left: mounts, devices, processes, data.
# Bounded: every step has a timeout.  Used at test exit and by run.sh.
cleanup_all() {
	local m d f pid
	# background helpers (fio, hostile servers) first, silkd last
	for f in "$SILK_STATE"/*.pid; do
		[ -e "$f" ] || continue
		[ "$f" = "$SILK_STATE/silkd.pid" ] && continue
		pid=$(cat "$f")
		[ -n "$pid" ] && { kill -KILL "$pid" 2>/dev/null || true; }
		rm -f "$f"
	done
	for m in $(awk -v b="$SILK_MNT_BASE" 'index($2, b) == 1 { print $2 }' /proc/mounts); do
		timeout 30 umount "$m" 2>/dev/null || timeout 10 umount -l "$m" 2>/dev/null
	done
	if module_loaded && [ -x "$SILKCTL" ]; then
		for d in $(silk_devices); do
			timeout 60 "$SILKCTL" detach "$d" >/dev/null 2>&1 ||
				echo "cleanup: detach $d failed" >&2
		done
	fi
	pid=$(silkd_pid)
	[ -n "$pid" ] && { kill -KILL "$pid" 2>/dev/null || true; }
	rm -f "$SILK_STATE/silkd.pid"
	rm -rf "$SILK_DATA" "$SILK_MNT_BASE"-* "$SILK_SOCK"
	return 0
}
