// SPDX-License-Identifier: GPL-2.0
#include "worker.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <liburing.h>

#include "clock.h"
#include "conn.h"
#include "log.h"
#include "pipes.h"
#include "rdma_worker.h"

#define EV_INBOX ((uint64_t)2)
#define EV_RDMA ((uint64_t)3)
#define MAX_EVENTS 64
/* rdma_busy_poll: how long a worker polls its completion queues before
 * it sleeps in epoll_wait. */
#define BUSY_POLL_US 50
/* Spliced READs one worker has in flight at most (two fds each). */
#define SPLICE_PIPES 64

/*
 * A worker sleeps in one place, its io_uring: storage completions land
 * there, and so does a poll of its epoll set (sockets, the inbox, RDMA
 * channels), re-armed after each wake-up.  One io_uring_enter() submits
 * the storage I/O, re-arms the poll and waits.
 */
struct worker {
	struct worker_params p;
	pthread_t thread;
	int epfd;
	int inbox_efd;
	struct io_uring ring;
	bool ring_ok;
	bool ep_armed;			/* poll of epfd in the ring */
	bool ep_ready;			/* ... reported readiness: epoll_wait */

	pthread_mutex_t inbox_lock;
	int *inbox;
	size_t ninbox, capinbox;
	_Atomic bool stop;
	_Atomic int drain_ms;

	struct conn *conns;
	_Atomic unsigned nconns;
	struct conn *dirty;

	unsigned io_inflight;		/* storage SQEs handed to the ring */
	struct sreq *pend_h, *pend_t;	/* waiting for ring space */

	struct pipe_pool *pipes;	/* spliced READs; NULL: splice_min 0 */
	struct sess_ops ops;		/* TCP sessions: ctx = struct conn */
	struct sess_ops rops;		/* RDMA sessions: ctx = struct rdma_conn */
	struct rdma_worker *rdma;	/* NULL without rdma_listen */
	struct silk_stats stats;
	uint64_t poll_until;		/* busy_poll: look without sleeping
					 * until then (mono_us() clock) */
};

/* ---- session callbacks ---- */

static int attach_vol(struct worker *w, const char *peer, const char *name,
		      struct vol **out)
{
	int st = volreg_attach(w->p.reg, name, out);

	if (st == SILK_S_OK)
		log_info("%s attached to volume %s", peer, name);
	else
		log_warn("%s: HELLO for volume '%s' refused: %s", peer, name,
			 silk_status_str((unsigned)st));
	return st;
}

static int cb_vol_get(void *ctx, const char *name, struct vol **out)
{
	struct conn *c = ctx;

	return attach_vol(c->owner, c->peer, name, out);
}

static void cb_vol_put(void *ctx, struct vol *v)
{
	struct conn *c = ctx;
	struct worker *w = c->owner;

	volreg_detach(w->p.reg, v);
}

static int cb_rdma_vol_get(void *ctx, const char *name, struct vol **out)
{
	struct rdma_conn *c = ctx;
	char peer[NETADDR_STRLEN + 8];

	snprintf(peer, sizeof(peer), "rdma %s", c->req.peer);
	return attach_vol(c->env->owner, peer, name, out);
}

static void cb_rdma_vol_put(void *ctx, struct vol *v)
{
	struct rdma_conn *c = ctx;
	struct worker *w = c->env->owner;

	volreg_detach(w->p.reg, v);
}

static void queue_io(struct worker *w, struct sreq *r)
{
	struct io_uring_sqe *sqe = NULL;

	if (!w->pend_h && w->io_inflight < w->p.ring_entries)
		sqe = io_uring_get_sqe(&w->ring);
	if (!sqe) {
		r->next = NULL;
		if (w->pend_t)
			w->pend_t->next = r;
		else
			w->pend_h = r;
		w->pend_t = r;
		return;
	}
	store_prep(sqe, &r->io);
	io_uring_sqe_set_data(sqe, r);
	w->io_inflight++;
}

static void flush_pending(struct worker *w)
{
	while (w->pend_h && w->io_inflight < w->p.ring_entries) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&w->ring);
		struct sreq *r = w->pend_h;

		if (!sqe)
			break;
		w->pend_h = r->next;
		if (!w->pend_h)
			w->pend_t = NULL;
		store_prep(sqe, &r->io);
		io_uring_sqe_set_data(sqe, r);
		w->io_inflight++;
	}
}

/*
 * A large READ over TCP from an O_DIRECT backing goes by splice(): the
 * storage read fills a pipe with pages of its own, the reply hands those
 * pages to the socket, and the payload is never copied by silkd.  Not for
 * buffered backings (the socket would hold page-cache pages that a later
 * WRITE can change before a retransmission) nor with data digests (the
 * CRC needs the bytes).  No free pipe: the READ is copied as before.
 */
static void try_splice(struct worker *w, struct sess *s, struct vol *v,
		       struct sreq *r)
{
	int rfd, wfd, id;

	if (!w->pipes || r->req.length < w->p.splice_min || !v->direct ||
	    atomic_load_explicit(&v->no_splice, memory_order_relaxed) ||
	    sess_get_ops(s) != &w->ops ||
	    (sess_features(s) & SILK_FEAT_DDGST))
		return;
	id = pipe_pool_get(w->pipes, r->req.length, &rfd, &wfd);
	if (id < 0)
		return;
	r->pipe_id = id;
	r->data_fd = rfd;
	store_io_set_pipe(&r->io, wfd);
}

static void cb_pipe_put(void *ctx, struct sess *s, struct sreq *r, bool sent)
{
	struct conn *c = ctx;
	struct worker *w = c->owner;

	(void)s;
	pipe_pool_put(w->pipes, r->pipe_id, sent);
	r->pipe_id = -1;
}

static int start_io(struct worker *w, struct sess *s, struct sreq *r)
{
	struct vol *v = sess_vol(s);
	const struct silk_msg *m = &r->req;
	bool fua = m->flags & SILK_F_FUA;
	int op;

	if (v->fd < 0)
		return SILK_S_IO;
	switch (m->opcode) {
	case SILK_OP_READ: op = STORE_READ; break;
	case SILK_OP_WRITE: op = STORE_WRITE; break;
	case SILK_OP_FLUSH: op = STORE_FLUSH; break;
	case SILK_OP_DISCARD: op = STORE_DISCARD; break;
	case SILK_OP_WRITE_ZEROES: op = STORE_WRITE_ZEROES; break;
	default: return SILK_S_NOTSUPP;
	}
	store_io_init(&r->io, op, v->fd, r->data, m->offset, m->length, fua);
	if (op == STORE_READ)
		try_splice(w, s, v, r);
	queue_io(w, r);
	return 0;
}

static int cb_submit(void *ctx, struct sess *s, struct sreq *r)
{
	struct conn *c = ctx;

	return start_io(c->owner, s, r);
}

static int cb_rdma_submit(void *ctx, struct sess *s, struct sreq *r)
{
	struct rdma_conn *c = ctx;

	return start_io(c->env->owner, s, r);
}

/* ---- connections ---- */

static void mark_dirty(struct worker *w, struct conn *c)
{
	if (c->dirty || c->dead)
		return;
	c->dirty = true;
	c->next_dirty = w->dirty;
	w->dirty = c;
}

static void conn_maybe_free(struct worker *w, struct conn *c)
{
	if (!c->dead || c->dirty || sess_in_io(c->sess) > 0)
		return;
	if (c->prev)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	sess_free(c->sess);
	free(c->rx);
	free(c);
	atomic_fetch_sub(&w->nconns, 1);
}

static void add_conn(struct worker *w, int fd)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c) {
		close(fd);
		return;
	}
	c->owner = w;
	c->sess = sess_new(&w->p.limits, &w->ops, c, &w->stats);
	if (!c->sess || conn_init(c, w->epfd, fd, c->sess) < 0) {
		log_err("worker %d: cannot set up a connection: out of memory",
			w->p.id);
		sess_free(c->sess);
		free(c);
		close(fd);
		return;
	}
	c->next = w->conns;
	if (w->conns)
		w->conns->prev = c;
	w->conns = c;
	atomic_fetch_add(&w->nconns, 1);
	log_debug("worker %d: connection from %s", w->p.id, c->peer);
}

static void take_inbox(struct worker *w)
{
	uint64_t v;
	int *fds;
	size_t n;

	(void)!read(w->inbox_efd, &v, sizeof(v));
	pthread_mutex_lock(&w->inbox_lock);
	fds = w->inbox;
	n = w->ninbox;
	w->inbox = NULL;
	w->ninbox = w->capinbox = 0;
	pthread_mutex_unlock(&w->inbox_lock);
	for (size_t i = 0; i < n; i++) {
		if (atomic_load(&w->stop))
			close(fds[i]);
		else
			add_conn(w, fds[i]);
	}
	free(fds);
}

/* ---- io_uring completions ---- */

static void on_cqe(struct worker *w, struct sreq *r, int res)
{
	struct sess *s = r->sess;
	struct conn *c;
	unsigned status = SILK_S_OK;
	int rc;

	w->io_inflight--;
	rc = store_cqe(&r->io, res);
	if (r->io.fell_back && r->data_fd >= 0) {
		struct vol *v = sess_vol(s);

		/* Nothing reached the pipe: give it back, copy from now on. */
		pipe_pool_put(w->pipes, r->pipe_id, true);
		r->data_fd = r->pipe_id = -1;
		if (v && !atomic_exchange(&v->no_splice, true))
			log_info("volume %s: reads are copied: cannot splice from %s (%s)",
				 v->name, v->path,
				 res < 0 ? strerror(-res) : "no data");
	}
	if (rc == STORE_AGAIN) {
		queue_io(w, r);
		return;
	}
	if (rc == STORE_DONE && r->data_fd >= 0)
		stat_add(&w->stats.reads_spliced, 1);
	if (rc < 0) {
		struct vol *v = sess_vol(s);

		status = silk_errno_to_status(rc);
		log_warn("volume %s: %s offset %llu length %u failed: %s",
			 v ? v->name : "?", silk_op_str(r->req.opcode),
			 (unsigned long long)r->req.offset, r->req.length,
			 strerror(-rc));
	}
	sess_complete(s, r, status);
	if (sess_get_ops(s) == &w->rops) {
		rdma_worker_io_done(sess_ctx(s));
		return;
	}
	c = sess_ctx(s);
	if (c->dead)
		conn_maybe_free(w, c);
	else
		mark_dirty(w, c);
}

/* Handle the ring's completions; returns how many there were. */
static unsigned reap(struct worker *w)
{
	struct io_uring_cqe *cqe;
	unsigned head, n = 0;

	io_uring_for_each_cqe(&w->ring, head, cqe) {
		void *data = io_uring_cqe_get_data(cqe);

		n++;
		if (data == &w->epfd) {
			/* The epoll set has events (or the poll failed). */
			w->ep_armed = false;
			w->ep_ready = true;
			continue;
		}
		on_cqe(w, data, cqe->res);
	}
	if (n)
		io_uring_cq_advance(&w->ring, n);
	return n;
}

/*
 * Poll the epoll set through the ring, one shot: arming it checks the
 * set's ready list at once, so events still pending from the last round
 * (level-triggered) complete it immediately.
 */
static void arm_epoll(struct worker *w)
{
	struct io_uring_sqe *sqe;

	if (w->ep_armed)
		return;
	sqe = io_uring_get_sqe(&w->ring);
	if (!sqe) {
		/* The SQ is full of storage I/O: hand that over first. */
		io_uring_submit(&w->ring);
		sqe = io_uring_get_sqe(&w->ring);
		if (!sqe) {
			w->ep_ready = true;	/* look without sleeping */
			return;
		}
	}
	io_uring_prep_poll_add(sqe, w->epfd, POLLIN);
	io_uring_sqe_set_data(sqe, &w->epfd);
	w->ep_armed = true;
}

/*
 * Submit what is queued and, unless @timeout_ms is 0, wait for the first
 * completion (storage or the epoll poll) or the timeout.  @arm: poll the
 * epoll set through the ring (not needed when the caller looks at it
 * itself right after, as busy_poll does).
 */
static void ring_wait(struct worker *w, int timeout_ms, bool arm)
{
	struct io_uring_cqe *cqe;
	int rc;

	flush_pending(w);
	if (arm)
		arm_epoll(w);
	if (timeout_ms == 0 || w->ep_ready) {
		rc = io_uring_submit(&w->ring);
	} else {
		struct __kernel_timespec ts = {
			.tv_sec = timeout_ms / 1000,
			.tv_nsec = (long long)(timeout_ms % 1000) * 1000000,
		};

		rc = io_uring_submit_and_wait_timeout(&w->ring, &cqe, 1, &ts,
						      NULL);
	}
	if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EAGAIN &&
	    rc != -EBUSY)
		log_err("worker %d: io_uring_enter: %s", w->p.id,
			strerror(-rc));
}

static void flush_dirty(struct worker *w)
{
	while (w->dirty) {
		struct conn *c = w->dirty;

		w->dirty = c->next_dirty;
		c->dirty = false;
		if (!c->dead)
			conn_flush(c);
		conn_maybe_free(w, c);
	}
}

static void on_conn_event(struct worker *w, struct conn *c, uint32_t ev)
{
	if (c->dead)
		return;
	if ((ev & (EPOLLERR | EPOLLHUP)) && !(ev & EPOLLIN)) {
		conn_close(c, "socket error or hangup");
	} else {
		if (ev & EPOLLIN)
			conn_on_readable(c);
		if (!c->dead && (ev & EPOLLOUT))
			conn_flush(c);
	}
	if (c->dead)
		conn_maybe_free(w, c);
}

static void drain_step(struct worker *w, uint64_t deadline)
{
	bool late = mono_ms() >= deadline;
	struct conn *c = w->conns;

	while (c) {
		struct conn *next = c->next;

		if (!c->dead && (late || conn_idle(c)))
			conn_close(c, late ? "shutdown: drain timed out" :
				   "shutdown");
		if (c->dead)
			conn_maybe_free(w, c);
		c = next;
	}
}

/*
 * Storage completions and replies after any event.  New storage I/O is
 * submitted by the next ring_wait(); what completes inside that submit
 * (page-cache hits, RAM disks with O_DIRECT) ends its wait at once and is
 * answered in the same round.
 */
static void after_events(struct worker *w)
{
	reap(w);
	flush_dirty(w);
	if (w->rdma)
		rdma_worker_flush(w->rdma);
}

/*
 * Completions in the ring, or task work the kernel holds for the next
 * io_uring_enter (IORING_SQ_TASKRUN: a poll or I/O completed while the
 * worker ran; ring_wait's submit collects it).
 */
static bool ring_has_work(struct worker *w)
{
	return io_uring_cq_ready(&w->ring) ||
	       (IO_URING_READ_ONCE(*w->ring.sq.kflags) & IORING_SQ_TASKRUN);
}

/*
 * rdma_busy_poll: poll the RDMA completion queues (and the ring) for up to
 * BUSY_POLL_US before sleeping.  Returns true when work turned up, so the
 * caller looks at its other events without sleeping and spins again.
 * busy_poll, when set, supersedes it: its rounds poll the queues too.
 */
static bool busy_poll(struct worker *w)
{
	uint64_t end;

	if (!w->rdma || !w->p.rdma_busy_poll || w->p.busy_poll_us ||
	    !rdma_worker_nconns(w->rdma))
		return false;
	end = mono_us() + BUSY_POLL_US;
	do {
		if (rdma_worker_poll_all(w->rdma) || ring_has_work(w)) {
			after_events(w);
			return true;
		}
	} while (mono_us() < end);
	return false;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct epoll_event evs[MAX_EVENTS];
	bool draining = false, busy = false;
	uint64_t deadline = 0;
	char name[16];

	snprintf(name, sizeof(name), "silkd-w%d", w->p.id);
	pthread_setname_np(pthread_self(), name);
	for (;;) {
		int timeout = draining ? 50 : 1000;
		bool rdma_ran = false;
		unsigned found;
		/*
		 * busy_poll: a round that found work opens a window in which
		 * the worker looks at its sockets, ring and RDMA queues
		 * without sleeping, so that the next request needs no
		 * wake-up.  Work found in the window extends it.
		 */
		bool polled = !draining && w->poll_until &&
			      mono_us() < w->poll_until;
		int n = 0;

		if (busy || polled || (w->rdma && rdma_worker_pending(w->rdma)))
			timeout = 0;
		if (polled)
			w->ep_ready = true;
		ring_wait(w, timeout, !polled);
		found = reap(w);
		if (polled && w->rdma)
			found += rdma_worker_poll_all(w->rdma);
		if (w->ep_ready) {
			w->ep_ready = false;
			n = epoll_wait(w->epfd, evs, MAX_EVENTS, 0);
			if (n < 0 && errno != EINTR) {
				log_err("worker %d: epoll_wait: %s", w->p.id,
					strerror(errno));
				break;
			}
		}
		if (n > 0)
			found += (unsigned)n;
		for (int i = 0; i < n; i++) {
			uint64_t d = evs[i].data.u64;

			if (d == EV_INBOX) {
				take_inbox(w);
			} else if (d == EV_RDMA) {
				rdma_worker_run(w->rdma);
				rdma_ran = true;
			} else {
				on_conn_event(w, evs[i].data.ptr, evs[i].events);
			}
		}
		if (w->rdma && !rdma_ran && rdma_worker_pending(w->rdma))
			rdma_worker_run(w->rdma);
		after_events(w);
		busy = busy_poll(w);
		if (w->p.busy_poll_us && found) {
			if (polled)
				stat_add(&w->stats.busy_poll_hits, 1);
			w->poll_until = mono_us() + w->p.busy_poll_us;
		} else if (polled) {
			/*
			 * Nothing yet: let whatever else is runnable on this
			 * CPU (the submitter of the next request, when it
			 * shares the CPU) run before looking again.
			 */
			sched_yield();
		}
		if (atomic_load(&w->stop) && !draining) {
			draining = true;
			deadline = mono_ms() + (uint64_t)atomic_load(&w->drain_ms);
			for (struct conn *c = w->conns; c; c = c->next)
				if (!c->dead)
					conn_stop_rx(c);
			if (w->rdma)
				rdma_worker_stop_rx(w->rdma);
		}
		if (draining) {
			drain_step(w, deadline);
			if (w->rdma)
				rdma_worker_drain(w->rdma, mono_ms() >= deadline);
			if (!w->conns && (!w->rdma || rdma_worker_empty(w->rdma)))
				break;
		}
	}
	return NULL;
}

static int start_rdma(struct worker *w, char *err, size_t errlen)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = EV_RDMA };
	struct rdma_worker_params rp = {
		.id = w->p.id,
		.ops = &w->rops,
		.limits = {
			/* the connection's pool bounds its memory */
			.max_bytes = UINT64_MAX / 2,
		},
		.stats = &w->stats,
		.devs = w->p.rdma_devs,
		.depth_max = w->p.rdma_depth_max,
		.max_data = w->p.rdma_max_data,
		.owner = w,
	};

	w->rdma = rdma_worker_new(&rp, err, errlen);
	if (!w->rdma)
		return -1;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, rdma_worker_fd(w->rdma), &ev) < 0) {
		snprintf(err, errlen, "worker %d: %s", w->p.id, strerror(errno));
		return -1;
	}
	return 0;
}

struct worker *worker_start(const struct worker_params *p, char *err,
			    size_t errlen)
{
	struct worker *w = calloc(1, sizeof(*w));
	struct epoll_event ev = { .events = EPOLLIN };
	int rc;

	if (!w) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->p = *p;
	if (!w->p.ring_entries)
		w->p.ring_entries = 256;
	w->ops.vol_get = cb_vol_get;
	w->ops.vol_put = cb_vol_put;
	w->ops.submit = cb_submit;
	w->ops.pipe_put = cb_pipe_put;
	w->rops.vol_get = cb_rdma_vol_get;
	w->rops.vol_put = cb_rdma_vol_put;
	w->rops.submit = cb_rdma_submit;
	pthread_mutex_init(&w->inbox_lock, NULL);
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->inbox_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->epfd < 0 || w->inbox_efd < 0) {
		snprintf(err, errlen, "worker %d: %s", p->id, strerror(errno));
		goto fail;
	}
	/*
	 * Cooperative task running (Linux 5.19): a completion that comes
	 * while the worker runs (its epoll poll when a socket or an RDMA
	 * completion channel wakes, storage I/O) waits for the worker's next
	 * system call instead of interrupting it with an IPI; TASKRUN_FLAG
	 * makes liburing enter the kernel to collect it (ring_has_work).
	 * Older kernels refuse the flags: plain ring there.
	 */
	rc = io_uring_queue_init(w->p.ring_entries, &w->ring,
				 IORING_SETUP_COOP_TASKRUN |
				 IORING_SETUP_TASKRUN_FLAG);
	if (rc == -EINVAL)
		rc = io_uring_queue_init(w->p.ring_entries, &w->ring, 0);
	if (rc < 0) {
		snprintf(err, errlen, "worker %d: io_uring setup failed: %s",
			 p->id, strerror(-rc));
		goto fail;
	}
	w->ring_ok = true;
	/*
	 * Waiting with a timeout takes IORING_ENTER_EXT_ARG (Linux 5.11);
	 * without it liburing would put timeout CQEs of its own in the ring.
	 */
	if (!(w->ring.features & IORING_FEAT_EXT_ARG)) {
		snprintf(err, errlen,
			 "worker %d: this kernel's io_uring cannot wait with a timeout (Linux 5.11 or later needed)",
			 p->id);
		goto fail;
	}
	if (w->p.splice_min) {
		w->pipes = pipe_pool_new(SPLICE_PIPES, w->p.limits.max_data ?
					 w->p.limits.max_data : SILK_MAX_DATA);
		if (!w->pipes) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	}
	ev.data.u64 = EV_INBOX;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->inbox_efd, &ev) < 0)
		goto fail_errno;
	if (p->rdma_devs && start_rdma(w, err, errlen) < 0)
		goto fail;
	if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
		snprintf(err, errlen, "worker %d: cannot create thread", p->id);
		goto fail;
	}
	return w;
fail_errno:
	snprintf(err, errlen, "worker %d: %s", p->id, strerror(errno));
fail:
	rdma_worker_free(w->rdma);
	pipe_pool_free(w->pipes);
	if (w->ring_ok)
		io_uring_queue_exit(&w->ring);
	if (w->epfd >= 0)
		close(w->epfd);
	if (w->inbox_efd >= 0)
		close(w->inbox_efd);
	pthread_mutex_destroy(&w->inbox_lock);
	free(w);
	return NULL;
}

int worker_add_conn(struct worker *w, int fd)
{
	uint64_t one = 1;

	pthread_mutex_lock(&w->inbox_lock);
	if (w->ninbox == w->capinbox) {
		size_t cap = w->capinbox ? w->capinbox * 2 : 16;
		int *p = realloc(w->inbox, cap * sizeof(*p));

		if (!p) {
			pthread_mutex_unlock(&w->inbox_lock);
			return -1;
		}
		w->inbox = p;
		w->capinbox = cap;
	}
	w->inbox[w->ninbox++] = fd;
	pthread_mutex_unlock(&w->inbox_lock);
	(void)!write(w->inbox_efd, &one, sizeof(one));
	return 0;
}

void worker_stop(struct worker *w, int drain_ms)
{
	uint64_t one = 1;

	if (!w)
		return;
	atomic_store(&w->drain_ms, drain_ms);
	atomic_store(&w->stop, true);
	(void)!write(w->inbox_efd, &one, sizeof(one));
	pthread_join(w->thread, NULL);
	for (size_t i = 0; i < w->ninbox; i++)
		close(w->inbox[i]);
	free(w->inbox);
	io_uring_queue_exit(&w->ring);
	rdma_worker_free(w->rdma);
	pipe_pool_free(w->pipes);
	close(w->epfd);
	close(w->inbox_efd);
	pthread_mutex_destroy(&w->inbox_lock);
	free(w);
}

int worker_add_rdma(struct worker *w, struct rdma_conn *c)
{
	return w->rdma ? rdma_worker_adopt(w->rdma, c) : -1;
}

unsigned worker_nconns(struct worker *w)
{
	return atomic_load(&w->nconns) + worker_rdma_nconns(w);
}

void worker_rdma_check_gone(struct worker *w)
{
	if (w->rdma)
		rdma_worker_check_gone(w->rdma);
}

unsigned worker_rdma_nconns(struct worker *w)
{
	return w->rdma ? rdma_worker_nconns(w->rdma) : 0;
}

struct silk_stats *worker_stats(struct worker *w)
{
	return &w->stats;
}
