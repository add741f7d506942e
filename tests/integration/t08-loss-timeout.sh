#!/bin/bash
# Loss timeout: with silkd gone for good, I/O fails with EIO once the
# (short) loss timeout has passed instead of hanging; the device reports the
# failed state and can still be detached.
# timeout: 300
. "$(dirname "$0")/lib.sh"
t_begin

silkd_start
volume_create lt 64M
dev=$(attach lt --loss-timeout 5 --io-timeout 5)
mkrandom "$T_DIR/p" 65536
must dev_write "$dev" 0 "$T_DIR/p"
silkd_kill
log "silkd killed for good"

rc=0
timeout 150 dd if="$dev" of=/dev/null iflag=direct bs=4k count=1 2>"$T_DIR/read.err" || rc=$?
cat "$T_DIR/read.err"
[ $rc -ne 124 ] || fail "read still blocked after 150 s (loss timeout 5 s)"
[ $rc -ne 0 ] || fail "read succeeded with the server gone"
grep -qi 'input/output error' "$T_DIR/read.err" || fail "read failed, but not with EIO"

rc=0
timeout 150 dd if="$T_DIR/p" of="$dev" oflag=direct bs=4k count=1 conv=notrunc 2>"$T_DIR/write.err" || rc=$?
cat "$T_DIR/write.err"
[ $rc -ne 124 ] || fail "write still blocked after 150 s"
[ $rc -ne 0 ] || fail "write succeeded with the server gone"
grep -qi 'input/output error' "$T_DIR/write.err" || fail "write failed, but not with EIO"

silk_sysfs "$dev" state | grep -qi fail || fail "device state '$(silk_sysfs "$dev" state)', expected failed"
detach "$dev"
t_pass
