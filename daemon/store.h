/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Volume storage: open a sparse file or block device, and run each Silk
 * operation as one or more io_uring requests.  store_prep() fills an SQE
 * for the current stage of an I/O; store_cqe() consumes its completion and
 * says whether the I/O is done, must be resubmitted (short transfer,
 * fallback to another method, FUA sync stage) or failed.
 */
#ifndef SILK_DAEMON_STORE_H
#define SILK_DAEMON_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <liburing.h>

enum store_op {
	STORE_READ,
	STORE_WRITE,
	STORE_FLUSH,
	STORE_DISCARD,
	STORE_WRITE_ZEROES,
};

struct store_io {
	int op;			/* enum store_op */
	int fd;
	bool fua;		/* durable before completion */
	uint8_t *buf;		/* READ/WRITE buffer */
	uint64_t off;
	uint32_t len;
	uint32_t done;		/* bytes transferred so far */
	int pipe_fd;		/* READ: >= 0: splice into this pipe, not buf */
	bool fell_back;		/* READ: the splice was refused; read into buf */
	int stage;		/* internal: method / sync stage */
	int retries;		/* internal: bounded EAGAIN/EINTR retries */
};

enum { STORE_DONE = 0, STORE_AGAIN = 1 };

/* Reset io for a new operation. */
void store_io_init(struct store_io *io, int op, int fd, uint8_t *buf,
		   uint64_t off, uint32_t len, bool fua);
/*
 * READ: splice the data into the pipe whose write end is pipe_fd instead
 * of reading it into buf.  Should the kernel refuse to splice from this
 * backing before any byte moved (EINVAL, EOPNOTSUPP...), the read goes
 * into buf after all and io->fell_back is set; buf must be valid.
 */
void store_io_set_pipe(struct store_io *io, int pipe_fd);
/* Fill sqe for io's current stage (user_data is left to the caller). */
void store_prep(struct io_uring_sqe *sqe, struct store_io *io);
/* Returns STORE_DONE, STORE_AGAIN (prep and submit again) or -errno. */
int store_cqe(struct store_io *io, int res);

/*
 * Open (and for files with create, make) a volume's backing.  For a file,
 * size is set with ftruncate when creating; for a block device the device
 * size is returned in *dev_size.  Returns 0 or -errno with a message in err.
 */
int store_open(const char *path, bool bdev, bool create, uint64_t size,
	       int *fd, uint64_t *dev_size, char *err, size_t errlen);
/*
 * Block devices: switch fd to O_DIRECT when the device's logical sector
 * size is at most block_size, so I/O bypasses the page cache and io_uring
 * can complete it without a worker thread.  Returns 1 if switched, else 0
 * (the fd stays buffered, which is always correct).
 */
int store_set_direct(int fd, uint32_t block_size);
/* True when fd was opened (or switched to) O_DIRECT. */
bool store_is_direct(int fd);
/* Grow a file backing to size (block devices: check it fits). */
int store_resize(int fd, bool bdev, uint64_t size, char *err, size_t errlen);
/* Bytes allocated on disk (files) or size (block devices). */
uint64_t store_allocated(int fd, bool bdev, uint64_t size);

/* Run one operation synchronously on ring (tests, shutdown). */
int store_run_sync(struct io_uring *ring, struct store_io *io);

#endif
