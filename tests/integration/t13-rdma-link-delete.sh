#!/bin/bash
# The RDMA device disappears under I/O (`rdma link delete rxe0`, as when a
# RoCE NIC is unplugged or its driver unloaded): the kernel tears down the
# queues on that device at once, reconnects fail (no device), and after the
# loss timeout the I/O fails with EIO -- no oops, no hang, nothing leaked:
# the device detaches, and once the link is back a new attach serves the
# data written before.  Last, silk_rdma unloads and loads again.
# transports: rdma
# timeout: 420
. "$(dirname "$0")/lib.sh"
t_begin

silkd_start
volume_create ld 64M
dev=$(attach ld --loss-timeout 10 --io-timeout 5)
mkrandom "$T_DIR/pattern" $((1 << 20))
must dd if="$T_DIR/pattern" of="$dev" oflag=direct bs=64k conv=notrunc,fsync status=none
want=$(file_sha "$T_DIR/pattern")

bg_start busy fio --name=busy --output="$T_DIR/fio-busy.log" --filename="$dev" \
	--direct=1 --ioengine=libaio --iodepth=16 --rw=randrw --bs=4k \
	--offset=8M --size=32M --time_based --runtime=300
wait_stat reads 100 120
log "deleting rxe0 under I/O"
must rdma link delete rxe0
# The link is gone: every request left must end within the loss timeout
# (10 s) plus retries and reconnect attempts; fio then exits with errors.
bg_wait busy 120 || fail "fio still running 120 s after the RDMA link was deleted"
log "fio exit $WAIT_RC after link delete"
[ "$WAIT_RC" -ne 0 ] || fail "fio reported success although the RDMA device is gone"
wait_for 30 grep -qx failed "/sys/block/${dev#/dev/}/silk/state" ||
	fail "state is $(cat "/sys/block/${dev#/dev/}/silk/state"), expected failed"
must_fail dd if="$dev" of=/dev/null iflag=direct bs=4k count=1 status=none
detach "$dev" 60

# The link comes back: a new attach works and sees the data.
transport_setup
dev=$(attach ld)
assert_eq "$(dd if="$dev" iflag=direct bs=64k count=16 status=none | sha256sum | cut -d' ' -f1)" \
	"$want" "data written before the link was deleted"
assert_eq "$(silk_sysfs "$dev" transport_dev)" rxe0 "sysfs transport_dev"
detach "$dev"
must module_unload 60
module_load
silkd_stop
t_pass
