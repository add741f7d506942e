// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the silk generic netlink policies and DEV_ADD/DEV_REMOVE attribute
 * validation.  Crafted attribute streams go through nla_parse() with
 * strict validation, exactly as genetlink parses them, then through the
 * silk_nl_parse_*() helpers.  Every rejection must leave an extack message.
 */
#include <kunit/test.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/string.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include "silk_nlpolicy.h"

struct silk_attrbuf {
	u8	buf[1024];
	int	len;
};

static void silk_put(struct silk_attrbuf *b, u16 type, const void *data,
		     u16 len)
{
	struct nlattr *nla = (struct nlattr *)(b->buf + b->len);

	nla->nla_type = type;
	nla->nla_len = NLA_HDRLEN + len;
	memcpy(nla_data(nla), data, len);
	memset((u8 *)nla_data(nla) + len, 0, NLA_ALIGN(len) - len);
	b->len += NLA_ALIGN(nla->nla_len);
}

static void silk_put_u8(struct silk_attrbuf *b, u16 type, u8 v)
{
	silk_put(b, type, &v, sizeof(v));
}

static void silk_put_u16(struct silk_attrbuf *b, u16 type, u16 v)
{
	silk_put(b, type, &v, sizeof(v));
}

static void silk_put_u32(struct silk_attrbuf *b, u16 type, u32 v)
{
	silk_put(b, type, &v, sizeof(v));
}

static void silk_put_u64(struct silk_attrbuf *b, u16 type, u64 v)
{
	silk_put(b, type, &v, sizeof(v));
}

static void silk_put_str(struct silk_attrbuf *b, u16 type, const char *s)
{
	silk_put(b, type, s, strlen(s) + 1);
}

static const struct silk_dev_defaults silk_test_defaults = {
	.nr_queues = 4,
	.queue_depth = 128,
	.io_timeout_ms = 30000,
	.loss_timeout_ms = 30000,
};

static void silk_base(struct silk_attrbuf *b)
{
	b->len = 0;
	silk_put_str(b, SILK_A_VOLUME, "db0");
	silk_put_str(b, SILK_A_ADDR, "127.0.0.1");
}

/* Parse against the DEV_ADD policy, then convert. */
static int silk_try_add(struct kunit *test, struct silk_attrbuf *b,
			struct silk_dev_config *cfg, bool *policy_ok)
{
	struct nlattr *tb[SILK_A_MAX + 1];
	struct netlink_ext_ack extack = {};
	int ret;

	ret = nla_parse(tb, SILK_A_MAX, (struct nlattr *)b->buf, b->len,
			silk_nl_add_policy, &extack);
	*policy_ok = !ret;
	if (!ret)
		ret = silk_nl_parse_add(&init_net, tb, &silk_test_defaults,
					cfg, &extack);
	if (ret)
		KUNIT_EXPECT_NOT_NULL_MSG(test, extack._msg,
					  "rejection %d without an extack message",
					  ret);
	return ret;
}

/* Expect rejection by the policy itself. */
static void silk_expect_policy_reject(struct kunit *test,
				      struct silk_attrbuf *b, const char *what)
{
	struct silk_dev_config cfg;
	bool policy_ok;

	KUNIT_EXPECT_NE_MSG(test, silk_try_add(test, b, &cfg, &policy_ok), 0,
			    "%s accepted", what);
	KUNIT_EXPECT_FALSE_MSG(test, policy_ok, "%s passed the policy", what);
}

static void silk_nl_add_minimal(struct kunit *test)
{
	struct silk_dev_config cfg;
	struct silk_attrbuf b;
	struct sockaddr_in *sin = (struct sockaddr_in *)&cfg.sa;
	bool policy_ok;

	silk_base(&b);
	KUNIT_ASSERT_EQ(test, silk_try_add(test, &b, &cfg, &policy_ok), 0);
	KUNIT_EXPECT_STREQ(test, cfg.volume, "db0");
	KUNIT_EXPECT_STREQ(test, cfg.addr, "127.0.0.1");
	KUNIT_EXPECT_EQ(test, cfg.port, SILK_DEFAULT_PORT);
	KUNIT_EXPECT_EQ(test, cfg.sa.ss_family, AF_INET);
	KUNIT_EXPECT_EQ(test, ntohs(sin->sin_port), SILK_DEFAULT_PORT);
	KUNIT_EXPECT_EQ(test, ntohl(sin->sin_addr.s_addr), 0x7f000001u);
	KUNIT_EXPECT_EQ(test, cfg.transport, SILK_TRANSPORT_TCP);
	KUNIT_EXPECT_EQ(test, cfg.nr_queues, 4u);
	KUNIT_EXPECT_EQ(test, cfg.queue_depth, 128u);
	KUNIT_EXPECT_EQ(test, cfg.block_size, 0u);
	KUNIT_EXPECT_EQ(test, cfg.io_timeout_ms, 30000u);
	KUNIT_EXPECT_EQ(test, cfg.loss_timeout_ms, 30000u);
	KUNIT_EXPECT_FALSE(test, cfg.digest);
	KUNIT_EXPECT_EQ(test, cfg.epoch, 0ull);
}

static void silk_nl_add_full(struct kunit *test)
{
	struct sockaddr_in6 *sin6;
	struct silk_dev_config cfg;
	struct silk_attrbuf b;
	bool policy_ok;

	b.len = 0;
	silk_put_str(&b, SILK_A_VOLUME, "Prod_db-1.clone");
	silk_put_str(&b, SILK_A_ADDR, "::1");
	silk_put_u16(&b, SILK_A_PORT, 7999);
	silk_put_u8(&b, SILK_A_TRANSPORT, SILK_TRANSPORT_TCP);
	silk_put_u32(&b, SILK_A_NR_QUEUES, 2);
	silk_put_u32(&b, SILK_A_QUEUE_DEPTH, 1024);
	silk_put_u32(&b, SILK_A_BLOCK_SIZE, 512);
	silk_put_u32(&b, SILK_A_IO_TIMEOUT, 1000);
	silk_put_u32(&b, SILK_A_LOSS_TIMEOUT, 0);
	silk_put(&b, SILK_A_DIGEST, NULL, 0);
	silk_put_u64(&b, SILK_A_EPOCH, 1ull << 40);
	KUNIT_ASSERT_EQ(test, silk_try_add(test, &b, &cfg, &policy_ok), 0);
	sin6 = (struct sockaddr_in6 *)&cfg.sa;
	KUNIT_EXPECT_EQ(test, cfg.sa.ss_family, AF_INET6);
	KUNIT_EXPECT_EQ(test, ntohs(sin6->sin6_port), 7999);
	KUNIT_EXPECT_TRUE(test, ipv6_addr_loopback(&sin6->sin6_addr));
	KUNIT_EXPECT_EQ(test, cfg.port, 7999);
	KUNIT_EXPECT_EQ(test, cfg.nr_queues, 2u);
	KUNIT_EXPECT_EQ(test, cfg.queue_depth, 1024u);
	KUNIT_EXPECT_EQ(test, cfg.block_size, 512u);
	KUNIT_EXPECT_EQ(test, cfg.io_timeout_ms, 1000u);
	KUNIT_EXPECT_EQ(test, cfg.loss_timeout_ms, 0u);
	KUNIT_EXPECT_TRUE(test, cfg.digest);
	KUNIT_EXPECT_EQ(test, cfg.epoch, 1ull << 40);
}

static void silk_nl_add_missing(struct kunit *test)
{
	struct nlattr *tb[SILK_A_MAX + 1];
	struct netlink_ext_ack extack = {};
	struct silk_dev_config cfg;
	struct silk_attrbuf b;

	b.len = 0;
	silk_put_str(&b, SILK_A_ADDR, "127.0.0.1");
	KUNIT_ASSERT_EQ(test, nla_parse(tb, SILK_A_MAX, (struct nlattr *)b.buf,
					b.len, silk_nl_add_policy, &extack), 0);
	KUNIT_EXPECT_EQ(test, silk_nl_parse_add(&init_net, tb,
						&silk_test_defaults, &cfg,
						&extack), -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, extack._msg);
	KUNIT_EXPECT_EQ(test, extack.miss_type, (u32)SILK_A_VOLUME);

	memset(&extack, 0, sizeof(extack));
	b.len = 0;
	silk_put_str(&b, SILK_A_VOLUME, "db0");
	KUNIT_ASSERT_EQ(test, nla_parse(tb, SILK_A_MAX, (struct nlattr *)b.buf,
					b.len, silk_nl_add_policy, &extack), 0);
	KUNIT_EXPECT_EQ(test, silk_nl_parse_add(&init_net, tb,
						&silk_test_defaults, &cfg,
						&extack), -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, extack._msg);
	KUNIT_EXPECT_EQ(test, extack.miss_type, (u32)SILK_A_ADDR);
}

static void silk_nl_add_volume_names(struct kunit *test)
{
	static const char longest[] =
		"012345678901234567890123456789012345678901234567890123456789012";
	static const char * const bad[] = {
		"", ".hidden", "-opt", "a/b", "a b", "vol\n", "ü",
		"0123456789012345678901234567890123456789012345678901234567890123",
	};
	struct silk_attrbuf b;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		b.len = 0;
		silk_put_str(&b, SILK_A_VOLUME, bad[i]);
		silk_put_str(&b, SILK_A_ADDR, "127.0.0.1");
		silk_expect_policy_reject(test, &b, bad[i]);
	}
	/* 63 characters is the longest name. */
	KUNIT_EXPECT_TRUE(test, silk_volume_name_valid(longest));
	KUNIT_EXPECT_TRUE(test, silk_volume_name_valid("a.b_c-d"));

	/* A string without its NUL terminator. */
	b.len = 0;
	silk_put(&b, SILK_A_VOLUME, "db0", 3);
	silk_put_str(&b, SILK_A_ADDR, "127.0.0.1");
	silk_expect_policy_reject(test, &b, "unterminated volume");
}

static void silk_nl_add_addresses(struct kunit *test)
{
	static const char * const bad[] = {
		"", "localhost", "1.2.3", "1.2.3.4.5", "256.1.1.1", "::g",
		"127.0.0.1:7400", "[::1]", "10.0.0.1 ", "fe80::1%", "::1 ",
	};
	struct silk_dev_config cfg;
	struct silk_attrbuf b;
	bool policy_ok;
	unsigned int i;
	char longaddr[80];

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		b.len = 0;
		silk_put_str(&b, SILK_A_VOLUME, "db0");
		silk_put_str(&b, SILK_A_ADDR, bad[i]);
		KUNIT_EXPECT_EQ_MSG(test, silk_try_add(test, &b, &cfg, &policy_ok),
				    -EINVAL, "address '%s'", bad[i]);
	}
	memset(longaddr, '1', sizeof(longaddr) - 1);
	longaddr[sizeof(longaddr) - 1] = 0;
	b.len = 0;
	silk_put_str(&b, SILK_A_VOLUME, "db0");
	silk_put_str(&b, SILK_A_ADDR, longaddr);
	silk_expect_policy_reject(test, &b, "79-character address");

	b.len = 0;
	silk_put_str(&b, SILK_A_VOLUME, "db0");
	silk_put_str(&b, SILK_A_ADDR, "2001:db8::7");
	KUNIT_EXPECT_EQ(test, silk_try_add(test, &b, &cfg, &policy_ok), 0);
	KUNIT_EXPECT_EQ(test, cfg.sa.ss_family, AF_INET6);
}

static void silk_nl_add_ranges(struct kunit *test)
{
	struct silk_dev_config cfg;
	struct silk_attrbuf b;
	bool policy_ok;

#define SILK_REJECT_U32(attr, val) do {					\
	silk_base(&b);							\
	silk_put_u32(&b, attr, val);					\
	silk_expect_policy_reject(test, &b, #attr "=" #val);		\
} while (0)
#define SILK_ACCEPT_U32(attr, val) do {					\
	silk_base(&b);							\
	silk_put_u32(&b, attr, val);					\
	KUNIT_EXPECT_EQ_MSG(test, silk_try_add(test, &b, &cfg, &policy_ok), \
			    0, #attr "=" #val);				\
} while (0)

	SILK_REJECT_U32(SILK_A_QUEUE_DEPTH, 0);
	SILK_REJECT_U32(SILK_A_QUEUE_DEPTH, 1025);
	SILK_ACCEPT_U32(SILK_A_QUEUE_DEPTH, 1);
	SILK_REJECT_U32(SILK_A_NR_QUEUES, 0);
	SILK_REJECT_U32(SILK_A_NR_QUEUES, SILK_MAX_HW_QUEUES + 1);
	SILK_ACCEPT_U32(SILK_A_NR_QUEUES, SILK_MAX_HW_QUEUES);
#define SILK_PARSE_REJECT_U32(attr, val) do {				\
	silk_base(&b);							\
	silk_put_u32(&b, attr, val);					\
	KUNIT_EXPECT_EQ_MSG(test, silk_try_add(test, &b, &cfg, &policy_ok), \
			    -EINVAL, #attr "=" #val);			\
	KUNIT_EXPECT_TRUE(test, policy_ok);				\
} while (0)
	SILK_PARSE_REJECT_U32(SILK_A_BLOCK_SIZE, 0);
	SILK_PARSE_REJECT_U32(SILK_A_BLOCK_SIZE, 1024);
	SILK_PARSE_REJECT_U32(SILK_A_BLOCK_SIZE, 8192);
	SILK_ACCEPT_U32(SILK_A_BLOCK_SIZE, 4096);
	SILK_ACCEPT_U32(SILK_A_BLOCK_SIZE, 512);
	/* Wrong length: a u8 where a u32 belongs. */
	silk_base(&b);
	silk_put_u8(&b, SILK_A_BLOCK_SIZE, 1);
	silk_expect_policy_reject(test, &b, "u8 block size");
	SILK_REJECT_U32(SILK_A_IO_TIMEOUT, 999);
	SILK_REJECT_U32(SILK_A_IO_TIMEOUT, 3600001);
	SILK_ACCEPT_U32(SILK_A_IO_TIMEOUT, 3600000);
	SILK_REJECT_U32(SILK_A_LOSS_TIMEOUT, 86400001);
	SILK_ACCEPT_U32(SILK_A_LOSS_TIMEOUT, 86400000);

	silk_base(&b);
	silk_put_u16(&b, SILK_A_PORT, 0);
	silk_expect_policy_reject(test, &b, "port 0");
	silk_base(&b);
	silk_put_u8(&b, SILK_A_TRANSPORT, 0);
	silk_expect_policy_reject(test, &b, "transport 0");
	silk_base(&b);
	silk_put_u8(&b, SILK_A_TRANSPORT, 3);
	silk_expect_policy_reject(test, &b, "transport 3");

	/* Both transports pass; silk_dev_add() finds the module later. */
	silk_base(&b);
	silk_put_u8(&b, SILK_A_TRANSPORT, SILK_TRANSPORT_RDMA);
	KUNIT_EXPECT_EQ(test, silk_try_add(test, &b, &cfg, &policy_ok), 0);
	KUNIT_EXPECT_TRUE(test, policy_ok);
	KUNIT_EXPECT_EQ(test, cfg.transport, SILK_TRANSPORT_RDMA);
	silk_base(&b);
	silk_put_u8(&b, SILK_A_TRANSPORT, SILK_TRANSPORT_TCP);
	KUNIT_EXPECT_EQ(test, silk_try_add(test, &b, &cfg, &policy_ok), 0);
	KUNIT_EXPECT_EQ(test, cfg.transport, SILK_TRANSPORT_TCP);

	/* RDMA has no digests (the link's CRC covers it): refused. */
	silk_base(&b);
	silk_put_u8(&b, SILK_A_TRANSPORT, SILK_TRANSPORT_RDMA);
	silk_put(&b, SILK_A_DIGEST, NULL, 0);
	KUNIT_EXPECT_EQ(test, silk_try_add(test, &b, &cfg, &policy_ok),
			-EINVAL);
	KUNIT_EXPECT_TRUE(test, policy_ok);
#undef SILK_REJECT_U32
#undef SILK_ACCEPT_U32
#undef SILK_PARSE_REJECT_U32
}

static void silk_nl_add_wrong_types(struct kunit *test)
{
	struct silk_attrbuf b;
	u8 junk[3] = { 1, 2, 3 };

	silk_base(&b);
	silk_put_u16(&b, SILK_A_QUEUE_DEPTH, 64);
	silk_expect_policy_reject(test, &b, "u16 queue depth");
	silk_base(&b);
	silk_put_u64(&b, SILK_A_PORT, 7400);
	silk_expect_policy_reject(test, &b, "u64 port");
	silk_base(&b);
	silk_put_u32(&b, SILK_A_EPOCH, 1);
	silk_expect_policy_reject(test, &b, "u32 epoch");
	silk_base(&b);
	silk_put(&b, SILK_A_DIGEST, junk, sizeof(junk));
	silk_expect_policy_reject(test, &b, "flag with payload");
	b.len = 0;
	silk_put_u32(&b, SILK_A_VOLUME, 0x30306264);
	silk_put_str(&b, SILK_A_ADDR, "127.0.0.1");
	silk_expect_policy_reject(test, &b, "u32 volume");
}

static void silk_nl_add_foreign_attrs(struct kunit *test)
{
	struct silk_attrbuf b;
	struct nlattr *nla;

	/* Reply-only attributes have no business in a request. */
	silk_base(&b);
	silk_put_u8(&b, SILK_A_STATE, SILK_STATE_LIVE);
	silk_expect_policy_reject(test, &b, "SILK_A_STATE");
	silk_base(&b);
	silk_put_u32(&b, SILK_A_INDEX, 0);
	silk_expect_policy_reject(test, &b, "SILK_A_INDEX in DEV_ADD");
	silk_base(&b);
	silk_put_str(&b, SILK_A_TRANSPORT_DEV, "rxe0");
	silk_expect_policy_reject(test, &b, "SILK_A_TRANSPORT_DEV in DEV_ADD");
	silk_base(&b);
	silk_put_u32(&b, SILK_A_MAX + 1, 0);
	silk_expect_policy_reject(test, &b, "attribute above SILK_A_MAX");
	silk_base(&b);
	silk_put_u32(&b, 0, 0);
	silk_expect_policy_reject(test, &b, "SILK_A_UNSPEC");

	/* An attribute claiming more bytes than the message has. */
	silk_base(&b);
	nla = (struct nlattr *)(b.buf + b.len);
	silk_put_u32(&b, SILK_A_QUEUE_DEPTH, 64);
	nla->nla_len = 200;
	silk_expect_policy_reject(test, &b, "truncated attribute");
}

static void silk_nl_index(struct kunit *test)
{
	struct nlattr *tb[SILK_A_MAX + 1];
	struct netlink_ext_ack extack = {};
	struct silk_attrbuf b;
	u32 index = 0;

	b.len = 0;
	silk_put_u32(&b, SILK_A_INDEX, 3);
	KUNIT_ASSERT_EQ(test, nla_parse(tb, SILK_A_MAX, (struct nlattr *)b.buf,
					b.len, silk_nl_index_policy, &extack), 0);
	KUNIT_EXPECT_EQ(test, silk_nl_parse_index(tb, &index, &extack), 0);
	KUNIT_EXPECT_EQ(test, index, 3u);

	b.len = 0;
	KUNIT_ASSERT_EQ(test, nla_parse(tb, SILK_A_MAX, (struct nlattr *)b.buf,
					b.len, silk_nl_index_policy, &extack), 0);
	KUNIT_EXPECT_EQ(test, silk_nl_parse_index(tb, &index, &extack), -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, extack._msg);

	memset(&extack, 0, sizeof(extack));
	b.len = 0;
	silk_put_u32(&b, SILK_A_INDEX, 3);
	silk_put_str(&b, SILK_A_VOLUME, "db0");
	KUNIT_EXPECT_NE(test, nla_parse(tb, SILK_A_MAX, (struct nlattr *)b.buf,
					b.len, silk_nl_index_policy, &extack), 0);
	KUNIT_EXPECT_NOT_NULL(test, extack._msg);

	memset(&extack, 0, sizeof(extack));
	b.len = 0;
	silk_put_u16(&b, SILK_A_INDEX, 3);
	KUNIT_EXPECT_NE(test, nla_parse(tb, SILK_A_MAX, (struct nlattr *)b.buf,
					b.len, silk_nl_index_policy, &extack), 0);
	KUNIT_EXPECT_NOT_NULL(test, extack._msg);
}

static struct kunit_case silk_nl_cases[] = {
	KUNIT_CASE(silk_nl_add_minimal),
	KUNIT_CASE(silk_nl_add_full),
	KUNIT_CASE(silk_nl_add_missing),
	KUNIT_CASE(silk_nl_add_volume_names),
	KUNIT_CASE(silk_nl_add_addresses),
	KUNIT_CASE(silk_nl_add_ranges),
	KUNIT_CASE(silk_nl_add_wrong_types),
	KUNIT_CASE(silk_nl_add_foreign_attrs),
	KUNIT_CASE(silk_nl_index),
	{}
};

static struct kunit_suite silk_nl_suite = {
	.name = "silk_netlink",
	.test_cases = silk_nl_cases,
};

kunit_test_suite(silk_nl_suite);
