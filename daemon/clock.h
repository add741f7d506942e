/* SPDX-License-Identifier: GPL-2.0 */
/* silkd's clock for timeouts and windows: CLOCK_MONOTONIC. */
#ifndef SILK_DAEMON_CLOCK_H
#define SILK_DAEMON_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static inline uint64_t mono_ms(void)
{
	return mono_us() / 1000u;
}

#endif
