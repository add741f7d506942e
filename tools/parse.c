// SPDX-License-Identifier: GPL-2.0
/* Pure value parsers for silkctl (see parse.h). */
#include "parse.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "silk_netlink.h"
#include "silk_proto.h"

#define SETERR(...) do {					\
	if (err && errlen) {					\
		snprintf(err, errlen, __VA_ARGS__);		\
		silk_one_line(err);				\
	}							\
} while (0)

void silk_one_line(char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

/* Parses a run of decimal digits; no sign, no spaces.  *end gets the rest. */
static int parse_digits(const char *s, uint64_t *out, const char **end)
{
	uint64_t v = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		unsigned int d = (unsigned int)(*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	*end = p;
	return 0;
}

struct size_suffix {
	const char *name;
	unsigned int shift;
};

static const struct size_suffix size_suffixes[] = {
	{ "", 0 },  { "B", 0 },
	{ "K", 10 }, { "KiB", 10 },
	{ "M", 20 }, { "MiB", 20 },
	{ "G", 30 }, { "GiB", 30 },
	{ "T", 40 }, { "TiB", 40 },
};

int silk_parse_size(const char *s, uint64_t *out, char *err, size_t errlen)
{
	const char *rest;
	uint64_t v;
	size_t i;
	int rc;

	if (!s || !*s) {
		SETERR("empty size");
		return -1;
	}
	rc = parse_digits(s, &v, &rest);
	if (rc == -ERANGE) {
		SETERR("size '%s' is too large", s);
		return -1;
	}
	if (rc) {
		SETERR("invalid size '%s' (expected e.g. 4096, 512M, 10GiB)", s);
		return -1;
	}
	for (i = 0; i < sizeof(size_suffixes) / sizeof(size_suffixes[0]); i++) {
		unsigned int shift = size_suffixes[i].shift;

		if (strcasecmp(rest, size_suffixes[i].name))
			continue;
		if (shift && v > (UINT64_MAX >> shift)) {
			SETERR("size '%s' is too large", s);
			return -1;
		}
		*out = v << shift;
		return 0;
	}
	SETERR("invalid size suffix in '%s' (use K, M, G, T or KiB, MiB, GiB, TiB)", s);
	return -1;
}

int silk_check_volume_size(uint64_t size, uint32_t block_size,
			   char *err, size_t errlen)
{
	if (size == 0) {
		SETERR("size must be greater than zero");
		return -1;
	}
	if (size > (uint64_t)INT64_MAX) {
		SETERR("size %" PRIu64 " is too large", size);
		return -1;
	}
	if (block_size && size % block_size) {
		SETERR("size %" PRIu64 " is not a multiple of the block size %" PRIu32,
		       size, block_size);
		return -1;
	}
	return 0;
}

int silk_parse_u64(const char *s, uint64_t min, uint64_t max, const char *what,
		   uint64_t *out, char *err, size_t errlen)
{
	const char *rest;
	uint64_t v;
	int rc;

	if (!s || !*s) {
		SETERR("empty value for %s", what);
		return -1;
	}
	rc = parse_digits(s, &v, &rest);
	if (rc == 0 && *rest)
		rc = -EINVAL;
	if (rc == -EINVAL) {
		SETERR("invalid %s '%s' (expected a non-negative integer)", what, s);
		return -1;
	}
	if (rc == -ERANGE || v < min || v > max) {
		SETERR("%s '%s' out of range (%" PRIu64 "..%" PRIu64 ")",
		       what, s, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int silk_parse_u32(const char *s, uint32_t min, uint32_t max, const char *what,
		   uint32_t *out, char *err, size_t errlen)
{
	uint64_t v;

	if (silk_parse_u64(s, min, max, what, &v, err, errlen))
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int silk_parse_seconds_ms(const char *s, uint32_t min_s, uint32_t max_s,
			  const char *what, uint32_t *out_ms,
			  char *err, size_t errlen)
{
	uint32_t v;

	if (max_s > UINT32_MAX / 1000)
		max_s = UINT32_MAX / 1000;
	if (silk_parse_u32(s, min_s, max_s, what, &v, err, errlen))
		return -1;
	*out_ms = v * 1000;
	return 0;
}

int silk_parse_block_size(const char *s, uint32_t *out, char *err, size_t errlen)
{
	if (s && !strcmp(s, "512")) {
		*out = 512;
		return 0;
	}
	if (s && !strcmp(s, "4096")) {
		*out = 4096;
		return 0;
	}
	SETERR("invalid block size '%s' (must be 512 or 4096)", s ? s : "");
	return -1;
}

int silk_parse_transport(const char *s, uint8_t *out, char *err, size_t errlen)
{
	if (s && !strcmp(s, "tcp")) {
		*out = SILK_TRANSPORT_TCP;
		return 0;
	}
	if (s && !strcmp(s, "rdma")) {
		*out = SILK_TRANSPORT_RDMA;
		return 0;
	}
	SETERR("invalid transport '%s' (must be tcp or rdma)", s ? s : "");
	return -1;
}

int silk_parse_device(const char *s, uint32_t *out, char *err, size_t errlen)
{
	const char *p = s;
	const char *rest;
	uint64_t v;

	if (!s || !*s) {
		SETERR("empty device name");
		return -1;
	}
	if (!strncmp(p, "/dev/", 5))
		p += 5;
	if (!strncmp(p, "silk", 4))
		p += 4;
	else if (p != s)
		goto bad;
	/* No sign, no leading zeros ("silk01" is not a disk name). */
	if (parse_digits(p, &v, &rest) || *rest || (p[0] == '0' && p[1]))
		goto bad;
	if (v > INT32_MAX)
		goto bad;
	*out = (uint32_t)v;
	return 0;
bad:
	SETERR("invalid device '%s' (expected /dev/silkN, silkN or N)", s);
	return -1;
}

int silk_check_volume_name(const char *s, char *err, size_t errlen)
{
	size_t n, i;

	if (!s || !*s) {
		SETERR("empty volume name");
		return -1;
	}
	n = strlen(s);
	if (n > SILK_VOLUME_NAME_MAX) {
		SETERR("volume name is too long (%zu chars, at most %d)",
		       n, SILK_VOLUME_NAME_MAX);
		return -1;
	}
	if (s[0] == '.' || s[0] == '-') {
		SETERR("invalid volume name '%s' (must not start with '.' or '-')", s);
		return -1;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isalnum(c) && c != '.' && c != '_' && c != '-') {
			SETERR("invalid volume name '%s' (allowed: A-Z a-z 0-9 . _ -)", s);
			return -1;
		}
	}
	return 0;
}

int silk_check_ip_literal(const char *s, char *err, size_t errlen)
{
	unsigned char buf[sizeof(struct in6_addr)];

	if (s && (inet_pton(AF_INET, s, buf) == 1 ||
		  inet_pton(AF_INET6, s, buf) == 1))
		return 0;
	SETERR("invalid address '%s' (expected an IPv4 or IPv6 address)", s ? s : "");
	return -1;
}
