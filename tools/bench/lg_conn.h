/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One load-generator connection to silkd: TCP connect, HELLO, then a
 * pipelined loop that keeps `qd` requests in flight (random reads, or a
 * sequential write pass to warm the store) until told to stop.
 */
#ifndef SILK_LG_CONN_H
#define SILK_LG_CONN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum lg_mode {
	LG_READ_RANDOM,		/* random bs-sized reads over [0, range) */
	LG_WRITE_SEQ,		/* write every chunk i with i % nconns == index once */
};

struct lg_params {
	const char *host;
	const char *port;
	const char *volume;
	unsigned qd;		/* requests in flight */
	uint32_t bs;		/* bytes per request */
	uint64_t range;		/* bytes of the volume used (0: all) */
	unsigned index;		/* this connection's number */
	unsigned nconns;	/* connections in total */
	double timeout;		/* seconds without any reply before giving up */
	uint64_t seed;
};

struct lg_conn {
	struct lg_params p;
	enum lg_mode mode;
	int fd;
	uint32_t vol_id;
	uint32_t block_size;
	uint64_t size;		/* volume size from HELLO */
	uint64_t next_chunk;	/* LG_WRITE_SEQ: next chunk to write */
	uint8_t *rbuf;		/* receive buffer */
	size_t rcap, rlen;
	uint8_t *wdata;		/* payload for writes (bs bytes) */
	bool *busy;		/* per tag: request in flight */
	unsigned inflight;
	atomic_uint_fast64_t done;	/* completed requests */
	atomic_bool *stop;	/* shared: stop issuing requests */
	char err[256];		/* first error, empty if none */
};

/*
 * Connect and HELLO.  On failure returns -1 with c->err set.  stop is the
 * shared stop flag the run loop polls.
 */
int lg_conn_open(struct lg_conn *c, const struct lg_params *p, atomic_bool *stop);

/*
 * Run mode until *stop is set (or, for LG_WRITE_SEQ, until the connection's
 * share of the range is written), then drain in-flight requests.  Returns
 * 0, or -1 with c->err set.
 */
int lg_conn_run(struct lg_conn *c, enum lg_mode mode);

void lg_conn_close(struct lg_conn *c);

#endif
