#!/bin/bash
# Filesystems: mkfs.xfs and mkfs.ext4 on /dev/silkN, mount, write files,
# unmount, check the filesystem, detach, attach again, mount, and every
# file's checksum matches.
# timeout: 480
. "$(dirname "$0")/lib.sh"
t_begin

silkd_start

# Writes a tree of files under DIR and records their checksums.
populate() { # dir manifest
	local d=$1 i
	mkrandom "$d/big" $((6 << 20))
	mkrandom "$d/odd" 123457
	mkrandom "$d/block" 4096
	: >"$d/empty"
	mkdir -p "$d/sub/deeper"
	for ((i = 0; i < 100; i++)); do
		mkrandom "$d/sub/f$i" $((i * 97 + 1))
	done
	mkrandom "$d/sub/deeper/mid" $((1 << 20))
	(cd "$d" && find . -type f | sort | xargs sha256sum) >"$2"
}

for fs in xfs ext4; do
	vol=fs-$fs
	# mkfs.xfs needs at least 300 MB
	volume_create "$vol" 512M
	dev=$(attach "$vol")
	mnt=$(mnt_dir "$fs")
	mkdir -p "$mnt"
	log "$fs on $dev"
	case $fs in
	xfs) must mkfs.xfs -q -f "$dev" ;;
	ext4) must mkfs.ext4 -q -F "$dev" ;;
	esac
	must mount -t "$fs" "$dev" "$mnt"
	populate "$mnt" "$T_DIR/$fs.sha256"
	nfiles=$(wc -l <"$T_DIR/$fs.sha256")
	[ "$nfiles" -eq 105 ] || fail "expected 105 files on $fs, manifest has $nfiles"
	must umount "$mnt"
	case $fs in
	xfs) must xfs_repair -n "$dev" >"$T_DIR/fsck-$fs.log" 2>&1 ;;
	ext4) must e2fsck -f -n "$dev" >"$T_DIR/fsck-$fs.log" 2>&1 ;;
	esac

	# remount on the same device: checksums match
	must mount -t "$fs" "$dev" "$mnt"
	(cd "$mnt" && sha256sum --quiet -c "$T_DIR/$fs.sha256") || fail "$fs: checksums differ after remount"
	must umount "$mnt"

	# the data lives on the server: detach, attach again, remount, compare
	detach "$dev"
	dev=$(attach "$vol")
	must mount -t "$fs" "$dev" "$mnt"
	(cd "$mnt" && sha256sum --quiet -c "$T_DIR/$fs.sha256") || fail "$fs: checksums differ after re-attach"
	# and it is still writable
	mkrandom "$mnt/after" 65536
	sync
	must umount "$mnt"
	detach "$dev"
done

silkd_stop
t_pass
