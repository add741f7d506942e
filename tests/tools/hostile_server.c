// SPDX-License-Identifier: GPL-2.0
/*
 * hostile_server: a Silk server that answers HELLO correctly and then
 * misbehaves, for testing the kernel client's error handling.
 *
 *   hostile_server --listen ADDR:PORT --mode MODE [--size BYTES]
 *                  [--block-size 512|4096] [--timeout SECS] [--flap-after N]
 *
 * Modes (what every reply after HELLO looks like):
 *   garbage    random bytes instead of a reply
 *   short      the first 20 bytes of a reply header, then close
 *   oversized  a reply header announcing data_len 0xfffffff0
 *   badtag     a reply with a tag that was never sent
 *   baddigest  READ data with a wrong data digest, other replies with a
 *              wrong header digest
 *   wrongop    a reply carrying another opcode than the request
 *   slow       no reply at all (requests are read and ignored)
 *   flap       correct replies from an in-memory volume, but the
 *              connection is closed after N replies (--flap-after, 100)
 *   good       correct replies from an in-memory volume (reference)
 *
 * Bounded: exits by itself after --timeout seconds (default 60), serves
 * at most 64 connections at once and sends at most 4 KiB of garbage per
 * request.  Traffic only to the address it is told to listen on.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "netaddr.h"
#include "proto.h"

#define MAX_CONNS 64
#define GARBAGE_BYTES 4096

enum mode { M_GARBAGE, M_SHORT, M_OVERSIZED, M_BADTAG, M_BADDIGEST,
	    M_WRONGOP, M_SLOW, M_FLAP, M_GOOD };

static const char *const mode_names[] = {
	"garbage", "short", "oversized", "badtag", "baddigest", "wrongop",
	"slow", "flap", "good",
};

struct opts {
	int mode;
	uint64_t size;
	uint32_t block_size;
	int timeout_s;
	unsigned flap_after;
	time_t deadline;
};

struct server {
	struct opts o;
	uint8_t *mem;		/* in-memory volume for flap/good */
	pthread_mutex_t mem_lock;
	_Atomic int nconns;
};

struct conn_arg {
	struct server *srv;
	int fd;
	unsigned id;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: hostile_server --listen ADDR:PORT --mode MODE [--size BYTES]\n"
		"       [--block-size 512|4096] [--timeout SECS] [--flap-after N]\n"
		"Modes: garbage short oversized badtag baddigest wrongop slow flap good\n");
}

static bool expired(const struct opts *o)
{
	return time(NULL) >= o->deadline;
}

/* Blocking I/O with a 1 s socket timeout, checking the deadline. */
static int recv_full(int fd, void *buf, size_t n, const struct opts *o)
{
	uint8_t *p = buf;
	size_t got = 0;

	while (got < n) {
		ssize_t r = recv(fd, p + got, n - got, 0);

		if (r == 0)
			return -1;
		if (r < 0) {
			if ((errno == EAGAIN || errno == EINTR) && !expired(o))
				continue;
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

static int send_full(int fd, const void *buf, size_t n, const struct opts *o)
{
	const uint8_t *p = buf;

	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0) {
			if ((errno == EAGAIN || errno == EINTR) && !expired(o))
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int send_hdr(int fd, struct silk_msg *m, const struct opts *o)
{
	uint8_t raw[SILK_HDR_SIZE];

	m->magic = SILK_MAGIC;
	silk_hdr_encode(m, raw);
	return send_full(fd, raw, sizeof(raw), o);
}

/* HELLO, answered correctly; returns granted features or -1. */
static int do_hello(struct server *srv, int fd, unsigned id)
{
	uint8_t raw[SILK_HDR_SIZE], pl[SILK_HELLO_REQ_SIZE], rp[SILK_HELLO_REP_SIZE];
	struct silk_hello_req_h h;
	struct silk_hello_rep_h r = { 0 };
	struct silk_msg m, rep = { 0 };
	int v;

	if (recv_full(fd, raw, sizeof(raw), &srv->o) < 0)
		return -1;
	silk_hdr_decode(raw, &m);
	v = silk_req_check(&m, raw);
	if (v || m.opcode != SILK_OP_HELLO) {
		fprintf(stderr, "hostile[%u]: bad first message: %s\n", id,
			v ? silk_verr_str(v) : "not HELLO");
		return -1;
	}
	if (recv_full(fd, pl, sizeof(pl), &srv->o) < 0)
		return -1;
	if (silk_hello_req_decode(pl, &h) != SILK_V_OK ||
	    !silk_pick_version(h.min_version, h.max_version)) {
		fprintf(stderr, "hostile[%u]: bad HELLO payload\n", id);
		return -1;
	}
	r.version = (uint16_t)silk_pick_version(h.min_version, h.max_version);
	r.features = h.features & SILK_FEAT_ALL;
	r.vol_id = 1;
	r.block_size = srv->o.block_size;
	r.size = srv->o.size;
	r.max_data = SILK_MAX_DATA;
	silk_hello_rep_encode(&r, rp);
	rep.opcode = SILK_OP_HELLO | SILK_OP_REPLY;
	rep.tag = m.tag;
	rep.vol_id = 1;
	rep.data_len = SILK_HELLO_REP_SIZE;
	if (send_hdr(fd, &rep, &srv->o) < 0 || send_full(fd, rp, sizeof(rp), &srv->o) < 0)
		return -1;
	fprintf(stderr, "hostile[%u]: HELLO ok, volume '%s', queue %u, features 0x%x\n",
		id, h.volume, h.queue_id, r.features);
	return (int)r.features;
}

/* A correct reply from the in-memory volume. */
static int serve_good(struct server *srv, int fd, struct silk_msg *q,
		      uint8_t *data, uint32_t feat)
{
	struct silk_msg rep = { .opcode = q->opcode | SILK_OP_REPLY, .tag = q->tag,
				.vol_id = 1, .length = q->length,
				.offset = q->offset };
	bool io = q->opcode == SILK_OP_READ || q->opcode == SILK_OP_WRITE ||
		  q->opcode == SILK_OP_DISCARD || q->opcode == SILK_OP_WRITE_ZEROES;

	if (io && (q->offset > srv->o.size || q->length > srv->o.size - q->offset)) {
		rep.status = SILK_S_RANGE;
		io = false;
	}
	if (feat & SILK_FEAT_HDGST)
		rep.flags |= SILK_F_HDGST;
	pthread_mutex_lock(&srv->mem_lock);
	if (io && q->opcode == SILK_OP_WRITE)
		memcpy(srv->mem + q->offset, data, q->length);
	else if (io && q->opcode != SILK_OP_READ)
		memset(srv->mem + q->offset, 0, q->length);
	else if (io)
		memcpy(data, srv->mem + q->offset, q->length);
	pthread_mutex_unlock(&srv->mem_lock);
	if (io && q->opcode == SILK_OP_READ) {
		rep.data_len = q->length;
		if (feat & SILK_FEAT_DDGST) {
			rep.flags |= SILK_F_DDGST;
			rep.data_digest = silk_crc32c(data, q->length);
		}
	}
	if (send_hdr(fd, &rep, &srv->o) < 0)
		return -1;
	return rep.data_len ? send_full(fd, data, rep.data_len, &srv->o) : 0;
}

/* One misbehaving reply; returns -1 to close the connection. */
static int misbehave(struct server *srv, int fd, struct silk_msg *q,
		     uint8_t *data, uint32_t feat, unsigned *seed)
{
	struct silk_msg rep = { .opcode = q->opcode | SILK_OP_REPLY, .tag = q->tag,
				.vol_id = 1, .length = q->length,
				.offset = q->offset };
	uint8_t raw[SILK_HDR_SIZE], junk[GARBAGE_BYTES];

	switch (srv->o.mode) {
	case M_GARBAGE:
		for (size_t i = 0; i < sizeof(junk); i++)
			junk[i] = (uint8_t)rand_r(seed);
		return send_full(fd, junk, sizeof(junk), &srv->o);
	case M_SHORT:
		rep.magic = SILK_MAGIC;
		silk_hdr_encode(&rep, raw);
		send_full(fd, raw, 20, &srv->o);
		return -1;
	case M_OVERSIZED:
		rep.data_len = 0xfffffff0u;
		if (send_hdr(fd, &rep, &srv->o) < 0)
			return -1;
		memset(junk, 0xab, sizeof(junk));
		return send_full(fd, junk, sizeof(junk), &srv->o);
	case M_BADTAG:
		rep.tag = q->tag ^ 0x5a5a5a5au;
		break;
	case M_BADDIGEST:
		if (q->opcode == SILK_OP_READ) {
			memset(data, 0x42, q->length);
			rep.data_len = q->length;
			rep.flags |= SILK_F_DDGST;
			rep.data_digest = silk_crc32c(data, q->length) ^ 0xdeadbeefu;
			if (feat & SILK_FEAT_HDGST)
				rep.flags |= SILK_F_HDGST;
			if (send_hdr(fd, &rep, &srv->o) < 0)
				return -1;
			return send_full(fd, data, q->length, &srv->o);
		}
		/* A header digest that does not match. */
		rep.magic = SILK_MAGIC;
		rep.flags |= SILK_F_HDGST;
		silk_hdr_encode(&rep, raw);
		raw[44] ^= 0xff;
		return send_full(fd, raw, sizeof(raw), &srv->o);
	case M_WRONGOP:
		rep.opcode = (uint8_t)((q->opcode == SILK_OP_READ ? SILK_OP_WRITE :
					SILK_OP_READ) | SILK_OP_REPLY);
		if (rep.opcode == (SILK_OP_READ | SILK_OP_REPLY)) {
			rep.data_len = q->length ? q->length : 4096;
			if (rep.data_len > SILK_MAX_DATA)
				rep.data_len = SILK_MAX_DATA;
			rep.length = rep.data_len;
			memset(data, 0x17, rep.data_len);
			if (send_hdr(fd, &rep, &srv->o) < 0)
				return -1;
			return send_full(fd, data, rep.data_len, &srv->o);
		}
		break;
	case M_SLOW:
		return 0;
	default:
		break;
	}
	if (feat & SILK_FEAT_HDGST)
		rep.flags |= SILK_F_HDGST;
	return send_hdr(fd, &rep, &srv->o);
}

static void *conn_main(void *arg)
{
	struct conn_arg *ca = arg;
	struct server *srv = ca->srv;
	unsigned seed = ca->id * 2654435761u, replies = 0;
	struct timeval tv = { .tv_sec = 1 };
	uint8_t *data = malloc(SILK_MAX_DATA);
	int feat;

	setsockopt(ca->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(ca->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	feat = data ? do_hello(srv, ca->fd, ca->id) : -1;
	while (feat >= 0 && !expired(&srv->o)) {
		uint8_t raw[SILK_HDR_SIZE];
		struct silk_msg q;
		int v;

		if (recv_full(ca->fd, raw, sizeof(raw), &srv->o) < 0)
			break;
		silk_hdr_decode(raw, &q);
		v = silk_req_check(&q, raw);
		if (v) {
			fprintf(stderr, "hostile[%u]: bad request: %s\n", ca->id,
				silk_verr_str(v));
			break;
		}
		if (q.data_len && recv_full(ca->fd, data, q.data_len, &srv->o) < 0)
			break;
		if (srv->o.mode == M_GOOD || srv->o.mode == M_FLAP) {
			if (serve_good(srv, ca->fd, &q, data, (uint32_t)feat) < 0)
				break;
			if (srv->o.mode == M_FLAP && ++replies >= srv->o.flap_after) {
				fprintf(stderr, "hostile[%u]: flap after %u replies\n",
					ca->id, replies);
				break;
			}
		} else if (misbehave(srv, ca->fd, &q, data, (uint32_t)feat, &seed) < 0) {
			break;
		}
	}
	close(ca->fd);
	free(data);
	atomic_fetch_sub(&srv->nconns, 1);
	free(ca);
	return NULL;
}

static int parse_opts(int argc, char **argv, struct opts *o, char *listen,
		      size_t llen)
{
	static const struct option lo[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "mode", required_argument, NULL, 'm' },
		{ "size", required_argument, NULL, 's' },
		{ "block-size", required_argument, NULL, 'b' },
		{ "timeout", required_argument, NULL, 't' },
		{ "flap-after", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->mode = -1;
	o->size = 64u << 20;
	o->block_size = 4096;
	o->timeout_s = 60;
	o->flap_after = 100;
	listen[0] = '\0';
	while ((c = getopt_long(argc, argv, "l:m:s:b:t:f:h", lo, NULL)) != -1) {
		char *end = NULL;
		unsigned long long v = 0;

		if (c != 'l' && c != 'm' && c != 'h' && optarg) {
			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (errno || *end || !*optarg) {
				fprintf(stderr, "hostile_server: bad number '%s'\n", optarg);
				return 2;
			}
		}
		switch (c) {
		case 'l':
			snprintf(listen, llen, "%s", optarg);
			break;
		case 'm':
			for (size_t i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
				if (strcmp(optarg, mode_names[i]) == 0)
					o->mode = (int)i;
			if (o->mode < 0) {
				fprintf(stderr, "hostile_server: unknown mode '%s'\n", optarg);
				return 2;
			}
			break;
		case 's':
			o->size = v;
			break;
		case 'b':
			o->block_size = (uint32_t)v;
			break;
		case 't':
			o->timeout_s = (int)(v > 86400 ? 86400 : v);
			break;
		case 'f':
			o->flap_after = (unsigned)(v ? v : 1);
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
		fprintf(stderr, "hostile_server: size must be a multiple of the block size, at most 1 GiB\n");
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct server srv = { 0 };
	struct sockaddr_storage ss;
	socklen_t sl;
	char listen_s[128], err[256];
	unsigned next_id = 0;
	int lfd, rc;

	rc = parse_opts(argc, argv, &srv.o, listen_s, sizeof(listen_s));
	if (rc)
		return rc;
	signal(SIGPIPE, SIG_IGN);
	srv.o.deadline = time(NULL) + srv.o.timeout_s;
	pthread_mutex_init(&srv.mem_lock, NULL);
	if (srv.o.mode == M_FLAP || srv.o.mode == M_GOOD) {
		srv.mem = calloc(1, srv.o.size);
		if (!srv.mem) {
			fprintf(stderr, "hostile_server: out of memory\n");
			return 1;
		}
	}
	if (netaddr_parse(listen_s, SILK_DEFAULT_PORT, &ss, &sl, err, sizeof(err)) < 0) {
		fprintf(stderr, "hostile_server: --listen %s\n", err);
		return 2;
	}
	lfd = netaddr_listen(&ss, sl, err, sizeof(err));
	if (lfd < 0) {
		fprintf(stderr, "hostile_server: %s\n", err);
		return 1;
	}
	fprintf(stderr, "hostile_server: mode %s on %s for %d s\n",
		mode_names[srv.o.mode], listen_s, srv.o.timeout_s);
	while (!expired(&srv.o)) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };
		struct conn_arg *ca;
		pthread_t th;
		int fd, one = 1;

		if (poll(&p, 1, 500) <= 0)
			continue;
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		if (atomic_load(&srv.nconns) >= MAX_CONNS) {
			close(fd);
			continue;
		}
		/* Accepted sockets inherit O_NONBLOCK: use blocking I/O. */
		{
			int flags = fcntl(fd, F_GETFL);

			if (flags >= 0)
				fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		ca = malloc(sizeof(*ca));
		if (!ca) {
			close(fd);
			continue;
		}
		ca->srv = &srv;
		ca->fd = fd;
		ca->id = next_id++;
		atomic_fetch_add(&srv.nconns, 1);
		if (pthread_create(&th, NULL, conn_main, ca) != 0) {
			atomic_fetch_sub(&srv.nconns, 1);
			close(fd);
			free(ca);
			continue;
		}
		pthread_detach(th);
	}
	close(lfd);
	/* Connection threads notice the deadline within a second. */
	for (int i = 0; i < 50 && atomic_load(&srv.nconns) > 0; i++)
		usleep(100000);
	fprintf(stderr, "hostile_server: timeout reached, exiting\n");
	return 0;
}
