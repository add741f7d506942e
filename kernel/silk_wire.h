/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Silk wire messages: build request headers, validate reply headers and
 * HELLO payloads.  Pure functions over struct silk_hdr (no sockets, no
 * blk-mq) so that KUnit can test them in isolation.
 */
#ifndef _SILK_WIRE_H
#define _SILK_WIRE_H

#include <linux/types.h>
#include "silk_proto.h"

/*
 * A request's wire tag is (generation << 16) | blk-mq tag.  The generation
 * changes on every (re)send, so a late or duplicated reply for an earlier
 * incarnation of the same blk-mq tag is recognised and rejected.
 */
#define SILK_TAG_IDX_BITS	16
#define SILK_TAG_IDX_MASK	((1u << SILK_TAG_IDX_BITS) - 1)
/* Tags that never collide with a blk-mq tag (those stay below 1024). */
#define SILK_TAG_KEEPALIVE	0xffffffffu
#define SILK_TAG_HELLO		0xfffffffeu

static inline u32 silk_tag_make(u16 idx, u16 gen)
{
	return ((u32)gen << SILK_TAG_IDX_BITS) | idx;
}

static inline u16 silk_tag_idx(u32 tag)
{
	return tag & SILK_TAG_IDX_MASK;
}

static inline u16 silk_tag_gen(u32 tag)
{
	return tag >> SILK_TAG_IDX_BITS;
}

/* What one request looks like on the wire (see silk_map_request()). */
struct silk_msg_desc {
	u8	opcode;		/* enum silk_opcode */
	u8	flags;		/* SILK_F_FUA or 0 */
	u64	offset;		/* byte offset */
	u32	length;		/* bytes covered */
	u32	tx_len;		/* payload sent with the request (WRITE) */
	u32	rx_len;		/* payload in a successful reply (READ) */
};

/* A reply header, decoded and checked by silk_reply_parse(). */
struct silk_reply {
	u8	opcode;		/* without SILK_OP_REPLY */
	u8	flags;
	u16	status;
	u32	tag;
	u32	data_len;
	u32	data_digest;
};

/* Parameters of the HELLO request. */
struct silk_hello_params {
	const char	*volume;
	u32		features;
	u32		queue_id;
	u32		queue_depth;
	u64		epoch;
};

/* Decoded and validated HELLO reply. */
struct silk_hello_info {
	u16	version;
	u32	features;
	u32	vol_id;
	u32	block_size;
	u64	size;
	u32	max_data;
	u64	epoch;
};

void silk_hdr_build(struct silk_hdr *h, const struct silk_msg_desc *d,
		    u32 tag, u32 vol_id, u64 epoch);
void silk_hdr_build_keepalive(struct silk_hdr *h, u32 vol_id, u64 epoch);
int silk_reply_parse(const struct silk_hdr *h, u32 max_data,
		     struct silk_reply *r, const char **why);
int silk_reply_check(const struct silk_reply *r, u8 req_opcode, u32 rx_len,
		     const char **why);
int silk_status_to_errno(u16 status);

int silk_hello_build(struct silk_hdr *h, struct silk_hello_req *p,
		     const struct silk_hello_params *hp);
int silk_hello_rep_parse(const struct silk_hello_rep *p, u32 req_features,
			 struct silk_hello_info *info, const char **why);

#endif /* _SILK_WIRE_H */
