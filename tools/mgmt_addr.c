// SPDX-License-Identifier: GPL-2.0
/* Parsing and printing silkd management addresses (see mgmt.h). */
#include "mgmt.h"

#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "silk_proto.h"

static int set_port(struct mgmt_addr *out, const char *p, const char *whole,
		    char *err, size_t errlen)
{
	uint32_t port;
	char why[128];

	if (silk_parse_u32(p, 1, 65535, "port", &port, why, sizeof(why))) {
		snprintf(err, errlen, "invalid server address '%s': %s", whole, why);
		return -1;
	}
	snprintf(out->port, sizeof(out->port), "%u", (unsigned int)port);
	return 0;
}

static int set_host(struct mgmt_addr *out, const char *h, size_t len,
		    const char *whole, char *err, size_t errlen)
{
	if (len == 0 || len >= sizeof(out->host) || memchr(h, '/', len)) {
		snprintf(err, errlen, "invalid server address '%s'", whole);
		return -1;
	}
	memcpy(out->host, h, len);
	out->host[len] = '\0';
	return 0;
}

int mgmt_parse_addr(const char *s, struct mgmt_addr *out, char *err, size_t errlen)
{
	const char *colon;

	memset(out, 0, sizeof(*out));
	if (!s || !*s) {
		snprintf(err, errlen, "empty server address");
		return -1;
	}
	if (s[0] == '/' || s[0] == '.') {
		if (strlen(s) >= sizeof(out->path)) {
			snprintf(err, errlen, "socket path '%s' is too long (at most %zu bytes)",
				 s, sizeof(out->path) - 1);
			return -1;
		}
		out->kind = MGMT_UNIX;
		strcpy(out->path, s);
		return 0;
	}
	out->kind = MGMT_TCP;
	snprintf(out->port, sizeof(out->port), "%d", SILK_DEFAULT_MGMT_PORT);
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close == s + 1) {
			snprintf(err, errlen, "invalid server address '%s'", s);
			return -1;
		}
		if (set_host(out, s + 1, (size_t)(close - s - 1), s, err, errlen))
			return -1;
		if (close[1] == '\0')
			return 0;
		if (close[1] != ':') {
			snprintf(err, errlen, "invalid server address '%s'", s);
			return -1;
		}
		return set_port(out, close + 2, s, err, errlen);
	}
	colon = strchr(s, ':');
	if (colon && strchr(colon + 1, ':'))	/* bare IPv6 literal, no port */
		return set_host(out, s, strlen(s), s, err, errlen);
	if (!colon)
		return set_host(out, s, strlen(s), s, err, errlen);
	if (set_host(out, s, (size_t)(colon - s), s, err, errlen))
		return -1;
	return set_port(out, colon + 1, s, err, errlen);
}

void mgmt_addr_str(const struct mgmt_addr *a, char *buf, size_t len)
{
	if (a->kind == MGMT_UNIX)
		snprintf(buf, len, "%s", a->path);
	else if (strchr(a->host, ':'))
		snprintf(buf, len, "[%s]:%s", a->host, a->port);
	else
		snprintf(buf, len, "%s:%s", a->host, a->port);
}
