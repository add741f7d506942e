/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A worker's pool of pipes for spliced READ replies: the storage read
 * splices the data from the backing into a pipe, the reply splices it from
 * the pipe into the socket, so the kernel moves pages by reference and
 * silkd never copies the payload.  Pipes are made on first use, up to a
 * bound, and kept; one that is handed back with data still in it (the
 * connection died mid-reply) is closed rather than reused.
 */
#ifndef SILK_DAEMON_PIPES_H
#define SILK_DAEMON_PIPES_H

#include <stdbool.h>
#include <stdint.h>

struct pipe_pool;

/* After a failed pipe2(), no new pipe is tried for this long. */
#define PIPE_RETRY_MS 1000

/* At most max pipes, each asked to hold size bytes.  NULL: no memory. */
struct pipe_pool *pipe_pool_new(unsigned max, uint32_t size);
/* Closes every pipe (NULL is fine). */
void pipe_pool_free(struct pipe_pool *p);
/*
 * A pipe that holds len bytes: its id (>= 0) with the read and write ends
 * in *rfd and *wfd, or -1 when none is free, len is more than a pipe can
 * hold, or a new pipe cannot be made (the caller copies instead; after a
 * failure no new pipe is tried for PIPE_RETRY_MS, made pipes still serve).
 */
int pipe_pool_get(struct pipe_pool *p, uint32_t len, int *rfd, int *wfd);
/* Give pipe id back; empty: all its data was consumed. */
void pipe_pool_put(struct pipe_pool *p, int id, bool empty);
/* Pipes handed out now. */
unsigned pipe_pool_busy(const struct pipe_pool *p);
/* Bytes one pipe holds (0 before the first pipe was made). */
uint32_t pipe_pool_capacity(const struct pipe_pool *p);

#endif
