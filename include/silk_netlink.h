/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * Silk generic netlink UAPI, shared by silk.ko and userspace (silkctl,
 * silkd's host agent).  Documentation/netlink.md is the specification.
 */
#ifndef _SILK_NETLINK_H
#define _SILK_NETLINK_H

#define SILK_GENL_NAME		"silk"
#define SILK_GENL_VERSION	1
#define SILK_GENL_MCGRP_EVENTS	"events"

enum silk_cmd {
	SILK_CMD_UNSPEC,
	SILK_CMD_DEV_ADD,	/* admin: connect and create /dev/silkN */
	SILK_CMD_DEV_REMOVE,	/* admin: tear down /dev/silkN */
	SILK_CMD_DEV_GET,	/* doit with SILK_A_INDEX, or dump all */
	SILK_CMD_EVENT,		/* multicast only, kernel -> userspace */
	__SILK_CMD_MAX,
};
#define SILK_CMD_MAX (__SILK_CMD_MAX - 1)

enum silk_attr {
	SILK_A_UNSPEC,
	SILK_A_INDEX,		/* u32: N of /dev/silkN */
	SILK_A_VOLUME,		/* string: volume name, <= SILK_VOLUME_NAME_MAX */
	SILK_A_ADDR,		/* string: server IPv4/IPv6 address literal */
	SILK_A_PORT,		/* u16: server port (default SILK_DEFAULT_PORT) */
	SILK_A_TRANSPORT,	/* u8: enum silk_transport */
	SILK_A_NR_QUEUES,	/* u32: hw queues wanted (capped by module param) */
	SILK_A_QUEUE_DEPTH,	/* u32: tags per hw queue, 1..1024 */
	SILK_A_BLOCK_SIZE,	/* u32: 512 or 4096 (default: the volume's) */
	SILK_A_IO_TIMEOUT,	/* u32: per-request timeout, ms */
	SILK_A_LOSS_TIMEOUT,	/* u32: fail I/O after this long disconnected, ms */
	SILK_A_DIGEST,		/* flag: request crc32c data digests */
	SILK_A_EPOCH,		/* u64: pod map epoch */
	SILK_A_STATE,		/* u8: enum silk_dev_state (reply/event) */
	SILK_A_SIZE,		/* u64: device size in bytes (reply) */
	SILK_A_VOL_ID,		/* u32: volume id from the server (reply) */
	SILK_A_DISK_NAME,	/* string: "silkN" (reply) */
	SILK_A_EVENT,		/* u8: enum silk_event (event) */
	SILK_A_ERRNO,		/* s32: negative errno (event) */
	SILK_A_RECONNECTS,	/* u32: reconnections so far (reply) */
	SILK_A_IO_ERRORS,	/* u64: requests completed with error (reply) */
	SILK_A_PAD,
	SILK_A_TRANSPORT_DEV,	/* string: RDMA device of queue 0, e.g. "rxe0" (reply) */
	__SILK_A_MAX,
};
#define SILK_A_MAX (__SILK_A_MAX - 1)

enum silk_transport {
	SILK_TRANSPORT_TCP	= 1,
	SILK_TRANSPORT_RDMA	= 2,
};

enum silk_dev_state {
	SILK_STATE_CONNECTING	= 1,
	SILK_STATE_LIVE		= 2,
	SILK_STATE_RECONNECTING	= 3,	/* lost, I/O waits for reconnect */
	SILK_STATE_FAILED	= 4,	/* loss timeout passed, I/O fails */
	SILK_STATE_DELETING	= 5,
};

enum silk_event {
	SILK_EVENT_DEV_ADDED	= 1,
	SILK_EVENT_DEV_REMOVED	= 2,
	SILK_EVENT_CONN_LOST	= 3,
	SILK_EVENT_CONN_RESTORED = 4,
	SILK_EVENT_DEV_FAILED	= 5,	/* loss timeout expired */
	SILK_EVENT_IO_ERROR	= 6,
	SILK_EVENT_STALE_EPOCH	= 7,
};

#endif /* _SILK_NETLINK_H */
