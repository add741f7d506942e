/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RDMA devices in use: one protection domain per verbs context, shared by
 * every connection on that device (any worker), with its attributes read
 * once.  Reference counted; the PD goes when its last connection does, so
 * a removed device can be released.
 */
#ifndef SILK_DAEMON_RDMA_DEV_H
#define SILK_DAEMON_RDMA_DEV_H

#include <stddef.h>

#include <infiniband/verbs.h>

struct rdma_devs;

struct rdma_dev {
	struct ibv_context *verbs;
	struct ibv_pd *pd;
	struct ibv_device_attr attr;
	unsigned refs;			/* under the registry's lock */
	struct rdma_dev *next;
};

struct rdma_devs *rdma_devs_new(void);
/* Requires every rdma_dev_get to have been put. */
void rdma_devs_free(struct rdma_devs *d);
/* Find or set up verbs' PD; NULL with err set on failure.  Thread-safe. */
struct rdma_dev *rdma_dev_get(struct rdma_devs *d, struct ibv_context *verbs,
			      char *err, size_t errlen);
void rdma_dev_put(struct rdma_devs *d, struct rdma_dev *dev);

#endif
