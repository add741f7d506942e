// SPDX-License-Identifier: GPL-2.0
/* The worker's pipe pool for spliced READs: bounds, reuse, leftovers. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "pipes.h"

static void test_get_put_bounds(void **state)
{
	struct pipe_pool *p = pipe_pool_new(2, 131072);
	int r1, w1, r2, w2, r3, w3, a, b;

	(void)state;
	assert_non_null(p);
	assert_int_equal(pipe_pool_capacity(p), 0);
	/* More than a pipe was asked to hold: refused, nothing made. */
	assert_int_equal(pipe_pool_get(p, 131072 + 4096, &r1, &w1), -1);
	a = pipe_pool_get(p, 131072, &r1, &w1);
	assert_true(a >= 0);
	assert_true(pipe_pool_capacity(p) >= 131072);
	assert_true(fcntl(w1, F_GETPIPE_SZ) >= 131072);
	b = pipe_pool_get(p, 4096, &r2, &w2);
	assert_true(b >= 0 && b != a);
	assert_int_not_equal(r1, r2);
	assert_int_equal(pipe_pool_busy(p), 2);
	/* The bound. */
	assert_int_equal(pipe_pool_get(p, 4096, &r3, &w3), -1);
	pipe_pool_put(p, a, true);
	assert_int_equal(pipe_pool_busy(p), 1);
	/* An empty pipe is reused as it is. */
	assert_int_equal(pipe_pool_get(p, 4096, &r3, &w3), a);
	assert_int_equal(r3, r1);
	/* Bad ids and double puts are ignored. */
	pipe_pool_put(p, 7, true);
	pipe_pool_put(p, -1, true);
	pipe_pool_put(p, b, true);
	pipe_pool_put(p, b, true);
	assert_int_equal(pipe_pool_busy(p), 1);
	pipe_pool_free(p);
	pipe_pool_free(NULL);
}

/* A pipe given back with data in it never carries that data again. */
static void test_leftover_not_reused(void **state)
{
	struct pipe_pool *p = pipe_pool_new(1, 65536);
	char buf[4096] = "stale", got[16];
	int r, w, id;

	(void)state;
	assert_non_null(p);
	id = pipe_pool_get(p, 4096, &r, &w);
	assert_true(id >= 0);
	assert_int_equal(write(w, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	pipe_pool_put(p, id, false);
	/* The old fds are closed ... */
	assert_int_equal(fcntl(r, F_GETFD) < 0 && errno == EBADF, 1);
	/* ... and the next pipe is new and empty (the ends are non-blocking). */
	id = pipe_pool_get(p, 4096, &r, &w);
	assert_true(id >= 0);
	assert_int_equal(read(r, got, sizeof(got)), -1);
	assert_int_equal(errno, EAGAIN);
	pipe_pool_put(p, id, true);
	pipe_pool_free(p);
}

/*
 * Out of file descriptors: pipe2() fails, the pool copies (-1) without
 * trying again until PIPE_RETRY_MS has passed, while pipes it already
 * has go on serving; then it makes pipes again.
 */
static void test_backoff_after_failure(void **state)
{
	struct pipe_pool *p = pipe_pool_new(4, 65536);
	struct timespec ts = { PIPE_RETRY_MS / 1000,
			       (PIPE_RETRY_MS % 1000) * 1000000L + 200000000L };
	struct rlimit old, tight;
	int r, w, a, b, fd;

	(void)state;
	assert_non_null(p);
	a = pipe_pool_get(p, 4096, &r, &w);
	assert_true(a >= 0);
	pipe_pool_put(p, a, true);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	/* Room for nothing more: the lowest free descriptor is the limit. */
	fd = dup(0);
	assert_true(fd >= 0);
	close(fd);
	tight = old;
	tight.rlim_cur = (rlim_t)fd;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &tight), 0);
	/* The made pipe serves; a second one cannot be made. */
	a = pipe_pool_get(p, 4096, &r, &w);
	assert_true(a >= 0);
	assert_int_equal(pipe_pool_get(p, 4096, &r, &w), -1);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	/* Descriptors are back, but the pool waits before it tries again. */
	assert_int_equal(pipe_pool_get(p, 4096, &r, &w), -1);
	nanosleep(&ts, NULL);
	b = pipe_pool_get(p, 4096, &r, &w);
	assert_true(b >= 0 && b != a);
	pipe_pool_put(p, a, true);
	pipe_pool_put(p, b, true);
	pipe_pool_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_put_bounds),
		cmocka_unit_test(test_leftover_not_reused),
		cmocka_unit_test(test_backoff_after_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
