/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Management API requests (Documentation/mgmt-api.md): one JSON object in,
 * one JSON object out.  Transport-free so that tests can call it directly.
 */
#ifndef SILK_DAEMON_MGMT_OPS_H
#define SILK_DAEMON_MGMT_OPS_H

#include <stddef.h>

#include <json-c/json.h>

#include "volumes.h"

struct mgmt_ctx {
	struct volreg *reg;
	/* Fill the NODE object of a "status" reply (may be NULL). */
	void (*fill_node)(void *arg, json_object *node);
	void *arg;
};

/* Handle one request line; returns a malloc'd one-line JSON reply. */
char *mgmt_handle(struct mgmt_ctx *c, const char *line, size_t len);
/* Malloc'd error reply {"ok":false,"error":msg,"errno":eno}. */
char *mgmt_error_reply(int eno, const char *msg);
/* VOLUME object for v. */
json_object *mgmt_volume_json(struct vol *v);

#endif
