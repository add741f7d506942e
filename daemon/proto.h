/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace helpers for the Silk wire protocol (include/silk_proto.h):
 * header and HELLO encode/decode, structural validation, status <-> errno,
 * crc32c digests.  Shared by silkd, the unit tests, the fuzz target and the
 * test tools.  Everything here is pure: no I/O, no allocation.
 */
#ifndef SILK_DAEMON_PROTO_H
#define SILK_DAEMON_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "silk_proto.h"

/* A header decoded into host byte order. */
struct silk_msg {
	uint32_t magic;
	uint8_t opcode;
	uint8_t flags;
	uint16_t status;
	uint32_t tag;
	uint32_t data_len;
	uint32_t vol_id;
	uint32_t length;
	uint64_t offset;
	uint64_t epoch;
	uint32_t data_digest;
	uint32_t hdr_digest;
};

struct silk_hello_req_h {
	uint16_t min_version;
	uint16_t max_version;
	uint32_t features;
	uint32_t queue_id;
	uint32_t queue_depth;
	uint64_t epoch;
	char volume[SILK_VOLUME_NAME_MAX + 1];
};

struct silk_hello_rep_h {
	uint16_t version;
	uint32_t features;
	uint32_t vol_id;
	uint32_t block_size;
	uint64_t size;
	uint32_t max_data;
	uint64_t epoch;
};

/* Why a message was rejected (0 = fine).  silk_verr_str() names them. */
enum silk_verr {
	SILK_V_OK = 0,
	SILK_V_MAGIC,		/* magic is not SILK_MAGIC */
	SILK_V_OPCODE,		/* opcode unknown */
	SILK_V_REPLY_BIT,	/* reply bit set in a request / clear in a reply */
	SILK_V_STATUS,		/* nonzero status in a request, unknown in a reply */
	SILK_V_FLAGS,		/* unknown flag, or flag not allowed for opcode */
	SILK_V_DATA_LEN,	/* data_len wrong for the opcode */
	SILK_V_TOO_BIG,		/* data_len or length > SILK_MAX_DATA */
	SILK_V_LENGTH,		/* length zero or wrong for the opcode */
	SILK_V_HDGST,		/* header digest mismatch */
	SILK_V_DDGST,		/* data digest mismatch */
	SILK_V_NOT_HELLO,	/* first message is not HELLO */
	SILK_V_HELLO_AGAIN,	/* HELLO after a successful HELLO */
	SILK_V_HELLO_PAYLOAD,	/* HELLO payload malformed */
	SILK_V_VOL_ID,		/* vol_id differs from the one HELLO assigned */
	SILK_V_ALIGN,		/* offset or length not a multiple of block size */
	SILK_V_DIGEST_NEG,	/* digest flag not negotiated, or required and missing */
	SILK_V_DUP_TAG,		/* tag already in flight on this connection */
	SILK_V_VOL_GONE,	/* volume deleted while connected */
	SILK_V_MAX_,
};

const char *silk_verr_str(int verr);

/* Standard CRC-32C (Castagnoli): init ~0, reflected, final xor ~0. */
uint32_t silk_crc32c(const void *buf, size_t len);

/*
 * Encode m into 48 bytes at buf.  If m->flags has SILK_F_HDGST the header
 * digest is computed and stored (m->hdr_digest is ignored); otherwise
 * hdr_digest is written as given.
 */
void silk_hdr_encode(const struct silk_msg *m, void *buf);
void silk_hdr_decode(const void *buf, struct silk_msg *m);
/* crc32c of the 48 header bytes with the hdr_digest field taken as zero. */
uint32_t silk_hdr_digest(const void *buf);

/*
 * Structural checks of a request header alone (no connection context):
 * magic, opcode, reply bit, status, flags, data_len/length per opcode and
 * the header digest when SILK_F_HDGST is set.  raw is the 48 wire bytes
 * the message was decoded from.  Returns an enum silk_verr.
 */
int silk_req_check(const struct silk_msg *m, const void *raw);
/* Same for a reply (used by clients and tools). */
int silk_rep_check(const struct silk_msg *m, const void *raw);

void silk_hello_req_encode(const struct silk_hello_req_h *h, void *buf);
/* Returns SILK_V_OK or SILK_V_HELLO_PAYLOAD (versions, unterminated name). */
int silk_hello_req_decode(const void *buf, struct silk_hello_req_h *h);
void silk_hello_rep_encode(const struct silk_hello_rep_h *h, void *buf);
void silk_hello_rep_decode(const void *buf, struct silk_hello_rep_h *h);

/*
 * Highest version both sides speak, or 0 if the ranges do not overlap.
 */
unsigned silk_pick_version(unsigned host_min, unsigned host_max);

/* status -> negative errno (SILK_S_OK -> 0, unknown -> -EIO). */
int silk_status_to_errno(unsigned status);
/* negative or positive errno -> status (unknown -> SILK_S_IO). */
unsigned silk_errno_to_status(int err);
const char *silk_status_str(unsigned status);
const char *silk_op_str(unsigned opcode);

/* Volume name rules shared by the management API and HELLO. */
bool silk_volume_name_valid(const char *name);

#endif
