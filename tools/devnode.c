// SPDX-License-Identifier: GPL-2.0
/* /dev/silkN creation and cleanup (see devnode.h). */
#include "devnode.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int devnode_parse_devt(const char *s, dev_t *out)
{
	char *end;
	unsigned long maj, min;

	errno = 0;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	maj = strtoul(s, &end, 10);
	if (errno || *end != ':' || end[1] < '0' || end[1] > '9')
		return -EINVAL;
	min = strtoul(end + 1, &end, 10);
	if (errno || (*end && strcmp(end, "\n")) || maj > 0xfff || min > 0xfffff)
		return -EINVAL;
	*out = makedev((unsigned int)maj, (unsigned int)min);
	return 0;
}

int devnode_read_devt(const char *sys_dir, const char *name, dev_t *out)
{
	char path[512], buf[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s/dev", sys_dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return devnode_parse_devt(buf, out);
}

static bool node_ok(const char *path, dev_t devt)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISBLK(st.st_mode) && st.st_rdev == devt;
}

int devnode_ensure(const char *dev_dir, const char *sys_dir, const char *name,
		   int wait_ms, bool *created, char *err, size_t errlen)
{
	char path[512];
	struct stat st;
	struct group *disk;
	dev_t devt = 0;
	int rc = -ENOENT, waited;
	bool udev = access("/run/udev/control", F_OK) == 0;

	*created = false;
	snprintf(path, sizeof(path), "%s/%s", dev_dir, name);
	/* The disk is registered before DEV_ADD replies; allow a short lag. */
	for (waited = 0; waited <= 1000; waited += 20) {
		rc = devnode_read_devt(sys_dir, name, &devt);
		if (rc == 0)
			break;
		sleep_ms(20);
	}
	if (rc) {
		snprintf(err, errlen, "cannot read %s/%s/dev: %s", sys_dir, name,
			 strerror(-rc));
		return rc;
	}
	for (waited = 0; ; waited += 50) {
		if (node_ok(path, devt))
			return 0;
		if (!udev || waited >= wait_ms)
			break;
		sleep_ms(50);
	}
	/* Not there (or stale): create it as udev would. */
	if (lstat(path, &st) == 0) {
		if (!S_ISBLK(st.st_mode)) {
			snprintf(err, errlen, "%s exists and is not a block device", path);
			return -EEXIST;
		}
		if (unlink(path) < 0 && errno != ENOENT) {
			snprintf(err, errlen, "cannot remove stale %s: %s", path,
				 strerror(errno));
			return -errno;
		}
	}
	if (mknod(path, S_IFBLK | 0660, devt) < 0 && errno != EEXIST) {
		rc = -errno;
		snprintf(err, errlen, "cannot create %s: %s", path, strerror(-rc));
		return rc;
	}
	if (!node_ok(path, devt)) {
		snprintf(err, errlen, "%s is not the expected block device", path);
		return -EEXIST;
	}
	/* As udev would: root:disk, 0660 (mknod honours the umask). */
	(void)chmod(path, 0660);
	disk = getgrnam("disk");
	if (disk && chown(path, 0, disk->gr_gid) < 0) {
		/* Keep root:root; still usable by root. */
	}
	*created = true;
	return 0;
}

void devnode_cleanup(const char *dev_dir, const char *sys_dir, const char *name,
		     dev_t devt)
{
	char path[512], sys[512];
	int waited;

	snprintf(path, sizeof(path), "%s/%s", dev_dir, name);
	snprintf(sys, sizeof(sys), "%s/%s", sys_dir, name);
	for (waited = 0; waited < 1000 && access(sys, F_OK) == 0; waited += 20)
		sleep_ms(20);
	if (access(sys, F_OK) == 0)
		return;
	if (node_ok(path, devt))
		(void)unlink(path);
}
