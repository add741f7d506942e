/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One TCP connection of a worker: non-blocking socket I/O around a sess
 * (partial reads and writes, backpressure via the epoll interest set).
 */
#ifndef SILK_DAEMON_CONN_H
#define SILK_DAEMON_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"
#include "sess.h"

#define CONN_RXBUF (64 * 1024)

struct conn {
	int fd;
	int epfd;
	struct sess *sess;
	char peer[NETADDR_STRLEN];
	uint8_t *rx;
	size_t rx_off, rx_len;
	uint32_t events;	/* current epoll interest */
	bool dead;		/* socket closed; waiting for I/O to finish */
	bool dirty;		/* on the owner's flush list */
	struct conn *next_dirty;
	struct conn *prev, *next;	/* owner's list */
	void *owner;
	bool want_out;		/* a send hit EAGAIN */
};

/* Socket fd is adopted; the epoll registration is done by conn_init. */
int conn_init(struct conn *c, int epfd, int fd, struct sess *s);
/* Readable: read and feed the session; returns false if the conn closed. */
bool conn_on_readable(struct conn *c);
/* Send what is queued and resume input if it was paused; false if closed. */
bool conn_flush(struct conn *c);
/* Close the socket now (I/O may still be in flight). */
void conn_close(struct conn *c, const char *why);
/* Drain mode: stop reading requests. */
void conn_stop_rx(struct conn *c);
/* True when nothing is left to do for a draining connection. */
bool conn_idle(const struct conn *c);

#endif
