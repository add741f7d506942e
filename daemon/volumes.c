// SPDX-License-Identifier: GPL-2.0
#include "volumes.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "proto.h"
#include "store.h"

static int fsync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

static struct vol *open_vol(const struct meta_vol *mv)
{
	struct vol *v = vol_new(mv->name, mv->id, mv->block_size, mv->size,
				mv->bdev, mv->path);
	uint64_t have = 0;
	char err[256];
	int fd;

	if (!v)
		return NULL;
	atomic_store(&v->epoch, mv->epoch);
	if (store_open(mv->path, mv->bdev, false, 0, &fd, &have, err,
		       sizeof(err)) < 0) {
		log_err("volume %s unavailable: %s", mv->name, err);
		return v;
	}
	if (mv->bdev && have < mv->size) {
		log_err("volume %s unavailable: device %s has %llu bytes, volume needs %llu",
			mv->name, mv->path, (unsigned long long)have,
			(unsigned long long)mv->size);
		close(fd);
		return v;
	}
	if (mv->bdev && store_set_direct(fd, mv->block_size))
		log_info("volume %s: direct I/O on %s", mv->name, mv->path);
	v->fd = fd;
	v->direct = store_is_direct(fd);
	return v;
}

int volreg_open(struct volreg *r, const char *data_dir, char *err,
		size_t errlen)
{
	int rc;

	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->lock, NULL);
	pthread_mutex_init(&r->admin, NULL);
	meta_init(&r->meta);
	snprintf(r->data_dir, sizeof(r->data_dir), "%s", data_dir);
	snprintf(r->meta_path, sizeof(r->meta_path), "%s/%s", data_dir,
		 META_FILE);
	snprintf(r->vol_dir, sizeof(r->vol_dir), "%s/volumes", data_dir);
	if (mkdir(r->vol_dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", r->vol_dir,
			 strerror(errno));
		return -1;
	}
	rc = meta_load(r->meta_path, &r->meta, err, errlen);
	if (rc < 0)
		return -1;
	if (r->meta.n) {
		r->vols = calloc(r->meta.n, sizeof(*r->vols));
		if (!r->vols) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	for (size_t i = 0; i < r->meta.n; i++) {
		struct vol *v = open_vol(&r->meta.vols[i]);

		if (!v) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		r->vols[r->n++] = v;
	}
	return 0;
}

void volreg_close(struct volreg *r)
{
	for (size_t i = 0; i < r->n; i++)
		vol_unref(r->vols[i]);
	free(r->vols);
	r->vols = NULL;
	r->n = 0;
	meta_free(&r->meta);
	pthread_mutex_destroy(&r->lock);
	pthread_mutex_destroy(&r->admin);
}

static ssize_t find(struct volreg *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->vols[i]->name, name) == 0)
			return (ssize_t)i;
	return -1;
}

int volreg_attach(struct volreg *r, const char *name, struct vol **out)
{
	int st = SILK_S_NOENT;
	ssize_t i;

	pthread_mutex_lock(&r->lock);
	i = find(r, name);
	if (i >= 0) {
		struct vol *v = r->vols[i];

		if (v->fd < 0) {
			st = SILK_S_IO;
		} else {
			vol_ref(v);
			atomic_fetch_add(&v->conns, 1);
			*out = v;
			st = SILK_S_OK;
		}
	}
	pthread_mutex_unlock(&r->lock);
	return st;
}

void volreg_detach(struct volreg *r, struct vol *v)
{
	(void)r;
	atomic_fetch_sub(&v->conns, 1);
	vol_unref(v);
}

struct vol **volreg_get_all(struct volreg *r, size_t *n)
{
	struct vol **copy;

	pthread_mutex_lock(&r->lock);
	copy = calloc(r->n ? r->n : 1, sizeof(*copy));
	*n = 0;
	if (copy) {
		for (size_t i = 0; i < r->n; i++) {
			vol_ref(r->vols[i]);
			copy[i] = r->vols[i];
		}
		*n = r->n;
	}
	pthread_mutex_unlock(&r->lock);
	return copy;
}

void volreg_put_all(struct vol **vols, size_t n)
{
	for (size_t i = 0; i < n; i++)
		vol_unref(vols[i]);
	free(vols);
}

struct vol *volreg_get(struct volreg *r, const char *name)
{
	struct vol *v = NULL;
	ssize_t i;

	pthread_mutex_lock(&r->lock);
	i = find(r, name);
	if (i >= 0) {
		v = r->vols[i];
		vol_ref(v);
	}
	pthread_mutex_unlock(&r->lock);
	return v;
}

static int table_add(struct volreg *r, struct vol *v)
{
	struct vol **nv;

	pthread_mutex_lock(&r->lock);
	nv = realloc(r->vols, (r->n + 1) * sizeof(*nv));
	if (!nv) {
		pthread_mutex_unlock(&r->lock);
		return -ENOMEM;
	}
	r->vols = nv;
	r->vols[r->n++] = v;
	pthread_mutex_unlock(&r->lock);
	return 0;
}

static int check_backing(struct volreg *r, const char *backing, char *err,
			 size_t errlen)
{
	if (backing[0] != '/') {
		snprintf(err, errlen, "backing must be an absolute path: '%s'",
			 backing);
		return -EINVAL;
	}
	for (size_t i = 0; i < r->meta.n; i++) {
		if (r->meta.vols[i].bdev &&
		    strcmp(r->meta.vols[i].path, backing) == 0) {
			snprintf(err, errlen, "%s already backs volume '%s'",
				 backing, r->meta.vols[i].name);
			return -EBUSY;
		}
	}
	return 0;
}

/* Make the backing; returns the open fd or -errno. */
static int make_backing(struct volreg *r, struct meta_vol *mv,
			const char *backing, char *err, size_t errlen)
{
	uint64_t have = 0;
	int fd, rc;

	if (backing) {
		rc = check_backing(r, backing, err, errlen);
		if (rc)
			return rc;
		snprintf(mv->path, sizeof(mv->path), "%s", backing);
		mv->bdev = true;
		rc = store_open(backing, true, false, 0, &fd, &have, err, errlen);
		if (rc)
			return rc;
		if (mv->size > have) {
			snprintf(err, errlen,
				 "size %llu exceeds %s (%llu bytes)",
				 (unsigned long long)mv->size, backing,
				 (unsigned long long)have);
			close(fd);
			return -EINVAL;
		}
		if (store_set_direct(fd, mv->block_size))
			log_info("volume %s: direct I/O on %s", mv->name, backing);
		return fd;
	}
	if ((size_t)snprintf(mv->path, sizeof(mv->path), "%s/%s.img",
			     r->vol_dir, mv->name) >= sizeof(mv->path)) {
		snprintf(err, errlen, "data directory path too long");
		return -ENAMETOOLONG;
	}
	mv->bdev = false;
	/* Not in the metadata, so any file here is left over from a crash. */
	if (unlink(mv->path) == 0)
		log_warn("removed stale %s left by an interrupted operation",
			 mv->path);
	rc = store_open(mv->path, false, true, mv->size, &fd, &have, err,
			errlen);
	if (rc)
		return rc;
	if (fsync(fd) < 0 || fsync_path(r->vol_dir) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot sync %s: %s", mv->path,
			 strerror(errno));
		close(fd);
		unlink(mv->path);
		return rc;
	}
	return fd;
}

int volreg_create(struct volreg *r, const char *name, uint64_t size,
		  uint32_t block_size, const char *backing, struct vol **out,
		  char *err, size_t errlen)
{
	struct meta_vol mv;
	struct meta next;
	struct vol *v;
	int fd, rc;

	if (!silk_volume_name_valid(name)) {
		snprintf(err, errlen,
			 "invalid volume name (1-%d chars [A-Za-z0-9._-], not starting with . or -)",
			 SILK_VOLUME_NAME_MAX);
		return -EINVAL;
	}
	if (block_size != 512 && block_size != 4096) {
		snprintf(err, errlen, "block_size must be 512 or 4096");
		return -EINVAL;
	}
	if (size == 0 || size % block_size || size > (uint64_t)INT64_MAX) {
		snprintf(err, errlen,
			 "size must be a positive multiple of block_size (%u)",
			 block_size);
		return -EINVAL;
	}
	pthread_mutex_lock(&r->admin);
	for (size_t i = 0; i < r->meta.n; i++) {
		if (strcmp(r->meta.vols[i].name, name) == 0) {
			snprintf(err, errlen, "volume '%s' already exists", name);
			rc = -EEXIST;
			goto out;
		}
	}
	if (r->meta.next_id == UINT32_MAX) {
		snprintf(err, errlen, "volume ids exhausted");
		rc = -ENOSPC;
		goto out;
	}
	memset(&mv, 0, sizeof(mv));
	snprintf(mv.name, sizeof(mv.name), "%s", name);
	mv.id = r->meta.next_id;
	mv.size = size;
	mv.block_size = block_size;
	fd = make_backing(r, &mv, backing, err, errlen);
	if (fd < 0) {
		rc = fd;
		goto out;
	}
	rc = meta_copy(&next, &r->meta);
	if (!rc)
		rc = meta_add(&next, &mv);
	if (rc) {
		snprintf(err, errlen, "out of memory");
		goto undo;
	}
	next.next_id = mv.id + 1;
	rc = meta_save(r->meta_path, &next, err, errlen);
	if (rc) {
		meta_free(&next);
		goto undo;
	}
	meta_free(&r->meta);
	r->meta = next;
	v = vol_new(mv.name, mv.id, mv.block_size, mv.size, mv.bdev, mv.path);
	if (!v || table_add(r, v) < 0) {
		/* Persisted; it will be served after a restart. */
		vol_unref(v);
		close(fd);
		snprintf(err, errlen, "out of memory");
		rc = -ENOMEM;
		goto out;
	}
	v->fd = fd;
	v->direct = store_is_direct(fd);
	if (out) {
		vol_ref(v);
		*out = v;
	}
	log_info("created volume %s id %u size %llu block %u on %s", name,
		 mv.id, (unsigned long long)size, block_size, mv.path);
	rc = 0;
	goto out;
undo:
	close(fd);
	if (!mv.bdev)
		unlink(mv.path);
out:
	pthread_mutex_unlock(&r->admin);
	return rc;
}

int volreg_delete(struct volreg *r, const char *name, bool force, char *err,
		  size_t errlen)
{
	struct meta next;
	struct vol *v;
	ssize_t i;
	int rc, conns;

	pthread_mutex_lock(&r->admin);
	pthread_mutex_lock(&r->lock);
	i = find(r, name);
	if (i < 0) {
		pthread_mutex_unlock(&r->lock);
		snprintf(err, errlen, "no volume '%s'", name);
		rc = -ENOENT;
		goto out;
	}
	v = r->vols[i];
	conns = atomic_load(&v->conns);
	if (conns > 0 && !force) {
		pthread_mutex_unlock(&r->lock);
		snprintf(err, errlen,
			 "volume '%s' has %d connection(s); detach or use force",
			 name, conns);
		rc = -EBUSY;
		goto out;
	}
	pthread_mutex_unlock(&r->lock);

	rc = meta_copy(&next, &r->meta);
	if (rc) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	meta_remove(&next, name);
	rc = meta_save(r->meta_path, &next, err, errlen);
	if (rc) {
		meta_free(&next);
		goto out;
	}
	meta_free(&r->meta);
	r->meta = next;

	pthread_mutex_lock(&r->lock);
	i = find(r, name);
	if (i >= 0) {
		memmove(&r->vols[i], &r->vols[i + 1],
			(r->n - (size_t)i - 1) * sizeof(r->vols[0]));
		r->n--;
	}
	pthread_mutex_unlock(&r->lock);
	atomic_store(&v->dead, true);
	if (!v->bdev && unlink(v->path) < 0)
		log_warn("volume %s deleted but %s could not be removed: %s",
			 name, v->path, strerror(errno));
	log_info("deleted volume %s%s", name, conns ? " (forced)" : "");
	vol_unref(v);
	rc = 0;
out:
	pthread_mutex_unlock(&r->admin);
	return rc;
}

int volreg_resize(struct volreg *r, const char *name, uint64_t size,
		  struct vol **out, char *err, size_t errlen)
{
	struct meta next;
	struct meta_vol *mv = NULL;
	struct vol *v;
	int rc;

	v = volreg_get(r, name);
	if (!v) {
		snprintf(err, errlen, "no volume '%s'", name);
		return -ENOENT;
	}
	pthread_mutex_lock(&r->admin);
	if (size == 0 || size % v->block_size || size > (uint64_t)INT64_MAX) {
		snprintf(err, errlen,
			 "size must be a positive multiple of block_size (%u)",
			 v->block_size);
		rc = -EINVAL;
		goto out;
	}
	if (size < atomic_load(&v->size)) {
		snprintf(err, errlen, "shrinking is not supported (%llu < %llu)",
			 (unsigned long long)size,
			 (unsigned long long)atomic_load(&v->size));
		rc = -EINVAL;
		goto out;
	}
	if (v->fd < 0) {
		snprintf(err, errlen, "volume '%s' is unavailable", name);
		rc = -EIO;
		goto out;
	}
	rc = store_resize(v->fd, v->bdev, size, err, errlen);
	if (rc)
		goto out;
	rc = meta_copy(&next, &r->meta);
	if (rc) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < next.n; i++)
		if (strcmp(next.vols[i].name, name) == 0)
			mv = &next.vols[i];
	if (!mv) {
		meta_free(&next);
		snprintf(err, errlen, "no volume '%s'", name);
		rc = -ENOENT;
		goto out;
	}
	mv->size = size;
	rc = meta_save(r->meta_path, &next, err, errlen);
	if (rc) {
		meta_free(&next);
		goto out;
	}
	meta_free(&r->meta);
	r->meta = next;
	atomic_store(&v->size, size);
	log_info("resized volume %s to %llu", name, (unsigned long long)size);
out:
	pthread_mutex_unlock(&r->admin);
	if (!rc && out)
		*out = v;
	else
		vol_unref(v);
	return rc;
}

int volreg_sync_all(struct volreg *r)
{
	size_t n;
	struct vol **all = volreg_get_all(r, &n);
	int failed = 0;

	for (size_t i = 0; i < n; i++) {
		if (all[i]->fd >= 0 && fsync(all[i]->fd) < 0) {
			log_err("fsync of volume %s failed: %s", all[i]->name,
				strerror(errno));
			failed++;
		}
	}
	volreg_put_all(all, n);
	return failed;
}
