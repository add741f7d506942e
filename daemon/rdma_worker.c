// SPDX-License-Identifier: GPL-2.0
/* The RDMA side of a worker: see rdma_worker.h. */
#include "rdma_worker.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "log.h"

#define EV_CM ((uint64_t)1)
#define EV_INBOX ((uint64_t)2)
#define MAX_EVENTS 64
#define CM_EVENTS_MAX 64	/* CM events taken per wakeup */
#define REPOLL_BUDGET 16

struct rdma_worker {
	struct rdma_worker_params p;
	struct rdma_env env;
	int epfd;
	int inbox_efd;
	struct rdma_event_channel *cm;

	pthread_mutex_t lock;		/* inbox and closed */
	struct rdma_conn **inbox;
	size_t ninbox, capinbox;
	bool closed;			/* no more hand-overs */
	_Atomic bool check_gone;	/* rdma_worker_check_gone was called */

	bool stopping;			/* worker thread only from here */
	struct rdma_conn *conns;
	_Atomic unsigned nconns;
	struct rdma_conn *repoll;
};

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

struct rdma_worker *rdma_worker_new(const struct rdma_worker_params *p,
				    char *err, size_t errlen)
{
	struct rdma_worker *rw = calloc(1, sizeof(*rw));
	struct epoll_event ev = { .events = EPOLLIN };

	if (!rw) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	rw->p = *p;
	rw->epfd = rw->inbox_efd = -1;
	pthread_mutex_init(&rw->lock, NULL);
	rw->epfd = epoll_create1(EPOLL_CLOEXEC);
	rw->inbox_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (rw->epfd < 0 || rw->inbox_efd < 0) {
		snprintf(err, errlen, "worker %d: %s", p->id, strerror(errno));
		goto fail;
	}
	rw->cm = rdma_create_event_channel();
	if (!rw->cm) {
		snprintf(err, errlen,
			 "worker %d: cannot open the RDMA connection manager: %s",
			 p->id, strerror(errno));
		goto fail;
	}
	if (set_nonblock(rw->cm->fd) < 0)
		goto fail_errno;
	ev.data.u64 = EV_CM;
	if (epoll_ctl(rw->epfd, EPOLL_CTL_ADD, rw->cm->fd, &ev) < 0)
		goto fail_errno;
	ev.data.u64 = EV_INBOX;
	if (epoll_ctl(rw->epfd, EPOLL_CTL_ADD, rw->inbox_efd, &ev) < 0)
		goto fail_errno;
	rw->env.ops = p->ops;
	rw->env.limits = p->limits;
	rw->env.stats = p->stats;
	rw->env.devs = p->devs;
	rw->env.depth_max = p->depth_max;
	rw->env.max_data = p->max_data;
	rw->env.owner = p->owner;
	rw->env.epfd = rw->epfd;
	return rw;
fail_errno:
	snprintf(err, errlen, "worker %d: %s", p->id, strerror(errno));
fail:
	if (rw->cm)
		rdma_destroy_event_channel(rw->cm);
	if (rw->epfd >= 0)
		close(rw->epfd);
	if (rw->inbox_efd >= 0)
		close(rw->inbox_efd);
	pthread_mutex_destroy(&rw->lock);
	free(rw);
	return NULL;
}

int rdma_worker_adopt(struct rdma_worker *rw, struct rdma_conn *c)
{
	uint64_t one = 1;

	pthread_mutex_lock(&rw->lock);
	if (rw->closed)
		goto fail;
	if (rw->ninbox == rw->capinbox) {
		size_t cap = rw->capinbox ? rw->capinbox * 2 : 16;
		struct rdma_conn **a = realloc(rw->inbox, cap * sizeof(*a));

		if (!a)
			goto fail;
		rw->inbox = a;
		rw->capinbox = cap;
	}
	/*
	 * From here on the connection's CM events (queued ones too) arrive
	 * on this worker's channel.  The lock makes a worker that sees such
	 * an event before the connection is in the inbox wait for it.
	 */
	if (rdma_migrate_id(c->id, rw->cm)) {
		log_warn("rdma_migrate_id: %s", strerror(errno));
		goto fail;
	}
	rw->inbox[rw->ninbox++] = c;
	pthread_mutex_unlock(&rw->lock);
	(void)!write(rw->inbox_efd, &one, sizeof(one));
	return 0;
fail:
	pthread_mutex_unlock(&rw->lock);
	return -1;
}

int rdma_worker_fd(const struct rdma_worker *rw)
{
	return rw->epfd;
}

static void link_conn(struct rdma_worker *rw, struct rdma_conn *c)
{
	c->prev = NULL;
	c->next = rw->conns;
	if (rw->conns)
		rw->conns->prev = c;
	rw->conns = c;
	atomic_fetch_add(&rw->nconns, 1);
}

static void adopt_one(struct rdma_worker *rw, struct rdma_conn *c)
{
	char err[256];

	if (rw->stopping) {
		c->env = &rw->env;
		if (!c->doomed)
			rdma_conn_reject(c, SILK_S_AGAIN);
		rdma_conn_free(c);
		return;
	}
	if (rdma_conn_accept(c, &rw->env, err, sizeof(err)) < 0) {
		log_warn("RDMA connection from %s refused: %s", c->req.peer, err);
		rdma_conn_free(c);
		return;
	}
	link_conn(rw, c);
	log_debug("worker %d: RDMA connection from %s accepted on %s (send %u, recv %u, %u MiB of buffers%s)",
		  rw->p.id, c->req.peer, ibv_get_device_name(c->id->verbs->device),
		  c->sz.send, c->sz.recv,
		  (unsigned)(((uint64_t)c->sz.data_bufs * c->g.max_data) >> 20),
		  c->remote_inv ? ", remote invalidation" : "");
}

static void take_inbox(struct rdma_worker *rw)
{
	struct rdma_conn **a;
	uint64_t v;
	size_t n;

	(void)!read(rw->inbox_efd, &v, sizeof(v));
	pthread_mutex_lock(&rw->lock);
	a = rw->inbox;
	n = rw->ninbox;
	rw->inbox = NULL;
	rw->ninbox = rw->capinbox = 0;
	pthread_mutex_unlock(&rw->lock);
	for (size_t i = 0; i < n; i++)
		adopt_one(rw, a[i]);
	free(a);
}

static bool ends_connection(enum rdma_cm_event_type ev)
{
	return ev != RDMA_CM_EVENT_ESTABLISHED &&
	       ev != RDMA_CM_EVENT_TIMEWAIT_EXIT;
}

static void cm_events(struct rdma_worker *rw)
{
	for (int i = 0; i < CM_EVENTS_MAX; i++) {
		struct rdma_cm_event *ev;
		enum rdma_cm_event_type type;
		struct rdma_conn *c;
		int status;

		if (rdma_get_cm_event(rw->cm, &ev)) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_err("worker %d: rdma_get_cm_event: %s",
					rw->p.id, strerror(errno));
			return;
		}
		/* Acknowledge at once: destroying an id waits for that. */
		type = ev->event;
		status = ev->status;
		c = ev->id->context;
		rdma_ack_cm_event(ev);
		if (!c)
			continue;
		if (!c->env) {
			/* Still in the inbox: decided when it is taken. */
			if (ends_connection(type))
				c->doomed = true;
			if (type == RDMA_CM_EVENT_DEVICE_REMOVAL)
				c->removed = true;
			continue;
		}
		rdma_conn_on_cm(c, type, status);
	}
}

void rdma_worker_check_gone(struct rdma_worker *rw)
{
	uint64_t one = 1;

	atomic_store(&rw->check_gone, true);
	(void)!write(rw->inbox_efd, &one, sizeof(one));
}

/* Connections (live, or dead with their verbs) on devices that are gone. */
static void release_gone(struct rdma_worker *rw)
{
	for (struct rdma_conn *c = rw->conns; c; c = c->next)
		if (c->id && rdma_devs_gone(c->devs, c->id->verbs))
			rdma_conn_on_cm(c, RDMA_CM_EVENT_DEVICE_REMOVAL, 0);
}

static void add_repoll(struct rdma_worker *rw, struct rdma_conn *c)
{
	if (c->repoll)
		return;
	c->repoll = true;
	c->next_repoll = rw->repoll;
	rw->repoll = c;
}

void rdma_worker_run(struct rdma_worker *rw)
{
	struct epoll_event evs[MAX_EVENTS];
	struct rdma_conn *list = rw->repoll;
	int n;

	/* Completion queues left over from last time come first. */
	rw->repoll = NULL;
	while (list) {
		struct rdma_conn *c = list;
		bool more = false;

		list = c->next_repoll;
		c->repoll = false;
		if (!c->dead)
			rdma_conn_poll(c, REPOLL_BUDGET, &more);
		if (more)
			add_repoll(rw, c);
	}
	n = epoll_wait(rw->epfd, evs, MAX_EVENTS, 0);
	for (int i = 0; i < n; i++) {
		uint64_t d = evs[i].data.u64;

		if (d == EV_INBOX) {
			take_inbox(rw);
		} else if (d == EV_CM) {
			take_inbox(rw);	/* events may be for those */
			cm_events(rw);
		} else {
			struct rdma_conn *c = evs[i].data.ptr;

			if (!c->dead && rdma_conn_on_comp(c))
				add_repoll(rw, c);
		}
	}
	/* After the inbox: a connection just accepted may be on one. */
	if (atomic_load(&rw->check_gone) &&
	    atomic_exchange(&rw->check_gone, false))
		release_gone(rw);
}

unsigned rdma_worker_poll_all(struct rdma_worker *rw)
{
	unsigned done = 0;

	for (struct rdma_conn *c = rw->conns; c; c = c->next) {
		bool more = false;

		if (c->dead)
			continue;
		done += rdma_conn_poll(c, 1, &more);
		if (more)
			add_repoll(rw, c);
	}
	return done;
}

bool rdma_worker_pending(const struct rdma_worker *rw)
{
	return rw->repoll != NULL;
}

void rdma_worker_io_done(struct rdma_conn *c)
{
	rdma_conn_mark_dirty(c);
}

static void maybe_free(struct rdma_worker *rw, struct rdma_conn *c)
{
	if (!c->dead || c->dirty || c->repoll || !rdma_conn_can_free(c))
		return;
	if (c->prev)
		c->prev->next = c->next;
	else
		rw->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	atomic_fetch_sub(&rw->nconns, 1);
	rdma_conn_free(c);
}

void rdma_worker_flush(struct rdma_worker *rw)
{
	struct rdma_conn *c;

	while ((c = rw->env.dirty) != NULL) {
		rw->env.dirty = c->next_dirty;
		c->dirty = false;
		if (!c->dead)
			rdma_conn_flush(c);
		maybe_free(rw, c);
	}
}

void rdma_worker_stop_rx(struct rdma_worker *rw)
{
	pthread_mutex_lock(&rw->lock);
	rw->closed = true;
	pthread_mutex_unlock(&rw->lock);
	rw->stopping = true;
	take_inbox(rw);		/* refuses what is still waiting */
	for (struct rdma_conn *c = rw->conns; c; c = c->next)
		if (!c->dead)
			rdma_conn_stop_rx(c);
}

void rdma_worker_drain(struct rdma_worker *rw, bool late)
{
	for (struct rdma_conn *c = rw->conns; c; c = c->next)
		if (!c->dead && (late || rdma_conn_idle(c)))
			rdma_conn_kill(c, false, late ?
				       "shutdown: drain timed out" : "shutdown");
	rdma_worker_flush(rw);
}

bool rdma_worker_empty(const struct rdma_worker *rw)
{
	return rw->conns == NULL;
}

unsigned rdma_worker_nconns(const struct rdma_worker *rw)
{
	return atomic_load(&((struct rdma_worker *)rw)->nconns);
}

void rdma_worker_free(struct rdma_worker *rw)
{
	if (!rw)
		return;
	rw->stopping = true;
	take_inbox(rw);
	while (rw->conns) {
		struct rdma_conn *c = rw->conns;

		rw->conns = c->next;
		rdma_conn_kill(c, false, "worker stopped");
		rdma_conn_free(c);
	}
	rdma_destroy_event_channel(rw->cm);
	close(rw->epfd);
	close(rw->inbox_efd);
	pthread_mutex_destroy(&rw->lock);
	free(rw);
}
