// SPDX-License-Identifier: GPL-2.0
/* Pipes for spliced READ replies: see pipes.h. */
#include "pipes.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

struct pipe_slot {
	int fd[2];		/* -1: not made yet (or closed) */
	bool busy;
};

struct pipe_pool {
	unsigned max;
	uint32_t want;		/* size asked for */
	uint32_t cap;		/* size the kernel gave; 0: unknown yet */
	unsigned busy;
	bool warned;
	uint64_t retry_at;	/* pipe2() failed: no new pipe before (mono_ms);
				 * 0: it did not */
	struct pipe_slot slot[];
};

struct pipe_pool *pipe_pool_new(unsigned max, uint32_t size)
{
	struct pipe_pool *p = calloc(1, sizeof(*p) + max * sizeof(p->slot[0]));

	if (!p)
		return NULL;
	p->max = max;
	p->want = size;
	for (unsigned i = 0; i < max; i++)
		p->slot[i].fd[0] = p->slot[i].fd[1] = -1;
	return p;
}

static void close_slot(struct pipe_slot *s)
{
	if (s->fd[0] >= 0)
		close(s->fd[0]);
	if (s->fd[1] >= 0)
		close(s->fd[1]);
	s->fd[0] = s->fd[1] = -1;
}

void pipe_pool_free(struct pipe_pool *p)
{
	if (!p)
		return;
	for (unsigned i = 0; i < p->max; i++)
		close_slot(&p->slot[i]);
	free(p);
}

/*
 * Make the pipe of slot s.  Growing a pipe past /proc/sys/fs/pipe-max-size
 * needs CAP_SYS_RESOURCE; what the kernel grants is what the pool uses.
 * After pipe2() failed (out of file descriptors, say) the pool makes no
 * new pipe for PIPE_RETRY_MS: large reads are copied meanwhile rather
 * than each paying for another failing system call.
 */
static int make_pipe(struct pipe_pool *p, struct pipe_slot *s)
{
	int sz;

	if (p->retry_at && mono_ms() < p->retry_at)
		return -1;
	if (pipe2(s->fd, O_CLOEXEC | O_NONBLOCK) < 0) {
		s->fd[0] = s->fd[1] = -1;
		if (!p->warned)
			log_warn("cannot make a pipe for spliced reads (%s): copying instead, retrying every %d ms",
				 strerror(errno), PIPE_RETRY_MS);
		p->warned = true;
		p->retry_at = mono_ms() + PIPE_RETRY_MS;
		return -1;
	}
	p->retry_at = 0;
	fcntl(s->fd[1], F_SETPIPE_SZ, (int)p->want);
	sz = fcntl(s->fd[1], F_GETPIPE_SZ);
	if (sz <= 0) {
		close_slot(s);
		return -1;
	}
	if (!p->cap || (uint32_t)sz < p->cap)
		p->cap = (uint32_t)sz;
	return 0;
}

int pipe_pool_get(struct pipe_pool *p, uint32_t len, int *rfd, int *wfd)
{
	if (!p || (p->cap && len > p->cap) || len > p->want)
		return -1;
	for (unsigned i = 0; i < p->max; i++) {
		struct pipe_slot *s = &p->slot[i];

		if (s->busy)
			continue;
		if (s->fd[0] < 0 && make_pipe(p, s) < 0)
			return -1;
		if (len > p->cap)
			return -1;
		s->busy = true;
		p->busy++;
		*rfd = s->fd[0];
		*wfd = s->fd[1];
		return (int)i;
	}
	return -1;
}

void pipe_pool_put(struct pipe_pool *p, int id, bool empty)
{
	struct pipe_slot *s;

	if (!p || id < 0 || (unsigned)id >= p->max || !p->slot[id].busy)
		return;
	s = &p->slot[id];
	s->busy = false;
	p->busy--;
	/* Leftover data would go out with the next reply: never reuse. */
	if (!empty)
		close_slot(s);
}

unsigned pipe_pool_busy(const struct pipe_pool *p)
{
	return p ? p->busy : 0;
}

uint32_t pipe_pool_capacity(const struct pipe_pool *p)
{
	return p ? p->cap : 0;
}
