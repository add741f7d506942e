// SPDX-License-Identifier: GPL-2.0
/*
 * The connection state machine without sockets: HELLO negotiation,
 * request validation in context, pipelining, out-of-order completion,
 * backpressure, digests and every way a connection gets closed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sess.h"

#define VOL_SIZE (1u << 20)
#define MAX_SUB 64

struct fix {
	struct vol *vol;
	struct sess *s;
	struct sess_ops ops;
	struct sreq *sub[MAX_SUB];
	int nsub;
	int gets, puts;
	int pipe_puts, pipe_sent;	/* pipe_put calls; with sent = true */
	int last_pipe_id;
	uint8_t out[1 << 22];
	size_t out_len;
};

static int fake_get(void *ctx, const char *name, struct vol **out)
{
	struct fix *f = ctx;

	if (strcmp(name, f->vol->name) != 0)
		return SILK_S_NOENT;
	vol_ref(f->vol);
	*out = f->vol;
	f->gets++;
	return SILK_S_OK;
}

static void fake_put(void *ctx, struct vol *v)
{
	struct fix *f = ctx;

	f->puts++;
	vol_unref(v);
}

static int fake_submit(void *ctx, struct sess *s, struct sreq *r)
{
	struct fix *f = ctx;

	(void)s;
	if (f->nsub == MAX_SUB)
		return SILK_S_AGAIN;
	f->sub[f->nsub++] = r;
	return 0;
}

static void fake_pipe_put(void *ctx, struct sess *s, struct sreq *r, bool sent)
{
	struct fix *f = ctx;

	(void)s;
	f->pipe_puts++;
	f->pipe_sent += sent;
	f->last_pipe_id = r->pipe_id;
	close(r->data_fd);
}

static struct fix *mkfix(unsigned max_inflight, uint64_t max_bytes)
{
	struct fix *f = calloc(1, sizeof(*f));
	struct sess_limits lim = {
		.max_inflight = max_inflight, .max_bytes = max_bytes,
		.features = SILK_FEAT_ALL,
	};

	assert_non_null(f);
	f->vol = vol_new("vol0", 7, 4096, VOL_SIZE, false, "/dev/null");
	f->ops.vol_get = fake_get;
	f->ops.vol_put = fake_put;
	f->ops.submit = fake_submit;
	f->ops.pipe_put = fake_pipe_put;
	f->s = sess_new(&lim, &f->ops, f, NULL);
	assert_non_null(f->s);
	return f;
}

static void rmfix(struct fix *f)
{
	/* Finish outstanding I/O so the session can be freed. */
	for (int i = 0; i < f->nsub; i++)
		sess_complete(f->s, f->sub[i], SILK_S_OK);
	assert_int_equal(sess_in_io(f->s), 0);
	sess_free(f->s);
	assert_int_equal(f->gets, f->puts);
	vol_unref(f->vol);
	free(f);
}

static size_t put_hdr(uint8_t *p, struct silk_msg m)
{
	m.magic = SILK_MAGIC;
	silk_hdr_encode(&m, p);
	return SILK_HDR_SIZE;
}

static size_t put_hello(uint8_t *p, const char *name, uint32_t features,
			uint16_t minv, uint16_t maxv, uint64_t epoch)
{
	struct silk_hello_req_h h = {
		.min_version = minv, .max_version = maxv, .features = features,
		.queue_depth = 32, .epoch = epoch,
	};
	struct silk_msg m = {
		.opcode = SILK_OP_HELLO, .tag = 1, .data_len = SILK_HELLO_REQ_SIZE,
	};

	snprintf(h.volume, sizeof(h.volume), "%s", name);
	put_hdr(p, m);
	silk_hello_req_encode(&h, p + SILK_HDR_SIZE);
	return SILK_HDR_SIZE + SILK_HELLO_REQ_SIZE;
}

static ssize_t feed(struct fix *f, const void *p, size_t n)
{
	return sess_feed(f->s, p, n);
}

/* Move all pending reply bytes to f->out, optionally in small steps. */
static void drain(struct fix *f, size_t step)
{
	struct iovec iov[16];
	int n;

	while ((n = sess_tx_iov(f->s, iov, 16, NULL)) > 0) {
		size_t take = iov[0].iov_len;

		if (step && take > step)
			take = step;
		assert_true(f->out_len + take <= sizeof(f->out));
		memcpy(f->out + f->out_len, iov[0].iov_base, take);
		f->out_len += take;
		sess_tx_advance(f->s, take);
	}
}

/* Pop the next reply from f->out; returns its payload pointer. */
static const uint8_t *next_reply(struct fix *f, size_t *pos, struct silk_msg *m)
{
	const uint8_t *p;

	assert_true(*pos + SILK_HDR_SIZE <= f->out_len);
	silk_hdr_decode(f->out + *pos, m);
	assert_int_equal(silk_rep_check(m, f->out + *pos), SILK_V_OK);
	p = f->out + *pos + SILK_HDR_SIZE;
	*pos += SILK_HDR_SIZE + m->data_len;
	assert_true(*pos <= f->out_len);
	return p;
}

static struct fix *ready(unsigned max_inflight, uint64_t max_bytes,
			 uint32_t features)
{
	struct fix *f = mkfix(max_inflight, max_bytes);
	uint8_t buf[256];
	size_t n = put_hello(buf, "vol0", features, 1, 1, 0), pos = 0;
	struct silk_msg m;
	struct silk_hello_rep_h h;
	const uint8_t *p;

	assert_int_equal(feed(f, buf, n), (ssize_t)n);
	assert_int_equal(sess_state(f->s), SESS_READY);
	drain(f, 0);
	p = next_reply(f, &pos, &m);
	assert_int_equal(m.opcode, SILK_OP_HELLO | SILK_OP_REPLY);
	assert_int_equal(m.status, SILK_S_OK);
	assert_int_equal(m.data_len, SILK_HELLO_REP_SIZE);
	silk_hello_rep_decode(p, &h);
	assert_int_equal(h.vol_id, 7);
	assert_int_equal(h.block_size, 4096);
	assert_int_equal(h.size, VOL_SIZE);
	assert_int_equal(h.version, 1);
	assert_int_equal(h.features, features & SILK_FEAT_ALL);
	f->out_len = 0;
	return f;
}

static struct silk_msg io(uint8_t op, uint32_t tag, uint64_t off, uint32_t len)
{
	struct silk_msg m = {
		.opcode = op, .tag = tag, .vol_id = 7, .offset = off,
		.length = len,
	};

	if (op == SILK_OP_WRITE)
		m.data_len = len;
	return m;
}

static void expect_fail(struct fix *f, const void *p, size_t n, int verr)
{
	assert_int_equal(feed(f, p, n), -1);
	assert_int_equal(sess_state(f->s), SESS_FAILED);
	assert_int_equal(sess_verr(f->s), verr);
	assert_false(sess_tx_pending(f->s));
	/* Once failed, input is never consumed again. */
	assert_int_equal(feed(f, "x", 1), -1);
}

static void test_hello_ok(void **state)
{
	(void)state;
	rmfix(ready(8, 1 << 20, 0));
}

static void test_hello_grants_subset(void **state)
{
	(void)state;
	rmfix(ready(8, 1 << 20, SILK_FEAT_DDGST | 0x100));
}

static void test_request_before_hello(void **state)
{
	struct fix *f = mkfix(8, 1 << 20);
	uint8_t buf[64];

	(void)state;
	put_hdr(buf, io(SILK_OP_READ, 1, 0, 4096));
	expect_fail(f, buf, SILK_HDR_SIZE, SILK_V_NOT_HELLO);
	rmfix(f);
}

static void test_keepalive_before_hello(void **state)
{
	struct fix *f = mkfix(8, 1 << 20);
	uint8_t buf[64];

	(void)state;
	put_hdr(buf, (struct silk_msg){ .opcode = SILK_OP_KEEPALIVE });
	expect_fail(f, buf, SILK_HDR_SIZE, SILK_V_NOT_HELLO);
	rmfix(f);
}

static void hello_refused(const char *name, uint16_t minv, uint16_t maxv,
			  uint64_t epoch, uint64_t vol_epoch, unsigned status)
{
	struct fix *f = mkfix(8, 1 << 20);
	uint8_t buf[256];
	size_t n = put_hello(buf, name, 0, minv, maxv, epoch), pos = 0;
	struct silk_msg m;

	atomic_store(&f->vol->epoch, vol_epoch);
	/* Extra bytes after a refused HELLO are not consumed. */
	memset(buf + n, 0xee, 16);
	assert_int_equal(feed(f, buf, n + 16), (ssize_t)n);
	assert_int_equal(sess_state(f->s), SESS_CLOSING);
	drain(f, 0);
	next_reply(f, &pos, &m);
	assert_int_equal(m.status, status);
	assert_int_equal(m.data_len, 0);
	assert_int_equal(m.tag, 1);
	assert_int_equal(pos, f->out_len);
	assert_int_equal(feed(f, buf, n), 0);
	rmfix(f);
}

static void test_hello_noent(void **state)
{
	(void)state;
	hello_refused("nope", 1, 1, 0, 0, SILK_S_NOENT);
	hello_refused("bad/name", 1, 1, 0, 0, SILK_S_NOENT);
}

static void test_hello_no_common_version(void **state)
{
	(void)state;
	hello_refused("vol0", SILK_PROTO_VERSION_MAX + 1,
		      SILK_PROTO_VERSION_MAX + 5, 0, 0, SILK_S_PROTO);
}

static void test_hello_stale(void **state)
{
	(void)state;
	hello_refused("vol0", 1, 1, 2, 3, SILK_S_STALE);
}

static void test_hello_malformed_payload(void **state)
{
	struct fix *f = mkfix(8, 1 << 20);
	uint8_t buf[256];
	size_t n = put_hello(buf, "vol0", 0, 1, 1, 0);

	(void)state;
	memset(buf + SILK_HDR_SIZE + 24, 'z', 64);
	expect_fail(f, buf, n, SILK_V_HELLO_PAYLOAD);
	rmfix(f);
}

static void test_hello_twice(void **state)
{
	struct fix *f = ready(8, 1 << 20, 0);
	uint8_t buf[256];
	size_t n = put_hello(buf, "vol0", 0, 1, 1, 0);

	(void)state;
	expect_fail(f, buf, n, SILK_V_HELLO_AGAIN);
	rmfix(f);
}

static void test_write_bytewise_then_read(void **state)
{
	struct fix *f = ready(8, 1 << 20, 0);
	static uint8_t buf[SILK_HDR_SIZE + 8192];
	struct silk_msg m;
	size_t pos = 0;
	const uint8_t *p;

	(void)state;
	put_hdr(buf, io(SILK_OP_WRITE, 10, 4096, 8192));
	for (size_t i = 0; i < 8192; i++)
		buf[SILK_HDR_SIZE + i] = (uint8_t)(i * 7);
	/* One byte at a time: partial headers and payloads. */
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(feed(f, buf + i, 1), 1);
	assert_int_equal(f->nsub, 1);
	assert_int_equal(f->sub[0]->req.opcode, SILK_OP_WRITE);
	assert_int_equal(f->sub[0]->req.offset, 4096);
	assert_memory_equal(f->sub[0]->data, buf + SILK_HDR_SIZE, 8192);
	sess_complete(f->s, f->sub[0], SILK_S_OK);
	f->nsub = 0;

	put_hdr(buf, io(SILK_OP_READ, 11, 4096, 8192));
	assert_int_equal(feed(f, buf, SILK_HDR_SIZE), SILK_HDR_SIZE);
	assert_int_equal(f->nsub, 1);
	memset(f->sub[0]->data, 0x5a, 8192);
	sess_complete(f->s, f->sub[0], SILK_S_OK);
	f->nsub = 0;
	drain(f, 5);	/* partial sends */
	next_reply(f, &pos, &m);
	assert_int_equal(m.opcode, SILK_OP_WRITE | SILK_OP_REPLY);
	assert_int_equal(m.tag, 10);
	assert_int_equal(m.data_len, 0);
	p = next_reply(f, &pos, &m);
	assert_int_equal(m.opcode, SILK_OP_READ | SILK_OP_REPLY);
	assert_int_equal(m.tag, 11);
	assert_int_equal(m.data_len, 8192);
	for (int i = 0; i < 8192; i++)
		assert_int_equal(p[i], 0x5a);
	assert_int_equal(sess_inflight(f->s), 0);
	rmfix(f);
}

static void test_out_of_order_completion(void **state)
{
	struct fix *f = ready(16, 1 << 20, 0);
	uint8_t buf[SILK_HDR_SIZE * 8];
	size_t n = 0, pos = 0;
	struct silk_msg m;

	(void)state;
	for (uint32_t t = 0; t < 4; t++)
		n += put_hdr(buf + n, io(SILK_OP_READ, 100 + t, t * 4096, 4096));
	n += put_hdr(buf + n, (struct silk_msg){ .opcode = SILK_OP_FLUSH,
						 .tag = 200, .vol_id = 7 });
	assert_int_equal(feed(f, buf, n), (ssize_t)n);
	assert_int_equal(f->nsub, 5);
	assert_int_equal(sess_in_io(f->s), 5);
	for (int i = f->nsub - 1; i >= 0; i--) {
		if (f->sub[i]->req.opcode == SILK_OP_READ)
			memset(f->sub[i]->data, (int)f->sub[i]->req.tag, 4096);
		sess_complete(f->s, f->sub[i], SILK_S_OK);
	}
	f->nsub = 0;
	drain(f, 0);
	next_reply(f, &pos, &m);
	assert_int_equal(m.tag, 200);
	for (uint32_t t = 4; t-- > 0;) {
		const uint8_t *p = next_reply(f, &pos, &m);

		assert_int_equal(m.tag, 100 + t);
		assert_int_equal(p[0], (uint8_t)(100 + t));
		assert_int_equal(p[4095], (uint8_t)(100 + t));
	}
	rmfix(f);
}

static void test_io_error_status(void **state)
{
	struct fix *f = ready(8, 1 << 20, 0);
	uint8_t buf[SILK_HDR_SIZE];
	struct silk_msg m;
	size_t pos = 0;

	(void)state;
	put_hdr(buf, io(SILK_OP_READ, 3, 0, 4096));
	feed(f, buf, sizeof(buf));
	sess_complete(f->s, f->sub[0], SILK_S_IO);
	f->nsub = 0;
	drain(f, 0);
	next_reply(f, &pos, &m);
	assert_int_equal(m.status, SILK_S_IO);
	assert_int_equal(m.data_len, 0);
	rmfix(f);
}

static void status_reply(struct silk_msg req, unsigned status)
{
	struct fix *f = ready(8, 1 << 20, 0);
	static uint8_t buf[SILK_HDR_SIZE + 8192];
	size_t pos = 0, n = put_hdr(buf, req) + req.data_len;
	struct silk_msg m;

	assert_int_equal(feed(f, buf, n), (ssize_t)n);
	assert_int_equal(f->nsub, 0);
	assert_int_equal(sess_state(f->s), SESS_READY);
	drain(f, 0);
	next_reply(f, &pos, &m);
	assert_int_equal(m.status, status);
	assert_int_equal(m.tag, req.tag);
	rmfix(f);
}

static void test_range(void **state)
{
	(void)state;
	status_reply(io(SILK_OP_READ, 1, VOL_SIZE, 4096), SILK_S_RANGE);
	status_reply(io(SILK_OP_READ, 1, VOL_SIZE - 4096, 8192), SILK_S_RANGE);
	status_reply(io(SILK_OP_WRITE, 1, VOL_SIZE, 8192), SILK_S_RANGE);
	status_reply(io(SILK_OP_DISCARD, 1, 0, VOL_SIZE + 4096), SILK_S_RANGE);
	status_reply(io(SILK_OP_WRITE_ZEROES, 1, UINT64_MAX - 4095, 4096),
		     SILK_S_RANGE);
}

static void test_stale_epoch(void **state)
{
	struct fix *f = ready(8, 1 << 20, 0);
	uint8_t buf[SILK_HDR_SIZE * 2];
	struct silk_msg q = io(SILK_OP_READ, 1, 0, 4096), m;
	size_t pos = 0;

	(void)state;
	atomic_store(&f->vol->epoch, 5);
	q.epoch = 4;
	put_hdr(buf, q);
	q.epoch = 5;
	q.tag = 2;
	put_hdr(buf + SILK_HDR_SIZE, q);
	assert_int_equal(feed(f, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	assert_int_equal(f->nsub, 1);
	assert_int_equal(f->sub[0]->req.tag, 2);
	drain(f, 0);
	next_reply(f, &pos, &m);
	assert_int_equal(m.status, SILK_S_STALE);
	assert_int_equal(m.epoch, 5);
	rmfix(f);
}

static void closes(struct silk_msg req, int verr)
{
	struct fix *f = ready(8, 1 << 20, 0);
	uint8_t buf[SILK_HDR_SIZE];

	put_hdr(buf, req);
	expect_fail(f, buf, sizeof(buf), verr);
	rmfix(f);
}

static void test_malformed_closes(void **state)
{
	struct silk_msg m;

	(void)state;
	m = io(SILK_OP_READ, 1, 512, 4096);
	closes(m, SILK_V_ALIGN);
	m = io(SILK_OP_READ, 1, 0, 512);
	closes(m, SILK_V_ALIGN);
	m = io(SILK_OP_DISCARD, 1, 0, 100);
	closes(m, SILK_V_ALIGN);
	m = io(SILK_OP_READ, 1, 0, 4096);
	m.vol_id = 8;
	closes(m, SILK_V_VOL_ID);
	m = io(SILK_OP_READ, 1, 0, 4096);
	m.opcode |= SILK_OP_REPLY;
	closes(m, SILK_V_REPLY_BIT);
	m = io(SILK_OP_READ, 1, 0, 4096);
	m.opcode = 0x42;
	closes(m, SILK_V_OPCODE);
	m = io(SILK_OP_READ, 1, 0, 4096);
	m.status = 1;
	closes(m, SILK_V_STATUS);
	m = io(SILK_OP_READ, 1, 0, 4096);
	m.data_len = 4096;
	closes(m, SILK_V_DATA_LEN);
	m = io(SILK_OP_WRITE, 1, 0, 4096);
	m.data_len = 8192;
	closes(m, SILK_V_DATA_LEN);
	m = io(SILK_OP_WRITE, 1, 0, 4096);
	m.data_len = m.length = 0x7ffff000;
	closes(m, SILK_V_TOO_BIG);
	m = io(SILK_OP_FLUSH, 1, 0, 0);
	m.flags = SILK_F_HDGST;	/* not negotiated */
	closes(m, SILK_V_DIGEST_NEG);
	m = io(SILK_OP_WRITE, 1, 0, 4096);
	m.flags = SILK_F_DDGST;	/* not negotiated */
	closes(m, SILK_V_DIGEST_NEG);
}

static void test_bad_magic_closes(void **state)
{
	struct fix *f = ready(8, 1 << 20, 0);
	uint8_t junk[SILK_HDR_SIZE];

	(void)state;
	memset(junk, 0xa5, sizeof(junk));
	expect_fail(f, junk, sizeof(junk), SILK_V_MAGIC);
	rmfix(f);
}

static void test_dup_tag(void **state)
{
	struct fix *f = ready(8, 1 << 20, 0);
	uint8_t buf[SILK_HDR_SIZE * 3];
	size_t n = 0;

	(void)state;
	n += put_hdr(buf + n, io(SILK_OP_READ, 9, 0, 4096));
	/* A keep-alive may reuse any tag. */
	n += put_hdr(buf + n, (struct silk_msg){ .opcode = SILK_OP_KEEPALIVE,
						 .tag = 9 });
	assert_int_equal(feed(f, buf, n), (ssize_t)n);
	n = put_hdr(buf, io(SILK_OP_READ, 9, 4096, 4096));
	expect_fail(f, buf, n, SILK_V_DUP_TAG);
	assert_int_equal(sess_in_io(f->s), 1);
	rmfix(f);
}

static void test_keepalive(void **state)
{
	struct fix *f = ready(8, 1 << 20, 0);
	uint8_t buf[SILK_HDR_SIZE];
	struct silk_msg m;
	size_t pos = 0;

	(void)state;
	/* vol_id and epoch are not checked on keep-alives. */
	put_hdr(buf, (struct silk_msg){ .opcode = SILK_OP_KEEPALIVE,
					.tag = 0xdeadbeef, .vol_id = 99 });
	assert_int_equal(feed(f, buf, sizeof(buf)), SILK_HDR_SIZE);
	drain(f, 0);
	next_reply(f, &pos, &m);
	assert_int_equal(m.opcode, SILK_OP_KEEPALIVE | SILK_OP_REPLY);
	assert_int_equal(m.tag, 0xdeadbeef);
	assert_int_equal(m.status, SILK_S_OK);
	rmfix(f);
}

static void test_backpressure_slots(void **state)
{
	struct fix *f = ready(2, 1 << 20, 0);
	uint8_t buf[SILK_HDR_SIZE * 3];
	size_t n = 0;
	ssize_t got;

	(void)state;
	for (uint32_t t = 0; t < 3; t++)
		n += put_hdr(buf + n, io(SILK_OP_READ, t, 0, 4096));
	got = feed(f, buf, n);
	assert_int_equal(got, 2 * SILK_HDR_SIZE);
	assert_true(sess_rx_blocked(f->s));
	sess_complete(f->s, f->sub[0], SILK_S_OK);
	/* Completed is not enough: the reply must be sent to free the slot. */
	assert_true(sess_rx_blocked(f->s));
	drain(f, 0);
	assert_false(sess_rx_blocked(f->s));
	f->sub[0] = f->sub[1];
	f->nsub = 1;
	assert_int_equal(feed(f, buf + got, n - (size_t)got), SILK_HDR_SIZE);
	assert_int_equal(f->nsub, 2);
	rmfix(f);
}

static void test_backpressure_bytes(void **state)
{
	struct fix *f = ready(8, 8192, 0);
	static uint8_t buf[2 * (SILK_HDR_SIZE + 8192)];
	size_t n = 0;
	ssize_t got;

	(void)state;
	n += put_hdr(buf + n, io(SILK_OP_WRITE, 1, 0, 8192)) + 8192;
	n += put_hdr(buf + n, io(SILK_OP_WRITE, 2, 8192, 8192)) + 8192;
	got = feed(f, buf, n);
	/* The second header is read, its payload waits for memory. */
	assert_int_equal(got, SILK_HDR_SIZE + 8192 + SILK_HDR_SIZE);
	assert_true(sess_rx_blocked(f->s));
	sess_complete(f->s, f->sub[0], SILK_S_OK);
	drain(f, 0);
	assert_false(sess_rx_blocked(f->s));
	f->nsub = 0;
	assert_int_equal(feed(f, buf + got, n - (size_t)got), 8192);
	assert_int_equal(f->nsub, 1);
	assert_int_equal(f->sub[0]->req.tag, 2);
	rmfix(f);
}

static void test_rx_window(void **state)
{
	struct fix *f = ready(8, 1 << 20, 0);
	uint8_t hdr[SILK_HDR_SIZE];
	void *win;
	size_t len;

	(void)state;
	assert_false(sess_rx_window(f->s, &win, &len));
	put_hdr(hdr, io(SILK_OP_WRITE, 1, 0, 65536));
	assert_int_equal(feed(f, hdr, sizeof(hdr)), SILK_HDR_SIZE);
	assert_true(sess_rx_window(f->s, &win, &len));
	assert_int_equal(len, 65536);
	memset(win, 0x11, 1000);
	assert_int_equal(sess_rx_commit(f->s, 1000), 1000);
	assert_true(sess_rx_window(f->s, &win, &len));
	assert_int_equal(len, 65536 - 1000);
	memset(win, 0x11, len);
	assert_int_equal(sess_rx_commit(f->s, len), (ssize_t)len);
	assert_int_equal(f->nsub, 1);
	assert_int_equal(f->sub[0]->data[65535], 0x11);
	assert_false(sess_rx_window(f->s, &win, &len));
	/* Committing more than the window is refused. */
	assert_int_equal(sess_rx_commit(f->s, 1), -1);
	rmfix(f);
}

static void test_digests(void **state)
{
	struct fix *f = ready(8, 1 << 20, SILK_FEAT_DDGST | SILK_FEAT_HDGST);
	static uint8_t buf[2 * (SILK_HDR_SIZE + 4096)];
	struct silk_msg q, m;
	size_t n = 0, pos = 0;
	const uint8_t *p;

	(void)state;
	q = io(SILK_OP_WRITE, 1, 0, 4096);
	q.flags = SILK_F_DDGST | SILK_F_HDGST;
	memset(buf + SILK_HDR_SIZE, 0x33, 4096);
	q.data_digest = silk_crc32c(buf + SILK_HDR_SIZE, 4096);
	n = put_hdr(buf, q) + 4096;
	q = io(SILK_OP_READ, 2, 0, 4096);
	q.flags = SILK_F_HDGST;
	n += put_hdr(buf + n, q);
	assert_int_equal(feed(f, buf, n), (ssize_t)n);
	assert_int_equal(f->nsub, 2);
	memset(f->sub[1]->data, 0x44, 4096);
	sess_complete(f->s, f->sub[0], SILK_S_OK);
	sess_complete(f->s, f->sub[1], SILK_S_OK);
	f->nsub = 0;
	drain(f, 0);
	next_reply(f, &pos, &m);
	assert_true(m.flags & SILK_F_HDGST);
	assert_false(m.flags & SILK_F_DDGST);
	p = next_reply(f, &pos, &m);
	assert_true(m.flags & SILK_F_HDGST);
	assert_true(m.flags & SILK_F_DDGST);
	assert_int_equal(m.data_digest, silk_crc32c(p, 4096));

	/* Header digest missing. */
	q = io(SILK_OP_READ, 3, 0, 4096);
	n = put_hdr(buf, q);
	expect_fail(f, buf, n, SILK_V_DIGEST_NEG);
	rmfix(f);
}

static void test_bad_data_digest(void **state)
{
	struct fix *f = ready(8, 1 << 20, SILK_FEAT_DDGST);
	static uint8_t buf[SILK_HDR_SIZE + 4096];
	struct silk_msg q = io(SILK_OP_WRITE, 1, 0, 4096);

	(void)state;
	q.flags = SILK_F_DDGST;
	memset(buf + SILK_HDR_SIZE, 0x33, 4096);
	q.data_digest = silk_crc32c(buf + SILK_HDR_SIZE, 4096) ^ 1;
	put_hdr(buf, q);
	expect_fail(f, buf, sizeof(buf), SILK_V_DDGST);
	rmfix(f);

	/* Data digest required when negotiated. */
	f = ready(8, 1 << 20, SILK_FEAT_DDGST);
	q.flags = 0;
	put_hdr(buf, q);
	expect_fail(f, buf, SILK_HDR_SIZE, SILK_V_DIGEST_NEG);
	rmfix(f);
}

static void test_fail_with_io_in_flight(void **state)
{
	struct fix *f = ready(8, 1 << 20, 0);
	uint8_t buf[SILK_HDR_SIZE * 2];
	size_t n;

	(void)state;
	n = put_hdr(buf, io(SILK_OP_READ, 1, 0, 4096));
	memset(buf + n, 0xff, SILK_HDR_SIZE);
	assert_int_equal(feed(f, buf, n + SILK_HDR_SIZE), -1);
	assert_int_equal(sess_in_io(f->s), 1);
	/* The late completion is absorbed, no reply is queued. */
	sess_complete(f->s, f->sub[0], SILK_S_OK);
	f->nsub = 0;
	assert_false(sess_tx_pending(f->s));
	assert_int_equal(sess_inflight(f->s), 0);
	rmfix(f);
}

static void test_volume_deleted(void **state)
{
	struct fix *f = ready(8, 1 << 20, 0);
	uint8_t buf[SILK_HDR_SIZE];

	(void)state;
	atomic_store(&f->vol->dead, true);
	put_hdr(buf, io(SILK_OP_READ, 1, 0, 4096));
	expect_fail(f, buf, sizeof(buf), SILK_V_VOL_GONE);
	rmfix(f);
}

static void test_stop_rx(void **state)
{
	struct fix *f = ready(8, 1 << 20, 0);
	uint8_t buf[SILK_HDR_SIZE];

	(void)state;
	put_hdr(buf, io(SILK_OP_READ, 1, 0, 4096));
	assert_int_equal(feed(f, buf, 20), 20);	/* partial header */
	sess_stop_rx(f->s);
	assert_int_equal(feed(f, buf + 20, SILK_HDR_SIZE - 20), 0);
	assert_int_equal(sess_inflight(f->s), 0);
	rmfix(f);
}

/* Give r a pipe (read end in r->data_fd) holding its READ data. */
static void pipe_payload(struct sreq *r, int id, uint8_t fill)
{
	static uint8_t data[65536];
	int p[2];

	assert_true(r->req.length <= sizeof(data));
	assert_int_equal(pipe(p), 0);
	memset(data, fill, r->req.length);
	assert_int_equal(write(p[1], data, r->req.length), (ssize_t)r->req.length);
	close(p[1]);
	r->data_fd = p[0];
	r->pipe_id = id;
}

/*
 * Send like conn.c does: iovecs, then a piped payload by "splice" (read
 * here, in steps of step bytes); checks that the iovecs end exactly where
 * a piped payload begins.
 */
static void drain_piped(struct fix *f, size_t step, int *pipes_seen)
{
	for (;;) {
		struct iovec iov[16];
		bool pipe_next, more;
		size_t len, take;
		int n = sess_tx_iov(f->s, iov, 16, &pipe_next), pfd;

		if (n > 0) {
			size_t all = 0;

			for (int i = 0; i < n; i++) {
				assert_true(f->out_len + iov[i].iov_len <= sizeof(f->out));
				memcpy(f->out + f->out_len, iov[i].iov_base,
				       iov[i].iov_len);
				f->out_len += iov[i].iov_len;
				all += iov[i].iov_len;
			}
			sess_tx_advance(f->s, all);
			/* Where the iovecs stopped for a pipe, the pipe is next. */
			assert_true(!pipe_next || sess_tx_pipe(f->s, &len, &more) >= 0);
			continue;
		}
		pfd = sess_tx_pipe(f->s, &len, &more);
		if (pfd < 0)
			break;
		(*pipes_seen)++;
		take = step && len > step ? step : len;
		assert_true(f->out_len + take <= sizeof(f->out));
		assert_int_equal(read(pfd, f->out + f->out_len, take), (ssize_t)take);
		f->out_len += take;
		sess_tx_advance(f->s, take);
	}
	assert_false(sess_tx_pending(f->s));
}

/* A READ reply whose payload waits in a pipe goes out in order. */
static void test_piped_reply(void **state)
{
	struct fix *f = ready(8, 1 << 20, 0);
	uint8_t buf[SILK_HDR_SIZE * 3];
	size_t n = 0, pos = 0, len;
	struct silk_msg m;
	int seen = 0;
	bool more;

	(void)state;
	n += put_hdr(buf + n, io(SILK_OP_READ, 1, 0, 4096));
	n += put_hdr(buf + n, io(SILK_OP_READ, 2, 8192, 16384));
	n += put_hdr(buf + n, io(SILK_OP_READ, 3, 65536, 4096));
	assert_int_equal(feed(f, buf, n), (ssize_t)n);
	assert_int_equal(f->nsub, 3);
	memset(f->sub[0]->data, 0x11, 4096);
	pipe_payload(f->sub[1], 5, 0x22);
	memset(f->sub[2]->data, 0x33, 4096);
	/* The copied payload of the slot must not be what is sent. */
	memset(f->sub[1]->data, 0xee, 16384);
	for (int i = 0; i < 3; i++)
		sess_complete(f->s, f->sub[i], SILK_S_OK);
	f->nsub = 0;
	/* Before the header is out the pipe is not the next thing to send. */
	assert_int_equal(sess_tx_pipe(f->s, &len, &more), -1);
	drain_piped(f, 5000, &seen);
	assert_int_equal(seen, 4);	/* 16384 bytes in steps of 5000 */
	assert_int_equal(f->pipe_puts, 1);
	assert_int_equal(f->pipe_sent, 1);
	assert_int_equal(f->last_pipe_id, 5);
	for (uint8_t t = 1; t <= 3; t++) {
		const uint8_t *p = next_reply(f, &pos, &m);
		uint32_t l = t == 2 ? 16384 : 4096;

		assert_int_equal(m.tag, t);
		assert_int_equal(m.data_len, l);
		for (uint32_t i = 0; i < l; i++)
			assert_int_equal(p[i], t * 0x11);
	}
	assert_int_equal(pos, f->out_len);
	assert_int_equal(sess_inflight(f->s), 0);
	rmfix(f);
}

/* A failed READ or a lost connection gives the pipe back unsent. */
static void test_piped_reply_error_and_abort(void **state)
{
	struct fix *f = ready(8, 1 << 20, 0);
	uint8_t buf[SILK_HDR_SIZE * 2];
	size_t n = 0, pos = 0;
	struct silk_msg m;
	int seen = 0;

	(void)state;
	n += put_hdr(buf + n, io(SILK_OP_READ, 1, 0, 8192));
	n += put_hdr(buf + n, io(SILK_OP_READ, 2, 8192, 8192));
	assert_int_equal(feed(f, buf, n), (ssize_t)n);
	pipe_payload(f->sub[0], 1, 0x44);
	pipe_payload(f->sub[1], 2, 0x55);
	sess_complete(f->s, f->sub[0], SILK_S_IO);
	/* At once: the reply carries no payload. */
	assert_int_equal(f->pipe_puts, 1);
	assert_int_equal(f->pipe_sent, 0);
	assert_int_equal(f->last_pipe_id, 1);
	drain_piped(f, 0, &seen);
	assert_int_equal(seen, 0);
	next_reply(f, &pos, &m);
	assert_int_equal(m.status, SILK_S_IO);
	assert_int_equal(m.data_len, 0);
	/* Header half sent, then the connection goes away. */
	sess_complete(f->s, f->sub[1], SILK_S_OK);
	f->nsub = 0;
	sess_tx_advance(f->s, SILK_HDR_SIZE / 2);
	sess_abort(f->s);
	assert_int_equal(f->pipe_puts, 2);
	assert_int_equal(f->pipe_sent, 0);
	assert_int_equal(f->last_pipe_id, 2);
	assert_false(sess_tx_pending(f->s));
	rmfix(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello_ok),
		cmocka_unit_test(test_hello_grants_subset),
		cmocka_unit_test(test_request_before_hello),
		cmocka_unit_test(test_keepalive_before_hello),
		cmocka_unit_test(test_hello_noent),
		cmocka_unit_test(test_hello_no_common_version),
		cmocka_unit_test(test_hello_stale),
		cmocka_unit_test(test_hello_malformed_payload),
		cmocka_unit_test(test_hello_twice),
		cmocka_unit_test(test_write_bytewise_then_read),
		cmocka_unit_test(test_out_of_order_completion),
		cmocka_unit_test(test_io_error_status),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_stale_epoch),
		cmocka_unit_test(test_malformed_closes),
		cmocka_unit_test(test_bad_magic_closes),
		cmocka_unit_test(test_dup_tag),
		cmocka_unit_test(test_keepalive),
		cmocka_unit_test(test_backpressure_slots),
		cmocka_unit_test(test_backpressure_bytes),
		cmocka_unit_test(test_rx_window),
		cmocka_unit_test(test_digests),
		cmocka_unit_test(test_bad_data_digest),
		cmocka_unit_test(test_fail_with_io_in_flight),
		cmocka_unit_test(test_volume_deleted),
		cmocka_unit_test(test_stop_rx),
		cmocka_unit_test(test_piped_reply),
		cmocka_unit_test(test_piped_reply_error_and_abort),
	};

	return cmocka_run_group_tests_name("sess", tests, NULL, NULL);
}
