#!/bin/bash
# Trace 4k random reads at QD 1 against kernel NVMe/TCP and silk over TCP in
# one guest boot, then print the median time of each step of a request
# (scripts/qd1-phases.py).  Runs inside the VM; from the host:
#
#   scripts/vm.sh --append tsc=reliable --results build/qd1-trace -- scripts/qd1-trace.sh
#
# The traces (trace-nvme-tcp.txt, trace-silk.txt) go to OUTDIR, the first
# argument, by default vm.sh's results directory (the guest's only
# writable share).  tsc=reliable gives the trace clock microsecond
# resolution under TCG.  Documentation/performance.md explains the output.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
res=${1:-${SILKVM_RESULTS:-}}
[ -n "$res" ] || { echo "qd1-trace.sh: no output directory (run it through scripts/vm.sh)" >&2; exit 2; }
mkdir -p "$res" /run/silk || exit 1
T=/sys/kernel/tracing
mountpoint -q $T || mount -t tracefs nodev $T || exit 1
EVENTS="sched/sched_switch block/block_rq_issue block/block_rq_complete net/net_dev_xmit"

trace_run() { # dev label
	local e fp
	echo 0 >$T/tracing_on
	echo >$T/trace
	echo 4000 >$T/buffer_size_kb
	for e in $EVENTS; do echo 1 >"$T/events/$e/enable"; done
	fio --name=q --filename="$1" --ioengine=libaio --direct=1 --rw=randread --bs=4k \
		--iodepth=1 --time_based --runtime=3 --randrepeat=0 --norandommap \
		--output=/dev/null &
	fp=$!
	sleep 2
	echo 1 >$T/tracing_on
	sleep 0.2
	echo 0 >$T/tracing_on
	wait $fp
	echo 0 >$T/events/enable
	cp $T/trace "$res/trace-$2.txt"
	echo "== $2"
	python3 scripts/qd1-phases.py "$res/trace-$2.txt"
}

modprobe brd rd_nr=2 rd_size=262144 || exit 1
# kernel NVMe/TCP: nvmet exporting /dev/ram1 on 127.0.0.1
modprobe nvmet && modprobe nvmet-tcp && modprobe nvme-tcp || exit 1
mountpoint -q /sys/kernel/config || mount -t configfs configfs /sys/kernel/config
N=/sys/kernel/config/nvmet s=/sys/kernel/config/nvmet/subsystems/qd1trace
mkdir "$s" && echo 1 >"$s/attr_allow_any_host" && mkdir "$s/namespaces/1" &&
	echo -n /dev/ram1 >"$s/namespaces/1/device_path" && echo 1 >"$s/namespaces/1/enable" &&
	mkdir $N/ports/1 && echo ipv4 >$N/ports/1/addr_adrfam && echo tcp >$N/ports/1/addr_trtype &&
	echo 127.0.0.1 >$N/ports/1/addr_traddr && echo 4420 >$N/ports/1/addr_trsvcid &&
	ln -s "$s" $N/ports/1/subsystems/qd1trace || exit 1
nvme connect -t tcp -a 127.0.0.1 -s 4420 -n qd1trace >/dev/null || exit 1
ndev=
for _ in $(seq 50); do
	for b in /sys/block/nvme*n1; do [ -e "$b" ] && ndev=/dev/${b##*/}; done
	[ -n "$ndev" ] && [ -b "$ndev" ] && break
	sleep 0.2
done
[ -n "$ndev" ] || { echo "qd1-trace.sh: no NVMe namespace after connect" >&2; exit 1; }
trace_run "$ndev" nvme-tcp
nvme disconnect -n qd1trace >/dev/null

# silk over TCP: silkd with its volume on /dev/ram0 (O_DIRECT)
modprobe libcrc32c && insmod kernel/silk.ko || exit 1
rm -rf /tmp/qd1-silkd && mkdir -p /tmp/qd1-silkd
daemon/silkd -d /tmp/qd1-silkd -l 127.0.0.1:7400 --mgmt-socket /run/silk/qd1.sock \
	>/tmp/qd1-silkd.log 2>&1 &
pid=$!
for _ in $(seq 50); do tools/silkctl -s /run/silk/qd1.sock status >/dev/null 2>&1 && break; sleep 0.2; done
tools/silkctl -s /run/silk/qd1.sock volume create qd1 --size 256M --backing /dev/ram0 >/dev/null &&
	dev=$(tools/silkctl attach qd1 --addr 127.0.0.1 | grep -o '/dev/silk[0-9]*') || exit 1
dd if=/dev/zero of="$dev" bs=1M count=256 oflag=direct status=none
trace_run "$dev" silk
tools/silkctl detach "$dev" >/dev/null
kill "$pid"
wait "$pid"
exit 0
