// SPDX-License-Identifier: GPL-2.0
/* Server-side connection state machine: see sess.h. */
#include "sess.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Buffers up to this size stay with their slot for reuse. */
#define KEEP_BUF (128u * 1024u)

struct sess {
	struct sess_limits lim;
	const struct sess_ops *ops;
	const struct sess_buf_ops *bufs;	/* NULL: malloc'd buffers */
	void *ctx;
	struct silk_stats *stats;
	int state;
	int verr;
	char err[192];
	struct vol *vol;
	uint32_t features;
	uint16_t version;
	bool rx_stopped;

	/* receive side: the message being read */
	uint8_t hbuf[SILK_HDR_SIZE];
	uint32_t hgot;
	struct sreq *cur;
	bool cur_ready;		/* payload buffer allocated */
	uint32_t cur_need;	/* payload buffer size needed */
	uint32_t pgot;

	struct sreq *slots;
	struct sreq *free;
	unsigned inflight;
	unsigned in_io;
	uint64_t bytes;

	/* replies waiting to be sent, in completion order */
	struct sreq *txh, *txt;
	size_t tx_off;

	/* counters of a session created without shared ones (tests, fuzzing) */
	struct silk_stats own_stats;
};

static void put_pipe(struct sess *s, struct sreq *r, bool sent)
{
	if (r->data_fd < 0)
		return;
	if (s->ops->pipe_put)
		s->ops->pipe_put(s->ctx, s, r, sent);
	r->data_fd = -1;
}

struct sess *sess_new(const struct sess_limits *lim, const struct sess_ops *ops,
		      void *ctx, struct silk_stats *stats)
{
	struct sess *s = calloc(1, sizeof(*s));
	unsigned n = lim->max_inflight ? lim->max_inflight : 1;

	if (!s)
		return NULL;
	s->slots = calloc(n, sizeof(*s->slots));
	if (!s->slots) {
		free(s);
		return NULL;
	}
	s->lim = *lim;
	s->lim.max_inflight = n;
	s->ops = ops;
	s->ctx = ctx;
	s->stats = stats ? stats : &s->own_stats;
	s->state = SESS_HELLO;
	for (unsigned i = n; i-- > 0;) {
		s->slots[i].sess = s;
		s->slots[i].data_fd = -1;
		s->slots[i].next = s->free;
		s->free = &s->slots[i];
	}
	return s;
}

void sess_free(struct sess *s)
{
	if (!s)
		return;
	if (s->vol)
		s->ops->vol_put(s->ctx, s->vol);
	for (unsigned i = 0; i < s->lim.max_inflight; i++) {
		struct sreq *r = &s->slots[i];

		put_pipe(s, r, false);
		if (s->bufs && r->data)
			s->bufs->put(s->ctx, s, r);
		else
			free(r->data);
	}
	free(s->slots);
	free(s);
}

/* Free r's slot; sent: its whole reply is on the wire (pipe empty). */
static void release_sent(struct sess *s, struct sreq *r, bool sent)
{
	put_pipe(s, r, sent);
	r->busy = false;
	s->inflight--;
	s->bytes -= r->charge;
	r->charge = 0;
	if (s->bufs) {
		if (r->data)
			s->bufs->put(s->ctx, s, r);
		r->data = NULL;
		r->xprt = NULL;
		r->cap = 0;
	} else if (r->cap > KEEP_BUF) {
		free(r->data);
		r->data = NULL;
		r->cap = 0;
	}
	r->next = s->free;
	s->free = r;
}

static void release(struct sess *s, struct sreq *r)
{
	release_sent(s, r, false);
}

static int fail(struct sess *s, int verr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void drop_tx(struct sess *s)
{
	if (s->cur && !s->cur->in_io)
		release(s, s->cur);
	s->cur = NULL;
	s->hgot = 0;
	while (s->txh) {
		struct sreq *r = s->txh;

		s->txh = r->next;
		release(s, r);
	}
	s->txt = NULL;
	s->tx_off = 0;
}

static int fail(struct sess *s, int verr, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (s->state == SESS_FAILED)
		return -1;
	s->state = SESS_FAILED;
	s->verr = verr;
	n = snprintf(s->err, sizeof(s->err), "%s", silk_verr_str(verr));
	if (fmt && n > 0 && (size_t)n < sizeof(s->err)) {
		va_start(ap, fmt);
		vsnprintf(s->err + n, sizeof(s->err) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	stat_add(&s->stats->protocol_errors, 1);
	drop_tx(s);
	return -1;
}

static bool is_io_op(unsigned op)
{
	return op == SILK_OP_READ || op == SILK_OP_WRITE ||
	       op == SILK_OP_DISCARD || op == SILK_OP_WRITE_ZEROES;
}

static bool tag_in_flight(const struct sess *s, const struct sreq *self,
			  uint32_t tag)
{
	for (unsigned i = 0; i < s->lim.max_inflight; i++) {
		const struct sreq *r = &s->slots[i];

		if (r != self && r->busy && r->req.opcode != SILK_OP_KEEPALIVE &&
		    r->req.tag == tag)
			return true;
	}
	return false;
}

static int check_digest_flags(struct sess *s, const struct silk_msg *m)
{
	bool hd = m->flags & SILK_F_HDGST, dd = m->flags & SILK_F_DDGST;

	if (hd != !!(s->features & SILK_FEAT_HDGST))
		return fail(s, SILK_V_DIGEST_NEG, ": header digest %s",
			    hd ? "not negotiated" : "missing");
	if (dd && !(s->features & SILK_FEAT_DDGST))
		return fail(s, SILK_V_DIGEST_NEG, ": data digest not negotiated");
	if (!dd && m->data_len && (s->features & SILK_FEAT_DDGST))
		return fail(s, SILK_V_DIGEST_NEG, ": data digest missing");
	return 0;
}

/* The 48 header bytes of s->cur are in: validate what can be validated. */
static int on_header(struct sess *s)
{
	struct sreq *r = s->cur;
	struct silk_msg *m = &r->req;
	int v;

	silk_hdr_decode(s->hbuf, m);
	v = silk_req_check(m, s->hbuf);
	if (v)
		return fail(s, v, " (opcode 0x%02x tag %u data_len %u)",
			    m->opcode, m->tag, m->data_len);
	if (s->state == SESS_HELLO && m->opcode != SILK_OP_HELLO)
		return fail(s, SILK_V_NOT_HELLO, " (%s)", silk_op_str(m->opcode));
	if (s->state == SESS_READY && m->opcode == SILK_OP_HELLO)
		return fail(s, SILK_V_HELLO_AGAIN, NULL);
	if (s->state == SESS_READY) {
		if (check_digest_flags(s, m))
			return -1;
		if (atomic_load(&s->vol->dead))
			return fail(s, SILK_V_VOL_GONE, " (%s)", s->vol->name);
		if (m->opcode != SILK_OP_KEEPALIVE) {
			uint32_t bs = s->vol->block_size;

			if (m->vol_id != s->vol->id)
				return fail(s, SILK_V_VOL_ID, " (got %u, want %u)",
					    m->vol_id, s->vol->id);
			if (is_io_op(m->opcode) &&
			    (m->offset % bs || m->length % bs))
				return fail(s, SILK_V_ALIGN,
					    " (%s offset %llu length %u block %u)",
					    silk_op_str(m->opcode),
					    (unsigned long long)m->offset,
					    m->length, bs);
			if (tag_in_flight(s, r, m->tag))
				return fail(s, SILK_V_DUP_TAG, " (tag %u)",
					    m->tag);
		}
	}
	s->cur_need = m->opcode == SILK_OP_READ ? m->length : m->data_len;
	s->cur_ready = false;
	s->pgot = 0;
	return 0;
}

/* 1: payload buffer ready, 0: wait for memory to drain, -1: failed. */
static int alloc_payload(struct sess *s)
{
	struct sreq *r = s->cur;
	uint32_t need = s->cur_need;

	if (need == 0) {
		s->cur_ready = true;
		return 1;
	}
	if (s->bytes > 0 && s->bytes + need > s->lim.max_bytes)
		return 0;
	if (s->bufs) {
		r->data = s->bufs->get(s->ctx, s, r, need);
		if (!r->data)
			return fail(s, SILK_V_TOO_BIG, ": no buffer for %u bytes",
				    need);
		r->cap = need;
	} else if (r->cap < need) {
		void *p = NULL;

		free(r->data);
		r->data = NULL;
		r->cap = 0;
		if (posix_memalign(&p, 4096, need) != 0)
			return fail(s, SILK_V_TOO_BIG, ": out of memory for %u bytes",
				    need);
		r->data = p;
		r->cap = need;
	}
	r->charge = need;
	s->bytes += need;
	s->cur_ready = true;
	return 1;
}

static void queue_reply(struct sess *s, struct sreq *r)
{
	r->next = NULL;
	if (s->txt)
		s->txt->next = r;
	else
		s->txh = r;
	s->txt = r;
}

static void count(struct sess *s, const struct silk_msg *m, unsigned status)
{
	struct silk_stats *st = s->stats;

	switch (m->opcode) {
	case SILK_OP_READ:
		stat_add(&st->reads, 1);
		if (status == SILK_S_OK)
			stat_add(&st->bytes_read, m->length);
		break;
	case SILK_OP_WRITE:
		stat_add(&st->writes, 1);
		if (status == SILK_S_OK)
			stat_add(&st->bytes_written, m->length);
		break;
	case SILK_OP_FLUSH:
		stat_add(&st->flushes, 1);
		break;
	case SILK_OP_DISCARD:
		stat_add(&st->discards, 1);
		break;
	case SILK_OP_WRITE_ZEROES:
		stat_add(&st->write_zeroes, 1);
		break;
	case SILK_OP_KEEPALIVE:
		stat_add(&st->keepalives, 1);
		break;
	default:
		break;
	}
	if (status != SILK_S_OK)
		stat_add(&st->errors, 1);
}

void sess_complete(struct sess *s, struct sreq *r, unsigned status)
{
	const struct silk_msg *q = &r->req;
	struct silk_msg rep;

	if (r->in_io) {
		r->in_io = false;
		s->in_io--;
	}
	if (s->state == SESS_FAILED) {
		release(s, r);
		return;
	}
	count(s, q, status);
	memset(&rep, 0, sizeof(rep));
	rep.magic = SILK_MAGIC;
	rep.opcode = q->opcode | SILK_OP_REPLY;
	rep.status = (uint16_t)status;
	rep.tag = q->tag;
	rep.vol_id = s->vol ? s->vol->id : q->vol_id;
	rep.length = q->length;
	rep.offset = q->offset;
	rep.epoch = s->vol ? atomic_load(&s->vol->epoch) : 0;
	if (status != SILK_S_OK)
		r->rep_len = 0;
	else if (q->opcode == SILK_OP_READ)
		r->rep_len = q->length;
	else if (q->opcode != SILK_OP_HELLO)
		r->rep_len = 0;
	rep.data_len = r->rep_len;
	/* A failed spliced READ: whatever reached the pipe is not sent. */
	if (!r->rep_len)
		put_pipe(s, r, false);
	if (q->opcode != SILK_OP_HELLO) {
		/* Spliced payloads never meet data digests (see worker.c). */
		if (s->features & SILK_FEAT_HDGST)
			rep.flags |= SILK_F_HDGST;
		if (r->rep_len && (s->features & SILK_FEAT_DDGST)) {
			rep.flags |= SILK_F_DDGST;
			rep.data_digest = silk_crc32c(r->data, r->rep_len);
		}
	}
	silk_hdr_encode(&rep, r->rep_hdr);
	queue_reply(s, r);
}

static int do_hello(struct sess *s, struct sreq *r)
{
	struct silk_hello_req_h h;
	struct silk_hello_rep_h rep;
	struct vol *v = NULL;
	unsigned ver;
	int st;

	if (silk_hello_req_decode(r->data, &h) != SILK_V_OK) {
		s->cur = r;	/* let fail() release it */
		return fail(s, SILK_V_HELLO_PAYLOAD,
			    " (versions %u..%u, volume name unterminated or bad)",
			    h.min_version, h.max_version);
	}
	ver = silk_pick_version(h.min_version, h.max_version);
	if (!ver) {
		s->state = SESS_CLOSING;
		sess_complete(s, r, SILK_S_PROTO);
		return 0;
	}
	st = silk_volume_name_valid(h.volume) ?
		s->ops->vol_get(s->ctx, h.volume, &v) : SILK_S_NOENT;
	if (st == SILK_S_OK && h.epoch < atomic_load(&v->epoch)) {
		s->ops->vol_put(s->ctx, v);
		st = SILK_S_STALE;
	}
	if (st != SILK_S_OK) {
		s->state = SESS_CLOSING;
		sess_complete(s, r, (unsigned)st);
		return 0;
	}
	s->vol = v;
	s->version = (uint16_t)ver;
	s->features = h.features & s->lim.features;
	s->state = SESS_READY;
	memset(&rep, 0, sizeof(rep));
	rep.version = (uint16_t)ver;
	rep.features = s->features;
	rep.vol_id = v->id;
	rep.block_size = v->block_size;
	rep.size = atomic_load(&v->size);
	rep.max_data = s->lim.max_data ? s->lim.max_data : SILK_MAX_DATA;
	rep.epoch = atomic_load(&v->epoch);
	silk_hello_rep_encode(&rep, r->data);
	r->rep_len = SILK_HELLO_REP_SIZE;
	sess_complete(s, r, SILK_S_OK);
	return 0;
}

/* The whole message s->cur is in. */
static int on_message(struct sess *s)
{
	struct sreq *r = s->cur;
	struct silk_msg *m = &r->req;
	uint64_t size;
	int st;

	if ((m->flags & SILK_F_DDGST) &&
	    silk_crc32c(r->data, m->data_len) != m->data_digest)
		return fail(s, SILK_V_DDGST, " (%s tag %u)",
			    silk_op_str(m->opcode), m->tag);
	s->cur = NULL;
	s->hgot = 0;
	if (m->opcode == SILK_OP_HELLO)
		return do_hello(s, r);
	if (m->opcode == SILK_OP_KEEPALIVE) {
		sess_complete(s, r, SILK_S_OK);
		return 0;
	}
	if (m->epoch < atomic_load(&s->vol->epoch)) {
		sess_complete(s, r, SILK_S_STALE);
		return 0;
	}
	size = atomic_load(&s->vol->size);
	if (is_io_op(m->opcode) &&
	    (m->length > size || m->offset > size - m->length)) {
		sess_complete(s, r, SILK_S_RANGE);
		return 0;
	}
	r->in_io = true;
	s->in_io++;
	st = s->ops->submit(s->ctx, s, r);
	if (st != 0)
		sess_complete(s, r, (unsigned)st);
	return 0;
}

static bool rx_open(const struct sess *s)
{
	return (s->state == SESS_HELLO || s->state == SESS_READY) &&
	       !s->rx_stopped;
}

/* Take a slot for a new message. */
static bool start_message(struct sess *s)
{
	struct sreq *r = s->free;

	if (!r)
		return false;
	s->free = r->next;
	r->next = NULL;
	r->busy = true;
	r->in_io = false;
	r->rep_len = 0;
	r->charge = 0;
	memset(&r->req, 0, sizeof(r->req));
	s->inflight++;
	s->cur = r;
	s->hgot = 0;
	s->pgot = 0;
	s->cur_ready = false;
	return true;
}

ssize_t sess_feed(struct sess *s, const void *buf, size_t n)
{
	const uint8_t *p = buf;
	size_t used = 0;

	if (s->state == SESS_FAILED)
		return -1;
	while (rx_open(s)) {
		struct sreq *r;
		size_t k;

		if (!s->cur) {
			if (used == n || !start_message(s))
				break;
		}
		r = s->cur;
		if (s->hgot < SILK_HDR_SIZE) {
			k = SILK_HDR_SIZE - s->hgot;
			if (k > n - used)
				k = n - used;
			memcpy(s->hbuf + s->hgot, p + used, k);
			s->hgot += (uint32_t)k;
			used += k;
			if (s->hgot < SILK_HDR_SIZE)
				break;
			if (on_header(s) < 0)
				return -1;
		}
		if (!s->cur_ready) {
			int rc = alloc_payload(s);

			if (rc < 0)
				return -1;
			if (rc == 0)
				break;
		}
		if (s->pgot < r->req.data_len) {
			k = r->req.data_len - s->pgot;
			if (k > n - used)
				k = n - used;
			memcpy(r->data + s->pgot, p + used, k);
			s->pgot += (uint32_t)k;
			used += k;
			if (s->pgot < r->req.data_len)
				break;
		}
		if (on_message(s) < 0)
			return -1;
	}
	return (ssize_t)used;
}

bool sess_rx_window(struct sess *s, void **buf, size_t *len)
{
	if (!rx_open(s) || !s->cur || s->hgot < SILK_HDR_SIZE ||
	    !s->cur_ready || s->pgot >= s->cur->req.data_len)
		return false;
	*buf = s->cur->data + s->pgot;
	*len = s->cur->req.data_len - s->pgot;
	return true;
}

ssize_t sess_rx_commit(struct sess *s, size_t n)
{
	void *b;
	size_t room;

	if (!sess_rx_window(s, &b, &room) || n > room)
		return fail(s, SILK_V_DATA_LEN, ": receive window overrun");
	s->pgot += (uint32_t)n;
	if (s->pgot == s->cur->req.data_len && on_message(s) < 0)
		return -1;
	return (ssize_t)n;
}

bool sess_rx_blocked(const struct sess *s)
{
	if (!rx_open(s))
		return false;
	if (!s->cur)
		return s->free == NULL;
	if (s->hgot < SILK_HDR_SIZE || s->cur_ready || s->cur_need == 0)
		return false;
	return s->bytes > 0 && s->bytes + s->cur_need > s->lim.max_bytes;
}

int sess_tx_iov(struct sess *s, struct iovec *iov, int max, bool *pipe_next)
{
	size_t off = s->tx_off;
	int n = 0;

	if (pipe_next)
		*pipe_next = false;
	for (struct sreq *r = s->txh; r && n < max; r = r->next) {
		if (off < SILK_HDR_SIZE) {
			iov[n].iov_base = r->rep_hdr + off;
			iov[n].iov_len = SILK_HDR_SIZE - off;
			n++;
			off = 0;
		} else {
			off -= SILK_HDR_SIZE;
		}
		if (r->rep_len && r->data_fd >= 0) {
			/* The payload goes by splice(), after these. */
			if (pipe_next && n)
				*pipe_next = true;
			break;
		}
		if (r->rep_len && n < max) {
			iov[n].iov_base = r->data + off;
			iov[n].iov_len = r->rep_len - off;
			n++;
		}
		off = 0;
	}
	return n;
}

int sess_tx_pipe(const struct sess *s, size_t *len, bool *more)
{
	const struct sreq *r = s->txh;

	if (!r || r->data_fd < 0 || !r->rep_len || s->tx_off < SILK_HDR_SIZE)
		return -1;
	*len = SILK_HDR_SIZE + r->rep_len - s->tx_off;
	*more = r->next != NULL;
	return r->data_fd;
}

void sess_tx_advance(struct sess *s, size_t n)
{
	while (n > 0 && s->txh) {
		struct sreq *r = s->txh;
		size_t rem = SILK_HDR_SIZE + r->rep_len - s->tx_off;

		if (n < rem) {
			s->tx_off += n;
			return;
		}
		n -= rem;
		s->tx_off = 0;
		s->txh = r->next;
		if (!s->txh)
			s->txt = NULL;
		release_sent(s, r, true);
	}
}

bool sess_tx_pending(const struct sess *s)
{
	return s->txh != NULL;
}

int sess_state(const struct sess *s)
{
	return s->state;
}

int sess_verr(const struct sess *s)
{
	return s->verr;
}

const char *sess_error(const struct sess *s)
{
	return s->err;
}

unsigned sess_in_io(const struct sess *s)
{
	return s->in_io;
}

unsigned sess_inflight(const struct sess *s)
{
	return s->inflight;
}

struct vol *sess_vol(const struct sess *s)
{
	return s->vol;
}

uint32_t sess_features(const struct sess *s)
{
	return s->features;
}

void sess_stop_rx(struct sess *s)
{
	s->rx_stopped = true;
	if (s->cur && !s->cur->in_io)
		release(s, s->cur);
	s->cur = NULL;
	s->hgot = 0;
}

void sess_abort(struct sess *s)
{
	if (s->state != SESS_FAILED) {
		s->state = SESS_FAILED;
		snprintf(s->err, sizeof(s->err), "connection closed");
	}
	drop_tx(s);
}

void *sess_ctx(const struct sess *s)
{
	return s->ctx;
}

const struct sess_ops *sess_get_ops(const struct sess *s)
{
	return s->ops;
}

void sess_set_buf_ops(struct sess *s, const struct sess_buf_ops *b)
{
	s->bufs = b;
}

struct sreq *sess_tx_head(const struct sess *s)
{
	return s->txh;
}
