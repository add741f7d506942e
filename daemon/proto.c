// SPDX-License-Identifier: GPL-2.0
/* Silk wire protocol helpers: see proto.h and Documentation/protocol.md. */
#include "proto.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <isa-l/crc.h>

/* Byte offsets of the header fields (struct silk_hdr). */
enum {
	OFF_MAGIC = 0, OFF_OPCODE = 4, OFF_FLAGS = 5, OFF_STATUS = 6,
	OFF_TAG = 8, OFF_DATA_LEN = 12, OFF_VOL_ID = 16, OFF_LENGTH = 20,
	OFF_OFFSET = 24, OFF_EPOCH = 32, OFF_DDGST = 40, OFF_HDGST = 44,
};

_Static_assert(sizeof(struct silk_hdr) == SILK_HDR_SIZE, "silk_hdr size");
_Static_assert(offsetof(struct silk_hdr, tag) == OFF_TAG, "tag offset");
_Static_assert(offsetof(struct silk_hdr, offset) == OFF_OFFSET, "offset offset");
_Static_assert(offsetof(struct silk_hdr, hdr_digest) == OFF_HDGST, "hdgst offset");
_Static_assert(sizeof(struct silk_hello_req) == SILK_HELLO_REQ_SIZE, "hello req");
_Static_assert(sizeof(struct silk_hello_rep) == SILK_HELLO_REP_SIZE, "hello rep");
_Static_assert(offsetof(struct silk_hello_req, volume) == 24, "hello volume");

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v = 0;

	for (int i = 3; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static const char *const verr_names[SILK_V_MAX_] = {
	[SILK_V_OK] = "ok",
	[SILK_V_MAGIC] = "bad magic",
	[SILK_V_OPCODE] = "unknown opcode",
	[SILK_V_REPLY_BIT] = "reply bit wrong for direction",
	[SILK_V_STATUS] = "bad status field",
	[SILK_V_FLAGS] = "flags not allowed",
	[SILK_V_DATA_LEN] = "data_len wrong for opcode",
	[SILK_V_TOO_BIG] = "data_len or length above SILK_MAX_DATA",
	[SILK_V_LENGTH] = "length wrong for opcode",
	[SILK_V_HDGST] = "header digest mismatch",
	[SILK_V_DDGST] = "data digest mismatch",
	[SILK_V_NOT_HELLO] = "request before HELLO",
	[SILK_V_HELLO_AGAIN] = "second HELLO",
	[SILK_V_HELLO_PAYLOAD] = "malformed HELLO payload",
	[SILK_V_VOL_ID] = "vol_id mismatch",
	[SILK_V_ALIGN] = "offset/length not a multiple of the block size",
	[SILK_V_DIGEST_NEG] = "digest flag does not match negotiated features",
	[SILK_V_DUP_TAG] = "tag already in flight",
	[SILK_V_VOL_GONE] = "volume deleted",
};

const char *silk_verr_str(int verr)
{
	if (verr < 0 || verr >= SILK_V_MAX_)
		return "unknown validation error";
	return verr_names[verr];
}

uint32_t silk_crc32c(const void *buf, size_t len)
{
	uint32_t crc = 0xffffffffu;
	const unsigned char *p = buf;

	/* crc32_iscsi takes an int length: feed large buffers in pieces. */
	while (len > 0) {
		int n = len > (1u << 30) ? (1 << 30) : (int)len;

		crc = crc32_iscsi((unsigned char *)p, n, crc);
		p += n;
		len -= (size_t)n;
	}
	return crc ^ 0xffffffffu;
}

uint32_t silk_hdr_digest(const void *buf)
{
	uint8_t tmp[SILK_HDR_SIZE];

	memcpy(tmp, buf, SILK_HDR_SIZE);
	put32(tmp + OFF_HDGST, 0);
	return silk_crc32c(tmp, SILK_HDR_SIZE);
}

void silk_hdr_encode(const struct silk_msg *m, void *buf)
{
	uint8_t *p = buf;

	put32(p + OFF_MAGIC, m->magic);
	p[OFF_OPCODE] = m->opcode;
	p[OFF_FLAGS] = m->flags;
	put16(p + OFF_STATUS, m->status);
	put32(p + OFF_TAG, m->tag);
	put32(p + OFF_DATA_LEN, m->data_len);
	put32(p + OFF_VOL_ID, m->vol_id);
	put32(p + OFF_LENGTH, m->length);
	put64(p + OFF_OFFSET, m->offset);
	put64(p + OFF_EPOCH, m->epoch);
	put32(p + OFF_DDGST, m->data_digest);
	put32(p + OFF_HDGST, m->hdr_digest);
	if (m->flags & SILK_F_HDGST)
		put32(p + OFF_HDGST, silk_hdr_digest(p));
}

void silk_hdr_decode(const void *buf, struct silk_msg *m)
{
	const uint8_t *p = buf;

	m->magic = get32(p + OFF_MAGIC);
	m->opcode = p[OFF_OPCODE];
	m->flags = p[OFF_FLAGS];
	m->status = get16(p + OFF_STATUS);
	m->tag = get32(p + OFF_TAG);
	m->data_len = get32(p + OFF_DATA_LEN);
	m->vol_id = get32(p + OFF_VOL_ID);
	m->length = get32(p + OFF_LENGTH);
	m->offset = get64(p + OFF_OFFSET);
	m->epoch = get64(p + OFF_EPOCH);
	m->data_digest = get32(p + OFF_DDGST);
	m->hdr_digest = get32(p + OFF_HDGST);
}

static int check_common(const struct silk_msg *m, const void *raw)
{
	if (m->magic != SILK_MAGIC)
		return SILK_V_MAGIC;
	if ((m->flags & SILK_F_HDGST) && silk_hdr_digest(raw) != m->hdr_digest)
		return SILK_V_HDGST;
	if (m->flags & ~SILK_F_ALL)
		return SILK_V_FLAGS;
	if (m->data_len > SILK_MAX_DATA)
		return SILK_V_TOO_BIG;
	return SILK_V_OK;
}

int silk_req_check(const struct silk_msg *m, const void *raw)
{
	int rc = check_common(m, raw);

	if (rc)
		return rc;
	if (m->opcode & SILK_OP_REPLY)
		return SILK_V_REPLY_BIT;
	if (m->opcode < SILK_OP_HELLO || m->opcode > SILK_OP_MAX)
		return SILK_V_OPCODE;
	if (m->status != 0)
		return SILK_V_STATUS;
	if ((m->flags & SILK_F_FUA) && m->opcode != SILK_OP_WRITE &&
	    m->opcode != SILK_OP_WRITE_ZEROES && m->opcode != SILK_OP_DISCARD)
		return SILK_V_FLAGS;

	switch (m->opcode) {
	case SILK_OP_HELLO:
		if (m->data_len != SILK_HELLO_REQ_SIZE)
			return SILK_V_DATA_LEN;
		break;
	case SILK_OP_READ:
		if (m->data_len != 0)
			return SILK_V_DATA_LEN;
		if (m->length > SILK_MAX_DATA)
			return SILK_V_TOO_BIG;
		if (m->length == 0)
			return SILK_V_LENGTH;
		break;
	case SILK_OP_WRITE:
		if (m->length == 0)
			return SILK_V_LENGTH;
		if (m->length > SILK_MAX_DATA)
			return SILK_V_TOO_BIG;
		if (m->data_len != m->length)
			return SILK_V_DATA_LEN;
		break;
	case SILK_OP_DISCARD:
	case SILK_OP_WRITE_ZEROES:
		if (m->data_len != 0)
			return SILK_V_DATA_LEN;
		if (m->length == 0)
			return SILK_V_LENGTH;
		break;
	case SILK_OP_FLUSH:
	case SILK_OP_KEEPALIVE:
		if (m->data_len != 0)
			return SILK_V_DATA_LEN;
		break;
	}
	return SILK_V_OK;
}

int silk_rep_check(const struct silk_msg *m, const void *raw)
{
	int rc = check_common(m, raw);
	unsigned op = m->opcode & (unsigned)~SILK_OP_REPLY;

	if (rc)
		return rc;
	if (!(m->opcode & SILK_OP_REPLY))
		return SILK_V_REPLY_BIT;
	if (op < SILK_OP_HELLO || op > SILK_OP_MAX)
		return SILK_V_OPCODE;
	if (m->status > SILK_S_MAX)
		return SILK_V_STATUS;
	if (m->flags & SILK_F_FUA)
		return SILK_V_FLAGS;
	if (m->status != SILK_S_OK) {
		if (m->data_len != 0)
			return SILK_V_DATA_LEN;
		return SILK_V_OK;
	}
	switch (op) {
	case SILK_OP_HELLO:
		if (m->data_len != SILK_HELLO_REP_SIZE)
			return SILK_V_DATA_LEN;
		break;
	case SILK_OP_READ:
		if (m->data_len != m->length)
			return SILK_V_DATA_LEN;
		break;
	default:
		if (m->data_len != 0)
			return SILK_V_DATA_LEN;
		break;
	}
	return SILK_V_OK;
}

void silk_hello_req_encode(const struct silk_hello_req_h *h, void *buf)
{
	uint8_t *p = buf;

	memset(p, 0, SILK_HELLO_REQ_SIZE);
	put16(p + 0, h->min_version);
	put16(p + 2, h->max_version);
	put32(p + 4, h->features);
	put32(p + 8, h->queue_id);
	put32(p + 12, h->queue_depth);
	put64(p + 16, h->epoch);
	memcpy(p + 24, h->volume, strnlen(h->volume, SILK_VOLUME_NAME_MAX));
}

int silk_hello_req_decode(const void *buf, struct silk_hello_req_h *h)
{
	const uint8_t *p = buf;

	h->min_version = get16(p + 0);
	h->max_version = get16(p + 2);
	h->features = get32(p + 4);
	h->queue_id = get32(p + 8);
	h->queue_depth = get32(p + 12);
	h->epoch = get64(p + 16);
	memcpy(h->volume, p + 24, sizeof(h->volume));
	if (memchr(h->volume, '\0', sizeof(h->volume)) == NULL) {
		h->volume[SILK_VOLUME_NAME_MAX] = '\0';
		return SILK_V_HELLO_PAYLOAD;
	}
	if (h->min_version == 0 || h->min_version > h->max_version)
		return SILK_V_HELLO_PAYLOAD;
	return SILK_V_OK;
}

void silk_hello_rep_encode(const struct silk_hello_rep_h *h, void *buf)
{
	uint8_t *p = buf;

	memset(p, 0, SILK_HELLO_REP_SIZE);
	put16(p + 0, h->version);
	put32(p + 4, h->features);
	put32(p + 8, h->vol_id);
	put32(p + 12, h->block_size);
	put64(p + 16, h->size);
	put32(p + 24, h->max_data);
	put64(p + 32, h->epoch);
}

void silk_hello_rep_decode(const void *buf, struct silk_hello_rep_h *h)
{
	const uint8_t *p = buf;

	h->version = get16(p + 0);
	h->features = get32(p + 4);
	h->vol_id = get32(p + 8);
	h->block_size = get32(p + 12);
	h->size = get64(p + 16);
	h->max_data = get32(p + 24);
	h->epoch = get64(p + 32);
}

unsigned silk_pick_version(unsigned host_min, unsigned host_max)
{
	unsigned hi = host_max < SILK_PROTO_VERSION_MAX ?
		host_max : SILK_PROTO_VERSION_MAX;
	unsigned lo = host_min > SILK_PROTO_VERSION_MIN ?
		host_min : SILK_PROTO_VERSION_MIN;

	if (host_min > host_max || lo > hi)
		return 0;
	return hi;
}

static const struct {
	unsigned status;
	int err;
	const char *name;
} status_map[] = {
	{ SILK_S_OK, 0, "OK" },
	{ SILK_S_IO, EIO, "IO" },
	{ SILK_S_INVAL, EINVAL, "INVAL" },
	{ SILK_S_NOSPC, ENOSPC, "NOSPC" },
	{ SILK_S_STALE, ESTALE, "STALE" },
	{ SILK_S_NOENT, ENOENT, "NOENT" },
	{ SILK_S_PROTO, EPROTO, "PROTO" },
	{ SILK_S_AGAIN, EAGAIN, "AGAIN" },
	{ SILK_S_RANGE, ERANGE, "RANGE" },
	{ SILK_S_NOTSUPP, EOPNOTSUPP, "NOTSUPP" },
};

#define N_STATUS (sizeof(status_map) / sizeof(status_map[0]))

int silk_status_to_errno(unsigned status)
{
	for (size_t i = 0; i < N_STATUS; i++)
		if (status_map[i].status == status)
			return -status_map[i].err;
	return -EIO;
}

unsigned silk_errno_to_status(int err)
{
	if (err < 0)
		err = -err;
	if (err == EDQUOT)
		return SILK_S_NOSPC;
	if (err == ENOTSUP)
		return SILK_S_NOTSUPP;
	for (size_t i = 0; i < N_STATUS; i++)
		if (status_map[i].err == err)
			return status_map[i].status;
	return SILK_S_IO;
}

const char *silk_status_str(unsigned status)
{
	for (size_t i = 0; i < N_STATUS; i++)
		if (status_map[i].status == status)
			return status_map[i].name;
	return "UNKNOWN";
}

const char *silk_op_str(unsigned opcode)
{
	static const char *const names[] = {
		[SILK_OP_HELLO] = "HELLO", [SILK_OP_READ] = "READ",
		[SILK_OP_WRITE] = "WRITE", [SILK_OP_FLUSH] = "FLUSH",
		[SILK_OP_DISCARD] = "DISCARD",
		[SILK_OP_WRITE_ZEROES] = "WRITE_ZEROES",
		[SILK_OP_KEEPALIVE] = "KEEPALIVE",
	};

	opcode &= (unsigned)~SILK_OP_REPLY;
	if (opcode < SILK_OP_HELLO || opcode > SILK_OP_MAX)
		return "UNKNOWN";
	return names[opcode];
}

bool silk_volume_name_valid(const char *name)
{
	size_t n = strnlen(name, SILK_VOLUME_NAME_MAX + 1);

	if (n == 0 || n > SILK_VOLUME_NAME_MAX)
		return false;
	if (name[0] == '.' || name[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}
