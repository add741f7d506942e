#!/bin/bash
# silkd --busy-poll: workers that poll for work instead of sleeping serve
# the kernel client correctly (fio verify at QD 1 and QD 16, mixed sizes,
# over the transport under test), count the rounds polling found work,
# go back to sleep once I/O stops (an idle silkd burns no CPU), and a
# silkd killed while its workers spin is survived like any other; over
# RDMA, --rdma-busy-poll on serves fio verify too.
# timeout: 420
. "$(dirname "$0")/lib.sh"
t_begin

silkd_cpu_ticks() { # utime + stime of silkd
	awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$(silkd_pid)/stat"
}

silkd_start --busy-poll 2000 -t 2
volume_create bp 128M
dev=$(attach bp)

common=(--filename="$dev" --verify=crc32c --do_verify=1 --verify_fatal=1
	--randrepeat=1 --direct=1 --ioengine=libaio --exitall_on_error)
must run_fio poll-qd1 "${common[@]}" --iodepth=1 --rw=randwrite --bs=4k \
	--offset=0 --size=8M
must run_fio poll-qd16 "${common[@]}" --iodepth=16 --rw=randwrite \
	--bssplit=4k/40:16k/20:64k/20:256k/20 --offset=16M --size=48M
for j in poll-qd1 poll-qd16; do
	grep -q 'err= 0' "$T_DIR/fio-$j.log" || fail "fio job $j reported errors"
done
hits=$(silkd_stat busy_poll_hits)
[ "$hits" -gt 0 ] || fail "busy_poll_hits is 0 after $(silkd_stat writes) writes"
log "busy_poll_hits $hits"

# Idle: every worker's window closes and it sleeps.  A worker that kept
# spinning would use about 100 ticks a second.
sleep 1
t0=$(silkd_cpu_ticks)
sleep 3
t1=$(silkd_cpu_ticks)
log "idle silkd used $((t1 - t0)) ticks in 3 s"
[ $((t1 - t0)) -lt 60 ] || fail "idle silkd with --busy-poll used $((t1 - t0)) ticks of CPU in 3 s"

# Killed while polling under load: I/O resumes on the restarted silkd.
bg_start poll-load fio --name=poll-load --filename="$dev" --direct=1 \
	--ioengine=libaio --iodepth=8 --rw=randrw --bs=4k --offset=80M --size=16M \
	--time_based --runtime=8 --output="$T_DIR/fio-poll-load.log"
sleep 2
silkd_kill
silkd_start --busy-poll 2000 -t 2
bg_wait poll-load 120 || fail "fio did not finish within 120 s of the restart"
[ "$WAIT_RC" -eq 0 ] || { tail -n 20 "$T_DIR/fio-poll-load.log" >&2; fail "fio exited with $WAIT_RC across the restart"; }
grep -q 'err= 0' "$T_DIR/fio-poll-load.log" || fail "fio reported errors across the restart"
mkrandom "$T_DIR/data" 4M
must dev_write "$dev" $((100 << 20)) "$T_DIR/data"
drop_caches
assert_eq "$(dev_sha "$dev" $((100 << 20)) $((4 << 20)))" "$(file_sha "$T_DIR/data")" \
	"data after the restart"
detach "$dev"
silkd_stop

# Over RDMA, rdma_busy_poll: the worker spins on its completion queues
# (and its ring, whose completions may wait as task work for the next
# io_uring_enter) before it sleeps.
if [ "$SILK_TRANSPORT" = rdma ]; then
	silkd_start --rdma-busy-poll on -t 2
	dev=$(attach bp)
	must run_fio rdma-poll "${common[@]}" --iodepth=16 --rw=randwrite \
		--bssplit=4k/50:64k/50 --offset=0 --size=16M
	grep -q 'err= 0' "$T_DIR/fio-rdma-poll.log" || fail "fio job rdma-poll reported errors"
	detach "$dev"
	silkd_stop
fi
t_pass
