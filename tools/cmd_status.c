// SPDX-License-Identifier: GPL-2.0
/* silkctl status: the kernel side and the silkd node, each if reachable. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"
#include "mgmt.h"
#include "nlclient.h"
#include "output.h"

struct kernel_status {
	bool loaded;
	bool ok;
	char error[512];
	struct silk_dev_info *devs;
	size_t n;
};

struct node_status {
	bool ok;
	char server[300];
	char error[512];
	json_object *reply;	/* owns node */
	json_object *node;
};

static void get_kernel(struct kernel_status *k)
{
	struct silk_nl nl;
	int rc;

	rc = silk_nl_open(&nl, k->error, sizeof(k->error));
	if (rc) {
		k->loaded = rc != -ENOENT ? true : false;
		return;
	}
	k->loaded = true;
	rc = silk_dump_devices(&nl, &k->devs, &k->n);
	if (rc)
		silk_nl_strerror(&nl, rc, k->error, sizeof(k->error));
	else
		k->ok = true;
	silk_nl_close(&nl);
}

static void get_node(const struct cli_args *a, struct node_status *s)
{
	json_object *req = json_object_new_object();
	int srv_errno;

	mgmt_addr_str(&a->server, s->server, sizeof(s->server));
	if (!req) {
		snprintf(s->error, sizeof(s->error), "out of memory");
		return;
	}
	json_object_object_add(req, "op", json_object_new_string("status"));
	if (mgmt_call(&a->server, req, SILK_MGMT_TIMEOUT_MS, &s->reply, &srv_errno,
		      s->error, sizeof(s->error)) == MGMT_OK) {
		if (json_object_object_get_ex(s->reply, "node", &s->node) &&
		    json_object_is_type(s->node, json_type_object))
			s->ok = true;
		else
			snprintf(s->error, sizeof(s->error),
				 "malformed reply from silkd (no \"node\")");
	}
	json_object_put(req);
}

/*
 * {"kernel":{"loaded":B,"devices":[...]|"error":S},
 *  "silkd":{"server":S,"reachable":B[,"error":S]},
 *  "node":NODE|null}
 */
static void print_status_json(const struct kernel_status *k, const struct node_status *s)
{
	json_object *root = json_object_new_object();
	json_object *kern = json_object_new_object();
	json_object *silkd = json_object_new_object();

	json_object_object_add(kern, "loaded", json_object_new_boolean(k->loaded));
	if (k->ok)
		json_object_object_add(kern, "devices", devs_to_json(k->devs, k->n));
	else
		json_object_object_add(kern, "error", json_object_new_string(k->error));
	json_object_object_add(silkd, "server", json_object_new_string(s->server));
	json_object_object_add(silkd, "reachable", json_object_new_boolean(s->ok));
	if (!s->ok)
		json_object_object_add(silkd, "error", json_object_new_string(s->error));
	json_object_object_add(root, "kernel", kern);
	json_object_object_add(root, "silkd", silkd);
	json_object_object_add(root, "node", s->ok ? json_object_get(s->node) : NULL);
	print_json(stdout, root);
	json_object_put(root);
}

static void print_status_text(const struct kernel_status *k, const struct node_status *s)
{
	if (!k->loaded)
		printf("kernel: silk module not loaded (modprobe silk)\n");
	else if (!k->ok)
		printf("kernel: %s\n", k->error);
	else
		printf("kernel: silk module loaded, %zu device%s attached\n",
		       k->n, k->n == 1 ? "" : "s");
	if (k->ok && k->n) {
		print_devs(stdout, k->devs, k->n);
	}
	printf("\n");
	if (!s->ok) {
		printf("silkd: not reachable: %s\n", s->error);
		return;
	}
	printf("silkd: %s\n", s->server);
	print_node(stdout, s->node);
}

int cmd_status(const struct cli_args *a)
{
	struct kernel_status k = { 0 };
	struct node_status s = { 0 };
	int rc;

	get_kernel(&k);
	get_node(a, &s);
	if (a->json)
		print_status_json(&k, &s);
	else
		print_status_text(&k, &s);
	/* The node is what status is asked for most (scripts wait on it). */
	rc = s.ok ? EXIT_OK : EXIT_ERR;
	free(k.devs);
	json_object_put(s.reply);
	return rc;
}
