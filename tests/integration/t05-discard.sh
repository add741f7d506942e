#!/bin/bash
# Discard and write-zeroes: discarded ranges read back as zeroes, data
# around them is intact, and the server's file space shrinks (holes).
# timeout: 300
. "$(dirname "$0")/lib.sh"
t_begin

MiB=$((1 << 20))
silkd_start
volume_create dc 128M
dev=$(attach dc)
[ "$(cat "/sys/block/${dev#/dev/}/queue/discard_max_bytes")" -gt 0 ] || fail "discard not advertised"

mkrandom "$T_DIR/pat" $((48 * MiB))
must dev_write "$dev" 0 "$T_DIR/pat"
before=$(volume_allocated dc)
log "allocated after writing 48 MiB: $before"
[ "$before" -ge $((48 * MiB)) ] || fail "server allocated $before bytes for 48 MiB written"

# discard 16 MiB in the middle
must blkdiscard -o $((8 * MiB)) -l $((16 * MiB)) "$dev"
dev_is_zero "$dev" $((8 * MiB)) $((16 * MiB)) || fail "discarded range does not read back as zeroes"
assert_eq "$(dev_sha "$dev" 0 $((8 * MiB)))" \
	"$(head -c $((8 * MiB)) "$T_DIR/pat" | sha256sum | cut -d' ' -f1)" "data before the discarded range"
assert_eq "$(dev_sha "$dev" $((24 * MiB)) $((24 * MiB)))" \
	"$(tail -c $((24 * MiB)) "$T_DIR/pat" | sha256sum | cut -d' ' -f1)" "data after the discarded range"
after=$(volume_allocated dc)
log "allocated after discarding 16 MiB: $after"
[ "$after" -le $((before - 15 * MiB)) ] || fail "server space did not shrink: $before -> $after bytes"

# write zeroes (blkdiscard -z) over 4 MiB of data
must blkdiscard -z -o $((32 * MiB)) -l $((4 * MiB)) "$dev"
dev_is_zero "$dev" $((32 * MiB)) $((4 * MiB)) || fail "write-zeroes range is not zero"
assert_eq "$(dev_sha "$dev" $((36 * MiB)) $((12 * MiB)))" \
	"$(tail -c $((12 * MiB)) "$T_DIR/pat" | sha256sum | cut -d' ' -f1)" "data after the zeroed range"

# discard the whole device
must blkdiscard "$dev"
dev_is_zero "$dev" 0 $((128 * MiB)) || fail "device not zero after a full discard"
all=$(volume_allocated dc)
log "allocated after a full discard: $all"
[ "$all" -le $((1 * MiB)) ] || fail "server still allocates $all bytes after a full discard"

# zeroes persist on the server
detach "$dev"
dev=$(attach dc)
dev_is_zero "$dev" 0 $((48 * MiB)) || fail "device not zero after re-attach"
detach "$dev"
silkd_stop
t_pass
