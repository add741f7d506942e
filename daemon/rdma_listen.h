/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The RDMA listeners (rdma_listen = ADDR:PORT): rdma_cm ids in the
 * RDMA_PS_TCP port space on one event channel that the main loop polls.
 * A connect request with valid private data becomes an rdma_conn that is
 * handed to a worker; anything else is rejected (protocol.md 13.1).
 */
#ifndef SILK_DAEMON_RDMA_LISTEN_H
#define SILK_DAEMON_RDMA_LISTEN_H

#include <stddef.h>

#include "config.h"
#include "netaddr.h"

struct rdma_listener;
struct rdma_conn;

/* Give c to a worker; 0, or -1 when none takes it (c is then rejected). */
typedef int (*rdma_handoff_fn)(void *arg, struct rdma_conn *c);

/*
 * Listen on each of the n "ADDR:PORT" strings.  NULL with a one-line
 * reason in err (no RDMA device for an address, no rdma_cm, ...).
 */
struct rdma_listener *rdma_listen_start(const char (*addrs)[CONFIG_ADDR_LEN], int n,
					rdma_handoff_fn fn, void *arg,
					char *err, size_t errlen);
/* The event channel's fd (non-blocking): readable when there are events. */
int rdma_listen_fd(const struct rdma_listener *l);
/* Handle the events waiting (a bounded number). */
void rdma_listen_on_event(struct rdma_listener *l);
/* The bound addresses, "ADDR:PORT" with the real port. */
int rdma_listen_count(const struct rdma_listener *l);
const char *rdma_listen_name(const struct rdma_listener *l, int i);
void rdma_listen_stop(struct rdma_listener *l);

#endif
