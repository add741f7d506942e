/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RDMA devices in use, one entry per verbs context (librdmacm opens one
 * per device and every rdma_cm id bound to that device shares it):
 *
 *  - the protection domain, shared by every connection on that device (any
 *    worker), with the device attributes read once.  Reference counted: the
 *    PD goes when its last connection releases its verbs objects;
 *  - how many of silkd's rdma_cm ids are bound to the context.  Every id
 *    bound to a device is counted (rdma_devs_hold_id) and destroyed through
 *    rdma_devs_destroy_id.
 *
 * Why the ids are counted: a device that goes away (`rdma link delete`, a
 * driver unload, a hot unplug) is only gone once every process closed its
 * verbs context, and for devices whose driver cannot disassociate user
 * contexts (soft-RoCE, siw, ...) the kernel waits for that.  librdmacm
 * closes its context of a device only once it noticed the device is gone,
 * and it never notices when no RDMA device is left.  So the last id of
 * silkd on a device that is gone is destroyed by the main thread
 * (rdma_devs_run), which then -- if librdmacm kept the context -- puts
 * /dev/null in the place of the context's file descriptors: that releases
 * the device, and librdmacm closes them when it forgets the context.  Only
 * the main thread binds ids (the one thing that makes librdmacm look at
 * its device list and maybe close a context), so the context cannot go
 * away under it meanwhile.
 *
 * How silkd learns that a device goes: RDMA_CM_EVENT_DEVICE_REMOVAL on its
 * ids, but the kernel sends that only after the uverbs side of the device
 * let go when rdma_cm registered with the RDMA core before ib_uverbs (the
 * removal runs the clients in reverse order of module loading) -- and for
 * soft-RoCE that side waits for silkd: a deadlock.  So the registry also
 * watches the kernel's device events (a NETLINK_KOBJECT_UEVENT socket):
 * when an RDMA device node is removed, rdma_devs_check marks every device
 * in use that is no longer listed, and the listener and the workers treat
 * their ids on it as if DEVICE_REMOVAL had come (rdma_devs_gone).
 */
#ifndef SILK_DAEMON_RDMA_DEV_H
#define SILK_DAEMON_RDMA_DEV_H

#include <stdbool.h>
#include <stddef.h>

#include <infiniband/verbs.h>
#include <rdma/rdma_cma.h>

struct rdma_devs;

struct rdma_dev {
	struct ibv_context *verbs;
	struct ibv_pd *pd;		/* while pd_refs > 0 */
	struct ibv_device_attr attr;	/* read with the PD */
	unsigned pd_refs;		/* under the registry's lock */
	unsigned ids;			/* rdma_cm ids bound to verbs, */
	unsigned dying;			/* ... being destroyed, */
	struct rdma_cm_id *grave;	/* ... the last, for the main thread */
	bool gone;			/* no longer in the system's list */
	struct rdma_dev *next;
};

/* NULL when out of memory. */
struct rdma_devs *rdma_devs_new(void);
/*
 * Shutdown, before the listener and the workers go: from now on ids are
 * destroyed at once, not handed to the main thread.
 */
void rdma_devs_close(struct rdma_devs *d);
/* After every thread that uses it. */
void rdma_devs_free(struct rdma_devs *d);
/*
 * Find or set up the PD of verbs; NULL with err set on failure.  The
 * caller holds an id bound to verbs.  Thread-safe.
 */
struct rdma_dev *rdma_dev_get(struct rdma_devs *d, struct ibv_context *verbs,
			      char *err, size_t errlen);
/* Release the PD (before the id is destroyed). */
void rdma_dev_put(struct rdma_devs *d, struct rdma_dev *dev);

/*
 * Count id, bound to a device (id->verbs set; others are not counted).
 * Returns 0, or -1 when out of memory (then rdma_destroy_id it).
 * Thread-safe.
 */
int rdma_devs_hold_id(struct rdma_devs *d, struct rdma_cm_id *id);
/*
 * Destroy a held (or unbound) id whose events were acknowledged and whose
 * QP is gone.  The last one on a device that is gone is handed to the
 * main thread (rdma_devs_run), which releases the device.  Thread-safe.
 */
void rdma_devs_destroy_id(struct rdma_devs *d, struct rdma_cm_id *id);

enum {
	RDMA_DEVS_REMOVED = 1,		/* an RDMA device (maybe) went away */
	RDMA_DEVS_ADDED = 2,		/* one came */
};

/*
 * Main thread: readable when rdma_devs_run has work (ids to destroy, the
 * kernel's device events).
 */
int rdma_devs_fd(const struct rdma_devs *d);
/*
 * One kernel uevent ("ACTION@DEVPATH" and KEY=VALUE strings, each ending
 * in NUL): RDMA_DEVS_* when it is about an RDMA device, else 0.
 */
unsigned rdma_uevent_flags(const char *msg, size_t len);
/* Main thread: do that work; returns RDMA_DEVS_* for the device events. */
unsigned rdma_devs_run(struct rdma_devs *d);
/*
 * Mark the devices in use that are no longer in the system; returns how
 * many were newly marked.  Thread-safe.
 */
int rdma_devs_check(struct rdma_devs *d);
/* Is verbs' device marked gone (rdma_devs_check)?  Thread-safe. */
bool rdma_devs_gone(struct rdma_devs *d, struct ibv_context *verbs);

#endif
