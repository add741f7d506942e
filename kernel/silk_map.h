/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Map a block request, described by (op, flags, position, length), to the
 * Silk message that carries it.  Pure logic, tested by KUnit.
 */
#ifndef _SILK_MAP_H
#define _SILK_MAP_H

#include <linux/blk_types.h>
#include "silk_wire.h"

/* Geometry of the device a request is mapped for. */
struct silk_map_geo {
	u32	block_size;	/* logical block size: 512 or 4096 */
	u64	capacity;	/* bytes */
	u32	max_data;	/* largest READ/WRITE payload */
};

int silk_map_request(enum req_op op, blk_opf_t opf, u64 pos, u32 len,
		     const struct silk_map_geo *geo, struct silk_msg_desc *d);

#endif /* _SILK_MAP_H */
