// SPDX-License-Identifier: GPL-2.0
#include "mgmt_ops.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store.h"

static char *finish(json_object *o)
{
	char *s = strdup(json_object_to_json_string_ext(
		o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));

	json_object_put(o);
	return s;
}

char *mgmt_error_reply(int eno, const char *msg)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "error", json_object_new_string(msg));
	json_object_object_add(o, "errno", json_object_new_int(eno < 0 ? -eno : eno));
	return finish(o);
}

static json_object *ok_reply(void)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(1));
	return o;
}

json_object *mgmt_volume_json(struct vol *v)
{
	json_object *o = json_object_new_object();
	uint64_t size = atomic_load(&v->size);

	json_object_object_add(o, "name", json_object_new_string(v->name));
	json_object_object_add(o, "id", json_object_new_int64(v->id));
	json_object_object_add(o, "size", json_object_new_int64((int64_t)size));
	json_object_object_add(o, "block_size",
			       json_object_new_int64(v->block_size));
	json_object_object_add(o, "backing",
			       json_object_new_string(v->bdev ? "device" : "file"));
	json_object_object_add(o, "path", json_object_new_string(v->path));
	json_object_object_add(o, "allocated", json_object_new_int64(
		(int64_t)store_allocated(v->fd, v->bdev, size)));
	json_object_object_add(o, "connections",
			       json_object_new_int(atomic_load(&v->conns)));
	json_object_object_add(o, "epoch", json_object_new_int64(
		(int64_t)atomic_load(&v->epoch)));
	json_object_object_add(o, "state", json_object_new_string(
		v->fd >= 0 ? "online" : "unavailable"));
	return o;
}

/* Argument helpers: 0 ok, 1 absent (optional), -1 wrong (err set). */
static int arg_str(json_object *req, const char *key, const char **out,
		   char *err, size_t errlen)
{
	json_object *v;

	if (!json_object_object_get_ex(req, key, &v))
		return 1;
	if (!json_object_is_type(v, json_type_string)) {
		snprintf(err, errlen, "'%s' must be a string", key);
		return -1;
	}
	*out = json_object_get_string(v);
	if (strlen(*out) != (size_t)json_object_get_string_len(v)) {
		snprintf(err, errlen, "'%s' contains a NUL byte", key);
		return -1;
	}
	return 0;
}

static int arg_u64(json_object *req, const char *key, uint64_t *out,
		   char *err, size_t errlen)
{
	json_object *v;
	int64_t x;

	if (!json_object_object_get_ex(req, key, &v))
		return 1;
	if (!json_object_is_type(v, json_type_int)) {
		snprintf(err, errlen, "'%s' must be an integer", key);
		return -1;
	}
	errno = 0;
	x = json_object_get_int64(v);
	if (x <= 0 || errno) {
		snprintf(err, errlen, "'%s' must be a positive integer below 2^63",
			 key);
		return -1;
	}
	*out = (uint64_t)x;
	return 0;
}

static int arg_bool(json_object *req, const char *key, bool *out, char *err,
		    size_t errlen)
{
	json_object *v;

	if (!json_object_object_get_ex(req, key, &v))
		return 1;
	if (!json_object_is_type(v, json_type_boolean)) {
		snprintf(err, errlen, "'%s' must be true or false", key);
		return -1;
	}
	*out = json_object_get_boolean(v);
	return 0;
}

static int need_name(json_object *req, const char **name, char *err,
		     size_t errlen)
{
	int rc = arg_str(req, "name", name, err, errlen);

	if (rc == 1)
		snprintf(err, errlen, "missing 'name'");
	return rc ? -1 : 0;
}

static char *volume_reply(struct vol *v)
{
	json_object *o = ok_reply();

	json_object_object_add(o, "volume", mgmt_volume_json(v));
	vol_unref(v);
	return finish(o);
}

static char *op_create(struct mgmt_ctx *c, json_object *req)
{
	const char *name, *backing = NULL;
	uint64_t size = 0, bs = 4096;
	char err[512];
	struct vol *v;
	int rc;

	if (need_name(req, &name, err, sizeof(err)) < 0)
		return mgmt_error_reply(EINVAL, err);
	rc = arg_u64(req, "size", &size, err, sizeof(err));
	if (rc == 1)
		snprintf(err, sizeof(err), "missing 'size'");
	if (rc)
		return mgmt_error_reply(EINVAL, err);
	if (arg_u64(req, "block_size", &bs, err, sizeof(err)) < 0 ||
	    arg_str(req, "backing", &backing, err, sizeof(err)) < 0)
		return mgmt_error_reply(EINVAL, err);
	if (bs != 512 && bs != 4096)
		return mgmt_error_reply(EINVAL, "block_size must be 512 or 4096");
	rc = volreg_create(c->reg, name, size, (uint32_t)bs, backing, &v, err,
			   sizeof(err));
	if (rc)
		return mgmt_error_reply(-rc, err);
	return volume_reply(v);
}

static char *op_list(struct mgmt_ctx *c)
{
	json_object *o = ok_reply(), *arr = json_object_new_array();
	size_t n;
	struct vol **all = volreg_get_all(c->reg, &n);

	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, mgmt_volume_json(all[i]));
	volreg_put_all(all, n);
	json_object_object_add(o, "volumes", arr);
	return finish(o);
}

static char *op_get(struct mgmt_ctx *c, json_object *req)
{
	const char *name;
	char err[256];
	struct vol *v;

	if (need_name(req, &name, err, sizeof(err)) < 0)
		return mgmt_error_reply(EINVAL, err);
	v = volreg_get(c->reg, name);
	if (!v) {
		snprintf(err, sizeof(err), "no volume '%s'", name);
		return mgmt_error_reply(ENOENT, err);
	}
	return volume_reply(v);
}

static char *op_delete(struct mgmt_ctx *c, json_object *req)
{
	const char *name;
	bool force = false;
	char err[512];
	int rc;

	if (need_name(req, &name, err, sizeof(err)) < 0 ||
	    arg_bool(req, "force", &force, err, sizeof(err)) < 0)
		return mgmt_error_reply(EINVAL, err);
	rc = volreg_delete(c->reg, name, force, err, sizeof(err));
	if (rc)
		return mgmt_error_reply(-rc, err);
	return finish(ok_reply());
}

static char *op_resize(struct mgmt_ctx *c, json_object *req)
{
	const char *name;
	uint64_t size = 0;
	char err[512];
	struct vol *v;
	int rc;

	if (need_name(req, &name, err, sizeof(err)) < 0)
		return mgmt_error_reply(EINVAL, err);
	rc = arg_u64(req, "size", &size, err, sizeof(err));
	if (rc == 1)
		snprintf(err, sizeof(err), "missing 'size'");
	if (rc)
		return mgmt_error_reply(EINVAL, err);
	rc = volreg_resize(c->reg, name, size, &v, err, sizeof(err));
	if (rc)
		return mgmt_error_reply(-rc, err);
	return volume_reply(v);
}

static char *op_status(struct mgmt_ctx *c)
{
	json_object *o = ok_reply(), *node = json_object_new_object();

	if (c->fill_node)
		c->fill_node(c->arg, node);
	json_object_object_add(o, "node", node);
	return finish(o);
}

char *mgmt_handle(struct mgmt_ctx *c, const char *line, size_t len)
{
	struct json_tokener *tok;
	json_object *req, *opv;
	const char *op;
	char *rep;

	if (len > (size_t)INT32_MAX - 1 || memchr(line, '\0', len))
		return mgmt_error_reply(EINVAL, "request is not valid JSON");
	tok = json_tokener_new();
	if (!tok)
		return mgmt_error_reply(ENOMEM, "out of memory");
	req = json_tokener_parse_ex(tok, line, (int)len);
	if (req && json_tokener_get_parse_end(tok) < len) {
		/* Only whitespace may follow the object. */
		for (size_t i = json_tokener_get_parse_end(tok); i < len; i++) {
			if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r') {
				json_object_put(req);
				req = NULL;
				break;
			}
		}
	}
	if (!req && json_tokener_get_error(tok) == json_tokener_continue)
		req = json_tokener_parse_ex(tok, "", 1);
	json_tokener_free(tok);
	if (!req)
		return mgmt_error_reply(EINVAL, "request is not valid JSON");
	if (!json_object_is_type(req, json_type_object)) {
		json_object_put(req);
		return mgmt_error_reply(EINVAL, "request must be a JSON object");
	}
	if (!json_object_object_get_ex(req, "op", &opv) ||
	    !json_object_is_type(opv, json_type_string)) {
		json_object_put(req);
		return mgmt_error_reply(EINVAL, "missing 'op'");
	}
	op = json_object_get_string(opv);
	log_debug("mgmt: %s", op);
	if (strcmp(op, "volume.create") == 0)
		rep = op_create(c, req);
	else if (strcmp(op, "volume.list") == 0)
		rep = op_list(c);
	else if (strcmp(op, "volume.get") == 0)
		rep = op_get(c, req);
	else if (strcmp(op, "volume.delete") == 0)
		rep = op_delete(c, req);
	else if (strcmp(op, "volume.resize") == 0)
		rep = op_resize(c, req);
	else if (strcmp(op, "status") == 0)
		rep = op_status(c);
	else {
		char err[128];

		snprintf(err, sizeof(err), "unknown op '%.64s'", op);
		rep = mgmt_error_reply(EOPNOTSUPP, err);
	}
	json_object_put(req);
	return rep;
}
