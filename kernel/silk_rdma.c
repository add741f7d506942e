// SPDX-License-Identifier: GPL-2.0
/*
 * silk_rdma.ko: the RDMA transport of silk.ko (Documentation/protocol.md,
 * section 13).
 *
 * One reliable-connected QP per hardware queue, set up with rdma_cm.  Each
 * command is one SEND of a capsule (silk_hdr + silk_rdma_sgl + small WRITE
 * data); larger data stays in the request's pages, registered for that one
 * command with a fast-registration MR that the server reads (WRITE) or
 * writes (READ).  Replies land in pre-posted receive buffers.  A command
 * completes once its SEND completed, its reply arrived and its MR is
 * invalid again (remote invalidation by the reply, or a LOCAL_INV).
 *
 * Everything the server sends is validated before use; anything wrong, a
 * failed work completion or a connection event ends the queue's
 * connection and hands the device to the core's recovery, exactly like a
 * broken TCP connection.  Device removal (ib_client.remove) tears every
 * queue on that device down synchronously.
 *
 * Locking:
 *  - queue->lock (mutex): connect, stop and device removal of one queue;
 *    guards the verbs objects (cm_id, PD, CQ, QP, MR pool, DMA mappings).
 *    Taken under the core's ctrl_mutex; never taken by the rdma_cm event
 *    handler or by completion handlers.
 *  - queue->state_lock (spinlock, BH): phase and connect results; held
 *    around every post so that nothing is posted once teardown started.
 *  - silk_rdma_ctrls_mutex -> queue->lock (device removal walks queues);
 *    queue->lock -> silk_rdma_ibdevs_mutex (connect checks the device).
 */
#include <linux/blk-mq.h>
#include <linux/highmem.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <rdma/ib_verbs.h>
#include <rdma/mr_pool.h>
#include <rdma/rdma_cm.h>
#include "silk_dev.h"

static_assert(sizeof(struct silk_rdma_cm_req) == SILK_RDMA_CM_REQ_SIZE);
static_assert(sizeof(struct silk_rdma_cm_rep) == SILK_RDMA_CM_REP_SIZE);
static_assert(sizeof(struct silk_rdma_cm_rej) == SILK_RDMA_CM_REJ_SIZE);
static_assert(sizeof(struct silk_rdma_cmd) == SILK_RDMA_CMD_SIZE);

/* Scatterlist entries kept in the slot; more come from the SG pool. */
#define SILK_RDMA_INLINE_SG	4
/*
 * Most DMA segments of a small WRITE that go out inline, as SGEs of the
 * command's SEND pointing at the request's own pages (no copy); a WRITE
 * in more segments is registered like a large one.
 */
#define SILK_RDMA_INLINE_SGES	4
/* Page size of memory registrations (and the queue's virt boundary). */
#define SILK_RDMA_MR_PAGE	SZ_4K
/* How much longer than an rdma_cm step's own timeout we wait for it. */
#define SILK_RDMA_CM_SLACK_MS	1000
/* queue->ctl: the HELLO capsule at 0, the keep-alive capsule after it. */
#define SILK_RDMA_HELLO_LEN	(SILK_RDMA_CMD_SIZE + SILK_HELLO_REQ_SIZE)
#define SILK_RDMA_KA_OFF	256
#define SILK_RDMA_CTL_SIZE	(SILK_RDMA_KA_OFF + SILK_RDMA_CMD_SIZE)

static unsigned int rdma_inline_max = 4096;
module_param(rdma_inline_max, uint, 0444);
MODULE_PARM_DESC(rdma_inline_max,
		 "Largest WRITE in bytes sent inline with the command instead of being registered, 0-16384, 0 disables (default 4096)");

enum silk_rdma_phase {
	SILK_RDMAQ_DOWN,	/* nothing allocated, nothing posted */
	SILK_RDMAQ_CONNECTING,	/* rdma_cm handshake and HELLO under way */
	SILK_RDMAQ_LIVE,	/* takes requests */
	SILK_RDMAQ_FAILED,	/* broke after LIVE; the core was told */
	SILK_RDMAQ_STOPPING,	/* being torn down: post nothing */
};

/* queue->flags bits */
enum {
	SILK_RDMAQ_KA_OUTSTANDING,	/* keep-alive sent, no reply yet */
};

struct silk_rdma_queue;

/* One command slot per blk-mq tag of a queue. */
struct silk_rdma_slot {
	struct silk_rdma_queue	*queue;
	struct request		*rq;		/* held by the transport; NULL: free */
	struct ib_cqe		send_cqe;
	struct ib_cqe		reg_cqe;	/* REG_MR (unsignaled: errors only) */
	struct ib_cqe		inv_cqe;	/* LOCAL_INV */
	/* capsule header, then a small WRITE's pages */
	struct ib_sge		sge[1 + SILK_RDMA_INLINE_SGES];
	struct ib_send_wr	send_wr;
	struct ib_reg_wr	reg_wr;
	struct ib_send_wr	inv_wr;
	struct ib_mr		*mr;
	struct sg_table		sgt;
	int			sg_nents;	/* DMA-mapped entries; 0: none */
	int			sg_count;	/* what ib_dma_map_sg() made of them */
	enum dma_data_direction	dir;
	bool			sgt_used;
	bool			replied;
	u16			status;
	/* SEND completion + reply (or its LOCAL_INV) still to come */
	atomic_t		refs;
	struct scatterlist	sgl[SILK_RDMA_INLINE_SG];
};

/* A receive buffer for one reply. */
struct silk_rdma_rsp {
	struct ib_cqe		cqe;
	void			*buf;		/* SILK_RDMA_REP_MAX bytes */
	u64			dma;
};

struct silk_rdma_ctrl;

struct silk_rdma_queue {
	struct silk_rdma_ctrl	*ctrl;
	struct silk_dev		*dev;
	unsigned int		qid;

	struct mutex		lock;		/* connect/stop/removal */

	/* Verbs objects, under @lock. */
	struct rdma_cm_id	*cm_id;
	struct ib_device	*ibdev;
	struct ib_pd		*pd;
	struct ib_cq		*cq;
	struct ib_qp		*qp;
	bool			mr_pool;
	bool			connected;	/* rdma_connect() was issued */
	unsigned int		nr_rsp_mapped;
	bool			caps_mapped;
	bool			ctl_mapped;
	u32			inline_sges;	/* data SGEs per SEND; 0: no inline */

	spinlock_t		state_lock;	/* phase, results, posting */
	enum silk_rdma_phase	phase;
	int			cm_err;		/* first error while connecting */
	bool			cm_err_flush;	/* @cm_err is only a WR flush */
	int			cm_event;	/* last rdma_cm step reached */
	bool			cm_rep_ok;
	struct silk_rdma_cm_rep	cm_rep;
	bool			hello_sent;
	bool			hello_got;
	u32			hello_len;
	u8			hello_rep[SILK_RDMA_REP_MAX] __aligned(8);
	wait_queue_head_t	wait;		/* connect steps and HELLO */

	/* Granted by the server (valid while LIVE). */
	u32			depth;
	u32			inline_max;
	u32			max_data;
	atomic_t		active;		/* commands in flight */

	/* Buffers, allocated with the device, DMA-mapped per connection. */
	unsigned int		nr_slots;
	struct silk_rdma_slot	*slots;
	struct silk_rdma_cmd	*caps;		/* capsule headers, by tag */
	u64			caps_dma;
	unsigned int		nr_rsps;
	struct silk_rdma_rsp	*rsps;
	void			*ctl;		/* HELLO and keep-alive capsules */
	u64			ctl_dma;
	struct ib_cqe		ctl_cqe;

	unsigned long		flags;
	unsigned long		last_rx;	/* jiffies */
	struct delayed_work	ka_work;
};

struct silk_rdma_ctrl {
	struct list_head	node;		/* silk_rdma_ctrls */
	struct silk_dev		*dev;
	u32			inline_want;	/* inline WRITE bytes to ask for */
	spinlock_t		name_lock;
	char			ibdev_name[IB_DEVICE_NAME_MAX];
	unsigned int		nr_queues;
	struct silk_rdma_queue	queues[];
};

/* RDMA devices between ib_client add and remove. */
struct silk_rdma_ibdev {
	struct list_head	node;
	struct ib_device	*ibdev;
};

static LIST_HEAD(silk_rdma_ctrls);
static DEFINE_MUTEX(silk_rdma_ctrls_mutex);
static LIST_HEAD(silk_rdma_ibdevs);
static DEFINE_MUTEX(silk_rdma_ibdevs_mutex);

static struct ib_client silk_rdma_ib_client;

static struct silk_rdma_queue *silk_rdma_queue(struct silk_dev *dev,
					       unsigned int qid)
{
	struct silk_rdma_ctrl *ctrl = dev->transport;

	return &ctrl->queues[qid];
}

/* ---- errors ------------------------------------------------------------- */

/*
 * A connection problem.  While connecting it fails the connect (the
 * waiting thread sees @err; the rdma_cm event that explains a flush wins
 * over the flush); once LIVE the queue fails and the core's recovery
 * takes over.  Ignored while stopping.  Process or softirq context.
 */
static void __silk_rdma_queue_error(struct silk_rdma_queue *queue, int err,
				    const char *why, bool flush)
{
	bool report = false;

	spin_lock_bh(&queue->state_lock);
	switch (queue->phase) {
	case SILK_RDMAQ_CONNECTING:
		if (!queue->cm_err || (queue->cm_err_flush && !flush)) {
			queue->cm_err = err;
			queue->cm_err_flush = flush;
		}
		break;
	case SILK_RDMAQ_LIVE:
		queue->phase = SILK_RDMAQ_FAILED;
		report = true;
		break;
	default:
		break;
	}
	spin_unlock_bh(&queue->state_lock);
	wake_up_all(&queue->wait);
	if (report) {
		pr_warn_ratelimited("%s: queue %u: connection error: %s (%d)\n",
				    queue->dev->disk_name, queue->qid, why, err);
		silk_dev_conn_error(queue->dev);
	}
}

static void silk_rdma_queue_error(struct silk_rdma_queue *queue, int err,
				  const char *why)
{
	__silk_rdma_queue_error(queue, err, why, false);
}

/*
 * A failed work completion.  Flushes after the connection broke or while
 * stopping are expected; anything else on a live queue is worth a line.
 */
static void silk_rdma_wc_error(struct silk_rdma_queue *queue,
			       struct ib_wc *wc, const char *op)
{
	const char *why = ib_wc_status_msg(wc->status);

	if (wc->status != IB_WC_WR_FLUSH_ERR &&
	    READ_ONCE(queue->phase) == SILK_RDMAQ_LIVE)
		pr_warn_ratelimited("%s: queue %u: %s failed: %s (%d)\n",
				    queue->dev->disk_name, queue->qid, op, why,
				    wc->status);
	__silk_rdma_queue_error(queue, -ECONNRESET, why,
				wc->status == IB_WC_WR_FLUSH_ERR);
}

/* ---- posting ------------------------------------------------------------- */

/* Whether the QP may get new work requests.  Caller holds state_lock. */
static bool silk_rdma_may_post(struct silk_rdma_queue *queue)
{
	return queue->phase == SILK_RDMAQ_CONNECTING ||
	       queue->phase == SILK_RDMAQ_LIVE;
}

static int silk_rdma_post_send(struct silk_rdma_queue *queue,
			       const struct ib_send_wr *wr)
{
	int ret = -ENOTCONN;

	spin_lock_bh(&queue->state_lock);
	if (silk_rdma_may_post(queue))
		ret = ib_post_send(queue->qp, wr, NULL);
	spin_unlock_bh(&queue->state_lock);
	return ret;
}

static int silk_rdma_post_recv(struct silk_rdma_queue *queue,
			       struct silk_rdma_rsp *rsp)
{
	struct ib_sge sge = {
		.addr = rsp->dma,
		.length = SILK_RDMA_REP_MAX,
		.lkey = queue->pd->local_dma_lkey,
	};
	struct ib_recv_wr wr = {
		.wr_cqe = &rsp->cqe,
		.sg_list = &sge,
		.num_sge = 1,
	};
	int ret = -ENOTCONN;

	spin_lock_bh(&queue->state_lock);
	if (silk_rdma_may_post(queue))
		ret = ib_post_recv(queue->qp, &wr, NULL);
	spin_unlock_bh(&queue->state_lock);
	return ret;
}

/* ---- command slots --------------------------------------------------------- */

/* Give back what a command holds; its request stays with the core. */
static void silk_rdma_slot_release(struct silk_rdma_queue *queue,
				   struct silk_rdma_slot *slot)
{
	if (slot->mr) {
		ib_mr_pool_put(queue->qp, &queue->qp->rdma_mrs, slot->mr);
		slot->mr = NULL;
	}
	if (slot->sg_nents) {
		ib_dma_unmap_sg(queue->ibdev, slot->sgt.sgl, slot->sg_nents,
				slot->dir);
		slot->sg_nents = 0;
	}
	if (slot->sgt_used) {
		sg_free_table_chained(&slot->sgt, SILK_RDMA_INLINE_SG);
		slot->sgt_used = false;
	}
	WRITE_ONCE(slot->rq, NULL);
}

/* One of the events a command waits for happened; the last completes it. */
static void silk_rdma_slot_put(struct silk_rdma_slot *slot)
{
	struct silk_rdma_queue *queue = slot->queue;
	struct request *rq;
	u16 status;

	if (!atomic_dec_and_test(&slot->refs))
		return;
	rq = slot->rq;
	status = slot->status;
	silk_rdma_slot_release(queue, slot);
	atomic_dec(&queue->active);
	silk_cmd_complete(rq, status);
}

static void silk_rdma_send_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct silk_rdma_slot *slot =
		container_of(wc->wr_cqe, struct silk_rdma_slot, send_cqe);

	if (unlikely(wc->status != IB_WC_SUCCESS)) {
		silk_rdma_wc_error(slot->queue, wc, "SEND");
		return;
	}
	silk_rdma_slot_put(slot);
}

static void silk_rdma_reg_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct silk_rdma_slot *slot =
		container_of(wc->wr_cqe, struct silk_rdma_slot, reg_cqe);

	if (unlikely(wc->status != IB_WC_SUCCESS))
		silk_rdma_wc_error(slot->queue, wc, "REG_MR");
}

static void silk_rdma_inv_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct silk_rdma_slot *slot =
		container_of(wc->wr_cqe, struct silk_rdma_slot, inv_cqe);

	if (unlikely(wc->status != IB_WC_SUCCESS)) {
		silk_rdma_wc_error(slot->queue, wc, "LOCAL_INV");
		return;
	}
	silk_rdma_slot_put(slot);
}

/* HELLO and keep-alive SENDs: only failures matter. */
static void silk_rdma_ctl_done(struct ib_cq *cq, struct ib_wc *wc)
{
	if (unlikely(wc->status != IB_WC_SUCCESS))
		silk_rdma_wc_error(cq->cq_context, wc, "SEND");
}

/* DMA-map the request's pages into the slot's scatterlist. */
static int silk_rdma_map_data(struct silk_rdma_queue *queue,
			      struct silk_rdma_slot *slot, struct request *rq)
{
	int nents = blk_rq_nr_phys_segments(rq);
	int count;

	if (!nents)
		return -EIO;
	slot->sgt.sgl = slot->sgl;
	if (sg_alloc_table_chained(&slot->sgt, nents, slot->sgl,
				   SILK_RDMA_INLINE_SG))
		return -ENOMEM;
	slot->sgt_used = true;
	slot->dir = rq_dma_dir(rq);
	nents = blk_rq_map_sg(rq->q, rq, slot->sgt.sgl);
	count = ib_dma_map_sg(queue->ibdev, slot->sgt.sgl, nents, slot->dir);
	if (count <= 0)
		return -ENOMEM;
	slot->sg_nents = nents;
	slot->sg_count = count;
	return 0;
}

/*
 * A small WRITE goes out with its command: one SGE per mapped segment
 * after the capsule header, read by the device from the request's pages
 * when it sends (the SEND completes before the request does).
 */
static void silk_rdma_set_inline(struct silk_rdma_queue *queue,
				 struct silk_rdma_slot *slot)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(slot->sgt.sgl, sg, slot->sg_count, i) {
		slot->sge[1 + i].addr = sg_dma_address(sg);
		slot->sge[1 + i].length = sg_dma_len(sg);
		slot->sge[1 + i].lkey = queue->pd->local_dma_lkey;
	}
	slot->send_wr.num_sge = 1 + slot->sg_count;
}

/*
 * Register the mapped pages with a fresh MR key; the IB_WR_REG_MR goes in
 * front of the SEND.  Fills the capsule's SGL.
 */
static int silk_rdma_reg_mr(struct silk_rdma_queue *queue,
			    struct silk_rdma_slot *slot,
			    struct silk_rdma_cmd *cap, u32 len)
{
	struct ib_mr *mr;
	int nr, ret;

	mr = ib_mr_pool_get(queue->qp, &queue->qp->rdma_mrs);
	if (!mr)
		return -EAGAIN;
	slot->mr = mr;
	nr = ib_map_mr_sg(mr, slot->sgt.sgl, slot->sg_count, NULL,
			  SILK_RDMA_MR_PAGE);
	if (nr != slot->sg_count || mr->length != len) {
		ret = nr < 0 ? nr : -EIO;
		pr_warn_ratelimited("%s: queue %u: cannot register %u bytes in %d segments: %d\n",
				    queue->dev->disk_name, queue->qid, len,
				    slot->sg_count, ret);
		return ret;
	}
	ib_update_fast_reg_key(mr, ib_inc_rkey(mr->rkey));

	memset(&slot->reg_wr, 0, sizeof(slot->reg_wr));
	slot->reg_wr.wr.opcode = IB_WR_REG_MR;
	slot->reg_wr.wr.wr_cqe = &slot->reg_cqe;
	slot->reg_wr.wr.next = &slot->send_wr;
	slot->reg_wr.mr = mr;
	slot->reg_wr.key = mr->rkey;
	slot->reg_wr.access = slot->dir == DMA_TO_DEVICE ?
			      IB_ACCESS_REMOTE_READ :
			      IB_ACCESS_REMOTE_WRITE | IB_ACCESS_LOCAL_WRITE;

	cap->sgl.addr = cpu_to_le64(mr->iova);
	cap->sgl.rkey = cpu_to_le32(mr->rkey);
	cap->sgl.length = cpu_to_le32(len);
	return 0;
}

/*
 * Build the capsule of @rq in its slot: the core's header, then inline
 * data or a registered SGL.  Caller holds state_lock, the queue is LIVE.
 */
static int silk_rdma_prep(struct silk_rdma_queue *queue,
			  struct silk_rdma_slot *slot, struct request *rq)
{
	struct silk_pdu *cmd = blk_mq_rq_to_pdu(rq);
	struct silk_rdma_cmd *cap = &queue->caps[rq->tag];
	u64 cap_dma = queue->caps_dma + (u64)rq->tag * sizeof(*cap);
	u32 len = cmd->desc.length;
	u32 data_len = 0;
	int ret = 0;

	slot->mr = NULL;
	slot->sg_nents = 0;
	slot->sgt_used = false;
	slot->replied = false;
	slot->status = SILK_S_OK;
	slot->sge[0].addr = cap_dma;
	slot->sge[0].length = sizeof(*cap);
	slot->sge[0].lkey = queue->pd->local_dma_lkey;
	slot->send_wr.next = NULL;
	slot->send_wr.num_sge = 1;

	ib_dma_sync_single_for_cpu(queue->ibdev, cap_dma, sizeof(*cap),
				   DMA_TO_DEVICE);
	cap->hdr = cmd->hdr;
	memset(&cap->sgl, 0, sizeof(cap->sgl));
	switch (cmd->desc.opcode) {
	case SILK_OP_WRITE:
	case SILK_OP_READ:
		if (len > queue->max_data) {
			ret = -EIO;
			break;
		}
		ret = silk_rdma_map_data(queue, slot, rq);
		if (ret)
			break;
		if (cmd->desc.opcode == SILK_OP_WRITE &&
		    len <= queue->inline_max &&
		    slot->sg_count <= queue->inline_sges) {
			silk_rdma_set_inline(queue, slot);
			data_len = len;
			break;
		}
		ret = silk_rdma_reg_mr(queue, slot, cap, len);
		break;
	default:
		break;
	}
	cap->hdr.data_len = cpu_to_le32(data_len);
	ib_dma_sync_single_for_device(queue->ibdev, cap_dma, sizeof(*cap),
				      DMA_TO_DEVICE);
	if (ret) {
		silk_rdma_slot_release(queue, slot);
		return ret;
	}

	slot->send_wr.opcode = IB_WR_SEND;
	slot->send_wr.send_flags = IB_SEND_SIGNALED;
	slot->send_wr.wr_cqe = &slot->send_cqe;
	slot->send_wr.sg_list = slot->sge;
	/* The SEND completion and the reply. */
	atomic_set(&slot->refs, 2);
	slot->rq = rq;
	return 0;
}

/* ---- replies --------------------------------------------------------------- */

static void silk_rdma_proto_err(struct silk_rdma_queue *queue,
				const struct silk_hdr *h, u32 len,
				const char *why)
{
	pr_err_ratelimited("%s: queue %u: protocol error: %s (opcode 0x%02x status %u tag 0x%08x data_len %u, %u bytes), reconnecting\n",
			   queue->dev->disk_name, queue->qid, why, h->opcode,
			   le16_to_cpu(h->status), le32_to_cpu(h->tag),
			   le32_to_cpu(h->data_len), len);
}

/* The HELLO reply, while connecting: hand it to the connecting thread. */
static int silk_rdma_recv_hello(struct silk_rdma_queue *queue,
				struct silk_rdma_rsp *rsp, u32 len)
{
	int ret = 0;

	spin_lock_bh(&queue->state_lock);
	if (!queue->hello_sent || queue->hello_got) {
		ret = -EPROTO;
	} else {
		memcpy(queue->hello_rep, rsp->buf,
		       min_t(u32, len, SILK_RDMA_REP_MAX));
		queue->hello_len = len;
		queue->hello_got = true;
	}
	spin_unlock_bh(&queue->state_lock);
	if (ret)
		pr_err_ratelimited("%s: queue %u: protocol error: message before the HELLO reply, or a second one\n",
				   queue->dev->disk_name, queue->qid);
	else
		wake_up_all(&queue->wait);
	return ret;
}

/*
 * A reply on a LIVE queue, validated completely before anything in it is
 * used: exactly a header, no payload, no flags, known opcode and status,
 * a tag in flight on this queue whose command has no reply yet, the
 * request's opcode, and an invalidated rkey that is the command's own.
 */
static int silk_rdma_recv_reply(struct silk_rdma_queue *queue,
				struct silk_rdma_rsp *rsp, struct ib_wc *wc)
{
	const struct silk_hdr *h = rsp->buf;
	struct silk_rdma_slot *slot;
	struct silk_pdu *cmd;
	struct silk_reply r;
	struct request *rq;
	const char *why;
	int ret;

	if (wc->byte_len != SILK_HDR_SIZE) {
		why = "reply is not exactly a header";
		goto proto;
	}
	/* No payload on RDMA replies: READ data came by RDMA WRITE. */
	if (silk_reply_parse(h, 0, &r, &why))
		goto proto;
	if (r.flags) {
		why = "flags in a reply";
		goto proto;
	}
	if (r.opcode == SILK_OP_KEEPALIVE) {
		if (r.tag != SILK_TAG_KEEPALIVE ||
		    (wc->wc_flags & IB_WC_WITH_INVALIDATE) ||
		    !test_and_clear_bit(SILK_RDMAQ_KA_OUTSTANDING,
					&queue->flags)) {
			why = "unexpected keep-alive reply";
			goto proto;
		}
		silk_dev_mark_proven(queue->dev);
		return 0;
	}
	if (r.opcode == SILK_OP_HELLO) {
		why = "unexpected HELLO reply";
		goto proto;
	}
	rq = silk_cmd_find(queue->dev, queue->qid, r.tag);
	if (!rq) {
		why = "reply for a tag that is not in flight";
		goto proto;
	}
	slot = &queue->slots[rq->tag];
	if (READ_ONCE(slot->rq) != rq || slot->replied) {
		why = "second reply for a command";
		goto proto;
	}
	cmd = blk_mq_rq_to_pdu(rq);
	if (silk_reply_check(&r, cmd->desc.opcode, 0, &why))
		goto proto;
	if (wc->wc_flags & IB_WC_WITH_INVALIDATE) {
		if (!slot->mr || wc->ex.invalidate_rkey != slot->mr->rkey) {
			why = "reply invalidated an rkey that is not the command's";
			goto proto;
		}
	}
	slot->replied = true;
	slot->status = r.status;
	if (slot->mr && !(wc->wc_flags & IB_WC_WITH_INVALIDATE)) {
		/* The MR stays valid until our LOCAL_INV completes. */
		slot->inv_wr.next = NULL;
		slot->inv_wr.opcode = IB_WR_LOCAL_INV;
		slot->inv_wr.send_flags = IB_SEND_SIGNALED;
		slot->inv_wr.num_sge = 0;
		slot->inv_wr.ex.invalidate_rkey = slot->mr->rkey;
		slot->inv_wr.wr_cqe = &slot->inv_cqe;
		ret = silk_rdma_post_send(queue, &slot->inv_wr);
		/* -ENOTCONN: stopping; teardown releases the command. */
		if (ret && ret != -ENOTCONN)
			silk_rdma_queue_error(queue, ret,
					      "cannot post LOCAL_INV");
		return 0;
	}
	silk_rdma_slot_put(slot);
	return 0;
proto:
	silk_rdma_proto_err(queue, h, wc->byte_len, why);
	return -EPROTO;
}

static void silk_rdma_recv_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct silk_rdma_rsp *rsp =
		container_of(wc->wr_cqe, struct silk_rdma_rsp, cqe);
	struct silk_rdma_queue *queue = cq->cq_context;
	int ret;

	if (unlikely(wc->status != IB_WC_SUCCESS)) {
		silk_rdma_wc_error(queue, wc, "RECV");
		return;
	}
	WRITE_ONCE(queue->last_rx, jiffies);
	ib_dma_sync_single_for_cpu(queue->ibdev, rsp->dma, SILK_RDMA_REP_MAX,
				   DMA_FROM_DEVICE);
	switch (READ_ONCE(queue->phase)) {
	case SILK_RDMAQ_CONNECTING:
		ret = silk_rdma_recv_hello(queue, rsp, wc->byte_len);
		break;
	case SILK_RDMAQ_LIVE:
		ret = silk_rdma_recv_reply(queue, rsp, wc);
		break;
	default:
		/* Failed or stopping: nothing from this connection counts. */
		return;
	}
	ib_dma_sync_single_for_device(queue->ibdev, rsp->dma,
				      SILK_RDMA_REP_MAX, DMA_FROM_DEVICE);
	if (ret) {
		silk_rdma_queue_error(queue, ret, "protocol error");
		return;
	}
	ret = silk_rdma_post_recv(queue, rsp);
	if (ret && ret != -ENOTCONN)
		silk_rdma_queue_error(queue, ret,
				      "cannot post a receive buffer");
}

/* ---- keep-alive ------------------------------------------------------------ */

static void silk_rdma_ka_work(struct work_struct *work)
{
	struct silk_rdma_queue *queue = container_of(to_delayed_work(work),
						     struct silk_rdma_queue,
						     ka_work);
	struct silk_dev *dev = queue->dev;
	unsigned long interval = msecs_to_jiffies(dev->keepalive_ms);
	unsigned long idle = jiffies - READ_ONCE(queue->last_rx);
	struct ib_send_wr wr = {
		.wr_cqe = &queue->ctl_cqe,
		.num_sge = 1,
		.opcode = IB_WR_SEND,
		.send_flags = IB_SEND_SIGNALED,
	};
	struct ib_sge sge;
	int ret;

	/* Teardown cancels this work before it frees the PD and buffers. */
	if (READ_ONCE(queue->phase) != SILK_RDMAQ_LIVE)
		return;
	if (test_bit(SILK_RDMAQ_KA_OUTSTANDING, &queue->flags)) {
		if (idle > dev->io_timeout) {
			pr_warn("%s: queue %u: no reply to keep-alive for %u ms\n",
				dev->disk_name, queue->qid,
				jiffies_to_msecs(idle));
			silk_rdma_queue_error(queue, -ETIMEDOUT,
					      "keep-alive timeout");
			return;
		}
	} else if (idle >= interval) {
		sge.addr = queue->ctl_dma + SILK_RDMA_KA_OFF;
		sge.length = SILK_RDMA_CMD_SIZE;
		sge.lkey = queue->pd->local_dma_lkey;
		wr.sg_list = &sge;
		set_bit(SILK_RDMAQ_KA_OUTSTANDING, &queue->flags);
		ret = silk_rdma_post_send(queue, &wr);
		if (ret) {
			silk_rdma_queue_error(queue, ret,
					      "cannot post keep-alive");
			return;
		}
	}
	queue_delayed_work(silk_io_wq, &queue->ka_work, interval);
}

/* ---- rdma_cm --------------------------------------------------------------- */

static void silk_rdma_set_devname(struct silk_rdma_ctrl *ctrl,
				  struct ib_device *ibdev)
{
	spin_lock(&ctrl->name_lock);
	if (ibdev)
		strscpy(ctrl->ibdev_name, dev_name(&ibdev->dev),
			sizeof(ctrl->ibdev_name));
	else
		ctrl->ibdev_name[0] = '\0';
	spin_unlock(&ctrl->name_lock);
}

/* An rdma_cm step the connecting thread waits for was reached. */
static void silk_rdma_cm_step(struct silk_rdma_queue *queue, int event)
{
	spin_lock_bh(&queue->state_lock);
	if (queue->phase == SILK_RDMAQ_CONNECTING)
		queue->cm_event = event;
	spin_unlock_bh(&queue->state_lock);
	wake_up_all(&queue->wait);
}

static void silk_rdma_cm_established(struct silk_rdma_queue *queue,
				     struct rdma_cm_event *ev)
{
	const void *data = ev->param.conn.private_data;
	u8 len = ev->param.conn.private_data_len;

	spin_lock_bh(&queue->state_lock);
	if (queue->phase == SILK_RDMAQ_CONNECTING) {
		/* Validated by the connecting thread. */
		queue->cm_rep_ok = data && len >= sizeof(queue->cm_rep);
		if (queue->cm_rep_ok)
			memcpy(&queue->cm_rep, data, sizeof(queue->cm_rep));
		queue->cm_event = RDMA_CM_EVENT_ESTABLISHED;
	}
	spin_unlock_bh(&queue->state_lock);
	wake_up_all(&queue->wait);
}

static void silk_rdma_cm_rejected(struct silk_rdma_queue *queue,
				  struct rdma_cm_id *cm_id,
				  struct rdma_cm_event *ev)
{
	struct silk_dev *dev = queue->dev;
	const struct silk_rdma_cm_rej *rej;
	u8 len = 0;

	rej = rdma_consumer_reject_data(cm_id, ev, &len);
	if (rej && len >= sizeof(*rej) &&
	    le16_to_cpu(rej->recfmt) == SILK_RDMA_CM_VERSION) {
		u16 status = le16_to_cpu(rej->status);

		pr_err_ratelimited("%s: queue %u: server %s port %u rejected the connection: status %u (%d)\n",
				   dev->disk_name, queue->qid, dev->cfg.addr,
				   dev->cfg.port, status,
				   silk_status_to_errno(status));
	} else {
		pr_info_ratelimited("%s: queue %u: connection to %s port %u rejected: %s (%d)\n",
				    dev->disk_name, queue->qid, dev->cfg.addr,
				    dev->cfg.port,
				    rdma_reject_msg(cm_id, ev->status),
				    ev->status);
	}
	silk_rdma_queue_error(queue, -ECONNREFUSED, "connection rejected");
}

/*
 * rdma_cm events.  Runs in process context with the cm_id's handler mutex
 * held: takes no sleeping lock of ours (teardown destroys the cm_id with
 * queue->lock held) and always returns 0 (we destroy the cm_id ourselves).
 */
static int silk_rdma_cm_handler(struct rdma_cm_id *cm_id,
				struct rdma_cm_event *ev)
{
	struct silk_rdma_queue *queue = cm_id->context;
	int err;

	switch (ev->event) {
	case RDMA_CM_EVENT_ADDR_RESOLVED:
	case RDMA_CM_EVENT_ROUTE_RESOLVED:
		silk_rdma_cm_step(queue, ev->event);
		return 0;
	case RDMA_CM_EVENT_ESTABLISHED:
		silk_rdma_cm_established(queue, ev);
		return 0;
	case RDMA_CM_EVENT_REJECTED:
		silk_rdma_cm_rejected(queue, cm_id, ev);
		return 0;
	case RDMA_CM_EVENT_ADDR_ERROR:
	case RDMA_CM_EVENT_ROUTE_ERROR:
		err = ev->status < 0 ? ev->status : -EHOSTUNREACH;
		break;
	case RDMA_CM_EVENT_UNREACHABLE:
		err = -ETIMEDOUT;
		break;
	case RDMA_CM_EVENT_CONNECT_ERROR:
	case RDMA_CM_EVENT_DISCONNECTED:
	case RDMA_CM_EVENT_TIMEWAIT_EXIT:
	case RDMA_CM_EVENT_ADDR_CHANGE:
		err = -ECONNRESET;
		break;
	case RDMA_CM_EVENT_DEVICE_REMOVAL:
		/* Normally silk_rdma_remove_one() got there first. */
		err = -ENODEV;
		break;
	default:
		pr_debug("%s: queue %u: ignoring rdma_cm event %s\n",
			 queue->dev->disk_name, queue->qid,
			 rdma_event_msg(ev->event));
		return 0;
	}
	silk_rdma_queue_error(queue, err, rdma_event_msg(ev->event));
	return 0;
}

/*
 * A step is over when its event came or a real error did: a flush alone
 * waits for the error that caused it (the rdma_cm event, or a failed work
 * request), which names the reason better.
 */
static bool silk_rdma_cm_reached(struct silk_rdma_queue *queue, int event)
{
	bool done;

	spin_lock_bh(&queue->state_lock);
	done = (queue->cm_err && !queue->cm_err_flush) ||
	       queue->cm_event == event;
	spin_unlock_bh(&queue->state_lock);
	return done;
}

static int silk_rdma_wait_cm(struct silk_rdma_queue *queue, int event,
			     const char *step)
{
	unsigned long tmo = msecs_to_jiffies(silk_params.connect_timeout_ms +
					     SILK_RDMA_CM_SLACK_MS);
	struct silk_dev *dev = queue->dev;
	int ret;

	if (!wait_event_timeout(queue->wait,
				silk_rdma_cm_reached(queue, event), tmo))
		ret = -ETIMEDOUT;
	else
		ret = 0;
	spin_lock_bh(&queue->state_lock);
	if (queue->cm_err)
		ret = queue->cm_err;
	spin_unlock_bh(&queue->state_lock);
	if (ret)
		pr_info_ratelimited("%s: queue %u: %s for %s port %u failed: %d\n",
				    dev->disk_name, queue->qid, step,
				    dev->cfg.addr, dev->cfg.port, ret);
	return ret;
}

/* ---- connection setup ------------------------------------------------------ */

static bool silk_rdma_ibdev_alive(struct ib_device *ibdev)
{
	struct silk_rdma_ibdev *d;
	bool alive = false;

	mutex_lock(&silk_rdma_ibdevs_mutex);
	list_for_each_entry(d, &silk_rdma_ibdevs, node) {
		if (d->ibdev == ibdev) {
			alive = true;
			break;
		}
	}
	mutex_unlock(&silk_rdma_ibdevs_mutex);
	return alive;
}

static void silk_rdma_unmap_buffers(struct silk_rdma_queue *queue)
{
	struct ib_device *ibdev = queue->ibdev;
	unsigned int i;

	for (i = 0; i < queue->nr_rsp_mapped; i++)
		ib_dma_unmap_single(ibdev, queue->rsps[i].dma,
				    SILK_RDMA_REP_MAX, DMA_FROM_DEVICE);
	queue->nr_rsp_mapped = 0;
	if (queue->ctl_mapped)
		ib_dma_unmap_single(ibdev, queue->ctl_dma, SILK_RDMA_CTL_SIZE,
				    DMA_TO_DEVICE);
	queue->ctl_mapped = false;
	if (queue->caps_mapped)
		ib_dma_unmap_single(ibdev, queue->caps_dma,
				    queue->nr_slots * sizeof(*queue->caps),
				    DMA_TO_DEVICE);
	queue->caps_mapped = false;
}

static int silk_rdma_map_one(struct ib_device *ibdev, void *buf, size_t len,
			     enum dma_data_direction dir, u64 *dma)
{
	*dma = ib_dma_map_single(ibdev, buf, len, dir);
	return ib_dma_mapping_error(ibdev, *dma) ? -ENOMEM : 0;
}

static int silk_rdma_map_buffers(struct silk_rdma_queue *queue)
{
	struct ib_device *ibdev = queue->ibdev;
	unsigned int i;

	if (silk_rdma_map_one(ibdev, queue->caps,
			      queue->nr_slots * sizeof(*queue->caps),
			      DMA_TO_DEVICE, &queue->caps_dma))
		return -ENOMEM;
	queue->caps_mapped = true;
	if (silk_rdma_map_one(ibdev, queue->ctl, SILK_RDMA_CTL_SIZE,
			      DMA_TO_DEVICE, &queue->ctl_dma))
		return -ENOMEM;
	queue->ctl_mapped = true;
	for (i = 0; i < queue->nr_rsps; i++) {
		if (silk_rdma_map_one(ibdev, queue->rsps[i].buf,
				      SILK_RDMA_REP_MAX, DMA_FROM_DEVICE,
				      &queue->rsps[i].dma))
			return -ENOMEM;
		queue->nr_rsp_mapped++;
	}
	return 0;
}

static void silk_rdma_qp_event(struct ib_event *ev, void *context)
{
	struct silk_rdma_queue *queue = context;

	/* A fatal QP error also fails every work request: handled there. */
	pr_debug("%s: queue %u: QP event %s (%d)\n", queue->dev->disk_name,
		 queue->qid, ib_event_msg(ev->event), ev->event);
}

/* Address resolved: PD, CQ, QP, DMA mappings, receive buffers posted. */
static int silk_rdma_setup_ib(struct silk_rdma_queue *queue)
{
	struct ib_device *ibdev = queue->cm_id->device;
	struct silk_dev *dev = queue->dev;
	struct ib_qp_init_attr attr = { };
	/* REG_MR + SEND + LOCAL_INV per command, HELLO, keep-alive, drain */
	u32 send_wrs = 3 * queue->nr_slots + 3;
	/* one per receive buffer, drain */
	u32 recv_wrs = queue->nr_rsps + 1;
	unsigned int i;
	int ret;

	if (!ibdev || !silk_rdma_ibdev_alive(ibdev)) {
		pr_info_ratelimited("%s: queue %u: RDMA device is going away\n",
				    dev->disk_name, queue->qid);
		return -ENODEV;
	}
	queue->ibdev = ibdev;
	if (!(ibdev->attrs.device_cap_flags & IB_DEVICE_MEM_MGT_EXTENSIONS)) {
		pr_err("%s: queue %u: RDMA device %s has no fast memory registration\n",
		       dev->disk_name, queue->qid, dev_name(&ibdev->dev));
		return -EOPNOTSUPP;
	}
	if ((u32)ibdev->attrs.max_qp_wr < send_wrs ||
	    (u32)ibdev->attrs.max_cqe < send_wrs + recv_wrs) {
		pr_err("%s: queue %u: RDMA device %s cannot hold %u commands per queue\n",
		       dev->disk_name, queue->qid, dev_name(&ibdev->dev),
		       queue->nr_slots);
		return -EINVAL;
	}
	queue->inline_sges = 0;
	if (queue->ctrl->inline_want && ibdev->attrs.max_send_sge >= 2)
		queue->inline_sges = min_t(u32, SILK_RDMA_INLINE_SGES,
					   ibdev->attrs.max_send_sge - 1);

	queue->pd = ib_alloc_pd(ibdev, 0);
	if (IS_ERR(queue->pd)) {
		ret = PTR_ERR(queue->pd);
		queue->pd = NULL;
		return ret;
	}
	queue->cq = ib_alloc_cq(ibdev, queue, send_wrs + recv_wrs,
				queue->qid % max(ibdev->num_comp_vectors, 1),
				IB_POLL_SOFTIRQ);
	if (IS_ERR(queue->cq)) {
		ret = PTR_ERR(queue->cq);
		queue->cq = NULL;
		return ret;
	}

	attr.event_handler = silk_rdma_qp_event;
	attr.qp_context = queue;
	attr.send_cq = queue->cq;
	attr.recv_cq = queue->cq;
	attr.cap.max_send_wr = send_wrs;
	attr.cap.max_recv_wr = recv_wrs;
	attr.cap.max_send_sge = 1 + queue->inline_sges;
	attr.cap.max_recv_sge = 1;
	attr.sq_sig_type = IB_SIGNAL_REQ_WR;
	attr.qp_type = IB_QPT_RC;
	ret = rdma_create_qp(queue->cm_id, queue->pd, &attr);
	if (ret)
		return ret;
	queue->qp = queue->cm_id->qp;

	ret = silk_rdma_map_buffers(queue);
	if (ret)
		return ret;
	for (i = 0; i < queue->nr_rsps; i++) {
		ret = silk_rdma_post_recv(queue, &queue->rsps[i]);
		if (ret)
			return ret;
	}
	return 0;
}

static int silk_rdma_cm_connect(struct silk_rdma_queue *queue)
{
	struct silk_rdma_cm_req req = {
		.recfmt = cpu_to_le16(SILK_RDMA_CM_VERSION),
		.qid = cpu_to_le16(queue->qid),
		.queue_depth = cpu_to_le16(queue->nr_slots),
		.inline_max = cpu_to_le32(queue->inline_sges ?
					  queue->ctrl->inline_want : 0),
	};
	struct rdma_conn_param param = {
		.private_data = &req,
		.private_data_len = sizeof(req),
		/* The server RDMA READs WRITE data from us. */
		.responder_resources = min_t(int, U8_MAX,
					     queue->ibdev->attrs.max_qp_rd_atom),
		.flow_control = 1,
		.retry_count = 7,
		.rnr_retry_count = 7,
	};

	return rdma_connect(queue->cm_id, &param);
}

/* The accept's private data: never trusted before this. */
static int silk_rdma_check_rep(struct silk_rdma_queue *queue)
{
	struct silk_dev *dev = queue->dev;
	const struct silk_rdma_cm_rep *rep = &queue->cm_rep;
	u32 inline_req = queue->inline_sges ? queue->ctrl->inline_want : 0;
	u32 depth, inl, max_data;
	const char *why;

	if (!queue->cm_rep_ok) {
		why = "no or short private data";
		goto bad;
	}
	depth = le16_to_cpu(rep->queue_depth);
	inl = le32_to_cpu(rep->inline_max);
	max_data = le32_to_cpu(rep->max_data);
	if (le16_to_cpu(rep->recfmt) != SILK_RDMA_CM_VERSION) {
		why = "unknown recfmt";
		goto bad;
	}
	if (!depth || depth > queue->nr_slots) {
		why = "granted queue depth out of range";
		goto bad;
	}
	if (inl > inline_req) {
		why = "granted inline size above the requested one";
		goto bad;
	}
	if (max_data < 512) {
		why = "max_data below 512";
		goto bad;
	}
	queue->depth = depth;
	queue->inline_max = inl;
	queue->max_data = min(max_data, SILK_MAX_DATA);
	return 0;
bad:
	pr_err("%s: queue %u: bad accept from %s port %u: %s\n",
	       dev->disk_name, queue->qid, dev->cfg.addr, dev->cfg.port, why);
	return -EPROTO;
}

static bool silk_rdma_hello_reached(struct silk_rdma_queue *queue)
{
	bool done;

	spin_lock_bh(&queue->state_lock);
	done = (queue->cm_err && !queue->cm_err_flush) || queue->hello_got;
	spin_unlock_bh(&queue->state_lock);
	return done;
}

/* SEND the HELLO capsule and wait for its reply (protocol section 6). */
static int silk_rdma_hello(struct silk_rdma_queue *queue,
			   struct silk_hello_info *info)
{
	struct silk_dev *dev = queue->dev;
	struct silk_hello_params hp = {
		.volume = dev->cfg.volume,
		.features = 0,		/* no digests over RDMA */
		.queue_id = queue->qid,
		.queue_depth = queue->depth,
		.epoch = dev->epoch,
	};
	unsigned long tmo = msecs_to_jiffies(silk_params.connect_timeout_ms);
	struct silk_rdma_cmd *cap = queue->ctl;
	struct ib_sge sge = {
		.addr = queue->ctl_dma,
		.length = SILK_RDMA_HELLO_LEN,
		.lkey = queue->pd->local_dma_lkey,
	};
	struct ib_send_wr wr = {
		.wr_cqe = &queue->ctl_cqe,
		.sg_list = &sge,
		.num_sge = 1,
		.opcode = IB_WR_SEND,
		.send_flags = IB_SEND_SIGNALED,
	};
	const struct silk_hdr *h = (const struct silk_hdr *)queue->hello_rep;
	struct silk_hello_rep rep;
	struct silk_reply r;
	const char *why;
	u32 len;
	int ret;

	ib_dma_sync_single_for_cpu(queue->ibdev, queue->ctl_dma,
				   SILK_RDMA_HELLO_LEN, DMA_TO_DEVICE);
	memset(cap, 0, SILK_RDMA_HELLO_LEN);
	ret = silk_hello_build(&cap->hdr, (struct silk_hello_req *)(cap + 1),
			       &hp);
	ib_dma_sync_single_for_device(queue->ibdev, queue->ctl_dma,
				      SILK_RDMA_HELLO_LEN, DMA_TO_DEVICE);
	if (ret)
		return ret;

	spin_lock_bh(&queue->state_lock);
	queue->hello_sent = true;
	spin_unlock_bh(&queue->state_lock);
	ret = silk_rdma_post_send(queue, &wr);
	if (ret)
		return ret;
	if (!wait_event_timeout(queue->wait, silk_rdma_hello_reached(queue),
				tmo)) {
		pr_info_ratelimited("%s: queue %u: no HELLO reply from %s port %u\n",
				    dev->disk_name, queue->qid, dev->cfg.addr,
				    dev->cfg.port);
		return -ETIMEDOUT;
	}
	spin_lock_bh(&queue->state_lock);
	ret = queue->cm_err;
	len = queue->hello_len;
	spin_unlock_bh(&queue->state_lock);
	if (ret)
		return ret;

	if (len < SILK_HDR_SIZE) {
		why = "HELLO reply shorter than a header";
		goto proto;
	}
	if (silk_reply_parse(h, SILK_HELLO_REP_SIZE, &r, &why))
		goto proto;
	if (r.opcode != SILK_OP_HELLO || r.tag != SILK_TAG_HELLO) {
		why = "first reply is not the HELLO reply";
		goto proto;
	}
	if (r.flags) {
		why = "flags in the HELLO reply";
		goto proto;
	}
	if (len != SILK_HDR_SIZE + r.data_len) {
		why = "HELLO reply size does not match its data_len";
		goto proto;
	}
	if (r.status != SILK_S_OK) {
		ret = silk_status_to_errno(r.status);
		pr_err("%s: queue %u: server refused HELLO for volume %s: status %u (%d)\n",
		       dev->disk_name, queue->qid, dev->cfg.volume, r.status,
		       ret);
		return ret;
	}
	if (silk_reply_check(&r, SILK_OP_HELLO, SILK_HELLO_REP_SIZE, &why))
		goto proto;
	memcpy(&rep, queue->hello_rep + SILK_HDR_SIZE, sizeof(rep));
	if (silk_hello_rep_parse(&rep, hp.features, info, &why))
		goto proto;
	return 0;
proto:
	pr_err("%s: queue %u: HELLO failed: %s\n", dev->disk_name, queue->qid,
	       why);
	return -EPROTO;
}

/*
 * After HELLO: the transfer limit (the server's two max_data and what an
 * MR of this device can map), the MR pool and the keep-alive capsule.
 */
static int silk_rdma_finish(struct silk_rdma_queue *queue,
			    struct silk_hello_info *info)
{
	struct ib_device *ibdev = queue->ibdev;
	struct silk_dev *dev = queue->dev;
	struct silk_rdma_cmd *ka = queue->ctl + SILK_RDMA_KA_OFF;
	u32 max_data = min(info->max_data, queue->max_data);
	u32 pages;
	int ret;

	if (queue->max_data < info->block_size) {
		pr_err("%s: queue %u: server max_data %u is below the block size %u\n",
		       dev->disk_name, queue->qid, queue->max_data,
		       info->block_size);
		return -EPROTO;
	}
	pages = DIV_ROUND_UP(max_data, SILK_RDMA_MR_PAGE) + 1;
	if (pages > ibdev->attrs.max_fast_reg_page_list_len) {
		pages = ibdev->attrs.max_fast_reg_page_list_len;
		max_data = pages > 1 ? (pages - 1) * SILK_RDMA_MR_PAGE : 0;
		if (max_data < info->block_size) {
			pr_err("%s: queue %u: RDMA device %s registers too few pages\n",
			       dev->disk_name, queue->qid,
			       dev_name(&ibdev->dev));
			return -EOPNOTSUPP;
		}
	}
	ret = ib_mr_pool_init(queue->qp, &queue->qp->rdma_mrs, queue->depth,
			      IB_MR_TYPE_MEM_REG, pages, 0);
	if (ret) {
		pr_err("%s: queue %u: cannot allocate %u MRs of %u pages: %d\n",
		       dev->disk_name, queue->qid, queue->depth, pages, ret);
		return ret;
	}
	queue->mr_pool = true;
	queue->max_data = max_data;
	info->max_data = max_data;

	ib_dma_sync_single_for_cpu(ibdev, queue->ctl_dma + SILK_RDMA_KA_OFF,
				   SILK_RDMA_CMD_SIZE, DMA_TO_DEVICE);
	memset(ka, 0, SILK_RDMA_CMD_SIZE);
	silk_hdr_build_keepalive(&ka->hdr, info->vol_id, dev->epoch);
	ib_dma_sync_single_for_device(ibdev, queue->ctl_dma + SILK_RDMA_KA_OFF,
				      SILK_RDMA_CMD_SIZE, DMA_TO_DEVICE);
	return 0;
}

/* Caller holds queue->lock; on failure the caller tears down. */
static int silk_rdma_connect(struct silk_rdma_queue *queue,
			     struct silk_hello_info *info)
{
	unsigned long tmo_ms = silk_params.connect_timeout_ms;
	struct silk_dev *dev = queue->dev;
	struct rdma_cm_id *cm_id;
	int ret;

	spin_lock_bh(&queue->state_lock);
	queue->phase = SILK_RDMAQ_CONNECTING;
	queue->cm_err = 0;
	queue->cm_err_flush = false;
	queue->cm_event = -1;
	queue->cm_rep_ok = false;
	queue->hello_sent = false;
	queue->hello_got = false;
	queue->hello_len = 0;
	spin_unlock_bh(&queue->state_lock);

	cm_id = rdma_create_id(dev->net, silk_rdma_cm_handler, queue,
			       RDMA_PS_TCP, IB_QPT_RC);
	if (IS_ERR(cm_id))
		return PTR_ERR(cm_id);
	queue->cm_id = cm_id;

	ret = rdma_resolve_addr(cm_id, NULL, (struct sockaddr *)&dev->cfg.sa,
				tmo_ms);
	if (ret) {
		pr_info_ratelimited("%s: queue %u: cannot resolve %s: %d\n",
				    dev->disk_name, queue->qid, dev->cfg.addr,
				    ret);
		return ret;
	}
	ret = silk_rdma_wait_cm(queue, RDMA_CM_EVENT_ADDR_RESOLVED,
				"address resolution");
	if (ret)
		return ret;
	ret = silk_rdma_setup_ib(queue);
	if (ret)
		return ret;

	ret = rdma_resolve_route(cm_id, tmo_ms);
	if (!ret)
		ret = silk_rdma_wait_cm(queue, RDMA_CM_EVENT_ROUTE_RESOLVED,
					"route resolution");
	if (ret)
		return ret;

	ret = silk_rdma_cm_connect(queue);
	if (ret) {
		pr_info_ratelimited("%s: queue %u: rdma_connect failed: %d\n",
				    dev->disk_name, queue->qid, ret);
		return ret;
	}
	queue->connected = true;
	ret = silk_rdma_wait_cm(queue, RDMA_CM_EVENT_ESTABLISHED, "connect");
	if (ret)
		return ret;
	ret = silk_rdma_check_rep(queue);
	if (ret)
		return ret;
	ret = silk_rdma_hello(queue, info);
	if (ret)
		return ret;
	ret = silk_rdma_finish(queue, info);
	if (ret)
		return ret;

	atomic_set(&queue->active, 0);
	clear_bit(SILK_RDMAQ_KA_OUTSTANDING, &queue->flags);
	WRITE_ONCE(queue->last_rx, jiffies);
	spin_lock_bh(&queue->state_lock);
	ret = queue->cm_err;
	if (!ret)
		queue->phase = SILK_RDMAQ_LIVE;
	spin_unlock_bh(&queue->state_lock);
	if (ret)
		return ret;
	if (queue->qid == 0)
		silk_rdma_set_devname(queue->ctrl, queue->ibdev);
	if (dev->keepalive_ms)
		queue_delayed_work(silk_io_wq, &queue->ka_work,
				   msecs_to_jiffies(dev->keepalive_ms));
	return 0;
}

/*
 * Disconnect, drain, release every verbs object and DMA mapping.  On
 * return nothing of the queue is posted, mapped or registered and no
 * handler runs; requests it held stay in flight for the core.  Caller
 * holds queue->lock.  Safe on a queue in any phase, and idempotent.
 */
static void silk_rdma_teardown(struct silk_rdma_queue *queue)
{
	unsigned int i;

	lockdep_assert_held(&queue->lock);
	spin_lock_bh(&queue->state_lock);
	if (queue->phase == SILK_RDMAQ_DOWN) {
		spin_unlock_bh(&queue->state_lock);
		return;
	}
	/* From here on nothing new is posted (see silk_rdma_may_post()). */
	queue->phase = SILK_RDMAQ_STOPPING;
	spin_unlock_bh(&queue->state_lock);

	cancel_delayed_work_sync(&queue->ka_work);
	if (queue->qid == 0)
		silk_rdma_set_devname(queue->ctrl, NULL);
	if (queue->connected)
		rdma_disconnect(queue->cm_id);
	/* Every posted work request completes (flushed) before this returns. */
	if (queue->qp)
		ib_drain_qp(queue->qp);
	/* No rdma_cm event handler runs after this. */
	if (queue->cm_id)
		rdma_destroy_id(queue->cm_id);
	queue->cm_id = NULL;
	queue->connected = false;

	if (queue->qp) {
		for (i = 0; i < queue->nr_slots; i++)
			if (queue->slots[i].rq)
				silk_rdma_slot_release(queue, &queue->slots[i]);
	}
	if (queue->mr_pool)
		ib_mr_pool_destroy(queue->qp, &queue->qp->rdma_mrs);
	queue->mr_pool = false;
	if (queue->qp)
		ib_destroy_qp(queue->qp);
	queue->qp = NULL;
	if (queue->cq)
		ib_free_cq(queue->cq);
	queue->cq = NULL;
	silk_rdma_unmap_buffers(queue);
	if (queue->pd)
		ib_dealloc_pd(queue->pd);
	queue->pd = NULL;
	queue->ibdev = NULL;
	atomic_set(&queue->active, 0);
	clear_bit(SILK_RDMAQ_KA_OUTSTANDING, &queue->flags);

	spin_lock_bh(&queue->state_lock);
	queue->phase = SILK_RDMAQ_DOWN;
	spin_unlock_bh(&queue->state_lock);
}

/* ---- silk_transport_ops ---------------------------------------------------- */

static int silk_rdma_connect_queue(struct silk_dev *dev, unsigned int qid,
				   struct silk_hello_info *info)
{
	struct silk_rdma_queue *queue = silk_rdma_queue(dev, qid);
	int ret;

	mutex_lock(&queue->lock);
	if (WARN_ON_ONCE(queue->phase != SILK_RDMAQ_DOWN))
		silk_rdma_teardown(queue);
	ret = silk_rdma_connect(queue, info);
	if (ret)
		silk_rdma_teardown(queue);
	mutex_unlock(&queue->lock);
	return ret;
}

static void silk_rdma_stop_queue(struct silk_dev *dev, unsigned int qid)
{
	struct silk_rdma_queue *queue = silk_rdma_queue(dev, qid);

	mutex_lock(&queue->lock);
	silk_rdma_teardown(queue);
	mutex_unlock(&queue->lock);
}

static bool silk_rdma_queue_ready(struct silk_dev *dev, unsigned int qid)
{
	return READ_ONCE(silk_rdma_queue(dev, qid)->phase) == SILK_RDMAQ_LIVE;
}

static int silk_rdma_queue_rq(struct silk_dev *dev, unsigned int qid,
			      struct request *rq, bool last)
{
	struct silk_rdma_queue *queue = silk_rdma_queue(dev, qid);
	const struct ib_send_wr *first;
	struct silk_rdma_slot *slot;
	bool broken = false;
	int ret;

	if (WARN_ON_ONCE(rq->tag < 0 || rq->tag >= queue->nr_slots))
		return -EIO;
	slot = &queue->slots[rq->tag];

	spin_lock_bh(&queue->state_lock);
	if (queue->phase != SILK_RDMAQ_LIVE) {
		ret = -ENOTCONN;
		goto out;
	}
	/* The server granted fewer commands than we have tags. */
	if (atomic_read(&queue->active) >= queue->depth ||
	    WARN_ON_ONCE(slot->rq)) {
		ret = -EBUSY;
		goto out;
	}
	ret = silk_rdma_prep(queue, slot, rq);
	if (ret)
		goto out;
	atomic_inc(&queue->active);
	first = slot->mr ? &slot->reg_wr.wr : &slot->send_wr;
	ret = ib_post_send(queue->qp, first, NULL);
	if (ret) {
		/* Nothing of it reached the server: the QP is broken. */
		atomic_dec(&queue->active);
		silk_rdma_slot_release(queue, slot);
		queue->phase = SILK_RDMAQ_FAILED;
		broken = true;
		ret = -ENOTCONN;
	}
out:
	spin_unlock_bh(&queue->state_lock);
	if (broken) {
		pr_warn_ratelimited("%s: queue %u: cannot post a command, reconnecting\n",
				    dev->disk_name, qid);
		silk_dev_conn_error(dev);
	}
	return ret;
}

static bool silk_rdma_transport_dev(struct silk_dev *dev, char *buf,
				    size_t len)
{
	struct silk_rdma_ctrl *ctrl = dev->transport;
	bool known;

	spin_lock(&ctrl->name_lock);
	known = ctrl->ibdev_name[0];
	if (known)
		strscpy(buf, ctrl->ibdev_name, len);
	spin_unlock(&ctrl->name_lock);
	return known;
}

static void silk_rdma_free_queue(struct silk_rdma_queue *queue)
{
	unsigned int i;

	WARN_ON_ONCE(queue->phase != SILK_RDMAQ_DOWN);
	cancel_delayed_work_sync(&queue->ka_work);
	if (queue->rsps) {
		for (i = 0; i < queue->nr_rsps; i++)
			kfree(queue->rsps[i].buf);
		kfree(queue->rsps);
	}
	kfree(queue->slots);
	kfree(queue->caps);
	kfree(queue->ctl);
	mutex_destroy(&queue->lock);
}

static int silk_rdma_alloc_queue(struct silk_rdma_ctrl *ctrl,
				 unsigned int qid)
{
	struct silk_rdma_queue *queue = &ctrl->queues[qid];
	struct silk_dev *dev = ctrl->dev;
	unsigned int i;

	queue->ctrl = ctrl;
	queue->dev = dev;
	queue->qid = qid;
	mutex_init(&queue->lock);
	spin_lock_init(&queue->state_lock);
	init_waitqueue_head(&queue->wait);
	INIT_DELAYED_WORK(&queue->ka_work, silk_rdma_ka_work);
	queue->phase = SILK_RDMAQ_DOWN;
	queue->ctl_cqe.done = silk_rdma_ctl_done;

	queue->nr_slots = dev->queue_depth;
	queue->slots = kcalloc(queue->nr_slots, sizeof(*queue->slots),
			       GFP_KERNEL);
	queue->caps = kcalloc(queue->nr_slots, sizeof(*queue->caps),
			      GFP_KERNEL);
	queue->ctl = kzalloc(SILK_RDMA_CTL_SIZE, GFP_KERNEL);
	if (!queue->slots || !queue->caps || !queue->ctl)
		return -ENOMEM;
	for (i = 0; i < queue->nr_slots; i++) {
		struct silk_rdma_slot *slot = &queue->slots[i];

		slot->queue = queue;
		slot->send_cqe.done = silk_rdma_send_done;
		slot->reg_cqe.done = silk_rdma_reg_done;
		slot->inv_cqe.done = silk_rdma_inv_done;
	}
	/* One per command the server may answer, and one for keep-alive. */
	queue->nr_rsps = queue->nr_slots + 1;
	queue->rsps = kcalloc(queue->nr_rsps, sizeof(*queue->rsps),
			      GFP_KERNEL);
	if (!queue->rsps)
		return -ENOMEM;
	for (i = 0; i < queue->nr_rsps; i++) {
		queue->rsps[i].cqe.done = silk_rdma_recv_done;
		queue->rsps[i].buf = kzalloc(SILK_RDMA_REP_MAX, GFP_KERNEL);
		if (!queue->rsps[i].buf)
			return -ENOMEM;
	}
	return 0;
}

static void silk_rdma_free_ctrl(struct silk_rdma_ctrl *ctrl,
				unsigned int nr_init)
{
	unsigned int i;

	for (i = 0; i < nr_init; i++)
		silk_rdma_free_queue(&ctrl->queues[i]);
	kfree(ctrl);
}

static int silk_rdma_alloc_queues(struct silk_dev *dev)
{
	struct silk_rdma_ctrl *ctrl;
	unsigned int i;
	int ret;

	ctrl = kzalloc(struct_size(ctrl, queues, dev->nr_queues), GFP_KERNEL);
	if (!ctrl)
		return -ENOMEM;
	ctrl->dev = dev;
	ctrl->nr_queues = dev->nr_queues;
	ctrl->inline_want = rdma_inline_max;
	spin_lock_init(&ctrl->name_lock);
	for (i = 0; i < ctrl->nr_queues; i++) {
		ret = silk_rdma_alloc_queue(ctrl, i);
		if (ret) {
			silk_rdma_free_ctrl(ctrl, i + 1);
			return ret;
		}
	}
	mutex_lock(&silk_rdma_ctrls_mutex);
	list_add_tail(&ctrl->node, &silk_rdma_ctrls);
	mutex_unlock(&silk_rdma_ctrls_mutex);
	dev->transport = ctrl;
	return 0;
}

static void silk_rdma_free_queues(struct silk_dev *dev)
{
	struct silk_rdma_ctrl *ctrl = dev->transport;

	mutex_lock(&silk_rdma_ctrls_mutex);
	list_del(&ctrl->node);
	mutex_unlock(&silk_rdma_ctrls_mutex);
	silk_rdma_free_ctrl(ctrl, ctrl->nr_queues);
	dev->transport = NULL;
}

static const struct silk_transport_ops silk_rdma_ops = {
	.name			= "rdma",
	.id			= SILK_TRANSPORT_RDMA,
	.owner			= THIS_MODULE,
	.cmd_size		= 0,
	.virt_boundary_mask	= SILK_RDMA_MR_PAGE - 1,
	.alloc_queues		= silk_rdma_alloc_queues,
	.free_queues		= silk_rdma_free_queues,
	.connect_queue		= silk_rdma_connect_queue,
	.stop_queue		= silk_rdma_stop_queue,
	.queue_ready		= silk_rdma_queue_ready,
	.queue_rq		= silk_rdma_queue_rq,
	.transport_dev		= silk_rdma_transport_dev,
};

/* ---- RDMA devices ------------------------------------------------------------ */

static int silk_rdma_add_one(struct ib_device *ibdev)
{
	struct silk_rdma_ibdev *d;

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	d->ibdev = ibdev;
	mutex_lock(&silk_rdma_ibdevs_mutex);
	list_add_tail(&d->node, &silk_rdma_ibdevs);
	mutex_unlock(&silk_rdma_ibdevs_mutex);
	ib_set_client_data(ibdev, &silk_rdma_ib_client, d);
	return 0;
}

/*
 * An RDMA device goes away (rdma link delete, driver unload): release
 * every queue on it now, so that ib_unregister_device() can finish.  The
 * devices reconnect (and fail, until a device reaches the server again)
 * and fail I/O after their loss timeout, as after any connection loss.
 */
static void silk_rdma_remove_one(struct ib_device *ibdev, void *client_data)
{
	struct silk_rdma_ibdev *d = client_data;
	struct silk_rdma_ctrl *ctrl;
	unsigned int i;

	/* First: connects now refuse the device. */
	mutex_lock(&silk_rdma_ibdevs_mutex);
	list_del(&d->node);
	mutex_unlock(&silk_rdma_ibdevs_mutex);
	kfree(d);

	mutex_lock(&silk_rdma_ctrls_mutex);
	list_for_each_entry(ctrl, &silk_rdma_ctrls, node) {
		for (i = 0; i < ctrl->nr_queues; i++) {
			struct silk_rdma_queue *queue = &ctrl->queues[i];

			mutex_lock(&queue->lock);
			if (queue->ibdev == ibdev) {
				pr_warn("%s: queue %u: RDMA device %s removed, closing the connection\n",
					ctrl->dev->disk_name, i,
					dev_name(&ibdev->dev));
				silk_rdma_teardown(queue);
				silk_dev_conn_error(ctrl->dev);
			}
			mutex_unlock(&queue->lock);
		}
	}
	mutex_unlock(&silk_rdma_ctrls_mutex);
}

static struct ib_client silk_rdma_ib_client = {
	.name	= "silk_rdma",
	.add	= silk_rdma_add_one,
	.remove	= silk_rdma_remove_one,
};

static int __init silk_rdma_init(void)
{
	int ret;

	rdma_inline_max = min(rdma_inline_max, SILK_RDMA_INLINE_MAX);
	ret = ib_register_client(&silk_rdma_ib_client);
	if (ret)
		return ret;
	ret = silk_transport_register(&silk_rdma_ops);
	if (ret) {
		ib_unregister_client(&silk_rdma_ib_client);
		return ret;
	}
	return 0;
}

static void __exit silk_rdma_exit(void)
{
	/* Every device pins this module: none is left. */
	silk_transport_unregister(&silk_rdma_ops);
	ib_unregister_client(&silk_rdma_ib_client);
}

module_init(silk_rdma_init);
module_exit(silk_rdma_exit);

MODULE_AUTHOR("Silk developers");
MODULE_DESCRIPTION("Silk block device: RDMA transport (rdma_cm, fast memory registration)");
MODULE_LICENSE("GPL");
MODULE_ALIAS("silk-transport-rdma");
