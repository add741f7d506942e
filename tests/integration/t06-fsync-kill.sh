#!/bin/bash
# fsync'd data survives a silkd crash: write and fsync files on XFS and a
# block on the raw device, kill silkd with SIGKILL, restart it; the device
# reconnects by itself and every fsync'd byte reads back, also after
# unmount, detach and attach.
# timeout: 420
. "$(dirname "$0")/lib.sh"
t_begin

silkd_start
volume_create fk 512M
volume_create fkraw 64M
dev=$(attach fk --loss-timeout 120)
raw=$(attach fkraw --loss-timeout 120)
mnt=$(mnt_dir fk)
mkdir -p "$mnt"
must mkfs.xfs -q -f "$dev"
must mount "$dev" "$mnt"

mkrandom "$T_DIR/a" $((8 << 20))
mkrandom "$T_DIR/b" 12345
mkrandom "$T_DIR/r" $((2 << 20))
must dd if="$T_DIR/a" of="$mnt/a" bs=1M conv=fsync status=none
must dd if="$T_DIR/b" of="$mnt/b" oflag=dsync status=none
must sync -f "$mnt"		# syncfs: the directory entries too
must dev_write "$raw" $((5 << 20)) "$T_DIR/r"

silkd_kill
log "silkd killed"
silkd_start
log "silkd restarted"

# The raw device reconnects and reads the fsync'd block (O_DIRECT).
assert_eq "$(dev_sha "$raw" $((5 << 20)) $((2 << 20)))" \
	"$(file_sha "$T_DIR/r")" "raw data after the crash"
silk_sysfs "$raw" state | grep -qi live || fail "raw device state '$(silk_sysfs "$raw" state)' after reconnect"

# Files, through the page cache and then from the server only.
assert_eq "$(file_sha "$mnt/a")" "$(file_sha "$T_DIR/a")" "file a"
must timeout 120 umount "$mnt"
detach "$dev"
dev=$(attach fk)
must mount "$dev" "$mnt"
assert_eq "$(file_sha "$mnt/a")" "$(file_sha "$T_DIR/a")" "file a after re-attach"
assert_eq "$(file_sha "$mnt/b")" "$(file_sha "$T_DIR/b")" "file b after re-attach"
must umount "$mnt"
detach "$dev"
detach "$raw"
silkd_stop
t_pass
