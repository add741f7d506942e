// SPDX-License-Identifier: GPL-2.0
/*
 * Silk core: one blk-mq gendisk per attached volume, the device state
 * machine (CONNECTING -> LIVE <-> RECONNECTING -> FAILED, any -> DELETING),
 * error recovery, reconnect with exponential backoff and the loss timeout.
 * Transports plug in through struct silk_transport_ops.
 */
#include <linux/blkdev.h>
#include <linux/delay.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <net/net_namespace.h>
#include "silk_dev.h"

#define SILK_MINORS		16
#define SILK_RECONNECT_MIN_MS	100
/* Discard and write-zeroes need no payload: allow up to 1 GiB each. */
#define SILK_MAX_ZERO_BYTES	BIT(30)

/* Attached devices, in attach order. */
LIST_HEAD(silk_devs);
/* Protects silk_devs (membership only; devices have their own locks). */
DEFINE_MUTEX(silk_devs_mutex);
static DEFINE_IDA(silk_index_ida);
static int silk_major;

static const char * const silk_state_names[] = {
	[SILK_STATE_CONNECTING]		= "connecting",
	[SILK_STATE_LIVE]		= "live",
	[SILK_STATE_RECONNECTING]	= "reconnecting",
	[SILK_STATE_FAILED]		= "failed",
	[SILK_STATE_DELETING]		= "deleting",
};

/* ---- transports ---------------------------------------------------------- */

/* Registered transports by enum silk_transport; the TCP one is built in. */
static const struct silk_transport_ops *silk_transports[SILK_TRANSPORT_RDMA + 1];
static DEFINE_MUTEX(silk_transports_mutex);

/**
 * silk_transport_register() - make a transport available to DEV_ADD
 * @ops: the transport; @ops->owner is pinned by every device using it
 *
 * Return: 0, -EINVAL for an unknown transport id, -EBUSY if one with that
 * id is registered already.
 */
int silk_transport_register(const struct silk_transport_ops *ops)
{
	int ret = 0;

	if (!ops->id || ops->id >= ARRAY_SIZE(silk_transports))
		return -EINVAL;
	mutex_lock(&silk_transports_mutex);
	if (silk_transports[ops->id])
		ret = -EBUSY;
	else
		silk_transports[ops->id] = ops;
	mutex_unlock(&silk_transports_mutex);
	if (!ret)
		pr_info("silk: %s transport registered\n", ops->name);
	return ret;
}
EXPORT_SYMBOL_GPL(silk_transport_register);

/**
 * silk_transport_unregister() - withdraw a transport
 * @ops: a registered transport
 *
 * Devices pin the owner module, so none uses @ops when its module goes.
 */
void silk_transport_unregister(const struct silk_transport_ops *ops)
{
	mutex_lock(&silk_transports_mutex);
	if (ops->id < ARRAY_SIZE(silk_transports) &&
	    silk_transports[ops->id] == ops)
		silk_transports[ops->id] = NULL;
	mutex_unlock(&silk_transports_mutex);
}
EXPORT_SYMBOL_GPL(silk_transport_unregister);

/* The transport with @id, its module pinned; NULL if not registered. */
static const struct silk_transport_ops *silk_transport_get(u8 id)
{
	const struct silk_transport_ops *ops = NULL;

	mutex_lock(&silk_transports_mutex);
	if (id < ARRAY_SIZE(silk_transports))
		ops = silk_transports[id];
	/* silk.ko itself is not pinned: rmmod silk removes its devices. */
	if (ops && ops->owner != THIS_MODULE && !try_module_get(ops->owner))
		ops = NULL;
	mutex_unlock(&silk_transports_mutex);
	return ops;
}

static void silk_transport_put(const struct silk_transport_ops *ops)
{
	if (ops->owner != THIS_MODULE)
		module_put(ops->owner);
}

/*
 * The transport for a DEV_ADD.  RDMA lives in silk_rdma.ko: ask for it
 * once (modprobe through the "silk-transport-rdma" alias).
 */
static const struct silk_transport_ops *silk_transport_find(u8 id)
{
	const struct silk_transport_ops *ops = silk_transport_get(id);

	if (!ops && id == SILK_TRANSPORT_RDMA) {
		request_module("silk-transport-rdma");
		ops = silk_transport_get(id);
	}
	return ops;
}

/**
 * silk_dev_transport_dev() - name of the device the transport uses
 * @dev: the device
 * @buf: gets the name, NUL-terminated
 * @len: size of @buf
 *
 * Return: true if there is one (RDMA, connected), false otherwise.
 */
bool silk_dev_transport_dev(struct silk_dev *dev, char *buf, size_t len)
{
	if (!dev->ops->transport_dev || !dev->transport)
		return false;
	return dev->ops->transport_dev(dev, buf, len);
}

const char *silk_state_name(enum silk_dev_state state)
{
	if (state < ARRAY_SIZE(silk_state_names) && silk_state_names[state])
		return silk_state_names[state];
	return "unknown";
}

enum silk_dev_state silk_dev_get_state(struct silk_dev *dev)
{
	return READ_ONCE(dev->state);
}

/*
 * Move to @new if the current state allows it.  Returns true on success.
 * DELETING is final; LIVE is reached only from CONNECTING, RECONNECTING or
 * FAILED; FAILED only from RECONNECTING.
 */
static bool silk_dev_change_state(struct silk_dev *dev,
				  enum silk_dev_state new)
{
	enum silk_dev_state old;
	unsigned long flags;
	bool ok = false;

	spin_lock_irqsave(&dev->state_lock, flags);
	old = dev->state;
	switch (new) {
	case SILK_STATE_LIVE:
		ok = (old == SILK_STATE_CONNECTING ||
		      old == SILK_STATE_RECONNECTING ||
		      old == SILK_STATE_FAILED) && !dev->conn_err;
		break;
	case SILK_STATE_RECONNECTING:
		ok = old == SILK_STATE_LIVE;
		break;
	case SILK_STATE_FAILED:
		ok = old == SILK_STATE_RECONNECTING;
		break;
	case SILK_STATE_DELETING:
		ok = old != SILK_STATE_DELETING;
		break;
	default:
		break;
	}
	if (ok)
		WRITE_ONCE(dev->state, new);
	spin_unlock_irqrestore(&dev->state_lock, flags);
	return ok;
}

/**
 * silk_dev_conn_error() - a transport lost a connection or saw bad input
 * @dev: the device
 *
 * Safe in any context.  A LIVE device moves to RECONNECTING and error
 * recovery runs; a device being deleted fails its in-flight requests; a
 * device that is (re)connecting retries the whole connect.
 */
void silk_dev_conn_error(struct silk_dev *dev)
{
	unsigned long flags;

	spin_lock_irqsave(&dev->state_lock, flags);
	switch (dev->state) {
	case SILK_STATE_LIVE:
		WRITE_ONCE(dev->state, SILK_STATE_RECONNECTING);
		queue_work(silk_ctrl_wq, &dev->err_work);
		break;
	case SILK_STATE_DELETING:
		queue_work(silk_ctrl_wq, &dev->err_work);
		break;
	case SILK_STATE_FAILED:
		/*
		 * Failed but connected (a reconnect that raced with the loss
		 * timeout) or a request stuck in flight: recovery drops the
		 * connections, fails what is in flight and keeps reconnecting.
		 */
		dev->conn_err = true;
		queue_work(silk_ctrl_wq, &dev->err_work);
		break;
	default:
		dev->conn_err = true;
		break;
	}
	spin_unlock_irqrestore(&dev->state_lock, flags);
}
EXPORT_SYMBOL_GPL(silk_dev_conn_error);

/* ---- requests ---------------------------------------------------------- */

/**
 * silk_cmd_find() - find the in-flight request a reply's tag names
 * @dev: the device
 * @qid: hardware queue the reply arrived on
 * @tag: wire tag from the reply
 *
 * Return: the request, or NULL if no request with that tag and generation
 * is in flight on @qid (a protocol error).
 */
struct request *silk_cmd_find(struct silk_dev *dev, unsigned int qid,
			      u32 tag)
{
	u16 idx = silk_tag_idx(tag);
	struct silk_pdu *cmd;
	struct request *rq;

	if (qid >= dev->nr_queues || idx >= dev->queue_depth)
		return NULL;
	rq = blk_mq_tag_to_rq(dev->tag_set.tags[qid], idx);
	if (!rq)
		return NULL;
	cmd = blk_mq_rq_to_pdu(rq);
	if (!test_bit(SILK_CMD_INFLIGHT, &cmd->flags) ||
	    cmd->gen != silk_tag_gen(tag))
		return NULL;
	return rq;
}
EXPORT_SYMBOL_GPL(silk_cmd_find);

/**
 * silk_cmd_complete() - complete a request with the server's status
 * @rq: request from silk_cmd_find()
 * @status: enum silk_status from the reply
 */
void silk_cmd_complete(struct request *rq, u16 status)
{
	struct silk_pdu *cmd = blk_mq_rq_to_pdu(rq);

	if (!test_and_clear_bit(SILK_CMD_INFLIGHT, &cmd->flags))
		return;
	silk_dev_mark_proven(rq->q->queuedata);
	cmd->err = silk_status_to_errno(status);
	cmd->status = errno_to_blk_status(cmd->err);
	/* Busy server or a map change under way: try again a bit later. */
	if ((status == SILK_S_AGAIN || status == SILK_S_STALE) &&
	    cmd->retries < silk_params.max_retries && !blk_noretry_request(rq)) {
		cmd->retries++;
		cmd->requeue = true;
	}
	blk_mq_complete_request(rq);
}
EXPORT_SYMBOL_GPL(silk_cmd_complete);

/* blk-mq .complete: runs once per completion, possibly in hard irq. */
static void silk_complete_rq(struct request *rq)
{
	struct silk_dev *dev = rq->q->queuedata;
	struct silk_pdu *cmd = blk_mq_rq_to_pdu(rq);

	if (cmd->requeue) {
		cmd->requeue = false;
		blk_mq_requeue_request(rq, false);
		if (cmd->err == -EAGAIN || cmd->err == -ESTALE)
			blk_mq_delay_kick_requeue_list(rq->q, 100);
		if (cmd->err == -ESTALE) {
			atomic_set(&dev->pending_io_err, -ESTALE);
			queue_work(silk_ctrl_wq, &dev->event_work);
		}
		return;
	}
	if (cmd->status != BLK_STS_OK) {
		atomic64_inc(&dev->io_errors);
		atomic_set(&dev->pending_io_err, cmd->err ? cmd->err : -EIO);
		queue_work(silk_ctrl_wq, &dev->event_work);
	}
	blk_mq_end_request(rq, cmd->status);
}

/* Rate-limited I/O error and stale-epoch events, from process context. */
static void silk_event_work(struct work_struct *work)
{
	struct silk_dev *dev = container_of(work, struct silk_dev, event_work);
	int err = atomic_xchg(&dev->pending_io_err, 0);

	if (!err || !__ratelimit(&dev->event_rs))
		return;
	silk_nl_event(dev, err == -ESTALE ? SILK_EVENT_STALE_EPOCH :
					    SILK_EVENT_IO_ERROR, err);
}

static blk_status_t silk_queue_rq(struct blk_mq_hw_ctx *hctx,
				  const struct blk_mq_queue_data *bd)
{
	struct silk_dev *dev = hctx->queue->queuedata;
	struct request *rq = bd->rq;
	struct silk_pdu *cmd = blk_mq_rq_to_pdu(rq);
	enum silk_dev_state state = READ_ONCE(dev->state);
	unsigned int qid = hctx->queue_num;
	int ret;

	if (state == SILK_STATE_FAILED)
		return BLK_STS_IOERR;
	if (!dev->ops->queue_ready(dev, qid)) {
		if (state == SILK_STATE_DELETING)
			return BLK_STS_IOERR;
		/* Recovery is under way: it quiesces the queue soon. */
		return BLK_STS_RESOURCE;
	}
	if (state != SILK_STATE_LIVE && state != SILK_STATE_DELETING)
		return BLK_STS_RESOURCE;

	if (!(rq->rq_flags & RQF_DONTPREP)) {
		cmd->retries = 0;
		rq->rq_flags |= RQF_DONTPREP;
	}
	ret = silk_map_request(req_op(rq), rq->cmd_flags,
			       (u64)blk_rq_pos(rq) << SECTOR_SHIFT,
			       blk_rq_bytes(rq), &dev->geo, &cmd->desc);
	if (ret) {
		pr_warn_ratelimited("%s: cannot map request op %u pos %llu len %u: %d\n",
				    dev->disk_name, req_op(rq),
				    (u64)blk_rq_pos(rq), blk_rq_bytes(rq), ret);
		return ret == -EOPNOTSUPP ? BLK_STS_NOTSUPP : BLK_STS_IOERR;
	}
	cmd->gen++;
	cmd->requeue = false;
	cmd->err = 0;
	cmd->status = BLK_STS_OK;
	silk_hdr_build(&cmd->hdr, &cmd->desc, silk_tag_make(rq->tag, cmd->gen),
		       dev->vol_id, dev->epoch);

	blk_mq_start_request(rq);
	set_bit(SILK_CMD_INFLIGHT, &cmd->flags);
	ret = dev->ops->queue_rq(dev, qid, rq, bd->last);
	if (ret) {
		/* Teardown may have cancelled it meanwhile: then it is done. */
		if (!test_and_clear_bit(SILK_CMD_INFLIGHT, &cmd->flags))
			return BLK_STS_OK;
		switch (ret) {
		case -ENOMEM:
		case -EAGAIN:
		case -EBUSY:
			/* A shortage in the transport: try again soon. */
			return BLK_STS_RESOURCE;
		case -ENOTCONN:
			return state == SILK_STATE_DELETING ? BLK_STS_IOERR :
							      BLK_STS_RESOURCE;
		default:
			pr_warn_ratelimited("%s: transport refused request tag %d: %d\n",
					    dev->disk_name, rq->tag, ret);
			return BLK_STS_IOERR;
		}
	}
	return BLK_STS_OK;
}

static enum blk_eh_timer_return silk_timeout(struct request *rq)
{
	struct silk_dev *dev = rq->q->queuedata;
	struct silk_pdu *cmd = blk_mq_rq_to_pdu(rq);

	pr_warn_ratelimited("%s: request tag %d op %u timed out (state %s), resetting the connection\n",
			    dev->disk_name, rq->tag, cmd->desc.opcode,
			    silk_state_name(silk_dev_get_state(dev)));
	/* Recovery tears the connection down and requeues or fails @rq. */
	silk_dev_conn_error(dev);
	return BLK_EH_RESET_TIMER;
}

static int silk_init_hctx(struct blk_mq_hw_ctx *hctx, void *data,
			  unsigned int hctx_idx)
{
	struct silk_dev *dev = data;

	if (hctx_idx >= dev->nr_queues)
		return -EINVAL;
	return 0;
}

static const struct blk_mq_ops silk_mq_ops = {
	.queue_rq	= silk_queue_rq,
	.complete	= silk_complete_rq,
	.timeout	= silk_timeout,
	.init_hctx	= silk_init_hctx,
};

static const struct block_device_operations silk_fops = {
	.owner		= THIS_MODULE,
};

/* ---- teardown and recovery --------------------------------------------- */

static void silk_quiesce(struct silk_dev *dev)
{
	lockdep_assert_held(&dev->ctrl_mutex);
	if (!dev->quiesced) {
		blk_mq_quiesce_queue(dev->disk->queue);
		dev->quiesced = true;
	}
}

static void silk_unquiesce(struct silk_dev *dev)
{
	lockdep_assert_held(&dev->ctrl_mutex);
	if (dev->quiesced) {
		blk_mq_unquiesce_queue(dev->disk->queue);
		dev->quiesced = false;
	}
	blk_mq_kick_requeue_list(dev->disk->queue);
}

static bool silk_cancel_rq(struct request *rq, void *data)
{
	struct silk_dev *dev = data;
	struct silk_pdu *cmd = blk_mq_rq_to_pdu(rq);
	enum silk_dev_state state = silk_dev_get_state(dev);

	if (!test_and_clear_bit(SILK_CMD_INFLIGHT, &cmd->flags))
		return true;
	/*
	 * Every reset a request lives through counts as a retry, so that a
	 * server that breaks the connection on one request (or a request
	 * that keeps timing out) cannot keep it in a reconnect loop forever.
	 */
	if (state == SILK_STATE_RECONNECTING &&
	    cmd->retries < silk_params.max_retries &&
	    !blk_noretry_request(rq)) {
		cmd->retries++;
		cmd->requeue = true;
	} else {
		cmd->err = -EIO;
		cmd->status = BLK_STS_IOERR;
	}
	blk_mq_complete_request(rq);
	return true;
}

/*
 * Disconnect every queue and hand every in-flight request back to blk-mq:
 * requeued while RECONNECTING, failed otherwise.  A transport refuses new
 * requests once its queue is stopped, so nothing slips in afterwards.
 * With @quiesce, blk-mq also stops dispatching until silk_unquiesce().
 */
static void silk_teardown_io(struct silk_dev *dev, bool quiesce)
{
	unsigned int i;

	lockdep_assert_held(&dev->ctrl_mutex);
	if (quiesce)
		silk_quiesce(dev);
	for (i = 0; i < dev->nr_queues; i++)
		dev->ops->stop_queue(dev, i);
	blk_mq_tagset_busy_iter(&dev->tag_set, silk_cancel_rq, dev);
	blk_mq_tagset_wait_completed_request(&dev->tag_set);
}

static unsigned long silk_reconnect_delay(struct silk_dev *dev)
{
	unsigned int shift = min(dev->reconnect_attempts, 16u);
	u64 ms = (u64)SILK_RECONNECT_MIN_MS << shift;

	ms = min_t(u64, ms, max_t(unsigned int,
				  silk_params.reconnect_delay_max_ms,
				  SILK_RECONNECT_MIN_MS));
	return msecs_to_jiffies(ms);
}

static void silk_err_work(struct work_struct *work)
{
	struct silk_dev *dev = container_of(work, struct silk_dev, err_work);
	enum silk_dev_state state;
	unsigned long deadline;

	mutex_lock(&dev->ctrl_mutex);
	state = silk_dev_get_state(dev);
	if (state == SILK_STATE_DELETING) {
		/* Removal in progress: fail what is in flight, do not touch
		 * the request queue, which del_gendisk() may be tearing down.
		 */
		silk_teardown_io(dev, false);
		goto out;
	}
	if (state == SILK_STATE_FAILED) {
		/* I/O already fails fast: no quiesce, in-flight I/O fails. */
		silk_teardown_io(dev, false);
		dev->disconnected = true;
		mod_delayed_work(silk_ctrl_wq, &dev->reconnect_work,
				 silk_reconnect_delay(dev));
		goto out;
	}
	if (state != SILK_STATE_RECONNECTING)
		goto out;

	pr_warn("%s: connection to %s port %u lost, reconnecting\n",
		dev->disk_name, dev->cfg.addr, dev->cfg.port);
	silk_teardown_io(dev, true);
	dev->disconnected = true;
	silk_nl_event(dev, SILK_EVENT_CONN_LOST, -ENOTCONN);
	/*
	 * A connection that never carried a valid reply did not end the
	 * outage: the loss timeout keeps counting from its start and the
	 * reconnect backoff keeps growing.
	 */
	if (READ_ONCE(dev->proven)) {
		dev->lost_since = jiffies;
		dev->reconnect_attempts = 0;
	} else {
		dev->reconnect_attempts++;
	}
	WRITE_ONCE(dev->proven, false);
	deadline = dev->lost_since + msecs_to_jiffies(dev->cfg.loss_timeout_ms);
	mod_delayed_work(silk_ctrl_wq, &dev->loss_work,
			 time_after(deadline, jiffies) ? deadline - jiffies : 0);
	mod_delayed_work(silk_ctrl_wq, &dev->reconnect_work,
			 silk_reconnect_delay(dev));
out:
	mutex_unlock(&dev->ctrl_mutex);
}

static void silk_loss_work(struct work_struct *work)
{
	struct silk_dev *dev = container_of(to_delayed_work(work),
					    struct silk_dev, loss_work);

	mutex_lock(&dev->ctrl_mutex);
	/*
	 * A reconnect may have won the race for ctrl_mutex after this work
	 * started running (cancel_delayed_work() cannot stop it then): only
	 * a device that is still disconnected fails.
	 */
	if (dev->disconnected &&
	    silk_dev_change_state(dev, SILK_STATE_FAILED)) {
		pr_err("%s: no connection for %u ms, failing I/O (still reconnecting)\n",
		       dev->disk_name, dev->cfg.loss_timeout_ms);
		silk_nl_event(dev, SILK_EVENT_DEV_FAILED, -ETIMEDOUT);
		/* Requeued requests now meet FAILED in queue_rq: -EIO. */
		silk_unquiesce(dev);
	}
	mutex_unlock(&dev->ctrl_mutex);
}

/*
 * Connect every queue.  The first HELLO reply defines the volume; every
 * other queue must report the same one.  On failure, all queues are
 * stopped again.
 */
static int silk_connect_all(struct silk_dev *dev, struct silk_hello_info *out)
{
	struct silk_hello_info info;
	unsigned long flags;
	unsigned int i;
	int ret = 0;

	spin_lock_irqsave(&dev->state_lock, flags);
	dev->conn_err = false;
	spin_unlock_irqrestore(&dev->state_lock, flags);

	for (i = 0; i < dev->nr_queues; i++) {
		ret = dev->ops->connect_queue(dev, i, &info);
		if (ret)
			break;
		if (i == 0) {
			*out = info;
			continue;
		}
		if (info.vol_id != out->vol_id ||
		    info.block_size != out->block_size ||
		    info.size != out->size || info.features != out->features) {
			pr_err("%s: queue %u: server reports a different volume\n",
			       dev->disk_name, i);
			ret = -EPROTO;
			break;
		}
	}
	if (ret) {
		for (i = 0; i < dev->nr_queues; i++)
			dev->ops->stop_queue(dev, i);
	}
	return ret;
}

static void silk_reconnect_work(struct work_struct *work)
{
	struct silk_dev *dev = container_of(to_delayed_work(work),
					    struct silk_dev, reconnect_work);
	struct silk_hello_info info;
	enum silk_dev_state state;
	unsigned int i;
	int ret;

	mutex_lock(&dev->ctrl_mutex);
	state = silk_dev_get_state(dev);
	if (state != SILK_STATE_RECONNECTING && state != SILK_STATE_FAILED)
		goto out;

	ret = silk_connect_all(dev, &info);
	if (!ret && (info.vol_id != dev->vol_id ||
		     info.block_size != dev->vol_block_size ||
		     info.max_data < dev->geo.max_data ||
		     info.features != dev->features)) {
		pr_err("%s: server now reports a different volume, not reconnecting to it\n",
		       dev->disk_name);
		ret = -ESTALE;
	}
	if (!ret && !silk_dev_change_state(dev, SILK_STATE_LIVE))
		ret = -ECONNRESET;	/* a queue failed meanwhile */
	if (ret) {
		for (i = 0; i < dev->nr_queues; i++)
			dev->ops->stop_queue(dev, i);
		dev->reconnect_attempts++;
		pr_info_ratelimited("%s: reconnect attempt %u failed: %d\n",
				    dev->disk_name, dev->reconnect_attempts,
				    ret);
		queue_delayed_work(silk_ctrl_wq, &dev->reconnect_work,
				   silk_reconnect_delay(dev));
		goto out;
	}

	cancel_delayed_work(&dev->loss_work);
	dev->disconnected = false;
	dev->reconnects++;
	dev->live_since = jiffies;
	WRITE_ONCE(dev->proven, false);
	if (info.size != dev->geo.capacity) {
		dev->geo.capacity = info.size;
		set_capacity_and_notify(dev->disk, info.size >> SECTOR_SHIFT);
	}
	pr_info("%s: reconnected to %s port %u\n", dev->disk_name,
		dev->cfg.addr, dev->cfg.port);
	silk_unquiesce(dev);
	silk_nl_event(dev, SILK_EVENT_CONN_RESTORED, 0);
out:
	mutex_unlock(&dev->ctrl_mutex);
}

/* ---- creation and removal ---------------------------------------------- */

static void silk_dev_free(struct silk_dev *dev)
{
	if (dev->disk)
		put_disk(dev->disk);
	if (dev->tag_set.tags)
		blk_mq_free_tag_set(&dev->tag_set);
	if (dev->transport)
		dev->ops->free_queues(dev);
	if (dev->ops)
		silk_transport_put(dev->ops);
	if (dev->index >= 0)
		ida_free(&silk_index_ida, dev->index);
	if (dev->net)
		put_net(dev->net);
	kfree(dev);
}

static void silk_dev_set_limits(struct silk_dev *dev)
{
	struct request_queue *q = dev->disk->queue;
	u32 bs = dev->geo.block_size;

	blk_queue_logical_block_size(q, bs);
	blk_queue_physical_block_size(q, max(bs, dev->vol_block_size));
	blk_queue_io_min(q, max(bs, dev->vol_block_size));
	blk_queue_max_hw_sectors(q, dev->geo.max_data >> SECTOR_SHIFT);
	blk_queue_max_segments(q, USHRT_MAX);
	blk_queue_max_segment_size(q, UINT_MAX);
	if (dev->ops->virt_boundary_mask) {
		unsigned long mask = dev->ops->virt_boundary_mask;

		/* No gaps: a request spans at most max_data / boundary + 1. */
		blk_queue_virt_boundary(q, mask);
		blk_queue_max_segments(q, min_t(u32, USHRT_MAX,
						dev->geo.max_data / (mask + 1) + 1));
	}
	blk_queue_write_cache(q, true, true);
	blk_queue_max_discard_sectors(q, SILK_MAX_ZERO_BYTES >> SECTOR_SHIFT);
	q->limits.discard_granularity = max(bs, dev->vol_block_size);
	blk_queue_max_write_zeroes_sectors(q,
					   SILK_MAX_ZERO_BYTES >> SECTOR_SHIFT);
	blk_queue_flag_set(QUEUE_FLAG_NONROT, q);
	blk_queue_flag_clear(QUEUE_FLAG_ADD_RANDOM, q);
}

/* Takes over the reference to @ops, also on failure. */
static int silk_dev_alloc(struct net *net, const struct silk_dev_config *cfg,
			  const struct silk_transport_ops *ops,
			  struct silk_dev **out)
{
	struct silk_dev *dev;
	int ret;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev) {
		silk_transport_put(ops);
		return -ENOMEM;
	}
	dev->index = -1;
	dev->cfg = *cfg;
	dev->net = get_net(net);
	dev->ops = ops;
	dev->nr_queues = min3(cfg->nr_queues, num_online_cpus(),
			      max(silk_params.max_queues, 1u));
	dev->nr_queues = max(dev->nr_queues, 1u);
	dev->queue_depth = cfg->queue_depth;
	dev->io_timeout = msecs_to_jiffies(cfg->io_timeout_ms);
	dev->keepalive_ms = silk_params.keepalive_ms;
	dev->epoch = cfg->epoch;
	dev->state = SILK_STATE_CONNECTING;
	spin_lock_init(&dev->state_lock);
	mutex_init(&dev->ctrl_mutex);
	INIT_WORK(&dev->err_work, silk_err_work);
	INIT_DELAYED_WORK(&dev->reconnect_work, silk_reconnect_work);
	INIT_DELAYED_WORK(&dev->loss_work, silk_loss_work);
	INIT_WORK(&dev->event_work, silk_event_work);
	ratelimit_state_init(&dev->event_rs, 5 * HZ, 10);
	ratelimit_set_flags(&dev->event_rs, RATELIMIT_MSG_ON_RELEASE);
	atomic64_set(&dev->io_errors, 0);
	atomic_set(&dev->pending_io_err, 0);
	*out = dev;

	ret = ida_alloc_max(&silk_index_ida, (MINORMASK + 1) / SILK_MINORS - 1,
			    GFP_KERNEL);
	if (ret < 0)
		return ret;
	dev->index = ret;
	snprintf(dev->disk_name, sizeof(dev->disk_name), "silk%d", dev->index);

	ret = dev->ops->alloc_queues(dev);
	if (ret)
		return ret;

	dev->tag_set.ops = &silk_mq_ops;
	dev->tag_set.nr_hw_queues = dev->nr_queues;
	dev->tag_set.queue_depth = dev->queue_depth;
	dev->tag_set.numa_node = NUMA_NO_NODE;
	dev->tag_set.cmd_size = sizeof(struct silk_pdu) + dev->ops->cmd_size;
	dev->tag_set.flags = BLK_MQ_F_SHOULD_MERGE;
	if (dev->ops->blocking)
		dev->tag_set.flags |= BLK_MQ_F_BLOCKING;
	dev->tag_set.timeout = dev->io_timeout;
	dev->tag_set.driver_data = dev;
	ret = blk_mq_alloc_tag_set(&dev->tag_set);
	if (ret) {
		dev->tag_set.tags = NULL;
		return ret;
	}

	dev->disk = blk_mq_alloc_disk(&dev->tag_set, dev);
	if (IS_ERR(dev->disk)) {
		ret = PTR_ERR(dev->disk);
		dev->disk = NULL;
		return ret;
	}
	dev->disk->major = silk_major;
	dev->disk->first_minor = dev->index * SILK_MINORS;
	dev->disk->minors = SILK_MINORS;
	dev->disk->fops = &silk_fops;
	dev->disk->private_data = dev;
	strscpy(dev->disk->disk_name, dev->disk_name,
		sizeof(dev->disk->disk_name));
	return 0;
}

/*
 * Tear a device down.  The device is off the silk_devs list already.
 * In-flight I/O drains while the connection works; I/O that cannot
 * finish fails (at the latest after the I/O timeout).
 */
static void silk_dev_destroy(struct silk_dev *dev)
{
	unsigned int i;

	silk_dev_change_state(dev, SILK_STATE_DELETING);
	/* Recovery that started before DELETING may arm the other works. */
	flush_work(&dev->err_work);
	cancel_delayed_work_sync(&dev->reconnect_work);
	cancel_delayed_work_sync(&dev->loss_work);

	if (dev->disk_added) {
		mutex_lock(&dev->ctrl_mutex);
		/* Disconnected (queue quiesced): fail everything at once. */
		if (dev->quiesced) {
			silk_teardown_io(dev, false);
			silk_unquiesce(dev);
		}
		mutex_unlock(&dev->ctrl_mutex);
		/*
		 * Flushes dirty pages and waits for in-flight I/O: it drains
		 * over a working connection, fails fast without one, and a
		 * hung server is cut off by the I/O timeout.
		 */
		del_gendisk(dev->disk);
		silk_nl_event(dev, SILK_EVENT_DEV_REMOVED, 0);
	}
	if (dev->transport) {
		mutex_lock(&dev->ctrl_mutex);
		for (i = 0; i < dev->nr_queues; i++)
			dev->ops->stop_queue(dev, i);
		mutex_unlock(&dev->ctrl_mutex);
	}
	/* No connection is left to report errors: nothing queues it again. */
	cancel_work_sync(&dev->err_work);
	if (dev->tag_set.tags) {
		blk_mq_tagset_busy_iter(&dev->tag_set, silk_cancel_rq, dev);
		blk_mq_tagset_wait_completed_request(&dev->tag_set);
	}
	cancel_work_sync(&dev->event_work);
	silk_dev_free(dev);
}

/**
 * silk_dev_add() - connect to a volume and create its disk
 * @net: network namespace for the connections
 * @cfg: validated configuration
 * @out: the new device (LIVE, on the silk_devs list)
 * @extack: gets a message on failure
 *
 * Connects every queue synchronously, so a reachable server and an
 * existing volume are checked before /dev/silkN appears.
 */
int silk_dev_add(struct net *net, const struct silk_dev_config *cfg,
		 struct silk_dev **out, struct netlink_ext_ack *extack)
{
	const struct silk_transport_ops *ops;
	struct silk_hello_info info;
	struct silk_dev *dev = NULL;
	int ret;

	ops = silk_transport_find(cfg->transport);
	if (!ops) {
		if (cfg->transport == SILK_TRANSPORT_RDMA)
			NL_SET_ERR_MSG(extack, "RDMA transport not loaded (modprobe silk_rdma)");
		else
			NL_SET_ERR_MSG(extack, "transport not available");
		return -EPROTONOSUPPORT;
	}
	ret = silk_dev_alloc(net, cfg, ops, &dev);
	if (ret) {
		NL_SET_ERR_MSG(extack, "cannot allocate the device");
		goto fail;
	}

	ret = silk_connect_all(dev, &info);
	if (ret) {
		switch (ret) {
		case -ENOENT:
			NL_SET_ERR_MSG(extack, "the server has no such volume");
			break;
		case -EPROTO:
			NL_SET_ERR_MSG(extack, "protocol error in the HELLO exchange (see dmesg)");
			break;
		case -ETIMEDOUT:
		case -EAGAIN:
			NL_SET_ERR_MSG(extack, "connection to the server timed out");
			break;
		case -ECONNREFUSED:
			NL_SET_ERR_MSG(extack, "connection refused by the server");
			break;
		case -ENODEV:
			NL_SET_ERR_MSG(extack, "no RDMA device reaches the server address");
			break;
		default:
			NL_SET_ERR_MSG(extack, "cannot connect to the server (see dmesg)");
			break;
		}
		goto fail;
	}
	if (cfg->block_size && info.block_size > cfg->block_size) {
		NL_SET_ERR_MSG(extack, "block size smaller than the volume's block size");
		ret = -EINVAL;
		goto fail;
	}
	dev->vol_id = info.vol_id;
	dev->vol_block_size = info.block_size;
	dev->features = info.features;
	dev->geo.block_size = cfg->block_size ? cfg->block_size :
						info.block_size;
	dev->geo.capacity = info.size;
	dev->geo.max_data = rounddown(info.max_data, dev->geo.block_size);
	silk_dev_set_limits(dev);
	set_capacity(dev->disk, info.size >> SECTOR_SHIFT);

	dev->live_since = jiffies;
	dev->lost_since = jiffies;
	if (!silk_dev_change_state(dev, SILK_STATE_LIVE)) {
		NL_SET_ERR_MSG(extack, "connection lost while setting up the device");
		ret = -ECONNRESET;
		goto fail;
	}
	ret = device_add_disk(NULL, dev->disk, silk_disk_groups);
	if (ret) {
		NL_SET_ERR_MSG(extack, "cannot add the disk");
		goto fail;
	}
	dev->disk_added = true;

	mutex_lock(&silk_devs_mutex);
	list_add_tail(&dev->node, &silk_devs);
	mutex_unlock(&silk_devs_mutex);

	pr_info("%s: attached volume %s (id %u, %llu bytes, block size %u) at %s port %u, %u queues x %u\n",
		dev->disk_name, cfg->volume, dev->vol_id, info.size,
		dev->geo.block_size, cfg->addr, cfg->port, dev->nr_queues,
		dev->queue_depth);
	silk_nl_event(dev, SILK_EVENT_DEV_ADDED, 0);
	*out = dev;
	return 0;
fail:
	if (dev)
		silk_dev_destroy(dev);
	return ret;
}

/**
 * silk_dev_remove_index() - remove /dev/silk<index>
 * @index: device index
 *
 * Return: 0, or -ENODEV if there is no such device.
 */
int silk_dev_remove_index(u32 index)
{
	struct silk_dev *dev, *found = NULL;

	mutex_lock(&silk_devs_mutex);
	list_for_each_entry(dev, &silk_devs, node) {
		if (dev->index == index) {
			found = dev;
			list_del_init(&dev->node);
			break;
		}
	}
	mutex_unlock(&silk_devs_mutex);
	if (!found)
		return -ENODEV;
	pr_info("%s: removing\n", found->disk_name);
	silk_dev_destroy(found);
	return 0;
}

void silk_dev_remove_all(void)
{
	struct silk_dev *dev;

	for (;;) {
		mutex_lock(&silk_devs_mutex);
		dev = list_first_entry_or_null(&silk_devs, struct silk_dev,
					       node);
		if (dev)
			list_del_init(&dev->node);
		mutex_unlock(&silk_devs_mutex);
		if (!dev)
			break;
		silk_dev_destroy(dev);
	}
}

int silk_dev_init(void)
{
	silk_major = register_blkdev(0, "silk");
	return silk_major < 0 ? silk_major : 0;
}

void silk_dev_exit(void)
{
	unregister_blkdev(silk_major, "silk");
	ida_destroy(&silk_index_ida);
}
