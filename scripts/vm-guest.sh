#!/bin/bash
# Stage two of the test VM (see scripts/vm.sh): runs as PID 1 after
# switch_root into the read-only host root.  Finishes the userspace setup,
# runs the command that vm.sh left in the results share, records its exit
# status and powers the guest off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb

mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=0620,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mkdir -p /run/lock /var/lib/silk /var/log /run/silk /tmp
mkdir -p "$SILKVM_RESULTS" 2>/dev/null
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 results "$SILKVM_RESULTS"
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t configfs configfs /sys/kernel/config 2>/dev/null
hostname silk-vm 2>/dev/null
ip link set lo up 2>/dev/null || ifconfig lo up 2>/dev/null
# No udev in the guest: block device nodes come from devtmpfs.

cd "$SILKVM_REPO" || exit 1
out=$SILKVM_RESULTS/vm-output.log
# shellcheck disable=SC1090
( eval "$(cat "$SILKVM_RESULTS/.vm-cmd")" ) </dev/null >>"$out" 2>&1
rc=$?
dmesg >"$SILKVM_RESULTS/dmesg.log" 2>/dev/null
echo "$rc" >"$SILKVM_RESULTS/.vm-rc"
sync
umount "$SILKVM_RESULTS" 2>/dev/null
echo o >/proc/sysrq-trigger
sleep 30
