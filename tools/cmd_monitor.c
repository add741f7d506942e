// SPDX-License-Identifier: GPL-2.0
/* silkctl monitor: print events from the "events" multicast group. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <netlink/genl/genl.h>

#include "commands.h"
#include "nlclient.h"
#include "output.h"

struct monitor_state {
	bool json;
	uint32_t seen;
	uint32_t limit;		/* 0: unlimited */
};

static int on_event(struct nlmsghdr *nlh, void *arg)
{
	struct monitor_state *st = arg;
	struct genlmsghdr *g;
	struct silk_event_info e;

	if (!genlmsg_valid_hdr(nlh, 0))
		return 0;
	g = genlmsg_hdr(nlh);
	if (g->cmd != SILK_CMD_EVENT)
		return 0;
	if (st->limit && st->seen >= st->limit)
		return 0;
	if (silk_parse_event(nlh, &e) < 0) {
		silkctl_err("monitor: ignoring a malformed event");
		return 0;
	}
	if (st->json) {
		json_object *o = event_to_json(&e);

		print_json(stdout, o);
		json_object_put(o);
	} else {
		print_event(stdout, &e);
	}
	fflush(stdout);
	st->seen++;
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int cmd_monitor(const struct cli_args *a)
{
	struct monitor_state st = { .json = a->json, .limit = a->count };
	int64_t deadline = a->timeout_s ? now_ms() + (int64_t)a->timeout_s * 1000 : -1;
	struct silk_nl nl;
	char err[512];

	if (silk_nl_open(&nl, err, sizeof(err))) {
		silkctl_err("monitor: %s", err);
		return EXIT_ERR;
	}
	if (silk_nl_subscribe(&nl, err, sizeof(err))) {
		silkctl_err("monitor: %s", err);
		silk_nl_close(&nl);
		return EXIT_ERR;
	}
	while (!st.limit || st.seen < st.limit) {
		int wait = -1, rc;

		if (deadline >= 0) {
			int64_t left = deadline - now_ms();

			if (left <= 0)
				break;
			wait = left > INT32_MAX ? INT32_MAX : (int)left;
		}
		rc = silk_nl_recv_events(&nl, on_event, &st, wait);
		if (rc == -ENOBUFS || rc == -ENOMEM) {
			silkctl_err("monitor: events were lost (receive buffer overrun)");
			continue;
		}
		if (rc < 0 && rc != -EINTR) {
			silk_nl_strerror(&nl, rc, err, sizeof(err));
			silkctl_err("monitor: %s", err);
			silk_nl_close(&nl);
			return EXIT_ERR;
		}
	}
	silk_nl_close(&nl);
	return EXIT_OK;
}
