#!/bin/bash
# fio with verification on the raw device: random 4k writes, mixed sizes up
# to 1 MiB (bssplit), O_DIRECT and buffered; then detach, attach again and
# verify the first job's data from the server only.
# timeout: 600
. "$(dirname "$0")/lib.sh"
t_begin

silkd_start
volume_create fv 256M
dev=$(attach fv)

common=(--filename="$dev" --verify=crc32c --do_verify=1 --verify_fatal=1
	--randrepeat=1 --group_reporting --exitall_on_error)

must run_fio rand4k-direct "${common[@]}" --direct=1 --ioengine=libaio \
	--iodepth=16 --rw=randwrite --bs=4k --offset=0 --size=24M
must run_fio mixed-direct "${common[@]}" --direct=1 --ioengine=libaio \
	--iodepth=8 --rw=randwrite --bssplit=4k/30:8k/15:64k/20:256k/20:1m/15 \
	--offset=64M --size=64M
must run_fio mixed-buffered "${common[@]}" --direct=0 --ioengine=psync \
	--rw=randwrite --bssplit=4k/40:16k/20:128k/20:1m/20 --end_fsync=1 \
	--offset=160M --size=32M
must run_fio seq-direct "${common[@]}" --direct=1 --ioengine=libaio \
	--iodepth=4 --rw=write --bs=1m --offset=200M --size=32M
for j in rand4k-direct mixed-direct mixed-buffered seq-direct; do
	grep -q 'err= 0' "$T_DIR/fio-$j.log" || fail "fio job $j reported errors"
done

# Only the server has the data now.
detach "$dev"
dev=$(attach fv)
must run_fio rand4k-reverify --filename="$dev" --verify=crc32c --verify_only \
	--verify_fatal=1 --randrepeat=1 --direct=1 --ioengine=libaio --iodepth=16 \
	--rw=randwrite --bs=4k --offset=0 --size=24M
must run_fio mixed-reverify --filename="$dev" --verify=crc32c --verify_only \
	--verify_fatal=1 --randrepeat=1 --direct=1 --ioengine=libaio --iodepth=8 \
	--rw=randwrite --bssplit=4k/30:8k/15:64k/20:256k/20:1m/15 --offset=64M --size=64M
detach "$dev"
silkd_stop
t_pass
