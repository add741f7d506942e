// SPDX-License-Identifier: GPL-2.0
/*
 * Read-only sysfs attributes of /sys/block/silkN/silk/: what a sysadmin
 * wants to see about an attached volume.  They live on the disk device, so
 * del_gendisk() removes them before the silk_dev is freed.
 */
#include <linux/blkdev.h>
#include <linux/device.h>
#include <linux/sysfs.h>
#include "silk_dev.h"

static struct silk_dev *silk_sysfs_dev(struct device *d)
{
	return dev_to_disk(d)->private_data;
}

#define SILK_ATTR_FMT(_name, _fmt, _expr)				\
static ssize_t _name##_show(struct device *d,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	struct silk_dev *dev = silk_sysfs_dev(d);			\
									\
	return sysfs_emit(buf, _fmt "\n", _expr);			\
}									\
static DEVICE_ATTR_RO(_name)

SILK_ATTR_FMT(index, "%d", dev->index);
SILK_ATTR_FMT(volume, "%s", dev->cfg.volume);
SILK_ATTR_FMT(addr, "%s", dev->cfg.addr);
SILK_ATTR_FMT(port, "%u", dev->cfg.port);
SILK_ATTR_FMT(transport, "%s", dev->ops->name);
SILK_ATTR_FMT(state, "%s", silk_state_name(silk_dev_get_state(dev)));
SILK_ATTR_FMT(vol_id, "%u", dev->vol_id);
SILK_ATTR_FMT(epoch, "%llu", dev->epoch);
SILK_ATTR_FMT(nr_queues, "%u", dev->nr_queues);
SILK_ATTR_FMT(queue_depth, "%u", dev->queue_depth);
SILK_ATTR_FMT(io_timeout_ms, "%u", dev->cfg.io_timeout_ms);
SILK_ATTR_FMT(loss_timeout_ms, "%u", dev->cfg.loss_timeout_ms);
SILK_ATTR_FMT(digest, "%d", !!(dev->features & SILK_FEAT_DDGST));
SILK_ATTR_FMT(reconnects, "%u", READ_ONCE(dev->reconnects));
SILK_ATTR_FMT(io_errors, "%lld", (long long)atomic64_read(&dev->io_errors));

static ssize_t server_show(struct device *d, struct device_attribute *attr,
			   char *buf)
{
	struct silk_dev *dev = silk_sysfs_dev(d);

	if (dev->cfg.sa.ss_family == AF_INET6)
		return sysfs_emit(buf, "[%s]:%u\n", dev->cfg.addr,
				  dev->cfg.port);
	return sysfs_emit(buf, "%s:%u\n", dev->cfg.addr, dev->cfg.port);
}
static DEVICE_ATTR_RO(server);

static ssize_t transport_dev_show(struct device *d,
				  struct device_attribute *attr, char *buf)
{
	struct silk_dev *dev = silk_sysfs_dev(d);
	char name[SILK_TRANSPORT_DEV_MAX];

	if (!silk_dev_transport_dev(dev, name, sizeof(name)))
		return sysfs_emit(buf, "-\n");
	return sysfs_emit(buf, "%s\n", name);
}
static DEVICE_ATTR_RO(transport_dev);

static struct attribute *silk_disk_attrs[] = {
	&dev_attr_index.attr,
	&dev_attr_volume.attr,
	&dev_attr_server.attr,
	&dev_attr_addr.attr,
	&dev_attr_port.attr,
	&dev_attr_transport.attr,
	&dev_attr_transport_dev.attr,
	&dev_attr_state.attr,
	&dev_attr_vol_id.attr,
	&dev_attr_epoch.attr,
	&dev_attr_nr_queues.attr,
	&dev_attr_queue_depth.attr,
	&dev_attr_io_timeout_ms.attr,
	&dev_attr_loss_timeout_ms.attr,
	&dev_attr_digest.attr,
	&dev_attr_reconnects.attr,
	&dev_attr_io_errors.attr,
	NULL,
};

static const struct attribute_group silk_disk_group = {
	.name	= "silk",
	.attrs	= silk_disk_attrs,
};

const struct attribute_group *silk_disk_groups[] = {
	&silk_disk_group,
	NULL,
};
