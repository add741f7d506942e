// SPDX-License-Identifier: GPL-2.0
/*
 * hostile_rdma: a Silk server on the RDMA transport (protocol.md section 13)
 * that answers HELLO correctly and then misbehaves, for testing the kernel
 * RDMA transport's error handling.
 *
 *   hostile_rdma --listen ADDR:PORT --mode MODE [--cm-mode CM] [--size BYTES]
 *                [--block-size 512|4096] [--timeout SECS] [--flap-after N]
 *
 * Modes (what every reply after HELLO looks like):
 *   garbage    a SEND of 48..88 random bytes
 *   short      a SEND of the first 20 bytes of a reply
 *   oversized  a SEND of 4096 bytes (more than the host's receive buffers)
 *   badtag     a well-formed reply with a tag that was never sent
 *   wrongop    a well-formed reply carrying another opcode
 *   readdata   READ replies claiming data_len 4096 (not allowed on RDMA),
 *              other replies with a wrong opcode
 *   badinv     a well-formed reply sent with SEND_WITH_INV of an rkey the
 *              host did not give (its rkey ^ 0x55)
 *   slow       no reply at all (commands are received and ignored)
 *   flap       correct service from an in-memory volume, but the
 *              connection is dropped after N replies (--flap-after, 100)
 *   good       correct service from an in-memory volume (reference)
 * Connection manager modes (--cm-mode):
 *   none       accept correctly (default)
 *   reject     reject every connect with silk_rdma_cm_rej status AGAIN
 *   baddepth   accept, granting queue depth 0
 *   noprivate  accept without private data
 *
 * Bounded: exits by itself after --timeout seconds (default 60), serves at
 * most 64 connections, talks only to the peers that connected to it and
 * touches their memory only through the SGLs their commands carry.  One
 * thread: an epoll loop over the CM event channel and one completion
 * channel per connection.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "hostile_rdma.h"
#include "netaddr.h"

#define CM_COOKIE	UINT64_MAX

static volatile sig_atomic_t stop_signal;

const char *const hr_mode_names[M_NR_] = {
	"garbage", "short", "oversized", "badtag", "wrongop", "readdata",
	"badinv", "slow", "flap", "good",
};

static const char *const cm_mode_names[CM_NR_] = {
	"none", "reject", "baddepth", "noprivate",
};

static void on_signal(int sig)
{
	(void)sig;
	stop_signal = 1;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: hostile_rdma --listen ADDR:PORT --mode MODE [--cm-mode CM]\n"
		"       [--size BYTES] [--block-size 512|4096] [--timeout SECS] [--flap-after N]\n"
		"Modes: garbage short oversized badtag wrongop readdata badinv slow flap good\n"
		"CM modes: none reject baddepth noprivate\n");
}

static int pick(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

static int parse_opts(int argc, char **argv, struct hr_opts *o, char *listen,
		      size_t llen)
{
	static const struct option lo[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "mode", required_argument, NULL, 'm' },
		{ "cm-mode", required_argument, NULL, 'c' },
		{ "size", required_argument, NULL, 's' },
		{ "block-size", required_argument, NULL, 'b' },
		{ "timeout", required_argument, NULL, 't' },
		{ "flap-after", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct hr_opts){ .mode = -1, .cm_mode = CM_NONE, .size = 64u << 20,
			       .block_size = 4096, .timeout_s = 60, .flap_after = 100 };
	listen[0] = '\0';
	while ((c = getopt_long(argc, argv, "l:m:c:s:b:t:f:h", lo, NULL)) != -1) {
		unsigned long long v = 0;
		char *end = NULL;

		if (c == 's' || c == 'b' || c == 't' || c == 'f') {
			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (errno || *end || !*optarg || *optarg == '-') {
				fprintf(stderr, "hostile_rdma: bad number '%s'\n", optarg);
				return 2;
			}
		}
		switch (c) {
		case 'l':
			snprintf(listen, llen, "%s", optarg);
			break;
		case 'm':
			o->mode = pick(hr_mode_names, M_NR_, optarg);
			if (o->mode < 0) {
				fprintf(stderr, "hostile_rdma: unknown mode '%s'\n", optarg);
				return 2;
			}
			break;
		case 'c':
			o->cm_mode = pick(cm_mode_names, CM_NR_, optarg);
			if (o->cm_mode < 0) {
				fprintf(stderr, "hostile_rdma: unknown cm mode '%s'\n", optarg);
				return 2;
			}
			break;
		case 's':
			o->size = v;
			break;
		case 'b':
			o->block_size = v > 65536 ? 0 : (uint32_t)v;
			break;
		case 't':
			o->timeout_s = (int)(v > 86400 ? 86400 : v);
			break;
		case 'f':
			o->flap_after = v > 1000000 ? 1000000 : (unsigned)(v ? v : 1);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!listen[0] || o->mode < 0 || optind < argc) {
		usage(stderr);
		return 2;
	}
	if ((o->block_size != 512 && o->block_size != 4096) || o->size == 0 ||
	    o->size % o->block_size || o->size > (1ull << 30)) {
		fprintf(stderr, "hostile_rdma: size must be a multiple of the block size, at most 1 GiB\n");
		return 2;
	}
	return 0;
}

/* ---------------------------------------------------------------- devices */

static struct hr_dev *dev_get(struct hr_server *srv, struct ibv_context *verbs)
{
	struct ibv_device_attr attr;
	struct hr_dev *d;

	for (d = srv->devs; d; d = d->next)
		if (d->verbs == verbs)
			return d;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	if (ibv_query_device(verbs, &attr))
		goto fail;
	d->verbs = verbs;
	d->max_init_rd = (uint8_t)(attr.max_qp_init_rd_atom > 255 ? 255 : attr.max_qp_init_rd_atom);
	d->max_rd = (uint8_t)(attr.max_qp_rd_atom > 255 ? 255 : attr.max_qp_rd_atom);
	d->pd = ibv_alloc_pd(verbs);
	if (!d->pd)
		goto fail;
	if (srv->mem) {
		/* Local access only: the host never touches the volume. */
		d->vol_mr = ibv_reg_mr(d->pd, srv->mem, srv->o.size, IBV_ACCESS_LOCAL_WRITE);
		if (!d->vol_mr)
			goto fail;
	}
	d->next = srv->devs;
	srv->devs = d;
	return d;
fail:
	fprintf(stderr, "hostile_rdma: device %s: %s\n",
		ibv_get_device_name(verbs->device), strerror(errno));
	if (d->pd)
		ibv_dealloc_pd(d->pd);
	free(d);
	return NULL;
}

static void devs_free(struct hr_server *srv)
{
	while (srv->devs) {
		struct hr_dev *d = srv->devs;

		srv->devs = d->next;
		if (d->vol_mr)
			ibv_dereg_mr(d->vol_mr);
		ibv_dealloc_pd(d->pd);
		free(d);
	}
}

/* ----------------------------------------------------- connection manager */

static void reject(struct rdma_cm_id *id, uint16_t status)
{
	struct silk_rdma_cm_rej rej = {
		.recfmt = htole16(SILK_RDMA_CM_VERSION), .status = htole16(status),
	};

	if (rdma_reject(id, &rej, sizeof(rej)))
		fprintf(stderr, "hostile_rdma: rdma_reject: %s\n", strerror(errno));
}

/* Returns -1 when the new id was rejected and must be destroyed. */
static int connect_request(struct hr_server *srv, struct rdma_cm_event *ev)
{
	const struct rdma_conn_param *p = &ev->param.conn;
	struct rdma_cm_id *id = ev->id;
	struct silk_rdma_cm_req raw;
	struct hr_cm_req req = { 0 };
	const char *why = NULL;
	char peer[NETADDR_STRLEN];
	struct hr_dev *dev;

	netaddr_format(rdma_get_peer_addr(id), peer, sizeof(peer));
	if (!p->private_data || p->private_data_len < SILK_RDMA_CM_REQ_SIZE) {
		why = "missing or short private data";
	} else {
		memcpy(&raw, p->private_data, sizeof(raw));
		req.qid = le16toh(raw.qid);
		req.queue_depth = le16toh(raw.queue_depth);
		req.inline_max = le32toh(raw.inline_max);
		if (le16toh(raw.recfmt) != SILK_RDMA_CM_VERSION)
			why = "unknown recfmt";
		else if (!req.queue_depth)
			why = "queue depth 0";
	}
	if (why) {
		fprintf(stderr, "hostile_rdma: connect from %s rejected (INVAL): %s\n",
			peer, why);
		reject(id, SILK_S_INVAL);
		return -1;
	}
	if (srv->o.cm_mode == CM_REJECT || srv->nconns >= HR_MAX_CONNS) {
		fprintf(stderr, "hostile_rdma: connect from %s qid %u rejected (AGAIN)%s\n",
			peer, req.qid, srv->o.cm_mode == CM_REJECT ? "" : ": too many connections");
		reject(id, SILK_S_AGAIN);
		return -1;
	}
	fprintf(stderr, "hostile_rdma: connect from %s qid %u depth %u inline %u\n",
		peer, req.qid, req.queue_depth, req.inline_max);
	dev = dev_get(srv, id->verbs);
	if (!dev || hr_conn_create(srv, dev, id, &req, p) < 0) {
		reject(id, SILK_S_AGAIN);
		return -1;
	}
	return 0;
}

static void cm_events(struct hr_server *srv)
{
	struct rdma_cm_event *ev;

	/* Non-blocking channel: ends when no event is pending. */
	while (rdma_get_cm_event(srv->ec, &ev) == 0) {
		struct rdma_cm_id *id = ev->id, *drop = NULL;
		struct hr_conn *gone = NULL;

		switch (ev->event) {
		case RDMA_CM_EVENT_CONNECT_REQUEST:
			if (connect_request(srv, ev) < 0)
				drop = id;
			break;
		case RDMA_CM_EVENT_ESTABLISHED:
			if (id->context)
				hr_conn_established(id->context);
			break;
		case RDMA_CM_EVENT_DISCONNECTED:
		case RDMA_CM_EVENT_REJECTED:
		case RDMA_CM_EVENT_UNREACHABLE:
		case RDMA_CM_EVENT_CONNECT_ERROR:
		case RDMA_CM_EVENT_DEVICE_REMOVAL:
		case RDMA_CM_EVENT_ADDR_CHANGE:
		case RDMA_CM_EVENT_TIMEWAIT_EXIT:
			if (id == srv->listen_id) {
				fprintf(stderr, "hostile_rdma: listener: %s, stopping\n",
					rdma_event_str(ev->event));
				srv->stop = true;
			} else if (id->context) {
				if (ev->event != RDMA_CM_EVENT_DISCONNECTED)
					fprintf(stderr, "hostile_rdma: %s\n",
						rdma_event_str(ev->event));
				gone = id->context;
			}
			break;
		default:
			fprintf(stderr, "hostile_rdma: ignoring %s\n", rdma_event_str(ev->event));
			break;
		}
		/* An id is destroyed only once its events are acknowledged. */
		rdma_ack_cm_event(ev);
		if (gone)
			hr_conn_destroy(gone);
		if (drop)
			rdma_destroy_id(drop);
	}
}

/* ------------------------------------------------------------------- main */

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int listen_on(struct hr_server *srv, const char *addr)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = CM_COOKIE };
	struct sockaddr_storage ss;
	socklen_t sl;
	char err[256];

	if (netaddr_parse(addr, SILK_DEFAULT_PORT, &ss, &sl, err, sizeof(err)) < 0) {
		fprintf(stderr, "hostile_rdma: --listen %s\n", err);
		return 2;
	}
	srv->ec = rdma_create_event_channel();
	if (!srv->ec || set_nonblock(srv->ec->fd) ||
	    rdma_create_id(srv->ec, &srv->listen_id, NULL, RDMA_PS_TCP)) {
		fprintf(stderr, "hostile_rdma: rdma_cm: %s\n", strerror(errno));
		return 1;
	}
	if (rdma_bind_addr(srv->listen_id, (struct sockaddr *)&ss) ||
	    rdma_listen(srv->listen_id, HR_MAX_CONNS)) {
		fprintf(stderr, "hostile_rdma: listen on %s: %s\n", addr, strerror(errno));
		return 1;
	}
	srv->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (srv->epfd < 0 || epoll_ctl(srv->epfd, EPOLL_CTL_ADD, srv->ec->fd, &ev)) {
		fprintf(stderr, "hostile_rdma: epoll: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

static void run(struct hr_server *srv, time_t deadline)
{
	struct epoll_event evs[16];

	while (!stop_signal && !srv->stop && time(NULL) < deadline) {
		int n = epoll_wait(srv->epfd, evs, 16, 250);

		for (int i = 0; i < n; i++) {
			uint64_t ck = evs[i].data.u64;
			struct hr_conn *c;

			if (ck == CM_COOKIE) {
				cm_events(srv);
				continue;
			}
			/* The connection may have gone earlier in this batch. */
			c = srv->conns[(uint32_t)ck % HR_MAX_CONNS];
			if (c && hr_conn_cookie(c) == ck)
				hr_conn_poll(c);
		}
	}
}

static void shutdown_all(struct hr_server *srv)
{
	for (unsigned i = 0; i < HR_MAX_CONNS; i++) {
		if (!srv->conns[i])
			continue;
		hr_conn_disconnect(srv->conns[i], NULL);
		hr_conn_destroy(srv->conns[i]);
	}
	if (srv->listen_id)
		rdma_destroy_id(srv->listen_id);
	devs_free(srv);
	if (srv->ec)
		rdma_destroy_event_channel(srv->ec);
	if (srv->epfd >= 0)
		close(srv->epfd);
	free(srv->mem);
}

int main(int argc, char **argv)
{
	struct hr_server srv = { .epfd = -1 };
	struct sigaction sa = { .sa_handler = on_signal };
	char listen_s[128];
	time_t deadline;
	int rc;

	rc = parse_opts(argc, argv, &srv.o, listen_s, sizeof(listen_s));
	if (rc)
		return rc;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	deadline = time(NULL) + srv.o.timeout_s;
	if (srv.o.mode == M_FLAP || srv.o.mode == M_GOOD) {
		srv.mem = calloc(1, srv.o.size);
		if (!srv.mem) {
			fprintf(stderr, "hostile_rdma: out of memory\n");
			return 1;
		}
	}
	rc = listen_on(&srv, listen_s);
	if (rc == 0) {
		fprintf(stderr, "hostile_rdma: mode %s, cm mode %s, listening on %s for %d s\n",
			hr_mode_names[srv.o.mode], cm_mode_names[srv.o.cm_mode], listen_s,
			srv.o.timeout_s);
		run(&srv, deadline);
		fprintf(stderr, "hostile_rdma: %s, exiting\n",
			stop_signal ? "signal" : srv.stop ? "listener gone" : "timeout reached");
	}
	shutdown_all(&srv);
	return rc;
}
