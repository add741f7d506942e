// SPDX-License-Identifier: GPL-2.0
/* Volume storage over io_uring: see store.h. */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define STORE_MAX_RETRIES 16

/* fallocate stages: two methods then an optional sync. */
enum { ST_METHOD0 = 0, ST_METHOD1 = 1, ST_SYNC = 2 };

#define MODE_PUNCH (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)
#define MODE_ZERO (FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE)

void store_io_init(struct store_io *io, int op, int fd, uint8_t *buf,
		   uint64_t off, uint32_t len, bool fua)
{
	memset(io, 0, sizeof(*io));
	io->op = op;
	io->fd = fd;
	io->buf = buf;
	io->off = off;
	io->len = len;
	io->fua = fua;
	io->pipe_fd = -1;
}

void store_io_set_pipe(struct store_io *io, int pipe_fd)
{
	io->pipe_fd = pipe_fd;
}

static int falloc_mode(const struct store_io *io)
{
	/* DISCARD prefers punching; WRITE_ZEROES prefers zeroing. */
	bool punch_first = io->op == STORE_DISCARD;

	if (io->stage == ST_METHOD0)
		return punch_first ? MODE_PUNCH : MODE_ZERO;
	return punch_first ? MODE_ZERO : MODE_PUNCH;
}

void store_prep(struct io_uring_sqe *sqe, struct store_io *io)
{
	switch (io->op) {
	case STORE_READ:
		if (io->pipe_fd >= 0) {
			io_uring_prep_splice(sqe, io->fd,
					     (int64_t)(io->off + io->done),
					     io->pipe_fd, -1, io->len - io->done,
					     0);
			break;
		}
		io_uring_prep_read(sqe, io->fd, io->buf + io->done,
				   io->len - io->done, io->off + io->done);
		break;
	case STORE_WRITE:
		io_uring_prep_write(sqe, io->fd, io->buf + io->done,
				    io->len - io->done, io->off + io->done);
		if (io->fua)
			sqe->rw_flags = RWF_DSYNC;
		break;
	case STORE_FLUSH:
		io_uring_prep_fsync(sqe, io->fd, IORING_FSYNC_DATASYNC);
		break;
	case STORE_DISCARD:
	case STORE_WRITE_ZEROES:
		if (io->stage == ST_SYNC)
			io_uring_prep_fsync(sqe, io->fd, IORING_FSYNC_DATASYNC);
		else
			io_uring_prep_fallocate(sqe, io->fd, falloc_mode(io),
						(off_t)io->off, (off_t)io->len);
		break;
	default:
		io_uring_prep_nop(sqe);
		break;
	}
}

static int retry_or_fail(struct store_io *io, int res)
{
	if ((res == -EAGAIN || res == -EINTR) &&
	    io->retries++ < STORE_MAX_RETRIES)
		return STORE_AGAIN;
	return res;
}

static int rw_cqe(struct store_io *io, int res)
{
	if (res < 0)
		return retry_or_fail(io, res);
	if (res == 0) {
		if (io->op == STORE_WRITE)
			return -EIO;	/* no progress: do not spin */
		/* Past the end of a sparse file: the rest reads as zeroes. */
		memset(io->buf + io->done, 0, io->len - io->done);
		io->done = io->len;
		return STORE_DONE;
	}
	if ((uint32_t)res > io->len - io->done)
		return -EIO;
	io->done += (uint32_t)res;
	return io->done == io->len ? STORE_DONE : STORE_AGAIN;
}

/*
 * A splice into a pipe.  The pipe was sized for the whole transfer, so a
 * short splice only means "go on"; end of data cannot be zero-filled in a
 * pipe, so a splice that moved nothing yet falls back to reading into buf
 * (which does), as does one the kernel refuses for this backing.
 */
static int splice_cqe(struct store_io *io, int res)
{
	if (io->done == 0 && (res == 0 || res == -EINVAL ||
			      res == -EOPNOTSUPP || res == -ENOSYS)) {
		io->pipe_fd = -1;
		io->fell_back = true;
		return STORE_AGAIN;
	}
	if (res == 0)
		return -EIO;
	return rw_cqe(io, res);
}

static int falloc_cqe(struct store_io *io, int res)
{
	if (io->stage == ST_SYNC)
		return res < 0 ? retry_or_fail(io, res) : STORE_DONE;
	if (res == -EOPNOTSUPP && io->stage == ST_METHOD0) {
		io->stage = ST_METHOD1;
		return STORE_AGAIN;
	}
	if (res < 0)
		return retry_or_fail(io, res);
	if (io->fua) {
		io->stage = ST_SYNC;
		return STORE_AGAIN;
	}
	return STORE_DONE;
}

int store_cqe(struct store_io *io, int res)
{
	switch (io->op) {
	case STORE_READ:
		if (io->pipe_fd >= 0)
			return splice_cqe(io, res);
		return rw_cqe(io, res);
	case STORE_WRITE:
		return rw_cqe(io, res);
	case STORE_FLUSH:
		return res < 0 ? retry_or_fail(io, res) : STORE_DONE;
	case STORE_DISCARD:
	case STORE_WRITE_ZEROES:
		return falloc_cqe(io, res);
	default:
		return -EINVAL;
	}
}

int store_open(const char *path, bool bdev, bool create, uint64_t size,
	       int *fdp, uint64_t *dev_size, char *err, size_t errlen)
{
	int flags = O_RDWR | O_CLOEXEC;
	struct stat st;
	int fd, rc;

	if (bdev)
		flags |= O_EXCL;	/* refuse a device mounted or in use */
	else if (create)
		flags |= O_CREAT | O_EXCL;
	fd = open(path, flags, 0600);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return rc;
	}
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot stat %s: %s", path, strerror(errno));
		goto fail;
	}
	if (bdev) {
		uint64_t bytes = 0;

		if (!S_ISBLK(st.st_mode)) {
			rc = -ENOTBLK;
			snprintf(err, errlen, "%s is not a block device", path);
			goto fail;
		}
		if (ioctl(fd, BLKGETSIZE64, &bytes) < 0) {
			rc = -errno;
			snprintf(err, errlen, "cannot get size of %s: %s", path,
				 strerror(errno));
			goto fail;
		}
		if (dev_size)
			*dev_size = bytes;
	} else {
		if (!S_ISREG(st.st_mode)) {
			rc = -EINVAL;
			snprintf(err, errlen, "%s is not a regular file", path);
			goto fail;
		}
		if (create && ftruncate(fd, (off_t)size) < 0) {
			rc = -errno;
			snprintf(err, errlen, "cannot size %s: %s", path,
				 strerror(errno));
			unlink(path);
			goto fail;
		}
		if (dev_size)
			*dev_size = create ? size : (uint64_t)st.st_size;
	}
	*fdp = fd;
	return 0;
fail:
	close(fd);
	return rc;
}

int store_set_direct(int fd, uint32_t block_size)
{
	int ssz = 0, fl;

	/*
	 * Every Silk I/O is a multiple of the volume's block size at an
	 * offset that is too, into a 4096-aligned buffer: direct I/O works
	 * when the device's logical sectors are no larger.
	 */
	if (ioctl(fd, BLKSSZGET, &ssz) < 0 || ssz <= 0 ||
	    (uint32_t)ssz > block_size)
		return 0;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_DIRECT) < 0)
		return 0;
	return 1;
}

bool store_is_direct(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl >= 0 && (fl & O_DIRECT);
}

int store_resize(int fd, bool bdev, uint64_t size, char *err, size_t errlen)
{
	if (bdev) {
		uint64_t bytes = 0;

		if (ioctl(fd, BLKGETSIZE64, &bytes) < 0) {
			snprintf(err, errlen, "cannot get device size: %s",
				 strerror(errno));
			return -errno;
		}
		if (size > bytes) {
			snprintf(err, errlen,
				 "size %llu exceeds the block device (%llu bytes)",
				 (unsigned long long)size,
				 (unsigned long long)bytes);
			return -EINVAL;
		}
		return 0;
	}
	if (ftruncate(fd, (off_t)size) < 0) {
		int rc = -errno;

		snprintf(err, errlen, "cannot resize: %s", strerror(errno));
		return rc;
	}
	if (fsync(fd) < 0) {
		int rc = -errno;

		snprintf(err, errlen, "cannot sync resize: %s", strerror(errno));
		return rc;
	}
	return 0;
}

uint64_t store_allocated(int fd, bool bdev, uint64_t size)
{
	struct stat st;

	if (bdev)
		return size;
	if (fd < 0 || fstat(fd, &st) < 0)
		return 0;
	return (uint64_t)st.st_blocks * 512u;
}

int store_run_sync(struct io_uring *ring, struct store_io *io)
{
	/* Each stage either finishes, moves forward or consumes a retry. */
	for (int round = 0; round < 1 << 20; round++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
		struct io_uring_cqe *cqe;
		int rc, res;

		if (!sqe)
			return -EBUSY;
		store_prep(sqe, io);
		io_uring_sqe_set_data(sqe, io);
		rc = io_uring_submit(ring);
		if (rc < 0)
			return rc;
		rc = io_uring_wait_cqe(ring, &cqe);
		if (rc < 0)
			return rc;
		res = cqe->res;
		io_uring_cqe_seen(ring, cqe);
		rc = store_cqe(io, res);
		if (rc != STORE_AGAIN)
			return rc;
	}
	return -EIO;
}
