/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Making sure /dev/silkN exists after an attach.  With devtmpfs or udev
 * the node appears by itself; without them (minimal VMs, containers) we
 * create it with mknod from /sys/block/silkN/dev.
 */
#ifndef SILKCTL_DEVNODE_H
#define SILKCTL_DEVNODE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define DEVNODE_UDEV_WAIT_MS 5000

/* Reads "MAJ:MIN" from sys_dir/name/dev.  0 or -errno. */
int devnode_read_devt(const char *sys_dir, const char *name, dev_t *out);

/* Parses "MAJ:MIN\n".  0 or -EINVAL.  Pure. */
int devnode_parse_devt(const char *s, dev_t *out);

/*
 * Ensures dev_dir/name is the block device named in sysfs, waiting up to
 * wait_ms for udev when udev runs, else creating it.  *created tells
 * whether we made the node.  0 or -errno with err set.
 */
int devnode_ensure(const char *dev_dir, const char *sys_dir, const char *name,
		   int wait_ms, bool *created, char *err, size_t errlen);

/*
 * After a detach: removes dev_dir/name if it is still the block device
 * devt and the disk is gone from sysfs (a node we made; udev would have
 * removed its own).
 */
void devnode_cleanup(const char *dev_dir, const char *sys_dir, const char *name,
		     dev_t devt);

#endif
