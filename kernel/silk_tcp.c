// SPDX-License-Identifier: GPL-2.0
/*
 * Silk TCP transport: one kernel TCP socket per hardware queue.
 *
 * Receiving runs in the socket's data-ready callback (tcp_read_sock()
 * under the socket lock, usually in the softirq that delivered the reply,
 * so a request completes without a workqueue round trip) and, under
 * lock_sock(), in the queue's io_work for what the callback leaves: a
 * reply that overtook the end of its request's send waits there for the
 * sender.  Sending runs under the queue's send_mutex,
 * either inline in queue_rq() (a request that finds the queue idle is sent
 * by the submitting task, saving a workqueue round trip) or in io_work for
 * whatever could not go out at once.  Both
 * directions are non-blocking state machines: a request is sent as its
 * header then its bio pages (zero copy where the page allows it); a reply
 * is received as a header, which is validated in full, then its payload
 * straight into the request's bio pages.  Anything malformed stops the
 * queue and hands the device to the core's error recovery.
 */
#include <linux/blk-mq.h>
#include <linux/crc32c.h>
#include <linux/highmem.h>
#include <linux/mutex.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <net/tcp.h>
#include "silk_compat.h"
#include "silk_dev.h"

enum {
	SILK_TCPQ_LIVE,			/* connected, accepts requests */
	SILK_TCPQ_ERR,			/* failed, waiting for recovery */
	SILK_TCPQ_KA_PENDING,		/* keep-alive to be sent */
	SILK_TCPQ_KA_OUTSTANDING,	/* keep-alive sent, no reply yet */
};

/*
 * Payloads up to this size are copied into the bio in the data-ready
 * callback; larger ones are left to io_work, so that copying them runs
 * beside (not inside) the sender that delivered them on loopback.
 */
#define SILK_TCP_RX_INLINE_MAX	(16U << 10)

enum silk_tcp_rx_state {
	SILK_RX_HDR,
	SILK_RX_DATA,
	/* a whole header is in rx_hdr; its request is still being sent */
	SILK_RX_HDR_WAIT,
};

/* Per-request transport data, after struct silk_pdu in the blk-mq PDU. */
struct silk_tcp_req {
	struct list_head	entry;
	struct request		*rq;
	struct bio		*bio;	/* bio being transferred */
	struct bvec_iter	iter;	/* position in @bio */
	u32			left;	/* payload bytes still to transfer */
	u32			hdr_off;	/* header bytes sent */
	bool			sent;	/* fully sent, see silk_tcp_req_sent() */
};

struct silk_tcp_queue {
	struct silk_dev		*dev;
	unsigned int		qid;
	int			io_cpu;
	struct socket		*sock;
	unsigned long		flags;
	struct work_struct	io_work;
	struct delayed_work	ka_work;

	spinlock_t		lock;		/* req_list, LIVE vs queue_rq */
	struct list_head	req_list;

	/*
	 * Sender state, under send_mutex (io_work or an inline send from
	 * queue_rq; stop_queue waits for the holder).
	 */
	struct mutex		send_mutex;
	struct silk_tcp_req	*snd;
	bool			snd_ka;
	u32			ka_off;
	struct silk_hdr		ka_hdr;

	/*
	 * Receiver state, under the socket lock (the data-ready callback, or
	 * io_work with lock_sock()); in SILK_RX_HDR_WAIT io_work owns it.
	 */
	enum silk_tcp_rx_state	rx_state;
	struct silk_hdr		rx_hdr;
	u32			rx_off;
	struct silk_reply	rx;
	struct silk_tcp_req	*rx_req;
	unsigned long		last_rx;	/* jiffies */

	u32			max_data;
	bool			ddgst;

	void			(*saved_data_ready)(struct sock *sk);
	void			(*saved_write_space)(struct sock *sk);
	void			(*saved_state_change)(struct sock *sk);
};

struct silk_tcp_ctrl {
	unsigned int		nr_queues;
	struct silk_tcp_queue	queues[];
};

static struct silk_tcp_queue *silk_tcp_queue(struct silk_dev *dev,
					     unsigned int qid)
{
	struct silk_tcp_ctrl *ctrl = dev->transport;

	return &ctrl->queues[qid];
}

static struct silk_tcp_req *silk_tcp_req(struct request *rq)
{
	return silk_pdu_priv(blk_mq_rq_to_pdu(rq));
}

/* Standard CRC-32C (Castagnoli, as iSCSI): ~crc32c(~0, data). */
static u32 silk_tcp_crc_buf(const void *buf, size_t len)
{
	return ~crc32c(~0u, buf, len);
}

static u32 silk_tcp_crc_rq(struct request *rq, u32 len)
{
	struct req_iterator it;
	struct bio_vec bv;
	u32 crc = ~0u;

	rq_for_each_segment(bv, rq, it) {
		u32 n = min(bv.bv_len, len);
		void *p;

		if (!n)
			break;
		p = kmap_local_page(bv.bv_page);
		crc = crc32c(crc, p + bv.bv_offset, n);
		kunmap_local(p);
		len -= n;
	}
	return ~crc;
}

static bool silk_tcp_hdr_digest_ok(const struct silk_hdr *h)
{
	struct silk_hdr tmp = *h;

	tmp.hdr_digest = 0;
	return silk_tcp_crc_buf(&tmp, sizeof(tmp)) == le32_to_cpu(h->hdr_digest);
}

/* ---- payload iteration over the request's bios --------------------------- */

static void silk_tcp_data_init(struct silk_tcp_req *req, u32 len)
{
	req->bio = req->rq->bio;
	if (req->bio)
		req->iter = req->bio->bi_iter;
	req->left = len;
}

/* The current piece of payload, never crossing a page boundary. */
static bool silk_tcp_data_chunk(struct silk_tcp_req *req, struct bio_vec *bv)
{
	while (req->bio && !req->iter.bi_size) {
		req->bio = req->bio->bi_next;
		if (req->bio)
			req->iter = req->bio->bi_iter;
	}
	if (!req->bio || !req->left)
		return false;
	*bv = bio_iter_iovec(req->bio, req->iter);
	bv->bv_len = min(bv->bv_len, req->left);
	return true;
}

static void silk_tcp_data_advance(struct silk_tcp_req *req, u32 n)
{
	bio_advance_iter_single(req->bio, &req->iter, n);
	req->left -= n;
}

/* ---- errors and socket callbacks --------------------------------------- */

static void silk_tcp_queue_error(struct silk_tcp_queue *queue, int err)
{
	if (test_and_set_bit(SILK_TCPQ_ERR, &queue->flags))
		return;
	if (test_bit(SILK_TCPQ_LIVE, &queue->flags))
		pr_warn_ratelimited("%s: queue %u: connection error %d\n",
				    queue->dev->disk_name, queue->qid, err);
	silk_dev_conn_error(queue->dev);
}

static void silk_tcp_kick(struct silk_tcp_queue *queue)
{
	queue_work_on(queue->io_cpu, silk_io_wq, &queue->io_work);
}

static int silk_tcp_read_sock(struct silk_tcp_queue *queue, bool callback,
			      bool *defer);

/* Called with the socket locked, by the softirq or by release_sock(). */
static void silk_tcp_data_ready(struct sock *sk)
{
	struct silk_tcp_queue *queue;
	bool defer = false;
	int ret;

	read_lock_bh(&sk->sk_callback_lock);
	queue = sk->sk_user_data;
	if (likely(queue && test_bit(SILK_TCPQ_LIVE, &queue->flags) &&
		   !test_bit(SILK_TCPQ_ERR, &queue->flags))) {
		ret = silk_tcp_read_sock(queue, true, &defer);
		if (ret < 0)
			silk_tcp_queue_error(queue, ret);
		else if (defer)
			silk_tcp_kick(queue);
	}
	read_unlock_bh(&sk->sk_callback_lock);
}

static void silk_tcp_write_space(struct sock *sk)
{
	struct silk_tcp_queue *queue;

	read_lock_bh(&sk->sk_callback_lock);
	queue = sk->sk_user_data;
	if (likely(queue && sk_stream_is_writeable(sk))) {
		clear_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
		silk_tcp_kick(queue);
	}
	read_unlock_bh(&sk->sk_callback_lock);
}

static void silk_tcp_state_change(struct sock *sk)
{
	struct silk_tcp_queue *queue;

	read_lock_bh(&sk->sk_callback_lock);
	queue = sk->sk_user_data;
	if (!queue)
		goto out;
	switch (sk->sk_state) {
	case TCP_CLOSE:
	case TCP_CLOSE_WAIT:
	case TCP_LAST_ACK:
	case TCP_FIN_WAIT1:
	case TCP_FIN_WAIT2:
		silk_tcp_queue_error(queue, -ECONNRESET);
		break;
	default:
		break;
	}
	queue->saved_state_change(sk);
out:
	read_unlock_bh(&sk->sk_callback_lock);
}

/* ---- sending ----------------------------------------------------------- */

/* >0: bytes sent, 0: would block, <0: error. */
static int silk_tcp_send_hdr(struct silk_tcp_queue *queue, void *hdr,
			     u32 *off, bool more)
{
	struct kvec iov = {
		.iov_base = hdr + *off,
		.iov_len = SILK_HDR_SIZE - *off,
	};
	struct msghdr msg = {
		.msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL | (more ? MSG_MORE : 0),
	};
	int ret;

	ret = kernel_sendmsg(queue->sock, &msg, &iov, 1, iov.iov_len);
	if (ret == -EAGAIN)
		return 0;
	if (ret > 0)
		*off += ret;
	return ret;
}

static void silk_tcp_prep_send(struct silk_tcp_queue *queue,
			       struct silk_tcp_req *req)
{
	struct silk_pdu *cmd = blk_mq_rq_to_pdu(req->rq);
	u32 len = cmd->desc.tx_len;

	req->hdr_off = 0;
	silk_tcp_data_init(req, len);
	if (queue->ddgst && len) {
		cmd->hdr.flags |= SILK_F_DDGST;
		cmd->hdr.data_digest = cpu_to_le32(silk_tcp_crc_rq(req->rq, len));
	}
}

static struct silk_tcp_req *silk_tcp_next_req(struct silk_tcp_queue *queue)
{
	struct silk_tcp_req *req;

	spin_lock_bh(&queue->lock);
	req = list_first_entry_or_null(&queue->req_list, struct silk_tcp_req,
				       entry);
	if (req)
		list_del_init(&req->entry);
	spin_unlock_bh(&queue->lock);
	return req;
}

/* >0: progress, 0: nothing to send or would block, <0: error. */
static int silk_tcp_try_send(struct silk_tcp_queue *queue)
{
	struct silk_tcp_req *req = queue->snd;
	struct silk_pdu *cmd;
	int ret, progress = 0;

	if (!req && !queue->snd_ka) {
		if (test_and_clear_bit(SILK_TCPQ_KA_PENDING, &queue->flags)) {
			queue->snd_ka = true;
			queue->ka_off = 0;
		} else {
			req = silk_tcp_next_req(queue);
			if (!req)
				return 0;
			silk_tcp_prep_send(queue, req);
			queue->snd = req;
		}
	}
	if (queue->snd_ka) {
		ret = silk_tcp_send_hdr(queue, &queue->ka_hdr, &queue->ka_off,
					false);
		if (ret <= 0)
			return ret;
		if (queue->ka_off == SILK_HDR_SIZE)
			queue->snd_ka = false;
		return 1;
	}

	cmd = blk_mq_rq_to_pdu(req->rq);
	if (req->hdr_off < SILK_HDR_SIZE) {
		ret = silk_tcp_send_hdr(queue, &cmd->hdr, &req->hdr_off,
					req->left > 0);
		if (ret <= 0)
			return ret;
		progress = 1;
		if (req->hdr_off < SILK_HDR_SIZE)
			return progress;
	}
	while (req->left) {
		struct bio_vec bv;
		int flags = MSG_DONTWAIT | MSG_NOSIGNAL;

		if (!silk_tcp_data_chunk(req, &bv))
			return -EIO;	/* request shorter than its header says */
		if (bv.bv_len < req->left)
			flags |= SILK_MSG_MORE_PAGES;
		ret = silk_sock_send_page(queue->sock, bv.bv_page, bv.bv_offset,
					  bv.bv_len, flags);
		if (ret == -EAGAIN || ret == 0)
			return progress;
		if (ret < 0)
			return ret;
		silk_tcp_data_advance(req, ret);
		progress = 1;
	}
	queue->snd = NULL;
	/* The last access to @req: a reply may complete it from now on. */
	smp_store_release(&req->sent, true);
	return 1;
}

static bool silk_tcp_queue_usable(struct silk_tcp_queue *queue)
{
	return test_bit(SILK_TCPQ_LIVE, &queue->flags) &&
	       !test_bit(SILK_TCPQ_ERR, &queue->flags);
}

/*
 * Send from queue_rq() while the socket takes data, for at most a
 * millisecond.  Returns true if more remains to be sent, for io_work.
 */
static bool silk_tcp_send_inline(struct silk_tcp_queue *queue)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(1);
	unsigned int noio;
	bool more;
	int ret;

	if (!mutex_trylock(&queue->send_mutex))
		return true;	/* the holder sends it or kicks io_work */
	/* stop_queue clears LIVE before it waits for send_mutex. */
	if (!silk_tcp_queue_usable(queue)) {
		mutex_unlock(&queue->send_mutex);
		return false;
	}
	noio = memalloc_noio_save();
	do {
		ret = silk_tcp_try_send(queue);
	} while (ret > 0 && !time_after(jiffies, deadline));
	memalloc_noio_restore(noio);
	more = queue->snd || queue->snd_ka;
	mutex_unlock(&queue->send_mutex);
	if (ret < 0) {
		silk_tcp_queue_error(queue, ret);
		return false;
	}
	/* Checked after unlocking: io_work may have failed its trylock. */
	if (!more) {
		spin_lock_bh(&queue->lock);
		more = !list_empty(&queue->req_list);
		spin_unlock_bh(&queue->lock);
	}
	return more || test_bit(SILK_TCPQ_KA_PENDING, &queue->flags);
}

/* ---- receiving --------------------------------------------------------- */

/*
 * Copy @len bytes at @offset of @skb into the current payload page, with
 * the datagram iterator nvme-tcp uses: it maps each page locally (fine in
 * the data-ready callback) and copies through copy_to_iter().
 */
static int silk_tcp_copy_page(struct sk_buff *skb, unsigned int offset,
			      struct bio_vec *bv, unsigned int len)
{
	struct bio_vec seg = {
		.bv_page = bv->bv_page,
		.bv_offset = bv->bv_offset,
		.bv_len = len,
	};
	struct iov_iter it;

	iov_iter_bvec(&it, ITER_DEST, &seg, 1, len);
	return skb_copy_datagram_iter(skb, offset, &it, len);
}

static void silk_tcp_proto_err(struct silk_tcp_queue *queue, const char *why)
{
	const struct silk_hdr *h = &queue->rx_hdr;

	pr_err_ratelimited("%s: queue %u: protocol error: %s (opcode 0x%02x status %u tag 0x%08x data_len %u), reconnecting\n",
			   queue->dev->disk_name, queue->qid, why, h->opcode,
			   le16_to_cpu(h->status), le32_to_cpu(h->tag),
			   le32_to_cpu(h->data_len));
}

/*
 * A request is marked sent after its last byte went out, perhaps by an
 * inline sender on another CPU: its reply can overtake that.  Wait for the
 * sender before calling the reply early; the sender never waits for
 * io_work, so this cannot deadlock.
 */
static bool silk_tcp_req_sent(struct silk_tcp_req *req)
{
	/* Pairs with the release in silk_tcp_try_send(). */
	return smp_load_acquire(&req->sent);
}

/* Process context, neither the socket lock nor send_mutex held. */
static void silk_tcp_wait_sender(struct silk_tcp_queue *queue)
{
	/* The mutex orders what follows after the sender's last store. */
	mutex_lock(&queue->send_mutex);
	mutex_unlock(&queue->send_mutex);
}

/*
 * A whole header is in rx_hdr.  0: handled (or SILK_RX_HDR_WAIT when its
 * request is still being sent and @may_wait is false), <0: error.
 */
static int silk_tcp_handle_hdr(struct silk_tcp_queue *queue, bool may_wait)
{
	struct silk_reply *r = &queue->rx;
	struct silk_tcp_req *req;
	struct silk_pdu *cmd;
	struct request *rq;
	const char *why;

	if (silk_reply_parse(&queue->rx_hdr, queue->max_data, r, &why))
		goto proto;
	if ((r->flags & SILK_F_HDGST) && !silk_tcp_hdr_digest_ok(&queue->rx_hdr)) {
		why = "header digest mismatch";
		goto proto;
	}
	if (r->opcode == SILK_OP_KEEPALIVE) {
		if (r->tag != SILK_TAG_KEEPALIVE || r->data_len ||
		    !test_and_clear_bit(SILK_TCPQ_KA_OUTSTANDING,
					&queue->flags)) {
			why = "unexpected keep-alive reply";
			goto proto;
		}
		silk_dev_mark_proven(queue->dev);
		return 0;
	}
	if (r->opcode == SILK_OP_HELLO) {
		why = "unexpected HELLO reply";
		goto proto;
	}
	rq = silk_cmd_find(queue->dev, queue->qid, r->tag);
	if (!rq) {
		why = "reply for a tag that is not in flight";
		goto proto;
	}
	cmd = blk_mq_rq_to_pdu(rq);
	req = silk_tcp_req(rq);
	if (!silk_tcp_req_sent(req)) {
		if (!may_wait) {
			queue->rx_state = SILK_RX_HDR_WAIT;
			return 0;
		}
		why = "reply before the request was sent";
		goto proto;
	}
	if (silk_reply_check(r, cmd->desc.opcode, cmd->desc.rx_len, &why))
		goto proto;
	if (r->data_len && queue->ddgst && !(r->flags & SILK_F_DDGST)) {
		why = "payload without the negotiated data digest";
		goto proto;
	}
	if (r->data_len) {
		silk_tcp_data_init(req, r->data_len);
		queue->rx_req = req;
		queue->rx_state = SILK_RX_DATA;
		return 0;
	}
	queue->rx_state = SILK_RX_HDR;
	silk_cmd_complete(rq, r->status);
	return 0;
proto:
	silk_tcp_proto_err(queue, why);
	return -EPROTO;
}

static int silk_tcp_finish_data(struct silk_tcp_queue *queue)
{
	struct silk_tcp_req *req = queue->rx_req;
	struct silk_reply *r = &queue->rx;

	queue->rx_req = NULL;
	queue->rx_state = SILK_RX_HDR;
	if ((r->flags & SILK_F_DDGST) &&
	    silk_tcp_crc_rq(req->rq, r->data_len) != r->data_digest) {
		/* The request stays in flight and is retried after reconnect. */
		silk_tcp_proto_err(queue, "data digest mismatch");
		return -EPROTO;
	}
	silk_cmd_complete(req->rq, r->status);
	return 0;
}

struct silk_tcp_rd {
	struct silk_tcp_queue	*queue;
	bool			callback;	/* in sk_data_ready */
	bool			defer;		/* left work for io_work */
};

/*
 * tcp_read_sock() actor: feed the receive state machine.  Stops (by
 * consuming less than offered) at an error, recorded in desc->error, when
 * a header must wait for its request's sender, or, in the callback, before
 * a payload larger than SILK_TCP_RX_INLINE_MAX.
 */
static int silk_tcp_recv_skb(read_descriptor_t *desc, struct sk_buff *skb,
			     unsigned int offset, size_t len)
{
	struct silk_tcp_rd *rd = desc->arg.data;
	struct silk_tcp_queue *queue = rd->queue;
	size_t done = 0;
	int ret = 0;

	while (done < len && queue->rx_state != SILK_RX_HDR_WAIT) {
		struct silk_tcp_req *req;
		struct bio_vec bv;
		u32 n;

		if (queue->rx_state == SILK_RX_HDR) {
			n = min_t(size_t, len - done,
				  SILK_HDR_SIZE - queue->rx_off);
			ret = skb_copy_bits(skb, offset + done,
					    (u8 *)&queue->rx_hdr + queue->rx_off,
					    n);
			if (ret)
				break;
			done += n;
			queue->rx_off += n;
			if (queue->rx_off < SILK_HDR_SIZE)
				continue;
			queue->rx_off = 0;
			ret = silk_tcp_handle_hdr(queue, false);
			if (ret)
				break;
			continue;
		}
		if (rd->callback && queue->rx.data_len > SILK_TCP_RX_INLINE_MAX) {
			rd->defer = true;
			break;
		}
		req = queue->rx_req;
		if (!silk_tcp_data_chunk(req, &bv)) {
			ret = -EIO;	/* request shorter than the validated length */
			break;
		}
		n = min_t(size_t, len - done, bv.bv_len);
		ret = silk_tcp_copy_page(skb, offset + done, &bv, n);
		if (ret)
			break;
		done += n;
		silk_tcp_data_advance(req, n);
		if (!req->left) {
			ret = silk_tcp_finish_data(queue);
			if (ret)
				break;
		}
	}
	if (queue->rx_state == SILK_RX_HDR_WAIT)
		rd->defer = true;
	if (ret) {
		desc->error = ret;
		desc->count = 0;
	} else if (rd->defer) {
		desc->count = 0;
	}
	if (done)
		WRITE_ONCE(queue->last_rx, jiffies);
	return done;
}

/*
 * With the socket locked.  >=0: bytes consumed, <0: error; *@defer: what
 * is left needs io_work.
 */
static int silk_tcp_read_sock(struct silk_tcp_queue *queue, bool callback,
			      bool *defer)
{
	struct silk_tcp_rd rd = { .queue = queue, .callback = callback };
	read_descriptor_t desc = {
		.arg.data = &rd,
		.count = 1,
	};
	struct sock *sk = queue->sock->sk;
	int ret;

	*defer = queue->rx_state == SILK_RX_HDR_WAIT;
	if (*defer)
		return 0;
	ret = tcp_read_sock(sk, &desc, silk_tcp_recv_skb);
	*defer = rd.defer;
	if (desc.error)
		return desc.error;
	if (rd.defer)
		return ret;
	/* The peer closed: what it sent was consumed above. */
	if (ret <= 0 && sk->sk_shutdown & RCV_SHUTDOWN)
		return -ECONNRESET;
	return ret;
}

/*
 * io_work's share of receiving: finish a header that waited for its
 * sender, then read what the callback left.  >0: progress, 0: nothing
 * available, <0: error.
 */
static int silk_tcp_try_recv(struct silk_tcp_queue *queue)
{
	struct sock *sk = queue->sock->sk;
	int progress = 0;
	bool defer;
	int ret;

	if (READ_ONCE(queue->rx_state) == SILK_RX_HDR_WAIT) {
		/* The callback leaves the state alone until we change it. */
		silk_tcp_wait_sender(queue);
		lock_sock(sk);
		ret = silk_tcp_handle_hdr(queue, true);
		release_sock(sk);
		if (ret)
			return ret;
		progress = 1;
	}
	lock_sock(sk);
	ret = silk_tcp_read_sock(queue, false, &defer);
	release_sock(sk);
	if (ret < 0)
		return ret;
	return progress || ret > 0;
}

static void silk_tcp_io_work(struct work_struct *work)
{
	struct silk_tcp_queue *queue =
		container_of(work, struct silk_tcp_queue, io_work);
	unsigned long deadline = jiffies + msecs_to_jiffies(1);
	unsigned int noio = memalloc_noio_save();
	bool pending;
	int ret;

	do {
		if (!test_bit(SILK_TCPQ_LIVE, &queue->flags) ||
		    test_bit(SILK_TCPQ_ERR, &queue->flags))
			goto out;
		pending = false;
		/*
		 * An inline sender holding send_mutex kicks io_work again
		 * after unlocking if anything is left to send.
		 */
		if (mutex_trylock(&queue->send_mutex)) {
			ret = silk_tcp_try_send(queue);
			mutex_unlock(&queue->send_mutex);
			if (ret < 0)
				goto err;
			pending |= ret > 0;
		}
		ret = silk_tcp_try_recv(queue);
		if (ret < 0)
			goto err;
		pending |= ret > 0;
		if (!pending)
			goto out;
	} while (!time_after(jiffies, deadline));
	/* Still busy: yield the CPU and come back. */
	silk_tcp_kick(queue);
	goto out;
err:
	silk_tcp_queue_error(queue, ret);
out:
	memalloc_noio_restore(noio);
}

static void silk_tcp_ka_work(struct work_struct *work)
{
	struct silk_tcp_queue *queue = container_of(to_delayed_work(work),
						    struct silk_tcp_queue,
						    ka_work);
	struct silk_dev *dev = queue->dev;
	unsigned long interval = msecs_to_jiffies(dev->keepalive_ms);
	unsigned long idle = jiffies - READ_ONCE(queue->last_rx);

	if (!test_bit(SILK_TCPQ_LIVE, &queue->flags) ||
	    test_bit(SILK_TCPQ_ERR, &queue->flags))
		return;
	if (test_bit(SILK_TCPQ_KA_OUTSTANDING, &queue->flags)) {
		if (idle > dev->io_timeout) {
			pr_warn("%s: queue %u: no reply to keep-alive for %u ms\n",
				dev->disk_name, queue->qid,
				jiffies_to_msecs(idle));
			silk_tcp_queue_error(queue, -ETIMEDOUT);
			return;
		}
	} else if (idle >= interval) {
		set_bit(SILK_TCPQ_KA_OUTSTANDING, &queue->flags);
		set_bit(SILK_TCPQ_KA_PENDING, &queue->flags);
		silk_tcp_kick(queue);
	}
	queue_delayed_work(silk_io_wq, &queue->ka_work, interval);
}

/* ---- connection setup and teardown -------------------------------------- */

static int silk_tcp_recv_full(struct socket *sock, void *buf, size_t len)
{
	struct kvec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { };
	int ret;

	ret = kernel_recvmsg(sock, &msg, &iov, 1, len, MSG_WAITALL);
	if (ret == len)
		return 0;
	if (ret == -EAGAIN)
		return -ETIMEDOUT;
	if (ret < 0)
		return ret;
	return ret ? -ETIMEDOUT : -ECONNRESET;
}

static int silk_tcp_hello(struct silk_dev *dev, unsigned int qid,
			  struct socket *sock, struct silk_hello_info *info)
{
	struct silk_hello_params hp = {
		.volume = dev->cfg.volume,
		.features = dev->cfg.digest ? SILK_FEAT_DDGST : 0,
		.queue_id = qid,
		.queue_depth = dev->queue_depth,
		.epoch = dev->epoch,
	};
	struct silk_hello_req req;
	struct silk_hello_rep rep;
	struct silk_hdr h;
	struct silk_reply r;
	struct kvec iov[2] = {
		{ .iov_base = &h, .iov_len = sizeof(h) },
		{ .iov_base = &req, .iov_len = sizeof(req) },
	};
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };
	const char *why;
	int ret;

	ret = silk_hello_build(&h, &req, &hp);
	if (ret)
		return ret;
	ret = kernel_sendmsg(sock, &msg, iov, 2, sizeof(h) + sizeof(req));
	if (ret != sizeof(h) + sizeof(req))
		return ret < 0 ? (ret == -EAGAIN ? -ETIMEDOUT : ret) : -EIO;

	ret = silk_tcp_recv_full(sock, &h, sizeof(h));
	if (ret)
		return ret;
	if (silk_reply_parse(&h, sizeof(rep), &r, &why))
		goto proto;
	if (r.opcode != SILK_OP_HELLO || r.tag != SILK_TAG_HELLO) {
		why = "first reply is not the HELLO reply";
		goto proto;
	}
	if (r.status != SILK_S_OK) {
		ret = silk_status_to_errno(r.status);
		pr_err("%s: queue %u: server refused HELLO for volume %s: status %u (%d)\n",
		       dev->disk_name, qid, dev->cfg.volume, r.status, ret);
		return ret;
	}
	if (silk_reply_check(&r, SILK_OP_HELLO, sizeof(rep), &why))
		goto proto;
	ret = silk_tcp_recv_full(sock, &rep, sizeof(rep));
	if (ret)
		return ret;
	if ((r.flags & SILK_F_DDGST) &&
	    silk_tcp_crc_buf(&rep, sizeof(rep)) != r.data_digest) {
		why = "HELLO data digest mismatch";
		goto proto;
	}
	if (silk_hello_rep_parse(&rep, hp.features, info, &why))
		goto proto;
	return 0;
proto:
	pr_err("%s: queue %u: HELLO failed: %s\n", dev->disk_name, qid, why);
	return -EPROTO;
}

static void silk_tcp_reset_state(struct silk_tcp_queue *queue)
{
	queue->snd = NULL;
	queue->snd_ka = false;
	queue->rx_state = SILK_RX_HDR;
	queue->rx_off = 0;
	queue->rx_req = NULL;
	clear_bit(SILK_TCPQ_ERR, &queue->flags);
	clear_bit(SILK_TCPQ_KA_PENDING, &queue->flags);
	clear_bit(SILK_TCPQ_KA_OUTSTANDING, &queue->flags);
}

static int silk_tcp_connect_queue(struct silk_dev *dev, unsigned int qid,
				  struct silk_hello_info *info)
{
	struct silk_tcp_queue *queue = silk_tcp_queue(dev, qid);
	long tmo = msecs_to_jiffies(silk_params.connect_timeout_ms);
	struct socket *sock;
	struct sock *sk;
	int ret;

	if (WARN_ON_ONCE(queue->sock))
		return -EBUSY;
	ret = sock_create_kern(dev->net, dev->cfg.sa.ss_family, SOCK_STREAM,
			       IPPROTO_TCP, &sock);
	if (ret)
		return ret;
	sk = sock->sk;
	silk_sock_set_alloc(sk);
	tcp_sock_set_nodelay(sk);
	sk->sk_sndtimeo = tmo;
	sk->sk_rcvtimeo = tmo;

	ret = kernel_connect(sock, (struct sockaddr *)&dev->cfg.sa,
			     sizeof(dev->cfg.sa), 0);
	if (ret) {
		pr_info_ratelimited("%s: queue %u: connect to %s port %u failed: %d\n",
				    dev->disk_name, qid, dev->cfg.addr,
				    dev->cfg.port, ret);
		if (ret == -EINPROGRESS || ret == -EAGAIN)
			ret = -ETIMEDOUT;
		goto fail;
	}
	ret = silk_tcp_hello(dev, qid, sock, info);
	if (ret)
		goto fail;

	silk_tcp_reset_state(queue);
	queue->max_data = info->max_data;
	queue->ddgst = info->features & SILK_FEAT_DDGST;
	silk_hdr_build_keepalive(&queue->ka_hdr, info->vol_id, dev->epoch);
	WRITE_ONCE(queue->last_rx, jiffies);
	queue->sock = sock;

	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_user_data = queue;
	queue->saved_data_ready = sk->sk_data_ready;
	queue->saved_write_space = sk->sk_write_space;
	queue->saved_state_change = sk->sk_state_change;
	sk->sk_data_ready = silk_tcp_data_ready;
	sk->sk_write_space = silk_tcp_write_space;
	sk->sk_state_change = silk_tcp_state_change;
	write_unlock_bh(&sk->sk_callback_lock);

	spin_lock_bh(&queue->lock);
	set_bit(SILK_TCPQ_LIVE, &queue->flags);
	spin_unlock_bh(&queue->lock);

	/* The server may have closed before the callbacks were in place. */
	if (sk->sk_state != TCP_ESTABLISHED)
		silk_tcp_queue_error(queue, -ECONNRESET);
	if (dev->keepalive_ms)
		queue_delayed_work(silk_io_wq, &queue->ka_work,
				   msecs_to_jiffies(dev->keepalive_ms));
	silk_tcp_kick(queue);
	return 0;
fail:
	sock_release(sock);
	return ret;
}

static void silk_tcp_stop_queue(struct silk_dev *dev, unsigned int qid)
{
	struct silk_tcp_queue *queue = silk_tcp_queue(dev, qid);
	struct socket *sock = queue->sock;
	struct sock *sk;

	if (!sock)
		return;
	sk = sock->sk;
	/* Refuse new requests; those already queued stay in flight for the
	 * core to requeue or fail.
	 */
	spin_lock_bh(&queue->lock);
	clear_bit(SILK_TCPQ_LIVE, &queue->flags);
	INIT_LIST_HEAD(&queue->req_list);
	spin_unlock_bh(&queue->lock);
	/*
	 * Wait for an inline sender in queue_rq() to leave the socket alone;
	 * later senders find LIVE clear.  A kick it makes after unlocking
	 * only runs an io_work that finds LIVE clear too.
	 */
	mutex_lock(&queue->send_mutex);
	mutex_unlock(&queue->send_mutex);

	kernel_sock_shutdown(sock, SHUT_RDWR);
	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_user_data = NULL;
	sk->sk_data_ready = queue->saved_data_ready;
	sk->sk_write_space = queue->saved_write_space;
	sk->sk_state_change = queue->saved_state_change;
	write_unlock_bh(&sk->sk_callback_lock);

	cancel_delayed_work_sync(&queue->ka_work);
	cancel_work_sync(&queue->io_work);
	silk_tcp_reset_state(queue);
	queue->sock = NULL;
	sock_release(sock);
}

static bool silk_tcp_queue_ready(struct silk_dev *dev, unsigned int qid)
{
	return silk_tcp_queue_usable(silk_tcp_queue(dev, qid));
}

static int silk_tcp_queue_rq(struct silk_dev *dev, unsigned int qid,
			     struct request *rq, bool last)
{
	struct silk_tcp_queue *queue = silk_tcp_queue(dev, qid);
	struct silk_tcp_req *req = silk_tcp_req(rq);
	bool idle;

	req->rq = rq;
	req->sent = false;
	req->hdr_off = 0;
	req->left = 0;
	spin_lock_bh(&queue->lock);
	if (!test_bit(SILK_TCPQ_LIVE, &queue->flags) ||
	    test_bit(SILK_TCPQ_ERR, &queue->flags)) {
		spin_unlock_bh(&queue->lock);
		return -ENOTCONN;
	}
	idle = list_empty(&queue->req_list);
	list_add_tail(&req->entry, &queue->req_list);
	spin_unlock_bh(&queue->lock);
	/*
	 * The only request pending: send it now rather than wake io_work
	 * (queue_rq may sleep, the tag set is BLK_MQ_F_BLOCKING).  The
	 * socket is non-blocking, whatever does not fit is left to io_work.
	 */
	if (!idle || silk_tcp_send_inline(queue))
		silk_tcp_kick(queue);
	return 0;
}

static int silk_tcp_alloc_queues(struct silk_dev *dev)
{
	struct silk_tcp_ctrl *ctrl;
	unsigned int i;

	ctrl = kzalloc(struct_size(ctrl, queues, dev->nr_queues), GFP_KERNEL);
	if (!ctrl)
		return -ENOMEM;
	ctrl->nr_queues = dev->nr_queues;
	for (i = 0; i < dev->nr_queues; i++) {
		struct silk_tcp_queue *queue = &ctrl->queues[i];

		queue->dev = dev;
		queue->qid = i;
		queue->io_cpu = cpumask_local_spread(i, NUMA_NO_NODE);
		spin_lock_init(&queue->lock);
		mutex_init(&queue->send_mutex);
		INIT_LIST_HEAD(&queue->req_list);
		INIT_WORK(&queue->io_work, silk_tcp_io_work);
		INIT_DELAYED_WORK(&queue->ka_work, silk_tcp_ka_work);
	}
	dev->transport = ctrl;
	return 0;
}

static void silk_tcp_free_queues(struct silk_dev *dev)
{
	struct silk_tcp_ctrl *ctrl = dev->transport;
	unsigned int i;

	for (i = 0; i < ctrl->nr_queues; i++) {
		struct silk_tcp_queue *queue = &ctrl->queues[i];

		WARN_ON_ONCE(queue->sock);
		cancel_delayed_work_sync(&queue->ka_work);
		cancel_work_sync(&queue->io_work);
		mutex_destroy(&queue->send_mutex);
	}
	kfree(ctrl);
	dev->transport = NULL;
}

const struct silk_transport_ops silk_tcp_ops = {
	.name		= "tcp",
	.id		= SILK_TRANSPORT_TCP,
	.owner		= THIS_MODULE,
	.cmd_size	= sizeof(struct silk_tcp_req),
	/* queue_rq sends inline when the queue is idle (lock_sock sleeps). */
	.blocking	= true,
	.alloc_queues	= silk_tcp_alloc_queues,
	.free_queues	= silk_tcp_free_queues,
	.connect_queue	= silk_tcp_connect_queue,
	.stop_queue	= silk_tcp_stop_queue,
	.queue_ready	= silk_tcp_queue_ready,
	.queue_rq	= silk_tcp_queue_rq,
};
