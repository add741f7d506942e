#!/bin/bash
# A non-root user cannot add or remove devices (GENL_ADMIN_PERM) nor manage
# volumes (the management socket is root-only).
# timeout: 240
. "$(dirname "$0")/lib.sh"
t_begin

silkd_start
volume_create nr 16M
dev=$(attach nr)
nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)

must_fail "${nobody[@]}" "$SILKCTL" attach nr --addr "$SILK_ADDR" --port "$SILK_PORT"
cat "$T_DIR/last.out"
grep -Eqi 'permission|not permitted' "$T_DIR/last.out" || fail "attach as nobody failed, but not with a permission error"
assert_eq "$(silk_devices)" "$dev" "devices after attach as nobody"

must_fail "${nobody[@]}" "$SILKCTL" detach "$dev"
cat "$T_DIR/last.out"
grep -Eqi 'permission|not permitted' "$T_DIR/last.out" || fail "detach as nobody failed, but not with a permission error"
[ -b "$dev" ] && [ -e "/sys/block/${dev#/dev/}" ] || fail "$dev vanished after detach as nobody"

must_fail "${nobody[@]}" "$SILKCTL" -s "$SILK_SOCK" volume create evil --size 16M
cat "$T_DIR/last.out"
must_fail "${nobody[@]}" "$SILKCTL" -s "$SILK_SOCK" volume delete nr --force
cat "$T_DIR/last.out"
silkctl volume show nr >/dev/null || fail "volume nr is gone after delete as nobody"

if [ -x "$NL_MALFORMED" ]; then
	timeout 120 "${nobody[@]}" "$NL_MALFORMED" --unprivileged >"$T_DIR/nl-unpriv.log" 2>&1 ||
		{ cat "$T_DIR/nl-unpriv.log"; fail "nl_malformed --unprivileged: a request was accepted"; }
	cat "$T_DIR/nl-unpriv.log"
fi
assert_eq "$(silk_devices)" "$dev" "devices after the unprivileged requests"

detach "$dev"
silkd_stop
t_pass
