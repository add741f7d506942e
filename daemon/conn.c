// SPDX-License-Identifier: GPL-2.0
#include "conn.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

/* Read directly into a payload buffer when this much is still missing. */
#define DIRECT_MIN 16384
#define READS_PER_EVENT 8
#define SENDS_PER_FLUSH 64
#define TX_IOV 64

int conn_init(struct conn *c, int epfd, int fd, struct sess *s)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct epoll_event ev;
	int one = 1;

	c->fd = fd;
	c->epfd = epfd;
	c->sess = s;
	c->rx_off = c->rx_len = 0;
	c->rx = malloc(CONN_RXBUF);
	if (!c->rx)
		return -1;
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0)
		netaddr_format((struct sockaddr *)&ss, c->peer, sizeof(c->peer));
	else
		snprintf(c->peer, sizeof(c->peer), "?");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->events = EPOLLIN;
	ev.events = c->events;
	ev.data.ptr = c;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		free(c->rx);
		c->rx = NULL;
		return -1;
	}
	return 0;
}

static bool rx_open(const struct conn *c)
{
	int st = sess_state(c->sess);

	return st == SESS_HELLO || st == SESS_READY;
}

static void update_interest(struct conn *c)
{
	struct epoll_event ev = { .data.ptr = c };
	uint32_t want = 0;

	if (c->dead)
		return;
	if (rx_open(c) && c->rx_off == c->rx_len && !sess_rx_blocked(c->sess))
		want |= EPOLLIN;
	if (c->want_out)
		want |= EPOLLOUT;
	if (want == c->events)
		return;
	ev.events = want;
	if (epoll_ctl(c->epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->events = want;
}

void conn_close(struct conn *c, const char *why)
{
	if (c->dead)
		return;
	log_debug("connection %s closed: %s", c->peer, why);
	c->dead = true;
	epoll_ctl(c->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	sess_abort(c->sess);
}

static void proto_close(struct conn *c)
{
	log_warn("closing connection from %s: %s", c->peer,
		 sess_error(c->sess));
	conn_close(c, "protocol error");
}

/* Feed buffered bytes; false if the connection was closed. */
static bool process_buffered(struct conn *c)
{
	while (c->rx_off < c->rx_len) {
		ssize_t n = sess_feed(c->sess, c->rx + c->rx_off,
				      c->rx_len - c->rx_off);

		if (n < 0) {
			proto_close(c);
			return false;
		}
		if (n == 0)
			break;
		c->rx_off += (size_t)n;
	}
	if (c->rx_off == c->rx_len)
		c->rx_off = c->rx_len = 0;
	return true;
}

bool conn_on_readable(struct conn *c)
{
	bool drained = false;

	for (int i = 0; i < READS_PER_EVENT && !c->dead; i++) {
		void *win;
		size_t wl;
		bool direct;
		ssize_t r;

		if (!process_buffered(c))
			return false;
		/*
		 * A short read into the small-message buffer emptied the
		 * socket: another recv() would only say EAGAIN.  Whatever
		 * arrives later makes the socket readable again (epoll is
		 * level-triggered).
		 */
		if (drained || c->rx_len || !rx_open(c) ||
		    sess_rx_blocked(c->sess))
			break;
		direct = sess_rx_window(c->sess, &win, &wl) && wl >= DIRECT_MIN;
		if (direct)
			r = recv(c->fd, win, wl, MSG_DONTWAIT);
		else
			r = recv(c->fd, c->rx, CONN_RXBUF, MSG_DONTWAIT);
		if (r == 0) {
			conn_close(c, "peer closed the connection");
			return false;
		}
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			conn_close(c, strerror(errno));
			return false;
		}
		/* Large payloads stream in: keep reading those. */
		drained = !direct && (size_t)r < CONN_RXBUF;
		if (direct) {
			if (sess_rx_commit(c->sess, (size_t)r) < 0) {
				proto_close(c);
				return false;
			}
		} else {
			c->rx_off = 0;
			c->rx_len = (size_t)r;
		}
	}
	if (c->dead || !process_buffered(c))
		return false;
	return conn_flush(c);
}

/*
 * A reply payload that waits in a pipe: splice it into the socket, so the
 * kernel passes the pages on instead of copying them.  Returns the bytes
 * moved or -1 with errno set.
 */
static ssize_t send_piped(struct conn *c, int pfd, size_t len, bool more)
{
	ssize_t w = splice(pfd, NULL, c->fd, NULL, len,
			   SPLICE_F_NONBLOCK | (more ? SPLICE_F_MORE : 0));

	if (w == 0) {
		/* The storage read filled the pipe: it cannot be empty. */
		errno = EPIPE;
		return -1;
	}
	return w;
}

static bool send_some(struct conn *c)
{
	struct iovec iov[TX_IOV];

	for (int i = 0; i < SENDS_PER_FLUSH; i++) {
		struct msghdr mh = { 0 };
		bool pipe_next;
		int n = sess_tx_iov(c->sess, iov, TX_IOV, &pipe_next);
		ssize_t w;

		if (n == 0) {
			size_t len;
			bool more;
			int pfd = sess_tx_pipe(c->sess, &len, &more);

			if (pfd < 0)
				break;
			w = send_piped(c, pfd, len, more);
		} else {
			mh.msg_iov = iov;
			mh.msg_iovlen = (size_t)n;
			/* A header whose payload follows by splice(): one segment. */
			w = sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT |
				    (pipe_next ? MSG_MORE : 0));
		}
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				c->want_out = true;
				return true;
			}
			conn_close(c, strerror(errno));
			return false;
		}
		sess_tx_advance(c->sess, (size_t)w);
	}
	/* Still pending after the bounded loop: come back on EPOLLOUT. */
	c->want_out = sess_tx_pending(c->sess);
	return true;
}

bool conn_flush(struct conn *c)
{
	for (int round = 0; round < 4 && !c->dead; round++) {
		if (!send_some(c))
			return false;
		if (sess_state(c->sess) == SESS_CLOSING &&
		    !sess_tx_pending(c->sess)) {
			conn_close(c, "HELLO refused");
			return false;
		}
		/* Replies went out: resume input that backpressure paused. */
		if (c->rx_off < c->rx_len && !sess_rx_blocked(c->sess)) {
			if (!process_buffered(c))
				return false;
			continue;
		}
		break;
	}
	if (c->dead)
		return false;
	update_interest(c);
	return true;
}

void conn_stop_rx(struct conn *c)
{
	sess_stop_rx(c->sess);
	c->rx_off = c->rx_len = 0;
	update_interest(c);
}

bool conn_idle(const struct conn *c)
{
	return sess_in_io(c->sess) == 0 && !sess_tx_pending(c->sess);
}
