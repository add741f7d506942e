/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Building silk generic netlink requests and parsing replies/events.
 * Pure message work (libnl nl_msg in memory); no sockets here.
 */
#ifndef SILKCTL_NLMSG_H
#define SILKCTL_NLMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netlink/msg.h>
#include <netlink/attr.h>

#include "silk_netlink.h"
#include "silk_proto.h"

/* What `silkctl attach` asks for; zero/false fields are left to the kernel. */
struct silk_dev_params {
	char volume[SILK_VOLUME_NAME_MAX + 1];
	char addr[64];
	uint16_t port;
	uint8_t transport;
	uint32_t nr_queues;		/* 0: kernel default */
	uint32_t queue_depth;		/* 0: kernel default */
	uint32_t block_size;		/* 0: the volume's */
	bool has_io_timeout;
	uint32_t io_timeout_ms;
	bool has_loss_timeout;
	uint32_t loss_timeout_ms;
	bool digest;
	bool has_epoch;
	uint64_t epoch;
};

#define SILK_DISK_NAME_MAX 32

/* A device as reported by SILK_CMD_DEV_GET / DEV_ADD replies. */
struct silk_dev_info {
	uint64_t present;		/* bit (1 << SILK_A_x) per attribute seen */
	uint32_t index;
	char disk_name[SILK_DISK_NAME_MAX];
	char volume[SILK_VOLUME_NAME_MAX + 1];
	char addr[64];
	uint16_t port;
	uint8_t transport;
	char transport_dev[64];		/* RDMA device, e.g. "rxe0" */
	uint8_t state;
	uint32_t nr_queues;
	uint32_t queue_depth;
	uint32_t block_size;
	uint32_t io_timeout_ms;
	uint32_t loss_timeout_ms;
	uint32_t vol_id;
	uint32_t reconnects;
	bool digest;
	uint64_t size;
	uint64_t epoch;
	uint64_t io_errors;
};

/* A SILK_CMD_EVENT multicast message. */
struct silk_event_info {
	uint64_t present;
	uint8_t event;
	uint32_t index;
	char disk_name[SILK_DISK_NAME_MAX];
	char volume[SILK_VOLUME_NAME_MAX + 1];
	uint8_t state;
	int32_t err;			/* negative errno */
};

#define SILK_HAS(info, attr) (((info)->present >> (attr)) & 1)

/* libnl policy used to parse what the kernel sends back. */
extern const struct nla_policy silk_nl_policy[SILK_A_MAX + 1];

/* Request builders: NULL on allocation failure / attribute overflow. */
struct nl_msg *silk_msg_dev_add(int family, const struct silk_dev_params *p);
struct nl_msg *silk_msg_dev_remove(int family, uint32_t index);
/* dump == true: all devices (index ignored). */
struct nl_msg *silk_msg_dev_get(int family, bool dump, uint32_t index);

/* Reply/event parsers: 0 or a negative libnl error (NLE_*). */
int silk_parse_dev(struct nlmsghdr *nlh, struct silk_dev_info *out);
int silk_parse_event(struct nlmsghdr *nlh, struct silk_event_info *out);

/*
 * Pull the extended-ACK message (NLMSGERR_ATTR_MSG) out of an NLMSG_ERROR
 * message.  Returns true and fills msg if one was present.
 */
bool silk_extack_msg(const struct nlmsghdr *nlh, char *msg, size_t len);

#endif
