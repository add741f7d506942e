// SPDX-License-Identifier: GPL-2.0
/* silkctl volume create|list|show|delete|resize: the management API. */
#include <inttypes.h>
#include <stdio.h>

#include "commands.h"
#include "mgmt.h"
#include "output.h"

static json_object *request(const char *op, const struct cli_args *a)
{
	json_object *req = json_object_new_object();

	if (!req)
		return NULL;
	json_object_object_add(req, "op", json_object_new_string(op));
	if (a->name)
		json_object_object_add(req, "name", json_object_new_string(a->name));
	switch (a->cmd) {
	case CMD_VOLUME_CREATE:
		json_object_object_add(req, "size", json_object_new_int64((int64_t)a->size));
		if (a->block_size)
			json_object_object_add(req, "block_size",
					       json_object_new_int64(a->block_size));
		if (a->backing)
			json_object_object_add(req, "backing",
					       json_object_new_string(a->backing));
		break;
	case CMD_VOLUME_RESIZE:
		json_object_object_add(req, "size", json_object_new_int64((int64_t)a->size));
		break;
	case CMD_VOLUME_DELETE:
		if (a->force)
			json_object_object_add(req, "force", json_object_new_boolean(1));
		break;
	default:
		break;
	}
	return req;
}

/* Runs one request; on success *reply is the reply object. */
static int call(const struct cli_args *a, const char *op, json_object **reply)
{
	json_object *req = request(op, a);
	char err[512];
	int rc, srv_errno;

	if (!req) {
		silkctl_err("out of memory");
		return EXIT_ERR;
	}
	rc = mgmt_call(&a->server, req, SILK_MGMT_TIMEOUT_MS, reply, &srv_errno,
		       err, sizeof(err));
	json_object_put(req);
	if (rc != MGMT_OK) {
		if (a->name)
			silkctl_err("%s %s: %s", cli_cmd_name(a->cmd), a->name, err);
		else
			silkctl_err("%s: %s", cli_cmd_name(a->cmd), err);
		return EXIT_ERR;
	}
	return EXIT_OK;
}

/* The reply's key as the wanted type, or NULL with an error printed. */
static json_object *member(const struct cli_args *a, json_object *reply,
			   const char *key, json_type type)
{
	json_object *v;

	if (json_object_object_get_ex(reply, key, &v) && json_object_is_type(v, type))
		return v;
	silkctl_err("%s: malformed reply from silkd (no \"%s\")",
		    cli_cmd_name(a->cmd), key);
	return NULL;
}

static int show_volume_reply(const struct cli_args *a, json_object *reply,
			     const char *verb)
{
	json_object *vol = member(a, reply, "volume", json_type_object);
	json_object *v;
	char size[32] = "-";

	if (!vol)
		return EXIT_ERR;
	if (a->json) {
		print_json(stdout, vol);
		return EXIT_OK;
	}
	if (!verb) {
		print_volume(stdout, vol);
		return EXIT_OK;
	}
	if (json_object_object_get_ex(vol, "size", &v) && json_object_is_type(v, json_type_int))
		fmt_size((uint64_t)json_object_get_int64(v), size, sizeof(size));
	printf("%s volume %s (%s)\n", verb, a->name, size);
	return EXIT_OK;
}

int cmd_volume(const struct cli_args *a)
{
	json_object *reply = NULL, *vols;
	int rc;

	switch (a->cmd) {
	case CMD_VOLUME_CREATE:
		rc = call(a, "volume.create", &reply);
		if (rc == EXIT_OK)
			rc = show_volume_reply(a, reply, "created");
		break;
	case CMD_VOLUME_SHOW:
		rc = call(a, "volume.get", &reply);
		if (rc == EXIT_OK)
			rc = show_volume_reply(a, reply, NULL);
		break;
	case CMD_VOLUME_RESIZE:
		rc = call(a, "volume.resize", &reply);
		if (rc == EXIT_OK)
			rc = show_volume_reply(a, reply, "resized");
		break;
	case CMD_VOLUME_LIST:
		rc = call(a, "volume.list", &reply);
		if (rc != EXIT_OK)
			break;
		vols = member(a, reply, "volumes", json_type_array);
		if (!vols)
			rc = EXIT_ERR;
		else if (a->json)
			print_json(stdout, vols);
		else
			print_volumes(stdout, vols);
		break;
	case CMD_VOLUME_DELETE:
		rc = call(a, "volume.delete", &reply);
		if (rc == EXIT_OK && a->json)
			printf("{\"deleted\":\"%s\"}\n", a->name);
		else if (rc == EXIT_OK)
			printf("deleted volume %s\n", a->name);
		break;
	default:
		silkctl_err("internal error: not a volume command");
		rc = EXIT_ERR;
		break;
	}
	json_object_put(reply);
	return rc;
}
