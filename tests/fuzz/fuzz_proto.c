// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for silkd's message parser: the fuzz input is a byte
 * stream from a client, fed through the same connection state machine
 * (sess.c) and validation (proto.c) the server uses, in varying chunk
 * sizes, with storage I/O completed out of order and every reply the
 * server produces checked for well-formedness.
 *
 * Input layout: byte 0 picks limits (queue depth, memory cap, digest
 * features, block size), byte 1 seeds chunking and completion order, the
 * rest is the stream.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "sess.h"

#define MAX_PENDING 64
#define OUT_CAP (4u << 20)

struct harness {
	struct vol *vol;
	struct sreq *pending[MAX_PENDING];
	int npending;
	uint8_t *out;
	size_t out_len;
	unsigned rng;
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int h_get(void *ctx, const char *name, struct vol **out)
{
	struct harness *h = ctx;

	if (strcmp(name, h->vol->name) != 0)
		return SILK_S_NOENT;
	vol_ref(h->vol);
	*out = h->vol;
	return SILK_S_OK;
}

static void h_put(void *ctx, struct vol *v)
{
	(void)ctx;
	vol_unref(v);
}

static int h_submit(void *ctx, struct sess *s, struct sreq *r)
{
	struct harness *h = ctx;

	(void)s;
	/* Range was checked by the session: assert it. */
	if (r->req.opcode != SILK_OP_FLUSH &&
	    (r->req.offset + r->req.length > atomic_load(&h->vol->size) ||
	     r->req.offset % h->vol->block_size))
		abort();
	if (h->npending == MAX_PENDING)
		return SILK_S_AGAIN;
	h->pending[h->npending++] = r;
	return 0;
}

static unsigned next(struct harness *h)
{
	h->rng = h->rng * 1103515245u + 12345u;
	return h->rng >> 16;
}

static void complete_some(struct harness *h, struct sess *s, bool all)
{
	while (h->npending > 0) {
		int i = (int)(next(h) % (unsigned)h->npending);
		struct sreq *r = h->pending[i];
		unsigned st = next(h) % 8 == 0 ? SILK_S_IO : SILK_S_OK;

		h->pending[i] = h->pending[--h->npending];
		if (r->req.opcode == SILK_OP_READ)
			memset(r->data, 0x5c, r->req.length);
		sess_complete(s, r, st);
		if (!all && next(h) % 2)
			break;
	}
}

/* Every reply must be well-formed; abort() makes libFuzzer report it. */
static void check_replies(struct harness *h)
{
	size_t pos = 0;

	while (h->out_len - pos >= SILK_HDR_SIZE) {
		struct silk_msg m;

		silk_hdr_decode(h->out + pos, &m);
		if (silk_rep_check(&m, h->out + pos) != SILK_V_OK)
			abort();
		if (h->out_len - pos < SILK_HDR_SIZE + m.data_len)
			break;
		if ((m.flags & SILK_F_DDGST) &&
		    silk_crc32c(h->out + pos + SILK_HDR_SIZE, m.data_len) !=
		    m.data_digest)
			abort();
		pos += SILK_HDR_SIZE + m.data_len;
	}
	memmove(h->out, h->out + pos, h->out_len - pos);
	h->out_len -= pos;
}

static void drain(struct harness *h, struct sess *s)
{
	struct iovec iov[8];
	int n;

	while ((n = sess_tx_iov(s, iov, 8, NULL)) > 0) {
		size_t take = iov[0].iov_len;

		if (next(h) % 3 == 0 && take > 1)
			take = 1 + next(h) % take;	/* partial send */
		if (h->out_len + take > OUT_CAP)
			abort();
		memcpy(h->out + h->out_len, iov[0].iov_base, take);
		h->out_len += take;
		sess_tx_advance(s, take);
		check_replies(h);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t outbuf[OUT_CAP];
	struct harness h = { .out = outbuf };
	struct sess_ops ops = { h_get, h_put, h_submit, NULL };
	struct sess_limits lim;
	struct sess *s;
	size_t pos = 2;

	if (size < 2)
		return 0;
	lim.max_inflight = 1 + (data[0] & 7);
	lim.max_bytes = (data[0] & 8) ? 8192 : (4u << 20);
	lim.features = (data[0] >> 4) & SILK_FEAT_ALL;
	h.rng = data[1];
	h.vol = vol_new("fuzz", 1, (data[0] & 0x40) ? 512 : 4096, 1u << 20,
			false, "/dev/null");
	if (!h.vol)
		return 0;
	atomic_store(&h.vol->epoch, (data[0] & 0x80) ? 1 : 0);
	s = sess_new(&lim, &ops, &h, NULL);
	if (!s) {
		vol_unref(h.vol);
		return 0;
	}
	for (int round = 0; round < 100000 && pos < size; round++) {
		size_t chunk = 1 + next(&h) % 300;
		void *win;
		size_t wl;
		ssize_t n;

		if (chunk > size - pos)
			chunk = size - pos;
		if (next(&h) % 2 && sess_rx_window(s, &win, &wl)) {
			if (chunk > wl)
				chunk = wl;
			memcpy(win, data + pos, chunk);
			n = sess_rx_commit(s, chunk);
		} else {
			n = sess_feed(s, data + pos, chunk);
		}
		if (n < 0)
			break;
		pos += (size_t)n;
		complete_some(&h, s, false);
		drain(&h, s);
		if (n == 0 && !sess_rx_blocked(s)) {
			/* Closing or stopped: nothing more will be read. */
			if (sess_state(s) != SESS_HELLO && sess_state(s) != SESS_READY)
				break;
		}
		if (n == 0 && sess_rx_blocked(s) && h.npending == 0 &&
		    !sess_tx_pending(s))
			abort();	/* blocked with nothing to wait for: a hang */
	}
	complete_some(&h, s, true);
	drain(&h, s);
	if (sess_in_io(s) != 0)
		abort();
	sess_free(s);
	vol_unref(h.vol);
	return 0;
}
