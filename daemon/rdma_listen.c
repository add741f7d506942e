// SPDX-License-Identifier: GPL-2.0
/* RDMA listeners: see rdma_listen.h. */
#include "rdma_listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rdma/rdma_cma.h>

#include "clock.h"
#include "log.h"
#include "rdma_conn.h"

#define BACKLOG 128
#define EVENTS_MAX 64		/* CM events taken per wakeup */
#define RETRY_MS 1000		/* between attempts to listen again */

struct rdma_slot {
	struct rdma_cm_id *id;		/* NULL while down */
	struct sockaddr_storage addr;	/* with the real port once bound */
	char name[NETADDR_STRLEN];
	_Atomic bool up;		/* read by the management thread */
};

/* An id bound to a device that no listener is bound to (rdma_listen.h). */
struct rdma_anchor {
	struct rdma_cm_id *id;
	struct rdma_anchor *next;
};

struct rdma_listener {
	struct rdma_event_channel *ch;
	struct rdma_devs *devs;
	struct rdma_slot slots[CONFIG_MAX_LISTEN];
	int n;
	int ndown;
	uint64_t retry_at;		/* CLOCK_MONOTONIC ms, while ndown */
	struct rdma_anchor *anchors;
	rdma_handoff_fn fn;
	void *arg;
};

static size_t sa_len(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
					   sizeof(struct sockaddr_in);
}

static void sa_set_port(struct sockaddr *sa, uint16_t port)
{
	if (sa->sa_family == AF_INET6)
		((struct sockaddr_in6 *)sa)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)sa)->sin_port = htons(port);
}

static bool have_devices(void)
{
	int n = 0;
	struct ibv_device **list = ibv_get_device_list(&n);

	if (list)
		ibv_free_device_list(list);
	return n > 0;
}

/* Bind and listen on s->addr; s->name says which in err. */
static int listen_slot(struct rdma_listener *l, struct rdma_slot *s, char *err,
		       size_t errlen)
{
	struct rdma_cm_id *id = NULL;

	if (rdma_create_id(l->ch, &id, NULL, RDMA_PS_TCP)) {
		snprintf(err, errlen, "rdma_listen %s: rdma_create_id: %s",
			 s->name, strerror(errno));
		return -1;
	}
	if (rdma_bind_addr(id, (struct sockaddr *)&s->addr)) {
		int e = errno;

		if (e == ENODEV)
			snprintf(err, errlen,
				 "rdma_listen %s: no RDMA device has this address",
				 s->name);
		else if (e == EADDRNOTAVAIL)
			snprintf(err, errlen,
				 "rdma_listen %s: no interface has this address",
				 s->name);
		else
			snprintf(err, errlen, "rdma_listen %s: %s", s->name,
				 strerror(e));
		rdma_destroy_id(id);
		return -1;
	}
	if (rdma_devs_hold_id(l->devs, id) < 0) {
		snprintf(err, errlen, "rdma_listen %s: out of memory", s->name);
		rdma_destroy_id(id);
		return -1;
	}
	if (!id->verbs && !have_devices()) {
		snprintf(err, errlen, "rdma_listen %s: no RDMA device on this machine",
			 s->name);
		goto fail;
	}
	if (rdma_listen(id, BACKLOG)) {
		snprintf(err, errlen, "rdma_listen %s: %s", s->name,
			 strerror(errno));
		goto fail;
	}
	/* The real port: a listener that comes back keeps it. */
	memcpy(&s->addr, rdma_get_local_addr(id),
	       sa_len(rdma_get_local_addr(id)));
	s->id = id;
	atomic_store(&s->up, true);
	return 0;
fail:
	rdma_devs_destroy_id(l->devs, id);
	return -1;
}

static int start_slot(struct rdma_listener *l, const char *addr, char *err,
		      size_t errlen)
{
	struct rdma_slot *s = &l->slots[l->n];
	socklen_t len;
	char why[160];

	if (netaddr_parse(addr, SILK_DEFAULT_PORT, &s->addr, &len, why,
			  sizeof(why)) < 0) {
		snprintf(err, errlen, "rdma_listen %s: %s", addr, why);
		return -1;
	}
	snprintf(s->name, sizeof(s->name), "%s", addr);
	if (listen_slot(l, s, err, errlen) < 0)
		return -1;
	netaddr_format((struct sockaddr *)&s->addr, s->name, sizeof(s->name));
	l->n++;
	return 0;
}

struct rdma_listener *rdma_listen_start(const char (*addrs)[CONFIG_ADDR_LEN],
					int n, struct rdma_devs *devs,
					rdma_handoff_fn fn, void *arg,
					char *err, size_t errlen)
{
	struct rdma_listener *l = calloc(1, sizeof(*l));
	int fl;

	if (!l) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l->devs = devs;
	l->fn = fn;
	l->arg = arg;
	l->ch = rdma_create_event_channel();
	if (!l->ch) {
		snprintf(err, errlen,
			 "rdma_listen: cannot open the RDMA connection manager: %s (is the rdma_ucm module loaded?)",
			 strerror(errno));
		free(l);
		return NULL;
	}
	fl = fcntl(l->ch->fd, F_GETFL);
	if (fl < 0 || fcntl(l->ch->fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		snprintf(err, errlen, "rdma_listen: %s", strerror(errno));
		goto fail;
	}
	for (int i = 0; i < n && i < CONFIG_MAX_LISTEN; i++)
		if (start_slot(l, addrs[i], err, errlen) < 0)
			goto fail;
	return l;
fail:
	rdma_listen_stop(l);
	return NULL;
}

int rdma_listen_fd(const struct rdma_listener *l)
{
	return l->ch->fd;
}

/* Is an id of the main thread (listener or anchor) bound to verbs? */
static bool anchored(const struct rdma_listener *l, struct ibv_context *verbs)
{
	for (int i = 0; i < l->n; i++)
		if (l->slots[i].id && l->slots[i].id->verbs == verbs)
			return true;
	for (struct rdma_anchor *a = l->anchors; a; a = a->next)
		if (a->id->verbs == verbs)
			return true;
	return false;
}

/* Bind an anchor to the device conn arrived on, unless one is there. */
static void anchor_device(struct rdma_listener *l, struct rdma_cm_id *conn)
{
	struct sockaddr_storage ss;
	struct sockaddr *sa = rdma_get_local_addr(conn);
	struct rdma_anchor *a;
	struct rdma_cm_id *id;

	if (!conn->verbs || anchored(l, conn->verbs))
		return;
	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, sa, sa_len(sa));
	sa_set_port((struct sockaddr *)&ss, 0);
	a = calloc(1, sizeof(*a));
	if (!a || rdma_create_id(l->ch, &id, NULL, RDMA_PS_TCP)) {
		free(a);
		return;
	}
	if (rdma_bind_addr(id, (struct sockaddr *)&ss) ||
	    id->verbs != conn->verbs || rdma_devs_hold_id(l->devs, id) < 0) {
		/* Not fatal: removal is still seen through connections. */
		log_debug("rdma_listen: cannot bind an id to device %s",
			  ibv_get_device_name(conn->verbs->device));
		rdma_destroy_id(id);
		free(a);
		return;
	}
	a->id = id;
	a->next = l->anchors;
	l->anchors = a;
	log_debug("rdma_listen: anchored device %s",
		  ibv_get_device_name(id->verbs->device));
}

static void reject_id(struct rdma_cm_id *id, unsigned status)
{
	uint8_t rej[SILK_RDMA_CM_REJ_SIZE];

	rdma_cm_rej_encode(status, rej);
	rdma_reject(id, rej, sizeof(rej));
}

static void on_connect(struct rdma_listener *l, struct rdma_cm_event *ev)
{
	struct rdma_cm_id *id = ev->id;
	const struct rdma_conn_param *p = &ev->param.conn;
	struct rdma_conn_req req;
	struct rdma_conn *c;
	unsigned st;

	memset(&req, 0, sizeof(req));
	netaddr_format(rdma_get_peer_addr(id), req.peer, sizeof(req.peer));
	if (rdma_devs_hold_id(l->devs, id) < 0) {
		log_err("RDMA connect request from %s refused: out of memory",
			req.peer);
		reject_id(id, SILK_S_AGAIN);
		rdma_ack_cm_event(ev);
		rdma_destroy_id(id);
		return;
	}
	st = rdma_cm_req_parse(p->private_data, p->private_data_len, &req.cm);
	req.initiator_depth = p->initiator_depth;
	if (st != SILK_S_OK) {
		log_warn("RDMA connect request from %s refused: bad private data (%u bytes, recfmt %u, queue_depth %u)",
			 req.peer, p->private_data_len, req.cm.recfmt,
			 req.cm.queue_depth);
		reject_id(id, SILK_S_INVAL);
		rdma_ack_cm_event(ev);
		rdma_devs_destroy_id(l->devs, id);
		return;
	}
	anchor_device(l, id);
	c = rdma_conn_new(id, &req, l->devs);
	/* The private data goes with the event: acknowledge only now. */
	rdma_ack_cm_event(ev);
	if (!c) {
		log_err("RDMA connect request from %s refused: out of memory",
			req.peer);
		reject_id(id, SILK_S_AGAIN);
		rdma_devs_destroy_id(l->devs, id);
		return;
	}
	if (l->fn(l->arg, c) < 0) {
		log_warn("RDMA connect request from %s refused: no worker took it",
			 req.peer);
		rdma_conn_reject(c, SILK_S_AGAIN);
		rdma_conn_free(c);
	}
}

/* Listener s has to go (its device did, or its address moved). */
static void slot_down(struct rdma_listener *l, struct rdma_slot *s,
		      const char *why)
{
	log_warn("rdma_listen %s: %s, retrying", s->name, why);
	atomic_store(&s->up, false);
	rdma_devs_destroy_id(l->devs, s->id);
	s->id = NULL;
	if (l->ndown++ == 0)
		l->retry_at = mono_ms() + RETRY_MS;
}

/* Anchor *pp goes (its device did, or its address moved). */
static void anchor_drop(struct rdma_listener *l, struct rdma_anchor **pp,
			const char *why)
{
	struct rdma_anchor *a = *pp;

	log_debug("rdma_listen: anchor on %s: %s",
		  ibv_get_device_name(a->id->verbs->device), why);
	*pp = a->next;
	rdma_devs_destroy_id(l->devs, a->id);
	free(a);
}

/*
 * DEVICE_REMOVAL or ADDR_CHANGE for id (acknowledged): a listener goes
 * down, an anchor away (the next connection on a device binds a new one).
 */
static void id_moved(struct rdma_listener *l, struct rdma_cm_id *id,
		     enum rdma_cm_event_type type)
{
	const char *why = type == RDMA_CM_EVENT_DEVICE_REMOVAL ?
			  "device removed" : "address changed";

	for (int i = 0; i < l->n; i++) {
		if (l->slots[i].id == id) {
			slot_down(l, &l->slots[i], why);
			return;
		}
	}
	for (struct rdma_anchor **pp = &l->anchors; *pp; pp = &(*pp)->next) {
		if ((*pp)->id == id) {
			anchor_drop(l, pp, why);
			return;
		}
	}
}

void rdma_listen_check_gone(struct rdma_listener *l)
{
	struct rdma_anchor **pp = &l->anchors;

	for (int i = 0; i < l->n; i++) {
		struct rdma_slot *s = &l->slots[i];

		if (s->id && s->id->verbs &&
		    rdma_devs_gone(l->devs, s->id->verbs))
			slot_down(l, s, "device removed");
	}
	while (*pp) {
		if (rdma_devs_gone(l->devs, (*pp)->id->verbs))
			anchor_drop(l, pp, "device removed");
		else
			pp = &(*pp)->next;
	}
}

void rdma_listen_on_event(struct rdma_listener *l)
{
	for (int i = 0; i < EVENTS_MAX; i++) {
		struct rdma_cm_event *ev;
		enum rdma_cm_event_type type;
		struct rdma_cm_id *id;

		if (rdma_get_cm_event(l->ch, &ev)) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_err("rdma_get_cm_event: %s", strerror(errno));
			return;
		}
		type = ev->event;
		switch (type) {
		case RDMA_CM_EVENT_CONNECT_REQUEST:
			on_connect(l, ev);
			break;
		case RDMA_CM_EVENT_DEVICE_REMOVAL:
		case RDMA_CM_EVENT_ADDR_CHANGE:
			/* The id may only be destroyed once this is acked. */
			id = ev->id;
			rdma_ack_cm_event(ev);
			id_moved(l, id, type);
			break;
		default:
			log_debug("rdma_listen: %s ignored",
				  rdma_event_str(type));
			rdma_ack_cm_event(ev);
			break;
		}
	}
}

int rdma_listen_timeout(const struct rdma_listener *l)
{
	uint64_t now;

	if (!l || !l->ndown)
		return -1;
	now = mono_ms();
	if (now >= l->retry_at)
		return 0;
	return l->retry_at - now > INT_MAX ? INT_MAX : (int)(l->retry_at - now);
}

void rdma_listen_retry_now(struct rdma_listener *l)
{
	if (l->ndown)
		l->retry_at = mono_ms();
}

void rdma_listen_retry(struct rdma_listener *l)
{
	char err[256];

	if (!l || !l->ndown || mono_ms() < l->retry_at)
		return;
	for (int i = 0; i < l->n; i++) {
		struct rdma_slot *s = &l->slots[i];

		if (s->id)
			continue;
		if (listen_slot(l, s, err, sizeof(err)) < 0) {
			log_debug("%s", err);
			continue;
		}
		l->ndown--;
		log_info("rdma_listen %s: listening again on %s", s->name,
			 s->id->verbs ?
			 ibv_get_device_name(s->id->verbs->device) : "every device");
	}
	l->retry_at = mono_ms() + RETRY_MS;
}

int rdma_listen_count(const struct rdma_listener *l)
{
	return l ? l->n : 0;
}

const char *rdma_listen_name(const struct rdma_listener *l, int i)
{
	return l->slots[i].name;
}

bool rdma_listen_up(const struct rdma_listener *l, int i)
{
	return atomic_load(&l->slots[i].up);
}

void rdma_listen_stop(struct rdma_listener *l)
{
	if (!l)
		return;
	for (int i = 0; i < l->n; i++)
		rdma_devs_destroy_id(l->devs, l->slots[i].id);
	while (l->anchors) {
		struct rdma_anchor *a = l->anchors;

		l->anchors = a->next;
		rdma_devs_destroy_id(l->devs, a->id);
		free(a);
	}
	if (l->ch)
		rdma_destroy_event_channel(l->ch);
	free(l);
}
