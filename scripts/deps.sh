#!/bin/bash
# Install every Debian package Silk needs to build, test and demo, when it is
# missing.  Idempotent: with everything present it only checks and exits 0.
#
#   scripts/deps.sh            install what is missing (root, or via sudo)
#   scripts/deps.sh --check    list what is missing; exit 1 if anything is
#   scripts/deps.sh --list     print the package list
#
# Runs apt-get update only when something has to be installed.
set -euo pipefail

packages=(
	# build: userspace, module, libFuzzer
	build-essential make gcc clang clang-14 libclang-rt-14-dev pkg-config
	linux-headers-amd64 bc bison flex libelf-dev libssl-dev
	# libraries (DESIGN.md section 4)
	libnl-3-dev libnl-genl-3-dev libjson-c-dev libisal-dev liblz4-dev
	liburing-dev libcurl4-openssl-dev libcmocka-dev librdmacm-dev
	libibverbs-dev rdma-core
	# silkd's RDMA listener: the userspace verbs drivers (rxe in the VM);
	# only recommended by libibverbs1, so not pulled in by apt here
	ibverbs-providers
	# kernel checks and KUnit (UML build from the Debian kernel source)
	sparse linux-source-6.1 python3 xz-utils
	# the test VM: Debian's 6.1 kernel (gives /lib/modules/<ver>), QEMU,
	# the initramfs tools
	linux-image-amd64 qemu-system-x86 busybox-static cpio gzip kmod
	# used inside the VM by the integration suite and the demo
	fio xfsprogs e2fsprogs util-linux iproute2 procps coreutils
	etcd-server etcd-client nvme-cli nbd-server nbd-client
	# make install
	dkms
)

mode=install
case "${1:-}" in
--check) mode=check ;;
--list) printf '%s\n' "${packages[@]}"; exit 0 ;;
-h|--help) sed -n '2,9s/^# \{0,1\}//p' "$0"; exit 0 ;;
"") ;;
*) echo "deps.sh: unknown option: $1 (try --help)" >&2; exit 2 ;;
esac

command -v dpkg-query >/dev/null ||
	{ echo "deps.sh: dpkg-query not found: this script supports Debian 12 only" >&2; exit 1; }

missing=()
for p in "${packages[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	[[ $st == ii* ]] || missing+=("$p")
done

# The module is built against /usr/src/linux-headers-<ver>; the VM boots
# /boot/vmlinuz-<ver> with /lib/modules/<ver>.  They must be the same <ver>.
kver=$(ls /lib/modules 2>/dev/null | grep -- '-amd64$' | sort -V | tail -n 1 || true)
if [ -n "$kver" ] && [ ! -d "/usr/src/linux-headers-$kver" ]; then
	missing+=("linux-headers-$kver")
fi

if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#packages[@]} packages present"
	exit 0
fi
if [ "$mode" = check ]; then
	echo "deps: missing: ${missing[*]}"
	exit 1
fi

echo "deps: installing: ${missing[*]}"
as_root=()
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
		as_root=(sudo -n)
	elif command -v sudo >/dev/null && [ -t 0 ]; then
		as_root=(sudo)
	else
		echo "deps.sh: need root to install packages (run as root or set up sudo): ${missing[*]}" >&2
		exit 1
	fi
fi

apt_opts=(-y -q --no-install-recommends -o DPkg::Lock::Timeout=600)
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600 update
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install "${apt_opts[@]}" "${missing[@]}"

# linux-image-amd64 may just have brought a kernel whose headers are absent.
kver=$(ls /lib/modules 2>/dev/null | grep -- '-amd64$' | sort -V | tail -n 1 || true)
if [ -n "$kver" ] && [ ! -d "/usr/src/linux-headers-$kver" ]; then
	"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install "${apt_opts[@]}" "linux-headers-$kver"
fi

still=()
for p in "${missing[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	[[ $st == ii* ]] || still+=("$p")
done
if [ ${#still[@]} -gt 0 ]; then
	echo "deps.sh: still missing after apt-get install: ${still[*]}" >&2
	exit 1
fi
echo "deps: installed ${#missing[@]} package(s)"
