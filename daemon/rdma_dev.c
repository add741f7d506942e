// SPDX-License-Identifier: GPL-2.0
/* Shared protection domains: see rdma_dev.h. */
#include "rdma_dev.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rdma_devs {
	pthread_mutex_t lock;
	struct rdma_dev *list;
};

struct rdma_devs *rdma_devs_new(void)
{
	struct rdma_devs *d = calloc(1, sizeof(*d));

	if (d)
		pthread_mutex_init(&d->lock, NULL);
	return d;
}

void rdma_devs_free(struct rdma_devs *d)
{
	if (!d)
		return;
	while (d->list) {
		struct rdma_dev *dev = d->list;

		d->list = dev->next;
		ibv_dealloc_pd(dev->pd);
		free(dev);
	}
	pthread_mutex_destroy(&d->lock);
	free(d);
}

struct rdma_dev *rdma_dev_get(struct rdma_devs *d, struct ibv_context *verbs,
			      char *err, size_t errlen)
{
	struct rdma_dev *dev;
	int rc;

	pthread_mutex_lock(&d->lock);
	for (dev = d->list; dev; dev = dev->next) {
		if (dev->verbs == verbs) {
			dev->refs++;
			pthread_mutex_unlock(&d->lock);
			return dev;
		}
	}
	dev = calloc(1, sizeof(*dev));
	if (!dev) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	rc = ibv_query_device(verbs, &dev->attr);
	if (rc) {
		snprintf(err, errlen, "ibv_query_device(%s): %s",
			 ibv_get_device_name(verbs->device), strerror(rc));
		goto fail;
	}
	dev->pd = ibv_alloc_pd(verbs);
	if (!dev->pd) {
		snprintf(err, errlen, "ibv_alloc_pd(%s): %s",
			 ibv_get_device_name(verbs->device), strerror(errno));
		goto fail;
	}
	dev->verbs = verbs;
	dev->refs = 1;
	dev->next = d->list;
	d->list = dev;
	pthread_mutex_unlock(&d->lock);
	return dev;
fail:
	pthread_mutex_unlock(&d->lock);
	free(dev);
	return NULL;
}

void rdma_dev_put(struct rdma_devs *d, struct rdma_dev *dev)
{
	struct rdma_dev **pp;

	if (!dev)
		return;
	pthread_mutex_lock(&d->lock);
	if (--dev->refs == 0) {
		for (pp = &d->list; *pp; pp = &(*pp)->next) {
			if (*pp == dev) {
				*pp = dev->next;
				break;
			}
		}
		ibv_dealloc_pd(dev->pd);
		free(dev);
	}
	pthread_mutex_unlock(&d->lock);
}
