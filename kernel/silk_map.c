// SPDX-License-Identifier: GPL-2.0
/*
 * Request to message mapping: which opcode, which flags, which payload in
 * each direction, and whether the request fits the device at all.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include "silk_map.h"

static int silk_map_check_range(u64 pos, u32 len,
				const struct silk_map_geo *geo)
{
	if (!len)
		return -EINVAL;
	if ((pos | len) & (geo->block_size - 1))
		return -EINVAL;
	if (len > geo->capacity || pos > geo->capacity - len)
		return -ERANGE;
	return 0;
}

/**
 * silk_map_request() - describe a block request as a Silk message
 * @op: REQ_OP_* of the request
 * @opf: request flags (only REQ_FUA matters)
 * @pos: byte offset (ignored for flushes)
 * @len: byte length (ignored for flushes)
 * @geo: device geometry the request must fit
 * @d: resulting message description
 *
 * Return: 0; -EOPNOTSUPP for an operation Silk does not carry; -EINVAL for
 * an empty or misaligned request; -E2BIG for a READ/WRITE larger than
 * @geo->max_data; -ERANGE for a request beyond the end of the device.
 */
int silk_map_request(enum req_op op, blk_opf_t opf, u64 pos, u32 len,
		     const struct silk_map_geo *geo, struct silk_msg_desc *d)
{
	int ret;

	memset(d, 0, sizeof(*d));
	switch (op) {
	case REQ_OP_FLUSH:
		d->opcode = SILK_OP_FLUSH;
		return 0;
	case REQ_OP_READ:
		d->opcode = SILK_OP_READ;
		d->rx_len = len;
		break;
	case REQ_OP_WRITE:
		d->opcode = SILK_OP_WRITE;
		d->tx_len = len;
		if (opf & REQ_FUA)
			d->flags |= SILK_F_FUA;
		break;
	case REQ_OP_DISCARD:
		d->opcode = SILK_OP_DISCARD;
		break;
	case REQ_OP_WRITE_ZEROES:
		d->opcode = SILK_OP_WRITE_ZEROES;
		if (opf & REQ_FUA)
			d->flags |= SILK_F_FUA;
		break;
	default:
		return -EOPNOTSUPP;
	}
	ret = silk_map_check_range(pos, len, geo);
	if (ret)
		return ret;
	if ((op == REQ_OP_READ || op == REQ_OP_WRITE) && len > geo->max_data)
		return -E2BIG;
	d->offset = pos;
	d->length = len;
	return 0;
}
