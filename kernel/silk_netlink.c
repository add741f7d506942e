// SPDX-License-Identifier: GPL-2.0
/*
 * The "silk" generic netlink family: DEV_ADD, DEV_REMOVE, DEV_GET (doit and
 * dump) and the "events" multicast group.  Documentation/netlink.md is the
 * specification; include/silk_netlink.h the UAPI.
 */
#include <linux/slab.h>
#include <net/genetlink.h>
#include "silk_dev.h"

static struct genl_family silk_nl_family;
static bool silk_nl_registered;

enum silk_nl_mcgrp {
	SILK_NL_MCGRP_EVENTS,
};

static const struct genl_multicast_group silk_nl_mcgrps[] = {
	[SILK_NL_MCGRP_EVENTS] = { .name = SILK_GENL_MCGRP_EVENTS },
};

static int silk_nl_fill_dev(struct sk_buff *skb, struct silk_dev *dev,
			    u32 portid, u32 seq, int flags, u8 cmd)
{
	char tdev[SILK_TRANSPORT_DEV_MAX];
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &silk_nl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, SILK_A_INDEX, dev->index) ||
	    nla_put_string(skb, SILK_A_DISK_NAME, dev->disk_name) ||
	    nla_put_string(skb, SILK_A_VOLUME, dev->cfg.volume) ||
	    nla_put_string(skb, SILK_A_ADDR, dev->cfg.addr) ||
	    nla_put_u16(skb, SILK_A_PORT, dev->cfg.port) ||
	    nla_put_u8(skb, SILK_A_TRANSPORT, dev->ops->id) ||
	    nla_put_u8(skb, SILK_A_STATE, silk_dev_get_state(dev)) ||
	    nla_put_u64_64bit(skb, SILK_A_SIZE, dev->geo.capacity,
			      SILK_A_PAD) ||
	    nla_put_u32(skb, SILK_A_BLOCK_SIZE, dev->geo.block_size) ||
	    nla_put_u32(skb, SILK_A_NR_QUEUES, dev->nr_queues) ||
	    nla_put_u32(skb, SILK_A_QUEUE_DEPTH, dev->queue_depth) ||
	    nla_put_u32(skb, SILK_A_IO_TIMEOUT, dev->cfg.io_timeout_ms) ||
	    nla_put_u32(skb, SILK_A_LOSS_TIMEOUT, dev->cfg.loss_timeout_ms) ||
	    ((dev->features & SILK_FEAT_DDGST) &&
	     nla_put_flag(skb, SILK_A_DIGEST)) ||
	    nla_put_u64_64bit(skb, SILK_A_EPOCH, dev->epoch, SILK_A_PAD) ||
	    nla_put_u32(skb, SILK_A_VOL_ID, dev->vol_id) ||
	    nla_put_u32(skb, SILK_A_RECONNECTS, READ_ONCE(dev->reconnects)) ||
	    nla_put_u64_64bit(skb, SILK_A_IO_ERRORS,
			      atomic64_read(&dev->io_errors), SILK_A_PAD) ||
	    (silk_dev_transport_dev(dev, tdev, sizeof(tdev)) &&
	     nla_put_string(skb, SILK_A_TRANSPORT_DEV, tdev))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* Caller holds silk_devs_mutex. */
static struct silk_dev *silk_nl_find(u32 index)
{
	struct silk_dev *dev;

	lockdep_assert_held(&silk_devs_mutex);
	list_for_each_entry(dev, &silk_devs, node)
		if (dev->index == index)
			return dev;
	return NULL;
}

/* Reply with the full description of device @index. */
static int silk_nl_reply_dev(struct genl_info *info, u32 index, u8 cmd)
{
	struct silk_dev *dev;
	struct sk_buff *msg;
	int ret;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&silk_devs_mutex);
	dev = silk_nl_find(index);
	ret = dev ? silk_nl_fill_dev(msg, dev, info->snd_portid,
				     info->snd_seq, 0, cmd) : -ENODEV;
	mutex_unlock(&silk_devs_mutex);
	if (ret) {
		nlmsg_free(msg);
		if (ret == -ENODEV)
			NL_SET_ERR_MSG_ATTR(info->extack,
					    info->attrs[SILK_A_INDEX],
					    "no such silk device");
		return ret;
	}
	return genlmsg_reply(msg, info);
}

static int silk_nl_dev_add(struct sk_buff *skb, struct genl_info *info)
{
	struct silk_dev_defaults def = {
		.nr_queues = SILK_MAX_HW_QUEUES,
		.queue_depth = silk_params.queue_depth,
		.io_timeout_ms = silk_params.io_timeout_ms,
		.loss_timeout_ms = silk_params.loss_timeout_ms,
	};
	struct silk_dev_config *cfg;
	struct silk_dev *dev;
	int ret;

	cfg = kmalloc(sizeof(*cfg), GFP_KERNEL);
	if (!cfg)
		return -ENOMEM;
	ret = silk_nl_parse_add(genl_info_net(info), info->attrs, &def, cfg,
				info->extack);
	if (!ret)
		ret = silk_dev_add(genl_info_net(info), cfg, &dev,
				   info->extack);
	kfree(cfg);
	if (ret)
		return ret;
	/* A concurrent DEV_REMOVE may free @dev: look it up again. */
	ret = silk_nl_reply_dev(info, dev->index, SILK_CMD_DEV_ADD);
	return ret == -ENODEV ? 0 : ret;
}

static int silk_nl_dev_remove(struct sk_buff *skb, struct genl_info *info)
{
	u32 index;
	int ret;

	ret = silk_nl_parse_index(info->attrs, &index, info->extack);
	if (ret)
		return ret;
	ret = silk_dev_remove_index(index);
	if (ret == -ENODEV)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[SILK_A_INDEX],
				    "no such silk device");
	return ret;
}

static int silk_nl_dev_get(struct sk_buff *skb, struct genl_info *info)
{
	u32 index;
	int ret;

	ret = silk_nl_parse_index(info->attrs, &index, info->extack);
	if (ret)
		return ret;
	return silk_nl_reply_dev(info, index, SILK_CMD_DEV_GET);
}

/* cb->args[0]: number of devices already dumped. */
static int silk_nl_dev_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	long skip = cb->args[0], n = 0;
	struct silk_dev *dev;

	mutex_lock(&silk_devs_mutex);
	list_for_each_entry(dev, &silk_devs, node) {
		if (n++ < skip)
			continue;
		if (silk_nl_fill_dev(skb, dev, NETLINK_CB(cb->skb).portid,
				     cb->nlh->nlmsg_seq, NLM_F_MULTI,
				     SILK_CMD_DEV_GET)) {
			n--;
			break;
		}
	}
	mutex_unlock(&silk_devs_mutex);
	cb->args[0] = n;
	return skb->len;
}

static const struct genl_ops silk_nl_ops[] = {
	{
		.cmd		= SILK_CMD_DEV_ADD,
		.doit		= silk_nl_dev_add,
		.policy		= silk_nl_add_policy,
		.maxattr	= SILK_A_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= SILK_CMD_DEV_REMOVE,
		.doit		= silk_nl_dev_remove,
		.policy		= silk_nl_index_policy,
		.maxattr	= SILK_A_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= SILK_CMD_DEV_GET,
		.doit		= silk_nl_dev_get,
		.dumpit		= silk_nl_dev_dump,
		.policy		= silk_nl_index_policy,
		.maxattr	= SILK_A_MAX,
	},
};

static struct genl_family silk_nl_family __ro_after_init = {
	.name		= SILK_GENL_NAME,
	.version	= SILK_GENL_VERSION,
	.maxattr	= SILK_A_MAX,
	.module		= THIS_MODULE,
	.parallel_ops	= true,
	.ops		= silk_nl_ops,
	.n_ops		= ARRAY_SIZE(silk_nl_ops),
	.mcgrps		= silk_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(silk_nl_mcgrps),
};

/**
 * silk_nl_event() - multicast an event to the "events" group
 * @dev: device the event is about
 * @event: enum silk_event
 * @err: negative errno, or 0
 *
 * Process context only.  Silently dropped when nobody listens.
 */
void silk_nl_event(struct silk_dev *dev, enum silk_event event, int err)
{
	struct sk_buff *skb;
	void *hdr;

	if (!READ_ONCE(silk_nl_registered))
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &silk_nl_family, 0, SILK_CMD_EVENT);
	if (!hdr)
		goto free;
	if (nla_put_u8(skb, SILK_A_EVENT, event) ||
	    nla_put_u32(skb, SILK_A_INDEX, dev->index) ||
	    nla_put_string(skb, SILK_A_DISK_NAME, dev->disk_name) ||
	    nla_put_string(skb, SILK_A_VOLUME, dev->cfg.volume) ||
	    nla_put_u8(skb, SILK_A_STATE, silk_dev_get_state(dev)) ||
	    nla_put_s32(skb, SILK_A_ERRNO, err))
		goto free;
	genlmsg_end(skb, hdr);
	genlmsg_multicast(&silk_nl_family, skb, 0, SILK_NL_MCGRP_EVENTS,
			  GFP_KERNEL);
	return;
free:
	nlmsg_free(skb);
}

int silk_netlink_init(void)
{
	int ret = genl_register_family(&silk_nl_family);

	if (!ret)
		WRITE_ONCE(silk_nl_registered, true);
	return ret;
}

void silk_netlink_exit(void)
{
	WRITE_ONCE(silk_nl_registered, false);
	genl_unregister_family(&silk_nl_family);
}
