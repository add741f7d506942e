/* SPDX-License-Identifier: GPL-2.0 */
/* Data-path counters: written by one worker, read by the management API. */
#ifndef SILK_DAEMON_STATS_H
#define SILK_DAEMON_STATS_H

#include <stdatomic.h>
#include <stdint.h>

struct silk_stats {
	_Atomic uint64_t reads;
	_Atomic uint64_t writes;
	_Atomic uint64_t flushes;
	_Atomic uint64_t discards;
	_Atomic uint64_t write_zeroes;
	_Atomic uint64_t keepalives;
	_Atomic uint64_t reads_spliced;		/* READ replies sent by splice() */
	_Atomic uint64_t busy_poll_hits;	/* busy_poll rounds that found
						 * work: wake-ups saved */
	_Atomic uint64_t bytes_read;
	_Atomic uint64_t bytes_written;
	_Atomic uint64_t errors;		/* replies with a non-OK status */
	_Atomic uint64_t protocol_errors;	/* connections closed for bad input */
};

static inline void stat_add(_Atomic uint64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static inline uint64_t stat_get(_Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

#endif
