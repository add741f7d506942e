// SPDX-License-Identifier: GPL-2.0
/*
 * The RDMA transport's pure rules (daemon/rdma_capsule.c): rdma_cm private
 * data, the grant and queue sizes, every malformed capsule of
 * Documentation/protocol.md section 13.2, and replies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rdma_capsule.h"

static const struct rdma_grant G = {
	.queue_depth = 32, .inline_max = 4096, .max_data = 256 * 1024,
};

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* ---- connect request, accept, reject ---- */

static void mk_req(uint8_t *p, uint16_t recfmt, uint16_t qid, uint16_t depth,
		   uint32_t inl)
{
	memset(p, 0, 56);
	put_le(p, recfmt, 2);
	put_le(p + 2, qid, 2);
	put_le(p + 4, depth, 2);
	put_le(p + 8, inl, 4);
}

static void test_cm_req(void **state)
{
	struct rdma_cm_req_h r;
	uint8_t p[56];

	(void)state;
	mk_req(p, 1, 3, 128, 4096);
	assert_int_equal(rdma_cm_req_parse(p, 16, &r), SILK_S_OK);
	assert_int_equal(r.recfmt, 1);
	assert_int_equal(r.qid, 3);
	assert_int_equal(r.queue_depth, 128);
	assert_int_equal(r.inline_max, 4096);
	/* IB CM pads private data to 56 bytes: fine */
	assert_int_equal(rdma_cm_req_parse(p, 56, &r), SILK_S_OK);
	/* missing or short */
	assert_int_equal(rdma_cm_req_parse(NULL, 0, &r), SILK_S_INVAL);
	assert_int_equal(rdma_cm_req_parse(p, 0, &r), SILK_S_INVAL);
	assert_int_equal(rdma_cm_req_parse(p, 15, &r), SILK_S_INVAL);
	/* other record formats */
	mk_req(p, 0, 0, 1, 0);
	assert_int_equal(rdma_cm_req_parse(p, 16, &r), SILK_S_INVAL);
	mk_req(p, 2, 0, 1, 0);
	assert_int_equal(rdma_cm_req_parse(p, 16, &r), SILK_S_INVAL);
	/* depth 0 */
	mk_req(p, 1, 0, 0, 4096);
	assert_int_equal(rdma_cm_req_parse(p, 16, &r), SILK_S_INVAL);
	/* reserved fields are ignored; inline_max 0 is fine */
	mk_req(p, 1, 0, 1, 0);
	p[6] = p[7] = p[12] = 0xff;
	assert_int_equal(rdma_cm_req_parse(p, 16, &r), SILK_S_OK);
	assert_int_equal(r.inline_max, 0);
}

static void test_grant(void **state)
{
	struct rdma_cm_req_h req = { .recfmt = 1, .queue_depth = 128,
				     .inline_max = 4096 };
	struct rdma_limits lim = { .depth_max = 1024, .max_data = 256 * 1024 };
	struct rdma_grant g;
	struct rdma_sizes sz;

	(void)state;
	assert_true(rdma_grant_compute(&req, &lim, &g, &sz));
	assert_int_equal(g.queue_depth, 128);
	assert_int_equal(g.inline_max, 4096);
	assert_int_equal(g.max_data, 256 * 1024);
	assert_int_equal(sz.recv, 129);
	assert_int_equal(sz.recv_size, 64 + 4096);
	assert_int_equal(sz.data_bufs, 128);
	assert_int_equal(sz.slots, 129);
	assert_int_equal(sz.send, 516);
	assert_int_equal(sz.recv_cqe, 129);
	assert_int_equal(sz.send_cqe, 516);

	/* the server's cap; inline capped at 16 KiB */
	req.queue_depth = 65535;
	req.inline_max = 1u << 30;
	assert_true(rdma_grant_compute(&req, &lim, &g, &sz));
	assert_int_equal(g.queue_depth, 1024);
	assert_int_equal(g.inline_max, SILK_RDMA_INLINE_MAX);

	/* inline never beyond max_data (it lands in a data buffer) */
	lim.max_data = 4096;
	assert_true(rdma_grant_compute(&req, &lim, &g, &sz));
	assert_int_equal(g.inline_max, 4096);
	assert_int_equal(g.max_data, 4096);

	/* max_data 0 or absurd: the default */
	lim.max_data = 0;
	assert_true(rdma_grant_compute(&req, &lim, &g, &sz));
	assert_int_equal(g.max_data, SILK_RDMA_DEFAULT_MAX_DATA);
	lim.max_data = 2u << 20;
	assert_true(rdma_grant_compute(&req, &lim, &g, &sz));
	assert_int_equal(g.max_data, SILK_RDMA_DEFAULT_MAX_DATA);

	/* device limits: the receive queue holds depth + 1 */
	lim.max_data = 65536;
	lim.dev_max_qp_wr = 100;
	assert_true(rdma_grant_compute(&req, &lim, &g, &sz));
	assert_int_equal(g.queue_depth, 99);
	assert_int_equal(sz.recv, 100);
	assert_int_equal(sz.send, 100);
	/* the receive CQ holds every receive, the send CQ every send */
	lim.dev_max_qp_wr = 0;
	lim.dev_max_cqe = 50;
	assert_true(rdma_grant_compute(&req, &lim, &g, &sz));
	assert_int_equal(g.queue_depth, 49);
	assert_int_equal(sz.recv, 50);
	assert_int_equal(sz.send, 50);
	assert_int_equal(sz.recv_cqe, 50);
	assert_int_equal(sz.send_cqe, 50);
	/* the smallest: depth 1, two sends (a READ reply's WRITE + SEND) */
	lim.dev_max_cqe = 2;
	assert_true(rdma_grant_compute(&req, &lim, &g, &sz));
	assert_int_equal(g.queue_depth, 1);
	assert_int_equal(sz.recv_cqe, 2);
	assert_int_equal(sz.send_cqe, 2);
	/* a device that cannot hold depth 1 */
	lim.dev_max_cqe = 1;
	assert_false(rdma_grant_compute(&req, &lim, &g, &sz));
	lim.dev_max_cqe = 0;
	lim.dev_max_qp_wr = 1;
	assert_false(rdma_grant_compute(&req, &lim, &g, &sz));

	/* depth 1 */
	lim.dev_max_qp_wr = 0;
	req.queue_depth = 1;
	assert_true(rdma_grant_compute(&req, &lim, &g, &sz));
	assert_int_equal(g.queue_depth, 1);
	assert_int_equal(sz.recv, 2);
	assert_int_equal(sz.data_bufs, 1);
	assert_int_equal(sz.slots, 2);
	assert_int_equal(sz.send, 8);
}

static void test_rep_rej(void **state)
{
	struct rdma_grant g = { .queue_depth = 0x1234, .inline_max = 0x5678,
				.max_data = 0x40000 }, d;
	uint8_t rep[SILK_RDMA_CM_REP_SIZE], rej[SILK_RDMA_CM_REJ_SIZE];
	static const uint8_t want_rep[16] = {
		1, 0, 0x34, 0x12, 0x78, 0x56, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0,
	};
	static const uint8_t want_rej[4] = { 1, 0, SILK_S_AGAIN, 0 };

	(void)state;
	rdma_cm_rep_encode(&g, rep);
	assert_memory_equal(rep, want_rep, 16);
	rdma_cm_rep_decode(rep, &d);
	assert_int_equal(d.queue_depth, g.queue_depth);
	assert_int_equal(d.inline_max, g.inline_max);
	assert_int_equal(d.max_data, g.max_data);
	rdma_cm_rej_encode(SILK_S_AGAIN, rej);
	assert_memory_equal(rej, want_rej, 4);
	rdma_cm_rej_encode(SILK_S_INVAL, rej);
	assert_int_equal(rej[2], SILK_S_INVAL);
}

/* ---- capsules ---- */

struct cap {
	uint8_t b[64 + 20000];
	uint32_t len;
};

/* A capsule: header fields, SGL, and data_len inline bytes. */
static void mk(struct cap *c, uint8_t op, uint8_t flags, uint32_t data_len,
	       uint32_t length, uint64_t addr, uint32_t rkey, uint32_t sgl_len)
{
	struct silk_msg m = {
		.magic = SILK_MAGIC, .opcode = op, .flags = flags, .tag = 9,
		.data_len = data_len, .vol_id = 1, .length = length,
		.offset = 8192,
	};

	memset(c->b, 0, sizeof(c->b));
	silk_hdr_encode(&m, c->b);
	put_le(c->b + 48, addr, 8);
	put_le(c->b + 56, rkey, 4);
	put_le(c->b + 60, sgl_len, 4);
	c->len = 64 + (data_len <= 20000 ? data_len : 0);
}

static int check(const struct cap *c, struct rdma_cmd_h *h)
{
	return rdma_capsule_check(c->b, c->len, &G, h);
}

static void test_capsule_framing(void **state)
{
	struct rdma_cmd_h h;
	struct cap c;

	(void)state;
	mk(&c, SILK_OP_KEEPALIVE, 0, 0, 0, 0, 0, 0);
	assert_int_equal(check(&c, &h), RDMA_C_OK);
	assert_int_equal(h.kind, RDMA_K_FEED);
	/* short SENDs */
	assert_int_equal(rdma_capsule_check(c.b, 0, &G, &h), RDMA_C_SHORT);
	assert_int_equal(rdma_capsule_check(c.b, 48, &G, &h), RDMA_C_SHORT);
	assert_int_equal(rdma_capsule_check(c.b, 63, &G, &h), RDMA_C_SHORT);
	/* byte count != 64 + data_len, both ways, and data_len near 2^32 */
	assert_int_equal(rdma_capsule_check(c.b, 65, &G, &h), RDMA_C_BYTE_LEN);
	mk(&c, SILK_OP_WRITE, 0, 4096, 4096, 0, 0, 0);
	assert_int_equal(rdma_capsule_check(c.b, 64 + 4095, &G, &h),
			 RDMA_C_BYTE_LEN);
	assert_int_equal(rdma_capsule_check(c.b, 64 + 4097, &G, &h),
			 RDMA_C_BYTE_LEN);
	assert_int_equal(rdma_capsule_check(c.b, 64, &G, &h), RDMA_C_BYTE_LEN);
	mk(&c, SILK_OP_WRITE, 0, 0xffffffc0u, 4096, 0, 0, 0);
	assert_int_equal(rdma_capsule_check(c.b, 0, &G, &h), RDMA_C_SHORT);
	assert_int_equal(rdma_capsule_check(c.b, 64, &G, &h), RDMA_C_BYTE_LEN);
	/* digests are not allowed on RDMA */
	mk(&c, SILK_OP_KEEPALIVE, SILK_F_HDGST, 0, 0, 0, 0, 0);
	assert_int_equal(check(&c, &h), RDMA_C_DIGEST);
	mk(&c, SILK_OP_WRITE, SILK_F_DDGST, 4096, 4096, 0, 0, 0);
	assert_int_equal(check(&c, &h), RDMA_C_DIGEST);
	/* bad opcodes, the reply bit */
	mk(&c, 0, 0, 0, 0, 0, 0, 0);
	assert_int_equal(check(&c, &h), RDMA_C_OPCODE);
	mk(&c, SILK_OP_MAX + 1, 0, 0, 0, 0, 0, 0);
	assert_int_equal(check(&c, &h), RDMA_C_OPCODE);
	mk(&c, SILK_OP_READ | SILK_OP_REPLY, 0, 0, 4096, 1, 2, 4096);
	assert_int_equal(check(&c, &h), RDMA_C_OPCODE);
	/* what the header says is decoded */
	mk(&c, SILK_OP_READ, SILK_F_FUA, 0, 4096, 0x1122334455667788ull,
	   0xdeadbeef, 4096);
	assert_int_equal(check(&c, &h), RDMA_C_OK);
	assert_int_equal(h.hdr.tag, 9);
	assert_int_equal(h.hdr.offset, 8192);
	assert_int_equal(h.hdr.flags, SILK_F_FUA);	/* the session refuses it */
	assert_true(h.addr == 0x1122334455667788ull);
	assert_int_equal(h.rkey, 0xdeadbeef);
	assert_int_equal(h.sgl_len, 4096);
}

static void test_capsule_hello(void **state)
{
	struct rdma_grant g0 = G;
	struct rdma_cmd_h h;
	struct cap c;

	(void)state;
	mk(&c, SILK_OP_HELLO, 0, SILK_HELLO_REQ_SIZE, 0, 0, 0, 0);
	assert_int_equal(check(&c, &h), RDMA_C_OK);
	assert_int_equal(h.kind, RDMA_K_FEED);
	assert_true(rdma_cmd_needs_buf(&h));
	/* 88 bytes inline even when the grant is smaller */
	g0.inline_max = 0;
	assert_int_equal(rdma_capsule_check(c.b, c.len, &g0, &h), RDMA_C_OK);
	mk(&c, SILK_OP_HELLO, 0, 0, 0, 0, 0, 0);
	assert_int_equal(check(&c, &h), RDMA_C_INLINE);
	mk(&c, SILK_OP_HELLO, 0, 87, 0, 0, 0, 0);
	assert_int_equal(check(&c, &h), RDMA_C_INLINE);
	mk(&c, SILK_OP_HELLO, 0, SILK_HELLO_REQ_SIZE, 0, 0, 0, 88);
	assert_int_equal(check(&c, &h), RDMA_C_SGL);
	mk(&c, SILK_OP_HELLO, 0, SILK_HELLO_REQ_SIZE, 0, 0x1000, 0, 0);
	assert_int_equal(check(&c, &h), RDMA_C_SGL);
}

static void test_capsule_write(void **state)
{
	struct rdma_cmd_h h;
	struct cap c;

	(void)state;
	/* small: inline */
	mk(&c, SILK_OP_WRITE, SILK_F_FUA, 4096, 4096, 0, 0, 0);
	assert_int_equal(check(&c, &h), RDMA_C_OK);
	assert_int_equal(h.kind, RDMA_K_FEED);
	assert_true(rdma_cmd_needs_buf(&h));
	mk(&c, SILK_OP_WRITE, 0, 8192, 8192, 0, 0, 0);
	assert_int_equal(check(&c, &h), RDMA_C_INLINE);	/* > inline_max */
	mk(&c, SILK_OP_WRITE, 0, 512, 4096, 0, 0, 0);
	assert_int_equal(check(&c, &h), RDMA_C_INLINE);	/* != length */
	mk(&c, SILK_OP_WRITE, 0, 4096, 4096, 0x1000, 0x55, 4096);
	assert_int_equal(check(&c, &h), RDMA_C_SGL);	/* inline + SGL */
	mk(&c, SILK_OP_WRITE, 0, 4096, 4096, 0, 0x55, 0);
	assert_int_equal(check(&c, &h), RDMA_C_SGL);
	/* large: RDMA READ */
	mk(&c, SILK_OP_WRITE, 0, 0, 65536, 0x1000, 0x55, 65536);
	assert_int_equal(check(&c, &h), RDMA_C_OK);
	assert_int_equal(h.kind, RDMA_K_FETCH);
	assert_true(rdma_cmd_needs_buf(&h));
	mk(&c, SILK_OP_WRITE, 0, 0, G.max_data, 0x1000, 0x55, G.max_data);
	assert_int_equal(check(&c, &h), RDMA_C_OK);
	/* a small write may use an SGL too */
	mk(&c, SILK_OP_WRITE, 0, 0, 512, 0x1000, 0x55, 512);
	assert_int_equal(check(&c, &h), RDMA_C_OK);
	mk(&c, SILK_OP_WRITE, 0, 0, 4096, 0, 0, 0);
	assert_int_equal(check(&c, &h), RDMA_C_SGL_LENGTH);	/* no data at all */
	mk(&c, SILK_OP_WRITE, 0, 0, 0, 0, 0, 0);
	assert_int_equal(check(&c, &h), RDMA_C_SGL_LENGTH);
	mk(&c, SILK_OP_WRITE, 0, 0, 65536, 0x1000, 0x55, 4096);
	assert_int_equal(check(&c, &h), RDMA_C_SGL_LENGTH);
	mk(&c, SILK_OP_WRITE, 0, 0, 4096, 0x1000, 0x55, 65536);
	assert_int_equal(check(&c, &h), RDMA_C_SGL_LENGTH);
	mk(&c, SILK_OP_WRITE, 0, 0, G.max_data + 4096, 0x1000, 0x55,
	   G.max_data + 4096);
	assert_int_equal(check(&c, &h), RDMA_C_TOO_BIG);
}

static void test_capsule_read(void **state)
{
	struct rdma_cmd_h h;
	struct cap c;

	(void)state;
	mk(&c, SILK_OP_READ, 0, 0, 4096, 0x1000, 0x55, 4096);
	assert_int_equal(check(&c, &h), RDMA_C_OK);
	assert_int_equal(h.kind, RDMA_K_PLACE);
	assert_true(rdma_cmd_needs_buf(&h));
	mk(&c, SILK_OP_READ, 0, 4096, 4096, 0x1000, 0x55, 4096);
	assert_int_equal(check(&c, &h), RDMA_C_INLINE);
	mk(&c, SILK_OP_READ, 0, 0, 4096, 0, 0, 0);
	assert_int_equal(check(&c, &h), RDMA_C_SGL_LENGTH);
	mk(&c, SILK_OP_READ, 0, 0, 0, 0x1000, 0x55, 0);
	assert_int_equal(check(&c, &h), RDMA_C_SGL_LENGTH);
	mk(&c, SILK_OP_READ, 0, 0, 8192, 0x1000, 0x55, 4096);
	assert_int_equal(check(&c, &h), RDMA_C_SGL_LENGTH);
	mk(&c, SILK_OP_READ, 0, 0, 1u << 20, 0x1000, 0x55, 1u << 20);
	assert_int_equal(check(&c, &h), RDMA_C_TOO_BIG);
	mk(&c, SILK_OP_READ, 0, 0, 0xfffff000u, 0x1000, 0x55, 0xfffff000u);
	assert_int_equal(check(&c, &h), RDMA_C_TOO_BIG);
}

static void test_capsule_no_data(void **state)
{
	static const uint8_t ops[] = {
		SILK_OP_FLUSH, SILK_OP_DISCARD, SILK_OP_WRITE_ZEROES,
		SILK_OP_KEEPALIVE,
	};
	struct rdma_cmd_h h;
	struct cap c;

	(void)state;
	for (size_t i = 0; i < sizeof(ops); i++) {
		uint32_t len = ops[i] == SILK_OP_DISCARD ||
			       ops[i] == SILK_OP_WRITE_ZEROES ? 8u << 20 : 0;

		mk(&c, ops[i], 0, 0, len, 0, 0, 0);
		assert_int_equal(check(&c, &h), RDMA_C_OK);
		assert_int_equal(h.kind, RDMA_K_FEED);
		assert_false(rdma_cmd_needs_buf(&h));
		mk(&c, ops[i], 0, 512, len, 0, 0, 0);
		assert_int_equal(check(&c, &h), RDMA_C_INLINE);
		mk(&c, ops[i], 0, 0, len, 0x1000, 0, 0);
		assert_int_equal(check(&c, &h), RDMA_C_SGL);
		mk(&c, ops[i], 0, 0, len, 0, 0x55, 0);
		assert_int_equal(check(&c, &h), RDMA_C_SGL);
		mk(&c, ops[i], 0, 0, len, 0, 0, 4096);
		assert_int_equal(check(&c, &h), RDMA_C_SGL);
	}
}

static void test_cerr_str(void **state)
{
	(void)state;
	for (int i = 0; i < RDMA_C_MAX_; i++) {
		assert_non_null(rdma_cerr_str(i));
		assert_true(strlen(rdma_cerr_str(i)) > 1);
	}
	assert_string_equal(rdma_cerr_str(-1), "unknown capsule error");
	assert_string_equal(rdma_cerr_str(RDMA_C_MAX_), "unknown capsule error");
}

/* A fetched large WRITE becomes an ordinary TCP-style WRITE header. */
static void test_fetch_hdr(void **state)
{
	uint8_t hdr[SILK_HDR_SIZE];
	struct rdma_cmd_h h;
	struct silk_msg m;
	struct cap c;

	(void)state;
	mk(&c, SILK_OP_WRITE, SILK_F_FUA, 0, 65536, 0x1000, 0x55, 65536);
	assert_int_equal(check(&c, &h), RDMA_C_OK);
	rdma_fetch_hdr(&h, hdr);
	silk_hdr_decode(hdr, &m);
	assert_int_equal(m.data_len, 65536);
	assert_int_equal(m.length, 65536);
	assert_int_equal(m.flags, SILK_F_FUA);
	assert_int_equal(m.tag, 9);
	assert_int_equal(m.offset, 8192);
	assert_int_equal(silk_req_check(&m, hdr), SILK_V_OK);
	/* the rest of the header is the capsule's */
	assert_memory_equal(hdr + 16, c.b + 16, SILK_HDR_SIZE - 16);
}

static void mk_rep(uint8_t *hdr, uint8_t op, uint16_t status, uint32_t data_len)
{
	struct silk_msg m = {
		.magic = SILK_MAGIC, .opcode = op | SILK_OP_REPLY,
		.status = status, .tag = 77, .data_len = data_len, .vol_id = 1,
		.length = 65536, .offset = 4096, .epoch = 3,
	};

	silk_hdr_encode(&m, hdr);
}

static void test_reply(void **state)
{
	uint8_t hdr[SILK_HDR_SIZE], out[SILK_RDMA_REP_MAX], data[65536];
	struct rdma_reply rep;
	struct silk_msg m;

	(void)state;
	memset(data, 0x5a, sizeof(data));
	/* READ OK: data by RDMA WRITE, the header says data_len 0 */
	mk_rep(hdr, SILK_OP_READ, SILK_S_OK, 65536);
	assert_int_equal(rdma_reply_build(hdr, data, 65536, out, &rep), 0);
	assert_int_equal(rep.write_len, 65536);
	assert_int_equal(rep.send_len, SILK_HDR_SIZE);
	silk_hdr_decode(out, &m);
	assert_int_equal(m.data_len, 0);
	assert_int_equal(m.tag, 77);
	assert_int_equal(m.status, SILK_S_OK);
	assert_int_equal(m.opcode, SILK_OP_READ | SILK_OP_REPLY);
	assert_int_equal(m.length, 65536);
	assert_int_equal(m.epoch, 3);
	/* (silk_rep_check's TCP rule data_len == length does not apply) */
	assert_memory_equal(out + 16, hdr + 16, SILK_HDR_SIZE - 16);
	/* READ failed: header only */
	mk_rep(hdr, SILK_OP_READ, SILK_S_RANGE, 0);
	assert_int_equal(rdma_reply_build(hdr, data, 0, out, &rep), 0);
	assert_int_equal(rep.write_len, 0);
	assert_int_equal(rep.send_len, SILK_HDR_SIZE);
	assert_memory_equal(out, hdr, SILK_HDR_SIZE);
	/* HELLO: header + 40 bytes */
	mk_rep(hdr, SILK_OP_HELLO, SILK_S_OK, SILK_HELLO_REP_SIZE);
	assert_int_equal(rdma_reply_build(hdr, data, SILK_HELLO_REP_SIZE, out,
					  &rep), 0);
	assert_int_equal(rep.send_len, SILK_HDR_SIZE + SILK_HELLO_REP_SIZE);
	assert_int_equal(rep.write_len, 0);
	assert_memory_equal(out, hdr, SILK_HDR_SIZE);
	assert_memory_equal(out + SILK_HDR_SIZE, data, SILK_HELLO_REP_SIZE);
	/* WRITE, FLUSH...: header */
	mk_rep(hdr, SILK_OP_WRITE, SILK_S_OK, 0);
	assert_int_equal(rdma_reply_build(hdr, data, 0, out, &rep), 0);
	assert_int_equal(rep.send_len, SILK_HDR_SIZE);
	assert_memory_equal(out, hdr, SILK_HDR_SIZE);
	/* payloads an RDMA reply cannot carry */
	mk_rep(hdr, SILK_OP_WRITE, SILK_S_OK, 4);
	assert_int_equal(rdma_reply_build(hdr, data, 4, out, &rep), -1);
	mk_rep(hdr, SILK_OP_HELLO, SILK_S_OK, 41);
	assert_int_equal(rdma_reply_build(hdr, data, 41, out, &rep), -1);
	mk_rep(hdr, SILK_OP_READ, SILK_S_OK, 4096);
	assert_int_equal(rdma_reply_build(hdr, NULL, 4096, out, &rep), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cm_req),
		cmocka_unit_test(test_grant),
		cmocka_unit_test(test_rep_rej),
		cmocka_unit_test(test_capsule_framing),
		cmocka_unit_test(test_capsule_hello),
		cmocka_unit_test(test_capsule_write),
		cmocka_unit_test(test_capsule_read),
		cmocka_unit_test(test_capsule_no_data),
		cmocka_unit_test(test_cerr_str),
		cmocka_unit_test(test_fetch_hdr),
		cmocka_unit_test(test_reply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
