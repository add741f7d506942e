// SPDX-License-Identifier: GPL-2.0
/*
 * hostile_rdma, one connection: its QP, receive and reply buffers, work
 * requests, completions, set-up (accept per cm mode) and teardown.
 *
 * Buffers: one registered area per connection, nrecv receive buffers
 * (64-byte capsule + the granted inline payload) followed by nctx reply
 * buffers of HR_REPLY_BUF bytes.  A command takes a reply context when it
 * arrives; its receive buffer is posted again at once (everything needed
 * from it has been copied), the context is released when the reply's SEND
 * completes.  Data moves straight between the host's memory and the
 * volume, which is registered (local access only) once per device.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "hostile_rdma.h"

enum wr_kind { WR_RECV = 1, WR_SEND, WR_READ, WR_WRITE };

#define WR_ID(kind, idx)	(((uint64_t)(kind) << 32) | (uint32_t)(idx))

uint64_t hr_conn_cookie(const struct hr_conn *c)
{
	return (uint64_t)c->gen << 32 | c->slot;
}

static unsigned umin(unsigned a, unsigned b)
{
	return a < b ? a : b;
}

/* ---------------------------------------------------------------- contexts */

struct hr_ctx *hr_ctx_get(struct hr_conn *c)
{
	struct hr_ctx *x;

	if (c->free_ctx < 0)
		return NULL;
	x = &c->ctx[c->free_ctx];
	c->free_ctx = x->next_free;
	x->busy = true;
	x->close_after = false;
	return x;
}

void hr_ctx_put(struct hr_conn *c, struct hr_ctx *x)
{
	if (!x->busy)
		return;
	x->busy = false;
	x->next_free = c->free_ctx;
	c->free_ctx = (int)(x - c->ctx);
}

/* ------------------------------------------------------------- work requests */

int hr_post_recv(struct hr_conn *c, unsigned i)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)(c->area + (size_t)i * c->recv_size),
		.length = c->recv_size,
		.lkey = c->mr->lkey,
	};
	struct ibv_recv_wr wr = {
		.wr_id = WR_ID(WR_RECV, i), .sg_list = &sge, .num_sge = 1,
	};
	struct ibv_recv_wr *bad;

	return ibv_post_recv(c->cm_id->qp, &wr, &bad);
}

/* RC ordering places the RDMA WRITE before the SEND. */
int hr_post_reply(struct hr_conn *c, struct hr_ctx *x, uint32_t len,
		      bool inv, uint32_t inv_rkey, bool data)
{
	unsigned idx = (unsigned)(x - c->ctx);
	struct ibv_sge ssge = {
		.addr = (uintptr_t)x->buf, .length = len, .lkey = c->mr->lkey,
	};
	struct ibv_send_wr s = {
		.wr_id = WR_ID(WR_SEND, idx), .sg_list = &ssge, .num_sge = 1,
		.opcode = inv ? IBV_WR_SEND_WITH_INV : IBV_WR_SEND,
		.send_flags = IBV_SEND_SIGNALED,
	};
	struct ibv_sge wsge;
	struct ibv_send_wr w, *first = &s, *bad;
	int rc;

	if (inv)
		s.invalidate_rkey = inv_rkey;
	if (data) {
		wsge = (struct ibv_sge){
			.addr = (uintptr_t)(c->srv->mem + x->q.offset),
			.length = x->q.length, .lkey = c->dev->vol_mr->lkey,
		};
		w = (struct ibv_send_wr){
			.wr_id = WR_ID(WR_WRITE, idx), .next = &s,
			.sg_list = &wsge, .num_sge = 1,
			.opcode = IBV_WR_RDMA_WRITE,
		};
		w.wr.rdma.remote_addr = x->raddr;
		w.wr.rdma.rkey = x->rkey;
		first = &w;
	}
	rc = ibv_post_send(c->cm_id->qp, first, &bad);
	if (rc) {
		hr_ctx_put(c, x);
		fprintf(stderr, "hostile_rdma[%u]: post send: %s\n", c->id, strerror(rc));
		hr_conn_disconnect(c, NULL);
		return -1;
	}
	return 0;
}

int hr_post_fetch(struct hr_conn *c, struct hr_ctx *x)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)(c->srv->mem + x->q.offset),
		.length = x->q.length, .lkey = c->dev->vol_mr->lkey,
	};
	struct ibv_send_wr wr = {
		.wr_id = WR_ID(WR_READ, x - c->ctx), .sg_list = &sge, .num_sge = 1,
		.opcode = IBV_WR_RDMA_READ, .send_flags = IBV_SEND_SIGNALED,
	};
	struct ibv_send_wr *bad;
	int rc;

	wr.wr.rdma.remote_addr = x->raddr;
	wr.wr.rdma.rkey = x->rkey;
	rc = ibv_post_send(c->cm_id->qp, &wr, &bad);
	if (rc) {
		hr_ctx_put(c, x);
		fprintf(stderr, "hostile_rdma[%u]: post RDMA READ: %s\n", c->id, strerror(rc));
		hr_conn_disconnect(c, NULL);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ completions */

static const char *wr_kind_str(unsigned kind)
{
	switch (kind) {
	case WR_RECV: return "RECV";
	case WR_SEND: return "SEND";
	case WR_READ: return "RDMA READ";
	case WR_WRITE: return "RDMA WRITE";
	}
	return "?";
}

static void on_wc(struct hr_conn *c, const struct ibv_wc *wc)
{
	unsigned kind = (unsigned)(wc->wr_id >> 32), idx = (uint32_t)wc->wr_id;
	struct hr_ctx *x = NULL;
	bool close;

	if ((kind == WR_SEND || kind == WR_READ || kind == WR_WRITE) && idx < c->nctx)
		x = &c->ctx[idx];
	if (kind == WR_RECV && idx >= c->nrecv)
		kind = 0;
	if (!kind || ((kind != WR_RECV) && !x)) {
		hr_conn_disconnect(c, "completion with an unknown wr_id");
		return;
	}
	if (wc->status != IBV_WC_SUCCESS) {
		if (!c->disconnecting)
			fprintf(stderr, "hostile_rdma[%u]: %s completion: %s\n", c->id,
				wr_kind_str(kind), ibv_wc_status_str(wc->status));
		/* A failed WRITE is followed by its flushed SEND. */
		if (x && kind != WR_WRITE)
			hr_ctx_put(c, x);
		hr_conn_disconnect(c, NULL);
		return;
	}
	switch (kind) {
	case WR_RECV:
		if (!c->disconnecting)
			hr_on_command(c, idx, wc->byte_len);
		break;
	case WR_SEND:
		close = x->close_after;
		hr_ctx_put(c, x);
		if (close) {
			if (c->srv->o.mode == M_FLAP && c->hello_done)
				fprintf(stderr, "hostile_rdma[%u]: flap after %u replies\n",
					c->id, c->replies);
			hr_conn_disconnect(c, NULL);
		}
		break;
	case WR_READ:
		hr_fetch_done(c, x);
		break;
	}
}

void hr_conn_poll(struct hr_conn *c)
{
	struct ibv_wc wc[16];
	struct ibv_cq *cq;
	void *cq_ctx;
	int n;

	while (ibv_get_cq_event(c->cc, &cq, &cq_ctx) == 0)
		ibv_ack_cq_events(cq, 1);
	if (ibv_req_notify_cq(c->cq, 0)) {
		hr_conn_disconnect(c, "cannot arm the completion queue");
		return;
	}
	/* Bounded by the work requests posted. */
	while ((n = ibv_poll_cq(c->cq, (int)(sizeof(wc) / sizeof(wc[0])), wc)) > 0)
		for (int i = 0; i < n; i++)
			on_wc(c, &wc[i]);
	if (n < 0)
		hr_conn_disconnect(c, "cannot poll the completion queue");
}

/* ------------------------------------------------------------- lifecycle */

void hr_conn_disconnect(struct hr_conn *c, const char *why)
{
	if (why)
		fprintf(stderr, "hostile_rdma[%u]: disconnect: %s\n", c->id, why);
	if (c->disconnecting)
		return;
	c->disconnecting = true;
	/* Fails before the connection is established; retried then. */
	rdma_disconnect(c->cm_id);
}

void hr_conn_established(struct hr_conn *c)
{
	fprintf(stderr, "hostile_rdma[%u]: established\n", c->id);
	if (c->disconnecting)
		rdma_disconnect(c->cm_id);
}

static void conn_free(struct hr_conn *c, bool destroy_id)
{
	struct hr_server *srv = c->srv;

	if (c->in_epoll)
		epoll_ctl(srv->epfd, EPOLL_CTL_DEL, c->cc->fd, NULL);
	if (c->cm_id->qp)
		rdma_destroy_qp(c->cm_id);
	if (c->cq)
		ibv_destroy_cq(c->cq);
	if (c->cc)
		ibv_destroy_comp_channel(c->cc);
	if (c->mr)
		ibv_dereg_mr(c->mr);
	free(c->area);
	free(c->ctx);
	if (srv->conns[c->slot] == c) {
		srv->conns[c->slot] = NULL;
		srv->nconns--;
	}
	c->cm_id->context = NULL;
	if (destroy_id)
		rdma_destroy_id(c->cm_id);
	free(c);
}

void hr_conn_destroy(struct hr_conn *c)
{
	fprintf(stderr, "hostile_rdma[%u]: closed\n", c->id);
	conn_free(c, true);
}

/* Buffers, CQ and QP for depth commands; receives posted. */
static int conn_setup(struct hr_conn *c, unsigned depth)
{
	struct ibv_qp_init_attr qa = { 0 };
	struct epoll_event ev = { .events = EPOLLIN };
	size_t len;
	int fl;

	c->nrecv = depth + 1;		/* one more for a keep-alive */
	c->nctx = 2 * c->nrecv;		/* replies still completing */
	c->recv_size = SILK_RDMA_CMD_SIZE +
		(c->inline_max > SILK_HELLO_REQ_SIZE ? c->inline_max : SILK_HELLO_REQ_SIZE);
	c->recv_size = (c->recv_size + 63) & ~63u;
	len = (size_t)c->nrecv * c->recv_size + (size_t)c->nctx * HR_REPLY_BUF;
	len = (len + 4095) & ~(size_t)4095;
	c->area = aligned_alloc(4096, len);
	c->ctx = calloc(c->nctx, sizeof(*c->ctx));
	if (!c->area || !c->ctx)
		return -1;
	memset(c->area, 0, len);
	c->free_ctx = -1;
	for (unsigned i = c->nctx; i-- > 0;) {
		c->ctx[i].buf = c->area + (size_t)c->nrecv * c->recv_size +
				(size_t)i * HR_REPLY_BUF;
		c->ctx[i].busy = true;
		hr_ctx_put(c, &c->ctx[i]);
	}
	c->mr = ibv_reg_mr(c->dev->pd, c->area, len, IBV_ACCESS_LOCAL_WRITE);
	c->cc = ibv_create_comp_channel(c->cm_id->verbs);
	if (!c->mr || !c->cc)
		return -1;
	fl = fcntl(c->cc->fd, F_GETFL);
	if (fl < 0 || fcntl(c->cc->fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	c->cq = ibv_create_cq(c->cm_id->verbs, (int)(c->nrecv + 2 * c->nctx + 1),
			      c, c->cc, 0);
	if (!c->cq || ibv_req_notify_cq(c->cq, 0))
		return -1;
	qa.send_cq = c->cq;
	qa.recv_cq = c->cq;
	qa.qp_type = IBV_QPT_RC;
	qa.cap.max_send_wr = 2 * c->nctx + 1;	/* RDMA WRITE + SEND each */
	qa.cap.max_recv_wr = c->nrecv;
	qa.cap.max_send_sge = 1;
	qa.cap.max_recv_sge = 1;
	if (rdma_create_qp(c->cm_id, c->dev->pd, &qa))
		return -1;
	for (unsigned i = 0; i < c->nrecv; i++)
		if (hr_post_recv(c, i))
			return -1;
	ev.data.u64 = hr_conn_cookie(c);
	if (epoll_ctl(c->srv->epfd, EPOLL_CTL_ADD, c->cc->fd, &ev))
		return -1;
	c->in_epoll = true;
	return 0;
}

int hr_conn_create(struct hr_server *srv, struct hr_dev *dev,
		   struct rdma_cm_id *id, const struct hr_cm_req *req,
		   const struct rdma_conn_param *host)
{
	struct silk_rdma_cm_rep rep = { 0 };
	struct rdma_conn_param p = { 0 };
	struct hr_conn *c;
	unsigned slot, depth;

	for (slot = 0; slot < HR_MAX_CONNS && srv->conns[slot]; slot++)
		;
	if (slot == HR_MAX_CONNS)
		return -1;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -1;
	c->srv = srv;
	c->id = srv->next_id++;
	c->slot = slot;
	c->gen = ++srv->gen;
	c->cm_id = id;
	c->dev = dev;
	c->seed = c->id * 2654435761u + 1;
	depth = umin(req->queue_depth, HR_MAX_DEPTH);
	c->inline_max = umin(req->inline_max, SILK_RDMA_INLINE_MAX);
	srv->conns[slot] = c;
	srv->nconns++;
	if (conn_setup(c, depth)) {
		fprintf(stderr, "hostile_rdma[%u]: connection setup failed: %s\n",
			c->id, strerror(errno));
		conn_free(c, false);
		return -1;
	}
	id->context = c;

	rep.recfmt = htole16(SILK_RDMA_CM_VERSION);
	rep.queue_depth = htole16(srv->o.cm_mode == CM_BADDEPTH ? 0 : (uint16_t)depth);
	rep.inline_max = htole32(c->inline_max);
	rep.max_data = htole32(HR_MAX_DATA);
	if (srv->o.cm_mode != CM_NOPRIVATE) {
		p.private_data = &rep;
		p.private_data_len = sizeof(rep);
	}
	/* The request event already reports these from our side (cm.c swaps). */
	p.responder_resources = (uint8_t)umin(host->responder_resources, dev->max_rd);
	p.initiator_depth = (uint8_t)umin(host->initiator_depth, dev->max_init_rd);
	p.rnr_retry_count = 7;
	if (!p.initiator_depth && srv->mem)
		fprintf(stderr, "hostile_rdma[%u]: the host allows no RDMA READ (its responder_resources is 0): large WRITEs will fail\n",
			c->id);
	if (rdma_accept(id, &p)) {
		fprintf(stderr, "hostile_rdma[%u]: rdma_accept: %s\n", c->id, strerror(errno));
		conn_free(c, false);
		return -1;
	}
	fprintf(stderr, "hostile_rdma[%u]: accepted qid %u, depth %u (granted %u), inline %u%s\n",
		c->id, req->qid, req->queue_depth,
		srv->o.cm_mode == CM_BADDEPTH ? 0 : depth, c->inline_max,
		srv->o.cm_mode == CM_NOPRIVATE ? ", no private data" : "");
	return 0;
}
