/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The RDMA listeners (rdma_listen = ADDR:PORT): rdma_cm ids in the
 * RDMA_PS_TCP port space on one event channel that the main loop polls.
 * A connect request with valid private data becomes an rdma_conn that is
 * handed to a worker; anything else is rejected (protocol.md 13.1).
 *
 * A listener whose RDMA device goes away (RDMA_CM_EVENT_DEVICE_REMOVAL)
 * or whose address moves to another device (RDMA_CM_EVENT_ADDR_CHANGE) is
 * closed and set up again, every RETRY_MS, from the main loop
 * (rdma_listen_timeout, rdma_listen_retry) until the address works again.
 *
 * Each device that connections arrive on also gets an id bound to it that
 * the main thread keeps (a listener on one of its addresses, or else an
 * "anchor" bound to the address the host connected to): through it silkd
 * learns when the device goes away even while no connection uses it, and
 * can release it (see rdma_dev.h).
 */
#ifndef SILK_DAEMON_RDMA_LISTEN_H
#define SILK_DAEMON_RDMA_LISTEN_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "netaddr.h"
#include "rdma_dev.h"

struct rdma_listener;
struct rdma_conn;

/* Give c to a worker; 0, or -1 when none takes it (c is then rejected). */
typedef int (*rdma_handoff_fn)(void *arg, struct rdma_conn *c);

/*
 * Listen on each of the n "ADDR:PORT" strings.  NULL with a one-line
 * reason in err (no RDMA device for an address, no rdma_cm, ...).  devs
 * counts the ids bound to devices; it must outlive the listener and the
 * connections.
 */
struct rdma_listener *rdma_listen_start(const char (*addrs)[CONFIG_ADDR_LEN], int n,
					struct rdma_devs *devs,
					rdma_handoff_fn fn, void *arg,
					char *err, size_t errlen);
/* The event channel's fd (non-blocking): readable when there are events. */
int rdma_listen_fd(const struct rdma_listener *l);
/* Handle the events waiting (a bounded number). */
void rdma_listen_on_event(struct rdma_listener *l);
/*
 * Treat the ids on devices that rdma_devs_check marked gone as if
 * RDMA_CM_EVENT_DEVICE_REMOVAL had come for them.
 */
void rdma_listen_check_gone(struct rdma_listener *l);
/* Milliseconds until rdma_listen_retry has work, -1 when none is down. */
int rdma_listen_timeout(const struct rdma_listener *l);
/* Retry the listeners that are down at once (an RDMA device came). */
void rdma_listen_retry_now(struct rdma_listener *l);
/* Set up again the listeners that are down, when it is time. */
void rdma_listen_retry(struct rdma_listener *l);
/*
 * The listeners, "ADDR:PORT" with the real port, and whether each is
 * listening now (any thread).
 */
int rdma_listen_count(const struct rdma_listener *l);
const char *rdma_listen_name(const struct rdma_listener *l, int i);
bool rdma_listen_up(const struct rdma_listener *l, int i);
void rdma_listen_stop(struct rdma_listener *l);

#endif
