// SPDX-License-Identifier: GPL-2.0
#include "meta.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "proto.h"

#define META_MAX_BYTES (16u << 20)

void meta_init(struct meta *m)
{
	m->next_id = 1;
	m->n = 0;
	m->vols = NULL;
}

void meta_free(struct meta *m)
{
	free(m->vols);
	meta_init(m);
}

int meta_add(struct meta *m, const struct meta_vol *v)
{
	struct meta_vol *nv = realloc(m->vols, (m->n + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	m->vols = nv;
	m->vols[m->n++] = *v;
	return 0;
}

int meta_remove(struct meta *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++) {
		if (strcmp(m->vols[i].name, name) == 0) {
			memmove(&m->vols[i], &m->vols[i + 1],
				(m->n - i - 1) * sizeof(m->vols[0]));
			m->n--;
			return 0;
		}
	}
	return -ENOENT;
}

int meta_copy(struct meta *dst, const struct meta *src)
{
	meta_init(dst);
	dst->next_id = src->next_id;
	if (src->n == 0)
		return 0;
	dst->vols = malloc(src->n * sizeof(*dst->vols));
	if (!dst->vols)
		return -ENOMEM;
	memcpy(dst->vols, src->vols, src->n * sizeof(*dst->vols));
	dst->n = src->n;
	return 0;
}

int meta_validate(const struct meta *m, char *err, size_t errlen)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct meta_vol *v = &m->vols[i];

		if (!silk_volume_name_valid(v->name)) {
			snprintf(err, errlen, "volume %zu: invalid name '%s'", i,
				 v->name);
			return -1;
		}
		if (v->id == 0 || v->id >= m->next_id) {
			snprintf(err, errlen,
				 "volume '%s': id %u not in 1..next_id-1 (%u)",
				 v->name, v->id, m->next_id - 1);
			return -1;
		}
		if (v->block_size != 512 && v->block_size != 4096) {
			snprintf(err, errlen, "volume '%s': block_size %u",
				 v->name, v->block_size);
			return -1;
		}
		if (v->size == 0 || v->size % v->block_size) {
			snprintf(err, errlen,
				 "volume '%s': size %llu not a positive multiple of %u",
				 v->name, (unsigned long long)v->size,
				 v->block_size);
			return -1;
		}
		if (v->path[0] != '/') {
			snprintf(err, errlen, "volume '%s': path not absolute",
				 v->name);
			return -1;
		}
		for (size_t j = 0; j < i; j++) {
			if (strcmp(m->vols[j].name, v->name) == 0 ||
			    m->vols[j].id == v->id) {
				snprintf(err, errlen,
					 "volumes '%s' and '%s' share a name or id",
					 m->vols[j].name, v->name);
				return -1;
			}
		}
	}
	return 0;
}

static int get_u64(json_object *o, const char *key, uint64_t max,
		   uint64_t *out, char *err, size_t errlen, const char *ctx)
{
	json_object *v;
	int64_t x;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int)) {
		snprintf(err, errlen, "%s: '%s' missing or not an integer", ctx,
			 key);
		return -1;
	}
	errno = 0;
	x = json_object_get_int64(v);
	if (x < 0 || (uint64_t)x > max || errno) {
		snprintf(err, errlen, "%s: '%s' out of range", ctx, key);
		return -1;
	}
	*out = (uint64_t)x;
	return 0;
}

static int get_str(json_object *o, const char *key, char *dst, size_t dstlen,
		   char *err, size_t errlen, const char *ctx)
{
	json_object *v;
	const char *s;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string)) {
		snprintf(err, errlen, "%s: '%s' missing or not a string", ctx,
			 key);
		return -1;
	}
	s = json_object_get_string(v);
	if (strlen(s) >= dstlen || strlen(s) != (size_t)json_object_get_string_len(v)) {
		snprintf(err, errlen, "%s: '%s' too long or contains NUL", ctx,
			 key);
		return -1;
	}
	snprintf(dst, dstlen, "%s", s);
	return 0;
}

static int parse_vol(json_object *o, size_t i, struct meta_vol *v, char *err,
		     size_t errlen)
{
	char ctx[32], backing[16];
	uint64_t x;

	snprintf(ctx, sizeof(ctx), "volumes[%zu]", i);
	memset(v, 0, sizeof(*v));
	if (!json_object_is_type(o, json_type_object)) {
		snprintf(err, errlen, "%s: not an object", ctx);
		return -1;
	}
	if (get_str(o, "name", v->name, sizeof(v->name), err, errlen, ctx) ||
	    get_str(o, "backing", backing, sizeof(backing), err, errlen, ctx) ||
	    get_str(o, "path", v->path, sizeof(v->path), err, errlen, ctx))
		return -1;
	if (strcmp(backing, "file") == 0) {
		v->bdev = false;
	} else if (strcmp(backing, "device") == 0) {
		v->bdev = true;
	} else {
		snprintf(err, errlen, "%s: backing must be file or device", ctx);
		return -1;
	}
	if (get_u64(o, "id", UINT32_MAX, &x, err, errlen, ctx))
		return -1;
	v->id = (uint32_t)x;
	if (get_u64(o, "block_size", 4096, &x, err, errlen, ctx))
		return -1;
	v->block_size = (uint32_t)x;
	if (get_u64(o, "size", INT64_MAX, &v->size, err, errlen, ctx) ||
	    get_u64(o, "epoch", INT64_MAX, &v->epoch, err, errlen, ctx))
		return -1;
	return 0;
}

static int parse_root(json_object *root, struct meta *m, char *err,
		      size_t errlen)
{
	json_object *vols;
	uint64_t x;
	size_t n;

	if (!json_object_is_type(root, json_type_object)) {
		snprintf(err, errlen, "top level is not an object");
		return -1;
	}
	if (get_u64(root, "format", UINT32_MAX, &x, err, errlen, "file"))
		return -1;
	if (x != META_FORMAT) {
		snprintf(err, errlen, "unsupported format %llu (want %d)",
			 (unsigned long long)x, META_FORMAT);
		return -1;
	}
	if (get_u64(root, "next_id", UINT32_MAX, &x, err, errlen, "file"))
		return -1;
	if (x == 0) {
		snprintf(err, errlen, "next_id must be positive");
		return -1;
	}
	m->next_id = (uint32_t)x;
	if (!json_object_object_get_ex(root, "volumes", &vols) ||
	    !json_object_is_type(vols, json_type_array)) {
		snprintf(err, errlen, "'volumes' missing or not an array");
		return -1;
	}
	n = json_object_array_length(vols);
	for (size_t i = 0; i < n; i++) {
		struct meta_vol v;

		if (parse_vol(json_object_array_get_idx(vols, i), i, &v, err,
			      errlen) < 0)
			return -1;
		if (meta_add(m, &v) < 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	return meta_validate(m, err, errlen);
}

static char *read_all(const char *path, size_t *len, int *eno)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		*eno = errno;
		return NULL;
	}
	if (fstat(fd, &st) < 0 || (uint64_t)st.st_size > META_MAX_BYTES) {
		*eno = errno ? errno : EFBIG;
		close(fd);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		*eno = ENOMEM;
		close(fd);
		return NULL;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			*eno = r < 0 ? errno : EIO;
			free(buf);
			close(fd);
			return NULL;
		}
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	*len = got;
	return buf;
}

int meta_load(const char *path, struct meta *m, char *err, size_t errlen)
{
	struct json_tokener *tok;
	json_object *root;
	char why[256];
	size_t len = 0;
	int eno = 0;
	char *buf;

	meta_init(m);
	buf = read_all(path, &len, &eno);
	if (!buf) {
		if (eno == ENOENT)
			return 1;
		snprintf(err, errlen, "%s: %s", path, strerror(eno));
		return -1;
	}
	if (strlen(buf) != len) {
		snprintf(err, errlen, "%s: corrupt: contains NUL bytes", path);
		free(buf);
		return -1;
	}
	tok = json_tokener_new();
	if (!tok) {
		free(buf);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	root = json_tokener_parse_ex(tok, buf, (int)len);
	if (!root && json_tokener_get_error(tok) == json_tokener_continue)
		root = json_tokener_parse_ex(tok, "", 1);
	if (!root || json_tokener_get_error(tok) != json_tokener_success) {
		snprintf(err, errlen, "%s: corrupt: not valid JSON (%s at byte %zu)",
			 path,
			 json_tokener_error_desc(json_tokener_get_error(tok)),
			 json_tokener_get_parse_end(tok));
		json_object_put(root);
		json_tokener_free(tok);
		free(buf);
		return -1;
	}
	for (size_t i = json_tokener_get_parse_end(tok); i < len; i++) {
		if (!strchr(" \t\r\n", buf[i])) {
			snprintf(err, errlen,
				 "%s: corrupt: trailing data at byte %zu", path, i);
			json_object_put(root);
			json_tokener_free(tok);
			free(buf);
			return -1;
		}
	}
	json_tokener_free(tok);
	free(buf);
	if (parse_root(root, m, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s: corrupt: %s", path, why);
		json_object_put(root);
		meta_free(m);
		return -1;
	}
	json_object_put(root);
	return 0;
}

static json_object *to_json(const struct meta *m)
{
	json_object *root = json_object_new_object();
	json_object *vols = json_object_new_array();

	json_object_object_add(root, "format", json_object_new_int(META_FORMAT));
	json_object_object_add(root, "next_id",
			       json_object_new_int64(m->next_id));
	for (size_t i = 0; i < m->n; i++) {
		const struct meta_vol *v = &m->vols[i];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "name", json_object_new_string(v->name));
		json_object_object_add(o, "id", json_object_new_int64(v->id));
		json_object_object_add(o, "size",
				       json_object_new_int64((int64_t)v->size));
		json_object_object_add(o, "block_size",
				       json_object_new_int64(v->block_size));
		json_object_object_add(o, "backing", json_object_new_string(
					       v->bdev ? "device" : "file"));
		json_object_object_add(o, "path", json_object_new_string(v->path));
		json_object_object_add(o, "epoch",
				       json_object_new_int64((int64_t)v->epoch));
		json_object_array_add(vols, o);
	}
	json_object_object_add(root, "volumes", vols);
	return root;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int fsync_dir_of(const char *path)
{
	char *copy = strdup(path);
	int fd, rc = 0;

	if (!copy)
		return -ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(copy);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

int meta_save(const char *path, const struct meta *m, char *err, size_t errlen)
{
	char tmp[PATH_MAX + 8];
	json_object *root;
	const char *text;
	int fd, rc;

	if (meta_validate(m, err, errlen) < 0)
		return -EINVAL;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	root = to_json(m);
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		json_object_put(root);
		return rc;
	}
	rc = write_all(fd, text, strlen(text));
	if (!rc)
		rc = write_all(fd, "\n", 1);
	json_object_put(root);
	if (!rc && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && !rc)
		rc = -errno;
	if (rc) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(-rc));
		unlink(tmp);
		return rc;
	}
	if (rename(tmp, path) < 0) {
		rc = -errno;
		snprintf(err, errlen, "rename %s: %s", tmp, strerror(errno));
		unlink(tmp);
		return rc;
	}
	rc = fsync_dir_of(path);
	if (rc) {
		snprintf(err, errlen, "fsync of directory of %s: %s", path,
			 strerror(-rc));
		return rc;
	}
	return 0;
}
