// SPDX-License-Identifier: GPL-2.0
/*
 * What the RDMA transport needs from the session (daemon/sess.c): payload
 * buffers from the transport (sess_buf_ops, every one returned on
 * every path), the zero-copy receive window into such a buffer, the
 * max_data the HELLO reply announces, and walking the replies in order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sess.h"

#define NBUF 8
#define BUFSZ 65536
#define MAX_SUB 16

struct fix {
	struct vol *vol;
	struct sess *s;
	struct sess_ops ops;
	uint8_t *pool[NBUF];
	bool used[NBUF];
	int gets, puts, fail_get;
	struct sreq *sub[MAX_SUB];
	int nsub;
};

static int fake_get(void *ctx, const char *name, struct vol **out)
{
	struct fix *f = ctx;

	if (strcmp(name, f->vol->name) != 0)
		return SILK_S_NOENT;
	vol_ref(f->vol);
	*out = f->vol;
	return SILK_S_OK;
}

static void fake_put(void *ctx, struct vol *v)
{
	(void)ctx;
	vol_unref(v);
}

static int fake_submit(void *ctx, struct sess *s, struct sreq *r)
{
	struct fix *f = ctx;

	(void)s;
	assert_true(f->nsub < MAX_SUB);
	f->sub[f->nsub++] = r;
	return 0;
}

static void *buf_get(void *ctx, struct sess *s, struct sreq *r, uint32_t need)
{
	struct fix *f = ctx;

	(void)s;
	assert_true(need <= BUFSZ);
	assert_null(r->xprt);
	if (f->fail_get)
		return NULL;
	for (int i = 0; i < NBUF; i++) {
		if (!f->used[i]) {
			f->used[i] = true;
			f->gets++;
			r->xprt = &f->used[i];
			return f->pool[i];
		}
	}
	return NULL;
}

static void buf_put(void *ctx, struct sess *s, struct sreq *r)
{
	struct fix *f = ctx;
	bool *u = r->xprt;

	(void)s;
	assert_non_null(u);
	assert_true(*u);
	assert_ptr_equal(r->data, f->pool[u - f->used]);
	*u = false;
	f->puts++;
}

static const struct sess_buf_ops bufs = { .get = buf_get, .put = buf_put };

static struct fix *mkfix(uint32_t max_data)
{
	struct fix *f = calloc(1, sizeof(*f));
	struct sess_limits lim = {
		.max_inflight = 8, .max_bytes = UINT64_MAX / 2,
		.features = 0, .max_data = max_data,
	};

	assert_non_null(f);
	for (int i = 0; i < NBUF; i++)
		f->pool[i] = malloc(BUFSZ);
	f->vol = vol_new("vol0", 7, 4096, 1u << 20, false, "/dev/null");
	f->ops.vol_get = fake_get;
	f->ops.vol_put = fake_put;
	f->ops.submit = fake_submit;
	f->s = sess_new(&lim, &f->ops, f, NULL);
	assert_non_null(f->s);
	sess_set_buf_ops(f->s, &bufs);
	assert_ptr_equal(sess_get_ops(f->s), &f->ops);
	return f;
}

static void rmfix(struct fix *f)
{
	sess_free(f->s);
	assert_int_equal(f->gets, f->puts);
	for (int i = 0; i < NBUF; i++) {
		assert_false(f->used[i]);
		free(f->pool[i]);
	}
	vol_unref(f->vol);
	free(f);
}

static void put_hdr(uint8_t *p, struct silk_msg m)
{
	m.magic = SILK_MAGIC;
	silk_hdr_encode(&m, p);
}

/* HELLO; returns the reply's max_data. */
static uint32_t hello(struct fix *f)
{
	uint8_t b[SILK_HDR_SIZE + SILK_HELLO_REQ_SIZE];
	struct silk_hello_req_h h = { .min_version = 1, .max_version = 1,
				      .features = SILK_FEAT_ALL };
	struct silk_msg m = { .opcode = SILK_OP_HELLO, .tag = 1,
			      .data_len = SILK_HELLO_REQ_SIZE };
	struct silk_hello_rep_h rep;
	struct sreq *r;

	snprintf(h.volume, sizeof(h.volume), "vol0");
	put_hdr(b, m);
	silk_hello_req_encode(&h, b + SILK_HDR_SIZE);
	assert_int_equal(sess_feed(f->s, b, sizeof(b)), (ssize_t)sizeof(b));
	assert_int_equal(sess_state(f->s), SESS_READY);
	r = sess_tx_head(f->s);
	assert_non_null(r);
	assert_null(r->next);
	assert_int_equal(r->rep_len, SILK_HELLO_REP_SIZE);
	assert_ptr_equal(r->data, f->pool[0]);	/* the reply is in our buffer */
	silk_hello_rep_decode(r->data, &rep);
	assert_int_equal(rep.features, 0);	/* none granted */
	sess_tx_advance(f->s, SILK_HDR_SIZE + r->rep_len);
	assert_int_equal(f->gets, f->puts);
	return rep.max_data;
}

static void test_hello_max_data(void **state)
{
	struct fix *f = mkfix(256 * 1024);

	(void)state;
	assert_int_equal(hello(f), 256 * 1024);
	rmfix(f);
	f = mkfix(0);
	assert_int_equal(hello(f), SILK_MAX_DATA);
	rmfix(f);
}

/* Zero copy: the header alone, then the data is placed in the window. */
static void test_window_is_transport_buffer(void **state)
{
	struct fix *f = mkfix(0);
	struct silk_msg m = { .opcode = SILK_OP_WRITE, .tag = 5, .vol_id = 7,
			      .offset = 4096, .length = 8192, .data_len = 8192 };
	uint8_t hdr[SILK_HDR_SIZE];
	void *win;
	size_t wl;

	(void)state;
	hello(f);
	put_hdr(hdr, m);
	assert_int_equal(sess_feed(f->s, hdr, sizeof(hdr)), SILK_HDR_SIZE);
	assert_true(sess_rx_window(f->s, &win, &wl));
	assert_ptr_equal(win, f->pool[0]);
	assert_int_equal(wl, 8192);
	memset(win, 0x3c, wl);
	assert_int_equal(sess_rx_commit(f->s, wl), 8192);
	assert_int_equal(f->nsub, 1);
	assert_ptr_equal(f->sub[0]->data, f->pool[0]);
	assert_int_equal(f->sub[0]->data[8191], 0x3c);
	assert_int_equal(f->gets - f->puts, 1);
	sess_complete(f->s, f->sub[0], SILK_S_OK);
	assert_ptr_equal(sess_tx_head(f->s), f->sub[0]);
	sess_tx_advance(f->s, SILK_HDR_SIZE);
	assert_int_equal(f->gets, f->puts);
	rmfix(f);
}

/* READ buffers come from the transport; replies are walked in order. */
static void test_reads_and_tx_order(void **state)
{
	struct fix *f = mkfix(0);
	uint8_t hdr[SILK_HDR_SIZE];
	struct sreq *r;

	(void)state;
	hello(f);
	for (uint32_t i = 0; i < 3; i++) {
		struct silk_msg m = { .opcode = SILK_OP_READ, .tag = 10 + i,
				      .vol_id = 7, .offset = 4096 * i,
				      .length = 4096 };

		put_hdr(hdr, m);
		assert_int_equal(sess_feed(f->s, hdr, sizeof(hdr)), SILK_HDR_SIZE);
	}
	assert_int_equal(f->nsub, 3);
	assert_int_equal(f->gets, 4);	/* HELLO + 3 */
	/* complete out of order: the replies follow completion order */
	sess_complete(f->s, f->sub[2], SILK_S_OK);
	sess_complete(f->s, f->sub[0], SILK_S_IO);
	sess_complete(f->s, f->sub[1], SILK_S_OK);
	r = sess_tx_head(f->s);
	assert_ptr_equal(r, f->sub[2]);
	assert_int_equal(r->rep_len, 4096);
	assert_non_null(r->xprt);
	assert_ptr_equal(r->next, f->sub[0]);
	assert_int_equal(r->next->rep_len, 0);
	assert_ptr_equal(r->next->next, f->sub[1]);
	assert_null(r->next->next->next);
	/* sent one by one, the oldest first */
	sess_tx_advance(f->s, SILK_HDR_SIZE + 4096);
	assert_ptr_equal(sess_tx_head(f->s), f->sub[0]);
	sess_tx_advance(f->s, SILK_HDR_SIZE);
	sess_tx_advance(f->s, SILK_HDR_SIZE + 4096);
	assert_null(sess_tx_head(f->s));
	assert_int_equal(f->gets, f->puts);
	rmfix(f);
}

/* Every buffer comes back: protocol error, abort with I/O in flight. */
static void test_buffers_return_on_failure(void **state)
{
	struct fix *f = mkfix(0);
	uint8_t hdr[SILK_HDR_SIZE];
	struct silk_msg m = { .opcode = SILK_OP_READ, .tag = 1, .vol_id = 7,
			      .length = 4096 };

	(void)state;
	hello(f);
	put_hdr(hdr, m);
	assert_int_equal(sess_feed(f->s, hdr, sizeof(hdr)), SILK_HDR_SIZE);
	m.tag = 2;
	put_hdr(hdr, m);
	assert_int_equal(sess_feed(f->s, hdr, sizeof(hdr)), SILK_HDR_SIZE);
	sess_complete(f->s, f->sub[1], SILK_S_OK);	/* reply queued */
	/* a bad vol_id: protocol error, queued reply dropped */
	m.tag = 3;
	m.vol_id = 8;
	put_hdr(hdr, m);
	assert_int_equal(sess_feed(f->s, hdr, sizeof(hdr)), -1);
	assert_int_equal(sess_state(f->s), SESS_FAILED);
	assert_int_equal(f->gets - f->puts, 1);		/* still in I/O */
	sess_complete(f->s, f->sub[0], SILK_S_OK);
	assert_int_equal(f->gets, f->puts);
	rmfix(f);

	/* abort while a READ is in I/O and a WRITE reply is queued */
	f = mkfix(0);
	hello(f);
	m = (struct silk_msg){ .opcode = SILK_OP_READ, .tag = 1, .vol_id = 7,
			       .length = 4096 };
	put_hdr(hdr, m);
	assert_int_equal(sess_feed(f->s, hdr, sizeof(hdr)), SILK_HDR_SIZE);
	m = (struct silk_msg){ .opcode = SILK_OP_WRITE, .tag = 2, .vol_id = 7,
			       .length = 4096, .data_len = 4096 };
	put_hdr(hdr, m);
	assert_int_equal(sess_feed(f->s, hdr, sizeof(hdr)), SILK_HDR_SIZE);
	assert_int_equal(sess_feed(f->s, f->pool[7], 4096), 4096);
	sess_complete(f->s, f->sub[1], SILK_S_OK);
	sess_abort(f->s);
	assert_int_equal(f->gets - f->puts, 1);
	sess_complete(f->s, f->sub[0], SILK_S_OK);
	assert_int_equal(f->gets, f->puts);
	rmfix(f);

	/* freed with a reply still queued */
	f = mkfix(0);
	hello(f);
	m = (struct silk_msg){ .opcode = SILK_OP_READ, .tag = 1, .vol_id = 7,
			       .length = 4096 };
	put_hdr(hdr, m);
	assert_int_equal(sess_feed(f->s, hdr, sizeof(hdr)), SILK_HDR_SIZE);
	sess_complete(f->s, f->sub[0], SILK_S_OK);
	rmfix(f);	/* checks gets == puts */
}

/* No buffer from the transport: a protocol error, nothing leaks. */
static void test_buf_get_fails(void **state)
{
	struct fix *f = mkfix(0);
	uint8_t hdr[SILK_HDR_SIZE];
	struct silk_msg m = { .opcode = SILK_OP_READ, .tag = 1, .vol_id = 7,
			      .length = 4096 };

	(void)state;
	hello(f);
	f->fail_get = 1;
	put_hdr(hdr, m);
	assert_int_equal(sess_feed(f->s, hdr, sizeof(hdr)), -1);
	assert_int_equal(sess_state(f->s), SESS_FAILED);
	assert_non_null(strstr(sess_error(f->s), "no buffer"));
	assert_int_equal(f->gets, f->puts);
	rmfix(f);
}

/* Commands without payload never ask for a buffer. */
static void test_no_buffer_without_payload(void **state)
{
	struct fix *f = mkfix(0);
	uint8_t hdr[SILK_HDR_SIZE];
	static const uint8_t ops[] = { SILK_OP_FLUSH, SILK_OP_DISCARD,
				       SILK_OP_WRITE_ZEROES };

	(void)state;
	hello(f);
	for (size_t i = 0; i < sizeof(ops); i++) {
		struct silk_msg m = { .opcode = ops[i], .tag = 20 + (uint32_t)i,
				      .vol_id = 7, .length = 4096 };

		if (ops[i] == SILK_OP_FLUSH)
			m.length = 0;
		put_hdr(hdr, m);
		assert_int_equal(sess_feed(f->s, hdr, sizeof(hdr)), SILK_HDR_SIZE);
	}
	{
		struct silk_msg m = { .opcode = SILK_OP_KEEPALIVE, .tag = 30 };

		put_hdr(hdr, m);
		assert_int_equal(sess_feed(f->s, hdr, sizeof(hdr)), SILK_HDR_SIZE);
	}
	assert_int_equal(f->gets, 1);	/* the HELLO's */
	for (int i = 0; i < f->nsub; i++) {
		assert_null(f->sub[i]->xprt);
		sess_complete(f->s, f->sub[i], SILK_S_OK);
	}
	while (sess_tx_head(f->s))
		sess_tx_advance(f->s, SILK_HDR_SIZE);
	rmfix(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello_max_data),
		cmocka_unit_test(test_window_is_transport_buffer),
		cmocka_unit_test(test_reads_and_tx_order),
		cmocka_unit_test(test_buffers_return_on_failure),
		cmocka_unit_test(test_buf_get_fails),
		cmocka_unit_test(test_no_buffer_without_payload),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
