#!/bin/sh
# Called by fio (--exec_prerun / --exec_postrun, see bench-guest.sh) right
# before its first I/O and right after its last, so that the CPU time the
# benchmark charges to a job's I/Os leaves out fio's own start-up and exit;
# and by bench-guest.sh itself around the whole fio run, for comparison.
#
#   bench-snap.sh pre|post STATFILE SERVERFILE [PID]
#
# Appends the "cpu" line of /proc/stat to STATFILE and, with PID, that
# process's utime + stime (clock ticks) to SERVERFILE.  Shell builtins
# only, and the /proc/stat line read as late as possible before the I/O
# ("pre") and as early as possible after it ("post"): every program
# started here would run inside the measured window.
set -u
case $#:${1:-} in
[3-4]:pre|[3-4]:post) ;;
*) echo "usage: bench-snap.sh pre|post STATFILE SERVERFILE [PID]" >&2; exit 2 ;;
esac
when=$1 statf=$2 serverf=$3 pid=${4:-}

snap_stat() {
	read -r line </proc/stat || exit 1
	printf '%s\n' "$line" >>"$statf"
}

snap_server() {
	[ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 0
	read -r line <"/proc/$pid/stat" || return 0
	# Fields after the ")" that ends the command name: utime is the 12th.
	# shellcheck disable=SC2086  # split into fields on purpose
	set -- ${line##*) }
	printf '%s\n' "$((${12} + ${13}))" >>"$serverf"
}

if [ "$when" = pre ]; then
	snap_server
	snap_stat
else
	snap_stat
	snap_server
fi
