// SPDX-License-Identifier: GPL-2.0
/*
 * silk generic netlink messages without a kernel: requests are built and
 * parsed back against the policy; replies, events and extended ACKs are
 * built by hand (well-formed and malformed) and parsed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <linux/netlink.h>
#include <netlink/genl/genl.h>

#include "nlclient.h"
#include "nlmsg.h"

#define FAMILY 0x1d

static struct nlattr *tb[SILK_A_MAX + 1];

static struct genlmsghdr *parse_back(struct nl_msg *msg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	assert_int_equal(nlh->nlmsg_type, FAMILY);
	assert_int_equal(genlmsg_parse(nlh, 0, tb, SILK_A_MAX, silk_nl_policy), 0);
	return genlmsg_hdr(nlh);
}

static void test_dev_add_full(void **state)
{
	struct silk_dev_params p = {
		.volume = "db0", .addr = "::1", .port = 7401,
		.transport = SILK_TRANSPORT_RDMA, .nr_queues = 4, .queue_depth = 128,
		.block_size = 512, .has_io_timeout = true, .io_timeout_ms = 30000,
		.has_loss_timeout = true, .loss_timeout_ms = 0, .digest = true,
		.has_epoch = true, .epoch = 0x1122334455667788ull,
	};
	struct nl_msg *msg = silk_msg_dev_add(FAMILY, &p);
	struct genlmsghdr *g;

	assert_non_null(msg);
	g = parse_back(msg);
	assert_int_equal(g->cmd, SILK_CMD_DEV_ADD);
	assert_int_equal(g->version, SILK_GENL_VERSION);
	assert_false(nlmsg_hdr(msg)->nlmsg_flags & NLM_F_DUMP);

	assert_non_null(tb[SILK_A_VOLUME]);
	assert_string_equal(nla_get_string(tb[SILK_A_VOLUME]), "db0");
	assert_int_equal(nla_len(tb[SILK_A_VOLUME]), 4);	/* NUL included */
	assert_string_equal(nla_get_string(tb[SILK_A_ADDR]), "::1");
	/* Exact widths, as the kernel's strict policy wants them. */
	assert_int_equal(nla_len(tb[SILK_A_PORT]), 2);
	assert_int_equal(nla_get_u16(tb[SILK_A_PORT]), 7401);
	assert_int_equal(nla_len(tb[SILK_A_TRANSPORT]), 1);
	assert_int_equal(nla_get_u8(tb[SILK_A_TRANSPORT]), SILK_TRANSPORT_RDMA);
	assert_int_equal(nla_len(tb[SILK_A_NR_QUEUES]), 4);
	assert_int_equal(nla_get_u32(tb[SILK_A_NR_QUEUES]), 4);
	assert_int_equal(nla_get_u32(tb[SILK_A_QUEUE_DEPTH]), 128);
	assert_int_equal(nla_get_u32(tb[SILK_A_BLOCK_SIZE]), 512);
	assert_int_equal(nla_get_u32(tb[SILK_A_IO_TIMEOUT]), 30000);
	assert_non_null(tb[SILK_A_LOSS_TIMEOUT]);
	assert_int_equal(nla_get_u32(tb[SILK_A_LOSS_TIMEOUT]), 0);
	assert_non_null(tb[SILK_A_DIGEST]);
	assert_int_equal(nla_len(tb[SILK_A_DIGEST]), 0);
	assert_int_equal(nla_len(tb[SILK_A_EPOCH]), 8);
	assert_true(nla_get_u64(tb[SILK_A_EPOCH]) == 0x1122334455667788ull);
	/* Nothing a request must not carry. */
	assert_null(tb[SILK_A_INDEX]);
	assert_null(tb[SILK_A_STATE]);
	assert_null(tb[SILK_A_SIZE]);
	nlmsg_free(msg);
}

static void test_dev_add_minimal(void **state)
{
	struct silk_dev_params p = {
		.volume = "v", .addr = "127.0.0.1", .port = SILK_DEFAULT_PORT,
		.transport = SILK_TRANSPORT_TCP,
	};
	struct nl_msg *msg = silk_msg_dev_add(FAMILY, &p);
	int i;

	assert_non_null(msg);
	parse_back(msg);
	for (i = 1; i <= SILK_A_MAX; i++) {
		bool want = i == SILK_A_VOLUME || i == SILK_A_ADDR ||
			    i == SILK_A_PORT || i == SILK_A_TRANSPORT;

		if (want != (tb[i] != NULL))
			fail_msg("attribute %d %s", i, want ? "missing" : "unexpected");
	}
	assert_int_equal(nla_get_u16(tb[SILK_A_PORT]), 7400);
	nlmsg_free(msg);
}

static void test_remove_and_get(void **state)
{
	struct nl_msg *msg = silk_msg_dev_remove(FAMILY, 42);
	struct genlmsghdr *g;

	g = parse_back(msg);
	assert_int_equal(g->cmd, SILK_CMD_DEV_REMOVE);
	assert_int_equal(nla_len(tb[SILK_A_INDEX]), 4);
	assert_int_equal(nla_get_u32(tb[SILK_A_INDEX]), 42);
	nlmsg_free(msg);

	msg = silk_msg_dev_get(FAMILY, false, 3);
	g = parse_back(msg);
	assert_int_equal(g->cmd, SILK_CMD_DEV_GET);
	assert_int_equal(nla_get_u32(tb[SILK_A_INDEX]), 3);
	assert_false(nlmsg_hdr(msg)->nlmsg_flags & NLM_F_DUMP);
	nlmsg_free(msg);

	msg = silk_msg_dev_get(FAMILY, true, 3);
	g = parse_back(msg);
	assert_int_equal(g->cmd, SILK_CMD_DEV_GET);
	assert_null(tb[SILK_A_INDEX]);
	assert_int_equal(nlmsg_hdr(msg)->nlmsg_flags & NLM_F_DUMP, NLM_F_DUMP);
	nlmsg_free(msg);
}

static struct nl_msg *reply_msg(uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	assert_non_null(msg);
	assert_non_null(genlmsg_put(msg, 0, 1, FAMILY, 0, 0, cmd, SILK_GENL_VERSION));
	return msg;
}

static void test_parse_dev(void **state)
{
	struct nl_msg *msg = reply_msg(SILK_CMD_DEV_GET);
	struct silk_dev_info d;

	assert_int_equal(nla_put_u32(msg, SILK_A_INDEX, 2), 0);
	assert_int_equal(nla_put_string(msg, SILK_A_DISK_NAME, "silk2"), 0);
	assert_int_equal(nla_put_string(msg, SILK_A_VOLUME, "db0"), 0);
	assert_int_equal(nla_put_string(msg, SILK_A_ADDR, "127.0.0.1"), 0);
	assert_int_equal(nla_put_u16(msg, SILK_A_PORT, 7400), 0);
	assert_int_equal(nla_put_u8(msg, SILK_A_TRANSPORT, SILK_TRANSPORT_RDMA), 0);
	assert_int_equal(nla_put_string(msg, SILK_A_TRANSPORT_DEV, "rxe0"), 0);
	assert_int_equal(nla_put_u8(msg, SILK_A_STATE, SILK_STATE_LIVE), 0);
	assert_int_equal(nla_put_u64(msg, SILK_A_SIZE, 1ull << 30), 0);
	assert_int_equal(nla_put_u32(msg, SILK_A_NR_QUEUES, 2), 0);
	assert_int_equal(nla_put_u32(msg, SILK_A_RECONNECTS, 5), 0);
	assert_int_equal(nla_put_u64(msg, SILK_A_IO_ERRORS, 9), 0);
	assert_int_equal(nla_put_flag(msg, SILK_A_DIGEST), 0);
	assert_int_equal(silk_parse_dev(nlmsg_hdr(msg), &d), 0);
	assert_int_equal(d.index, 2);
	assert_string_equal(d.disk_name, "silk2");
	assert_string_equal(d.volume, "db0");
	assert_string_equal(d.addr, "127.0.0.1");
	assert_int_equal(d.port, 7400);
	assert_int_equal(d.transport, SILK_TRANSPORT_RDMA);
	assert_string_equal(d.transport_dev, "rxe0");
	assert_int_equal(d.state, SILK_STATE_LIVE);
	assert_true(d.size == 1ull << 30);
	assert_int_equal(d.nr_queues, 2);
	assert_int_equal(d.reconnects, 5);
	assert_true(d.io_errors == 9);
	assert_true(d.digest);
	assert_true(SILK_HAS(&d, SILK_A_SIZE));
	assert_false(SILK_HAS(&d, SILK_A_EPOCH));
	assert_false(SILK_HAS(&d, SILK_A_QUEUE_DEPTH));
	nlmsg_free(msg);
}

static void test_parse_dev_malformed(void **state)
{
	struct silk_dev_info d;
	struct nl_msg *msg;
	uint8_t one = 1;
	char longname[200];

	/* u8 where a u32 belongs */
	msg = reply_msg(SILK_CMD_DEV_GET);
	assert_int_equal(nla_put(msg, SILK_A_INDEX, 1, &one), 0);
	assert_true(silk_parse_dev(nlmsg_hdr(msg), &d) < 0);
	nlmsg_free(msg);

	/* u32 where a u64 belongs */
	msg = reply_msg(SILK_CMD_DEV_GET);
	assert_int_equal(nla_put_u32(msg, SILK_A_SIZE, 1), 0);
	assert_true(silk_parse_dev(nlmsg_hdr(msg), &d) < 0);
	nlmsg_free(msg);

	/* a volume name longer than the protocol allows */
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	msg = reply_msg(SILK_CMD_DEV_GET);
	assert_int_equal(nla_put_string(msg, SILK_A_VOLUME, longname), 0);
	assert_true(silk_parse_dev(nlmsg_hdr(msg), &d) < 0);
	nlmsg_free(msg);

	/* a string without its NUL is refused, never read past its end */
	msg = reply_msg(SILK_CMD_DEV_GET);
	assert_int_equal(nla_put(msg, SILK_A_DISK_NAME, 5, "silk7"), 0);
	assert_true(silk_parse_dev(nlmsg_hdr(msg), &d) < 0);
	nlmsg_free(msg);

	/* unknown attributes above SILK_A_MAX are ignored (newer kernels) */
	msg = reply_msg(SILK_CMD_DEV_GET);
	assert_int_equal(nla_put_u32(msg, SILK_A_MAX + 5, 1), 0);
	assert_int_equal(nla_put_u32(msg, SILK_A_INDEX, 8), 0);
	assert_int_equal(silk_parse_dev(nlmsg_hdr(msg), &d), 0);
	assert_int_equal(d.index, 8);
	nlmsg_free(msg);
}

static void test_parse_event(void **state)
{
	struct nl_msg *msg = reply_msg(SILK_CMD_EVENT);
	struct silk_event_info e;

	assert_int_equal(nla_put_u8(msg, SILK_A_EVENT, SILK_EVENT_IO_ERROR), 0);
	assert_int_equal(nla_put_u32(msg, SILK_A_INDEX, 1), 0);
	assert_int_equal(nla_put_s32(msg, SILK_A_ERRNO, -EIO), 0);
	assert_int_equal(silk_parse_event(nlmsg_hdr(msg), &e), 0);
	assert_int_equal(e.event, SILK_EVENT_IO_ERROR);
	assert_int_equal(e.index, 1);
	assert_int_equal(e.err, -EIO);
	assert_true(SILK_HAS(&e, SILK_A_ERRNO));
	assert_false(SILK_HAS(&e, SILK_A_VOLUME));
	nlmsg_free(msg);

	msg = reply_msg(SILK_CMD_EVENT);
	assert_int_equal(nla_put_u32(msg, SILK_A_EVENT, 1), 0);	/* wrong type: ok, u8 min */
	assert_int_equal(nla_put(msg, SILK_A_ERRNO, 2, "ab"), 0);	/* too short */
	assert_true(silk_parse_event(nlmsg_hdr(msg), &e) < 0);
	nlmsg_free(msg);
}

/* An NLMSG_ERROR as the kernel sends it with NETLINK_EXT_ACK. */
static struct nl_msg *ack_msg(int error, bool capped, bool tlvs, const char *text)
{
	struct nl_msg *orig = silk_msg_dev_remove(FAMILY, 1);
	struct nlmsghdr *oh = nlmsg_hdr(orig);
	int flags = (capped ? NLM_F_CAPPED : 0) | (tlvs ? NLM_F_ACK_TLVS : 0);
	struct nl_msg *msg = nlmsg_alloc_simple(NLMSG_ERROR, flags);
	struct nlmsgerr e = { .error = error };

	assert_non_null(msg);
	e.msg = *oh;
	assert_int_equal(nlmsg_append(msg, &e, sizeof(e), 0), 0);
	if (!capped)	/* the original payload follows the header copy */
		assert_int_equal(nlmsg_append(msg, nlmsg_data(oh),
					      oh->nlmsg_len - NLMSG_HDRLEN, NLMSG_ALIGNTO), 0);
	if (text)
		assert_int_equal(nla_put_string(msg, NLMSGERR_ATTR_MSG, text), 0);
	assert_int_equal(nla_put_u32(msg, NLMSGERR_ATTR_OFFS, 20), 0);
	nlmsg_free(orig);
	return msg;
}

static void test_extack(void **state)
{
	struct nl_msg *msg;
	char text[128];

	msg = ack_msg(-EINVAL, true, true, "queue depth out of range");
	assert_true(silk_extack_msg(nlmsg_hdr(msg), text, sizeof(text)));
	assert_string_equal(text, "queue depth out of range");
	nlmsg_free(msg);

	msg = ack_msg(-EINVAL, false, true, "missing volume");
	assert_true(silk_extack_msg(nlmsg_hdr(msg), text, sizeof(text)));
	assert_string_equal(text, "missing volume");
	nlmsg_free(msg);

	/* Truncated into a small buffer, still NUL-terminated. */
	msg = ack_msg(-EINVAL, true, true, "a rather long kernel message");
	assert_true(silk_extack_msg(nlmsg_hdr(msg), text, 8));
	assert_string_equal(text, "a rathe");
	nlmsg_free(msg);

	/* No TLV flag, or TLVs without a message: nothing. */
	msg = ack_msg(-EINVAL, true, false, "ignored");
	assert_false(silk_extack_msg(nlmsg_hdr(msg), text, sizeof(text)));
	assert_string_equal(text, "");
	nlmsg_free(msg);
	msg = ack_msg(-EINVAL, true, true, NULL);
	assert_false(silk_extack_msg(nlmsg_hdr(msg), text, sizeof(text)));
	nlmsg_free(msg);

	/* Lies about lengths never read out of bounds. */
	msg = ack_msg(-EINVAL, false, true, "x");
	((struct nlmsgerr *)nlmsg_data(nlmsg_hdr(msg)))->msg.nlmsg_len = 0xffff;
	assert_false(silk_extack_msg(nlmsg_hdr(msg), text, sizeof(text)));
	((struct nlmsgerr *)nlmsg_data(nlmsg_hdr(msg)))->msg.nlmsg_len = 3;
	assert_false(silk_extack_msg(nlmsg_hdr(msg), text, sizeof(text)));
	nlmsg_free(msg);
	msg = ack_msg(-EINVAL, true, true, "x");
	nlmsg_hdr(msg)->nlmsg_len = NLMSG_HDRLEN + 4;
	assert_false(silk_extack_msg(nlmsg_hdr(msg), text, sizeof(text)));
	nlmsg_free(msg);
	assert_false(silk_extack_msg(NULL, text, sizeof(text)));
}

static void test_strerror(void **state)
{
	struct silk_nl nl = { 0 };
	char buf[300];

	silk_nl_strerror(&nl, -EPERM, buf, sizeof(buf));
	assert_string_equal(buf, "permission denied (need CAP_NET_ADMIN / root)");
	strcpy(nl.extack, "volume name too long");
	silk_nl_strerror(&nl, -EINVAL, buf, sizeof(buf));
	assert_string_equal(buf, "volume name too long (Invalid argument)");
	silk_nl_strerror(&nl, -EPERM, buf, sizeof(buf));
	assert_non_null(strstr(buf, "permission denied"));
	nl.extack[0] = '\0';
	strcpy(nl.detail, "no answer from the kernel within 5000 ms");
	silk_nl_strerror(&nl, -ETIMEDOUT, buf, sizeof(buf));
	assert_string_equal(buf, "no answer from the kernel within 5000 ms");
	nl.detail[0] = '\0';
	silk_nl_strerror(&nl, -ECONNREFUSED, buf, sizeof(buf));
	assert_string_equal(buf, "Connection refused");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dev_add_full),
		cmocka_unit_test(test_dev_add_minimal),
		cmocka_unit_test(test_remove_and_get),
		cmocka_unit_test(test_parse_dev),
		cmocka_unit_test(test_parse_dev_malformed),
		cmocka_unit_test(test_parse_event),
		cmocka_unit_test(test_extack),
		cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests_name("silkctl_nlmsg", tests, NULL, NULL);
}
