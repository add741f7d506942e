#!/bin/bash
# Run cmocka unit test binaries, show their output, and summarize.
#   scripts/run-unit.sh BINARY...
# Prints "unit: N passed, N failed" last; exits non-zero when any test
# failed or any binary crashed, timed out or printed no cmocka summary.
set -u

per_test_timeout=${SILK_UNIT_TIMEOUT:-600}
passed=0
failed=0
bad_bins=()

if [ $# -eq 0 ]; then
	echo "run-unit.sh: no test binaries given" >&2
	echo "unit: 0 passed, 0 failed"
	exit 1
fi

for bin in "$@"; do
	name=$(basename "$bin")
	echo "=== $name"
	if [ ! -x "$bin" ]; then
		echo "run-unit.sh: $bin is missing or not executable" >&2
		bad_bins+=("$name (missing)")
		failed=$((failed + 1))
		continue
	fi
	out=$(mktemp)
	# cmocka's own summary lines are what we count.
	timeout --kill-after=10 "$per_test_timeout" "$bin" >"$out" 2>&1
	rc=$?
	cat "$out"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test(s)\.$/\1/p' "$out" | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test(s), listed below:$/\1/p; s/^\[  FAILED  \] \([0-9][0-9]*\) test(s)\.*$/\1/p' "$out" | tail -n 1)
	rm -f "$out"
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	if [ -z "$p" ] && [ -z "$f" ]; then
		echo "run-unit.sh: $name printed no cmocka summary (exit $rc)" >&2
		bad_bins+=("$name (exit $rc, no summary)")
		failed=$((failed + 1))
	elif [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
		# Passed its tests but crashed or leaked (sanitizers exit non-zero).
		echo "run-unit.sh: $name exited with status $rc" >&2
		bad_bins+=("$name (exit $rc)")
		failed=$((failed + 1))
	fi
done

if [ ${#bad_bins[@]} -gt 0 ]; then
	echo "run-unit.sh: broken binaries: ${bad_bins[*]}" >&2
fi
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
