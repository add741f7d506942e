#!/bin/bash
# Large READs from a direct-I/O backing go from the backing to the socket
# by splice() (silkd's splice_min, default 64K): data written is read back
# and compared, for every block size around the threshold, and silkd's
# reads_spliced counter shows the path was taken.  Never spliced: reads
# with data digests, reads after `--splice-min off`, and everything over
# RDMA (the data moves by RDMA WRITE there); the same data checks run.
# timeout: 420
. "$(dirname "$0")/lib.sh"
t_begin

img=/tmp/silk-itest-splice.img
loopdev=
splice_cleanup() {
	local rc=$?
	trap - ERR
	set +eEu
	cleanup_all
	[ -z "$loopdev" ] || losetup -d "$loopdev" 2>/dev/null || true
	rm -f "$img"
	exit $rc
}
trap splice_cleanup EXIT

# A block device silkd opens O_DIRECT: a loop device over a tmpfs file.
modprobe loop 2>/dev/null || true
truncate -s 96M "$img"
loopdev=$(losetup -f --show "$img") || fail "losetup failed"
silkd_start
must silkctl volume create sp --size 64M --backing "$loopdev" >/dev/null
grep -q "volume sp: direct I/O on $loopdev" "$T_DIR/silkd.log" ||
	fail "silkd did not open $loopdev with direct I/O"

expect_spliced() { # before what
	local now
	now=$(silkd_stat reads_spliced)
	if [ "$SILK_TRANSPORT" = tcp ]; then
		[ "$now" -gt "$1" ] || fail "$2: no READ was spliced ($now)"
	else
		[ "$now" -eq "$1" ] || fail "$2: READs spliced over $SILK_TRANSPORT ($1 -> $now)"
	fi
	log "$2: reads_spliced $1 -> $now"
}

dev=$(attach sp)
before=$(silkd_stat reads_spliced)
# Sizes below, at and above the threshold, mixed in one queue.
must run_fio splice-verify --filename="$dev" --verify=crc32c --do_verify=1 \
	--verify_fatal=1 --randrepeat=1 --direct=1 --ioengine=libaio --iodepth=16 \
	--rw=randwrite --bssplit=4k/20:60k/10:64k/20:128k/25:512k/15:1m/10 \
	--offset=0 --size=40M
grep -q 'err= 0' "$T_DIR/fio-splice-verify.log" || fail "fio reported errors"
expect_spliced "$before" "fio verify"

# A known file, read back in 1 MiB and in 64 KiB requests.
mkrandom "$T_DIR/data" 8M
must dev_write "$dev" $((48 << 20)) "$T_DIR/data"
want=$(file_sha "$T_DIR/data")
before=$(silkd_stat reads_spliced)
assert_eq "$(dev_sha "$dev" $((48 << 20)) $((8 << 20)))" "$want" "1 MiB reads"
got=$(timeout "$SILK_IO_LIMIT" dd if="$dev" iflag=direct,skip_bytes skip=$((48 << 20)) \
	bs=64K count=128 status=none | sha256sum | cut -d' ' -f1)
assert_eq "$got" "$want" "64 KiB reads"
expect_spliced "$before" "dd reads"
detach "$dev"

# Data digests need the bytes in silkd: those replies are copied.
if [ "$SILK_TRANSPORT" = tcp ]; then
	dev=$(attach sp --digest)
	before=$(silkd_stat reads_spliced)
	assert_eq "$(dev_sha "$dev" $((48 << 20)) $((8 << 20)))" "$want" "reads with digests"
	assert_eq "$(silkd_stat reads_spliced)" "$before" "spliced reads with digests"
	detach "$dev"
fi

# splice_min off: everything is copied, the data is the same.
silkd_stop
silkd_start --splice-min off
dev=$(attach sp)
assert_eq "$(dev_sha "$dev" $((48 << 20)) $((8 << 20)))" "$want" "reads with splice off"
must run_fio splice-off-verify --filename="$dev" --verify=crc32c --verify_only \
	--verify_fatal=1 --randrepeat=1 --direct=1 --ioengine=libaio --iodepth=16 \
	--rw=randwrite --bssplit=4k/20:60k/10:64k/20:128k/25:512k/15:1m/10 \
	--offset=0 --size=40M
assert_eq "$(silkd_stat reads_spliced)" 0 "spliced reads with splice_min off"
detach "$dev"
silkd_stop
t_pass
