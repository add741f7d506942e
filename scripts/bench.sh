#!/bin/bash
# Silk benchmarks (`make bench`): native micro-benchmarks on this machine,
# then a QEMU boot (or --boots N of them, one after another) that runs
# identical fio jobs against silk over TCP (silk-poll: the same with silkd
# --busy-poll 1000), kernel NVMe/TCP, NBD, silk over RDMA, kernel
# NVMe/RDMA (both on soft-RoCE) and the brd RAM disk, then tables and
# JSON.
#
#   scripts/bench.sh [--quick] [--results DIR] [--runtime S] [--ramp S]
#                    [--size MB] [--rounds N] [--boots N]
#                    [--systems "silk silk-poll nvme-tcp nbd silk-rdma nvme-rdma brd"]
#                    [--native-time S] [--guest-args ARGS] [--profile]
#                    [--no-vm] [--no-native]
#
#   --quick         harness check: 1 s jobs, 64 MiB devices, 2 boots of 1
#                   round, short native runs; asserts nothing about speed
#                   but fails when a system cannot be set up or a
#                   benchmark errors
#   --results DIR   where everything goes (default build/bench)
#   --runtime S     measured seconds per fio job (default 5)
#   --ramp S        unmeasured warm-up seconds before each job (default 1)
#   --size MB       device size per system (default 1024)
#   --rounds N      measure every system N times in the boot, in turn
#                   (reverse order in even rounds); the tables give the
#                   median of the rounds, the targets also the range of
#                   the per-round ratios (default 3)
#   --boots N       boot the VM N times, each running --rounds rounds
#                   (numbered on across boots, so the order keeps
#                   alternating); the tables give the median of all rounds,
#                   the targets also the range of the per-boot ratios
#                   (default 1).  Boot B's files: DIR/vm (B=1), DIR/vmB
#   --native-time S seconds per native figure (default 3)
#   --guest-args A  guest kernel arguments (default "tsc=reliable": the
#                   guest reads time from the TSC, not the emulated HPET; see
#                   Documentation/performance.md "The rig"; "" for none)
#   --profile       also profile runs of 4k QD 1 and QD 32 and 128k QD 8 on
#                   silk, nvme-tcp, silk-rdma and nvme-rdma from outside
#                   the guest (scripts/tcg-profile.py):
#                   DIR/vm/out/profile/*.txt (first boot only)
#
# Output: DIR/results.md (tables), DIR/results.json (every figure, the git
# commit, the date, the host load), DIR/vm/ (guest logs, fio JSON),
# DIR/native/ (native benchmark JSON).  The last line is
# "bench: N passed, N failed" (one per system / native benchmark that
# produced figures).  SILK_NO_BUILD=1 skips make.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

quick=0 results="" runtime="" ramp="" size="" rounds="" boots="" native_time="" profile=0 vm=1 native=1
guest_args="tsc=reliable"
systems="silk silk-poll nvme-tcp nbd silk-rdma nvme-rdma brd"
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) quick=1; shift ;;
	--results) results=$2; shift 2 ;;
	--runtime) runtime=$2; shift 2 ;;
	--ramp) ramp=$2; shift 2 ;;
	--size) size=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--boots) boots=$2; shift 2 ;;
	--systems) systems=$2; shift 2 ;;
	--native-time) native_time=$2; shift 2 ;;
	--guest-args) guest_args=$2; shift 2 ;;
	--profile) profile=1; shift ;;
	--no-vm) vm=0; shift ;;
	--no-native) native=0; shift ;;
	-h|--help) sed -n '2,45s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "bench: unknown option: $1 (see --help)" >&2; exit 2 ;;
	esac
done
if [ $quick = 1 ]; then
	runtime=${runtime:-1} ramp=${ramp:-0} size=${size:-64} rounds=${rounds:-1} boots=${boots:-2}
	native_time=${native_time:-0.3}
else
	runtime=${runtime:-5} ramp=${ramp:-1} size=${size:-1024} rounds=${rounds:-3} boots=${boots:-1}
	native_time=${native_time:-3}
fi
case "$runtime$ramp$size$rounds$boots" in *[!0-9]*) echo "bench: --runtime, --ramp, --size, --rounds and --boots take whole numbers" >&2; exit 2 ;; esac
[ "$rounds" -ge 1 ] && [ "$rounds" -le 20 ] || { echo "bench: --rounds takes 1 to 20" >&2; exit 2; }
[ "$boots" -ge 1 ] && [ "$boots" -le 10 ] || { echo "bench: --boots takes 1 to 10" >&2; exit 2; }
case "$native_time" in ''|*[!0-9.]*) echo "bench: --native-time takes seconds" >&2; exit 2 ;; esac
for s in $systems; do
	case $s in silk|silk-poll|nvme-tcp|nbd|silk-rdma|nvme-rdma|brd) ;;
	*) echo "bench: unknown system '$s' (silk silk-poll nvme-tcp nbd silk-rdma nvme-rdma brd)" >&2; exit 2 ;;
	esac
done
results=${results:-$top/build/bench}

log() { printf '[%s] bench: %s\n' "$(date +%T)" "$*"; }

if [ "${SILK_NO_BUILD:-0}" != 1 ]; then
	log "building (make, make -C tools/bench)"
	make -s -j"$(nproc)" >/dev/null && make -s -C tools/bench >/dev/null ||
		{ echo "bench: build failed" >&2; exit 1; }
fi

mkdir -p "$results"
results=$(cd "$results" && pwd)
rm -rf "$results"/vm "$results"/vm[0-9]* "$results/native" "$results/results.json" "$results/results.md"
mkdir -p "$results/native"

# Facts about this run: what was measured, and how busy the machine was.
qemus() { pgrep -x qemu-system-x86 | wc -l; }
commit=$(git -C "$top" rev-parse HEAD 2>/dev/null || echo unknown)
# Uncommitted or untracked source files mean the commit alone does not
# describe what was measured.
dirty=$([ -n "$(git -C "$top" status --porcelain 2>/dev/null)" ] && echo true || echo false)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
qemus_before=$(qemus)
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# ---------------------------------------------------------------- native
# Every native step is bounded: the tools by `timeout`, loadgen_native by
# silk-loadgen's own --time/--timeout and bounded waits for silkd.
run_native() { # name cmd... ; output in native/NAME.txt, rc in native/NAME.rc
	local name=$1; shift
	log "native: $name"
	if [ "$(type -t "$1")" = function ]; then
		"$@" >"$results/native/$name.txt" 2>&1
	else
		timeout 600 "$@" >"$results/native/$name.txt" 2>&1
	fi
	echo $? >"$results/native/$name.rc"
	cat "$results/native/$name.txt"
}

loadgen_native() {
	local d pid rc=1 port=17400 vol_size=$((quick ? 64 : 1024))
	d=$(mktemp -d /dev/shm/silk-bench.XXXXXX 2>/dev/null || mktemp -d /tmp/silk-bench.XXXXXX)
	# A free port for silkd, loopback only.
	while ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; do
		port=$((port + 1))
		[ $port -lt 17500 ] || { echo "no free port in 17400-17499" >&2; return 1; }
	done
	daemon/silkd -d "$d/data" -l "127.0.0.1:$port" --mgmt-socket "$d/mgmt.sock" \
		>"$results/native/silkd.log" 2>&1 </dev/null &
	pid=$!
	for _ in $(seq 100); do
		tools/silkctl -s "$d/mgmt.sock" status >/dev/null 2>&1 && break
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	if tools/silkctl -s "$d/mgmt.sock" volume create bench --size "${vol_size}M" >/dev/null; then
		tools/bench/silk-loadgen --volume bench --port "$port" --conns 2 --qd 32 \
			--bs 4K --prefill --time "$native_time" --ramp "$(awk -v t="$native_time" 'BEGIN { print (t < 1 ? t : 1) }')" \
			--pid $pid --json "$results/native/loadgen.json"
		rc=$?
	fi
	kill -TERM $pid 2>/dev/null
	timeout 30 tail --pid=$pid -f /dev/null
	kill -KILL $pid 2>/dev/null
	wait $pid 2>/dev/null
	rm -rf "$d"
	return $rc
}

if [ $native = 1 ]; then
	run_native loadgen loadgen_native
	run_native ecbench tools/bench/ecbench --time "$native_time" --json "$results/native/ecbench.json"
	run_native lz4bench tools/bench/lz4bench --time "$native_time" \
		--pages $((quick ? 512 : 4096)) --json "$results/native/lz4bench.json"
fi

# -------------------------------------------------------------------- VM
if [ $vm = 1 ]; then
	nsys=$(echo "$systems" | wc -w)
	mem=$((1536 + 4 * size))
	# boot + per system and round: setup, prefill, 6 x (warm-up + job +
	# fio start-up).
	# A quick run is a harness check inside the test suite's time limit:
	# shorter step limits, so a system that hangs is reported (with the
	# guest kernel's view of it) long before that limit.
	if [ $quick = 1 ]; then
		step_limit=60
		limit=$((240 + rounds * nsys * 120))
	else
		step_limit=120
		limit=$((300 + rounds * nsys * (180 + 6 * (ramp + runtime + 30)) + profile * nsys * 120))
	fi
	log "VM: systems '$systems', guest args '$guest_args', $boots boot(s) of $rounds rounds of ${runtime}s jobs (+${ramp}s warm-up), ${size} MiB devices, ${mem} MiB RAM, limit ${limit}s per boot"
	profiler=
	for ((boot = 1; boot <= boots; boot++)); do
		vd=$results/vm
		[ $boot = 1 ] || vd=$results/vm$boot
		mkdir -p "$vd"
		[ "$boots" = 1 ] || log "VM: boot $boot of $boots ($vd)"
		# Sample the host's load while the guest runs (other engineers' VMs
		# share the machine); the report quotes it.
		( while :; do
			echo "$(date +%s) $(cut -d' ' -f1-3 /proc/loadavg) $(qemus)"
			sleep 10
		done ) >"$vd/hostload.txt" 2>/dev/null &
		sampler=$!
		prof_args=() vm_args=()
		if [ $profile = 1 ] && [ $boot = 1 ]; then
			# The monitor socket's path must be short: not under DIR.
			mon=$(mktemp -u /tmp/silk-bench-mon.XXXXXX)
			prof_args=(--profile) vm_args=(--monitor "$mon")
			python3 scripts/tcg-profile.py record --monitor "$mon" --wait "$limit" \
				--flag-dir "$vd/out/profile" >"$vd/profiler.log" 2>&1 &
			profiler=$!
		fi
		scripts/vm.sh --results "$vd" --mem "$mem" --timeout "$limit" \
			--append "$guest_args" "${vm_args[@]}" -- \
			scripts/bench-guest.sh --out "$vd/out" --runtime "$runtime" \
			--ramp "$ramp" --size "$size" --systems "$systems" --step-limit "$step_limit" \
			--rounds "$rounds" --first-round $(((boot - 1) * rounds + 1)) \
			"${prof_args[@]}"
		echo $? >"$vd/rc"
		kill $sampler 2>/dev/null
		wait $sampler 2>/dev/null
		if [ -n "$profiler" ] && [ $boot = 1 ]; then
			wait $profiler 2>/dev/null
			rm -f "$mon"
		fi
	done
	if [ -n "$profiler" ]; then
		pd=$results/vm/out/profile
		for f in "$pd"/samples-*.txt; do
			[ -e "$f" ] || continue
			label=${f##*/samples-} label=${label%.txt}
			sys=$(sed -E 's/-(randread|randwrite|read|write)-[0-9]+k-qd[0-9]+$//' <<<"$label")
			maps=()
			for m in fio silkd; do
				[ -s "$pd/$label.maps-$m" ] && maps+=(--maps "$m=$pd/$label.maps-$m")
			done
			python3 scripts/tcg-profile.py report --samples "$f" \
				--kallsyms "$pd/$sys.kallsyms" "${maps[@]}" >"$pd/$label.txt" 2>&1
			log "profile: $pd/$label.txt"
		done
	fi
fi

# ---------------------------------------------------------------- report
cat >"$results/meta.json" <<EOF
{"commit": "$commit", "dirty": $dirty, "date": "$started",
 "finished": "$(date -u +%Y-%m-%dT%H:%M:%SZ)", "quick": $([ $quick = 1 ] && echo true || echo false),
 "host": {"kernel": "$(uname -r)", "cpus": $(nproc), "loadavg_before": "$load_before",
          "loadavg_after": "$(cut -d' ' -f1-3 /proc/loadavg)",
          "other_qemu_before": $qemus_before, "cpu_model": "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//; s/"//g')"},
 "systems": "$systems", "guest_args": "$guest_args", "boots": $boots, "vm": $([ $vm = 1 ] && echo true || echo false),
 "native": $([ $native = 1 ] && echo true || echo false)}
EOF
python3 scripts/bench-report.py "$results"
