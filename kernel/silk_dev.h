/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Silk core: devices, blk-mq, state machine and the interface between the
 * core and its transports.
 *
 * A transport (TCP built in, RDMA in silk_rdma.ko) implements struct
 * silk_transport_ops, registers it with silk_transport_register() and
 * never touches blk-mq queue state: the core builds every message
 * header in struct silk_pdu before handing the request over, the
 * transport moves bytes and reports replies (silk_cmd_find(),
 * silk_cmd_complete()) and connection failures (silk_dev_conn_error()).
 */
#ifndef _SILK_DEV_H
#define _SILK_DEV_H

#include <linux/blk-mq.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/ratelimit.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include "silk_map.h"
#include "silk_netlink.h"
#include "silk_nlpolicy.h"
#include "silk_wire.h"

struct silk_dev;

/**
 * struct silk_transport_ops - what a transport provides to the core
 * @name: short name shown in sysfs ("tcp", "rdma")
 * @id: enum silk_transport value
 * @owner: module providing the ops; a device pins it while it uses them
 * @cmd_size: bytes of per-request private data (see silk_pdu_priv())
 * @virt_boundary_mask: if not 0, every segment of a request but the first
 *	starts and every segment but the last ends on this boundary (mask),
 *	as memory registration needs; 0: any layout
 * @alloc_queues: allocate state for dev->nr_queues queues (unconnected)
 * @free_queues: free it; every queue is stopped already
 * @connect_queue: connect queue @qid and run the HELLO exchange; may
 *	sleep; fills @info from the server's reply (info->max_data already
 *	capped to what the transport can move in one request)
 * @stop_queue: disconnect queue @qid; on return the transport no longer
 *	touches any request of that queue (they stay in flight for the
 *	core to requeue or fail); safe on a queue that is not connected,
 *	and on one stopped already
 * @queue_ready: true while queue @qid can take requests
 * @blocking: @queue_rq may sleep (the tag set gets BLK_MQ_F_BLOCKING),
 *	e.g. to send on a socket inline; it must still not wait on the network
 * @queue_rq: take a started request whose header is built; must not
 *	sleep unless @blocking; returns 0, -ENOTCONN if the queue cannot take it, -ENOMEM,
 *	-EAGAIN or -EBUSY for a shortage that goes away (blk-mq retries
 *	later), any other error fails the request
 * @transport_dev: optional; copy the name of the device the transport
 *	uses (e.g. an RDMA device) into @buf; false when there is none
 *	(any process context, must not sleep for long)
 */
struct silk_transport_ops {
	const char	*name;
	u8		id;
	struct module	*owner;
	unsigned int	cmd_size;
	unsigned long	virt_boundary_mask;
	bool		blocking;
	int		(*alloc_queues)(struct silk_dev *dev);
	void		(*free_queues)(struct silk_dev *dev);
	int		(*connect_queue)(struct silk_dev *dev, unsigned int qid,
					 struct silk_hello_info *info);
	void		(*stop_queue)(struct silk_dev *dev, unsigned int qid);
	bool		(*queue_ready)(struct silk_dev *dev, unsigned int qid);
	int		(*queue_rq)(struct silk_dev *dev, unsigned int qid,
				    struct request *rq, bool last);
	bool		(*transport_dev)(struct silk_dev *dev, char *buf,
					 size_t len);
};

/* Module-wide tunables (module parameters), read when a device is added. */
struct silk_params {
	unsigned int	max_queues;
	unsigned int	queue_depth;
	unsigned int	io_timeout_ms;
	unsigned int	loss_timeout_ms;
	unsigned int	keepalive_ms;
	unsigned int	connect_timeout_ms;
	unsigned int	reconnect_delay_max_ms;
	unsigned int	max_retries;
};

extern struct silk_params silk_params;
extern struct workqueue_struct *silk_io_wq;
extern struct workqueue_struct *silk_ctrl_wq;

/* silk_cmd.flags bits */
enum {
	SILK_CMD_INFLIGHT,	/* owned by the transport, no reply yet */
};

/* Per-request data (blk-mq PDU); the transport's part follows it. */
struct silk_pdu {
	struct silk_hdr		hdr;
	struct silk_msg_desc	desc;
	unsigned long		flags;
	u16			gen;
	u8			retries;
	bool			requeue;
	blk_status_t		status;
	int			err;
};

static inline void *silk_pdu_priv(struct silk_pdu *cmd)
{
	return cmd + 1;
}

struct silk_dev {
	struct list_head		node;		/* silk_devs list */
	int				index;
	char				disk_name[DISK_NAME_LEN];
	struct silk_dev_config		cfg;
	struct net			*net;
	const struct silk_transport_ops	*ops;
	void				*transport;
	unsigned int			nr_queues;
	unsigned int			queue_depth;
	unsigned long			io_timeout;	/* jiffies */
	u32				keepalive_ms;

	/* From the server's HELLO reply (identical on every queue). */
	u32				vol_id;
	u32				vol_block_size;
	u32				features;
	u64				epoch;
	struct silk_map_geo		geo;

	/* State machine, see Documentation/kernel.md. */
	spinlock_t			state_lock;
	enum silk_dev_state		state;
	bool				conn_err;	/* error while connecting */

	/* Serialises recovery, reconnect, loss timeout and removal. */
	struct mutex			ctrl_mutex;
	bool				quiesced;
	bool				disconnected;	/* torn down, not yet back */
	unsigned int			reconnect_attempts;
	unsigned long			live_since;	/* jiffies */
	/* Start of the current outage, for the loss timeout (jiffies). */
	unsigned long			lost_since;
	/* A valid reply came over the current connections. */
	bool				proven;
	struct work_struct		err_work;
	struct delayed_work		reconnect_work;
	struct delayed_work		loss_work;

	struct work_struct		event_work;
	atomic_t			pending_io_err;	/* last errno, 0: none */
	struct ratelimit_state		event_rs;

	u32				reconnects;
	atomic64_t			io_errors;

	struct blk_mq_tag_set		tag_set;
	struct gendisk			*disk;
	bool				disk_added;
};

/*
 * A valid reply (to a request or a keep-alive) arrived: the connections
 * work.  Until then a reconnect does not end the outage that the loss
 * timeout measures, so a server that accepts connections and then breaks
 * them cannot keep I/O waiting forever.  Any context.
 */
static inline void silk_dev_mark_proven(struct silk_dev *dev)
{
	if (!READ_ONCE(dev->proven))
		WRITE_ONCE(dev->proven, true);
}

/* Longest name a transport reports for its device, NUL included. */
#define SILK_TRANSPORT_DEV_MAX	64

/* silk_dev.c */
int silk_transport_register(const struct silk_transport_ops *ops);
void silk_transport_unregister(const struct silk_transport_ops *ops);
bool silk_dev_transport_dev(struct silk_dev *dev, char *buf, size_t len);
int silk_dev_add(struct net *net, const struct silk_dev_config *cfg,
		 struct silk_dev **out, struct netlink_ext_ack *extack);
int silk_dev_remove_index(u32 index);
void silk_dev_remove_all(void);
enum silk_dev_state silk_dev_get_state(struct silk_dev *dev);
const char *silk_state_name(enum silk_dev_state state);
void silk_dev_conn_error(struct silk_dev *dev);
struct request *silk_cmd_find(struct silk_dev *dev, unsigned int qid,
			      u32 tag);
void silk_cmd_complete(struct request *rq, u16 status);
int silk_dev_init(void);
void silk_dev_exit(void);

/* Device list, for netlink DEV_GET. */
extern struct list_head silk_devs;
extern struct mutex silk_devs_mutex;

/* silk_sysfs.c */
extern const struct attribute_group *silk_disk_groups[];

/* silk_netlink.c */
int silk_netlink_init(void);
void silk_netlink_exit(void);
void silk_nl_event(struct silk_dev *dev, enum silk_event event, int err);

/* silk_tcp.c */
extern const struct silk_transport_ops silk_tcp_ops;

#endif /* _SILK_DEV_H */
