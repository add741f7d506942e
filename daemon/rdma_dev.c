// SPDX-License-Identifier: GPL-2.0
/* RDMA devices in use: see rdma_dev.h. */
#include "rdma_dev.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <linux/netlink.h>

#include "log.h"

#define UEVENT_BUF 8192
#define UEVENTS_MAX 64		/* messages taken per wakeup */

enum { EV_REAP = 1, EV_UEVENT };

struct rdma_devs {
	pthread_mutex_t lock;
	struct rdma_dev *list;
	int epfd;			/* reap_fd and uevent_fd */
	int reap_fd;			/* eventfd: an id to bury */
	int uevent_fd;			/* kernel device events, or -1 */
	bool closing;			/* rdma_devs_close: no more graves */
};

/* The kernel's device events (group 1: as the kernel sends them). */
static int open_uevents(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			NETLINK_KOBJECT_UEVENT);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		log_warn("cannot watch for RDMA device removal (uevent socket: %s): a removed soft-RoCE device may stay busy",
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int watch(int epfd, int fd, uint64_t what)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = what };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

struct rdma_devs *rdma_devs_new(void)
{
	struct rdma_devs *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	pthread_mutex_init(&d->lock, NULL);
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	d->reap_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	d->uevent_fd = open_uevents();
	if (d->epfd < 0 || d->reap_fd < 0 ||
	    watch(d->epfd, d->reap_fd, EV_REAP) < 0 ||
	    (d->uevent_fd >= 0 && watch(d->epfd, d->uevent_fd, EV_UEVENT) < 0)) {
		rdma_devs_free(d);
		return NULL;
	}
	return d;
}

void rdma_devs_free(struct rdma_devs *d)
{
	if (!d)
		return;
	while (d->list) {
		struct rdma_dev *dev = d->list;

		d->list = dev->next;
		if (dev->grave)
			rdma_destroy_id(dev->grave);
		if (dev->pd)
			ibv_dealloc_pd(dev->pd);
		free(dev);
	}
	if (d->uevent_fd >= 0)
		close(d->uevent_fd);
	if (d->reap_fd >= 0)
		close(d->reap_fd);
	if (d->epfd >= 0)
		close(d->epfd);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

/* Under the lock. */
static struct rdma_dev *find(struct rdma_devs *d, struct ibv_context *verbs)
{
	struct rdma_dev *dev;

	for (dev = d->list; dev; dev = dev->next)
		if (dev->verbs == verbs)
			return dev;
	return NULL;
}

/* Under the lock: a new entry, or NULL when out of memory. */
static struct rdma_dev *add(struct rdma_devs *d, struct ibv_context *verbs)
{
	struct rdma_dev *dev = calloc(1, sizeof(*dev));

	if (dev) {
		dev->verbs = verbs;
		dev->next = d->list;
		d->list = dev;
	}
	return dev;
}

/* Under the lock: forget dev once nothing uses it. */
static void maybe_drop(struct rdma_devs *d, struct rdma_dev *dev)
{
	struct rdma_dev **pp;

	if (dev->ids || dev->pd_refs)
		return;
	for (pp = &d->list; *pp; pp = &(*pp)->next) {
		if (*pp == dev) {
			*pp = dev->next;
			break;
		}
	}
	free(dev);
}

struct rdma_dev *rdma_dev_get(struct rdma_devs *d, struct ibv_context *verbs,
			      char *err, size_t errlen)
{
	struct rdma_dev *dev;
	int rc;

	pthread_mutex_lock(&d->lock);
	dev = find(d, verbs);
	if (!dev)
		dev = add(d, verbs);
	if (!dev) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (dev->gone) {
		snprintf(err, errlen, "RDMA device %s removed",
			 ibv_get_device_name(verbs->device));
		goto fail;
	}
	if (!dev->pd) {
		rc = ibv_query_device(verbs, &dev->attr);
		if (rc) {
			snprintf(err, errlen, "ibv_query_device(%s): %s",
				 ibv_get_device_name(verbs->device), strerror(rc));
			goto fail;
		}
		dev->pd = ibv_alloc_pd(verbs);
		if (!dev->pd) {
			snprintf(err, errlen, "ibv_alloc_pd(%s): %s",
				 ibv_get_device_name(verbs->device),
				 strerror(errno));
			goto fail;
		}
	}
	dev->pd_refs++;
	pthread_mutex_unlock(&d->lock);
	return dev;
fail:
	if (dev)
		maybe_drop(d, dev);
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

void rdma_dev_put(struct rdma_devs *d, struct rdma_dev *dev)
{
	if (!dev)
		return;
	pthread_mutex_lock(&d->lock);
	if (--dev->pd_refs == 0) {
		ibv_dealloc_pd(dev->pd);
		dev->pd = NULL;
		maybe_drop(d, dev);
	}
	pthread_mutex_unlock(&d->lock);
}

int rdma_devs_hold_id(struct rdma_devs *d, struct rdma_cm_id *id)
{
	struct rdma_dev *dev;

	if (!id->verbs)
		return 0;
	pthread_mutex_lock(&d->lock);
	dev = find(d, id->verbs);
	if (!dev)
		dev = add(d, id->verbs);
	if (dev)
		dev->ids++;
	pthread_mutex_unlock(&d->lock);
	return dev ? 0 : -1;
}

static bool listed(struct ibv_device **list, int n, struct ibv_device *dev)
{
	for (int i = 0; i < n; i++)
		if (list[i] == dev)
			return true;
	return false;
}

/*
 * The device of verbs is no longer in the system's list (libibverbs keeps
 * a device that went away apart from one that came back under its name).
 */
static bool device_gone(struct ibv_context *verbs)
{
	struct ibv_device **list;
	bool gone;
	int n = 0;

	list = ibv_get_device_list(&n);
	if (!list)
		return false;	/* cannot tell: keep it */
	gone = !listed(list, n, verbs->device);
	ibv_free_device_list(list);
	return gone;
}

/* Under the lock: the main thread has to bury dev's last id now. */
static bool due(const struct rdma_dev *dev)
{
	return dev->grave && !dev->dying;
}

/* Under the lock: the id to destroy at once instead of burying, if any. */
static struct rdma_cm_id *unbury(struct rdma_devs *d, struct rdma_dev *dev)
{
	struct rdma_cm_id *id = dev->grave;

	dev->grave = NULL;
	dev->ids--;
	maybe_drop(d, dev);
	return id;
}

void rdma_devs_close(struct rdma_devs *d)
{
	struct rdma_dev *dev, *next;
	struct rdma_cm_id *id;

	pthread_mutex_lock(&d->lock);
	d->closing = true;
	for (dev = d->list; dev; dev = next) {
		next = dev->next;
		if (!due(dev))
			continue;
		id = unbury(d, dev);
		pthread_mutex_unlock(&d->lock);
		rdma_destroy_id(id);
		pthread_mutex_lock(&d->lock);
		next = d->list;		/* the list may have changed */
	}
	pthread_mutex_unlock(&d->lock);
}

void rdma_devs_destroy_id(struct rdma_devs *d, struct rdma_cm_id *id)
{
	struct rdma_cm_id *now = NULL;
	struct rdma_dev *dev;
	uint64_t one = 1;
	bool wake;

	if (!id)
		return;
	pthread_mutex_lock(&d->lock);
	dev = id->verbs ? find(d, id->verbs) : NULL;
	if (!dev || !dev->ids) {
		pthread_mutex_unlock(&d->lock);
		rdma_destroy_id(id);
		return;
	}
	if (!d->closing && !dev->grave && !dev->pd_refs &&
	    dev->ids - dev->dying == 1 &&
	    (dev->gone || device_gone(id->verbs))) {
		/* The last: the main thread destroys it once the others are. */
		dev->grave = id;
		wake = due(dev);
		pthread_mutex_unlock(&d->lock);
	} else {
		dev->dying++;
		pthread_mutex_unlock(&d->lock);
		rdma_destroy_id(id);
		pthread_mutex_lock(&d->lock);
		dev->dying--;
		dev->ids--;
		wake = due(dev);
		if (wake && d->closing) {
			now = unbury(d, dev);
			wake = false;
		} else {
			maybe_drop(d, dev);
		}
		pthread_mutex_unlock(&d->lock);
	}
	if (wake)
		(void)!write(d->reap_fd, &one, sizeof(one));
	if (now)
		rdma_destroy_id(now);
}

/*
 * Main thread: destroy the last id on a device that is gone -- every other
 * destroy of an id on it has returned, so librdmacm gives up the context
 * in this one if it ever does -- then release the device if librdmacm kept
 * the context (rdma_dev.h says why).
 */
static void bury(struct rdma_cm_id *id)
{
	struct ibv_context *verbs = id->verbs;
	struct stat before, after;
	char name[IBV_SYSFS_NAME_MAX];
	int cmd_fd = verbs->cmd_fd, null;

	snprintf(name, sizeof(name), "%s", ibv_get_device_name(verbs->device));
	if (fstat(cmd_fd, &before) < 0) {
		rdma_destroy_id(id);
		return;
	}
	rdma_destroy_id(id);
	/*
	 * Still the same file: librdmacm kept the context (had it seen the
	 * device go, it closed it, and the number may be another file's).
	 * Only this thread makes it look, so the context stays meanwhile.
	 */
	if (fstat(cmd_fd, &after) < 0 || after.st_dev != before.st_dev ||
	    after.st_ino != before.st_ino || after.st_rdev != before.st_rdev) {
		log_info("RDMA device %s removed: released", name);
		return;
	}
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0 || dup3(null, verbs->cmd_fd, O_CLOEXEC) < 0 ||
	    dup3(null, verbs->async_fd, O_CLOEXEC) < 0)
		log_err("RDMA device %s removed, but it cannot be released: %s",
			name, strerror(errno));
	else
		log_info("RDMA device %s removed: released", name);
	if (null >= 0)
		close(null);
}

static void reap(struct rdma_devs *d)
{
	uint64_t v;

	(void)!read(d->reap_fd, &v, sizeof(v));
	for (;;) {
		struct rdma_cm_id *id = NULL;
		struct rdma_dev *dev;
		bool last = false;

		pthread_mutex_lock(&d->lock);
		for (dev = d->list; dev && !due(dev); dev = dev->next)
			;
		if (dev) {
			/* An id bound since (a late connect request) outlives it. */
			last = dev->ids == 1 && !dev->pd_refs;
			id = unbury(d, dev);
		}
		pthread_mutex_unlock(&d->lock);
		if (!id)
			return;
		if (last)
			bury(id);
		else
			rdma_destroy_id(id);
	}
}

static bool has_prefix(const char *s, size_t len, const char *prefix)
{
	size_t pl = strlen(prefix);

	return len >= pl && !memcmp(s, prefix, pl);
}

/* An RDMA device (class infiniband) or its verbs node (infiniband_verbs). */
unsigned rdma_uevent_flags(const char *msg, size_t len)
{
	unsigned action = 0;
	bool rdma = false;
	size_t i = 0;

	while (i < len) {
		size_t kl = strnlen(msg + i, len - i);

		if (kl == strlen("ACTION=remove") &&
		    has_prefix(msg + i, kl, "ACTION=remove"))
			action = RDMA_DEVS_REMOVED;
		else if (kl == strlen("ACTION=add") &&
			 has_prefix(msg + i, kl, "ACTION=add"))
			action = RDMA_DEVS_ADDED;
		else if (has_prefix(msg + i, kl, "SUBSYSTEM=infiniband"))
			rdma = true;
		i += kl + 1;
	}
	return rdma ? action : 0;
}

static unsigned read_uevents(struct rdma_devs *d)
{
	char buf[UEVENT_BUF];
	unsigned flags = 0;

	for (int i = 0; i < UEVENTS_MAX; i++) {
		struct sockaddr_nl from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(d->uevent_fd, buf, sizeof(buf), 0,
				     (struct sockaddr *)&from, &fl);

		if (n < 0) {
			/* Events were lost: any of them may have been one. */
			if (errno == ENOBUFS)
				flags |= RDMA_DEVS_REMOVED | RDMA_DEVS_ADDED;
			break;
		}
		if (from.nl_pid == 0)
			flags |= rdma_uevent_flags(buf, (size_t)n);
	}
	return flags;
}

int rdma_devs_fd(const struct rdma_devs *d)
{
	return d->epfd;
}

unsigned rdma_devs_run(struct rdma_devs *d)
{
	struct epoll_event evs[2];
	unsigned flags = 0;
	int n = epoll_wait(d->epfd, evs, 2, 0);

	for (int i = 0; i < n; i++) {
		if (evs[i].data.u64 == EV_REAP)
			reap(d);
		else
			flags |= read_uevents(d);
	}
	return flags;
}

int rdma_devs_check(struct rdma_devs *d)
{
	struct ibv_device **list;
	struct rdma_dev *dev;
	int n = 0, marked = 0;

	list = ibv_get_device_list(&n);
	if (!list)
		return 0;
	pthread_mutex_lock(&d->lock);
	/* Each entry has an id (or a PD): its context is still open. */
	for (dev = d->list; dev; dev = dev->next) {
		if (dev->gone || listed(list, n, dev->verbs->device))
			continue;
		dev->gone = true;
		marked++;
		log_warn("RDMA device %s removed",
			 ibv_get_device_name(dev->verbs->device));
	}
	pthread_mutex_unlock(&d->lock);
	ibv_free_device_list(list);
	return marked;
}

bool rdma_devs_gone(struct rdma_devs *d, struct ibv_context *verbs)
{
	struct rdma_dev *dev;
	bool gone;

	pthread_mutex_lock(&d->lock);
	dev = find(d, verbs);
	gone = dev && dev->gone;
	pthread_mutex_unlock(&d->lock);
	return gone;
}
