// SPDX-License-Identifier: GPL-2.0
/* silkctl attach | detach | list: the kernel over generic netlink. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/genl/genl.h>

#include "commands.h"
#include "devnode.h"
#include "nlclient.h"
#include "nlmsg.h"
#include "output.h"

#define MAX_DEVICES 65536

struct dev_list {
	struct silk_dev_info *v;
	size_t n, cap;
};

static int collect_dev(struct nlmsghdr *nlh, void *arg)
{
	struct dev_list *l = arg;

	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		void *p;

		if (ncap > MAX_DEVICES)
			return -E2BIG;
		p = realloc(l->v, ncap * sizeof(*l->v));
		if (!p)
			return -ENOMEM;
		l->v = p;
		l->cap = ncap;
	}
	if (silk_parse_dev(nlh, &l->v[l->n]) < 0)
		return -EPROTO;
	l->n++;
	return 0;
}

int silk_dump_devices(struct silk_nl *nl, struct silk_dev_info **out, size_t *n)
{
	struct dev_list l = { 0 };
	int rc;

	rc = silk_nl_request(nl, silk_msg_dev_get(nl->family, true, 0),
			     collect_dev, &l, SILK_NL_TIMEOUT_MS);
	if (rc) {
		free(l.v);
		return rc;
	}
	*out = l.v;
	*n = l.n;
	return 0;
}

/* Opens the netlink socket, printing the error; true on success. */
static bool open_nl(struct silk_nl *nl, const char *what)
{
	char err[256];

	if (silk_nl_open(nl, err, sizeof(err)) == 0)
		return true;
	silkctl_err("%s: %s", what, err);
	return false;
}

static int first_dev(struct nlmsghdr *nlh, void *arg)
{
	struct dev_list *l = arg;

	if (l->n)
		return 0;
	return collect_dev(nlh, arg);
}

/* A DEV_ADD that replied with a bare ACK: find the device by volume. */
static int find_attached(struct silk_nl *nl, const struct silk_dev_params *p,
			 struct silk_dev_info *out)
{
	struct silk_dev_info *v = NULL;
	size_t n = 0, i;
	bool found = false;

	if (silk_dump_devices(nl, &v, &n))
		return -1;
	for (i = 0; i < n; i++) {
		if (strcmp(v[i].volume, p->volume) || strcmp(v[i].addr, p->addr) ||
		    (SILK_HAS(&v[i], SILK_A_PORT) && v[i].port != p->port))
			continue;
		if (!found || v[i].index > out->index)
			*out = v[i];
		found = true;
	}
	free(v);
	return found ? 0 : -1;
}

int cmd_attach(const struct cli_args *a)
{
	struct dev_list l = { 0 };
	struct silk_dev_info info;
	struct silk_nl nl;
	char name[SILK_DISK_NAME_MAX], path[64], err[512];
	bool created;
	int rc;

	if (!open_nl(&nl, "attach"))
		return EXIT_ERR;
	rc = silk_nl_request(&nl, silk_msg_dev_add(nl.family, &a->dev), first_dev,
			     &l, SILK_NL_ADD_TIMEOUT_MS);
	if (rc) {
		silk_nl_strerror(&nl, rc, err, sizeof(err));
		silkctl_err("attach %s: %s", a->dev.volume, err);
		silk_nl_close(&nl);
		free(l.v);
		return EXIT_ERR;
	}
	if (l.n && (SILK_HAS(&l.v[0], SILK_A_DISK_NAME) || SILK_HAS(&l.v[0], SILK_A_INDEX))) {
		info = l.v[0];
	} else if (find_attached(&nl, &a->dev, &info)) {
		silkctl_err("attach %s: the kernel accepted the device but did not say which one",
			    a->dev.volume);
		silk_nl_close(&nl);
		free(l.v);
		return EXIT_ERR;
	}
	free(l.v);
	silk_nl_close(&nl);

	if (info.disk_name[0])
		snprintf(name, sizeof(name), "%s", info.disk_name);
	else
		snprintf(name, sizeof(name), "silk%" PRIu32, info.index);
	snprintf(path, sizeof(path), "/dev/%s", name);

	if (a->json) {
		json_object *o = dev_to_json(&info);

		if (o)
			json_object_object_add(o, "device", json_object_new_string(path));
		print_json(stdout, o);
		json_object_put(o);
	} else {
		printf("%s\n", path);
	}
	if (a->no_wait)
		return EXIT_OK;
	if (devnode_ensure("/dev", "/sys/block", name, DEVNODE_UDEV_WAIT_MS,
			   &created, err, sizeof(err))) {
		silkctl_err("%s is attached but its device node is missing: %s", path, err);
		return EXIT_ERR;
	}
	return EXIT_OK;
}

int cmd_detach(const struct cli_args *a)
{
	struct silk_nl nl;
	char name[SILK_DISK_NAME_MAX], err[512];
	dev_t devt = 0;
	bool have_devt;
	int rc;

	snprintf(name, sizeof(name), "silk%" PRIu32, a->index);
	have_devt = devnode_read_devt("/sys/block", name, &devt) == 0;
	if (!open_nl(&nl, "detach"))
		return EXIT_ERR;
	rc = silk_nl_request(&nl, silk_msg_dev_remove(nl.family, a->index), NULL,
			     NULL, SILK_NL_ADD_TIMEOUT_MS);
	if (rc == -ENODEV || (rc == -ENOENT && !nl.extack[0])) {
		silkctl_err("detach: no such device /dev/%s", name);
		silk_nl_close(&nl);
		return EXIT_ERR;
	}
	if (rc) {
		silk_nl_strerror(&nl, rc, err, sizeof(err));
		silkctl_err("detach /dev/%s: %s", name, err);
		silk_nl_close(&nl);
		return EXIT_ERR;
	}
	silk_nl_close(&nl);
	if (have_devt)
		devnode_cleanup("/dev", "/sys/block", name, devt);
	if (a->json)
		printf("{\"detached\":\"/dev/%s\"}\n", name);
	return EXIT_OK;
}

int cmd_list(const struct cli_args *a)
{
	struct silk_dev_info *v = NULL;
	struct silk_nl nl;
	char err[512];
	size_t n = 0;
	int rc;

	if (!open_nl(&nl, "list"))
		return EXIT_ERR;
	rc = silk_dump_devices(&nl, &v, &n);
	if (rc) {
		silk_nl_strerror(&nl, rc, err, sizeof(err));
		silkctl_err("list: %s", err);
		silk_nl_close(&nl);
		return EXIT_ERR;
	}
	silk_nl_close(&nl);
	if (a->json) {
		json_object *arr = devs_to_json(v, n);

		print_json(stdout, arr);
		json_object_put(arr);
	} else {
		print_devs(stdout, v, n);
	}
	free(v);
	return EXIT_OK;
}
