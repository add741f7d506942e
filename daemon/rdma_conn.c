// SPDX-License-Identifier: GPL-2.0
/* One RDMA connection: see rdma_conn.h. */
#include "rdma_conn.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>

#include "log.h"

/* Work request ids: what completed, and which buffer or slot. */
enum { WR_RECV = 1, WR_READ, WR_SEND, WR_WRITE };
#define WRID(type, idx) ((uint64_t)(type) << 32 | (uint32_t)(idx))

#define POLL_BATCH 32
#define COMP_BUDGET 16		/* batches per CQ per completion channel event */

enum { H_DONE, H_PARK, H_DEAD };

struct rdma_conn *rdma_conn_new(struct rdma_cm_id *id,
				const struct rdma_conn_req *req,
				struct rdma_devs *devs)
{
	struct rdma_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->id = id;
	c->devs = devs;
	c->req = *req;
	id->context = c;
	return c;
}

void rdma_conn_mark_dirty(struct rdma_conn *c)
{
	if (c->dirty || !c->env)
		return;
	c->dirty = true;
	c->next_dirty = c->env->dirty;
	c->env->dirty = c;
}

static void count_proto_error(struct rdma_conn *c)
{
	if (c->env && c->env->stats)
		stat_add(&c->env->stats->protocol_errors, 1);
}

void rdma_conn_kill(struct rdma_conn *c, bool protocol_error, const char *fmt,
		    ...)
{
	char why[256];
	va_list ap;

	if (c->dead)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	c->dead = true;
	if (c->ch_polled) {	/* no more wakeups for a dead connection */
		epoll_ctl(c->env->epfd, EPOLL_CTL_DEL, c->ch->fd, NULL);
		c->ch_polled = false;
	}
	if (protocol_error)
		log_warn("closing RDMA connection from %s: %s", c->req.peer, why);
	else
		log_debug("RDMA connection from %s closed: %s", c->req.peer, why);
	if (c->accepted && !c->removed)
		rdma_disconnect(c->id);
	if (c->sess)
		sess_abort(c->sess);	/* drops replies, even posted ones */
	c->nposted = 0;
	c->nparked = 0;
	rdma_conn_mark_dirty(c);
}

/* A protocol error the session found (it counted it). */
static void kill_sess(struct rdma_conn *c)
{
	rdma_conn_kill(c, true, "%s", sess_error(c->sess));
}

/* A malformed capsule or a misbehaving host. */
static void kill_proto(struct rdma_conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void kill_proto(struct rdma_conn *c, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	if (c->dead)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	count_proto_error(c);
	rdma_conn_kill(c, true, "%s", why);
}

/* ---- buffers ---- */

static struct rdma_rbuf *take_buf(struct rdma_conn *c)
{
	struct rdma_rbuf *b = c->free_bufs;

	if (b) {
		c->free_bufs = b->next;
		c->nfree_bufs--;
		b->next = NULL;
	}
	return b;
}

static void put_buf(struct rdma_conn *c, struct rdma_rbuf *b)
{
	b->next = c->free_bufs;
	c->free_bufs = b;
	c->nfree_bufs++;
}

/* The session's payload buffers are pool buffers (sess_buf_ops). */
static void *buf_get(void *ctx, struct sess *s, struct sreq *r, uint32_t need)
{
	struct rdma_conn *c = ctx;
	struct rdma_rbuf *b;

	(void)s;
	if (need > c->g.max_data)
		return NULL;
	b = c->prefill;
	if (b) {
		c->prefill = NULL;
	} else {
		b = take_buf(c);
		if (!b)
			return NULL;
		if (c->feeding)
			b->cmd = *c->feeding;
		else
			memset(&b->cmd, 0, sizeof(b->cmd));
	}
	r->xprt = b;
	return b->mem;
}

static void buf_put(void *ctx, struct sess *s, struct sreq *r)
{
	struct rdma_conn *c = ctx;

	struct rdma_rbuf *b = r->xprt;

	(void)s;
	/* A READ's data may still be on its way: on_sent frees it then. */
	if (b && !b->in_tx)
		put_buf(c, b);
	if (!c->dead)
		rdma_conn_mark_dirty(c);	/* parked capsules may go on */
}

static const struct sess_buf_ops pool_ops = {
	.get = buf_get,
	.put = buf_put,
};

static uint8_t *rx_buf(struct rdma_conn *c, uint32_t idx)
{
	return c->rx_mem + (size_t)idx * c->sz.recv_size;
}

static int post_recv(struct rdma_conn *c, uint32_t idx)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)rx_buf(c, idx),
		.length = c->sz.recv_size,
		.lkey = c->rx_mr->lkey,
	};
	struct ibv_recv_wr wr = {
		.wr_id = WRID(WR_RECV, idx),
		.sg_list = &sge,
		.num_sge = 1,
	}, *bad;
	int rc = ibv_post_recv(c->id->qp, &wr, &bad);

	if (rc)
		rdma_conn_kill(c, false, "ibv_post_recv: %s", strerror(rc));
	return rc ? -1 : 0;
}

/* ---- set-up and tear-down ---- */

/* Page-aligned, zeroed, untouched until registration pins it. */
static void *alloc_mem(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void free_mem(void *p, size_t n)
{
	if (p)
		munmap(p, n);
}

static size_t rx_bytes(const struct rdma_conn *c)
{
	return (size_t)c->sz.recv * c->sz.recv_size;
}

static size_t data_bytes(const struct rdma_conn *c)
{
	return (size_t)c->sz.data_bufs * c->g.max_data;
}

static size_t rep_bytes(const struct rdma_conn *c)
{
	return (size_t)c->sz.send * SILK_RDMA_REP_MAX;
}

static struct ibv_mr *reg(struct rdma_conn *c, void *p, size_t n, int access,
			  const char *what, char *err, size_t errlen)
{
	struct ibv_mr *mr = ibv_reg_mr(c->dev->pd, p, n, access);

	if (!mr)
		snprintf(err, errlen, "cannot register %zu bytes of %s: %s%s", n,
			 what, strerror(errno),
			 errno == ENOMEM || errno == EPERM || errno == EAGAIN ?
			 " (locked memory limit? LimitMEMLOCK=infinity)" : "");
	return mr;
}

static int make_buffers(struct rdma_conn *c, char *err, size_t errlen)
{
	const struct rdma_sizes *sz = &c->sz;
	size_t rx = rx_bytes(c), data = data_bytes(c), rep = rep_bytes(c);

	c->rx_mem = alloc_mem(rx);
	c->data_mem = alloc_mem(data);
	c->rep_mem = alloc_mem(rep);
	c->bufs = calloc(sz->data_bufs, sizeof(*c->bufs));
	c->posted = calloc(sz->send, sizeof(*c->posted));
	c->park_idx = calloc(sz->recv, sizeof(*c->park_idx));
	c->park_len = calloc(sz->recv, sizeof(*c->park_len));
	if (!c->rx_mem || !c->data_mem || !c->rep_mem || !c->bufs ||
	    !c->posted || !c->park_idx || !c->park_len) {
		snprintf(err, errlen, "out of memory for %zu bytes of buffers",
			 rx + data + rep);
		return -1;
	}
	c->rx_mr = reg(c, c->rx_mem, rx, IBV_ACCESS_LOCAL_WRITE,
		       "receive buffers", err, errlen);
	if (!c->rx_mr)
		return -1;
	c->data_mr = reg(c, c->data_mem, data, IBV_ACCESS_LOCAL_WRITE,
			 "data buffers", err, errlen);
	if (!c->data_mr)
		return -1;
	c->rep_mr = reg(c, c->rep_mem, rep, IBV_ACCESS_LOCAL_WRITE,
			"reply buffers", err, errlen);
	if (!c->rep_mr)
		return -1;
	for (uint32_t i = sz->data_bufs; i-- > 0;) {
		c->bufs[i].mem = c->data_mem + (size_t)i * c->g.max_data;
		put_buf(c, &c->bufs[i]);
	}
	return 0;
}

static struct ibv_cq *make_cq(struct rdma_conn *c, uint32_t cqe,
			      const char *what, char *err, size_t errlen)
{
	struct ibv_cq *cq = ibv_create_cq(c->id->verbs, (int)cqe, c, c->ch, 0);

	if (!cq)
		snprintf(err, errlen, "ibv_create_cq(%u) for %s: %s", cqe, what,
			 strerror(errno));
	return cq;
}

static int make_queues(struct rdma_conn *c, char *err, size_t errlen)
{
	struct ibv_context *verbs = c->id->verbs;
	struct ibv_qp_init_attr qa;
	int flags;

	c->ch = ibv_create_comp_channel(verbs);
	if (!c->ch) {
		snprintf(err, errlen, "ibv_create_comp_channel: %s",
			 strerror(errno));
		return -1;
	}
	flags = fcntl(c->ch->fd, F_GETFL);
	if (flags < 0 || fcntl(c->ch->fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		snprintf(err, errlen, "completion channel: %s", strerror(errno));
		return -1;
	}
	c->rcq = make_cq(c, c->sz.recv_cqe, "receives", err, errlen);
	if (!c->rcq)
		return -1;
	c->scq = make_cq(c, c->sz.send_cqe, "sends", err, errlen);
	if (!c->scq)
		return -1;
	/* Nothing was posted yet: arming needs no poll after it.  The send
	 * CQ stays unarmed until the connection waits on it (settle_scq). */
	if (ibv_req_notify_cq(c->rcq, 0)) {
		snprintf(err, errlen, "ibv_req_notify_cq failed");
		return -1;
	}
	c->rcq_armed = true;
	memset(&qa, 0, sizeof(qa));
	qa.send_cq = c->scq;
	qa.recv_cq = c->rcq;
	qa.qp_type = IBV_QPT_RC;
	qa.cap.max_send_wr = c->sz.send;
	qa.cap.max_recv_wr = c->sz.recv;
	qa.cap.max_send_sge = 1;
	qa.cap.max_recv_sge = 1;
	if (rdma_create_qp(c->id, c->dev->pd, &qa)) {
		snprintf(err, errlen, "rdma_create_qp(send %u, recv %u): %s",
			 c->sz.send, c->sz.recv, strerror(errno));
		return -1;
	}
	return 0;
}

void rdma_conn_reject(struct rdma_conn *c, unsigned status)
{
	uint8_t rej[SILK_RDMA_CM_REJ_SIZE];

	rdma_cm_rej_encode(status, rej);
	rdma_reject(c->id, rej, sizeof(rej));
}

int rdma_conn_accept(struct rdma_conn *c, struct rdma_env *env, char *err,
		     size_t errlen)
{
	struct rdma_conn_param param;
	struct rdma_limits lim;
	uint8_t rep[SILK_RDMA_CM_REP_SIZE];
	struct sess_limits sl;
	struct epoll_event ev = { .events = EPOLLIN };

	c->env = env;
	if (c->doomed) {
		snprintf(err, errlen, c->removed ? "its RDMA device was removed" :
			 "the host gave up before the accept");
		return -1;
	}
	c->dev = rdma_dev_get(c->devs, c->id->verbs, err, errlen);
	if (!c->dev)
		goto fail;
	memset(&lim, 0, sizeof(lim));
	lim.depth_max = env->depth_max;
	lim.max_data = env->max_data;
	lim.dev_max_qp_wr = (uint32_t)c->dev->attr.max_qp_wr;
	lim.dev_max_cqe = (uint32_t)c->dev->attr.max_cqe;
	if (!rdma_grant_compute(&c->req.cm, &lim, &c->g, &c->sz)) {
		snprintf(err, errlen, "device queues too small");
		goto fail;
	}
	c->remote_inv = c->dev->attr.device_cap_flags &
			IBV_DEVICE_MEM_MGT_EXTENSIONS;
	if (make_queues(c, err, errlen) < 0 || make_buffers(c, err, errlen) < 0)
		goto fail;
	sl = env->limits;
	sl.max_inflight = c->sz.slots;
	sl.max_data = c->g.max_data;
	sl.features = 0;	/* no digests on RDMA */
	c->sess = sess_new(&sl, env->ops, c, env->stats);
	if (!c->sess) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	sess_set_buf_ops(c->sess, &pool_ops);
	for (uint32_t i = 0; i < c->sz.recv; i++) {
		struct ibv_sge sge = {
			.addr = (uintptr_t)rx_buf(c, i),
			.length = c->sz.recv_size,
			.lkey = c->rx_mr->lkey,
		};
		struct ibv_recv_wr wr = {
			.wr_id = WRID(WR_RECV, i), .sg_list = &sge, .num_sge = 1,
		}, *bad;
		int rc = ibv_post_recv(c->id->qp, &wr, &bad);

		if (rc) {
			snprintf(err, errlen, "ibv_post_recv: %s", strerror(rc));
			goto fail;
		}
	}
	ev.data.ptr = c;
	if (epoll_ctl(env->epfd, EPOLL_CTL_ADD, c->ch->fd, &ev) < 0) {
		snprintf(err, errlen, "epoll_ctl: %s", strerror(errno));
		goto fail;
	}
	c->ch_polled = true;

	rdma_cm_rep_encode(&c->g, rep);
	memset(&param, 0, sizeof(param));
	param.private_data = rep;
	param.private_data_len = sizeof(rep);
	param.responder_resources = 0;	/* the host never reads from us */
	param.initiator_depth = c->req.initiator_depth;
	if (param.initiator_depth > c->dev->attr.max_qp_init_rd_atom)
		param.initiator_depth = (uint8_t)c->dev->attr.max_qp_init_rd_atom;
	param.rnr_retry_count = 7;
	if (param.initiator_depth == 0)
		log_warn("RDMA host %s allows no RDMA READ: its large writes will fail",
			 c->req.peer);
	if (rdma_accept(c->id, &param)) {
		snprintf(err, errlen, "rdma_accept: %s", strerror(errno));
		return -1;	/* nothing to reject any more */
	}
	c->accepted = true;
	return 0;
fail:
	rdma_conn_reject(c, SILK_S_AGAIN);
	return -1;
}

bool rdma_conn_can_free(const struct rdma_conn *c)
{
	return !c->sess || sess_in_io(c->sess) == 0;
}

/*
 * Every verbs object, the PD reference and the cm_id, in that order (the
 * id keeps librdmacm's device context alive until the end); the memory
 * stays.  Idempotent.
 */
static void release_verbs(struct rdma_conn *c)
{
	struct ibv_mr **mrs[] = { &c->rx_mr, &c->data_mr, &c->rep_mr };

	if (c->ch_polled) {
		epoll_ctl(c->env->epfd, EPOLL_CTL_DEL, c->ch->fd, NULL);
		c->ch_polled = false;
	}
	if (c->id && c->id->qp)
		rdma_destroy_qp(c->id);
	/* Every CQ event read was acknowledged at once (rdma_conn_on_comp);
	 * events still unread in the channel go with their CQ. */
	if (c->rcq)
		ibv_destroy_cq(c->rcq);
	if (c->scq)
		ibv_destroy_cq(c->scq);
	c->rcq = c->scq = NULL;
	c->rcq_armed = c->scq_armed = false;
	if (c->ch)
		ibv_destroy_comp_channel(c->ch);
	c->ch = NULL;
	for (size_t i = 0; i < sizeof(mrs) / sizeof(mrs[0]); i++) {
		if (*mrs[i])
			ibv_dereg_mr(*mrs[i]);
		*mrs[i] = NULL;
	}
	if (c->dev)
		rdma_dev_put(c->devs, c->dev);
	c->dev = NULL;
	if (c->id) {
		c->id->context = NULL;
		rdma_devs_destroy_id(c->devs, c->id);
	}
	c->id = NULL;
}

void rdma_conn_free(struct rdma_conn *c)
{
	if (!c)
		return;
	release_verbs(c);
	/* The session returns its buffers to the pool: free it first. */
	c->prefill = NULL;
	sess_free(c->sess);
	free_mem(c->rx_mem, rx_bytes(c));
	free_mem(c->data_mem, data_bytes(c));
	free_mem(c->rep_mem, rep_bytes(c));
	free(c->bufs);
	free(c->posted);
	free(c->park_idx);
	free(c->park_len);
	free(c);
}

/* ---- CM events ---- */

void rdma_conn_on_cm(struct rdma_conn *c, enum rdma_cm_event_type ev,
		     int status)
{
	switch (ev) {
	case RDMA_CM_EVENT_ESTABLISHED:
		c->established = true;
		log_info("RDMA connection from %s: queue %u, depth %u, inline %u, max_data %u",
			 c->req.peer, c->req.cm.qid, c->g.queue_depth,
			 c->g.inline_max, c->g.max_data);
		break;
	case RDMA_CM_EVENT_DISCONNECTED:
		rdma_conn_kill(c, false, "host disconnected");
		break;
	case RDMA_CM_EVENT_DEVICE_REMOVAL:
		/*
		 * The device waits for its verbs objects and the cm_id (which
		 * must go after the event was acknowledged: it was): all go
		 * now.  Storage I/O may still use the buffers, so the memory
		 * and the session stay until it is done.
		 */
		log_warn("RDMA connection from %s: device removed", c->req.peer);
		c->removed = true;
		rdma_conn_kill(c, false, "device removed");
		release_verbs(c);
		break;
	case RDMA_CM_EVENT_TIMEWAIT_EXIT:
		break;
	default:
		rdma_conn_kill(c, false, "%s (status %d)", rdma_event_str(ev),
			       status);
		break;
	}
}

/* ---- the data path ---- */

/* Feed one command to the session: header, then its inline payload. */
static int feed(struct rdma_conn *c, const struct rdma_cmd_h *cmd,
		const uint8_t *hdr, const uint8_t *payload)
{
	ssize_t n, want = SILK_HDR_SIZE;

	c->feeding = cmd;
	n = sess_feed(c->sess, hdr, SILK_HDR_SIZE);
	if (n == SILK_HDR_SIZE && cmd->hdr.data_len) {
		want = cmd->hdr.data_len;
		n = sess_feed(c->sess, payload, cmd->hdr.data_len);
	}
	c->feeding = NULL;
	if (n < 0) {
		kill_sess(c);
		return -1;
	}
	if (n != want && sess_state(c->sess) != SESS_CLOSING &&
	    !c->rx_stopped) {
		rdma_conn_kill(c, false, "session refused input (internal error)");
		return -1;
	}
	return 0;
}

static int start_fetch(struct rdma_conn *c, const struct rdma_cmd_h *cmd)
{
	struct rdma_rbuf *b = take_buf(c);
	struct ibv_sge sge;
	struct ibv_send_wr wr, *bad;
	int rc;

	b->cmd = *cmd;
	sge.addr = (uintptr_t)b->mem;
	sge.length = cmd->sgl_len;
	sge.lkey = c->data_mr->lkey;
	memset(&wr, 0, sizeof(wr));
	wr.wr_id = WRID(WR_READ, b - c->bufs);
	wr.sg_list = &sge;
	wr.num_sge = 1;
	wr.opcode = IBV_WR_RDMA_READ;
	wr.send_flags = IBV_SEND_SIGNALED;
	wr.wr.rdma.remote_addr = cmd->addr;
	wr.wr.rdma.rkey = cmd->rkey;
	rc = ibv_post_send(c->id->qp, &wr, &bad);
	if (rc) {
		put_buf(c, b);
		rdma_conn_kill(c, false, "RDMA READ: ibv_post_send: %s",
			       strerror(rc));
		return -1;
	}
	c->reads++;
	c->sq_used++;
	return 0;
}

/* Act on the capsule in receive buffer idx, or say it has to wait. */
static int handle_capsule(struct rdma_conn *c, uint32_t idx, uint32_t len)
{
	const uint8_t *buf = rx_buf(c, idx);
	struct rdma_cmd_h cmd;
	int v = rdma_capsule_check(buf, len, &c->g, &cmd);

	if (v) {
		kill_proto(c, "%s (opcode 0x%02x tag %u, %u bytes)",
			   rdma_cerr_str(v), cmd.hdr.opcode, cmd.hdr.tag, len);
		return H_DEAD;
	}
	if (sess_inflight(c->sess) + c->reads >= c->sz.slots)
		return H_PARK;
	if (rdma_cmd_needs_buf(&cmd) && !c->free_bufs)
		return H_PARK;
	if (cmd.kind == RDMA_K_FETCH && sess_state(c->sess) == SESS_READY) {
		if (c->sq_used + 1 > c->sz.send)
			return H_PARK;
		if (start_fetch(c, &cmd) < 0)
			return H_DEAD;
	} else if (feed(c, &cmd, buf, buf + SILK_RDMA_CMD_SIZE) < 0) {
		return H_DEAD;
	}
	return post_recv(c, idx) < 0 ? H_DEAD : H_DONE;
}

static void park(struct rdma_conn *c, uint32_t idx, uint32_t len)
{
	uint32_t at = (c->park_tail + c->nparked) % c->sz.recv;

	c->park_idx[at] = idx;
	c->park_len[at] = len;
	c->nparked++;
}

static bool rx_open(const struct rdma_conn *c)
{
	int st = sess_state(c->sess);

	return !c->dead && !c->rx_stopped &&
	       (st == SESS_HELLO || st == SESS_READY);
}

static void on_recv(struct rdma_conn *c, uint32_t idx, uint32_t len)
{
	if (idx >= c->sz.recv) {
		rdma_conn_kill(c, false, "bad receive completion");
		return;
	}
	if (!rx_open(c))
		return;		/* closing: the host gets no more replies */
	if (++c->cmds > (uint32_t)c->g.queue_depth + 1) {
		kill_proto(c, "more than the granted %u commands in flight",
			   c->g.queue_depth);
		return;
	}
	if (c->nparked || handle_capsule(c, idx, len) == H_PARK)
		park(c, idx, len);
}

static void run_parked(struct rdma_conn *c)
{
	while (c->nparked && rx_open(c)) {
		uint32_t at = c->park_tail;

		if (handle_capsule(c, c->park_idx[at], c->park_len[at]) == H_PARK)
			return;
		if (c->dead)
			return;
		c->park_tail = (at + 1) % c->sz.recv;
		c->nparked--;
	}
}

/* A large WRITE's data is here: the session gets header and data. */
static void on_fetched(struct rdma_conn *c, uint32_t idx)
{
	struct rdma_rbuf *b;
	uint8_t hdr[SILK_HDR_SIZE];
	bool internal = false;
	ssize_t n;
	void *win;
	size_t wl;

	if (idx >= c->sz.data_bufs || !c->reads) {
		rdma_conn_kill(c, false, "bad RDMA READ completion");
		return;
	}
	b = &c->bufs[idx];
	c->reads--;
	c->sq_used--;
	if (!rx_open(c)) {
		put_buf(c, b);
		return;
	}
	rdma_fetch_hdr(&b->cmd, hdr);
	c->prefill = b;
	c->feeding = &b->cmd;
	n = sess_feed(c->sess, hdr, SILK_HDR_SIZE);
	if (n == SILK_HDR_SIZE) {
		/* The payload buffer the session took is b, already full. */
		if (sess_rx_window(c->sess, &win, &wl) && win == b->mem &&
		    wl == b->cmd.sgl_len)
			n = sess_rx_commit(c->sess, wl);
		else
			internal = true;
	} else if (n >= 0 && rx_open(c)) {
		internal = true;
	}
	c->feeding = NULL;
	if (c->prefill) {	/* refused before it took the buffer */
		put_buf(c, c->prefill);
		c->prefill = NULL;
	}
	if (n < 0)
		kill_sess(c);
	else if (internal)
		rdma_conn_kill(c, false, "session refused fetched data (internal error)");
}

/* The reply in ring slot idx is on the wire. */
static void on_sent(struct rdma_conn *c, uint32_t idx)
{
	struct rdma_posted *p;

	if (!c->nposted || idx != c->post_tail) {
		rdma_conn_kill(c, false, "unexpected send completion");
		return;
	}
	p = &c->posted[idx];
	c->sq_used -= p->nwr;
	c->post_tail = (c->post_tail + 1) % c->sz.send;
	c->nposted--;
	if (p->held) {
		p->held->in_tx = false;
		put_buf(c, p->held);
		p->held = NULL;
		c->nheld--;
	}
}

/* Failed work completions caused by what the host sent or registered. */
static bool host_fault(unsigned type, enum ibv_wc_status st)
{
	return type == WR_RECV ||		/* e.g. a SEND too large */
	       st == IBV_WC_REM_ACCESS_ERR ||	/* bad rkey, address, length */
	       st == IBV_WC_REM_INV_REQ_ERR;
}

static void on_wc(struct rdma_conn *c, const struct ibv_wc *wc)
{
	unsigned type = (unsigned)(wc->wr_id >> 32);
	uint32_t idx = (uint32_t)wc->wr_id;

	if (c->dead)
		return;
	if (wc->status != IBV_WC_SUCCESS) {
		if (wc->status != IBV_WC_WR_FLUSH_ERR &&
		    host_fault(type, wc->status))
			kill_proto(c, "%s failed: %s",
				   type == WR_RECV ? "receive" :
				   type == WR_READ ? "RDMA READ" : "send",
				   ibv_wc_status_str(wc->status));
		else
			rdma_conn_kill(c, wc->status != IBV_WC_WR_FLUSH_ERR,
				       "work completion error: %s (vendor error 0x%x)",
				       ibv_wc_status_str(wc->status),
				       wc->vendor_err);
		return;
	}
	switch (type) {
	case WR_RECV:
		if (wc->opcode != IBV_WC_RECV)
			kill_proto(c, "unexpected receive opcode %d", wc->opcode);
		else
			on_recv(c, idx, wc->byte_len);
		break;
	case WR_READ:
		on_fetched(c, idx);
		break;
	case WR_SEND:
		on_sent(c, idx);
		break;
	default:
		rdma_conn_kill(c, false, "unexpected completion %u", type);
		break;
	}
}

/* Replies chained into one ibv_post_send call (one doorbell). */
#define POST_BATCH 16

struct post_batch {
	struct ibv_send_wr wr[2 * POST_BATCH];
	struct ibv_sge sge[2 * POST_BATCH];
	unsigned nwr;
	unsigned nrep;
};

/* Hand the chained work requests to the QP.  On failure the connection
 * dies, which forgets every posted slot (rdma_conn_kill). */
static void post_batch_flush(struct rdma_conn *c, struct post_batch *pb)
{
	struct ibv_send_wr *bad;
	int rc;

	if (!pb->nwr)
		return;
	pb->wr[pb->nwr - 1].next = NULL;
	rc = ibv_post_send(c->id->qp, &pb->wr[0], &bad);
	pb->nwr = 0;
	pb->nrep = 0;
	if (rc)
		rdma_conn_kill(c, false, "reply: ibv_post_send: %s",
			       strerror(rc));
}

static struct ibv_send_wr *post_batch_add(struct post_batch *pb)
{
	struct ibv_send_wr *wr = &pb->wr[pb->nwr];

	memset(wr, 0, sizeof(*wr));
	wr->sg_list = &pb->sge[pb->nwr];
	wr->num_sge = 1;
	if (pb->nwr)
		pb->wr[pb->nwr - 1].next = wr;
	pb->nwr++;
	return wr;
}

/*
 * Post what the session has to send, in its order, up to POST_BATCH
 * replies per ibv_post_send (with soft-RoCE every post is a system call
 * and a run of the requester).  Once built, a reply leaves the session
 * (its slot and tag are free again: the host may reuse the tag as soon as
 * the reply arrives, before the send completes); only a READ's data
 * buffer stays ours until the completion.
 */
static void post_replies(struct rdma_conn *c)
{
	struct post_batch pb;
	struct sreq *r;

	pb.nwr = 0;
	pb.nrep = 0;
	while (!c->dead && (r = sess_tx_head(c->sess)) != NULL &&
	       c->nposted < c->sz.send) {
		uint32_t slot = (c->post_tail + c->nposted) % c->sz.send;
		uint8_t *out = c->rep_mem + (size_t)slot * SILK_RDMA_REP_MAX;
		struct rdma_rbuf *b = r->xprt;
		struct ibv_send_wr *wr;
		struct rdma_reply rep;
		uint32_t nwr;

		if (rdma_reply_build(r->rep_hdr, r->data, r->rep_len, out,
				     &rep) < 0) {
			rdma_conn_kill(c, false, "reply with %u payload bytes (internal error)",
				       r->rep_len);
			return;
		}
		nwr = rep.write_len ? 2 : 1;
		if (c->sq_used + nwr > c->sz.send)
			break;		/* again on the next send completion,
					 * which settle_scq() waits for */
		if (rep.write_len && (!b || b->cmd.sgl_len != rep.write_len)) {
			rdma_conn_kill(c, false, "READ reply without its SGL (internal error)");
			return;
		}
		if (pb.nrep == POST_BATCH) {
			post_batch_flush(c, &pb);
			if (c->dead)
				return;
		}
		if (rep.write_len) {
			wr = post_batch_add(&pb);
			wr->sg_list->addr = (uintptr_t)r->data;
			wr->sg_list->length = rep.write_len;
			wr->sg_list->lkey = c->data_mr->lkey;
			wr->wr_id = WRID(WR_WRITE, slot);
			wr->opcode = IBV_WR_RDMA_WRITE;
			wr->wr.rdma.remote_addr = b->cmd.addr;
			wr->wr.rdma.rkey = b->cmd.rkey;
		}
		wr = post_batch_add(&pb);
		wr->sg_list->addr = (uintptr_t)out;
		wr->sg_list->length = rep.send_len;
		wr->sg_list->lkey = c->rep_mr->lkey;
		wr->wr_id = WRID(WR_SEND, slot);
		wr->send_flags = IBV_SEND_SIGNALED;
		if (b && b->cmd.sgl_len && c->remote_inv) {
			wr->opcode = IBV_WR_SEND_WITH_INV;
			wr->invalidate_rkey = b->cmd.rkey;
		} else {
			wr->opcode = IBV_WR_SEND;
		}
		pb.nrep++;
		c->posted[slot].nwr = nwr;
		c->posted[slot].held = rep.write_len ? b : NULL;
		if (rep.write_len) {
			b->in_tx = true;
			c->nheld++;
		}
		c->nposted++;
		c->sq_used += nwr;
		if (c->cmds)
			c->cmds--;
		sess_tx_advance(c->sess, SILK_HDR_SIZE + r->rep_len);
	}
	post_batch_flush(c, &pb);
}

/* Post replies and resume parked capsules: what completions and storage
 * I/O made possible. */
static void flush_work(struct rdma_conn *c)
{
	for (int round = 0; round < 4 && !c->dead; round++) {
		uint32_t parked = c->nparked;

		post_replies(c);
		run_parked(c);
		if (c->nparked == parked)
			break;
	}
	post_replies(c);
	/* A refused HELLO's reply must reach the host before we go. */
	if (!c->dead && sess_state(c->sess) == SESS_CLOSING &&
	    !sess_tx_pending(c->sess) && !c->nposted)
		rdma_conn_kill(c, false, "HELLO refused");
}

/* Handle up to budget batches of cq's completions. */
static unsigned poll_cq(struct rdma_conn *c, struct ibv_cq *cq,
			unsigned budget, bool *more)
{
	struct ibv_wc wc[POLL_BATCH];
	unsigned done = 0;

	for (unsigned i = 0; i < budget && !c->dead; i++) {
		int n = ibv_poll_cq(cq, POLL_BATCH, wc);

		if (n < 0) {
			rdma_conn_kill(c, false, "ibv_poll_cq failed");
			break;
		}
		for (int k = 0; k < n; k++)
			on_wc(c, &wc[k]);
		done += (unsigned)n;
		if (n < POLL_BATCH)
			break;
		if (i + 1 == budget)
			*more = true;
	}
	return done;
}

/*
 * Is a send completion something the connection waits for, rather than
 * bookkeeping that can wait for the next poll?  Only if one can come
 * (sq_used) and it would let something go on: a READ's data carries a
 * large WRITE forward; send queue room lets waiting replies and parked
 * capsules go; a READ reply's data buffer refills an empty pool (so that
 * buffers never stay held while a capsule needs one, even if the host
 * goes quiet); a draining or closing connection needs nposted == 0.
 */
static bool waits_on_send(const struct rdma_conn *c)
{
	if (c->dead || !c->sq_used)
		return false;
	return c->reads || c->nparked || sess_tx_head(c->sess) ||
	       (!c->free_bufs && c->nheld) || !rx_open(c);
}

/*
 * Arm the send CQ if the connection waits on it, then poll it: a
 * completion that arrived before the arm raises no event, so without
 * the poll it could wait forever.  An armed CQ stays armed until its
 * event is read, even if the wait ends first (at most one spare event).
 */
static void settle_scq(struct rdma_conn *c)
{
	bool more = false;

	if (c->scq_armed || !waits_on_send(c))
		return;
	if (ibv_req_notify_cq(c->scq, 0)) {
		rdma_conn_kill(c, false, "ibv_req_notify_cq failed");
		return;
	}
	c->scq_armed = true;
	/* The whole queue: no completion may be left behind unpolled. */
	if (poll_cq(c, c->scq, c->sz.send / POLL_BATCH + 1, &more) && !c->dead)
		flush_work(c);
}

void rdma_conn_flush(struct rdma_conn *c)
{
	flush_work(c);
	settle_scq(c);
}

unsigned rdma_conn_poll(struct rdma_conn *c, unsigned budget, bool *more)
{
	unsigned done;

	*more = false;
	done = poll_cq(c, c->scq, budget, more);
	done += poll_cq(c, c->rcq, budget, more);
	if (done && !c->dead)
		flush_work(c);
	if (!c->dead)
		settle_scq(c);
	return done;
}

/* One event of the channel, if there is one; acknowledged at once (so
 * that release_verbs can destroy the CQs whenever it has to). */
static bool take_cq_event(struct rdma_conn *c)
{
	struct ibv_cq *cq;
	void *ctx;

	if (ibv_get_cq_event(c->ch, &cq, &ctx))
		return false;	/* EAGAIN: the other armed CQ did not fire */
	ibv_ack_cq_events(cq, 1);
	if (cq == c->rcq)
		c->rcq_armed = false;
	else if (cq == c->scq)
		c->scq_armed = false;
	return true;
}

bool rdma_conn_on_comp(struct rdma_conn *c)
{
	/* Each armed CQ raises one event at most: no read ends in EAGAIN
	 * unless both were armed and only one fired. */
	unsigned can = (unsigned)c->rcq_armed + (unsigned)c->scq_armed;
	bool more;

	for (unsigned i = 0; i < can; i++)
		if (!take_cq_event(c))
			break;
	/* Arm first, then drain: nothing that arrives after is missed.
	 * Still armed (its event not come yet): no need, no system call. */
	if (!c->rcq_armed) {
		if (ibv_req_notify_cq(c->rcq, 0)) {
			rdma_conn_kill(c, false, "ibv_req_notify_cq failed");
			return false;
		}
		c->rcq_armed = true;
	}
	rdma_conn_poll(c, COMP_BUDGET, &more);
	return more;
}

void rdma_conn_stop_rx(struct rdma_conn *c)
{
	c->rx_stopped = true;
	c->nparked = 0;
	if (c->sess)
		sess_stop_rx(c->sess);
	/* The drain waits for the replies posted: their completions must
	 * wake the worker now. */
	if (!c->dead && c->scq)
		settle_scq(c);
}

bool rdma_conn_idle(const struct rdma_conn *c)
{
	return !c->sess || (sess_in_io(c->sess) == 0 &&
			    !sess_tx_pending(c->sess) && c->reads == 0 &&
			    c->nposted == 0);
}
