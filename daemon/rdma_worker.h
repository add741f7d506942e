/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The RDMA side of one worker thread: its rdma_cm event channel (each
 * connection is migrated to it when the listener hands it over), an inbox
 * for those hand-overs, and the completion channels of its connections,
 * all behind one pollable fd that the worker adds to its epoll set.
 */
#ifndef SILK_DAEMON_RDMA_WORKER_H
#define SILK_DAEMON_RDMA_WORKER_H

#include <stdbool.h>
#include <stddef.h>

#include "rdma_conn.h"

struct rdma_worker;

struct rdma_worker_params {
	int id;				/* for log messages */
	const struct sess_ops *ops;	/* ctx = struct rdma_conn */
	struct sess_limits limits;
	struct silk_stats *stats;
	struct rdma_devs *devs;
	unsigned depth_max;
	uint32_t max_data;
	void *owner;
};

struct rdma_worker *rdma_worker_new(const struct rdma_worker_params *p,
				    char *err, size_t errlen);
/* Any thread (the listener): take over c.  Returns 0, or -1 (c untouched). */
int rdma_worker_adopt(struct rdma_worker *rw, struct rdma_conn *c);
/* Readable when rdma_worker_run has something to do. */
int rdma_worker_fd(const struct rdma_worker *rw);
/* Hand-overs, CM events and completion channels that are ready. */
void rdma_worker_run(struct rdma_worker *rw);
/* Poll every connection's completion queue once; returns completions. */
unsigned rdma_worker_poll_all(struct rdma_worker *rw);
/* Completion queues that still had entries after their budget. */
bool rdma_worker_pending(const struct rdma_worker *rw);
/*
 * Any thread: devices were marked gone (rdma_devs_check); the worker
 * treats its connections on them as if DEVICE_REMOVAL had come.
 */
void rdma_worker_check_gone(struct rdma_worker *rw);
/* Storage I/O of c's session completed (sess_complete was called). */
void rdma_worker_io_done(struct rdma_conn *c);
/* Post replies, free connections that are done. */
void rdma_worker_flush(struct rdma_worker *rw);
/* Shutdown: no more commands or connections. */
void rdma_worker_stop_rx(struct rdma_worker *rw);
/* Close idle connections (all of them when late); free what drained. */
void rdma_worker_drain(struct rdma_worker *rw, bool late);
bool rdma_worker_empty(const struct rdma_worker *rw);
unsigned rdma_worker_nconns(const struct rdma_worker *rw);
/* After the worker thread ended.  Frees every connection left. */
void rdma_worker_free(struct rdma_worker *rw);

#endif
