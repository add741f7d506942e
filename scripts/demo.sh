#!/bin/bash
# Silk end to end in one QEMU boot (`make demo`): install missing packages,
# build, boot Debian's 6.1 kernel, load silk.ko, start silkd, create a 1 GiB
# volume, attach it as /dev/silkN, put XFS on it, write files, show
# `silkctl status`, `silkctl list` and `silkctl volume list`, then unmount,
# detach, attach again, check the files, and shut everything down.
#
#   scripts/demo.sh           the whole demo (deps, build, VM)
#   scripts/demo.sh --in-vm   the part that runs inside the VM
#
# SILK_SKIP_DEPS=1 skips scripts/deps.sh; SILK_NO_BUILD=1 skips make.
# Logs: build/demo/ (vm-output.log, console.log, dmesg.log, silkd.log).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

heading() { printf '\n==== %s ====\n' "$*"; }
# Print a command, then run it.
run() { printf '$ %s\n' "$*"; "$@"; }

if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
	sed -n '2,12s/^# \{0,1\}//p' "$0"
	exit 0
fi

if [ "${1:-}" != --in-vm ]; then
	results=${SILK_DEMO_RESULTS:-$top/build/demo}
	if [ "${SILK_SKIP_DEPS:-0}" != 1 ]; then
		heading "Installing missing Debian packages (scripts/deps.sh)"
		scripts/deps.sh
	fi
	if [ "${SILK_NO_BUILD:-0}" != 1 ]; then
		heading "Building silk.ko, silkd and silkctl (make)"
		make -j"$(nproc)"
	fi
	heading "Booting Debian's 6.1 kernel in QEMU (scripts/vm.sh)"
	rm -rf "$results"
	mkdir -p "$results"
	rc=0
	scripts/vm.sh --results "$results" --mem 3072 --timeout 900 -- \
		env SILK_DEMO_RESULTS="$results" scripts/demo.sh --in-vm || rc=$?
	echo
	if [ $rc -eq 0 ]; then
		echo "demo: OK (logs in $results)"
	else
		echo "demo: FAILED (exit $rc); logs in $results: vm-output.log, console.log, dmesg.log, silkd.log"
	fi
	exit $rc
fi

# ----------------------------------------------------------- inside the VM
results=${SILK_DEMO_RESULTS:-/tmp}
# The freshly built binaries, by their plain names.
export PATH=$top/tools:$top/daemon:$PATH
SILKD=silkd
SILKCTL=silkctl
sock=/run/silk/silkd.sock
mnt=/tmp/silk-demo
step="starting"
silkd_pid=

on_exit() {
	local rc=$?
	set +e
	if [ $rc -ne 0 ]; then
		echo
		echo "demo: step '$step' failed (exit $rc)"
		echo "---- last lines of silkd.log:"
		tail -n 15 "$results/silkd.log" 2>/dev/null
		echo "---- last kernel messages:"
		dmesg | tail -n 15
	fi
	mountpoint -q "$mnt" && umount "$mnt"
	for d in /sys/block/silk*; do
		[ -e "$d" ] && timeout 60 "$SILKCTL" detach "/dev/${d##*/}" >/dev/null 2>&1
	done
	[ -n "$silkd_pid" ] && kill "$silkd_pid" 2>/dev/null
	exit $rc
}
trap on_exit EXIT

heading "1. Load the kernel module"
step="insmod"
echo "kernel: $(uname -r)"
for m in $(modinfo -F depends kernel/silk.ko | tr , " "); do run modprobe "$m"; done
run insmod kernel/silk.ko
run modinfo -F description kernel/silk.ko || true
lsmod | grep -E '^silk ' || { echo "silk.ko is not loaded"; exit 1; }

heading "2. Start the storage daemon"
step="silkd"
mkdir -p /var/lib/silk /run/silk
printf '$ %s\n' "silkd -d /var/lib/silk -l 127.0.0.1:7400 --mgmt-socket $sock &"
"$SILKD" -d /var/lib/silk -l 127.0.0.1:7400 --mgmt-socket "$sock" \
	>"$results/silkd.log" 2>&1 </dev/null &
silkd_pid=$!
for ((i = 0; i < 100; i++)); do
	"$SILKCTL" -s "$sock" status >/dev/null 2>&1 && break
	kill -0 "$silkd_pid" 2>/dev/null || { cat "$results/silkd.log"; exit 1; }
	sleep 0.2
done
echo "silkd is running (pid $silkd_pid)"

heading "3. Create a 1 GiB volume"
step="volume create"
run silkctl volume create demo --size 1G
run silkctl volume list

heading "4. Attach it as a block device"
step="attach"
printf '$ %s\n' "silkctl attach demo --addr 127.0.0.1 --port 7400"
dev=$("$SILKCTL" attach demo --addr 127.0.0.1 --port 7400)
echo "$dev"
dev=$(printf '%s\n' "$dev" | grep -Eo '/dev/silk[0-9]+' | tail -n 1)
[ -b "$dev" ] || { echo "no block device $dev"; exit 1; }
run lsblk -o NAME,SIZE,LOG-SEC,PHY-SEC,MIN-IO,DISC-MAX "$dev"

heading "5. Make an XFS filesystem and mount it"
step="mkfs.xfs"
run mkfs.xfs -f "$dev"
mkdir -p "$mnt"
step="mount"
run mount "$dev" "$mnt"
run df -h "$mnt"

heading "6. Write files"
step="write"
run dd if=/dev/urandom of="$mnt/random-16M" bs=1M count=16 status=none
run dd if=/dev/urandom of="$mnt/random-4M" bs=1M count=4 status=none
run cp -r "$top/include" "$mnt/include"
run sync
(cd "$mnt" && find . -type f | sort | xargs sha256sum) >/tmp/demo.sha256
run ls -lR "$mnt"
cat /tmp/demo.sha256

heading "7. What silkctl shows"
step="status"
run silkctl status
run silkctl list
run silkctl volume list

heading "8. Unmount, detach, attach again, check the files"
step="remount"
run umount "$mnt"
run silkctl detach "$dev"
dev=$("$SILKCTL" attach demo --addr 127.0.0.1 --port 7400 | grep -Eo '/dev/silk[0-9]+' | tail -n 1)
echo "attached again as $dev"
run mount "$dev" "$mnt"
step="verify"
(cd "$mnt" && run sha256sum -c /tmp/demo.sha256)

heading "9. Shut down"
step="shutdown"
run umount "$mnt"
run silkctl detach "$dev"
run silkctl list
printf '$ %s\n' "kill -TERM silkd"
kill -TERM "$silkd_pid"
rc=0
wait "$silkd_pid" || rc=$?
silkd_pid=
echo "silkd exited with status $rc"
[ $rc -eq 0 ] || exit 1
run rmmod silk
if dmesg | grep -E 'BUG:|WARNING:|Oops|general protection' >/dev/null; then
	dmesg | grep -E -A5 'BUG:|WARNING:|Oops|general protection' | head -n 30
	echo "the kernel log shows an error"
	exit 1
fi
echo
echo "Silk demo finished: every step succeeded."
