// SPDX-License-Identifier: GPL-2.0
/* silkd management API client: connect, one request, one reply line. */
#include "mgmt.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int remaining_ms(int64_t deadline)
{
	int64_t left = deadline - now_ms();

	if (left <= 0)
		return 0;
	return left > INT32_MAX ? INT32_MAX : (int)left;
}

/* Waits for events on fd until the deadline: 1 ready, 0 timeout, -1 error. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int rc;

	for (;;) {
		int left = remaining_ms(deadline);

		if (left == 0)
			return 0;
		rc = poll(&pfd, 1, left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -1;
		return rc > 0 ? 1 : 0;
	}
}

static int connect_one(int family, const struct sockaddr *sa, socklen_t salen,
		       int64_t deadline, int *err_no)
{
	int fd, rc, soerr = 0;
	socklen_t sl = sizeof(soerr);

	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		*err_no = errno;
		return -1;
	}
	rc = connect(fd, sa, salen);
	if (rc < 0 && errno == EINTR)
		errno = EINPROGRESS;
	if (rc < 0 && errno != EINPROGRESS) {
		*err_no = errno;
		close(fd);
		return -1;
	}
	if (rc < 0) {
		rc = wait_fd(fd, POLLOUT, deadline);
		if (rc <= 0) {
			*err_no = rc == 0 ? ETIMEDOUT : errno;
			close(fd);
			return -1;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
			soerr = errno;
		if (soerr) {
			*err_no = soerr;
			close(fd);
			return -1;
		}
	}
	return fd;
}

static int mgmt_connect(const struct mgmt_addr *a, int64_t deadline,
			char *err, size_t errlen)
{
	char shown[300];
	int err_no = 0, fd = -1;

	mgmt_addr_str(a, shown, sizeof(shown));
	if (a->kind == MGMT_UNIX) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };

		memcpy(sun.sun_path, a->path, sizeof(a->path) < sizeof(sun.sun_path) ?
		       sizeof(a->path) : sizeof(sun.sun_path));
		sun.sun_path[sizeof(sun.sun_path) - 1] = '\0';
		fd = connect_one(AF_UNIX, (struct sockaddr *)&sun, sizeof(sun),
				 deadline, &err_no);
	} else {
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
		struct addrinfo *res = NULL, *ai;
		int rc = getaddrinfo(a->host, a->port, &hints, &res);

		if (rc) {
			snprintf(err, errlen, "cannot resolve silkd address %s: %s",
				 shown, gai_strerror(rc));
			return -1;
		}
		err_no = EHOSTUNREACH;
		for (ai = res; ai && fd < 0; ai = ai->ai_next)
			fd = connect_one(ai->ai_family, ai->ai_addr, ai->ai_addrlen,
					 deadline, &err_no);
		freeaddrinfo(res);
	}
	if (fd >= 0)
		return fd;
	if (err_no == EACCES || err_no == EPERM)
		snprintf(err, errlen, "cannot connect to silkd at %s: %s (need root?)",
			 shown, strerror(err_no));
	else
		snprintf(err, errlen, "cannot connect to silkd at %s: %s (is silkd running?)",
			 shown, strerror(err_no));
	return -1;
}

static int send_all(int fd, const char *buf, size_t len, int64_t deadline,
		    char *err, size_t errlen)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int rc = wait_fd(fd, POLLOUT, deadline);

			if (rc > 0)
				continue;
			snprintf(err, errlen, "sending to silkd: %s",
				 rc == 0 ? "timed out" : strerror(errno));
			return -1;
		}
		snprintf(err, errlen, "sending to silkd: %s",
			 n == 0 ? "connection closed" : strerror(errno));
		return -1;
	}
	return 0;
}

/* Reads up to the first '\n'; *line is malloc()ed, NUL-terminated. */
static int recv_line(int fd, int64_t deadline, char **line, size_t *len,
		     char *err, size_t errlen)
{
	size_t cap = 4096, used = 0;
	char *buf = malloc(cap);

	if (!buf) {
		snprintf(err, errlen, "out of memory");
		return MGMT_ERR_IO;
	}
	for (;;) {
		char *nl;
		ssize_t n;
		int rc;

		if (used + 1 >= cap) {
			char *nb;

			if (cap >= SILK_MGMT_MAX_REPLY) {
				snprintf(err, errlen, "reply from silkd is too long (over %u bytes)",
					 SILK_MGMT_MAX_REPLY);
				free(buf);
				return MGMT_ERR_PROTO;
			}
			nb = realloc(buf, cap * 2);
			if (!nb) {
				snprintf(err, errlen, "out of memory");
				free(buf);
				return MGMT_ERR_IO;
			}
			buf = nb;
			cap *= 2;
		}
		n = recv(fd, buf + used, cap - used - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			rc = wait_fd(fd, POLLIN, deadline);
			if (rc > 0)
				continue;
			snprintf(err, errlen, "waiting for silkd: %s",
				 rc == 0 ? "timed out" : strerror(errno));
			free(buf);
			return MGMT_ERR_IO;
		}
		if (n < 0) {
			snprintf(err, errlen, "reading from silkd: %s", strerror(errno));
			free(buf);
			return MGMT_ERR_IO;
		}
		if (n == 0) {
			snprintf(err, errlen, used ? "silkd closed the connection mid-reply"
				 : "silkd closed the connection without replying");
			free(buf);
			return MGMT_ERR_PROTO;
		}
		nl = memchr(buf + used, '\n', (size_t)n);
		used += (size_t)n;
		if (nl) {
			*nl = '\0';
			*line = buf;
			*len = (size_t)(nl - buf);
			return MGMT_OK;
		}
	}
}

/* Copies s into err as one printable line. */
static void one_line(const char *s, char *err, size_t errlen)
{
	size_t i;

	snprintf(err, errlen, "%s", s);
	for (i = 0; err[i]; i++)
		if ((unsigned char)err[i] < 0x20 || err[i] == 0x7f)
			err[i] = ' ';
}

int mgmt_parse_reply(const char *line, size_t len, json_object **out,
		     int *srv_errno, char *err, size_t errlen)
{
	json_tokener *tok;
	json_object *root, *ok, *v;
	size_t used;

	*out = NULL;
	if (srv_errno)
		*srv_errno = 0;
	while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
		len--;
	if (len == 0) {
		snprintf(err, errlen, "malformed reply from silkd (empty line)");
		return MGMT_ERR_PROTO;
	}
	if (memchr(line, '\0', len) || len > INT32_MAX) {
		snprintf(err, errlen, "malformed reply from silkd (not JSON)");
		return MGMT_ERR_PROTO;
	}
	tok = json_tokener_new();
	if (!tok) {
		snprintf(err, errlen, "out of memory");
		return MGMT_ERR_IO;
	}
	root = json_tokener_parse_ex(tok, line, (int)len);
	used = json_tokener_get_parse_end(tok);
	if (!root || json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(root);
		json_tokener_free(tok);
		snprintf(err, errlen, "malformed reply from silkd (not JSON)");
		return MGMT_ERR_PROTO;
	}
	json_tokener_free(tok);
	while (used < len && (line[used] == ' ' || line[used] == '\t'))
		used++;
	if (used != len) {
		json_object_put(root);
		snprintf(err, errlen, "malformed reply from silkd (trailing data after JSON)");
		return MGMT_ERR_PROTO;
	}
	if (!json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		snprintf(err, errlen, "malformed reply from silkd (not a JSON object)");
		return MGMT_ERR_PROTO;
	}
	if (!json_object_object_get_ex(root, "ok", &ok) ||
	    !json_object_is_type(ok, json_type_boolean)) {
		json_object_put(root);
		snprintf(err, errlen, "malformed reply from silkd (no boolean \"ok\")");
		return MGMT_ERR_PROTO;
	}
	if (json_object_get_boolean(ok)) {
		*out = root;
		return MGMT_OK;
	}
	if (json_object_object_get_ex(root, "error", &v) &&
	    json_object_is_type(v, json_type_string) && json_object_get_string_len(v))
		one_line(json_object_get_string(v), err, errlen);
	else
		snprintf(err, errlen, "silkd reported an unspecified error");
	if (srv_errno && json_object_object_get_ex(root, "errno", &v) &&
	    json_object_is_type(v, json_type_int)) {
		int64_t e = json_object_get_int64(v);

		if (e > 0 && e < 4096)
			*srv_errno = (int)e;
	}
	json_object_put(root);
	return MGMT_ERR_SERVER;
}

int mgmt_call_fd(int fd, json_object *req, int timeout_ms,
		 json_object **out, int *srv_errno, char *err, size_t errlen)
{
	int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 1);
	const char *body;
	char *line = NULL;
	size_t body_len, len;
	char *msg;
	int flags, rc;

	*out = NULL;
	if (srv_errno)
		*srv_errno = 0;
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		snprintf(err, errlen, "socket setup: %s", strerror(errno));
		return MGMT_ERR_IO;
	}
	body = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!body) {
		snprintf(err, errlen, "out of memory");
		return MGMT_ERR_IO;
	}
	body_len = strlen(body);
	msg = malloc(body_len + 2);
	if (!msg) {
		snprintf(err, errlen, "out of memory");
		return MGMT_ERR_IO;
	}
	memcpy(msg, body, body_len);
	msg[body_len] = '\n';
	msg[body_len + 1] = '\0';
	rc = send_all(fd, msg, body_len + 1, deadline, err, errlen);
	free(msg);
	if (rc)
		return MGMT_ERR_IO;
	rc = recv_line(fd, deadline, &line, &len, err, errlen);
	if (rc)
		return rc;
	rc = mgmt_parse_reply(line, len, out, srv_errno, err, errlen);
	free(line);
	return rc;
}

int mgmt_call(const struct mgmt_addr *addr, json_object *req, int timeout_ms,
	      json_object **out, int *srv_errno, char *err, size_t errlen)
{
	int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 1);
	int fd, rc, left;

	*out = NULL;
	fd = mgmt_connect(addr, deadline, err, errlen);
	if (fd < 0)
		return MGMT_ERR_CONNECT;
	left = remaining_ms(deadline);
	rc = mgmt_call_fd(fd, req, left > 0 ? left : 1, out, srv_errno, err, errlen);
	close(fd);
	return rc;
}
