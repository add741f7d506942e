/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Data-path worker: one thread with its own epoll set and io_uring.  The
 * acceptor hands it connections; it reads requests, submits storage I/O to
 * its ring and sends replies as the I/O completes, in any order.
 */
#ifndef SILK_DAEMON_WORKER_H
#define SILK_DAEMON_WORKER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rdma_dev.h"
#include "sess.h"
#include "stats.h"
#include "volumes.h"

struct worker;
struct rdma_conn;

struct worker_params {
	int id;
	struct volreg *reg;
	struct sess_limits limits;
	unsigned ring_entries;
	/* TCP READs of at least this many bytes from an O_DIRECT backing
	 * go from the backing to the socket by splice(); 0: never. */
	uint32_t splice_min;
	/* RDMA connections (rdma_listen configured): devs != NULL */
	struct rdma_devs *rdma_devs;
	unsigned rdma_depth_max;
	uint32_t rdma_max_data;
	bool rdma_busy_poll;
	/* After a round with work, keep looking for more without sleeping
	 * for this many microseconds; 0: sleep at once. */
	uint32_t busy_poll_us;
};

struct worker *worker_start(const struct worker_params *p, char *err,
			    size_t errlen);
/* Hand over an accepted, non-blocking socket.  Returns 0 or -1. */
int worker_add_conn(struct worker *w, int fd);
/* Hand over an RDMA connection request (any thread).  Returns 0 or -1. */
int worker_add_rdma(struct worker *w, struct rdma_conn *c);
/*
 * Stop: no new requests are read; in-flight requests complete and their
 * replies are sent (for at most drain_ms), then connections close and the
 * thread exits.  Frees w.
 */
void worker_stop(struct worker *w, int drain_ms);
/* Devices were marked gone (rdma_devs_check): release what is on them. */
void worker_rdma_check_gone(struct worker *w);
/* TCP and RDMA connections. */
unsigned worker_nconns(struct worker *w);
unsigned worker_rdma_nconns(struct worker *w);
struct silk_stats *worker_stats(struct worker *w);

#endif
