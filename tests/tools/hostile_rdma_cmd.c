// SPDX-License-Identifier: GPL-2.0
/*
 * hostile_rdma, commands: capsule validation (protocol.md 13.2), the HELLO
 * answer, correct service from the in-memory volume (good, flap) and the
 * misbehaving replies of the other modes.
 */
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostile_rdma.h"

static bool is_io(unsigned op)
{
	return op == SILK_OP_READ || op == SILK_OP_WRITE ||
	       op == SILK_OP_DISCARD || op == SILK_OP_WRITE_ZEROES;
}

static bool in_range(const struct hr_conn *c, const struct silk_msg *q)
{
	uint64_t size = c->srv->o.size;

	return q->offset <= size && q->length <= size - q->offset;
}

/* Section 13.2 rules for one capsule of byte_len bytes; NULL if fine. */
static const char *capsule_check(const struct hr_conn *c, const struct silk_msg *q,
				 const struct hr_ctx *s, uint32_t byte_len)
{
	bool sgl = s->raddr || s->rkey || s->rlen;
	unsigned op = q->opcode;

	if (q->magic != SILK_MAGIC)
		return "bad magic";
	if (op & SILK_OP_REPLY)
		return "reply bit in a command";
	if (op < SILK_OP_HELLO || op > SILK_OP_MAX)
		return "unknown opcode";
	if (q->status)
		return "status not 0";
	if (q->flags & ~SILK_F_FUA)
		return "digest or unknown flag (not allowed on RDMA)";
	if ((q->flags & SILK_F_FUA) && op != SILK_OP_WRITE &&
	    op != SILK_OP_WRITE_ZEROES && op != SILK_OP_DISCARD)
		return "FUA on an opcode that does not take it";
	if ((uint64_t)byte_len != (uint64_t)SILK_RDMA_CMD_SIZE + q->data_len)
		return "SEND length is not 64 + data_len";
	if (!c->hello_done && op != SILK_OP_HELLO)
		return "first command is not HELLO";
	if (c->hello_done && op == SILK_OP_HELLO)
		return "second HELLO";
	switch (op) {
	case SILK_OP_HELLO:
		if (q->data_len != SILK_HELLO_REQ_SIZE)
			return "HELLO data_len is not 88";
		return sgl ? "SGL on HELLO" : NULL;
	case SILK_OP_READ:
		if (q->data_len)
			return "READ with inline data";
		if (!q->length || q->length > HR_MAX_DATA)
			return "READ length 0 or above max_data";
		if (s->rlen != q->length)
			return "READ SGL length differs from length";
		break;
	case SILK_OP_WRITE:
		if (!q->length)
			return "WRITE length 0";
		if (q->data_len) {
			if (q->data_len != q->length)
				return "inline WRITE data_len differs from length";
			if (q->data_len > c->inline_max)
				return "inline WRITE larger than granted inline_max";
			if (sgl)
				return "SGL on an inline WRITE";
		} else {
			if (q->length > HR_MAX_DATA)
				return "WRITE length above max_data";
			if (s->rlen != q->length)
				return "WRITE SGL length differs from length";
		}
		break;
	case SILK_OP_DISCARD:
	case SILK_OP_WRITE_ZEROES:
		if (q->data_len || sgl)
			return "data or SGL on DISCARD/WRITE_ZEROES";
		if (!q->length)
			return "length 0";
		break;
	case SILK_OP_FLUSH:
	case SILK_OP_KEEPALIVE:
		if (q->data_len || sgl)
			return "data or SGL on FLUSH/KEEPALIVE";
		if (op == SILK_OP_KEEPALIVE)
			return NULL;
		break;
	}
	if (q->vol_id != 1)
		return "wrong vol_id";
	if (is_io(op) && (q->offset % c->srv->o.block_size ||
			  q->length % c->srv->o.block_size))
		return "offset or length not block aligned";
	return NULL;
}

/* Reply header for x: opcode | REPLY, its tag, OK. */
static struct silk_msg reply_of(const struct hr_ctx *x)
{
	return (struct silk_msg){
		.magic = SILK_MAGIC, .opcode = x->q.opcode | SILK_OP_REPLY,
		.tag = x->q.tag, .vol_id = 1, .length = x->q.length,
		.offset = x->q.offset,
	};
}

static void hello(struct hr_conn *c, struct hr_ctx *x,
		  const struct silk_hello_req_h *h)
{
	struct silk_msg rep = reply_of(x);
	struct silk_hello_rep_h r = { 0 };
	unsigned v = silk_pick_version(h->min_version, h->max_version);

	if (!v) {
		fprintf(stderr, "hostile_rdma[%u]: HELLO: no common version\n", c->id);
		rep.status = SILK_S_PROTO;
		x->close_after = true;
		c->closing = true;
		silk_hdr_encode(&rep, x->buf);
		hr_post_reply(c, x, SILK_HDR_SIZE, false, 0, false);
		return;
	}
	r.version = (uint16_t)v;
	r.features = 0;
	r.vol_id = 1;
	r.block_size = c->srv->o.block_size;
	r.size = c->srv->o.size;
	r.max_data = HR_MAX_DATA;
	rep.data_len = SILK_HELLO_REP_SIZE;
	silk_hdr_encode(&rep, x->buf);
	silk_hello_rep_encode(&r, x->buf + SILK_HDR_SIZE);
	c->hello_done = true;
	fprintf(stderr, "hostile_rdma[%u]: HELLO ok, volume '%s', queue %u\n",
		c->id, h->volume, h->queue_id);
	hr_post_reply(c, x, SILK_RDMA_REP_MAX, false, 0, false);
}

/* A correct reply to x, counted for flap. */
static void reply_good(struct hr_conn *c, struct hr_ctx *x, uint16_t status,
		       bool data)
{
	struct silk_msg rep = reply_of(x);

	rep.status = status;
	silk_hdr_encode(&rep, x->buf);
	if (hr_post_reply(c, x, SILK_HDR_SIZE, x->rlen != 0, x->rkey, data) < 0)
		return;
	if (c->srv->o.mode == M_FLAP && ++c->replies >= c->srv->o.flap_after) {
		x->close_after = true;
		c->closing = true;
	}
}

/* good and flap; an inline WRITE's data is already in the volume. */
static void serve_good(struct hr_conn *c, struct hr_ctx *x)
{
	unsigned op = x->q.opcode;

	if (is_io(op) && !in_range(c, &x->q)) {
		reply_good(c, x, SILK_S_RANGE, false);
		return;
	}
	switch (op) {
	case SILK_OP_READ:
		reply_good(c, x, SILK_S_OK, true);
		return;
	case SILK_OP_WRITE:
		if (x->rlen)
			hr_post_fetch(c, x);	/* replies when the data is in */
		else
			reply_good(c, x, SILK_S_OK, false);
		return;
	case SILK_OP_DISCARD:
	case SILK_OP_WRITE_ZEROES:
		memset(c->srv->mem + x->q.offset, 0, x->q.length);
		break;
	}
	reply_good(c, x, SILK_S_OK, false);
}

static void misbehave(struct hr_conn *c, struct hr_ctx *x)
{
	struct silk_msg rep = reply_of(x);
	bool inv = x->rlen != 0;	/* well-formed replies invalidate */
	uint32_t len = SILK_HDR_SIZE, inv_rkey = x->rkey;
	unsigned op = x->q.opcode;
	int mode = c->srv->o.mode;

	if (c->replies++ == 0)
		fprintf(stderr, "hostile_rdma[%u]: %s from the first command after HELLO (%s, tag %u) on\n",
			c->id, hr_mode_names[mode], silk_op_str(op), x->q.tag);
	switch (mode) {
	case M_GARBAGE:
		len = SILK_HDR_SIZE + (uint32_t)rand_r(&c->seed) % 41;
		for (uint32_t i = 0; i < len; i++)
			x->buf[i] = (uint8_t)rand_r(&c->seed);
		hr_post_reply(c, x, len, false, 0, false);
		return;
	case M_SHORT:
		len = 20;
		inv = false;
		break;
	case M_OVERSIZED:
		len = HR_REPLY_BUF;
		inv = false;
		memset(x->buf + SILK_HDR_SIZE, 0xab, HR_REPLY_BUF - SILK_HDR_SIZE);
		break;
	case M_BADTAG:
		rep.tag ^= 0x5a5a5a5au;
		break;
	case M_READDATA:	/* other replies carry the wrong opcode */
		if (op == SILK_OP_READ) {
			rep.data_len = 4096;
			break;
		}
		/* fall through */
	case M_WRONGOP:
		rep.opcode = (uint8_t)((op == SILK_OP_READ ? SILK_OP_WRITE :
					SILK_OP_READ) | SILK_OP_REPLY);
		break;
	case M_BADINV:
		inv = true;
		inv_rkey = x->rkey ^ 0x55u;
		break;
	default:	/* M_SLOW: never answer */
		hr_ctx_put(c, x);
		return;
	}
	silk_hdr_encode(&rep, x->buf);
	hr_post_reply(c, x, len, inv, inv_rkey, false);
}

void hr_on_command(struct hr_conn *c, unsigned slot, uint32_t byte_len)
{
	const uint8_t *buf = c->area + (size_t)slot * c->recv_size;
	struct silk_rdma_sgl sgl;
	struct silk_hello_req_h h;
	struct hr_ctx s = { 0 }, *x;
	const char *why;
	bool good = c->srv->o.mode == M_GOOD || c->srv->o.mode == M_FLAP;

	if (c->closing)
		return;		/* no more service: going away */
	if (byte_len < SILK_RDMA_CMD_SIZE) {
		hr_conn_disconnect(c, "command SEND shorter than 64 bytes");
		return;
	}
	silk_hdr_decode(buf, &s.q);
	memcpy(&sgl, buf + SILK_HDR_SIZE, sizeof(sgl));
	s.raddr = le64toh(sgl.addr);
	s.rkey = le32toh(sgl.rkey);
	s.rlen = le32toh(sgl.length);
	why = capsule_check(c, &s.q, &s, byte_len);
	if (!why && s.q.opcode == SILK_OP_HELLO &&
	    silk_hello_req_decode(buf + SILK_RDMA_CMD_SIZE, &h) != SILK_V_OK)
		why = "malformed HELLO payload";
	if (why) {
		fprintf(stderr, "hostile_rdma[%u]: bad command (%s, tag %u): %s\n",
			c->id, silk_op_str(s.q.opcode), s.q.tag, why);
		hr_conn_disconnect(c, NULL);
		return;
	}
	x = hr_ctx_get(c);
	if (!x) {
		hr_conn_disconnect(c, "more commands in flight than the queue depth");
		return;
	}
	x->q = s.q;
	x->raddr = s.raddr;
	x->rkey = s.rkey;
	x->rlen = s.rlen;
	if (good && s.q.opcode == SILK_OP_WRITE && s.q.data_len && in_range(c, &s.q))
		memcpy(c->srv->mem + s.q.offset, buf + SILK_RDMA_CMD_SIZE, s.q.length);
	/* Nothing more is needed from buf. */
	if (hr_post_recv(c, slot)) {
		hr_ctx_put(c, x);
		hr_conn_disconnect(c, "cannot post a receive");
		return;
	}
	if (s.q.opcode == SILK_OP_HELLO)
		hello(c, x, &h);
	else if (good)
		serve_good(c, x);
	else
		misbehave(c, x);
}

void hr_fetch_done(struct hr_conn *c, struct hr_ctx *x)
{
	if (c->closing || c->disconnecting)
		hr_ctx_put(c, x);
	else
		reply_good(c, x, SILK_S_OK, false);
}
