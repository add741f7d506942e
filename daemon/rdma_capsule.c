// SPDX-License-Identifier: GPL-2.0
/* RDMA transport wire rules: see rdma_capsule.h. */
#include "rdma_capsule.h"

#include <string.h>

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

static uint32_t min32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

unsigned rdma_cm_req_parse(const void *pd, size_t len, struct rdma_cm_req_h *out)
{
	const uint8_t *p = pd;

	memset(out, 0, sizeof(*out));
	if (!pd || len < SILK_RDMA_CM_REQ_SIZE)
		return SILK_S_INVAL;
	out->recfmt = get16(p);
	out->qid = get16(p + 2);
	out->queue_depth = get16(p + 4);
	out->inline_max = get32(p + 8);
	if (out->recfmt != SILK_RDMA_CM_VERSION || out->queue_depth == 0)
		return SILK_S_INVAL;
	return SILK_S_OK;
}

bool rdma_grant_compute(const struct rdma_cm_req_h *req,
			const struct rdma_limits *lim, struct rdma_grant *g,
			struct rdma_sizes *sz)
{
	uint32_t depth = req->queue_depth, max_data = lim->max_data;
	uint32_t send;

	if (max_data == 0 || max_data > SILK_MAX_DATA)
		max_data = SILK_RDMA_DEFAULT_MAX_DATA;
	if (lim->depth_max)
		depth = min32(depth, lim->depth_max);
	depth = min32(depth, UINT16_MAX);
	/* depth + 1 receives must fit the receive queue and its completion
	 * queue; the send completion queue must hold at least two sends (a
	 * READ reply's RDMA WRITE and SEND). */
	if (lim->dev_max_qp_wr)
		depth = lim->dev_max_qp_wr > 1 ? min32(depth, lim->dev_max_qp_wr - 1) : 0;
	if (lim->dev_max_cqe)
		depth = lim->dev_max_cqe > 1 ? min32(depth, lim->dev_max_cqe - 1) : 0;
	if (depth == 0)
		return false;

	g->queue_depth = (uint16_t)depth;
	g->inline_max = min32(min32(req->inline_max, SILK_RDMA_INLINE_MAX),
			      max_data);
	g->max_data = max_data;

	sz->recv = depth + 1;
	sz->recv_size = SILK_RDMA_CMD_SIZE + g->inline_max;
	sz->data_bufs = depth;
	/* A session slot is held from a capsule's arrival until its reply
	 * is posted: at most the commands the host may have in flight. */
	sz->slots = depth + 1;
	/* RDMA READs of large WRITEs (at most depth), and replies (one or
	 * two work requests) until their send completes, which may be after
	 * the host already sent the next command: room for twice that. */
	send = 4 * (depth + 1);
	if (lim->dev_max_qp_wr)
		send = min32(send, lim->dev_max_qp_wr);
	if (lim->dev_max_cqe)
		send = min32(send, lim->dev_max_cqe);
	sz->send = send;
	/* One completion queue each (rdma_conn.h): every receive and every
	 * send queue entry can complete at once (flushed, at the end). */
	sz->recv_cqe = sz->recv;
	sz->send_cqe = send;
	return true;
}

void rdma_cm_rep_encode(const struct rdma_grant *g,
			uint8_t out[SILK_RDMA_CM_REP_SIZE])
{
	memset(out, 0, SILK_RDMA_CM_REP_SIZE);
	put16(out, SILK_RDMA_CM_VERSION);
	put16(out + 2, g->queue_depth);
	put32(out + 4, g->inline_max);
	put32(out + 8, g->max_data);
}

void rdma_cm_rep_decode(const void *buf, struct rdma_grant *g)
{
	const uint8_t *p = buf;

	g->queue_depth = get16(p + 2);
	g->inline_max = get32(p + 4);
	g->max_data = get32(p + 8);
}

void rdma_cm_rej_encode(unsigned status, uint8_t out[SILK_RDMA_CM_REJ_SIZE])
{
	put16(out, SILK_RDMA_CM_VERSION);
	put16(out + 2, status);
}

static const char *const cerr_names[RDMA_C_MAX_] = {
	[RDMA_C_OK] = "ok",
	[RDMA_C_SHORT] = "capsule shorter than 64 bytes",
	[RDMA_C_BYTE_LEN] = "capsule size is not 64 + data_len",
	[RDMA_C_DIGEST] = "digest flag on RDMA",
	[RDMA_C_OPCODE] = "bad opcode",
	[RDMA_C_INLINE] = "inline payload not allowed, too large or not the length",
	[RDMA_C_SGL] = "SGL on a command without remote data",
	[RDMA_C_SGL_LENGTH] = "SGL length differs from the command length",
	[RDMA_C_TOO_BIG] = "SGL transfer larger than the granted max_data",
};

const char *rdma_cerr_str(int cerr)
{
	if (cerr < 0 || cerr >= RDMA_C_MAX_)
		return "unknown capsule error";
	return cerr_names[cerr];
}

static int check_sgl_data(const struct rdma_cmd_h *c, const struct rdma_grant *g)
{
	if (c->sgl_len == 0 || c->sgl_len != c->hdr.length)
		return RDMA_C_SGL_LENGTH;
	if (c->sgl_len > g->max_data)
		return RDMA_C_TOO_BIG;
	return RDMA_C_OK;
}

int rdma_capsule_check(const void *buf, uint32_t byte_len,
		       const struct rdma_grant *g, struct rdma_cmd_h *c)
{
	const uint8_t *p = buf;
	const struct silk_msg *m = &c->hdr;
	bool sgl_zero;

	memset(c, 0, sizeof(*c));
	if (byte_len < SILK_RDMA_CMD_SIZE)
		return RDMA_C_SHORT;
	silk_hdr_decode(p, &c->hdr);
	c->addr = get64(p + SILK_HDR_SIZE);
	c->rkey = get32(p + SILK_HDR_SIZE + 8);
	c->sgl_len = get32(p + SILK_HDR_SIZE + 12);
	c->kind = RDMA_K_FEED;
	if ((uint64_t)SILK_RDMA_CMD_SIZE + m->data_len != byte_len)
		return RDMA_C_BYTE_LEN;
	if (m->flags & (SILK_F_DDGST | SILK_F_HDGST))
		return RDMA_C_DIGEST;
	if ((m->opcode & SILK_OP_REPLY) || m->opcode == 0 ||
	    m->opcode > SILK_OP_MAX)
		return RDMA_C_OPCODE;
	sgl_zero = !c->addr && !c->rkey && !c->sgl_len;

	switch (m->opcode) {
	case SILK_OP_HELLO:
		if (m->data_len != SILK_HELLO_REQ_SIZE)
			return RDMA_C_INLINE;
		return sgl_zero ? RDMA_C_OK : RDMA_C_SGL;
	case SILK_OP_WRITE:
		if (m->data_len) {
			if (m->data_len > g->inline_max ||
			    m->data_len != m->length)
				return RDMA_C_INLINE;
			return sgl_zero ? RDMA_C_OK : RDMA_C_SGL;
		}
		c->kind = RDMA_K_FETCH;
		return check_sgl_data(c, g);
	case SILK_OP_READ:
		if (m->data_len)
			return RDMA_C_INLINE;
		c->kind = RDMA_K_PLACE;
		return check_sgl_data(c, g);
	default:
		if (m->data_len)
			return RDMA_C_INLINE;
		return sgl_zero ? RDMA_C_OK : RDMA_C_SGL;
	}
}

bool rdma_cmd_needs_buf(const struct rdma_cmd_h *c)
{
	return c->hdr.opcode == SILK_OP_HELLO || c->hdr.data_len ||
	       c->sgl_len;
}

void rdma_fetch_hdr(const struct rdma_cmd_h *c, uint8_t out[SILK_HDR_SIZE])
{
	struct silk_msg m = c->hdr;

	m.data_len = c->sgl_len;
	silk_hdr_encode(&m, out);
}

int rdma_reply_build(const uint8_t hdr[SILK_HDR_SIZE], const void *data,
		     uint32_t rep_len, uint8_t out[SILK_RDMA_REP_MAX],
		     struct rdma_reply *rep)
{
	struct silk_msg m;
	unsigned op;

	silk_hdr_decode(hdr, &m);
	op = m.opcode & ~SILK_OP_REPLY;
	rep->write_len = 0;
	rep->send_len = SILK_HDR_SIZE;
	if (rep_len == 0) {
		memcpy(out, hdr, SILK_HDR_SIZE);
		return 0;
	}
	if (op == SILK_OP_READ && data) {
		m.data_len = 0;
		silk_hdr_encode(&m, out);
		rep->write_len = rep_len;
		return 0;
	}
	if (op == SILK_OP_HELLO && rep_len == SILK_HELLO_REP_SIZE && data) {
		memcpy(out, hdr, SILK_HDR_SIZE);
		memcpy(out + SILK_HDR_SIZE, data, SILK_HELLO_REP_SIZE);
		rep->send_len = SILK_HDR_SIZE + SILK_HELLO_REP_SIZE;
		return 0;
	}
	return -1;
}
