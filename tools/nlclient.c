// SPDX-License-Identifier: GPL-2.0
/* Generic netlink client for the silk family (see nlclient.h). */
#include "nlclient.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "nlmsg.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct req_state {
	struct silk_nl *nl;
	silk_nl_msg_fn fn;
	void *arg;
	bool done;
	int err;		/* -errno */
	int count;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* libnl error -> errno, for failures that did not come from the kernel. */
static int nle_to_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case NLE_PERM: return EPERM;
	case NLE_NOMEM: return ENOMEM;
	case NLE_AGAIN: return EAGAIN;
	case NLE_OBJ_NOTFOUND: return ENOENT;
	case NLE_NODEV: return ENODEV;
	case NLE_INVAL: return EINVAL;
	case NLE_MSG_TRUNC: return EMSGSIZE;
	default: return EIO;
	}
}

int silk_nl_open(struct silk_nl *nl, char *err, size_t errlen)
{
	int one = 1, rc;

	memset(nl, 0, sizeof(*nl));
	nl->family = -1;
	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = genl_connect(nl->sk);
	if (rc < 0) {
		snprintf(err, errlen, "cannot open generic netlink socket: %s",
			 nl_geterror(rc));
		silk_nl_close(nl);
		return -nle_to_errno(rc);
	}
	/* Kernel error messages (extack); capped ACKs keep replies small. */
	(void)setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK,
			 &one, sizeof(one));
	(void)setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_CAP_ACK,
			 &one, sizeof(one));
	rc = genl_ctrl_resolve(nl->sk, SILK_GENL_NAME);
	if (rc < 0) {
		if (rc == -NLE_OBJ_NOTFOUND) {
			snprintf(err, errlen, "silk kernel module not loaded (modprobe silk)");
			silk_nl_close(nl);
			return -ENOENT;
		}
		snprintf(err, errlen, "cannot resolve generic netlink family '%s': %s",
			 SILK_GENL_NAME, nl_geterror(rc));
		silk_nl_close(nl);
		return -nle_to_errno(rc);
	}
	nl->family = rc;
	return 0;
}

void silk_nl_close(struct silk_nl *nl)
{
	if (nl->sk)
		nl_socket_free(nl->sk);
	nl->sk = NULL;
}

static int valid_cb(struct nl_msg *msg, void *arg)
{
	struct req_state *st = arg;
	int rc;

	st->count++;
	if (!st->fn)
		return NL_OK;
	rc = st->fn(nlmsg_hdr(msg), st->arg);
	if (rc < 0) {
		st->err = rc;
		snprintf(st->nl->detail, sizeof(st->nl->detail),
			 "unexpected reply from the kernel");
		return NL_STOP;
	}
	return NL_OK;
}

static int finish_cb(struct nl_msg *msg, void *arg)
{
	struct req_state *st = arg;

	st->done = true;
	return NL_STOP;
}

static int error_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct req_state *st = arg;
	const struct nlmsghdr *nlh =
		(const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN);

	st->err = e->error < 0 ? e->error : -EPROTO;
	silk_extack_msg(nlh, st->nl->extack, sizeof(st->nl->extack));
	return NL_STOP;
}

/* Multicast events carry sequence number 0: accept any. */
static int any_seq(struct nl_msg *msg, void *arg)
{
	return NL_OK;
}

static void set_rcvtimeo(struct nl_sock *sk, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	(void)setsockopt(nl_socket_get_fd(sk), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

int silk_nl_request(struct silk_nl *nl, struct nl_msg *msg, silk_nl_msg_fn fn,
		    void *arg, int timeout_ms)
{
	struct req_state st = { .nl = nl, .fn = fn, .arg = arg };
	int64_t deadline = now_ms() + timeout_ms;
	struct nl_cb *cb;
	int rc;

	nl->extack[0] = '\0';
	nl->detail[0] = '\0';
	if (!msg)
		return -ENOMEM;
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, valid_cb, &st);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, finish_cb, &st);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, finish_cb, &st);
	nl_cb_err(cb, NL_CB_CUSTOM, error_cb, &st);

	rc = nl_send_auto(nl->sk, msg);
	nlmsg_free(msg);
	if (rc < 0) {
		snprintf(nl->detail, sizeof(nl->detail), "send: %s", nl_geterror(rc));
		nl_cb_put(cb);
		return -nle_to_errno(rc);
	}
	while (!st.done && !st.err) {
		int64_t left = deadline - now_ms();

		if (left <= 0) {
			snprintf(nl->detail, sizeof(nl->detail),
				 "no answer from the kernel within %d ms", timeout_ms);
			st.err = -ETIMEDOUT;
			break;
		}
		set_rcvtimeo(nl->sk, left > INT32_MAX ? INT32_MAX : (int)left);
		rc = nl_recvmsgs(nl->sk, cb);
		if (rc < 0 && !st.err && rc != -NLE_AGAIN && rc != -NLE_INTR) {
			snprintf(nl->detail, sizeof(nl->detail), "receive: %s",
				 nl_geterror(rc));
			st.err = -nle_to_errno(rc);
		}
	}
	nl_cb_put(cb);
	return st.err;
}

int silk_nl_subscribe(struct silk_nl *nl, char *err, size_t errlen)
{
	int grp, rc;

	grp = genl_ctrl_resolve_grp(nl->sk, SILK_GENL_NAME, SILK_GENL_MCGRP_EVENTS);
	if (grp < 0) {
		snprintf(err, errlen, "cannot find multicast group '%s': %s",
			 SILK_GENL_MCGRP_EVENTS, nl_geterror(grp));
		return -nle_to_errno(grp);
	}
	rc = nl_socket_add_membership(nl->sk, grp);
	if (rc < 0) {
		snprintf(err, errlen, "cannot join multicast group '%s': %s",
			 SILK_GENL_MCGRP_EVENTS, nl_geterror(rc));
		return -nle_to_errno(rc);
	}
	nl_socket_disable_seq_check(nl->sk);
	nl_socket_set_nonblocking(nl->sk);
	return 0;
}

int silk_nl_recv_events(struct silk_nl *nl, silk_nl_msg_fn fn, void *arg,
			int timeout_ms)
{
	struct req_state st = { .nl = nl, .fn = fn, .arg = arg };
	struct pollfd pfd = { .fd = nl_socket_get_fd(nl->sk), .events = POLLIN };
	struct nl_cb *cb;
	int rc;

	rc = poll(&pfd, 1, timeout_ms < 0 ? -1 : timeout_ms);
	if (rc < 0)
		return -errno;
	if (rc == 0)
		return 0;
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, valid_cb, &st);
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, any_seq, NULL);
	rc = nl_recvmsgs(nl->sk, cb);
	nl_cb_put(cb);
	if (st.err)
		return st.err;
	if (rc < 0 && rc != -NLE_AGAIN && rc != -NLE_INTR) {
		snprintf(nl->detail, sizeof(nl->detail), "receive: %s", nl_geterror(rc));
		return -nle_to_errno(rc);
	}
	return st.count;
}

void silk_nl_strerror(const struct silk_nl *nl, int rc, char *buf, size_t len)
{
	int e = rc < 0 ? -rc : rc;

	if (e == EPERM)
		snprintf(buf, len, "permission denied (need CAP_NET_ADMIN / root)");
	else if (nl->extack[0])
		snprintf(buf, len, "%s (%s)", nl->extack, strerror(e));
	else if (nl->detail[0])
		snprintf(buf, len, "%s", nl->detail);
	else
		snprintf(buf, len, "%s", strerror(e));
}
