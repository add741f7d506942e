// SPDX-License-Identifier: GPL-2.0
/*
 * Silk wire messages: request header construction and validation of
 * everything that arrives from the server before any of it is used.
 */
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include "silk_wire.h"

static_assert(sizeof(struct silk_hdr) == SILK_HDR_SIZE);
static_assert(sizeof(struct silk_hello_req) == SILK_HELLO_REQ_SIZE);
static_assert(sizeof(struct silk_hello_rep) == SILK_HELLO_REP_SIZE);

static void silk_hdr_fill(struct silk_hdr *h, u8 opcode, u8 flags, u32 tag,
			  u32 data_len, u32 vol_id, u32 length, u64 offset,
			  u64 epoch)
{
	memset(h, 0, sizeof(*h));
	h->magic = cpu_to_le32(SILK_MAGIC);
	h->opcode = opcode;
	h->flags = flags;
	h->tag = cpu_to_le32(tag);
	h->data_len = cpu_to_le32(data_len);
	h->vol_id = cpu_to_le32(vol_id);
	h->length = cpu_to_le32(length);
	h->offset = cpu_to_le64(offset);
	h->epoch = cpu_to_le64(epoch);
}

/**
 * silk_hdr_build() - fill a request header from a mapped request
 * @h: header to fill (digest fields are left zero for the transport)
 * @d: the request as returned by silk_map_request()
 * @tag: wire tag, see silk_tag_make()
 * @vol_id: volume id from the HELLO reply
 * @epoch: map epoch the request is routed with
 */
void silk_hdr_build(struct silk_hdr *h, const struct silk_msg_desc *d,
		    u32 tag, u32 vol_id, u64 epoch)
{
	silk_hdr_fill(h, d->opcode, d->flags, tag, d->tx_len, vol_id,
		      d->length, d->offset, epoch);
}

void silk_hdr_build_keepalive(struct silk_hdr *h, u32 vol_id, u64 epoch)
{
	silk_hdr_fill(h, SILK_OP_KEEPALIVE, 0, SILK_TAG_KEEPALIVE, 0, vol_id,
		      0, 0, epoch);
}
EXPORT_SYMBOL_GPL(silk_hdr_build_keepalive);

/**
 * silk_reply_parse() - decode and validate a reply header on its own
 * @h: header as received
 * @max_data: largest payload this connection accepts
 * @r: decoded reply (valid only when 0 is returned)
 * @why: set to a static description of the first violation
 *
 * Checks what can be checked without knowing the request: magic, the
 * reply bit, the opcode range, flags, status range, payload length.
 *
 * Return: 0, or -EPROTO when the header must not be trusted.
 */
int silk_reply_parse(const struct silk_hdr *h, u32 max_data,
		     struct silk_reply *r, const char **why)
{
	u8 op = h->opcode & ~SILK_OP_REPLY;

	*why = NULL;
	if (le32_to_cpu(h->magic) != SILK_MAGIC) {
		*why = "bad magic";
		return -EPROTO;
	}
	if (!(h->opcode & SILK_OP_REPLY)) {
		*why = "reply bit not set";
		return -EPROTO;
	}
	if (op < SILK_OP_HELLO || op > SILK_OP_MAX) {
		*why = "unknown opcode";
		return -EPROTO;
	}
	if (h->flags & ~SILK_F_ALL) {
		*why = "unknown flags";
		return -EPROTO;
	}
	r->opcode = op;
	r->flags = h->flags;
	r->status = le16_to_cpu(h->status);
	r->tag = le32_to_cpu(h->tag);
	r->data_len = le32_to_cpu(h->data_len);
	r->data_digest = le32_to_cpu(h->data_digest);
	if (r->status > SILK_S_MAX) {
		*why = "status out of range";
		return -EPROTO;
	}
	if (r->data_len > max_data) {
		*why = "payload too large";
		return -EPROTO;
	}
	if (r->status != SILK_S_OK && r->data_len) {
		*why = "payload on an error reply";
		return -EPROTO;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(silk_reply_parse);

/**
 * silk_reply_check() - check a parsed reply against the request it answers
 * @r: reply from silk_reply_parse()
 * @req_opcode: opcode of the request with the reply's tag
 * @rx_len: payload a successful reply must carry (READ length, else 0)
 * @why: set to a static description of the violation
 *
 * Return: 0, or -EPROTO.
 */
int silk_reply_check(const struct silk_reply *r, u8 req_opcode, u32 rx_len,
		     const char **why)
{
	*why = NULL;
	if (r->opcode != req_opcode) {
		*why = "opcode does not match the request";
		return -EPROTO;
	}
	if (r->status == SILK_S_OK && r->data_len != rx_len) {
		*why = "payload length does not match the request";
		return -EPROTO;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(silk_reply_check);

/**
 * silk_status_to_errno() - map a wire status to a negative errno
 * @status: enum silk_status value (already range checked)
 *
 * Return: 0 for SILK_S_OK, a negative errno otherwise.
 */
int silk_status_to_errno(u16 status)
{
	switch (status) {
	case SILK_S_OK:
		return 0;
	case SILK_S_INVAL:
		return -EINVAL;
	case SILK_S_NOSPC:
		return -ENOSPC;
	case SILK_S_STALE:
		return -ESTALE;
	case SILK_S_NOENT:
		return -ENOENT;
	case SILK_S_PROTO:
		return -EPROTO;
	case SILK_S_AGAIN:
		return -EAGAIN;
	case SILK_S_RANGE:
		return -ERANGE;
	case SILK_S_NOTSUPP:
		return -EOPNOTSUPP;
	case SILK_S_IO:
	default:
		return -EIO;
	}
}
EXPORT_SYMBOL_GPL(silk_status_to_errno);

/**
 * silk_hello_build() - build the HELLO request of a connection
 * @h: header to fill
 * @p: payload to fill
 * @hp: what to ask for
 *
 * Return: 0, or -EINVAL if the volume name is empty or too long.
 */
int silk_hello_build(struct silk_hdr *h, struct silk_hello_req *p,
		     const struct silk_hello_params *hp)
{
	size_t len = hp->volume ? strnlen(hp->volume, SILK_VOLUME_NAME_MAX + 1) : 0;

	if (!len || len > SILK_VOLUME_NAME_MAX)
		return -EINVAL;
	if (hp->features & ~SILK_FEAT_ALL)
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	p->min_version = cpu_to_le16(SILK_PROTO_VERSION_MIN);
	p->max_version = cpu_to_le16(SILK_PROTO_VERSION_MAX);
	p->features = cpu_to_le32(hp->features);
	p->queue_id = cpu_to_le32(hp->queue_id);
	p->queue_depth = cpu_to_le32(hp->queue_depth);
	p->epoch = cpu_to_le64(hp->epoch);
	memcpy(p->volume, hp->volume, len);
	silk_hdr_fill(h, SILK_OP_HELLO, 0, SILK_TAG_HELLO, sizeof(*p), 0, 0,
		      0, hp->epoch);
	return 0;
}
EXPORT_SYMBOL_GPL(silk_hello_build);

/**
 * silk_hello_rep_parse() - validate a HELLO reply payload
 * @p: payload as received (data_len already checked to be sizeof(*p))
 * @req_features: features the host asked for
 * @info: decoded reply (valid only when 0 is returned)
 * @why: set to a static description of the violation
 *
 * Return: 0, or -EPROTO.
 */
int silk_hello_rep_parse(const struct silk_hello_rep *p, u32 req_features,
			 struct silk_hello_info *info, const char **why)
{
	*why = NULL;
	info->version = le16_to_cpu(p->version);
	info->features = le32_to_cpu(p->features);
	info->vol_id = le32_to_cpu(p->vol_id);
	info->block_size = le32_to_cpu(p->block_size);
	info->size = le64_to_cpu(p->size);
	info->max_data = le32_to_cpu(p->max_data);
	info->epoch = le64_to_cpu(p->epoch);

	if (info->version < SILK_PROTO_VERSION_MIN ||
	    info->version > SILK_PROTO_VERSION_MAX) {
		*why = "unsupported protocol version";
		return -EPROTO;
	}
	if (info->features & ~req_features) {
		*why = "server granted features that were not requested";
		return -EPROTO;
	}
	if (info->block_size != 512 && info->block_size != 4096) {
		*why = "block size is neither 512 nor 4096";
		return -EPROTO;
	}
	if (info->size % info->block_size) {
		*why = "volume size is not a multiple of the block size";
		return -EPROTO;
	}
	if (info->max_data < 4096) {
		*why = "server max_data below 4096";
		return -EPROTO;
	}
	if (info->max_data > SILK_MAX_DATA)
		info->max_data = SILK_MAX_DATA;
	return 0;
}
EXPORT_SYMBOL_GPL(silk_hello_rep_parse);
