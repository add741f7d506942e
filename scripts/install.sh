#!/bin/bash
# Install (or remove) Silk on this machine: `make install` runs it.
#
#   scripts/install.sh              install
#   scripts/install.sh --uninstall  remove what install put in place
#   scripts/install.sh --no-module  skip the kernel module
#
# Environment:
#   PREFIX=/usr/local   binaries in PREFIX/sbin, man pages in PREFIX/share/man
#   DESTDIR=            staging root (packaging); with DESTDIR the module is
#                       installed with modules_install under DESTDIR, not DKMS
#   KDIR=...            kernel build tree (default as in the Makefile)
#   SILK_NO_DKMS=1      use modules_install even when dkms is available
#
# Installs: silkd and silkctl, silkd(8) and silkctl(8), the systemd unit
# silkd.service, /etc/silk/silkd.conf (only if absent), and silk.ko via DKMS
# (/usr/src/silk-VERSION, rebuilt for new kernels) or modules_install.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

PREFIX=${PREFIX:-/usr/local}
DESTDIR=${DESTDIR:-}
sbindir=$PREFIX/sbin
mandir=$PREFIX/share/man/man8
unitdir=/lib/systemd/system
confdir=/etc/silk
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
mode=install
with_module=1
for a in "$@"; do
	case "$a" in
	--uninstall) mode=uninstall ;;
	--no-module) with_module=0 ;;
	-h|--help) sed -n '2,18s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "install.sh: unknown option: $a (try --help)" >&2; exit 2 ;;
	esac
done

if [ -z "$DESTDIR" ] && [ "$(id -u)" -ne 0 ]; then
	echo "install.sh: run as root (or set DESTDIR to stage the files)" >&2
	exit 1
fi

# The kernel tree silk.ko is built against (same rule as the Makefile).
if [ -z "${KDIR:-}" ]; then
	if [ -d "/lib/modules/$(uname -r)/build" ]; then
		KDIR=/lib/modules/$(uname -r)/build
	else
		KDIR=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1 || true)
	fi
fi
# The kernel version (/lib/modules/VERSION) whose build tree KDIR is.
kver=
if [ -n "${KDIR:-}" ] && [ -d "$KDIR" ]; then
	for b in /lib/modules/*/build; do
		if [ -e "$b" ] && [ "$(readlink -f "$b")" = "$(readlink -f "$KDIR")" ]; then
			kver=$(basename "$(dirname "$b")")
		fi
	done
	if [ -z "$kver" ]; then
		case $(basename "$(readlink -f "$KDIR")") in
		linux-headers-*) kver=$(basename "$(readlink -f "$KDIR")"); kver=${kver#linux-headers-} ;;
		esac
	fi
fi

use_dkms() {
	[ -z "$DESTDIR" ] && [ "${SILK_NO_DKMS:-0}" != 1 ] && command -v dkms >/dev/null
}

say() { printf 'install: %s\n' "$*"; }

if [ $mode = uninstall ]; then
	for f in "$sbindir/silkd" "$sbindir/silkctl" "$mandir/silkd.8" "$mandir/silkctl.8" \
		"$unitdir/silkd.service"; do
		if [ -e "$DESTDIR$f" ]; then rm -f "$DESTDIR$f"; say "removed $DESTDIR$f"; fi
	done
	if [ -z "$DESTDIR" ] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
		systemctl daemon-reload || true
	fi
	[ -e "$DESTDIR$confdir/silkd.conf" ] && say "kept $DESTDIR$confdir/silkd.conf (your configuration)"
	if [ $with_module = 1 ]; then
		if [ -z "$DESTDIR" ] && command -v dkms >/dev/null && dkms status silk 2>/dev/null | grep -q silk; then
			dkms remove "silk/$version" --all || true
			rm -rf "/usr/src/silk-$version"
			say "removed silk/$version from DKMS"
		fi
		for f in "$DESTDIR"/lib/modules/*/extra/silk.ko* "$DESTDIR"/lib/modules/*/updates/silk.ko* \
			"$DESTDIR"/lib/modules/*/extra/silk_rdma.ko* "$DESTDIR"/lib/modules/*/updates/silk_rdma.ko*; do
			[ -e "$f" ] || continue
			rm -f "$f"
			say "removed $f"
		done
		[ -z "$DESTDIR" ] && [ -n "$kver" ] && depmod "$kver" 2>/dev/null || true
	fi
	exit 0
fi

# ---------------------------------------------------------------- install
for f in daemon/silkd tools/silkctl; do
	[ -x "$f" ] || { echo "install.sh: $f is not built; run make first" >&2; exit 1; }
done

install -d "$DESTDIR$sbindir" "$DESTDIR$mandir" "$DESTDIR$unitdir" "$DESTDIR$confdir"
install -m 0755 daemon/silkd tools/silkctl "$DESTDIR$sbindir/"
say "binaries in $DESTDIR$sbindir"

n=0
for m in Documentation/man/*.8; do
	[ -e "$m" ] || continue
	install -m 0644 "$m" "$DESTDIR$mandir/"
	n=$((n + 1))
done
[ $n -gt 0 ] || { echo "install.sh: no man pages in Documentation/man/" >&2; exit 1; }
say "$n man page(s) in $DESTDIR$mandir"

[ -f daemon/silkd.service ] || { echo "install.sh: daemon/silkd.service missing" >&2; exit 1; }
# The unit names the installed silkd, wherever PREFIX put it.
sed -E "s#(ExecStart=)[^ ]*/silkd#\\1$sbindir/silkd#" daemon/silkd.service \
	>"$DESTDIR$unitdir/silkd.service"
chmod 0644 "$DESTDIR$unitdir/silkd.service"
say "systemd unit $DESTDIR$unitdir/silkd.service"

if [ -f daemon/silkd.conf ]; then
	if [ -e "$DESTDIR$confdir/silkd.conf" ]; then
		say "kept existing $DESTDIR$confdir/silkd.conf"
	else
		install -m 0644 daemon/silkd.conf "$DESTDIR$confdir/silkd.conf"
		say "example configuration $DESTDIR$confdir/silkd.conf"
	fi
fi

if [ -z "$DESTDIR" ] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
	systemctl daemon-reload || true
	say "enable with: systemctl enable --now silkd"
fi

[ $with_module = 1 ] || exit 0
if use_dkms; then
	src=/usr/src/silk-$version
	if dkms status "silk/$version" 2>/dev/null | grep -q silk; then
		dkms remove "silk/$version" --all >/dev/null || true
	fi
	rm -rf "$src"
	install -d "$src/kernel" "$src/include"
	cp kernel/Kbuild kernel/*.c kernel/*.h "$src/kernel/"
	[ -f kernel/Makefile ] && cp kernel/Makefile "$src/kernel/"
	cp include/*.h "$src/include/"
	sed "s/^PACKAGE_VERSION=.*/PACKAGE_VERSION=\"$version\"/" dkms.conf >"$src/dkms.conf"
	dkms add "silk/$version"
	if [ -n "$kver" ]; then
		dkms install "silk/$version" -k "$kver"
	else
		dkms install "silk/$version"
	fi
	say "silk.ko installed through DKMS (silk/$version); load it with: modprobe silk"
else
	[ -n "${KDIR:-}" ] || { echo "install.sh: no kernel build tree; set KDIR" >&2; exit 1; }
	[ -e kernel/silk.ko ] || make -C "$KDIR" M="$top/kernel" modules
	# No signing key ships with Debian's headers: do not try to sign.
	args=(CONFIG_MODULE_SIG_ALL=)
	[ -n "$DESTDIR" ] && args+=(INSTALL_MOD_PATH="$DESTDIR" DEPMOD=/bin/true)
	make -C "$KDIR" M="$top/kernel" "${args[@]}" modules_install
	if [ -z "$DESTDIR" ] && [ -n "$kver" ]; then depmod "$kver"; fi
	say "silk.ko installed with modules_install${DESTDIR:+ under $DESTDIR}"
fi
