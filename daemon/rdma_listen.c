// SPDX-License-Identifier: GPL-2.0
/* RDMA listeners: see rdma_listen.h. */
#include "rdma_listen.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rdma/rdma_cma.h>

#include "log.h"
#include "rdma_conn.h"

#define BACKLOG 128
#define EVENTS_MAX 64		/* CM events taken per wakeup */

struct rdma_listener {
	struct rdma_event_channel *ch;
	struct rdma_cm_id *ids[CONFIG_MAX_LISTEN];
	char names[CONFIG_MAX_LISTEN][NETADDR_STRLEN];
	int n;
	rdma_handoff_fn fn;
	void *arg;
};

static bool have_devices(void)
{
	int n = 0;
	struct ibv_device **list = ibv_get_device_list(&n);

	if (list)
		ibv_free_device_list(list);
	return n > 0;
}

static int listen_one(struct rdma_listener *l, const char *addr, char *err,
		      size_t errlen)
{
	struct sockaddr_storage ss;
	struct rdma_cm_id *id = NULL;
	socklen_t len;
	char why[160];

	if (netaddr_parse(addr, SILK_DEFAULT_PORT, &ss, &len, why,
			  sizeof(why)) < 0) {
		snprintf(err, errlen, "rdma_listen %s: %s", addr, why);
		return -1;
	}
	if (rdma_create_id(l->ch, &id, NULL, RDMA_PS_TCP)) {
		snprintf(err, errlen, "rdma_listen %s: rdma_create_id: %s", addr,
			 strerror(errno));
		return -1;
	}
	if (rdma_bind_addr(id, (struct sockaddr *)&ss)) {
		int e = errno;

		if (e == ENODEV)
			snprintf(err, errlen,
				 "rdma_listen %s: no RDMA device has this address",
				 addr);
		else if (e == EADDRNOTAVAIL)
			snprintf(err, errlen,
				 "rdma_listen %s: no interface has this address",
				 addr);
		else
			snprintf(err, errlen, "rdma_listen %s: %s", addr,
				 strerror(e));
		goto fail;
	}
	if (!id->verbs && !have_devices()) {
		snprintf(err, errlen, "rdma_listen %s: no RDMA device on this machine",
			 addr);
		goto fail;
	}
	if (rdma_listen(id, BACKLOG)) {
		snprintf(err, errlen, "rdma_listen %s: %s", addr, strerror(errno));
		goto fail;
	}
	netaddr_format(rdma_get_local_addr(id), l->names[l->n], NETADDR_STRLEN);
	l->ids[l->n++] = id;
	return 0;
fail:
	rdma_destroy_id(id);
	return -1;
}

struct rdma_listener *rdma_listen_start(const char (*addrs)[CONFIG_ADDR_LEN],
					int n, rdma_handoff_fn fn, void *arg,
					char *err, size_t errlen)
{
	struct rdma_listener *l = calloc(1, sizeof(*l));
	int fl;

	if (!l) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
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
		if (listen_one(l, addrs[i], err, errlen) < 0)
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
	st = rdma_cm_req_parse(p->private_data, p->private_data_len, &req.cm);
	req.initiator_depth = p->initiator_depth;
	netaddr_format(rdma_get_peer_addr(id), req.peer, sizeof(req.peer));
	if (st != SILK_S_OK) {
		log_warn("RDMA connect request from %s refused: bad private data (%u bytes, recfmt %u, queue_depth %u)",
			 req.peer, p->private_data_len, req.cm.recfmt,
			 req.cm.queue_depth);
		reject_id(id, SILK_S_INVAL);
		rdma_ack_cm_event(ev);
		rdma_destroy_id(id);
		return;
	}
	c = rdma_conn_new(id, &req);
	/* The private data goes with the event: acknowledge only now. */
	rdma_ack_cm_event(ev);
	if (!c) {
		log_err("RDMA connect request from %s refused: out of memory",
			req.peer);
		reject_id(id, SILK_S_AGAIN);
		rdma_destroy_id(id);
		return;
	}
	if (l->fn(l->arg, c) < 0) {
		log_warn("RDMA connect request from %s refused: no worker took it",
			 req.peer);
		rdma_conn_reject(c, SILK_S_AGAIN);
		rdma_conn_free(c);
	}
}

static void listener_gone(struct rdma_listener *l, struct rdma_cm_id *id)
{
	for (int i = 0; i < l->n; i++) {
		if (l->ids[i] != id)
			continue;
		log_err("rdma_listen %s: RDMA device removed, not listening there any more",
			l->names[i]);
		rdma_destroy_id(id);
		l->ids[i] = NULL;
		return;
	}
}

void rdma_listen_on_event(struct rdma_listener *l)
{
	for (int i = 0; i < EVENTS_MAX; i++) {
		struct rdma_cm_event *ev;
		struct rdma_cm_id *id;

		if (rdma_get_cm_event(l->ch, &ev)) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_err("rdma_get_cm_event: %s", strerror(errno));
			return;
		}
		switch (ev->event) {
		case RDMA_CM_EVENT_CONNECT_REQUEST:
			on_connect(l, ev);
			break;
		case RDMA_CM_EVENT_DEVICE_REMOVAL:
			id = ev->id;
			rdma_ack_cm_event(ev);
			listener_gone(l, id);
			break;
		default:
			log_debug("rdma_listen: %s ignored",
				  rdma_event_str(ev->event));
			rdma_ack_cm_event(ev);
			break;
		}
	}
}

int rdma_listen_count(const struct rdma_listener *l)
{
	return l ? l->n : 0;
}

const char *rdma_listen_name(const struct rdma_listener *l, int i)
{
	return l->names[i];
}

void rdma_listen_stop(struct rdma_listener *l)
{
	if (!l)
		return;
	for (int i = 0; i < l->n; i++)
		if (l->ids[i])
			rdma_destroy_id(l->ids[i]);
	if (l->ch)
		rdma_destroy_event_channel(l->ch);
	free(l);
}
