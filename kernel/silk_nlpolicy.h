/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Netlink attribute policies of the silk generic netlink family and the
 * helpers that turn validated attributes into a device configuration.
 * Pure logic (no devices, no sockets), tested by KUnit.
 */
#ifndef _SILK_NLPOLICY_H
#define _SILK_NLPOLICY_H

#include <linux/socket.h>
#include <linux/types.h>
#include <net/netlink.h>
#include "silk_netlink.h"
#include "silk_proto.h"

#define SILK_MAX_HW_QUEUES	256
#define SILK_MAX_QUEUE_DEPTH	1024
/* Longest address literal accepted (IPv6 with a %scope suffix fits). */
#define SILK_ADDR_STR_MAX	63
#define SILK_IO_TIMEOUT_MIN_MS	1000u
#define SILK_IO_TIMEOUT_MAX_MS	3600000u
#define SILK_LOSS_TIMEOUT_MAX_MS 86400000u

extern const struct nla_policy silk_nl_add_policy[SILK_A_MAX + 1];
extern const struct nla_policy silk_nl_index_policy[SILK_A_MAX + 1];

/* Defaults for attributes DEV_ADD leaves out (module parameters). */
struct silk_dev_defaults {
	u32	nr_queues;
	u32	queue_depth;
	u32	io_timeout_ms;
	u32	loss_timeout_ms;
};

/* Everything DEV_ADD asks for, validated. */
struct silk_dev_config {
	char			volume[SILK_VOLUME_NAME_MAX + 1];
	char			addr[SILK_ADDR_STR_MAX + 1];
	u16			port;
	struct sockaddr_storage	sa;
	u8			transport;	/* enum silk_transport */
	u32			nr_queues;	/* before the module's cap */
	u32			queue_depth;
	u32			block_size;	/* 0: the volume's */
	u32			io_timeout_ms;
	u32			loss_timeout_ms;
	bool			digest;
	u64			epoch;
};

struct net;

bool silk_volume_name_valid(const char *name);
int silk_nl_parse_add(struct net *net, struct nlattr **tb,
		      const struct silk_dev_defaults *def,
		      struct silk_dev_config *cfg,
		      struct netlink_ext_ack *extack);
int silk_nl_parse_index(struct nlattr **tb, u32 *index,
			struct netlink_ext_ack *extack);

#endif /* _SILK_NLPOLICY_H */
