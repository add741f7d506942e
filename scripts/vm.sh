#!/bin/bash
# Boot Debian's 6.1 kernel in QEMU with this machine's root filesystem and
# the repository shared read-only over virtio-9p, run COMMAND as root inside the guest (cwd: the
# repository), print its output, and exit with its status.
#
#   scripts/vm.sh [--results DIR] [--timeout SECS] [--mem MB] [--smp N]
#                 [--kernel VERSION] [--cpu MODEL] [--append KERNEL-ARGS]
#                 [--monitor SOCKET] -- COMMAND [ARGS...]
#
# DIR (default: a new temporary directory) is shared writable and appears in
# the guest at the same path; the guest console goes to DIR/console.log and
# the command's output to DIR/vm-output.log.  Everything else the guest
# writes lives in tmpfs (/tmp, /run, /var/lib, /var/log, /root) and is gone
# after the run.  The guest has no network besides its own loopback.
# MODEL (default: max, or $SILK_VM_CPU) is QEMU's -cpu, e.g. max,-erms;
# KERNEL-ARGS are added to the guest's command line (e.g. tsc=reliable):
# both are for experiments on the rig (Documentation/performance.md).
# SOCKET: QEMU's human monitor on a UNIX socket, for scripts/tcg-profile.py.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
results= timeout=1800 mem=3072 smp=2 kver= append= cpu=${SILK_VM_CPU:-max} monitor=
while [ $# -gt 0 ]; do
	case "$1" in
	--results) results=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--kernel) kver=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--cpu) cpu=$2; shift 2 ;;
	--monitor) monitor=$2; shift 2 ;;
	--) shift; break ;;
	-h|--help) sed -n '2,18s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "vm.sh: unknown option: $1" >&2; exit 2 ;;
	esac
done
[ $# -gt 0 ] || { echo "vm.sh: no command given (use -- COMMAND)" >&2; exit 2; }
case "$timeout$mem$smp" in *[!0-9]*) echo "vm.sh: --timeout, --mem and --smp take numbers" >&2; exit 2 ;; esac

if [ -z "$kver" ]; then
	kver=$(ls /lib/modules 2>/dev/null | grep -- '-amd64$' | sort -V | tail -n 1 || true)
fi
kernel=/boot/vmlinuz-$kver
moddir=/lib/modules/$kver
[ -n "$kver" ] && [ -r "$kernel" ] && [ -d "$moddir" ] ||
	{ echo "vm.sh: no Debian kernel found (install linux-image-amd64)" >&2; exit 1; }
command -v qemu-system-x86_64 >/dev/null ||
	{ echo "vm.sh: qemu-system-x86_64 missing (install qemu-system-x86)" >&2; exit 1; }
[ -x /bin/busybox ] || { echo "vm.sh: /bin/busybox missing (install busybox-static)" >&2; exit 1; }

cache=${SILK_CACHE:-/var/cache/silk}/vm
mkdir -p "$cache"

# The initramfs depends only on the kernel version and on this script.
stamp=$(cat "$0" "$top/scripts/vm-guest.sh" | sha256sum | cut -c1-16)
initrd=$cache/initrd-$kver-$stamp.gz
if [ ! -s "$initrd" ]; then
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	mkdir -p "$work"/{bin,dev,proc,sys,newroot,lib/modules}
	cp /bin/busybox "$work/bin/"
	for t in sh mount umount mkdir insmod switch_root sleep cat echo ln; do
		ln -s busybox "$work/bin/$t"
	done
	for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev \
		virtio_pci netfs fscache 9pnet 9pnet_virtio 9p; do
		f=$(find "$moddir/kernel" -name "$m.ko*" | head -n 1)
		[ -n "$f" ] && cp "$f" "$work/lib/modules/"
	done
	cat >"$work/init" <<'EOF'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev \
	virtio_pci netfs fscache 9pnet 9pnet_virtio 9p; do
	[ -e /lib/modules/$m.ko ] && insmod /lib/modules/$m.ko
done
if ! mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose root /newroot; then
	echo "vm-init: cannot mount the root share" >/dev/console
	echo o >/proc/sysrq-trigger
fi
for d in tmp run var/lib var/log root; do
	mount -t tmpfs -o mode=0755 tmpfs /newroot/$d
done
chmod 1777 /newroot/tmp
# The repository gets its own share, so it is visible even where it lives
# under a path the guest puts tmpfs on (a clone in /tmp, say).
mkdir -p "/newroot$SILKVM_REPO" 2>/dev/null
if ! mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose repo "/newroot$SILKVM_REPO"; then
	echo "vm-init: cannot mount the repository share at $SILKVM_REPO" >/dev/console
	echo o >/proc/sysrq-trigger
fi
mount --move /proc /newroot/proc
mount --move /sys /newroot/sys
mount --move /dev /newroot/dev
exec switch_root /newroot /bin/bash "$SILKVM_GUEST"
EOF
	chmod +x "$work/init"
	(cd "$work" && find . | cpio -o -H newc --quiet | gzip -1) >"$initrd.tmp"
	mv "$initrd.tmp" "$initrd"
	rm -rf "$work"
	trap - EXIT
fi

if [ -z "$results" ]; then
	results=$(mktemp -d /tmp/silk-vm.XXXXXX)
fi
mkdir -p "$results"
results=$(cd "$results" && pwd)
rm -f "$results/.vm-rc" "$results/vm-output.log" "$results/console.log"
printf '%q ' "$@" >"$results/.vm-cmd"
: >"$results/vm-output.log"
monargs=()
[ -z "$monitor" ] || monargs=(-monitor "unix:$monitor,server=on,wait=off")

qemu-system-x86_64 -accel tcg -cpu "$cpu" -smp "$smp" -m "$mem" \
	-nodefaults -display none -no-reboot -net none \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 loglevel=4 panic=-1 $append SILKVM_GUEST=$top/scripts/vm-guest.sh SILKVM_REPO=$top SILKVM_RESULTS=$results" \
	-virtfs local,path=/,mount_tag=root,security_model=none,readonly=on,multidevs=remap \
	-virtfs local,path="$top",mount_tag=repo,security_model=none,readonly=on,multidevs=remap \
	-virtfs local,path="$results",mount_tag=results,security_model=none,multidevs=remap \
	-serial file:"$results/console.log" "${monargs[@]}" </dev/null &
qpid=$!

# Stream the command's output while the guest runs; stop QEMU on timeout.
tail -n +1 -f --pid=$qpid "$results/vm-output.log" &
tpid=$!
deadline=$((SECONDS + timeout))
while kill -0 $qpid 2>/dev/null; do
	if [ $SECONDS -ge $deadline ]; then
		echo "vm.sh: guest did not finish within ${timeout}s; killing it" >&2
		kill $qpid 2>/dev/null || true
		break
	fi
	sleep 1
done
wait $qpid 2>/dev/null || true
wait $tpid 2>/dev/null || true

if [ ! -s "$results/.vm-rc" ]; then
	echo "vm.sh: the guest ended without a result; last console lines:" >&2
	tail -n 40 "$results/console.log" >&2 || true
	exit 1
fi
exit "$(cat "$results/.vm-rc")"
