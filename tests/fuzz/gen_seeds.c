// SPDX-License-Identifier: GPL-2.0
/*
 * Writes a small seed corpus for fuzz_proto into DIR: valid sessions
 * (HELLO then I/O of every opcode, with and without digests) and a few
 * broken ones.  Usage: gen_seeds DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

static uint8_t buf[65536];
static size_t len;

static void ctl(uint8_t a, uint8_t b)
{
	len = 0;
	buf[len++] = a;
	buf[len++] = b;
}

static void msg(struct silk_msg m, const void *payload, bool ddgst)
{
	m.magic = SILK_MAGIC;
	if (ddgst && m.data_len) {
		m.flags |= SILK_F_DDGST;
		m.data_digest = silk_crc32c(payload, m.data_len);
	}
	silk_hdr_encode(&m, buf + len);
	len += SILK_HDR_SIZE;
	if (m.data_len) {
		memcpy(buf + len, payload, m.data_len);
		len += m.data_len;
	}
}

static void hello(const char *name, uint32_t feat)
{
	struct silk_hello_req_h h = { .min_version = 1, .max_version = 1,
				      .features = feat, .queue_depth = 8 };
	uint8_t p[SILK_HELLO_REQ_SIZE];

	snprintf(h.volume, sizeof(h.volume), "%s", name);
	silk_hello_req_encode(&h, p);
	msg((struct silk_msg){ .opcode = SILK_OP_HELLO, .tag = 1,
			       .data_len = SILK_HELLO_REQ_SIZE }, p, false);
}

static void io_all(uint8_t flags, bool ddgst)
{
	static uint8_t w[8192];

	memset(w, 0x61, sizeof(w));
	msg((struct silk_msg){ .opcode = SILK_OP_WRITE, .tag = 2, .vol_id = 1,
			       .offset = 4096, .length = 8192, .data_len = 8192,
			       .flags = flags | SILK_F_FUA }, w, ddgst);
	msg((struct silk_msg){ .opcode = SILK_OP_READ, .tag = 3, .vol_id = 1,
			       .offset = 4096, .length = 8192, .flags = flags },
	    NULL, false);
	msg((struct silk_msg){ .opcode = SILK_OP_FLUSH, .tag = 4, .vol_id = 1,
			       .flags = flags }, NULL, false);
	msg((struct silk_msg){ .opcode = SILK_OP_DISCARD, .tag = 5, .vol_id = 1,
			       .length = 4096, .flags = flags }, NULL, false);
	msg((struct silk_msg){ .opcode = SILK_OP_WRITE_ZEROES, .tag = 6,
			       .vol_id = 1, .offset = 8192, .length = 4096,
			       .flags = flags }, NULL, false);
	msg((struct silk_msg){ .opcode = SILK_OP_KEEPALIVE, .tag = 7,
			       .flags = flags }, NULL, false);
	msg((struct silk_msg){ .opcode = SILK_OP_READ, .tag = 8, .vol_id = 1,
			       .offset = 1u << 20, .length = 4096,
			       .flags = flags }, NULL, false);
}

static int save(const char *dir, const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "gen_seeds: cannot write %s\n", path);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_seeds DIR\n");
		return 2;
	}
	ctl(0x07, 1);
	hello("fuzz", 0);
	io_all(0, false);
	rc |= save(argv[1], "session-plain");

	ctl(0x37, 2);
	hello("fuzz", SILK_FEAT_ALL);
	io_all(SILK_F_HDGST, true);
	rc |= save(argv[1], "session-digests");

	ctl(0x41, 3);
	hello("fuzz", 0);
	io_all(0, false);
	rc |= save(argv[1], "session-512-qd2");

	ctl(0x0f, 4);
	hello("fuzz", 0);
	io_all(0, false);
	io_all(0, false);
	rc |= save(argv[1], "session-small-mem");

	ctl(0x80, 5);
	hello("fuzz", 0);
	io_all(0, false);
	rc |= save(argv[1], "session-stale");

	ctl(0x03, 6);
	hello("nope", 0);
	rc |= save(argv[1], "hello-noent");

	ctl(0x03, 7);
	msg((struct silk_msg){ .opcode = SILK_OP_READ, .length = 4096 }, NULL,
	    false);
	rc |= save(argv[1], "no-hello");
	return rc;
}
