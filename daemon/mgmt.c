// SPDX-License-Identifier: GPL-2.0
#include "mgmt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "netaddr.h"

struct mconn {
	int fd;
	char peer[NETADDR_STRLEN];
	char *rx;
	size_t rx_len;
	char *tx;
	size_t tx_len, tx_off, tx_cap;
	bool close_after_tx;
	struct mconn *next;
};

#define EV_STOP ((uint64_t)1)
#define EV_UNIX ((uint64_t)2)
#define EV_TCP ((uint64_t)3)

static void mconn_free(struct mgmt *m, struct mconn *c)
{
	struct mconn **pp;

	for (pp = &m->conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	epoll_ctl(m->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->rx);
	free(c->tx);
	free(c);
	m->nconns--;
}

static int queue_tx(struct mconn *c, const char *s)
{
	size_t n = strlen(s) + 1;

	if (c->tx_len + n > c->tx_cap) {
		size_t cap = (c->tx_len + n) * 2;
		char *p = realloc(c->tx, cap);

		if (!p)
			return -1;
		c->tx = p;
		c->tx_cap = cap;
	}
	memcpy(c->tx + c->tx_len, s, n - 1);
	c->tx[c->tx_len + n - 1] = '\n';
	c->tx_len += n;
	return 0;
}

/* Returns -1 when the connection should be dropped now. */
static int flush_tx(struct mgmt *m, struct mconn *c)
{
	struct epoll_event ev = { .data.ptr = c };

	while (c->tx_off < c->tx_len) {
		ssize_t w = send(c->fd, c->tx + c->tx_off, c->tx_len - c->tx_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			ev.events = EPOLLOUT;
			epoll_ctl(m->epfd, EPOLL_CTL_MOD, c->fd, &ev);
			return 0;
		}
		if (w < 0)
			return -1;
		c->tx_off += (size_t)w;
	}
	c->tx_off = c->tx_len = 0;
	if (c->close_after_tx)
		return -1;
	ev.events = EPOLLIN;
	epoll_ctl(m->epfd, EPOLL_CTL_MOD, c->fd, &ev);
	return 0;
}

static int reply(struct mconn *c, char *s)
{
	int rc;

	if (!s)
		return -1;
	rc = queue_tx(c, s);
	free(s);
	return rc;
}

/* Handle complete lines in rx; returns -1 to drop the connection. */
static int handle_lines(struct mgmt *m, struct mconn *c)
{
	size_t start = 0;

	for (;;) {
		char *nl = memchr(c->rx + start, '\n', c->rx_len - start);
		size_t len;

		if (!nl)
			break;
		len = (size_t)(nl - (c->rx + start));
		if (len > 0 && reply(c, mgmt_handle(&m->ctx, c->rx + start, len)))
			return -1;
		start += len + 1;
	}
	memmove(c->rx, c->rx + start, c->rx_len - start);
	c->rx_len -= start;
	if (c->rx_len >= MGMT_MAX_LINE) {
		c->close_after_tx = true;
		c->rx_len = 0;
		return reply(c, mgmt_error_reply(E2BIG,
				"request line longer than 64 KiB; closing"));
	}
	return 0;
}

static void on_conn(struct mgmt *m, struct mconn *c, uint32_t events)
{
	if (events & EPOLLIN) {
		ssize_t r = recv(c->fd, c->rx + c->rx_len,
				 MGMT_MAX_LINE + 1 - c->rx_len, MSG_DONTWAIT);

		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
			mconn_free(m, c);
			return;
		}
		if (r > 0) {
			c->rx_len += (size_t)r;
			if (handle_lines(m, c) < 0) {
				mconn_free(m, c);
				return;
			}
		}
	} else if (events & (EPOLLHUP | EPOLLERR)) {
		mconn_free(m, c);
		return;
	}
	if (flush_tx(m, c) < 0)
		mconn_free(m, c);
}

/* Best effort: tell a refused peer why before closing. */
static void refuse(int fd, const char *msg)
{
	char *s = mgmt_error_reply(EACCES, msg);

	if (s) {
		size_t n = strlen(s);
		char *line = realloc(s, n + 2);

		if (line) {
			line[n] = '\n';
			line[n + 1] = '\0';
			(void)!send(fd, line, n + 1, MSG_NOSIGNAL | MSG_DONTWAIT);
			s = line;
		}
		free(s);
	}
}

static void on_accept(struct mgmt *m, int lfd, bool is_unix)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct epoll_event ev;
	struct mconn *c;
	int fd = accept4(lfd, (struct sockaddr *)&ss, &sl,
			 SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (m->nconns >= MGMT_MAX_CONNS) {
		log_warn("mgmt: too many connections, refusing one");
		close(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (c)
		c->rx = malloc(MGMT_MAX_LINE + 1);
	if (!c || !c->rx) {
		free(c);
		close(fd);
		return;
	}
	c->fd = fd;
	if (is_unix) {
		struct ucred cr;
		socklen_t cl = sizeof(cr);

		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) < 0 ||
		    (cr.uid != 0 && cr.uid != geteuid())) {
			unsigned uid = cl == sizeof(cr) ? (unsigned)cr.uid : ~0u;
			char msg[128];

			snprintf(msg, sizeof(msg),
				 "permission denied: uid %u may not manage silkd (root only)",
				 uid);
			log_warn("mgmt: refused uid %u", uid);
			refuse(fd, msg);
			free(c->rx);
			free(c);
			close(fd);
			return;
		}
		snprintf(c->peer, sizeof(c->peer), "unix:uid=%u", (unsigned)cr.uid);
	} else {
		netaddr_format((struct sockaddr *)&ss, c->peer, sizeof(c->peer));
	}
	ev.events = EPOLLIN;
	ev.data.ptr = c;
	if (epoll_ctl(m->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		free(c->rx);
		free(c);
		close(fd);
		return;
	}
	c->next = m->conns;
	m->conns = c;
	m->nconns++;
	log_debug("mgmt: connection from %s", c->peer);
}

static void *mgmt_main(void *arg)
{
	struct mgmt *m = arg;
	struct epoll_event evs[32];

	for (;;) {
		int n = epoll_wait(m->epfd, evs, 32, 1000);

		if (n < 0 && errno != EINTR) {
			log_err("mgmt: epoll_wait: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			uint64_t d = evs[i].data.u64;

			if (d == EV_STOP)
				return NULL;
			if (d == EV_UNIX)
				on_accept(m, m->unix_fd, true);
			else if (d == EV_TCP)
				on_accept(m, m->tcp_fd, false);
			else
				on_conn(m, evs[i].data.ptr, evs[i].events);
		}
	}
	return NULL;
}

static int mkdir_parent(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

static int bind_unix(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "mgmt socket path too long: %s", path);
		return -1;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (mkdir_parent(path) < 0) {
		snprintf(err, errlen, "cannot create directory for %s: %s", path,
			 strerror(errno));
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s exists and is not a socket", path);
			close(fd);
			return -1;
		}
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 ||
		    errno == EAGAIN) {
			snprintf(err, errlen,
				 "%s is in use: another silkd is running", path);
			close(fd);
			return -1;
		}
		close(fd);
		unlink(path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			snprintf(err, errlen, "socket: %s", strerror(errno));
			return -1;
		}
	}
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		umask(old);
		snprintf(err, errlen, "cannot bind %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	umask(old);
	if (chmod(path, 0600) < 0 || listen(fd, 64) < 0) {
		snprintf(err, errlen, "cannot set up %s: %s", path,
			 strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

static int add_ev(struct mgmt *m, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	return epoll_ctl(m->epfd, EPOLL_CTL_ADD, fd, &ev);
}

int mgmt_start(struct mgmt *m, const struct mgmt_ctx *ctx,
	       const char *sock_path, const char *tcp, char *err,
	       size_t errlen)
{
	memset(m, 0, sizeof(*m));
	m->ctx = *ctx;
	m->unix_fd = m->tcp_fd = m->stop_efd = -1;
	m->epfd = epoll_create1(EPOLL_CLOEXEC);
	m->stop_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (m->epfd < 0 || m->stop_efd < 0 || add_ev(m, m->stop_efd, EV_STOP)) {
		snprintf(err, errlen, "mgmt: %s", strerror(errno));
		goto fail;
	}
	if (sock_path[0]) {
		m->unix_fd = bind_unix(sock_path, err, errlen);
		if (m->unix_fd < 0)
			goto fail;
		snprintf(m->sock_path, sizeof(m->sock_path), "%s", sock_path);
		if (add_ev(m, m->unix_fd, EV_UNIX)) {
			snprintf(err, errlen, "mgmt: %s", strerror(errno));
			goto fail;
		}
	}
	if (tcp[0]) {
		struct sockaddr_storage ss;
		socklen_t sl;
		char why[160];

		if (netaddr_parse(tcp, SILK_DEFAULT_MGMT_PORT, &ss, &sl, why,
				  sizeof(why)) < 0) {
			snprintf(err, errlen, "mgmt_listen: %s", why);
			goto fail;
		}
		m->tcp_fd = netaddr_listen(&ss, sl, err, errlen);
		if (m->tcp_fd < 0)
			goto fail;
		sl = sizeof(ss);
		getsockname(m->tcp_fd, (struct sockaddr *)&ss, &sl);
		netaddr_format((struct sockaddr *)&ss, m->tcp_name,
			       sizeof(m->tcp_name));
		if (add_ev(m, m->tcp_fd, EV_TCP)) {
			snprintf(err, errlen, "mgmt: %s", strerror(errno));
			goto fail;
		}
		log_warn("management API on TCP %s has no authentication",
			 m->tcp_name);
	}
	if (pthread_create(&m->thread, NULL, mgmt_main, m) != 0) {
		snprintf(err, errlen, "mgmt: cannot start thread");
		goto fail;
	}
	m->running = true;
	return 0;
fail:
	mgmt_stop(m);
	return -1;
}

void mgmt_stop(struct mgmt *m)
{
	if (m->running) {
		uint64_t one = 1;

		(void)!write(m->stop_efd, &one, sizeof(one));
		pthread_join(m->thread, NULL);
		m->running = false;
	}
	while (m->conns)
		mconn_free(m, m->conns);
	if (m->unix_fd >= 0) {
		close(m->unix_fd);
		unlink(m->sock_path);
	}
	if (m->tcp_fd >= 0)
		close(m->tcp_fd);
	if (m->stop_efd >= 0)
		close(m->stop_efd);
	if (m->epfd >= 0)
		close(m->epfd);
	m->unix_fd = m->tcp_fd = m->stop_efd = m->epfd = -1;
}
