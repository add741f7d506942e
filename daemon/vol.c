// SPDX-License-Identifier: GPL-2.0
#include "vol.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct vol *vol_new(const char *name, uint32_t id, uint32_t block_size,
		    uint64_t size, bool bdev, const char *path)
{
	struct vol *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	snprintf(v->name, sizeof(v->name), "%s", name);
	snprintf(v->path, sizeof(v->path), "%s", path);
	v->id = id;
	v->block_size = block_size;
	atomic_init(&v->size, size);
	atomic_init(&v->epoch, 0);
	atomic_init(&v->refs, 1);
	atomic_init(&v->conns, 0);
	atomic_init(&v->dead, false);
	v->fd = -1;
	v->bdev = bdev;
	return v;
}

void vol_ref(struct vol *v)
{
	atomic_fetch_add(&v->refs, 1);
}

void vol_unref(struct vol *v)
{
	if (!v || atomic_fetch_sub(&v->refs, 1) != 1)
		return;
	if (v->fd >= 0)
		close(v->fd);
	free(v);
}
