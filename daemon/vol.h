/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A served volume.  Shared by the registry (volumes.c), the connection
 * state machine (sess.c) and the workers; fields that change while the
 * volume is served are atomics.  Freed when the last reference is dropped.
 */
#ifndef SILK_DAEMON_VOL_H
#define SILK_DAEMON_VOL_H

#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "silk_proto.h"

struct vol {
	char name[SILK_VOLUME_NAME_MAX + 1];
	uint32_t id;
	uint32_t block_size;
	_Atomic uint64_t size;
	_Atomic uint64_t epoch;
	int fd;			/* -1 when the backing could not be opened */
	bool bdev;		/* backing is a block device */
	bool direct;		/* fd is O_DIRECT: READs may be spliced */
	_Atomic bool no_splice;	/* the kernel refused to splice from fd */
	char path[PATH_MAX];
	_Atomic int refs;
	_Atomic int conns;	/* connections that completed HELLO on it */
	_Atomic bool dead;	/* deleted: connections using it get closed */
};

/* Allocate with one reference; fd -1. */
struct vol *vol_new(const char *name, uint32_t id, uint32_t block_size,
		    uint64_t size, bool bdev, const char *path);
void vol_ref(struct vol *v);
/* Drop a reference; the last one closes the fd and frees. */
void vol_unref(struct vol *v);

#endif
