#!/bin/bash
# crc32c data digests: attach with --digest, write and verify with fio,
# re-attach without digests and read the same data back.  RDMA has no
# data digests (the link's CRC covers the data): there --digest must be
# refused with a clear message, and the same data checks run without it.
# timeout: 300
. "$(dirname "$0")/lib.sh"
t_begin

silkd_start
volume_create dg 64M
if [ "$SILK_TRANSPORT" = rdma ]; then
	rc=0
	out=$(timeout 60 "$SILKCTL" attach dg --addr "$SILK_ADDR" --port "$SILK_PORT" \
		--transport rdma --digest 2>&1) || rc=$?
	[ $rc -ne 0 ] || fail "attach --digest over RDMA succeeded"
	assert_match "$out" "digest" "refusal message"
	[ -z "$(silk_devices)" ] || fail "refused attach left a device"
	dev=$(attach dg)
else
	dev=$(attach dg --digest)
fi
must run_fio digest-direct --filename="$dev" --verify=crc32c --do_verify=1 \
	--verify_fatal=1 --randrepeat=1 --direct=1 --ioengine=libaio --iodepth=8 \
	--rw=randwrite --bssplit=4k/50:64k/30:1m/20 --size=32M
grep -q 'err= 0' "$T_DIR/fio-digest-direct.log" || fail "fio reported errors with --digest"
detach "$dev"
dev=$(attach dg)
must run_fio digest-reverify --filename="$dev" --verify=crc32c --verify_only \
	--verify_fatal=1 --randrepeat=1 --direct=1 --ioengine=libaio --iodepth=8 \
	--rw=randwrite --bssplit=4k/50:64k/30:1m/20 --size=32M
detach "$dev"
silkd_stop
t_pass
