/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * Silk wire protocol, shared byte for byte by silk.ko and silkd.
 *
 * Every message, in both directions, starts with a fixed 48-byte header
 * (struct silk_hdr), little-endian, optionally followed by data_len bytes
 * of payload.  Documentation/protocol.md is the specification; this file is
 * its single definition in code.
 */
#ifndef _SILK_PROTO_H
#define _SILK_PROTO_H

#include <linux/types.h>

#define SILK_MAGIC		0x4b4c4953u	/* "SILK" read little-endian */
#define SILK_PROTO_VERSION_MIN	1
#define SILK_PROTO_VERSION_MAX	1
#define SILK_DEFAULT_PORT	7400
#define SILK_DEFAULT_MGMT_PORT	7410

/* Largest payload a single message may carry (and the largest I/O). */
#define SILK_MAX_DATA		(1u << 20)
/* Longest volume name, not counting the terminating NUL. */
#define SILK_VOLUME_NAME_MAX	63

/* Opcodes.  A reply carries the request's opcode with SILK_OP_REPLY set. */
enum silk_opcode {
	SILK_OP_HELLO		= 1,
	SILK_OP_READ		= 2,
	SILK_OP_WRITE		= 3,
	SILK_OP_FLUSH		= 4,
	SILK_OP_DISCARD		= 5,
	SILK_OP_WRITE_ZEROES	= 6,
	SILK_OP_KEEPALIVE	= 7,
	SILK_OP_MAX		= SILK_OP_KEEPALIVE,
};

#define SILK_OP_REPLY		0x80

/* Header flags. */
#define SILK_F_FUA		(1u << 0)	/* WRITE/WRITE_ZEROES: durable before reply */
#define SILK_F_DDGST		(1u << 1)	/* data_digest holds crc32c of payload */
#define SILK_F_HDGST		(1u << 2)	/* hdr_digest holds crc32c of header */
#define SILK_F_ALL		(SILK_F_FUA | SILK_F_DDGST | SILK_F_HDGST)

/* Status codes carried in replies; silk_status_to_errno() maps them. */
enum silk_status {
	SILK_S_OK		= 0,
	SILK_S_IO		= 1,	/* -EIO: storage error */
	SILK_S_INVAL		= 2,	/* -EINVAL: malformed request */
	SILK_S_NOSPC		= 3,	/* -ENOSPC */
	SILK_S_STALE		= 4,	/* -ESTALE: epoch older than the server's */
	SILK_S_NOENT		= 5,	/* -ENOENT: no such volume */
	SILK_S_PROTO		= 6,	/* -EPROTO: no common protocol version */
	SILK_S_AGAIN		= 7,	/* -EAGAIN: busy, retry later */
	SILK_S_RANGE		= 8,	/* -ERANGE: beyond the end of the volume */
	SILK_S_NOTSUPP		= 9,	/* -EOPNOTSUPP */
	SILK_S_MAX		= SILK_S_NOTSUPP,
};

/*
 * The common header.  For requests: opcode, flags, tag, vol_id, epoch,
 * offset and length describe the operation; status is zero.  For replies:
 * opcode | SILK_OP_REPLY, the request's tag, status, and for a READ reply
 * the data (data_len == request length on success, 0 on error).
 */
struct silk_hdr {
	__le32	magic;		/* SILK_MAGIC */
	__u8	opcode;		/* enum silk_opcode, | SILK_OP_REPLY in replies */
	__u8	flags;		/* SILK_F_* */
	__le16	status;		/* enum silk_status; 0 in requests */
	__le32	tag;		/* chosen by the requester, echoed in the reply */
	__le32	data_len;	/* payload bytes following the header */
	__le32	vol_id;		/* volume id from the HELLO reply */
	__le32	length;		/* bytes covered by the operation */
	__le64	offset;		/* byte offset into the volume */
	__le64	epoch;		/* pod map epoch the host routed with */
	__le32	data_digest;	/* crc32c of the payload if SILK_F_DDGST */
	__le32	hdr_digest;	/* crc32c of the header (this field 0) if SILK_F_HDGST */
};

#define SILK_HDR_SIZE		48

/* Features negotiated in HELLO. */
#define SILK_FEAT_DDGST		(1u << 0)	/* data digests on WRITE/READ payloads */
#define SILK_FEAT_HDGST		(1u << 1)	/* header digests */
#define SILK_FEAT_ALL		(SILK_FEAT_DDGST | SILK_FEAT_HDGST)

/*
 * HELLO request payload (host -> server), data_len == sizeof.  Sent first
 * on every connection; nothing else is accepted before it.
 */
struct silk_hello_req {
	__le16	min_version;	/* lowest protocol version the host speaks */
	__le16	max_version;	/* highest protocol version the host speaks */
	__le32	features;	/* SILK_FEAT_* the host wants */
	__le32	queue_id;	/* hw queue index this connection serves */
	__le32	queue_depth;	/* requests the host may keep in flight */
	__le64	epoch;		/* host's map epoch */
	char	volume[SILK_VOLUME_NAME_MAX + 1];	/* NUL-terminated name */
};

#define SILK_HELLO_REQ_SIZE	88

/* HELLO reply payload (server -> host), data_len == sizeof when status OK. */
struct silk_hello_rep {
	__le16	version;	/* chosen protocol version */
	__le16	reserved0;
	__le32	features;	/* SILK_FEAT_* granted (subset of requested) */
	__le32	vol_id;		/* id to put in every request's vol_id */
	__le32	block_size;	/* volume logical block size: 512 or 4096 */
	__le64	size;		/* volume size in bytes */
	__le32	max_data;	/* largest payload the server accepts */
	__le32	reserved1;
	__le64	epoch;		/* server's current epoch */
};

#define SILK_HELLO_REP_SIZE	40

/*
 * ---- RDMA transport (Documentation/protocol.md, section 13) -------------
 *
 * One reliable-connected QP per host queue, set up with rdma_cm.  The host
 * SENDs command capsules: a silk_hdr, a silk_rdma_sgl and, for small
 * WRITEs and HELLO, the payload inline (hdr.data_len bytes).  Larger data
 * stays in host memory registered for this one request: the server fetches
 * WRITE data with RDMA READ and places READ data with RDMA WRITE, then
 * SENDs the reply (a silk_hdr; only a HELLO reply carries a payload),
 * normally with IBV_WR_SEND_WITH_INV of the request's rkey.
 */
#define SILK_RDMA_CM_VERSION	1

/* rdma_cm private data of the host's connect request. */
struct silk_rdma_cm_req {
	__le16	recfmt;		/* SILK_RDMA_CM_VERSION */
	__le16	qid;		/* host queue index */
	__le16	queue_depth;	/* commands the host keeps in flight, >= 1 */
	__le16	reserved0;
	__le32	inline_max;	/* inline WRITE payload bytes the host wants */
	__le32	reserved1;
};

#define SILK_RDMA_CM_REQ_SIZE	16

/* rdma_cm private data of the server's accept. */
struct silk_rdma_cm_rep {
	__le16	recfmt;		/* SILK_RDMA_CM_VERSION */
	__le16	queue_depth;	/* granted, <= requested */
	__le32	inline_max;	/* granted, <= requested */
	__le32	max_data;	/* largest remote (SGL) transfer per command */
	__le32	reserved;
};

#define SILK_RDMA_CM_REP_SIZE	16

/* rdma_cm private data of a reject. */
struct silk_rdma_cm_rej {
	__le16	recfmt;		/* SILK_RDMA_CM_VERSION */
	__le16	status;		/* enum silk_status */
};

#define SILK_RDMA_CM_REJ_SIZE	4

/* Host memory the server reads (WRITE) or writes (READ) for one command. */
struct silk_rdma_sgl {
	__le64	addr;		/* remote address (the MR's iova) */
	__le32	rkey;		/* remote key of a per-request MR; 0 if none */
	__le32	length;		/* bytes; 0 when the command has no remote data */
};

/* A command capsule is this, followed by hdr.data_len inline bytes. */
struct silk_rdma_cmd {
	struct silk_hdr		hdr;
	struct silk_rdma_sgl	sgl;
};

#define SILK_RDMA_CMD_SIZE	64
/* A reply capsule: a silk_hdr and, for HELLO only, silk_hello_rep. */
#define SILK_RDMA_REP_MAX	(SILK_HDR_SIZE + SILK_HELLO_REP_SIZE)
/* Server limit on inline WRITE payload (a host asks for less). */
#define SILK_RDMA_INLINE_MAX	(16u << 10)
/* Default largest SGL transfer a server grants. */
#define SILK_RDMA_DEFAULT_MAX_DATA	(256u << 10)

#endif /* _SILK_PROTO_H */
