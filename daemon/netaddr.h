/* SPDX-License-Identifier: GPL-2.0 */
/* "ADDR:PORT" parsing and formatting for IPv4 and IPv6 ("[ADDR]:PORT"). */
#ifndef SILK_DAEMON_NETADDR_H
#define SILK_DAEMON_NETADDR_H

#include <stddef.h>
#include <sys/socket.h>

#define NETADDR_STRLEN 64

/*
 * Parse "1.2.3.4:7400", "[::1]:7400", "1.2.3.4" or "::1" (no port:
 * default_port).  Numeric addresses only.  Returns 0 or -1 with a reason.
 */
int netaddr_parse(const char *s, int default_port, struct sockaddr_storage *ss,
		  socklen_t *len, char *err, size_t errlen);
/* Format as "1.2.3.4:7400" or "[::1]:7400". */
void netaddr_format(const struct sockaddr *sa, char *buf, size_t len);
/* Listening TCP socket (non-blocking, close-on-exec, SO_REUSEADDR). */
int netaddr_listen(const struct sockaddr_storage *ss, socklen_t len,
		   char *err, size_t errlen);

#endif
