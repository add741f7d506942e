#!/bin/bash
# The in-VM half of the Silk benchmark (scripts/bench.sh boots the VM and
# runs this as root inside it).  For each system -- silk over TCP (silkd on
# a brd RAM disk; silk-poll: the same with silkd's --busy-poll), kernel
# NVMe/TCP (nvmet on a brd RAM disk), NBD (nbd-server on a tmpfs file),
# the same silk and NVMe over RDMA (soft-RoCE on a dummy interface,
# 192.0.2.1) and the brd RAM disk itself -- it sets
# the system up on 127.0.0.1 (or 192.0.2.1), fills the device once, runs the
# same fio jobs, records /proc/stat around every job and tears the system
# down again.  With --rounds N all of that is done N times, the systems in
# the given order in odd rounds and in reverse order in even ones, so that
# a host that slows down or speeds up during the boot weighs on every
# system alike; the report takes the median of the rounds.
# --first-round K numbers the rounds from K (scripts/bench.sh --boots:
# boot B runs rounds (B-1)*N+1 onwards, so the order alternates across
# boots too); only round 1 is profiled.
#
#   scripts/bench-guest.sh --out DIR [--runtime S] [--ramp S] [--size MB]
#       [--systems "silk silk-poll nvme-tcp nbd silk-rdma nvme-rdma brd"]
#       [--rounds N] [--first-round K] [--profile]
#       [--step-limit S]
#
# DIR receives: fio/SYSTEM-JOB.rR.json (fio output of round R),
# cpu/SYSTEM-JOB.rR.stat (the /proc/stat "cpu" line before and after the
# fio run) and .server (silkd's CPU ticks), the same taken by fio right
# before its first and after its last I/O in .io.stat and .io.server
# (scripts/bench-snap.sh), status/SYSTEM (ok, or the reason it
# failed in which round), logs/, profile/ (with --profile, first round
# only), guest.json (facts about the guest).  scripts/bench-report.py turns
# it into tables.
# Every step (fio job, setup and teardown command) gets at most S seconds
# (--step-limit, default 120).  A step that outlives its limit -- even
# SIGKILL cannot end a task stuck in uninterruptible I/O -- is abandoned:
# the kernel's list of blocked tasks and the tail of its log go to
# logs/SYSTEM.log and to standard output, the system is marked failed and
# the next system runs.
# Exit status: 0 when every system produced figures, 1 otherwise.
# shellcheck disable=SC2317  # setup_/teardown_ functions are called by name
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out="" runtime=10 ramp=2 size_mb=1024 systems="silk silk-poll nvme-tcp nbd silk-rdma nvme-rdma brd" profile=0
step_limit=120 rounds=1 first_round=1
while [ $# -gt 0 ]; do
	case "$1" in
	--out) out=$2; shift 2 ;;
	--runtime) runtime=$2; shift 2 ;;
	--ramp) ramp=$2; shift 2 ;;
	--size) size_mb=$2; shift 2 ;;
	--systems) systems=$2; shift 2 ;;
	--profile) profile=1; shift ;;
	--rounds) rounds=$2; shift 2 ;;
	--first-round) first_round=$2; shift 2 ;;
	--step-limit) step_limit=$2; shift 2 ;;
	-h|--help) sed -n '2,37s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "bench-guest: unknown option: $1" >&2; exit 2 ;;
	esac
done
[ -n "$out" ] || { echo "bench-guest: --out DIR is required" >&2; exit 2; }
if ! mkdir -p "$out" || ! out=$(cd "$out" && pwd); then
	echo "bench-guest: cannot use --out $out" >&2
	exit 2
fi
case "$runtime$ramp$size_mb$step_limit$rounds$first_round" in *[!0-9]*|'') echo "bench-guest: --runtime, --ramp, --size, --step-limit, --rounds and --first-round take whole numbers" >&2; exit 2 ;; esac
[ "$runtime" -ge 1 ] && [ "$size_mb" -ge 16 ] && [ "$step_limit" -ge 10 ] &&
	[ "$rounds" -ge 1 ] && [ "$rounds" -le 20 ] && [ "$first_round" -ge 1 ] && [ "$first_round" -le 200 ] ||
	{ echo "bench-guest: --runtime must be >= 1, --size >= 16, --step-limit >= 10, --rounds 1-20, --first-round 1-200" >&2; exit 2; }
last_round=$((first_round + rounds - 1))

SILKD=$top/daemon/silkd
SILKCTL=$top/tools/silkctl
SILK_KO=$top/kernel/silk.ko
SILK_RDMA_KO=$top/kernel/silk_rdma.ko
# soft-RoCE: rdma_cm only reaches addresses of a real netdev (DESIGN.md 5).
RDMA_ADDR=192.0.2.1
NQN=nqn.2024-01.io.silk:bench
NVMET=/sys/kernel/config/nvmet
NBD_PORT=10809
SILK_PORT=7400
SILK_SOCK=/run/silk/bench.sock

# name:rw:bs:iodepth -- identical for every system.
JOBS="randread-4k-qd1:randread:4k:1 randwrite-4k-qd1:randwrite:4k:1
randread-4k-qd32:randread:4k:32 randwrite-4k-qd32:randwrite:4k:32
seqread-128k-qd8:read:128k:8 seqwrite-128k-qd8:write:128k:8"

mkdir -p "$out"/{fio,cpu,status,logs,profile,run}
log() { printf '[%s] %s\n' "$(date +%T)" "$*"; }

# The kernel's view of a step that ran out of time: blocked tasks with
# their stacks (sysrq w) and the kernel log's tail, into logs/$sys.log and,
# shortened, onto standard output so that a CI log shows the cause.
diagnose() { # desc
	echo w 2>/dev/null >/proc/sysrq-trigger
	sleep 1
	{ echo "--- $1: out of time; blocked tasks and the kernel log:"
	  dmesg | tail -n 200; } >>"$out/logs/$sys.log" 2>&1
	log "$sys: $1 ran out of time; kernel log tail:"
	dmesg | tail -n 60 | sed "s/^/  [$sys] /"
}

# Run cmd with at most SECS seconds, output appended to logs/$sys.log:
# SIGTERM at the limit, SIGKILL 10 s later, and if it has still not ended
# (a task in uninterruptible I/O sleep ignores SIGKILL) it is left behind
# 10 s after that.  Returns cmd's status, 124 or 137 when it was killed,
# 125 when it was left behind; on those three the kernel's view is logged.
bounded() { # secs desc cmd...
	local secs=$1 desc=$2 pid wd done_pid="" rc
	shift 2
	timeout -k 10 "$secs" "$@" >>"$out/logs/$sys.log" 2>&1 </dev/null &
	pid=$!
	sleep $((secs + 20)) &
	wd=$!
	wait -n -p done_pid "$pid" "$wd"
	rc=$?
	if [ "$done_pid" = "$pid" ]; then
		kill "$wd" 2>/dev/null
		wait "$wd" 2>/dev/null
	else
		rc=125
	fi
	case $rc in 124|125|137) diagnose "$desc" ;; esac
	return "$rc"
}

# A setup or measuring step: bounded; on failure the system's status says
# which step failed.
step() { # desc cmd...
	local desc=$1; shift
	echo "+ $*" >>"$out/logs/$sys.log"
	if ! bounded "$step_limit" "$desc" "$@"; then
		echo "$desc failed (see logs/$sys.log)" >"$out/status/$sys"
		log "$sys: $desc failed"
		return 1
	fi
}

wait_block() { # dev secs
	local i
	for ((i = 0; i < $2 * 5; i++)); do
		[ -b "$1" ] && return 0
		sleep 0.2
	done
	return 1
}

fio_common() { # dev
	echo --filename="$1" --ioengine=libaio --direct=1 --numjobs=1 \
		--thread --randrepeat=0 --norandommap --group_reporting
}

# Fill the whole device once so reads hit real data on every system.
prefill() { # dev
	# shellcheck disable=SC2046
	step "prefill" fio --name=prefill $(fio_common "$1") --rw=write --bs=1M \
		--iodepth=4 --size=100% --output=/dev/null
}

# One fio job of round $round; fails on any fio error.
run_job() { # sys dev spec
	local sys=$1 dev=$2 name rw bs qd f
	IFS=: read -r name rw bs qd <<<"$3"
	f=$sys-$name.r$round
	local common
	common=$(fio_common "$dev")
	if [ "$ramp" -gt 0 ]; then
		# shellcheck disable=SC2086
		step "fio warm-up $name" fio --name=warm $common --rw="$rw" --bs="$bs" \
			--iodepth="$qd" --time_based --runtime="$ramp" --output=/dev/null || return 1
	fi
	# /proc/stat and silkd's utime + stime (when silkd serves this
	# system) around the whole fio run, and, taken by fio itself, around
	# its I/O only.
	local snap_sh="$top/scripts/bench-snap.sh"
	local whole="$out/cpu/$f.stat $out/cpu/$f.server ${SILKD_PID:-}"
	local io="$out/cpu/$f.io.stat $out/cpu/$f.io.server ${SILKD_PID:-}"
	: >"$out/cpu/$f.stat"
	: >"$out/cpu/$f.server"
	: >"$out/cpu/$f.io.stat"
	: >"$out/cpu/$f.io.server"
	# shellcheck disable=SC2086
	"$snap_sh" pre $whole
	# fio leaves the output of the two snapshots in its working directory.
	# shellcheck disable=SC2086
	step "fio $name" env -C "$out/run" fio --name="$name" $common --rw="$rw" --bs="$bs" \
		--iodepth="$qd" --time_based --runtime="$runtime" \
		--lat_percentiles=1 --percentile_list=50:99:99.9 \
		--exec_prerun="$snap_sh pre $io" \
		--exec_postrun="$snap_sh post $io" \
		--output-format=json --output="$out/fio/$f.json" || return 1
	# shellcheck disable=SC2086
	"$snap_sh" post $whole
	log "$sys $name (round $round): $(summary "$out/fio/$f.json")"
}

# "IOPS n, lat p50 x us" from a fio json file, for the progress log.
summary() {
	python3 - "$1" <<'EOF' 2>/dev/null || echo "(unreadable fio output)"
import json, sys
t = open(sys.argv[1]).read()  # fio's notes of --exec_prerun/postrun come first
j = json.loads(t if t.startswith("{") else t[t.index("\n{") + 1:])["jobs"][0]
d = j["read"] if j["read"]["io_bytes"] else j["write"]
p = d["lat_ns"].get("percentile", {})
print("IOPS %.0f, p50 %.1f us, p99 %.1f us" % (d["iops"], p.get("50.000000", 0) / 1e3,
      p.get("99.000000", 0) / 1e3))
EOF
}

# With --profile: during extra (unmeasured) runs of 4k random reads and
# writes at QD 1 and QD 32 and of the 128k sequential jobs at QD 8, on the
# systems in PROFILE_SYSTEMS, tell scripts/tcg-profile.py (sampling the
# vCPUs through QEMU's monitor from the host) when to start and stop, and
# leave it what it needs to name what it saw: the kernel's symbols and the
# memory maps of fio and silkd.
PROFILE_SYSTEMS=${PROFILE_SYSTEMS:-silk nvme-tcp silk-rdma nvme-rdma}
PROFILE_JOBS="randread:4k:1 randwrite:4k:1 randread:4k:32 randwrite:4k:32 read:128k:8 write:128k:8"
profile() { # sys dev
	[ "$profile" = 1 ] || return 0
	[[ " $PROFILE_SYSTEMS " == *" $1 "* ]] || return 0
	local sys=$1 dev=$2 rw bs qd p tpid fpid label pd=$out/profile secs=$((runtime < 5 ? runtime : 5))
	grep -E ' [tTwW] ' /proc/kallsyms >"$pd/$sys.kallsyms"
	for p in $PROFILE_JOBS; do
		IFS=: read -r rw bs qd <<<"$p"
		label=$sys-$rw-$bs-qd$qd
		log "$sys: profiling $bs $rw QD$qd for ${secs}s"
		# shellcheck disable=SC2046
		timeout -k 10 $((secs + step_limit)) fio --name=profile $(fio_common "$dev") \
			--rw="$rw" --bs="$bs" --iodepth="$qd" --time_based --runtime=$((secs + 2)) \
			--output="$pd/$label.fio.log" </dev/null &
		tpid=$!
		sleep 1
		fpid=$(pgrep -n -P "$tpid" -x fio) || fpid=$tpid
		cat "/proc/$fpid/maps" >"$pd/$label.maps-fio" 2>/dev/null
		[ -z "$SILKD_PID" ] || cat "/proc/$SILKD_PID/maps" >"$pd/$label.maps-silkd" 2>/dev/null
		touch "$pd/profile-$label.start"
		sleep "$secs"
		touch "$pd/profile-$label.stop"
		wait "$tpid"
	done
}

# ------------------------------------------------------------------ brd
BRD_LOADED=0
brd_load() {
	[ "$BRD_LOADED" = 1 ] && return 0
	# ram0: the ceiling; ram1: nvmet's backing device; ram2: silkd's.
	step "modprobe brd" modprobe brd rd_nr=3 rd_size=$((size_mb * 1024)) max_part=0 &&
		wait_block /dev/ram2 10 && BRD_LOADED=1
}

setup_brd() { brd_load && DEV=/dev/ram0; }
teardown_brd() { :; }

# ------------------------------------------------------------ nvme-tcp
nvme_dev() {
	local b
	for b in /sys/block/nvme*; do
		[ -e "$b" ] || continue
		[[ ${b##*/} =~ ^nvme[0-9]+n[0-9]+$ ]] || continue
		grep -qx "$NQN" "$b/device/subsysnqn" 2>/dev/null && { echo "/dev/${b##*/}"; return 0; }
	done
	return 1
}

# Soft-RoCE on a dummy interface, once per boot.
RXE_UP=0
rxe_setup() {
	[ "$RXE_UP" = 1 ] && return 0
	{ ip link show d0 >/dev/null 2>&1 ||
		{ step "modprobe dummy" modprobe dummy &&
			step "ip link add d0" ip link add d0 type dummy &&
			step "ip addr add" ip addr add "$RDMA_ADDR/24" dev d0 &&
			step "ip link set d0 up" ip link set d0 up; }; } || return 1
	step "modprobe rdma_rxe" modprobe rdma_rxe || return 1
	[ -e /sys/class/infiniband/rxe0 ] ||
		step "rdma link add rxe0" rdma link add rxe0 type rxe netdev d0 || return 1
	RXE_UP=1
}

setup_nvme-tcp() { nvme_setup tcp 127.0.0.1; }
teardown_nvme-tcp() { nvme_teardown; }
setup_nvme-rdma() { rxe_setup && nvme_setup rdma "$RDMA_ADDR"; }
teardown_nvme-rdma() { nvme_teardown; }

nvme_setup() { # tcp|rdma addr
	local tr=$1 addr=$2
	brd_load || return 1
	step "modprobe nvmet" modprobe nvmet && step "modprobe nvmet-$tr" modprobe "nvmet-$tr" &&
		step "modprobe nvme-$tr" modprobe "nvme-$tr" || return 1
	# nvmet pulls in configfs; the VM mounts it at boot only if it existed.
	mountpoint -q /sys/kernel/config ||
		step "mount configfs" mount -t configfs configfs /sys/kernel/config || return 1
	local s=$NVMET/subsystems/$NQN p=$NVMET/ports/1
	{ mkdir "$s" && echo 1 >"$s/attr_allow_any_host" &&
		mkdir "$s/namespaces/1" && echo -n /dev/ram1 >"$s/namespaces/1/device_path" &&
		echo 1 >"$s/namespaces/1/enable" &&
		mkdir "$p" && echo ipv4 >"$p/addr_adrfam" && echo "$tr" >"$p/addr_trtype" &&
		echo "$addr" >"$p/addr_traddr" && echo 4420 >"$p/addr_trsvcid" &&
		ln -s "$s" "$p/subsystems/$NQN"; } >>"$out/logs/$sys.log" 2>&1 ||
		{ echo "nvmet configfs setup failed" >"$out/status/$sys"; return 1; }
	local uuid
	uuid=$(cat /proc/sys/kernel/random/uuid)
	step "nvme connect" nvme connect -t "$tr" -a "$addr" -s 4420 -n "$NQN" \
		--hostnqn="nqn.2014-08.org.nvmexpress:uuid:$uuid" --hostid="$uuid" || return 1
	local i
	for ((i = 0; i < 50; i++)); do
		DEV=$(nvme_dev) && wait_block "$DEV" 5 && return 0
		sleep 0.2
	done
	echo "no NVMe namespace block device after connect" >"$out/status/$sys"
	return 1
}

nvme_teardown() {
	local s=$NVMET/subsystems/$NQN p=$NVMET/ports/1
	bounded 60 "nvme disconnect" nvme disconnect -n "$NQN"
	rm -f "$p/subsystems/$NQN" 2>/dev/null
	rmdir "$p" 2>/dev/null
	[ -e "$s/namespaces/1/enable" ] && echo 0 >"$s/namespaces/1/enable"
	rmdir "$s/namespaces/1" "$s" 2>/dev/null
	return 0
}

# ----------------------------------------------------------------- nbd
NBD_DIR=/tmp/bench-nbd
setup_nbd() {
	step "modprobe nbd" modprobe nbd nbds_max=4 || return 1
	mkdir -p "$NBD_DIR"
	truncate -s "${size_mb}M" "$NBD_DIR/export.img"
	cat >"$NBD_DIR/config" <<EOF
[generic]
	user = root
	group = root
	listenaddr = 127.0.0.1
	port = $NBD_PORT
[bench]
	exportname = $NBD_DIR/export.img
EOF
	step "nbd-server" nbd-server -C "$NBD_DIR/config" -p "$NBD_DIR/pid" || return 1
	local i
	for ((i = 0; i < 50; i++)); do
		ss -Hltn "sport = :$NBD_PORT" | grep -q . && break
		sleep 0.2
	done
	# One connection per CPU, as nvme-tcp and silk get one queue per CPU.
	step "nbd-client" nbd-client -N bench 127.0.0.1 "$NBD_PORT" /dev/nbd0 \
		-b 4096 -C "$(nproc)" || return 1
	wait_block /dev/nbd0 10 && [ "$(blockdev --getsize64 /dev/nbd0)" -gt 0 ] ||
		{ echo "/dev/nbd0 has no size after nbd-client" >"$out/status/$sys"; return 1; }
	DEV=/dev/nbd0
}

teardown_nbd() {
	bounded 60 "nbd-client -d" nbd-client -d /dev/nbd0
	[ -s "$NBD_DIR/pid" ] && kill "$(cat "$NBD_DIR/pid")" 2>/dev/null
	sleep 0.5
	rm -rf "$NBD_DIR"
	return 0
}

# ---------------------------------------------------------------- silk
SILK_DATA=/tmp/bench-silk
SILKD_PID=
# silk-poll: silkd's workers poll for this long after work (--busy-poll)
SILK_POLL_US=1000
setup_silk() { silk_setup tcp 127.0.0.1; }
teardown_silk() { silk_teardown; }
setup_silk-poll() { silk_setup tcp 127.0.0.1 --busy-poll "$SILK_POLL_US"; }
teardown_silk-poll() { silk_teardown; }
setup_silk-rdma() { rxe_setup && silk_setup rdma "$RDMA_ADDR"; }
teardown_silk-rdma() { silk_teardown; }

silk_setup() { # tcp|rdma addr [silkd options...]
	local tr=$1 addr=$2 m i
	shift 2
	for m in $(modinfo -F depends "$SILK_KO" | tr , ' '); do
		step "modprobe $m" modprobe "$m" || return 1
	done
	step "insmod silk.ko" insmod "$SILK_KO" || return 1
	if [ "$tr" = rdma ]; then
		for m in $(modinfo -F depends "$SILK_RDMA_KO" | tr , ' '); do
			[ "$m" = silk ] || step "modprobe $m" modprobe "$m" || return 1
		done
		step "insmod silk_rdma.ko" insmod "$SILK_RDMA_KO" || return 1
	fi
	brd_load || return 1
	mkdir -p "$SILK_DATA" "$(dirname "$SILK_SOCK")"
	: >"$SILK_DATA.conf"
	[ "$tr" = tcp ] || echo "rdma_listen = $addr:$SILK_PORT" >"$SILK_DATA.conf"
	"$SILKD" -c "$SILK_DATA.conf" -d "$SILK_DATA" -l "127.0.0.1:$SILK_PORT" \
		--mgmt-socket "$SILK_SOCK" "$@" >>"$out/logs/silkd.log" 2>&1 </dev/null &
	SILKD_PID=$!
	for ((i = 0; i < 100; i++)); do
		"$SILKCTL" -s "$SILK_SOCK" status >/dev/null 2>&1 && break
		kill -0 "$SILKD_PID" 2>/dev/null ||
			{ echo "silkd exited at startup (logs/silkd.log)" >"$out/status/$sys"; return 1; }
		sleep 0.2
	done
	step "volume create" "$SILKCTL" -s "$SILK_SOCK" volume create bench --size "${size_mb}M" \
		--backing /dev/ram2 || return 1
	local outp
	outp=$(timeout -k 10 60 "$SILKCTL" -s "$SILK_SOCK" attach bench --addr "$addr" \
		--port "$SILK_PORT" --transport "$tr" 2>&1)
	echo "$outp" >>"$out/logs/$sys.log"
	DEV=$(printf '%s\n' "$outp" | grep -Eo '/dev/silk[0-9]+' | tail -n 1)
	[ -n "$DEV" ] && wait_block "$DEV" 10 ||
		{ echo "silkctl attach failed: $outp" | head -n 1 >"$out/status/$sys"; return 1; }
	cat "/sys/block/${DEV#/dev/}/queue/nr_requests" >>"$out/logs/$sys.log" 2>/dev/null
	ls "/sys/block/${DEV#/dev/}/mq" 2>/dev/null | wc -l | sed 's/^/hw queues: /' >>"$out/logs/$sys.log"
}

silk_teardown() {
	local d
	for d in /sys/block/silk*; do
		[ -e "$d" ] && bounded 60 "silkctl detach" "$SILKCTL" detach "/dev/${d##*/}"
	done
	if [ -n "$SILKD_PID" ]; then
		kill -TERM "$SILKD_PID" 2>/dev/null
		timeout 30 tail --pid="$SILKD_PID" -f /dev/null
		kill -KILL "$SILKD_PID" 2>/dev/null
		SILKD_PID=
	fi
	[ -d /sys/module/silk_rdma ] && bounded 60 "rmmod silk_rdma" rmmod silk_rdma
	[ -d /sys/module/silk ] && bounded 60 "rmmod silk" rmmod silk
	rm -rf "$SILK_DATA" "$SILK_DATA.conf"
	return 0
}

# ----------------------------------------------------------------- main
python3 - "$out/guest.json" "$runtime" "$ramp" "$size_mb" "$rounds" "$first_round" <<'EOF'
import json, os, platform, sys
mem = int(open("/proc/meminfo").readline().split()[1]) * 1024
json.dump({"kernel": platform.release(), "cpus": os.cpu_count(), "mem_bytes": mem,
           "runtime_s": int(sys.argv[2]), "ramp_s": int(sys.argv[3]),
           "size_mb": int(sys.argv[4]), "rounds": int(sys.argv[5]),
           "first_round": int(sys.argv[6]),
           "user_hz": os.sysconf("SC_CLK_TCK"),
           "fio": os.popen("fio --version").read().strip(),
           "ioengine": "libaio"}, open(sys.argv[1], "w"), indent=1)
EOF

# Debian 6.1's nvmet-tcp can hit a hardened-usercopy BUG (mm/usercopy.c:101,
# "Kernel memory exposure attempt detected from page alloc") when the NVMe/TCP
# host sends a bio segment of fio's buffer that runs across the end of a
# transparent huge page: the nvmet kworker dies holding a mutex and fio
# hangs (seen in a benchmark boot of 2026-12-06).  Huge pages only where a
# program asks for them (fio does not): the same for every system.
thp=/sys/kernel/mm/transparent_hugepage/enabled
if [ -w "$thp" ] && echo madvise >"$thp" 2>/dev/null; then
	log "transparent huge pages: madvise"
fi

# One round of one system: set up, fill, the jobs (and in the first round
# the profile), tear down.  Returns 1 when the system failed.
run_system() { # sys
	local sys=$1 ok=1
	if [ "$first_round" = 1 ]; then
		log "=== $sys (round $round of $rounds)"
	else
		log "=== $sys (round $round; this boot: rounds $first_round-$last_round)"
	fi
	echo "setting up" >"$out/status/$sys"
	DEV=
	if "setup_$sys" && [ -b "$DEV" ]; then
		log "$sys: $DEV ($(blockdev --getsize64 "$DEV") bytes)"
		echo "round $round: device $DEV, $(blockdev --getsize64 "$DEV") bytes" >>"$out/logs/$sys.log"
		prefill "$DEV" || ok=0
		if [ $ok = 1 ]; then
			for spec in $JOBS; do
				run_job "$sys" "$DEV" "$spec" </dev/null || { ok=0; break; }
			done
		fi
		[ $ok = 1 ] && [ "$round" = 1 ] && profile "$sys" "$DEV"
		[ $ok = 1 ] && echo ok >"$out/status/$sys"
	else
		grep -qv 'setting up' "$out/status/$sys" || echo "setup failed" >"$out/status/$sys"
		ok=0
	fi
	"teardown_$sys"
	if [ $ok = 0 ]; then
		[ "$first_round" = 1 ] && [ "$rounds" = 1 ] || sed -i "1s/^/round $round: /" "$out/status/$sys"
		log "$sys: FAILED: $(cat "$out/status/$sys")"
		return 1
	fi
}

# Systems that do not run (again): unknown ones, and those that failed.
failed=0 dead=""
for sys in $systems; do
	case $sys in silk|silk-poll|nvme-tcp|nbd|silk-rdma|nvme-rdma|brd) ;; *) log "unknown system '$sys'"; failed=1; dead="$dead $sys" ;; esac
done
for ((round = first_round; round <= last_round; round++)); do
	order=$systems
	# Even rounds in reverse order: drift of the host's speed during the
	# boot then weighs on every system alike.
	[ $((round % 2)) = 0 ] && order=$(printf '%s\n' $systems | tac | tr '\n' ' ')
	for sys in $order; do
		# A system that failed once sits out the later rounds.
		[[ " $dead " == *" $sys "* ]] && continue
		run_system "$sys" || { failed=1; dead="$dead $sys"; }
	done
done
dmesg >"$out/logs/dmesg.log" 2>/dev/null
exit $failed
