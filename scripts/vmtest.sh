#!/bin/bash
# Run the integration suite (tests/integration/) in ONE QEMU boot of
# Debian's 6.1 kernel.
#
#   scripts/vmtest.sh [FILTER]
#
# FILTER (or SILK_TEST_FILTER): extended regex of test names to run, e.g.
# "attach|discard".  SILK_TRANSPORT=tcp|rdma picks the transport.
# SILK_NO_BUILD=1 skips `make`.  SILK_VM_RESULTS=DIR sets where logs go
# (default build/vmtest): DIR/vm-output.log (the runner's output),
# DIR/console.log (guest console), DIR/dmesg.log (whole kernel log),
# DIR/NAME/ (each test's log, silkd log, fio output and kernel log).
#
# Prints PASS/FAIL per test and ends with "vmtest: N passed, N failed";
# exits non-zero if a test failed or did not run.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
filter=${1:-${SILK_TEST_FILTER:-}}
case "$filter" in -h|--help) sed -n '2,15s/^# \{0,1\}//p' "$0"; exit 0 ;; esac
transport=${SILK_TRANSPORT:-tcp}
results=${SILK_VM_RESULTS:-$top/build/vmtest}
vm_timeout=${SILK_VM_TIMEOUT:-1500}

if [ "${SILK_NO_BUILD:-0}" != 1 ]; then
	make -s -j"$(nproc)" || { echo "vmtest: build failed"; echo "vmtest: 0 passed, 1 failed"; exit 1; }
fi

mapfile -t planned < <(SILK_TEST_FILTER=$filter tests/integration/run.sh --list)
if [ ${#planned[@]} -eq 0 ]; then
	echo "vmtest: no integration test matches '$filter'"
	echo "vmtest: 0 passed, 1 failed"
	exit 1
fi

rm -rf "$results"
mkdir -p "$results"
echo "vmtest: ${#planned[@]} test(s), transport $transport, logs in $results"
t0=$SECONDS
scripts/vm.sh --results "$results" --mem 3072 --smp 2 --timeout "$vm_timeout" -- \
	env SILK_TEST_FILTER="$filter" SILK_TRANSPORT="$transport" \
	tests/integration/run.sh --results "$results"
vmrc=$?
echo "vmtest: VM finished in $((SECONDS - t0)) s (exit $vmrc)"

out=$results/vm-output.log
passed=0 failed=0
echo
echo "==== integration results ($transport) ===="
for name in "${planned[@]}"; do
	line=$(grep -E "^(PASS|FAIL) ${name}[ :]" "$out" 2>/dev/null | tail -n 1)
	if [ -z "$line" ]; then
		line="FAIL $name: did not run or did not finish (VM timeout or crash; see $results/console.log)"
	fi
	case $line in
	PASS*) passed=$((passed + 1)) ;;
	*) failed=$((failed + 1)) ;;
	esac
	echo "$line"
done
if [ $vmrc -ne 0 ] && [ $failed -eq 0 ]; then
	echo "FAIL vm: the VM run exited with $vmrc; see $results/console.log"
	failed=$((failed + 1))
fi
if grep -qE 'Kernel panic|BUG:|Oops' "$results/console.log" 2>/dev/null; then
	echo "note: the guest console shows a kernel error; see $results/console.log"
fi
echo "vmtest: $passed passed, $failed failed"
[ $failed -eq 0 ]
