#!/bin/bash
# Attach: a volume becomes /dev/silkN with the volume's size and block size,
# the queue limits a filesystem needs, and sysfs attributes; data written
# reads back; two devices at once; attaching a missing volume fails; detach
# removes the disk.
# timeout: 240
. "$(dirname "$0")/lib.sh"
t_begin

silkd_start
volume_create a4k 64M 4096
volume_create a512 32M 512

dev=$(attach a4k --queues 2)
disk=${dev#/dev/}
q=/sys/block/$disk/queue
log "attached a4k as $dev"
assert_eq "$(blockdev --getsize64 "$dev")" $((64 << 20)) "size of $dev"
assert_eq "$(cat "$q/logical_block_size")" 4096 "logical_block_size"
# The largest I/O: the server's max_data -- 1 MiB over TCP, silkd's
# rdma_max_data (256 KiB by default) over RDMA.
max_kb=1024
[ "$SILK_TRANSPORT" = rdma ] && max_kb=256
[ "$(cat "$q/max_hw_sectors_kb")" -ge $max_kb ] ||
	fail "max_hw_sectors_kb $(cat "$q/max_hw_sectors_kb") < $max_kb"
assert_eq "$(cat "$q/write_cache")" "write back" "write_cache"
assert_eq "$(cat "$q/fua")" 1 "fua"
[ "$(cat "$q/discard_max_bytes")" -gt 0 ] || fail "discard not advertised"
[ "$(cat "$q/write_zeroes_max_bytes")" -gt 0 ] || fail "write zeroes not advertised"
nq=$(ls "/sys/block/$disk/mq" | wc -l)
want=$(($(nproc) < 2 ? $(nproc) : 2))
assert_eq "$nq" "$want" "hw queues with --queues 2"

# sysfs attributes (volume name, server, transport, state)
ls "/sys/block/$disk/silk" >"$T_DIR/sysfs.txt" 2>&1 || ls "/sys/block/$disk" >"$T_DIR/sysfs.txt"
assert_eq "$(silk_sysfs "$dev" volume)" a4k "sysfs volume"
assert_eq "$(silk_sysfs "$dev" transport)" "$SILK_TRANSPORT" "sysfs transport"
want_tdev=-
[ "$SILK_TRANSPORT" = rdma ] && want_tdev=rxe0
assert_eq "$(silk_sysfs "$dev" transport_dev)" "$want_tdev" "sysfs transport_dev"
"$SILKCTL" list | grep -q "$SILK_TRANSPORT" || fail "silkctl list does not show the transport"
silk_sysfs "$dev" state | grep -qi live || fail "sysfs state is '$(silk_sysfs "$dev" state)', expected live"
silk_sysfs "$dev" server | grep -q "$SILK_PORT" || fail "sysfs server '$(silk_sysfs "$dev" server)' lacks port $SILK_PORT"

# silkctl list (from the kernel) shows it
silkctl list >"$T_DIR/list.txt"
grep -q "$disk" "$T_DIR/list.txt" || fail "silkctl list does not show $disk"
grep -q a4k "$T_DIR/list.txt" || fail "silkctl list does not show volume a4k"
"$SILKCTL" list --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
devs = d["devices"] if isinstance(d, dict) else d
assert any(x.get("volume") == "a4k" for x in devs), devs' || fail "silkctl list --json lacks a4k"

# data: middle, first and last block
mkrandom "$T_DIR/p1" $((3 << 20))
mkrandom "$T_DIR/p2" 4096
must dev_write "$dev" $((1 << 20)) "$T_DIR/p1"
must dev_write "$dev" 0 "$T_DIR/p2"
must dev_write "$dev" $(((64 << 20) - 4096)) "$T_DIR/p2"
drop_caches
assert_eq "$(dev_sha "$dev" $((1 << 20)) $((3 << 20)))" "$(file_sha "$T_DIR/p1")" "data at 1 MiB"
assert_eq "$(dev_sha "$dev" 0 4096)" "$(file_sha "$T_DIR/p2")" "first block"
assert_eq "$(dev_sha "$dev" $(((64 << 20) - 4096)) 4096)" "$(file_sha "$T_DIR/p2")" "last block"
# a write past the end fails
must_fail dd if="$T_DIR/p2" of="$dev" oflag=direct,seek_bytes seek=$((64 << 20)) bs=4096 count=1 conv=notrunc,fsync status=none

# a second device, 512-byte blocks, at the same time
dev2=$(attach a512)
[ "$dev2" != "$dev" ] || fail "two attaches gave the same device $dev"
assert_eq "$(blockdev --getsize64 "$dev2")" $((32 << 20)) "size of $dev2"
assert_eq "$(cat "/sys/block/${dev2#/dev/}/queue/logical_block_size")" 512 "512-byte volume's block size"
mkrandom "$T_DIR/p3" 3584
must dd if="$T_DIR/p3" of="$dev2" oflag=direct bs=512 seek=7 conv=notrunc,fsync status=none
assert_eq "$(dd if="$dev2" iflag=direct bs=512 skip=7 count=7 status=none | sha256sum | cut -d' ' -f1)" \
	"$(file_sha "$T_DIR/p3")" "512-byte-aligned data"
# the other device is untouched
assert_eq "$(dev_sha "$dev" 0 4096)" "$(file_sha "$T_DIR/p2")" "first device after writing the second"

# the data is on the server: detach, attach again, read
detach "$dev2"
detach "$dev"
[ -z "$(silk_devices)" ] || fail "devices left after detach: $(silk_devices)"
dev=$(attach a4k)
assert_eq "$(dev_sha "$dev" $((1 << 20)) $((3 << 20)))" "$(file_sha "$T_DIR/p1")" "data after re-attach"
detach "$dev"

# a volume the server does not have
must_fail timeout 60 "$SILKCTL" attach nosuchvol --addr "$SILK_ADDR" --port "$SILK_PORT"
[ -z "$(silk_devices)" ] || fail "a failed attach left a device: $(silk_devices)"
# nothing listening
must_fail timeout 60 "$SILKCTL" attach a4k --addr "$SILK_ADDR" --port 1
[ -z "$(silk_devices)" ] || fail "a failed attach left a device: $(silk_devices)"

must silkctl volume delete a512 >/dev/null
silkd_stop
t_pass
