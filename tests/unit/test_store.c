// SPDX-License-Identifier: GPL-2.0
/* Volume storage through io_uring: data written is read back and compared. */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "store.h"

#define SIZE (4u << 20)

struct fx {
	char dir[64];
	char path[128];
	struct io_uring ring;
	int fd;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[256];
	uint64_t sz = 0;

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/silk-store-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/v.img", f->dir);
	if (io_uring_queue_init(8, &f->ring, 0) < 0)
		return -1;
	if (store_open(f->path, false, true, SIZE, &f->fd, &sz, err,
		       sizeof(err)) < 0 || sz != SIZE)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	close(f->fd);
	unlink(f->path);
	rmdir(f->dir);
	io_uring_queue_exit(&f->ring);
	free(f);
	return 0;
}

static int run(struct fx *f, int op, void *buf, uint64_t off, uint32_t len,
	       bool fua)
{
	struct store_io io;

	store_io_init(&io, op, f->fd, buf, off, len, fua);
	return store_run_sync(&f->ring, &io);
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)((i * 31 + seed * 7 + (i >> 9)) & 0xff);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void test_write_read_back(void **state)
{
	struct fx *f = *state;
	static uint8_t w[1 << 20], r[1 << 20];

	fill(w, sizeof(w), 1);
	assert_int_equal(run(f, STORE_WRITE, w, 1 << 20, sizeof(w), false), 0);
	memset(r, 0, sizeof(r));
	assert_int_equal(run(f, STORE_READ, r, 1 << 20, sizeof(r), false), 0);
	assert_memory_equal(r, w, sizeof(w));
	/* A sub-range at an unaligned-to-write offset. */
	assert_int_equal(run(f, STORE_READ, r, (1 << 20) + 4096, 8192, false), 0);
	assert_memory_equal(r, w + 4096, 8192);
	/* Never-written space reads as zeroes. */
	assert_int_equal(run(f, STORE_READ, r, 0, 65536, false), 0);
	assert_true(all_zero(r, 65536));
}

static void test_fua_and_flush(void **state)
{
	struct fx *f = *state;
	uint8_t w[4096], r[4096];

	fill(w, sizeof(w), 2);
	assert_int_equal(run(f, STORE_WRITE, w, 8192, sizeof(w), true), 0);
	assert_int_equal(run(f, STORE_FLUSH, NULL, 0, 0, false), 0);
	/* Bypass the ring: the data is in the file. */
	assert_int_equal(pread(f->fd, r, sizeof(r), 8192), (ssize_t)sizeof(r));
	assert_memory_equal(r, w, sizeof(w));
}

static void test_discard_reads_zeroes(void **state)
{
	struct fx *f = *state;
	static uint8_t w[262144], r[262144];
	uint64_t before, after;

	fill(w, sizeof(w), 3);
	assert_int_equal(run(f, STORE_WRITE, w, 0, sizeof(w), false), 0);
	assert_int_equal(run(f, STORE_FLUSH, NULL, 0, 0, false), 0);
	before = store_allocated(f->fd, false, SIZE);
	assert_true(before >= sizeof(w));
	assert_int_equal(run(f, STORE_DISCARD, NULL, 65536, 131072, false), 0);
	after = store_allocated(f->fd, false, SIZE);
	assert_true(after < before);
	assert_int_equal(run(f, STORE_READ, r, 0, sizeof(r), false), 0);
	assert_memory_equal(r, w, 65536);
	assert_true(all_zero(r + 65536, 131072));
	assert_memory_equal(r + 196608, w + 196608, 65536);
}

static void test_write_zeroes(void **state)
{
	struct fx *f = *state;
	static uint8_t w[65536], r[65536];

	fill(w, sizeof(w), 4);
	assert_int_equal(run(f, STORE_WRITE, w, 2 << 20, sizeof(w), false), 0);
	assert_int_equal(run(f, STORE_WRITE_ZEROES, NULL, (2 << 20) + 4096,
			     8192, true), 0);
	assert_int_equal(run(f, STORE_READ, r, 2 << 20, sizeof(r), false), 0);
	assert_memory_equal(r, w, 4096);
	assert_true(all_zero(r + 4096, 8192));
	assert_memory_equal(r + 12288, w + 12288, sizeof(w) - 12288);
}

static void test_read_past_eof_is_zero(void **state)
{
	struct fx *f = *state;
	uint8_t w[8192], r[8192];

	fill(w, sizeof(w), 5);
	assert_int_equal(run(f, STORE_WRITE, w, 0, sizeof(w), false), 0);
	/* File shorter than the read (e.g. after a crash mid-resize). */
	assert_int_equal(ftruncate(f->fd, 4096), 0);
	memset(r, 0xff, sizeof(r));
	assert_int_equal(run(f, STORE_READ, r, 0, sizeof(r), false), 0);
	assert_memory_equal(r, w, 4096);
	assert_true(all_zero(r + 4096, 4096));
	assert_int_equal(run(f, STORE_READ, r, SIZE * 2, 4096, false), 0);
	assert_true(all_zero(r, 4096));
}

static void test_cqe_logic(void **state)
{
	struct store_io io;
	uint8_t buf[8192];

	(void)state;
	store_io_init(&io, STORE_WRITE, 3, buf, 0, 8192, false);
	assert_int_equal(store_cqe(&io, 1000), STORE_AGAIN);
	assert_int_equal(io.done, 1000);
	assert_int_equal(store_cqe(&io, 0), -EIO);
	store_io_init(&io, STORE_WRITE, 3, buf, 0, 8192, false);
	assert_int_equal(store_cqe(&io, 8192), STORE_DONE);
	store_io_init(&io, STORE_WRITE, 3, buf, 0, 8192, false);
	assert_int_equal(store_cqe(&io, 9000), -EIO);
	store_io_init(&io, STORE_READ, 3, buf, 0, 8192, false);
	assert_int_equal(store_cqe(&io, -ENOSPC), -ENOSPC);
	/* EAGAIN is retried, but only so often. */
	store_io_init(&io, STORE_READ, 3, buf, 0, 8192, false);
	for (int i = 0; i < 16; i++)
		assert_int_equal(store_cqe(&io, -EAGAIN), STORE_AGAIN);
	assert_int_equal(store_cqe(&io, -EAGAIN), -EAGAIN);
	/* WRITE_ZEROES falls back to punching, then syncs for FUA. */
	store_io_init(&io, STORE_WRITE_ZEROES, 3, NULL, 0, 8192, true);
	assert_int_equal(store_cqe(&io, -EOPNOTSUPP), STORE_AGAIN);
	assert_int_equal(io.stage, 1);
	assert_int_equal(store_cqe(&io, 0), STORE_AGAIN);
	assert_int_equal(io.stage, 2);
	assert_int_equal(store_cqe(&io, 0), STORE_DONE);
	store_io_init(&io, STORE_DISCARD, 3, NULL, 0, 8192, false);
	assert_int_equal(store_cqe(&io, -EOPNOTSUPP), STORE_AGAIN);
	assert_int_equal(store_cqe(&io, -EOPNOTSUPP), -EOPNOTSUPP);
}

static void test_open_errors(void **state)
{
	struct fx *f = *state;
	char err[256], path[160];
	int fd = -1;

	assert_int_equal(store_open(f->path, false, true, SIZE, &fd, NULL, err,
				    sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, f->path));
	snprintf(path, sizeof(path), "%s/missing.img", f->dir);
	assert_int_equal(store_open(path, false, false, 0, &fd, NULL, err,
				    sizeof(err)), -ENOENT);
	assert_int_equal(store_open(f->path, true, false, 0, &fd, NULL, err,
				    sizeof(err)), -ENOTBLK);
	assert_int_equal(store_open(f->dir, false, false, 0, &fd, NULL, err,
				    sizeof(err)) < 0, 1);
}

static void test_resize(void **state)
{
	struct fx *f = *state;
	char err[256];
	uint8_t r[4096];

	assert_int_equal(store_resize(f->fd, false, SIZE * 2, err, sizeof(err)), 0);
	assert_int_equal(lseek(f->fd, 0, SEEK_END), (off_t)SIZE * 2);
	assert_int_equal(run(f, STORE_READ, r, SIZE * 2 - 4096, 4096, false), 0);
	assert_true(all_zero(r, sizeof(r)));
}

/* A regular file is never switched to O_DIRECT and keeps working. */
static void test_set_direct_file(void **state)
{
	struct fx *f = *state;
	uint8_t w[4096], r[4096];

	assert_int_equal(store_set_direct(f->fd, 4096), 0);
	assert_int_equal(fcntl(f->fd, F_GETFL) & O_DIRECT, 0);
	memset(w, 0x5a, sizeof(w));
	assert_int_equal(run(f, STORE_WRITE, w, 8192, 4096, false), 0);
	assert_int_equal(run(f, STORE_READ, r, 8192, 4096, false), 0);
	assert_memory_equal(w, r, sizeof(w));
}

/* READ into a pipe: the bytes that come out of it are the file's. */
static void test_splice_read(void **state)
{
	struct fx *f = *state;
	static uint8_t w[262144], r[262144];
	struct store_io io;
	int p[2];

	fill(w, sizeof(w), 6);
	assert_int_equal(run(f, STORE_WRITE, w, 65536, sizeof(w), false), 0);
	assert_int_equal(pipe(p), 0);
	assert_true(fcntl(p[1], F_SETPIPE_SZ, (int)sizeof(w)) >= (int)sizeof(w));
	memset(r, 0, sizeof(r));
	store_io_init(&io, STORE_READ, f->fd, r, 65536 + 4096, 131072, false);
	store_io_set_pipe(&io, p[1]);
	assert_int_equal(store_run_sync(&f->ring, &io), 0);
	assert_false(io.fell_back);
	assert_int_equal(io.done, 131072);
	/* Nothing was copied into the buffer ... */
	assert_true(all_zero(r, sizeof(r)));
	/* ... it is all in the pipe. */
	assert_int_equal(read(p[0], r, sizeof(r)), 131072);
	assert_memory_equal(r, w + 4096, 131072);
	close(p[0]);
	close(p[1]);
}

/* The kernel refuses the splice (here: the "pipe" is not one): buf. */
static void test_splice_fallback(void **state)
{
	struct fx *f = *state;
	static uint8_t w[65536], r[65536];
	struct store_io io;
	int notpipe = open("/dev/null", O_WRONLY | O_CLOEXEC);

	assert_true(notpipe >= 0);
	fill(w, sizeof(w), 7);
	assert_int_equal(run(f, STORE_WRITE, w, 0, sizeof(w), false), 0);
	memset(r, 0, sizeof(r));
	store_io_init(&io, STORE_READ, f->fd, r, 0, sizeof(r), false);
	store_io_set_pipe(&io, notpipe);
	assert_int_equal(store_run_sync(&f->ring, &io), 0);
	assert_true(io.fell_back);
	assert_int_equal(io.pipe_fd, -1);
	assert_memory_equal(r, w, sizeof(r));
	close(notpipe);
}

static void test_splice_cqe_logic(void **state)
{
	struct store_io io;
	uint8_t buf[8192];

	(void)state;
	/* Short splices go on; the last one completes. */
	store_io_init(&io, STORE_READ, 3, buf, 0, 8192, false);
	store_io_set_pipe(&io, 9);
	assert_int_equal(store_cqe(&io, 4096), STORE_AGAIN);
	assert_int_equal(io.pipe_fd, 9);
	assert_int_equal(store_cqe(&io, 4096), STORE_DONE);
	/* Once data is in the pipe there is no going back to buf. */
	store_io_init(&io, STORE_READ, 3, buf, 0, 8192, false);
	store_io_set_pipe(&io, 9);
	assert_int_equal(store_cqe(&io, 4096), STORE_AGAIN);
	assert_int_equal(store_cqe(&io, -EINVAL), -EINVAL);
	assert_false(io.fell_back);
	store_io_init(&io, STORE_READ, 3, buf, 0, 8192, false);
	store_io_set_pipe(&io, 9);
	assert_int_equal(store_cqe(&io, 4096), STORE_AGAIN);
	assert_int_equal(store_cqe(&io, 0), -EIO);
	/* Nothing moved: end of data or a refusal falls back to buf. */
	store_io_init(&io, STORE_READ, 3, buf, 0, 8192, false);
	store_io_set_pipe(&io, 9);
	assert_int_equal(store_cqe(&io, 0), STORE_AGAIN);
	assert_true(io.fell_back);
	assert_int_equal(io.pipe_fd, -1);
	store_io_init(&io, STORE_READ, 3, buf, 0, 8192, false);
	store_io_set_pipe(&io, 9);
	assert_int_equal(store_cqe(&io, -EOPNOTSUPP), STORE_AGAIN);
	assert_true(io.fell_back);
	/* Real errors are not hidden by the fallback. */
	store_io_init(&io, STORE_READ, 3, buf, 0, 8192, false);
	store_io_set_pipe(&io, 9);
	assert_int_equal(store_cqe(&io, -EIO), -EIO);
	assert_false(io.fell_back);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_read_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fua_and_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(test_discard_reads_zeroes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_zeroes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_past_eof_is_zero, setup, teardown),
		cmocka_unit_test(test_cqe_logic),
		cmocka_unit_test_setup_teardown(test_splice_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_splice_fallback, setup, teardown),
		cmocka_unit_test(test_splice_cqe_logic),
		cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resize, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_direct_file, setup, teardown),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
