#!/bin/bash
# Run every Silk test suite and print one summary.  This is the README's
# test command (`make check`) and what .ci/run calls.
#
#   scripts/test.sh                  deps, build, then unit fuzz kunit vm vm-rdma bench
#   scripts/test.sh SUITE...         only these suites (unit|fuzz|kunit|vm|vm-rdma|bench)
#
# vm runs the integration suite over TCP, vm-rdma the same suite (plus the
# RDMA-only tests) over soft-RoCE, each in one VM boot.  bench runs the
# benchmark harness in quick mode (scripts/bench.sh --quick): it proves that
# every system and native benchmark can be set up and measured, and asserts
# nothing about speed.
#
# Environment:
#   SILK_TEST_FILTER=NAME   integration tests whose name matches (vm suite)
#   SILK_FUZZ_SECONDS=N     time budget per fuzz target (default 60)
#   SILK_SKIP_DEPS=1        do not run scripts/deps.sh
#   SILK_NO_BUILD=1         do not run make first
#   SILK_LOG_DIR=DIR        where suite logs go (default build/test-logs)
#
# Every suite runs even when an earlier one failed.  Each suite prints a line
# "SUITE: N passed, N failed"; a suite that prints none counts as one failure.
# The last line of the output is "N passed, N failed" (the sums); the exit
# status is non-zero when anything failed.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

all_suites=(unit fuzz kunit vm vm-rdma bench)
suites=()
for a in "$@"; do
	case "$a" in
	unit|fuzz|kunit|vm|vm-rdma|bench) suites+=("$a") ;;
	vmtest|integration) suites+=(vm) ;;
	-h|--help) sed -n '2,18s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "test.sh: unknown suite '$a' (unit, fuzz, kunit, vm, vm-rdma, bench)" >&2; exit 2 ;;
	esac
done
[ ${#suites[@]} -gt 0 ] || suites=("${all_suites[@]}")

logdir=${SILK_LOG_DIR:-$top/build/test-logs}
mkdir -p "$logdir"
export SILK_FUZZ_SECONDS=${SILK_FUZZ_SECONDS:-60}

# Wall-clock limits per step (seconds); CI has 90 minutes for everything.
declare -A limit=([deps]=1200 [build]=1200 [unit]=900 [fuzz]=900 [kunit]=2400 [vm]=1800 [vm-rdma]=1800 [bench]=2100)
# The prefix of each suite's result line.
declare -A prefix=([unit]=unit [fuzz]=fuzz [kunit]=kunit [vm]=vmtest [vm-rdma]=vmtest [bench]=bench)

names=() npass=() nfail=() notes=() secs=()
total_pass=0 total_fail=0

record() { # name passed failed seconds note
	names+=("$1") npass+=("$2") nfail+=("$3") secs+=("$4") notes+=("$5")
	total_pass=$((total_pass + $2))
	total_fail=$((total_fail + $3))
}

banner() { printf '\n==== %s ====\n' "$*"; }

# run_step NAME CMD...: run with a time limit, output to the console and
# to $logdir/NAME.log; returns the command's status.
run_step() {
	local name=$1; shift
	local log=$logdir/$name.log
	timeout --kill-after=30 "${limit[$name]}" "$@" </dev/null 2>&1 | tee "$log"
	local rc=${PIPESTATUS[0]}
	[ "$rc" -eq 124 ] && echo "test.sh: $name exceeded ${limit[$name]}s and was stopped" | tee -a "$log"
	return "$rc"
}

# Non-suite steps (deps, build) count as one test each: pass or fail.
step() {
	local name=$1; shift
	local t0=$SECONDS rc
	banner "$name"
	run_step "$name" "$@"
	rc=$?
	if [ $rc -eq 0 ]; then
		record "$name" 1 0 $((SECONDS - t0)) ""
	else
		record "$name" 0 1 $((SECONDS - t0)) "exit $rc, see $logdir/$name.log"
	fi
	return $rc
}

suite() {
	local name=$1; shift
	local t0=$SECONDS rc line p f note=""
	banner "suite: $name"
	run_step "$name" "$@"
	rc=$?
	line=$(grep -E "^${prefix[$name]}: [0-9]+ passed, [0-9]+ failed" "$logdir/$name.log" | tail -n 1)
	if [ -z "$line" ]; then
		record "$name" 0 1 $((SECONDS - t0)) "no result line (exit $rc), see $logdir/$name.log"
		return
	fi
	p=$(sed -E 's/^[a-z]+: ([0-9]+) passed, ([0-9]+) failed.*/\1/' <<<"$line")
	f=$(sed -E 's/^[a-z]+: ([0-9]+) passed, ([0-9]+) failed.*/\2/' <<<"$line")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		# The suite says all passed but exited non-zero: count that.
		f=1
		note="exit $rc despite '$line'"
	fi
	record "$name" "$p" "$f" $((SECONDS - t0)) "$note"
}

if [ "${SILK_SKIP_DEPS:-0}" != 1 ]; then
	step deps scripts/deps.sh
fi
if [ "${SILK_NO_BUILD:-0}" != 1 ]; then
	step build make -j"$(nproc)"
fi

for s in "${suites[@]}"; do
	case $s in
	unit) suite unit make -C tests unit ;;
	fuzz) suite fuzz scripts/fuzz.sh ;;
	kunit) suite kunit scripts/kunit.sh ;;
	vm) suite vm env SILK_NO_BUILD=1 SILK_TRANSPORT=tcp scripts/vmtest.sh ;;
	vm-rdma) suite vm-rdma env SILK_NO_BUILD=1 SILK_TRANSPORT=rdma \
		SILK_VM_RESULTS="$top/build/vmtest-rdma" scripts/vmtest.sh ;;
	bench) suite bench env SILK_NO_BUILD=1 scripts/bench.sh --quick \
		--results "$top/build/bench-quick" ;;
	esac
done

banner summary
printf '%-8s %8s %8s %7s  %s\n' STEP PASSED FAILED SECONDS NOTE
for i in "${!names[@]}"; do
	printf '%-8s %8s %8s %7s  %s\n' "${names[$i]}" "${npass[$i]}" "${nfail[$i]}" "${secs[$i]}" "${notes[$i]}"
done
echo "logs: $logdir"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
