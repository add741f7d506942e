#!/bin/bash
# Run silk.ko's KUnit suites (kunit/) under UML with kunit.py from the
# linux-source-6.1 tarball.
#
#   scripts/kunit.sh [FILTER_GLOB]      (default: silk*)
#
# The kernel tree is extracted once into $SILK_CACHE/kunit (default
# /var/cache/silk/kunit) and our sources are hooked in as drivers/silk_kunit
# (symlinks to kunit/ and to the pure files of kernel/).  The UML build
# directory lives there too, so warm runs take seconds.  Ends with the line
# "kunit: N passed, N failed"; exits non-zero if anything failed.
#
# Environment: SILK_CACHE (cache root), SILK_KERNEL_SRC (tarball, default
# /usr/src/linux-source-6.1.tar.xz), JOBS (make -j, default: CPU count),
# KUNIT_TIMEOUT (seconds for the test run, default 300).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${SILK_CACHE:-/var/cache/silk}/kunit
tarball=${SILK_KERNEL_SRC:-/usr/src/linux-source-6.1.tar.xz}
jobs=${JOBS:-$(nproc)}
filter=${1:-silk*}
src=$cache/linux-source-6.1
build=$cache/build
json=$cache/results.json
log=$cache/kunit.log

fail() {
	echo "kunit.sh: $*" >&2
	echo "kunit: 0 passed, 1 failed"
	exit 1
}

for tool in python3 gcc make flex bison bc; do
	command -v "$tool" >/dev/null || fail "$tool is missing (run scripts/deps.sh)"
done
[ -r "$tarball" ] || fail "$tarball is missing (install linux-source-6.1)"
mkdir -p "$cache" 2>/dev/null || fail "cannot create $cache (set SILK_CACHE to a writable directory)"
[ -w "$cache" ] || fail "$cache is not writable (set SILK_CACHE to a writable directory)"

# One run at a time per cache: the tree and the build directory are shared.
exec 9>"$cache/.lock"
flock 9

# 1. Extract the tree once (re-extract when the tarball changes).
stamp=$(stat -c '%s-%Y' "$tarball")
if [ "$(cat "$src/.silk-extracted" 2>/dev/null || true)" != "$stamp" ]; then
	echo "kunit.sh: extracting $tarball into $cache (once)"
	rm -rf "$src" "$cache/extract.tmp"
	mkdir -p "$cache/extract.tmp"
	tar -xf "$tarball" -C "$cache/extract.tmp" ||
		fail "cannot extract $tarball"
	mv "$cache/extract.tmp/linux-source-6.1" "$src" ||
		fail "unexpected layout in $tarball"
	rmdir "$cache/extract.tmp"
	echo "$stamp" >"$src/.silk-extracted"
fi

# 2. Hook our sources in (idempotent: links are recreated every run).
hook=$src/drivers/silk_kunit
rm -rf "$hook"
mkdir -p "$hook"
ln -s "$top/kunit/Kconfig" "$hook/Kconfig"
ln -s "$top/kunit/Kbuild" "$hook/Kbuild"
for f in "$top"/kunit/*.c "$top"/kernel/silk_wire.c "$top"/kernel/silk_map.c \
	"$top"/kernel/silk_nlpolicy.c; do
	ln -s "$f" "$hook/$(basename "$f")"
done
grep -qxF 'source "drivers/silk_kunit/Kconfig"' "$src/drivers/Kconfig" ||
	echo 'source "drivers/silk_kunit/Kconfig"' >>"$src/drivers/Kconfig"
# shellcheck disable=SC2016 # a literal make expression
mkline='obj-$(CONFIG_SILK_KUNIT_TEST) += silk_kunit/'
grep -qxF "$mkline" "$src/drivers/Makefile" ||
	echo "$mkline" >>"$src/drivers/Makefile"

# 3. Build (incrementally) and run under UML.
rm -f "$json"
set +e
(cd "$src" && python3 tools/testing/kunit/kunit.py run "$filter" \
	--kunitconfig="$top/kunit/.kunitconfig" \
	--build_dir="$build" --jobs="$jobs" \
	--make_options "SILK_TOP=$top" \
	--timeout="${KUNIT_TIMEOUT:-300}" \
	--json="$json") 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e

# 4. Per-test results and the summary line, from kunit.py's JSON.
[ -s "$json" ] || fail "kunit.py produced no results (exit $rc); see $log"
python3 - "$json" "$rc" <<'PY'
import json, sys

def walk(group, prefix):
    for case in group.get("test_cases", []):
        yield prefix + case["name"], case["status"]
    for sub in group.get("sub_groups", []):
        yield from walk(sub, prefix + sub["name"] + ".")

with open(sys.argv[1]) as f:
    root = json.load(f)
passed = failed = skipped = 0
for name, status in walk(root, ""):
    print(f"  {status:5} {name}")
    if status == "PASS":
        passed += 1
    elif status == "SKIP":
        skipped += 1
    else:
        failed += 1
if passed + failed == 0 or (int(sys.argv[2]) != 0 and failed == 0):
    failed += 1     # no tests ran, or kunit.py failed without a test failing
if skipped:
    print(f"kunit: {skipped} skipped")
print(f"kunit: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
