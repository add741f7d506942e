/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Generic netlink client for the "silk" family: one socket, extended ACK
 * enabled, requests with a deadline, kernel error messages captured.
 */
#ifndef SILKCTL_NLCLIENT_H
#define SILKCTL_NLCLIENT_H

#include <stddef.h>

#include <netlink/netlink.h>
#include <netlink/msg.h>

#define SILK_NL_TIMEOUT_MS	  5000	/* status requests */
#define SILK_NL_ADD_TIMEOUT_MS	120000	/* DEV_ADD connects to the server */

struct silk_nl {
	struct nl_sock *sk;
	int family;
	char extack[256];	/* kernel's message for the last error, or "" */
	char detail[128];	/* local (libnl) reason for the last error, or "" */
};

/* Called for each reply message; return < 0 (a -errno) to abort. */
typedef int (*silk_nl_msg_fn)(struct nlmsghdr *nlh, void *arg);

/*
 * Connects and resolves the family.  Returns 0, -ENOENT if the silk
 * family is not registered (module not loaded), or another -errno;
 * err gets a one-line message.
 */
int silk_nl_open(struct silk_nl *nl, char *err, size_t errlen);
void silk_nl_close(struct silk_nl *nl);

/*
 * Sends msg (always freed) and processes replies until the ACK / end of
 * dump, an error, or timeout_ms.  Returns 0 or -errno (-ETIMEDOUT).
 */
int silk_nl_request(struct silk_nl *nl, struct nl_msg *msg, silk_nl_msg_fn fn,
		    void *arg, int timeout_ms);

/* Joins the "events" multicast group. */
int silk_nl_subscribe(struct silk_nl *nl, char *err, size_t errlen);

/*
 * Waits up to timeout_ms (< 0: forever) for multicast messages and calls
 * fn for each.  Returns the number of messages seen (0 on timeout) or
 * -errno.
 */
int silk_nl_recv_events(struct silk_nl *nl, silk_nl_msg_fn fn, void *arg,
			int timeout_ms);

/* One line for a failed request: "permission denied (...)", extack, ... */
void silk_nl_strerror(const struct silk_nl *nl, int rc, char *buf, size_t len);

#endif
