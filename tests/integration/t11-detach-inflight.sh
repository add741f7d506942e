#!/bin/bash
# Removing a device and unloading the module with I/O in flight neither
# hangs nor oopses: (a) detach under fio, then rmmod; (b) the same while
# silkd is dead and I/O waits for a reconnect; (c) rmmod while a device is
# open and busy either refuses or tears down, but returns.
# timeout: 600
. "$(dirname "$0")/lib.sh"
t_begin

fio_bg() { # name dev
	bg_start "$1" fio --name="$1" --output="$T_DIR/fio-$1.log" --filename="$2" \
		--direct=1 --ioengine=libaio --iodepth=32 --rw=randrw --bs=4k \
		--size=32M --time_based --runtime=300
}

silkd_start
volume_create di 64M

# (a) live server
dev=$(attach di)
fio_bg busy-a "$dev"
wait_stat writes 200 120
bg_running busy-a || fail "fio ended early"
log "(a) detach with fio running"
detach "$dev" 90
bg_wait busy-a 90 || fail "fio still running 90 s after detach"
log "(a) fio exit $WAIT_RC after detach"
must module_unload 90
log "(a) module unloaded"
module_load

# (b) server dead, I/O waiting for reconnect
dev=$(attach di --loss-timeout 600)
fio_bg busy-b "$dev"
wait_stat writes 200 120
silkd_kill
sleep 3
bg_running busy-b || fail "fio ended although the loss timeout is 600 s"
log "(b) detach with I/O waiting for the dead server"
detach "$dev" 90
bg_wait busy-b 90 || fail "fio still running 90 s after detach"
log "(b) fio exit $WAIT_RC after detach"
must module_unload 90
module_load

# (c) rmmod with the device open and busy
silkd_start
dev=$(attach di)
fio_bg busy-c "$dev"
wait_stat writes 200 120
rc=0
timeout 90 rmmod "$(transport_module)" 2>"$T_DIR/rmmod.err" || rc=$?
log "(c) rmmod exit $rc: $(cat "$T_DIR/rmmod.err")"
[ $rc -ne 124 ] || fail "rmmod hung with a busy device"
if [ $rc -ne 0 ]; then
	detach "$dev" 90
	bg_wait busy-c 90 || fail "fio still running 90 s after detach"
	must module_unload 90
else
	bg_wait busy-c 90 || fail "fio still running 90 s after rmmod"
fi
module_load
silkd_stop
t_pass
