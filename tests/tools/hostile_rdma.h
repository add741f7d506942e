/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hostile_rdma: a Silk RDMA server (Documentation/protocol.md section 13)
 * that answers HELLO correctly and then misbehaves.  Shared declarations of
 * hostile_rdma.c (options, event loop, connection manager),
 * hostile_rdma_conn.c (one connection: buffers, work requests, completions)
 * and hostile_rdma_cmd.c (commands and the replies of each mode).
 */
#ifndef SILK_TESTS_HOSTILE_RDMA_H
#define SILK_TESTS_HOSTILE_RDMA_H

#include <stdbool.h>
#include <stdint.h>

#include <infiniband/verbs.h>
#include <rdma/rdma_cma.h>

#include "proto.h"

#define HR_MAX_CONNS	64
#define HR_MAX_DEPTH	128		/* largest queue depth granted */
#define HR_REPLY_BUF	4096		/* per-command reply buffer */
#define HR_MAX_DATA	SILK_RDMA_DEFAULT_MAX_DATA

enum hr_mode { M_GARBAGE, M_SHORT, M_OVERSIZED, M_BADTAG, M_WRONGOP,
	       M_READDATA, M_BADINV, M_SLOW, M_FLAP, M_GOOD, M_NR_ };

enum hr_cm_mode { CM_NONE, CM_REJECT, CM_BADDEPTH, CM_NOPRIVATE, CM_NR_ };

struct hr_opts {
	int mode;		/* enum hr_mode */
	int cm_mode;		/* enum hr_cm_mode */
	uint64_t size;
	uint32_t block_size;
	int timeout_s;
	unsigned flap_after;
};

/* One RDMA device connections arrived on: its PD and the volume's MR. */
struct hr_dev {
	struct hr_dev *next;
	struct ibv_context *verbs;
	struct ibv_pd *pd;
	struct ibv_mr *vol_mr;		/* NULL when the mode has no volume */
	uint8_t max_init_rd;		/* device max_qp_init_rd_atom */
	uint8_t max_rd;			/* device max_qp_rd_atom */
};

struct hr_conn;

struct hr_server {
	struct hr_opts o;
	uint8_t *mem;			/* in-memory volume (flap, good) */
	struct rdma_event_channel *ec;
	struct rdma_cm_id *listen_id;
	int epfd;
	bool stop;			/* the listener is gone */
	struct hr_dev *devs;
	struct hr_conn *conns[HR_MAX_CONNS];
	uint32_t gen;			/* bumped per connection, in epoll data */
	unsigned next_id;
	unsigned nconns;
};

/* The host's connect request, decoded. */
struct hr_cm_req {
	uint16_t qid;
	uint16_t queue_depth;		/* >= 1 */
	uint32_t inline_max;
};

extern const char *const hr_mode_names[M_NR_];

/* A command being answered: its header, SGL and reply buffer. */
struct hr_ctx {
	struct silk_msg q;	/* the command's header */
	uint64_t raddr;		/* its SGL */
	uint32_t rkey;
	uint32_t rlen;
	uint8_t *buf;		/* HR_REPLY_BUF bytes in the connection's MR */
	int next_free;		/* free list link, -1 at the end */
	bool busy;
	bool close_after;	/* disconnect once this reply's SEND completed */
};

struct hr_conn {
	struct hr_server *srv;
	unsigned id;		/* for log lines */
	unsigned slot;		/* index in srv->conns */
	uint32_t gen;
	struct rdma_cm_id *cm_id;
	struct hr_dev *dev;
	struct ibv_comp_channel *cc;
	struct ibv_cq *cq;
	uint8_t *area;		/* receive buffers, then reply buffers */
	struct ibv_mr *mr;
	unsigned nrecv;
	uint32_t recv_size;
	struct hr_ctx *ctx;
	unsigned nctx;
	int free_ctx;
	uint32_t inline_max;	/* granted */
	bool in_epoll;
	bool hello_done;
	bool closing;		/* last reply posted, no more service */
	bool disconnecting;
	unsigned replies;	/* replies posted after HELLO */
	unsigned seed;
};

/* hostile_rdma_conn.c */

/*
 * Set up a connection for the connect request on id (QP, buffers, receives
 * posted) and accept it as the cm mode says.  On success the connection is
 * in srv->conns, watched by srv->epfd, and id->context points to it; on
 * failure nothing is left but id, which the caller rejects and destroys.
 */
int hr_conn_create(struct hr_server *srv, struct hr_dev *dev,
		   struct rdma_cm_id *id, const struct hr_cm_req *req,
		   const struct rdma_conn_param *host);
/* Tear down everything the connection owns, including its cm_id. */
void hr_conn_destroy(struct hr_conn *c);
/* The CM reported the connection established. */
void hr_conn_established(struct hr_conn *c);
/* Its completion channel is readable: process completions. */
void hr_conn_poll(struct hr_conn *c);
/* Begin a disconnect (idempotent); why is logged unless NULL. */
void hr_conn_disconnect(struct hr_conn *c, const char *why);
/* Epoll cookie of the connection: generation << 32 | slot. */
uint64_t hr_conn_cookie(const struct hr_conn *c);

/* A free reply context, or NULL; returned with hr_ctx_put. */
struct hr_ctx *hr_ctx_get(struct hr_conn *c);
void hr_ctx_put(struct hr_conn *c, struct hr_ctx *x);
/* (Re)post receive buffer i. */
int hr_post_recv(struct hr_conn *c, unsigned i);
/*
 * SEND len bytes of x's reply buffer (with invalidation of inv_rkey if
 * inv), after an RDMA WRITE of the volume range of x's READ into the
 * host's SGL if data.  On failure x is released and the connection is
 * being disconnected.
 */
int hr_post_reply(struct hr_conn *c, struct hr_ctx *x, uint32_t len,
		  bool inv, uint32_t inv_rkey, bool data);
/* RDMA READ the host's data for x (a large WRITE) into the volume. */
int hr_post_fetch(struct hr_conn *c, struct hr_ctx *x);

/* hostile_rdma_cmd.c */

/* A command of byte_len bytes arrived in receive buffer slot. */
void hr_on_command(struct hr_conn *c, unsigned slot, uint32_t byte_len);
/* The data of x (a large WRITE) is in the volume: reply. */
void hr_fetch_done(struct hr_conn *c, struct hr_ctx *x);

#endif
