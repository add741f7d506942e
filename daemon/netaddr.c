// SPDX-License-Identifier: GPL-2.0
#include "netaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int parse_port(const char *p, int *port)
{
	char *end;
	long v;

	if (*p < '0' || *p > '9')
		return -1;
	errno = 0;
	v = strtol(p, &end, 10);
	if (errno || *end || v < 0 || v > 65535)
		return -1;
	*port = (int)v;
	return 0;
}

int netaddr_parse(const char *s, int default_port, struct sockaddr_storage *ss,
		  socklen_t *len, char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port_s = NULL;
	int port = default_port;
	size_t hl;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close) {
			snprintf(err, errlen, "'%s': missing ']'", s);
			return -1;
		}
		hl = (size_t)(close - s - 1);
		if (close[1] == ':')
			port_s = close + 2;
		else if (close[1] != '\0') {
			snprintf(err, errlen, "'%s': expected ':PORT' after ']'", s);
			return -1;
		}
		if (hl >= sizeof(host)) {
			snprintf(err, errlen, "'%s': address too long", s);
			return -1;
		}
		memcpy(host, s + 1, hl);
		host[hl] = '\0';
	} else {
		const char *c = strchr(s, ':');

		if (c && strchr(c + 1, ':'))
			c = NULL;	/* bare IPv6 literal, no port */
		hl = c ? (size_t)(c - s) : strlen(s);
		if (hl >= sizeof(host)) {
			snprintf(err, errlen, "'%s': address too long", s);
			return -1;
		}
		memcpy(host, s, hl);
		host[hl] = '\0';
		if (c)
			port_s = c + 1;
	}
	if (port_s && parse_port(port_s, &port) < 0) {
		snprintf(err, errlen, "'%s': port must be 0-65535", s);
		return -1;
	}
	if (host[0] == '\0') {
		snprintf(err, errlen, "'%s': missing address", s);
		return -1;
	}
	{
		struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
			in4->sin_family = AF_INET;
			in4->sin_port = htons((uint16_t)port);
			*len = sizeof(*in4);
			return 0;
		}
		if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
			in6->sin6_family = AF_INET6;
			in6->sin6_port = htons((uint16_t)port);
			*len = sizeof(*in6);
			return 0;
		}
	}
	snprintf(err, errlen, "'%s': not a numeric IPv4 or IPv6 address", s);
	return -1;
}

void netaddr_format(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in4 = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &in4->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(in4->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(in6->sin6_port));
	} else {
		snprintf(buf, len, "unix");
	}
}

int netaddr_listen(const struct sockaddr_storage *ss, socklen_t len,
		   char *err, size_t errlen)
{
	char name[NETADDR_STRLEN];
	int one = 1;
	int fd;

	netaddr_format((const struct sockaddr *)ss, name, sizeof(name));
	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket for %s: %s", name, strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)ss, len) < 0 ||
	    listen(fd, 512) < 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", name,
			 strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}
