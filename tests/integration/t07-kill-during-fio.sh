#!/bin/bash
# silkd is killed with SIGKILL and restarted twice while fio writes with
# verification: the device reconnects, fio finishes without an error and
# its verify pass succeeds; the data also verifies from the server after a
# re-attach.
# timeout: 600
. "$(dirname "$0")/lib.sh"
t_begin

silkd_start
volume_create kf 128M
dev=$(attach kf --loss-timeout 120)

# rate_iops keeps fio writing for well over 10 s, so the kills land in it.
job=(--verify=crc32c --verify_fatal=1 --randrepeat=1
	--direct=1 --ioengine=libaio --iodepth=16 --rw=randwrite
	--bssplit=4k/70:8k/20:64k/10 --size=48M)
bg_start fio fio --name=killed --output="$T_DIR/fio-killed.log" --filename="$dev" \
	--do_verify=1 --rate_iops=300 "${job[@]}"

for round in 1 2; do
	wait_stat writes 200 120
	bg_running fio || fail "fio ended before kill $round"
	silkd_kill
	log "round $round: silkd killed"
	sleep 2
	silkd_start
	log "round $round: silkd restarted"
done

bg_wait fio 420 || fail "fio did not finish within 420 s after the restarts"
if [ "$WAIT_RC" -ne 0 ]; then
	tail -n 30 "$T_DIR/fio-killed.log" >&2
	fail "fio exited with $WAIT_RC across the silkd restarts"
fi
grep -q 'err= 0' "$T_DIR/fio-killed.log" || fail "fio reported errors"
silk_sysfs "$dev" state | grep -qi live || fail "device state '$(silk_sysfs "$dev" state)' at the end"

detach "$dev"
dev=$(attach kf)
must run_fio killed-reverify --filename="$dev" --verify_only "${job[@]}"
detach "$dev"
silkd_stop
t_pass
