/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The RDMA transport's wire rules (Documentation/protocol.md section 13),
 * without verbs: rdma_cm private data (connect request, accept, reject),
 * what the server grants, queue sizes, command capsule validation and the
 * reply a capsule's sreq turns into.  Pure functions: no I/O, no
 * allocation; the unit tests cover every case.
 */
#ifndef SILK_DAEMON_RDMA_CAPSULE_H
#define SILK_DAEMON_RDMA_CAPSULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/* The host's connect request private data, decoded. */
struct rdma_cm_req_h {
	uint16_t recfmt;
	uint16_t qid;
	uint16_t queue_depth;
	uint32_t inline_max;
};

/* What the server grants one connection (the accept's private data). */
struct rdma_grant {
	uint16_t queue_depth;
	uint32_t inline_max;
	uint32_t max_data;
};

/* Server-side limits that shape a grant. */
struct rdma_limits {
	unsigned depth_max;	/* rdma_queue_depth_max */
	uint32_t max_data;	/* rdma_max_data */
	/* device capabilities (0: no limit from the device) */
	uint32_t dev_max_qp_wr;
	uint32_t dev_max_cqe;
};

/* Queue sizes of one connection, derived from its grant. */
struct rdma_sizes {
	uint32_t recv;		/* receive buffers posted: depth + 1 */
	uint32_t recv_size;	/* bytes per receive buffer: 64 + inline_max */
	uint32_t data_bufs;	/* data buffers of max_data bytes: depth */
	uint32_t slots;		/* session slots: depth + 1 */
	uint32_t send;		/* send queue work requests and reply buffers */
	uint32_t recv_cqe;	/* receive completion queue entries */
	uint32_t send_cqe;	/* send completion queue entries */
};

/*
 * Decode and check connect request private data (len bytes, possibly
 * padded by the CM).  Returns SILK_S_OK or SILK_S_INVAL (short, other
 * recfmt, queue_depth 0).
 */
unsigned rdma_cm_req_parse(const void *pd, size_t len, struct rdma_cm_req_h *out);
/*
 * The grant for a request: depth and inline_max at most what the host
 * asked, the server's limits and what the device's queues can hold;
 * inline_max also at most SILK_RDMA_INLINE_MAX and max_data.  Returns
 * false when the device cannot hold even depth 1 (reject with AGAIN).
 */
bool rdma_grant_compute(const struct rdma_cm_req_h *req,
			const struct rdma_limits *lim, struct rdma_grant *g,
			struct rdma_sizes *sz);
void rdma_cm_rep_encode(const struct rdma_grant *g,
			uint8_t out[SILK_RDMA_CM_REP_SIZE]);
void rdma_cm_rep_decode(const void *buf, struct rdma_grant *g);
void rdma_cm_rej_encode(unsigned status, uint8_t out[SILK_RDMA_CM_REJ_SIZE]);

/* Why a capsule was refused (0 = fine); rdma_cerr_str() names them. */
enum rdma_cerr {
	RDMA_C_OK = 0,
	RDMA_C_SHORT,		/* fewer than 64 bytes */
	RDMA_C_BYTE_LEN,	/* byte count != 64 + data_len */
	RDMA_C_DIGEST,		/* a digest flag (not allowed on RDMA) */
	RDMA_C_OPCODE,		/* unknown opcode or the reply bit */
	RDMA_C_INLINE,		/* inline payload not allowed or too large */
	RDMA_C_SGL,		/* an SGL where none belongs */
	RDMA_C_SGL_LENGTH,	/* SGL length != hdr.length, or 0 */
	RDMA_C_TOO_BIG,		/* SGL transfer larger than max_data */
	RDMA_C_MAX_,
};

const char *rdma_cerr_str(int cerr);

/* What the server does with a capsule. */
enum rdma_kind {
	RDMA_K_FEED,		/* header + inline bytes straight to the session */
	RDMA_K_FETCH,		/* large WRITE: RDMA READ the data first */
	RDMA_K_PLACE,		/* READ: RDMA WRITE the result into the SGL */
};

/* A capsule decoded: the header and its SGL, host byte order. */
struct rdma_cmd_h {
	struct silk_msg hdr;
	uint64_t addr;
	uint32_t rkey;
	uint32_t sgl_len;
	int kind;		/* enum rdma_kind */
};

/*
 * Check a received capsule of byte_len bytes against the rules of
 * section 13.2 and the connection's grant; fill *c.  The session then
 * checks the header as on TCP (silk_req_check and the connection state).
 * Returns an enum rdma_cerr.
 */
int rdma_capsule_check(const void *buf, uint32_t byte_len,
		       const struct rdma_grant *g, struct rdma_cmd_h *c);
/* Whether the command needs a data buffer (payload, READ result). */
bool rdma_cmd_needs_buf(const struct rdma_cmd_h *c);
/*
 * The 48 header bytes the session gets for a fetched large WRITE: the
 * capsule header with data_len = length (the data follows).
 */
void rdma_fetch_hdr(const struct rdma_cmd_h *c, uint8_t out[SILK_HDR_SIZE]);

/* One reply as it goes on the wire. */
struct rdma_reply {
	uint32_t send_len;	/* bytes of the SEND: 48, or 88 for HELLO */
	uint32_t write_len;	/* READ data to RDMA WRITE first (0: none) */
};

/*
 * Build the SEND for a reply from the session's encoded header and
 * payload (rep_len bytes at data): a READ reply's data is RDMA WRITTEN
 * and its header says data_len 0; a HELLO reply carries its 40 bytes.
 * out holds SILK_RDMA_REP_MAX bytes.  Returns 0, or -1 when the reply has
 * a payload no RDMA reply may carry (a bug).
 */
int rdma_reply_build(const uint8_t hdr[SILK_HDR_SIZE], const void *data,
		     uint32_t rep_len, uint8_t out[SILK_RDMA_REP_MAX],
		     struct rdma_reply *rep);

#endif
