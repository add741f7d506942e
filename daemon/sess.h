/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The server side of one Silk connection, without sockets: bytes go in
 * (sess_feed / sess_rx_window + sess_rx_commit), validated requests come
 * out through ops->submit, completions come back (sess_complete) and
 * replies go out (sess_tx_iov / sess_tx_advance).  The worker drives it
 * from a socket; the unit tests and the fuzz target drive it from memory.
 *
 * Every request occupies a slot from receipt of its first byte until its
 * reply has been fully sent; at most limits.max_inflight slots and
 * limits.max_bytes payload bytes are held, after which the session stops
 * consuming input (sess_rx_blocked) until replies drain: backpressure.
 */
#ifndef SILK_DAEMON_SESS_H
#define SILK_DAEMON_SESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "proto.h"
#include "stats.h"
#include "store.h"
#include "vol.h"

struct sess;

struct sreq {
	struct sess *sess;
	struct silk_msg req;		/* decoded request header */
	uint8_t *data;			/* request payload or READ result */
	uint32_t cap;			/* allocated bytes at data */
	uint32_t charge;		/* bytes counted against max_bytes */
	uint32_t rep_len;		/* reply payload bytes */
	uint8_t rep_hdr[SILK_HDR_SIZE];	/* encoded reply header */
	struct store_io io;		/* for the server's storage I/O */
	void *xprt;			/* transport's own (sess_buf_ops), else NULL */
	int data_fd;			/* >= 0: READ reply payload waits in this
					 * pipe (read end), not at data */
	int pipe_id;			/* the server's name for that pipe */
	struct sreq *next;		/* free list, tx queue, worker queues */
	bool in_io;			/* submitted, not yet completed */
	bool busy;			/* slot in use */
};

struct sess_ops {
	/*
	 * HELLO: find the named volume.  On success store it in *out with a
	 * reference and its connection count raised, and return SILK_S_OK;
	 * otherwise return a status (SILK_S_NOENT, SILK_S_IO, ...).
	 */
	int (*vol_get)(void *ctx, const char *name, struct vol **out);
	/* Undo vol_get when the session ends. */
	void (*vol_put)(void *ctx, struct vol *v);
	/*
	 * Start storage I/O for r (READ, WRITE, FLUSH, DISCARD, WRITE_ZEROES;
	 * range already checked).  Return 0 when started; sess_complete() is
	 * called later.  Return a nonzero SILK_S_* status to fail it now.
	 */
	int (*submit)(void *ctx, struct sess *s, struct sreq *r);
	/*
	 * Optional, for servers that set r->data_fd: the slot is released;
	 * take the pipe back.  sent: the whole reply went out, so the pipe
	 * is empty.  r->data_fd is reset afterwards.
	 */
	void (*pipe_put)(void *ctx, struct sess *s, struct sreq *r, bool sent);
};

/*
 * Optional: the transport provides payload buffers (e.g. registered RDMA
 * memory) instead of the session allocating them.  get returns need bytes
 * for r's payload (WRITE data, READ result, HELLO) and may set r->xprt;
 * NULL fails the connection.  put takes it back when the slot is released
 * (reply sent, connection gone, session freed); r->data and r->xprt are
 * still set then.
 */
struct sess_buf_ops {
	void *(*get)(void *ctx, struct sess *s, struct sreq *r, uint32_t need);
	void (*put)(void *ctx, struct sess *s, struct sreq *r);
};

struct sess_limits {
	unsigned max_inflight;	/* requests held at once, >= 1 */
	uint64_t max_bytes;	/* payload bytes held at once */
	uint32_t features;	/* SILK_FEAT_* this server grants */
	uint32_t max_data;	/* max_data in the HELLO reply; 0: SILK_MAX_DATA */
};

enum sess_state {
	SESS_HELLO,	/* waiting for HELLO */
	SESS_READY,	/* serving */
	SESS_CLOSING,	/* send queued replies, then close */
	SESS_FAILED,	/* protocol error: close now */
};

struct sess *sess_new(const struct sess_limits *lim, const struct sess_ops *ops,
		      void *ctx, struct silk_stats *stats);
/* Requires sess_in_io(s) == 0.  Releases the volume. */
void sess_free(struct sess *s);

/*
 * Consume up to n bytes.  Returns how many were consumed (less than n when
 * backpressure or the state stops it), or -1 on a protocol error: the state
 * is then SESS_FAILED and sess_error() says why.
 */
ssize_t sess_feed(struct sess *s, const void *buf, size_t n);
/*
 * Where the payload of the message being received may be read directly
 * (avoids a copy); returns false when no payload is expected right now.
 */
bool sess_rx_window(struct sess *s, void **buf, size_t *len);
/* n bytes were placed at the window; same return as sess_feed. */
ssize_t sess_rx_commit(struct sess *s, size_t n);
/* True when input is paused until replies drain. */
bool sess_rx_blocked(const struct sess *s);

/* Called by the server when storage I/O for r ends with status. */
void sess_complete(struct sess *s, struct sreq *r, unsigned status);

/*
 * Fill up to max iovecs with reply bytes waiting to be sent; returns count.
 * The iovecs stop where a payload waits in a pipe (r->data_fd): then
 * *pipe_next (may be NULL) is set, the header before it being in the
 * iovecs, and sess_tx_pipe() names the pipe once the header is sent.
 */
int sess_tx_iov(struct sess *s, struct iovec *iov, int max, bool *pipe_next);
/*
 * When the next reply bytes to send wait in a pipe: its read end, with the
 * byte count in *len and in *more whether other replies follow; else -1.
 * Send them with splice() and report them with sess_tx_advance().
 */
int sess_tx_pipe(const struct sess *s, size_t *len, bool *more);
/* n bytes of the iovecs were sent. */
void sess_tx_advance(struct sess *s, size_t n);
bool sess_tx_pending(const struct sess *s);

int sess_state(const struct sess *s);
/* Protocol error reason (enum silk_verr) and a detail string. */
int sess_verr(const struct sess *s);
const char *sess_error(const struct sess *s);
/* Requests whose storage I/O has not completed. */
unsigned sess_in_io(const struct sess *s);
/* Requests held (received, not fully replied). */
unsigned sess_inflight(const struct sess *s);
struct vol *sess_vol(const struct sess *s);
uint32_t sess_features(const struct sess *s);
/* The connection is gone: drop queued replies; completions just free. */
void sess_abort(struct sess *s);
void *sess_ctx(const struct sess *s);
/* Stop taking input (shutdown drain): a partial message is dropped. */
void sess_stop_rx(struct sess *s);
const struct sess_ops *sess_get_ops(const struct sess *s);
/* Use the transport's payload buffers; call before the first sess_feed. */
void sess_set_buf_ops(struct sess *s, const struct sess_buf_ops *b);
/*
 * The oldest reply waiting to be sent (NULL if none); the others follow
 * through r->next.  For transports that send whole replies from the
 * sreq (rep_hdr, data, rep_len) and call sess_tx_advance with
 * SILK_HDR_SIZE + rep_len once each is on the wire.
 */
struct sreq *sess_tx_head(const struct sess *s);

#endif
