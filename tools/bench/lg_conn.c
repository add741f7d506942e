// SPDX-License-Identifier: GPL-2.0
/* One load-generator connection to silkd; see lg_conn.h. */
#include "lg_conn.h"

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "benchutil.h"
#include "proto.h"

#define RBUF_SIZE (4u << 20)

static int set_err(struct lg_conn *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->err[0]) {
		va_start(ap, fmt);
		vsnprintf(c->err, sizeof(c->err), fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Send all iovecs, handling partial writes. */
static int send_all(struct lg_conn *c, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w = writev(c->fd, iov, n > IOV_MAX ? IOV_MAX : n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return set_err(c, "send: %s", strerror(errno));
		}
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/*
 * Receive at least `want` bytes in rbuf (rlen >= want), waiting at most
 * the timeout without progress.  Returns 0 or -1.
 */
static int recv_some(struct lg_conn *c, size_t want)
{
	uint64_t deadline = bu_now_ns() + (uint64_t)(c->p.timeout * 1e9);

	while (c->rlen < want) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		ssize_t r;
		int pr = poll(&pfd, 1, 200);

		if (pr < 0 && errno != EINTR)
			return set_err(c, "poll: %s", strerror(errno));
		if (pr <= 0) {
			if (bu_now_ns() > deadline)
				return set_err(c, "no data from silkd for %.0f s", c->p.timeout);
			continue;
		}
		r = recv(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen, 0);
		if (r == 0)
			return set_err(c, "silkd closed the connection");
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return set_err(c, "recv: %s", strerror(errno));
		}
		c->rlen += (size_t)r;
		deadline = bu_now_ns() + (uint64_t)(c->p.timeout * 1e9);
	}
	return 0;
}

static void consume(struct lg_conn *c, size_t n)
{
	memmove(c->rbuf, c->rbuf + n, c->rlen - n);
	c->rlen -= n;
}

static int tcp_connect(struct lg_conn *c)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	int rc = getaddrinfo(c->p.host, c->p.port, &hints, &res), one = 1;

	if (rc)
		return set_err(c, "%s:%s: %s", c->p.host, c->p.port, gai_strerror(rc));
	c->fd = -1;
	for (ai = res; ai; ai = ai->ai_next) {
		c->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (c->fd < 0)
			continue;
		if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		rc = errno;
		close(c->fd);
		c->fd = -1;
		errno = rc;
	}
	freeaddrinfo(res);
	if (c->fd < 0)
		return set_err(c, "connect %s:%s: %s", c->p.host, c->p.port, strerror(errno));
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return 0;
}

static int hello(struct lg_conn *c)
{
	uint8_t hdr[SILK_HDR_SIZE], pl[SILK_HELLO_REQ_SIZE];
	struct silk_hello_req_h h = { 0 };
	struct silk_hello_rep_h rep;
	struct silk_msg m = { 0 };
	struct iovec iov[2] = { { hdr, sizeof(hdr) }, { pl, sizeof(pl) } };
	int v;

	h.min_version = SILK_PROTO_VERSION_MIN;
	h.max_version = SILK_PROTO_VERSION_MAX;
	h.queue_id = c->p.index;
	h.queue_depth = c->p.qd;
	snprintf(h.volume, sizeof(h.volume), "%s", c->p.volume);
	silk_hello_req_encode(&h, pl);
	m.magic = SILK_MAGIC;
	m.opcode = SILK_OP_HELLO;
	m.data_len = SILK_HELLO_REQ_SIZE;
	silk_hdr_encode(&m, hdr);
	if (send_all(c, iov, 2) || recv_some(c, SILK_HDR_SIZE))
		return -1;
	silk_hdr_decode(c->rbuf, &m);
	v = silk_rep_check(&m, c->rbuf);
	if (v != SILK_V_OK)
		return set_err(c, "bad HELLO reply: %s", silk_verr_str(v));
	if (m.opcode != (SILK_OP_HELLO | SILK_OP_REPLY))
		return set_err(c, "HELLO answered with %s", silk_op_str(m.opcode & ~SILK_OP_REPLY));
	if (m.status != SILK_S_OK)
		return set_err(c, "HELLO refused: %s (volume '%s')",
			       silk_status_str(m.status), c->p.volume);
	if (m.data_len != SILK_HELLO_REP_SIZE || recv_some(c, SILK_HDR_SIZE + m.data_len))
		return set_err(c, "short HELLO reply");
	silk_hello_rep_decode(c->rbuf + SILK_HDR_SIZE, &rep);
	consume(c, SILK_HDR_SIZE + m.data_len);
	if (rep.block_size == 0 || c->p.bs % rep.block_size || c->p.bs > rep.max_data)
		return set_err(c, "request size %u does not fit the volume (block %u, max %u)",
			       c->p.bs, rep.block_size, rep.max_data);
	c->vol_id = rep.vol_id;
	c->block_size = rep.block_size;
	c->size = rep.size;
	if (c->p.range == 0 || c->p.range > c->size)
		c->p.range = c->size;
	if (c->p.range < c->p.bs)
		return set_err(c, "volume (%llu bytes) smaller than one request",
			       (unsigned long long)c->size);
	return 0;
}

int lg_conn_open(struct lg_conn *c, const struct lg_params *p, atomic_bool *stop)
{
	memset(c, 0, sizeof(*c));
	c->p = *p;
	c->fd = -1;
	c->stop = stop;
	atomic_init(&c->done, 0);
	c->rcap = RBUF_SIZE;
	c->rbuf = malloc(c->rcap);
	c->wdata = malloc(p->bs);
	c->busy = calloc(p->qd, sizeof(*c->busy));
	if (!c->rbuf || !c->wdata || !c->busy)
		return set_err(c, "out of memory");
	for (uint32_t i = 0; i < p->bs; i++)
		c->wdata[i] = (uint8_t)(i * 131 + p->index);
	if (tcp_connect(c))
		return -1;
	return hello(c);
}

/* Offset of the next request, or UINT64_MAX when there is none. */
static uint64_t next_offset(struct lg_conn *c, struct bu_rng *rng)
{
	uint64_t chunks = c->p.range / c->p.bs, off;

	if (c->mode == LG_READ_RANDOM)
		return bu_rng_below(rng, chunks) * c->p.bs;
	off = c->next_chunk * c->p.nconns + c->p.index;
	if (off >= chunks)
		return UINT64_MAX;
	c->next_chunk++;
	return off * c->p.bs;
}

/* Build request `tag` at `off` into hdr and, for writes, add the iovecs. */
static void build(struct lg_conn *c, unsigned tag, uint64_t off, uint8_t *hdr)
{
	struct silk_msg m = { 0 };

	m.magic = SILK_MAGIC;
	m.opcode = c->mode == LG_READ_RANDOM ? SILK_OP_READ : SILK_OP_WRITE;
	m.tag = tag;
	m.vol_id = c->vol_id;
	m.length = c->p.bs;
	m.data_len = c->mode == LG_READ_RANDOM ? 0 : c->p.bs;
	m.offset = off;
	silk_hdr_encode(&m, hdr);
}

/*
 * Issue a request on every tag in `tags` (n of them); tags with no more
 * work stay idle.  hdrs has room for qd headers, iov for 2 * qd entries.
 */
static int issue(struct lg_conn *c, const unsigned *tags, unsigned n, struct bu_rng *rng,
		 uint8_t *hdrs, struct iovec *iov)
{
	unsigned i, k = 0, ni = 0;

	for (i = 0; i < n; i++) {
		uint64_t off;

		if (atomic_load_explicit(c->stop, memory_order_relaxed))
			break;
		off = next_offset(c, rng);
		if (off == UINT64_MAX)
			break;
		build(c, tags[i], off, hdrs + (size_t)k * SILK_HDR_SIZE);
		iov[ni].iov_base = hdrs + (size_t)k * SILK_HDR_SIZE;
		iov[ni++].iov_len = SILK_HDR_SIZE;
		if (c->mode == LG_WRITE_SEQ) {
			iov[ni].iov_base = c->wdata;
			iov[ni++].iov_len = c->p.bs;
		}
		c->busy[tags[i]] = true;
		c->inflight++;
		k++;
	}
	return ni ? send_all(c, iov, (int)ni) : 0;
}

int lg_conn_run(struct lg_conn *c, enum lg_mode mode)
{
	uint8_t *hdrs = malloc((size_t)c->p.qd * SILK_HDR_SIZE);
	struct iovec *iov = malloc(2 * (size_t)c->p.qd * sizeof(*iov));
	unsigned *tags = malloc((size_t)c->p.qd * sizeof(*tags));
	size_t need = SILK_HDR_SIZE;	/* bytes the next whole reply needs */
	unsigned nt, i;
	struct bu_rng rng;
	int rc = -1;

	if (!hdrs || !iov || !tags) {
		set_err(c, "out of memory");
		goto out;
	}
	c->mode = mode;
	c->next_chunk = 0;
	bu_rng_seed(&rng, c->p.seed * 7919 + c->p.index + 1);
	for (i = 0; i < c->p.qd; i++)
		tags[i] = i;
	if (issue(c, tags, c->p.qd, &rng, hdrs, iov))
		goto out;
	while (c->inflight > 0) {
		size_t pos = 0;

		if (recv_some(c, need))
			goto out;
		nt = 0;
		need = SILK_HDR_SIZE;
		/* Every whole reply in the buffer. */
		while (c->rlen - pos >= SILK_HDR_SIZE) {
			struct silk_msg m;
			uint8_t want = (mode == LG_READ_RANDOM ? SILK_OP_READ : SILK_OP_WRITE) |
				       SILK_OP_REPLY;
			int v;

			silk_hdr_decode(c->rbuf + pos, &m);
			v = silk_rep_check(&m, c->rbuf + pos);
			if (v != SILK_V_OK) {
				set_err(c, "malformed reply: %s", silk_verr_str(v));
				goto out;
			}
			if (c->rlen - pos < SILK_HDR_SIZE + (size_t)m.data_len) {
				need = SILK_HDR_SIZE + (size_t)m.data_len;
				break;
			}
			if (m.opcode != want || m.tag >= c->p.qd || !c->busy[m.tag]) {
				set_err(c, "unexpected reply %s tag %u",
					silk_op_str(m.opcode & ~SILK_OP_REPLY), m.tag);
				goto out;
			}
			if (m.status != SILK_S_OK) {
				set_err(c, "%s failed: %s", silk_op_str(m.opcode & ~SILK_OP_REPLY),
					silk_status_str(m.status));
				goto out;
			}
			if (m.data_len != (mode == LG_READ_RANDOM ? c->p.bs : 0)) {
				set_err(c, "reply carries %u data bytes", m.data_len);
				goto out;
			}
			c->busy[m.tag] = false;
			c->inflight--;
			tags[nt++] = m.tag;
			pos += SILK_HDR_SIZE + m.data_len;
		}
		if (nt)
			atomic_fetch_add_explicit(&c->done, nt, memory_order_relaxed);
		consume(c, pos);
		if (need > c->rcap) {
			set_err(c, "reply larger than the receive buffer");
			goto out;
		}
		if (nt && issue(c, tags, nt, &rng, hdrs, iov))
			goto out;
	}
	rc = 0;
out:
	free(hdrs);
	free(iov);
	free(tags);
	return rc;
}

void lg_conn_close(struct lg_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->rbuf);
	free(c->wdata);
	free(c->busy);
	c->rbuf = c->wdata = NULL;
	c->busy = NULL;
}
