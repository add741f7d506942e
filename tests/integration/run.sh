#!/bin/bash
# Silk integration suite runner.  Runs inside the test VM as root (see
# scripts/vmtest.sh); every test is tests/integration/tNN-NAME.sh.
#
#   tests/integration/run.sh [--results DIR] [--list] [FILTER]
#
# FILTER (or SILK_TEST_FILTER) is an extended regex matched against test
# names; SILK_TRANSPORT picks the transport (tcp, the default, or rdma).
#
# For each test: write a marker to the kernel log, run the script in its own
# session with its time limit ("# timeout: SECS" in its header, default
# 300), clean up whatever it left, then fail it if the kernel log since the
# marker shows a BUG, WARNING, oops, lockdep report or hung task.  Prints
# "PASS NAME" / "FAIL NAME: reason" per test, then
# "integration: N passed, N failed".  A test whose header has
# "# transports: rdma" (a space-separated list) is planned only for those
# transports; every other test runs for every transport.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
results=${SILK_RESULTS:-/tmp/silk-itest}
list_only=0
filter=${SILK_TEST_FILTER:-}
while [ $# -gt 0 ]; do
	case "$1" in
	--results) results=$2; shift 2 ;;
	--list) list_only=1; shift ;;
	-h|--help) sed -n '2,15s/^# \{0,1\}//p' "$0"; exit 0 ;;
	-*) echo "run.sh: unknown option: $1" >&2; exit 2 ;;
	*) filter=$1; shift ;;
	esac
done
export SILK_RESULTS=$results
# shellcheck source=lib.sh
. "$here/lib.sh"

tests=()
for f in "$here"/t[0-9]*.sh; do
	[ -e "$f" ] || continue
	name=$(basename "$f" .sh)
	name=${name#t[0-9][0-9]-}
	if [ -n "$filter" ] && ! grep -Eq -- "$filter" <<<"$name"; then
		continue
	fi
	only=$(sed -n 's/^# transports: *//p' "$f" | head -n 1)
	if [ -n "$only" ] && [[ " $only " != *" ${SILK_TRANSPORT:-tcp} "* ]]; then
		continue
	fi
	tests+=("$f")
done
if [ $list_only = 1 ]; then
	for f in "${tests[@]}"; do n=$(basename "$f" .sh); echo "${n#t[0-9][0-9]-}"; done
	exit 0
fi

tname() { local n; n=$(basename "$1" .sh); echo "${n#t[0-9][0-9]-}"; }

echo "plan: ${#tests[@]}"
mkdir -p "$results"
passed=0 failed=0 klog_pid=

report() { # PASS|FAIL name detail
	if [ "$1" = PASS ]; then
		passed=$((passed + 1))
		echo "PASS $2 ($3)"
	else
		failed=$((failed + 1))
		echo "FAIL $2: $3"
	fi
}

# Run a command in its own session with a deadline; never blocks past it
# (a process stuck in the kernel is abandoned).  Returns its status, or 124.
run_bounded() { # secs log cmd...
	local secs=$1 out=$2 pid i end=$((SECONDS + $1)); shift 2
	setsid "$@" >"$out" 2>&1 </dev/null &
	pid=$!
	for ((i = 0; i < secs * 5 && SECONDS < end; i++)); do
		pid_running "$pid" || break
		sleep 0.2
	done
	if pid_running "$pid"; then
		echo "run.sh: time limit of ${secs}s reached; blocked tasks:" >>"$out"
		echo w >/proc/sysrq-trigger 2>/dev/null
		kill -KILL -- "-$pid" 2>/dev/null
		for ((i = 0; i < 50; i++)); do
			pid_running "$pid" || break
			sleep 0.2
		done
		pid_running "$pid" || wait "$pid" 2>/dev/null
		return 124
	fi
	wait "$pid"
}

# ------------------------------------------------------------------ setup
setup_error=
[ "$(id -u)" = 0 ] || setup_error="must run as root"
for b in "$SILKD" "$SILKCTL" "$SILK_KO"; do
	[ -e "$b" ] || setup_error="${setup_error:+$setup_error; }missing $b (run make)"
done
if [ -z "$setup_error" ]; then
	# Follow the kernel log into a file for the whole run.
	export SILK_KLOG=$results/kernel.log
	dmesg --follow >"$SILK_KLOG" 2>/dev/null </dev/null &
	klog_pid=$!
	# Report tasks blocked for 60 s as "INFO: task ... blocked" (a failure).
	echo 60 >/proc/sys/kernel/hung_task_timeout_secs 2>/dev/null
	echo 1 >/proc/sys/kernel/hung_task_all_cpu_backtrace 2>/dev/null
	kmsg "setup"
	if ! silk_insmod 2>"$results/insmod.log" && ! module_loaded; then
		setup_error="insmod $SILK_KO failed: $(head -c 300 "$results/insmod.log")"
	elif ! out=$( (transport_setup) 2>&1); then
		setup_error="transport $SILK_TRANSPORT setup failed: $out"
	fi
	sleep 1
	if [ -z "$setup_error" ] && ! dmesg_clean_since "setup" >"$results/setup-dmesg.log"; then
		setup_error="kernel log after insmod: $(head -n 3 "$results/setup-dmesg.log" | tr '\n' ' ')"
	fi
fi
if [ -n "$setup_error" ]; then
	for f in "${tests[@]}"; do report FAIL "$(tname "$f")" "setup: $setup_error"; done
	echo "integration: $passed passed, $failed failed"
	exit 1
fi
echo "kernel $(uname -r), transport $SILK_TRANSPORT, results in $results"

# ------------------------------------------------------------------ tests
for f in "${tests[@]}"; do
	name=$(tname "$f")
	dir=$results/$name
	rm -rf "$dir"
	mkdir -p "$dir"
	secs=$(sed -n 's/^# timeout: *\([0-9][0-9]*\).*/\1/p' "$f" | head -n 1)
	secs=${secs:-300}
	marker="begin $name $$-$RANDOM"
	kmsg "$marker"
	t0=$SECONDS
	run_bounded "$secs" "$dir/log" env T_NAME="$name" T_DIR="$dir" bash "$f"
	rc=$?
	elapsed=$((SECONDS - t0))

	# Undo what the test left, bounded; make sure the module is loaded.
	run_bounded 180 "$dir/cleanup.log" env T_NAME="$name" T_DIR="$dir" bash -c '. "$1"; transport_setup_quiet; cleanup_all' _ "$here/lib.sh"
	crc=$?
	if ! module_loaded; then
		silk_insmod >>"$dir/cleanup.log" 2>&1
	fi
	sleep 1
	klog_since "$marker" >"$dir/dmesg.log"
	bad=$(dmesg_clean_since "$marker")
	dclean=$?

	if [ $rc -eq 124 ]; then
		reason="timed out after ${secs}s (hang?)"
	elif [ $rc -ne 0 ]; then
		reason=$(grep -m1 '^FAIL' "$dir/log" | cut -c1-200)
		reason=${reason:-exit status $rc}
	elif [ $dclean -ne 0 ]; then
		reason="kernel log: $(head -n 1 <<<"$bad" | cut -c1-160)"
		rc=1
	elif [ $crc -eq 124 ]; then
		reason="cleanup after the test hung (detach/umount/kill)"
		rc=1
	fi
	if [ $rc -eq 0 ]; then
		report PASS "$name" "${elapsed}s"
	else
		report FAIL "$name" "$reason"
		echo "  ---- last lines of $dir/log:"
		tail -n 25 "$dir/log" | sed 's/^/  | /'
		if [ $dclean -ne 0 ]; then
			echo "  ---- kernel log:"
			head -n 40 <<<"$bad" | sed 's/^/  | /'
		fi
	fi
done

kill "$klog_pid" 2>/dev/null
echo "integration: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
