#!/bin/bash
# Malformed generic netlink requests (missing, oversized, wrong-type and
# out-of-range attributes, unknown commands) are all refused without an
# oops, and the module still works afterwards.
# timeout: 240
. "$(dirname "$0")/lib.sh"
t_begin

[ -x "$NL_MALFORMED" ] || fail "missing $NL_MALFORMED (run make)"
timeout 120 "$NL_MALFORMED" >"$T_DIR/nl_malformed.log" 2>&1 ||
	{ cat "$T_DIR/nl_malformed.log"; fail "nl_malformed reported an accepted request"; }
cat "$T_DIR/nl_malformed.log"
[ -z "$(silk_devices)" ] || fail "malformed requests created $(silk_devices)"

# the module still attaches and moves data
silkd_start
volume_create nl 16M
dev=$(attach nl)
mkrandom "$T_DIR/p" 65536
must dev_write "$dev" 4096 "$T_DIR/p"
assert_eq "$(dev_sha "$dev" 4096 65536)" "$(file_sha "$T_DIR/p")" "data after malformed requests"
detach "$dev"
silkd_stop
t_pass
