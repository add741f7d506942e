// SPDX-License-Identifier: GPL-2.0
/*
 * nl_malformed: send deliberately malformed silk generic netlink requests
 * and check that the kernel refuses every one of them (run inside the
 * test VM with silk.ko loaded).
 *
 *   nl_malformed [-v] [--any-error] [--require-extack] [--port PORT]
 *   nl_malformed --unpriv[ileged]  (as a non-root user: expect EPERM)
 *
 * Default mode: every case must fail; "strict" cases must fail with a
 * validation errno (EINVAL, ERANGE, ...), not e.g. a connection error,
 * unless --any-error.  A request the kernel wrongly accepts is undone
 * (DEV_REMOVE) and counted as a failure.  Exit status: 0 when every
 * request was refused as expected, 1 otherwise, 2 on a usage or setup
 * error (e.g. silk.ko not loaded).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <netlink/genl/genl.h>

#include "nlclient.h"
#include "nlmsg.h"

#define MAX_EXTRA 3

struct raw_attr {
	int type;
	int len;
	const void *data;	/* NULL: len bytes of 'fill' */
	uint8_t fill;
};

enum base { BASE_NONE, BASE_ADD };

struct nlcase {
	const char *name;
	uint8_t cmd;
	int nlflags;
	enum base base;
	uint32_t omit;			/* (1 << SILK_A_x) base attrs to leave out */
	struct raw_attr extra[MAX_EXTRA];
	bool truncated;			/* append an attribute cut short */
	bool strict;			/* must fail with a validation errno */
};

static const uint8_t u8_1 = 1, u8_0 = 0, u8_99 = 99;
static const uint16_t u16_0 = 0, u16_port = 7400;
static const uint32_t u32_0 = 0, u32_1 = 1, u32_1000 = 1000, u32_1025 = 1025,
		      u32_511 = 511, u32_8192 = 8192, u32_big = 0x7fffffff,
		      u32_port = 7400;
static const uint64_t u64_1 = 1;

#define A(t, l, d)	{ .type = (t), .len = (l), .data = (d) }
#define FILL(t, l, c)	{ .type = (t), .len = (l), .data = NULL, .fill = (c) }
#define BIT(a)		(1u << (a))

static const struct nlcase cases[] = {
	/* DEV_ADD: missing attributes */
	{ "add: no attributes", SILK_CMD_DEV_ADD, 0, BASE_NONE, 0, {{0}}, false, true },
	{ "add: missing volume", SILK_CMD_DEV_ADD, 0, BASE_ADD, BIT(SILK_A_VOLUME),
	  {{0}}, false, true },
	{ "add: missing address", SILK_CMD_DEV_ADD, 0, BASE_ADD, BIT(SILK_A_ADDR),
	  {{0}}, false, false },
	/* DEV_ADD: bad strings */
	{ "add: volume name 64 chars", SILK_CMD_DEV_ADD, 0, BASE_ADD, 0,
	  { FILL(SILK_A_VOLUME, 64, 'v') }, false, true },
	{ "add: volume name 4000 chars", SILK_CMD_DEV_ADD, 0, BASE_ADD, 0,
	  { FILL(SILK_A_VOLUME, 4000, 'v') }, false, true },
	{ "add: empty volume name", SILK_CMD_DEV_ADD, 0, BASE_ADD, 0,
	  { A(SILK_A_VOLUME, 1, "") }, false, true },
	{ "add: volume name with '/'", SILK_CMD_DEV_ADD, 0, BASE_ADD, 0,
	  { A(SILK_A_VOLUME, 6, "../x\0") }, false, false },
	{ "add: volume as u32", SILK_CMD_DEV_ADD, 0, BASE_ADD, 0,
	  { A(SILK_A_VOLUME, 4, &u32_1) }, false, false },
	{ "add: address 300 chars", SILK_CMD_DEV_ADD, 0, BASE_ADD, 0,
	  { FILL(SILK_A_ADDR, 300, '1') }, false, true },
	{ "add: address not an IP", SILK_CMD_DEV_ADD, 0, BASE_ADD, 0,
	  { A(SILK_A_ADDR, 10, "not-an-ip") }, false, true },
	/* DEV_ADD: wrong widths */
	{ "add: port as u8", SILK_CMD_DEV_ADD, 0, BASE_ADD, 0,
	  { A(SILK_A_PORT, 1, &u8_1) }, false, true },
	{ "add: port as u32", SILK_CMD_DEV_ADD, 0, BASE_ADD, 0,
	  { A(SILK_A_PORT, 4, &u32_port) }, false, true },
	{ "add: port 0", SILK_CMD_DEV_ADD, 0, BASE_ADD, 0,
	  { A(SILK_A_PORT, 2, &u16_0) }, false, false },
	{ "add: transport as u32", SILK_CMD_DEV_ADD, 0, BASE_ADD, 0,
	  { A(SILK_A_TRANSPORT, 4, &u32_1) }, false, true },
	{ "add: transport 0", SILK_CMD_DEV_ADD, 0, BASE_ADD, 0,
	  { A(SILK_A_TRANSPORT, 1, &u8_0) }, false, true },
	{ "add: transport 99", SILK_CMD_DEV_ADD, 0, BASE_ADD, 0,
	  { A(SILK_A_TRANSPORT, 1, &u8_99) }, false, true },
	{ "add: queues as u8", SILK_CMD_DEV_ADD, 0, BASE_ADD, 0,
	  { A(SILK_A_NR_QUEUES, 1, &u8_1) }, false, true },
	{ "add: queue depth 0", SILK_CMD_DEV_ADD, 0, BASE_ADD, 0,
	  { A(SILK_A_QUEUE_DEPTH, 4, &u32_0) }, false, true },
	{ "add: queue depth 1025", SILK_CMD_DEV_ADD, 0, BASE_ADD, 0,
	  { A(SILK_A_QUEUE_DEPTH, 4, &u32_1025) }, false, true },
	{ "add: queue depth as u16", SILK_CMD_DEV_ADD, 0, BASE_ADD, 0,
	  { A(SILK_A_QUEUE_DEPTH, 2, &u16_port) }, false, true },
	{ "add: block size 1000", SILK_CMD_DEV_ADD, 0, BASE_ADD, 0,
	  { A(SILK_A_BLOCK_SIZE, 4, &u32_1000) }, false, true },
	{ "add: block size 511", SILK_CMD_DEV_ADD, 0, BASE_ADD, 0,
	  { A(SILK_A_BLOCK_SIZE, 4, &u32_511) }, false, true },
	{ "add: block size 8192", SILK_CMD_DEV_ADD, 0, BASE_ADD, 0,
	  { A(SILK_A_BLOCK_SIZE, 4, &u32_8192) }, false, true },
	{ "add: block size as u8", SILK_CMD_DEV_ADD, 0, BASE_ADD, 0,
	  { A(SILK_A_BLOCK_SIZE, 1, &u8_1) }, false, true },
	{ "add: io timeout as u64", SILK_CMD_DEV_ADD, 0, BASE_ADD, 0,
	  { A(SILK_A_IO_TIMEOUT, 8, &u64_1) }, false, true },
	{ "add: loss timeout as u8", SILK_CMD_DEV_ADD, 0, BASE_ADD, 0,
	  { A(SILK_A_LOSS_TIMEOUT, 1, &u8_1) }, false, true },
	{ "add: epoch as u32", SILK_CMD_DEV_ADD, 0, BASE_ADD, 0,
	  { A(SILK_A_EPOCH, 4, &u32_1) }, false, true },
	{ "add: digest flag with payload", SILK_CMD_DEV_ADD, 0, BASE_ADD, 0,
	  { A(SILK_A_DIGEST, 4, &u32_1) }, false, true },
	/* DEV_ADD: unknown or reserved attributes, broken framing */
	{ "add: unknown attribute", SILK_CMD_DEV_ADD, 0, BASE_ADD, 0,
	  { A(SILK_A_MAX + 1, 4, &u32_1) }, false, true },
	{ "add: attribute type 0", SILK_CMD_DEV_ADD, 0, BASE_ADD, 0,
	  { A(SILK_A_UNSPEC, 4, &u32_1) }, false, true },
	{ "add: huge unknown attribute", SILK_CMD_DEV_ADD, 0, BASE_ADD, 0,
	  { FILL(200, 16000, 0xff) }, false, true },
	{ "add: truncated attribute", SILK_CMD_DEV_ADD, 0, BASE_ADD, 0,
	  {{0}}, true, true },
	{ "add: reply-only attribute (state)", SILK_CMD_DEV_ADD, 0, BASE_ADD, 0,
	  { A(SILK_A_STATE, 1, &u8_1) }, false, true },
	{ "add: index attribute", SILK_CMD_DEV_ADD, 0, BASE_ADD, 0,
	  { A(SILK_A_INDEX, 4, &u32_0) }, false, true },
	/* DEV_REMOVE */
	{ "remove: no index", SILK_CMD_DEV_REMOVE, 0, BASE_NONE, 0, {{0}}, false, true },
	{ "remove: index as u8", SILK_CMD_DEV_REMOVE, 0, BASE_NONE, 0,
	  { A(SILK_A_INDEX, 1, &u8_1) }, false, true },
	{ "remove: index as u64", SILK_CMD_DEV_REMOVE, 0, BASE_NONE, 0,
	  { A(SILK_A_INDEX, 8, &u64_1) }, false, true },
	{ "remove: no such device", SILK_CMD_DEV_REMOVE, 0, BASE_NONE, 0,
	  { A(SILK_A_INDEX, 4, &u32_big) }, false, false },
	{ "remove: unknown attribute", SILK_CMD_DEV_REMOVE, 0, BASE_NONE, 0,
	  { A(SILK_A_INDEX, 4, &u32_big), A(SILK_A_MAX + 7, 4, &u32_1) }, false, true },
	{ "remove: volume attribute", SILK_CMD_DEV_REMOVE, 0, BASE_NONE, 0,
	  { A(SILK_A_INDEX, 4, &u32_big), A(SILK_A_VOLUME, 3, "db") }, false, true },
	/* DEV_GET */
	{ "get: index as u8", SILK_CMD_DEV_GET, 0, BASE_NONE, 0,
	  { A(SILK_A_INDEX, 1, &u8_1) }, false, true },
	{ "get: no such device", SILK_CMD_DEV_GET, 0, BASE_NONE, 0,
	  { A(SILK_A_INDEX, 4, &u32_big) }, false, false },
	{ "get: unknown attribute", SILK_CMD_DEV_GET, 0, BASE_NONE, 0,
	  { A(SILK_A_INDEX, 4, &u32_0), A(SILK_A_MAX + 1, 4, &u32_1) }, false, true },
	/* Commands userspace may not send */
	{ "command: SILK_CMD_EVENT", SILK_CMD_EVENT, 0, BASE_NONE, 0, {{0}}, false, true },
	{ "command: unknown", SILK_CMD_MAX + 1, 0, BASE_NONE, 0, {{0}}, false, true },
	{ "command: 0", SILK_CMD_UNSPEC, 0, BASE_NONE, 0, {{0}}, false, true },
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

struct opts {
	bool verbose;
	bool any_error;
	bool require_extack;
	bool unpriv;
	uint16_t port;
};

static bool validation_errno(int e)
{
	switch (e) {
	case EINVAL: case ERANGE: case EMSGSIZE: case E2BIG: case ENAMETOOLONG:
	case EOPNOTSUPP: case EPROTONOSUPPORT: case EAFNOSUPPORT:
	case EDESTADDRREQ: case EBADMSG: case EPROTO:
		return true;
	default:
		return false;
	}
}

static bool has_extra(const struct nlcase *c, int type)
{
	int i;

	for (i = 0; i < MAX_EXTRA; i++)
		if (c->extra[i].len && c->extra[i].type == type)
			return true;
	return false;
}

static int put_raw(struct nl_msg *msg, const struct raw_attr *r)
{
	uint8_t *buf;
	int rc;

	if (r->data)
		return nla_put(msg, r->type, r->len, r->data);
	buf = malloc((size_t)r->len);
	if (!buf)
		return -NLE_NOMEM;
	memset(buf, r->fill, (size_t)r->len);
	rc = nla_put(msg, r->type, r->len, buf);
	free(buf);
	return rc;
}

static struct nl_msg *build(int family, const struct nlcase *c, uint16_t port)
{
	struct nl_msg *msg = nlmsg_alloc_size(32768);
	int rc = 0, i;

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, c->nlflags,
			 c->cmd, SILK_GENL_VERSION))
		goto fail;
	if (c->base == BASE_ADD) {
		if (!(c->omit & BIT(SILK_A_VOLUME)) && !has_extra(c, SILK_A_VOLUME))
			rc |= nla_put_string(msg, SILK_A_VOLUME, "nl-malformed");
		if (!(c->omit & BIT(SILK_A_ADDR)) && !has_extra(c, SILK_A_ADDR))
			rc |= nla_put_string(msg, SILK_A_ADDR, "127.0.0.1");
		if (!(c->omit & BIT(SILK_A_PORT)) && !has_extra(c, SILK_A_PORT))
			rc |= nla_put_u16(msg, SILK_A_PORT, port);
		if (!(c->omit & BIT(SILK_A_TRANSPORT)) && !has_extra(c, SILK_A_TRANSPORT))
			rc |= nla_put_u8(msg, SILK_A_TRANSPORT, SILK_TRANSPORT_TCP);
	}
	for (i = 0; i < MAX_EXTRA; i++)
		if (c->extra[i].len || c->extra[i].data)
			rc |= put_raw(msg, &c->extra[i]);
	if (c->truncated) {
		/* An attribute header claiming 64 bytes, followed by 4. */
		struct nlattr hdr = { .nla_len = 64, .nla_type = SILK_A_QUEUE_DEPTH };
		uint32_t v = 1;

		rc |= nlmsg_append(msg, &hdr, sizeof(hdr), 0);
		rc |= nlmsg_append(msg, &v, sizeof(v), 0);
	}
	if (rc)
		goto fail;
	return msg;
fail:
	nlmsg_free(msg);
	return NULL;
}

static int remember_dev(struct nlmsghdr *nlh, void *arg)
{
	struct silk_dev_info *d = arg;

	if (!d->present)
		silk_parse_dev(nlh, d);
	return 0;
}

/* A malformed DEV_ADD the kernel accepted: take the device away again. */
static void undo_add(struct silk_nl *nl, const struct silk_dev_info *d)
{
	uint32_t idx = d->index;
	int rc;

	if (!SILK_HAS(d, SILK_A_INDEX) &&
	    !(d->disk_name[0] && sscanf(d->disk_name, "silk%u", &idx) == 1)) {
		fprintf(stderr, "nl_malformed: cannot tell which device was created\n");
		return;
	}
	rc = silk_nl_request(nl, silk_msg_dev_remove(nl->family, idx), NULL, NULL,
			     SILK_NL_ADD_TIMEOUT_MS);
	if (rc)
		fprintf(stderr, "nl_malformed: removing silk%u failed: %s\n", idx,
			strerror(-rc));
}

/* Sends one case; returns the -errno (0 if accepted). */
static int send_case(struct silk_nl *nl, const struct nlcase *c, uint16_t port,
		     struct silk_dev_info *d)
{
	struct nl_msg *msg = build(nl->family, c, port);

	memset(d, 0, sizeof(*d));
	if (!msg)
		return -ENOMEM;
	return silk_nl_request(nl, msg, remember_dev, d, 30000);
}

static int run_malformed(struct silk_nl *nl, const struct opts *o)
{
	unsigned int refused = 0, bad = 0;
	size_t i;

	for (i = 0; i < NCASES; i++) {
		const struct nlcase *c = &cases[i];
		struct silk_dev_info d;
		int rc = send_case(nl, c, o->port, &d);
		const char *verdict = "ok  ";

		if (rc == -ENOMEM) {
			printf("FAIL %s: could not build the message\n", c->name);
			bad++;
			continue;
		}
		if (rc == 0) {
			printf("FAIL %s: accepted by the kernel\n", c->name);
			if (c->cmd == SILK_CMD_DEV_ADD)
				undo_add(nl, &d);
			bad++;
			continue;
		}
		if (rc == -ETIMEDOUT && !nl->extack[0]) {
			verdict = "FAIL";
		} else if (c->strict && !o->any_error && !validation_errno(-rc)) {
			verdict = "FAIL";
		} else if (o->require_extack && !nl->extack[0] && c->strict &&
			   c->cmd >= SILK_CMD_DEV_ADD && c->cmd <= SILK_CMD_DEV_GET) {
			/* (the genetlink core refuses unknown commands itself, silently) */
			verdict = "FAIL";
		}
		if (verdict[0] == 'F')
			bad++;
		else
			refused++;
		if (verdict[0] == 'F' || o->verbose)
			printf("%s %s: %s%s%s%s\n", verdict, c->name, strerror(-rc),
			       nl->extack[0] ? " [extack: " : " [no extack message]",
			       nl->extack, nl->extack[0] ? "]" : "");
	}
	printf("nl_malformed: %u refused as expected, %u not\n", refused, bad);
	return bad ? 1 : 0;
}

static int expect_eperm(struct silk_nl *nl, const char *what, struct nl_msg *msg,
			const struct opts *o)
{
	struct silk_dev_info d = { 0 };
	int rc = silk_nl_request(nl, msg, remember_dev, &d, 30000);

	if (rc == -EPERM) {
		if (o->verbose)
			printf("ok   unprivileged %s: %s\n", what, strerror(EPERM));
		return 0;
	}
	printf("FAIL unprivileged %s: %s (expected EPERM)\n", what,
	       rc ? strerror(-rc) : "accepted");
	return 1;
}

static int run_unpriv(struct silk_nl *nl, const struct opts *o)
{
	struct silk_dev_params p = { .volume = "nl-malformed", .addr = "127.0.0.1",
				     .port = o->port, .transport = SILK_TRANSPORT_TCP };
	struct silk_dev_info d = { 0 };
	int bad = 0, rc;

	if (geteuid() == 0) {
		fprintf(stderr, "nl_malformed: --unpriv must run as a non-root user\n");
		return 2;
	}
	bad += expect_eperm(nl, "DEV_ADD", silk_msg_dev_add(nl->family, &p), o);
	bad += expect_eperm(nl, "DEV_ADD (malformed)",
			    build(nl->family, &cases[0], o->port), o);
	bad += expect_eperm(nl, "DEV_REMOVE 0", silk_msg_dev_remove(nl->family, 0), o);
	bad += expect_eperm(nl, "DEV_REMOVE 1", silk_msg_dev_remove(nl->family, 1), o);
	/* Reading state stays open to everyone (informational). */
	rc = silk_nl_request(nl, silk_msg_dev_get(nl->family, true, 0), remember_dev,
			     &d, 30000);
	printf("info unprivileged DEV_GET dump: %s\n", rc ? strerror(-rc) : "allowed");
	printf("nl_malformed: %d refused as expected, %d not\n", 4 - bad, bad);
	return bad ? 1 : 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: nl_malformed [-v] [--any-error] [--require-extack] [--port PORT]\n"
		"       nl_malformed --unprivileged [-v] [--port PORT]\n");
}

int main(int argc, char **argv)
{
	struct opts o = { .port = SILK_DEFAULT_PORT };
	struct silk_nl nl;
	char err[256];
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			o.verbose = true;
		} else if (!strcmp(argv[i], "--any-error")) {
			o.any_error = true;
		} else if (!strcmp(argv[i], "--require-extack")) {
			o.require_extack = true;
		} else if (!strcmp(argv[i], "--unpriv") ||
			   !strcmp(argv[i], "--unprivileged")) {
			o.unpriv = true;
		} else if (!strcmp(argv[i], "--port") && i + 1 < argc) {
			char *end;
			long v = strtol(argv[++i], &end, 10);

			if (*end || v < 1 || v > 65535) {
				fprintf(stderr, "nl_malformed: bad port '%s'\n", argv[i]);
				return 2;
			}
			o.port = (uint16_t)v;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (silk_nl_open(&nl, err, sizeof(err))) {
		fprintf(stderr, "nl_malformed: %s\n", err);
		return 2;
	}
	rc = o.unpriv ? run_unpriv(&nl, &o) : run_malformed(&nl, &o);
	silk_nl_close(&nl);
	return rc;
}
