/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One RDMA connection of a worker (Documentation/protocol.md section 13):
 * its queue pair, completion queue and channel, registered buffers, and a
 * sess that validates and executes the commands exactly as on TCP.
 *
 * Capsules arrive in receive buffers (depth + 1 posted).  Inline WRITEs,
 * HELLO and commands without data go straight to the session; a large
 * WRITE's data is fetched with RDMA READ into a pool buffer first; a
 * READ's result lands in a pool buffer and is placed with RDMA WRITE
 * before the reply's SEND.  The session gets its payload buffers from the
 * pool (sess_buf_ops), so no data is copied except inline payloads.
 *
 * A connection lives in one worker thread.  The listener (main thread)
 * only creates it (rdma_conn_new) and hands it over.
 *
 * Two completion queues on one completion channel (one fd in the
 * worker's epoll set).  The receive CQ is armed all the time: a capsule
 * is work.  The send CQ (RDMA READs, reply SENDs; the WRITEs before the
 * SENDs are unsignaled) is armed only while the connection waits on it:
 * RDMA READs in flight (their data carries a WRITE forward), replies
 * waiting for send queue room, capsules parked for a data buffer or send
 * queue room, an empty buffer pool, or the connection draining or
 * closing (rdma_conn_idle needs every reply sent).  Otherwise a reply's
 * send completion is pure bookkeeping (a send queue slot, a READ's data
 * buffer): it raises no event and is reaped whenever the connection is
 * polled for another reason (ibv_poll_cq is no system call on rxe or
 * mlx5), which saves a wake-up per request at low queue depth.  Arming
 * is always followed by a poll, so a completion that came just before
 * the arm is not missed.  Each armed CQ raises at most one event per
 * arm, so a channel readiness is served with that many reads at most.
 *
 * When its RDMA device goes away (RDMA_CM_EVENT_DEVICE_REMOVAL), every
 * verbs object and the cm_id go at once, so that the device can be
 * released; the memory and the session stay until the storage I/O still
 * running on them has completed, as after any disconnect.
 */
#ifndef SILK_DAEMON_RDMA_CONN_H
#define SILK_DAEMON_RDMA_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include <rdma/rdma_cma.h>

#include "netaddr.h"
#include "rdma_capsule.h"
#include "rdma_dev.h"
#include "sess.h"

struct rdma_conn;

/* What the hosting worker provides to its RDMA connections. */
struct rdma_env {
	const struct sess_ops *ops;	/* session callbacks, ctx = rdma_conn */
	struct sess_limits limits;	/* features, max_bytes; rest per conn */
	struct silk_stats *stats;
	struct rdma_devs *devs;
	unsigned depth_max;		/* rdma_queue_depth_max */
	uint32_t max_data;		/* rdma_max_data */
	void *owner;			/* the worker */
	int epfd;			/* where completion channels are polled */
	struct rdma_conn *dirty;	/* connections with work for flush */
};

/* What the listener learnt from the connect request. */
struct rdma_conn_req {
	struct rdma_cm_req_h cm;
	uint8_t initiator_depth;	/* RDMA READs the host lets us issue */
	char peer[NETADDR_STRLEN];
};

struct rdma_rbuf {
	uint8_t *mem;			/* max_data bytes, registered */
	struct rdma_cmd_h cmd;		/* the command it serves (its SGL) */
	struct rdma_rbuf *next;		/* free list */
	bool in_tx;			/* source of a posted RDMA WRITE */
};

/* A reply posted, until its SEND completes. */
struct rdma_posted {
	uint32_t nwr;			/* send queue entries it took */
	struct rdma_rbuf *held;		/* READ data buffer, freed then */
};

struct rdma_conn {
	/* the worker's lists */
	struct rdma_conn *prev, *next;
	struct rdma_conn *next_dirty, *next_repoll;
	bool dirty, repoll;

	struct rdma_env *env;
	struct rdma_devs *devs;
	struct rdma_cm_id *id;		/* NULL once its verbs are released */
	struct rdma_conn_req req;
	bool doomed;			/* CM ended it before the worker took it */
	bool removed;			/* its device is going away */
	bool accepted, established, dead, rx_stopped, proto_logged;

	struct rdma_dev *dev;
	struct ibv_comp_channel *ch;	/* both CQs report here */
	struct ibv_cq *rcq;		/* receives; always armed */
	struct ibv_cq *scq;		/* READs, SENDs; armed when waited on */
	bool rcq_armed, scq_armed;	/* an event may still come (one per
					 * arm; cleared when it is read) */
	bool ch_polled;			/* channel fd in env->epfd */
	bool remote_inv;		/* device can SEND_WITH_INV */
	struct rdma_grant g;
	struct rdma_sizes sz;

	uint8_t *rx_mem;		/* sz.recv buffers of sz.recv_size */
	struct ibv_mr *rx_mr;
	uint8_t *data_mem;		/* sz.data_bufs buffers of g.max_data */
	struct ibv_mr *data_mr;
	struct rdma_rbuf *bufs, *free_bufs;
	unsigned nfree_bufs;
	unsigned nheld;			/* held by posted READ replies */
	uint8_t *rep_mem;		/* sz.send reply buffers */
	struct ibv_mr *rep_mr;

	/* replies posted, oldest first (a ring over sz.send) */
	struct rdma_posted *posted;
	uint32_t post_tail, nposted;

	/* capsules waiting for a buffer, a slot or send queue room: their
	 * receive buffers, oldest first (a ring over sz.recv) */
	uint32_t *park_idx, *park_len;
	uint32_t park_tail, nparked;

	uint32_t sq_used;		/* send queue entries outstanding */
	uint32_t cmds;			/* capsules whose reply is not posted */
	uint32_t reads;			/* RDMA READs in flight */
	struct sess *sess;

	/* while feeding the session */
	const struct rdma_cmd_h *feeding;
	struct rdma_rbuf *prefill;	/* data already fetched */
};

/*
 * Listener side: a connection for a connect request (id->context = it).
 * id is held in devs (rdma_devs_hold_id); the connection destroys it.
 */
struct rdma_conn *rdma_conn_new(struct rdma_cm_id *id,
				const struct rdma_conn_req *req,
				struct rdma_devs *devs);
/*
 * Worker side: set up everything and accept; on failure the request is
 * rejected (AGAIN) and -1 returned with err set: rdma_conn_free() it.
 */
int rdma_conn_accept(struct rdma_conn *c, struct rdma_env *env, char *err,
		     size_t errlen);
/* Refuse a connection that was not accepted (rdma_cm_rej with status). */
void rdma_conn_reject(struct rdma_conn *c, unsigned status);
/* Everything, including the cm_id.  Requires rdma_conn_can_free(). */
void rdma_conn_free(struct rdma_conn *c);
bool rdma_conn_can_free(const struct rdma_conn *c);

/*
 * A CM event for this connection (already acknowledged).  After
 * RDMA_CM_EVENT_DEVICE_REMOVAL the cm_id is destroyed: no more events.
 */
void rdma_conn_on_cm(struct rdma_conn *c, enum rdma_cm_event_type ev,
		     int status);
/*
 * The completion channel is readable: take its events (as many as the
 * armed CQs can have raised), re-arm the receive CQ, poll.  Returns true
 * if more completions may be queued.
 */
bool rdma_conn_on_comp(struct rdma_conn *c);
/*
 * Poll up to budget batches of completions from each CQ (send first: it
 * frees room and buffers the capsules may need), then arm the send CQ if
 * the connection now waits on it; *more says a CQ may still have some.
 * Returns how many were handled.
 */
unsigned rdma_conn_poll(struct rdma_conn *c, unsigned budget, bool *more);
/* Post replies, resume parked capsules, close when a refused HELLO is out. */
void rdma_conn_flush(struct rdma_conn *c);
/* Disconnect; resources go once storage I/O has drained. */
void rdma_conn_kill(struct rdma_conn *c, bool protocol_error, const char *fmt,
		   ...) __attribute__((format(printf, 3, 4)));
/* Shutdown drain: take no more commands. */
void rdma_conn_stop_rx(struct rdma_conn *c);
/* Nothing in flight and every reply sent. */
bool rdma_conn_idle(const struct rdma_conn *c);
void rdma_conn_mark_dirty(struct rdma_conn *c);

#endif
