/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Client for the silkd management API (Documentation/mgmt-api.md):
 * one JSON object per line over a UNIX or TCP stream socket.  Every
 * connect, write and read is bounded by a deadline.
 */
#ifndef SILKCTL_MGMT_H
#define SILKCTL_MGMT_H

#include <stddef.h>

#include <json-c/json.h>

#define SILK_MGMT_DEFAULT_SOCKET "/run/silk/silkd.sock"
#define SILK_MGMT_TIMEOUT_MS	 10000
#define SILK_MGMT_MAX_REPLY	 (4u << 20)	/* bytes, including '\n' */

enum mgmt_addr_kind { MGMT_UNIX, MGMT_TCP };

struct mgmt_addr {
	enum mgmt_addr_kind kind;
	char path[108];		/* MGMT_UNIX: socket path */
	char host[256];		/* MGMT_TCP: host name or address literal */
	char port[6];		/* MGMT_TCP: decimal port */
};

/* "/path/to.sock", "HOST", "HOST:PORT", "[V6]", "[V6]:PORT".  Pure. */
int mgmt_parse_addr(const char *s, struct mgmt_addr *out, char *err, size_t errlen);

/* Printable form of an address ("/run/silk/silkd.sock", "[::1]:7410"). */
void mgmt_addr_str(const struct mgmt_addr *a, char *buf, size_t len);

enum mgmt_status {
	MGMT_OK = 0,
	MGMT_ERR_CONNECT = -1,	/* could not reach silkd */
	MGMT_ERR_IO = -2,	/* I/O error or timeout after connecting */
	MGMT_ERR_PROTO = -3,	/* reply not a valid API reply */
	MGMT_ERR_SERVER = -4,	/* silkd answered "ok": false */
};

/*
 * Validate one reply line (without the newline).  On MGMT_OK *out gets
 * the reply object (caller json_object_put()s it); on MGMT_ERR_SERVER,
 * err holds silkd's message and *srv_errno its errno (0 if absent).
 */
int mgmt_parse_reply(const char *line, size_t len, json_object **out,
		     int *srv_errno, char *err, size_t errlen);

/*
 * Send req and wait for its reply, within timeout_ms in total.  Returns
 * an enum mgmt_status; err holds a one-line message on failure.
 */
int mgmt_call(const struct mgmt_addr *addr, json_object *req, int timeout_ms,
	      json_object **out, int *srv_errno, char *err, size_t errlen);

/* Same, over an already connected stream socket (used by tests). */
int mgmt_call_fd(int fd, json_object *req, int timeout_ms,
		 json_object **out, int *srv_errno, char *err, size_t errlen);

#endif
