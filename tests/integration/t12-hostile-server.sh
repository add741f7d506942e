#!/bin/bash
# A hostile server (tests/tools/hostile_server, or hostile_rdma for the
# RDMA transport) answers HELLO and then misbehaves: garbage, short and
# oversized replies, unknown tags, bad digests (TCP), READ replies with a
# payload and wrong remote invalidations (RDMA), wrong opcodes, or no
# replies at all.  Each mode must end in an
# error or a reconnect: attach fails cleanly, or I/O fails (never hangs,
# never returns data) and the device detaches; never an oops.  The modes
# run side by side, each against its own server and device (a failing
# request takes the kernel's whole retry budget, and the partition scan at
# attach reads several times).  Last, a server that serves correctly but
# drops the connection every 20 replies ("flap"): I/O succeeds through the
# reconnects and the data is intact.
# timeout: 600
. "$(dirname "$0")/lib.sh"
t_begin

if [ "$SILK_TRANSPORT" = rdma ]; then
	[ -x "$HOSTILE_RDMA" ] || fail "missing $HOSTILE_RDMA (run make)"
else
	[ -x "$HOSTILE" ] || fail "missing $HOSTILE (run make)"
fi
size=$((64 << 20))

# Devices attached to the server on PORT.
devices_on_port() { # port
	local d
	for d in /sys/block/silk*; do
		[ -e "$d/silk/server" ] && grep -q ":$1\$" "$d/silk/server" && echo "/dev/${d##*/}"
	done
	return 0
}

# One misbehaving mode; runs in a subshell, fails with exit 1.
hostile_mode() { # mode port
	local mode=$1 port=$2 rc=0 out dev rrc=0 wrc=0
	local args=(--addr "$SILK_ADDR" --port "$port" --loss-timeout 5 --io-timeout 3)
	[ "$SILK_TRANSPORT" = tcp ] || args+=(--transport "$SILK_TRANSPORT")
	[ "$mode" = baddigest ] && args+=(--digest)
	out=$(timeout 240 "$SILKCTL" attach hostile "${args[@]}" 2>&1) || rc=$?
	log "$mode: attach exit $rc: $out"
	[ $rc -ne 124 ] || fail "$mode: attach did not return within 240 s"
	if [ $rc -ne 0 ]; then
		[ -z "$(devices_on_port "$port")" ] || fail "$mode: failed attach left $(devices_on_port "$port")"
		return 0
	fi
	dev=$(printf '%s\n' "$out" | grep -Eo '/dev/silk[0-9]+' | tail -n 1)
	[ -n "$dev" ] || fail "$mode: attach succeeded but printed no device"
	wait_for 10 test -b "$dev" || fail "$mode: $dev did not appear"

	timeout 150 dd if="$dev" of="$T_DIR/read-$mode" iflag=direct bs=4k count=1 \
		2>"$T_DIR/read-$mode.err" || rrc=$?
	log "$mode: read exit $rrc: $(tr '\n' ' ' <"$T_DIR/read-$mode.err")"
	[ $rrc -ne 124 ] || fail "$mode: read did not return within 150 s"
	timeout 150 dd if=/dev/urandom of="$dev" oflag=direct bs=4k count=1 conv=notrunc \
		2>"$T_DIR/write-$mode.err" || wrc=$?
	log "$mode: write exit $wrc"
	[ $wrc -ne 124 ] || fail "$mode: write did not return within 150 s"
	# Every reply is broken (or missing), so no I/O can succeed.
	[ $rrc -ne 0 ] || fail "$mode: a read succeeded against a broken server"
	[ $wrc -ne 0 ] || fail "$mode: a write succeeded against a broken server"
	detach "$dev" 60
	log "$mode: error reported, device detached"
}

if [ "$SILK_TRANSPORT" = rdma ]; then
	# No digests on RDMA; instead a READ reply claiming a payload and a
	# reply that invalidates an rkey the host never gave.
	modes=(garbage short oversized badtag wrongop readdata badinv slow)
else
	modes=(garbage short oversized badtag baddigest wrongop slow)
fi
port=7500
for mode in "${modes[@]}"; do
	port=$((port + 1))
	# The server exits by itself after 420 s, so a client stuck on it gets
	# unstuck and the hang is reported instead of lasting forever.
	hostile_start "$port" "$mode" --size "$size" --timeout 420
	(
		set -e
		trap - EXIT
		hostile_mode "$mode" "$port"
	) >"$T_DIR/mode-$mode.log" 2>&1 </dev/null &
	echo $! >"$SILK_STATE/mode-$mode.pid"
done

# All modes run at once: one deadline for all of them.
failed=()
port=7500
end=$((SECONDS + 480))
for mode in "${modes[@]}"; do
	port=$((port + 1))
	left=$((end - SECONDS))
	[ $left -gt 0 ] || left=1
	if ! bg_wait "mode-$mode" "$left"; then
		echo "FAIL: $mode: still running 480 s after the start" >>"$T_DIR/mode-$mode.log"
		WAIT_RC=1
	fi
	sed "s/^/  [$mode] /" "$T_DIR/mode-$mode.log"
	if [ "$WAIT_RC" -ne 0 ]; then
		failed+=("$mode")
		echo "FAIL: hostile mode $(grep -m1 '^FAIL: ' "$T_DIR/mode-$mode.log" | cut -c7-)" >&2
	fi
done
port=7500
for mode in "${modes[@]}"; do
	port=$((port + 1))
	hostile_stop "$port"
	for d in $(devices_on_port "$port"); do timeout 60 "$SILKCTL" detach "$d" || true; done
done

# flap: reconnects are transparent.  64 KiB requests, so that each
# connection carries well over 8 replies and gets dropped several times.
port=$((port + 1))
hostile_start "$port" flap --size "$size" --timeout 300 --flap-after 8
dev=$(SILK_PORT=$port attach hostile --loss-timeout 60)
mkrandom "$T_DIR/flap" $((2 << 20))
must timeout 180 dd if="$T_DIR/flap" of="$dev" oflag=direct bs=64k seek=16 conv=notrunc,fsync status=none
assert_eq "$(timeout 180 dd if="$dev" iflag=direct bs=64k skip=16 count=32 status=none | sha256sum | cut -d' ' -f1)" \
	"$(file_sha "$T_DIR/flap")" "data through a flapping connection"
detach "$dev" 60
hostile_stop "$port"
grep -q 'flap after' "$T_DIR/hostile-flap.log" || fail "the flap server never dropped a connection"
log "flap: $(grep -c 'flap after' "$T_DIR/hostile-flap.log") connection drops survived"

# RDMA connection manager misbehaviour: a reject, an accept granting queue
# depth 0, an accept without private data.  Attach must fail cleanly.
if [ "$SILK_TRANSPORT" = rdma ]; then
	for cm in reject baddepth noprivate; do
		port=$((port + 1))
		hostile_start "$port" good --size "$size" --timeout 120 --cm-mode "$cm"
		rc=0
		out=$(timeout 120 "$SILKCTL" attach hostile --addr "$SILK_ADDR" --port "$port" \
			--transport rdma --loss-timeout 5 2>&1) || rc=$?
		log "cm $cm: attach exit $rc: $out"
		[ $rc -ne 124 ] || fail "cm $cm: attach did not return within 120 s"
		[ $rc -ne 0 ] || failed+=("cm-$cm (attach succeeded)")
		[ -z "$(devices_on_port "$port")" ] || failed+=("cm-$cm (left a device)")
		hostile_stop "$port"
	done
fi

[ ${#failed[@]} -eq 0 ] || fail "hostile modes that failed: ${failed[*]}"
t_pass
