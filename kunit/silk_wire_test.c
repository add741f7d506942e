// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: Silk wire messages - request headers, reply validation, HELLO.
 */
#include <kunit/test.h>
#include <linux/string.h>
#include "silk_wire.h"

static void silk_fill_reply(struct silk_hdr *h, u8 opcode, u16 status,
			    u32 tag, u32 data_len)
{
	memset(h, 0, sizeof(*h));
	h->magic = cpu_to_le32(SILK_MAGIC);
	h->opcode = opcode | SILK_OP_REPLY;
	h->status = cpu_to_le16(status);
	h->tag = cpu_to_le32(tag);
	h->data_len = cpu_to_le32(data_len);
}

static void silk_wire_hdr_layout(struct kunit *test)
{
	struct silk_msg_desc d = {
		.opcode = SILK_OP_WRITE, .flags = SILK_F_FUA,
		.offset = 0x1122334455667788ull, .length = 8192, .tx_len = 8192,
	};
	struct silk_hdr h;
	const u8 *b = (const u8 *)&h;

	KUNIT_EXPECT_EQ(test, sizeof(h), (size_t)SILK_HDR_SIZE);
	silk_hdr_build(&h, &d, 0xabcd0012, 7, 0x0102030405060708ull);
	/* "SILK" in memory, little-endian fields at fixed offsets. */
	KUNIT_EXPECT_EQ(test, b[0], 'S');
	KUNIT_EXPECT_EQ(test, b[1], 'I');
	KUNIT_EXPECT_EQ(test, b[2], 'L');
	KUNIT_EXPECT_EQ(test, b[3], 'K');
	KUNIT_EXPECT_EQ(test, b[4], SILK_OP_WRITE);
	KUNIT_EXPECT_EQ(test, b[5], SILK_F_FUA);
	KUNIT_EXPECT_EQ(test, b[6] | b[7], 0);		/* status */
	KUNIT_EXPECT_EQ(test, b[8], 0x12);		/* tag LSB */
	KUNIT_EXPECT_EQ(test, b[11], 0xab);		/* tag MSB */
	KUNIT_EXPECT_EQ(test, le32_to_cpu(h.data_len), 8192u);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(h.vol_id), 7u);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(h.length), 8192u);
	KUNIT_EXPECT_EQ(test, b[24], 0x88);		/* offset LSB */
	KUNIT_EXPECT_EQ(test, b[31], 0x11);		/* offset MSB */
	KUNIT_EXPECT_EQ(test, b[32], 0x08);		/* epoch LSB */
	KUNIT_EXPECT_EQ(test, le32_to_cpu(h.data_digest), 0u);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(h.hdr_digest), 0u);
}

static void silk_wire_keepalive(struct kunit *test)
{
	struct silk_hdr h;

	silk_hdr_build_keepalive(&h, 3, 9);
	KUNIT_EXPECT_EQ(test, h.opcode, SILK_OP_KEEPALIVE);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(h.tag), SILK_TAG_KEEPALIVE);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(h.data_len), 0u);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(h.vol_id), 3u);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(h.epoch), 9ull);
}

static void silk_wire_tags(struct kunit *test)
{
	u32 t = silk_tag_make(1023, 0xbeef);

	KUNIT_EXPECT_EQ(test, silk_tag_idx(t), 1023);
	KUNIT_EXPECT_EQ(test, silk_tag_gen(t), 0xbeef);
	/* Reserved tags never look like a valid blk-mq tag (< 1024). */
	KUNIT_EXPECT_GE(test, silk_tag_idx(SILK_TAG_KEEPALIVE), 1024);
	KUNIT_EXPECT_GE(test, silk_tag_idx(SILK_TAG_HELLO), 1024);
}

static void silk_wire_reply_ok(struct kunit *test)
{
	struct silk_reply r;
	struct silk_hdr h;
	const char *why;

	silk_fill_reply(&h, SILK_OP_READ, SILK_S_OK, 0x10005, 4096);
	h.flags = SILK_F_DDGST;
	h.data_digest = cpu_to_le32(0xdeadbeef);
	KUNIT_ASSERT_EQ(test, silk_reply_parse(&h, SILK_MAX_DATA, &r, &why), 0);
	KUNIT_EXPECT_NULL(test, why);
	KUNIT_EXPECT_EQ(test, r.opcode, SILK_OP_READ);
	KUNIT_EXPECT_EQ(test, r.tag, 0x10005u);
	KUNIT_EXPECT_EQ(test, r.data_len, 4096u);
	KUNIT_EXPECT_EQ(test, r.data_digest, 0xdeadbeefu);
	KUNIT_EXPECT_EQ(test, silk_reply_check(&r, SILK_OP_READ, 4096, &why), 0);
}

static void silk_wire_reply_bad(struct kunit *test)
{
	struct silk_reply r;
	struct silk_hdr h;
	const char *why;

	silk_fill_reply(&h, SILK_OP_READ, SILK_S_OK, 1, 0);
	h.magic = cpu_to_le32(0x12345678);
	KUNIT_EXPECT_EQ(test, silk_reply_parse(&h, SILK_MAX_DATA, &r, &why), -EPROTO);
	KUNIT_EXPECT_NOT_NULL(test, why);

	silk_fill_reply(&h, SILK_OP_READ, SILK_S_OK, 1, 0);
	h.opcode = SILK_OP_READ;		/* request, not reply */
	KUNIT_EXPECT_EQ(test, silk_reply_parse(&h, SILK_MAX_DATA, &r, &why), -EPROTO);

	silk_fill_reply(&h, 0, SILK_S_OK, 1, 0);
	KUNIT_EXPECT_EQ(test, silk_reply_parse(&h, SILK_MAX_DATA, &r, &why), -EPROTO);
	silk_fill_reply(&h, SILK_OP_MAX + 1, SILK_S_OK, 1, 0);
	KUNIT_EXPECT_EQ(test, silk_reply_parse(&h, SILK_MAX_DATA, &r, &why), -EPROTO);
	silk_fill_reply(&h, 0x7f, SILK_S_OK, 1, 0);
	KUNIT_EXPECT_EQ(test, silk_reply_parse(&h, SILK_MAX_DATA, &r, &why), -EPROTO);

	silk_fill_reply(&h, SILK_OP_WRITE, SILK_S_OK, 1, 0);
	h.flags = 0x80;
	KUNIT_EXPECT_EQ(test, silk_reply_parse(&h, SILK_MAX_DATA, &r, &why), -EPROTO);

	silk_fill_reply(&h, SILK_OP_WRITE, SILK_S_MAX + 1, 1, 0);
	KUNIT_EXPECT_EQ(test, silk_reply_parse(&h, SILK_MAX_DATA, &r, &why), -EPROTO);
	silk_fill_reply(&h, SILK_OP_WRITE, 0xffff, 1, 0);
	KUNIT_EXPECT_EQ(test, silk_reply_parse(&h, SILK_MAX_DATA, &r, &why), -EPROTO);

	/* Oversized payload, exactly the limit, and payload on an error. */
	silk_fill_reply(&h, SILK_OP_READ, SILK_S_OK, 1, SILK_MAX_DATA + 1);
	KUNIT_EXPECT_EQ(test, silk_reply_parse(&h, SILK_MAX_DATA, &r, &why), -EPROTO);
	silk_fill_reply(&h, SILK_OP_READ, SILK_S_OK, 1, 0xffffffff);
	KUNIT_EXPECT_EQ(test, silk_reply_parse(&h, SILK_MAX_DATA, &r, &why), -EPROTO);
	silk_fill_reply(&h, SILK_OP_READ, SILK_S_OK, 1, SILK_MAX_DATA);
	KUNIT_EXPECT_EQ(test, silk_reply_parse(&h, SILK_MAX_DATA, &r, &why), 0);
	silk_fill_reply(&h, SILK_OP_READ, SILK_S_IO, 1, 512);
	KUNIT_EXPECT_EQ(test, silk_reply_parse(&h, SILK_MAX_DATA, &r, &why), -EPROTO);
}

static void silk_wire_reply_match(struct kunit *test)
{
	struct silk_reply r;
	struct silk_hdr h;
	const char *why;

	silk_fill_reply(&h, SILK_OP_WRITE, SILK_S_OK, 1, 0);
	KUNIT_ASSERT_EQ(test, silk_reply_parse(&h, SILK_MAX_DATA, &r, &why), 0);
	KUNIT_EXPECT_EQ(test, silk_reply_check(&r, SILK_OP_WRITE, 0, &why), 0);
	KUNIT_EXPECT_EQ(test, silk_reply_check(&r, SILK_OP_READ, 4096, &why), -EPROTO);
	KUNIT_EXPECT_NOT_NULL(test, why);

	/* READ reply carrying less or more than the request asked for. */
	silk_fill_reply(&h, SILK_OP_READ, SILK_S_OK, 1, 4096);
	KUNIT_ASSERT_EQ(test, silk_reply_parse(&h, SILK_MAX_DATA, &r, &why), 0);
	KUNIT_EXPECT_EQ(test, silk_reply_check(&r, SILK_OP_READ, 8192, &why), -EPROTO);
	KUNIT_EXPECT_EQ(test, silk_reply_check(&r, SILK_OP_READ, 512, &why), -EPROTO);

	/* A failed READ carries no data and matches any length. */
	silk_fill_reply(&h, SILK_OP_READ, SILK_S_IO, 1, 0);
	KUNIT_ASSERT_EQ(test, silk_reply_parse(&h, SILK_MAX_DATA, &r, &why), 0);
	KUNIT_EXPECT_EQ(test, silk_reply_check(&r, SILK_OP_READ, 8192, &why), 0);

	/* Data on a WRITE reply. */
	silk_fill_reply(&h, SILK_OP_WRITE, SILK_S_OK, 1, 4096);
	KUNIT_ASSERT_EQ(test, silk_reply_parse(&h, SILK_MAX_DATA, &r, &why), 0);
	KUNIT_EXPECT_EQ(test, silk_reply_check(&r, SILK_OP_WRITE, 0, &why), -EPROTO);
}

static void silk_wire_status(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, silk_status_to_errno(SILK_S_OK), 0);
	KUNIT_EXPECT_EQ(test, silk_status_to_errno(SILK_S_IO), -EIO);
	KUNIT_EXPECT_EQ(test, silk_status_to_errno(SILK_S_INVAL), -EINVAL);
	KUNIT_EXPECT_EQ(test, silk_status_to_errno(SILK_S_NOSPC), -ENOSPC);
	KUNIT_EXPECT_EQ(test, silk_status_to_errno(SILK_S_STALE), -ESTALE);
	KUNIT_EXPECT_EQ(test, silk_status_to_errno(SILK_S_NOENT), -ENOENT);
	KUNIT_EXPECT_EQ(test, silk_status_to_errno(SILK_S_PROTO), -EPROTO);
	KUNIT_EXPECT_EQ(test, silk_status_to_errno(SILK_S_AGAIN), -EAGAIN);
	KUNIT_EXPECT_EQ(test, silk_status_to_errno(SILK_S_RANGE), -ERANGE);
	KUNIT_EXPECT_EQ(test, silk_status_to_errno(SILK_S_NOTSUPP), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, silk_status_to_errno(1000), -EIO);
}

static void silk_wire_hello_build(struct kunit *test)
{
	struct silk_hello_params hp = {
		.volume = "db0", .features = SILK_FEAT_DDGST, .queue_id = 3,
		.queue_depth = 128, .epoch = 42,
	};
	char longname[SILK_VOLUME_NAME_MAX + 2];
	struct silk_hello_req p;
	struct silk_hdr h;

	KUNIT_EXPECT_EQ(test, sizeof(p), (size_t)SILK_HELLO_REQ_SIZE);
	KUNIT_ASSERT_EQ(test, silk_hello_build(&h, &p, &hp), 0);
	KUNIT_EXPECT_EQ(test, h.opcode, SILK_OP_HELLO);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(h.tag), SILK_TAG_HELLO);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(h.data_len), (u32)SILK_HELLO_REQ_SIZE);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(p.min_version), SILK_PROTO_VERSION_MIN);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(p.max_version), SILK_PROTO_VERSION_MAX);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(p.features), SILK_FEAT_DDGST);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(p.queue_id), 3u);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(p.queue_depth), 128u);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(p.epoch), 42ull);
	KUNIT_EXPECT_STREQ(test, p.volume, "db0");
	KUNIT_EXPECT_EQ(test, p.volume[SILK_VOLUME_NAME_MAX], 0);

	hp.volume = "";
	KUNIT_EXPECT_EQ(test, silk_hello_build(&h, &p, &hp), -EINVAL);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	hp.volume = longname;
	KUNIT_EXPECT_EQ(test, silk_hello_build(&h, &p, &hp), -EINVAL);
	longname[SILK_VOLUME_NAME_MAX] = 0;	/* exactly the maximum */
	KUNIT_EXPECT_EQ(test, silk_hello_build(&h, &p, &hp), 0);
	hp.features = 0x100;
	KUNIT_EXPECT_EQ(test, silk_hello_build(&h, &p, &hp), -EINVAL);
}

static void silk_fill_hello_rep(struct silk_hello_rep *p)
{
	memset(p, 0, sizeof(*p));
	p->version = cpu_to_le16(1);
	p->features = cpu_to_le32(SILK_FEAT_DDGST);
	p->vol_id = cpu_to_le32(9);
	p->block_size = cpu_to_le32(4096);
	p->size = cpu_to_le64(1ull << 30);
	p->max_data = cpu_to_le32(SILK_MAX_DATA);
	p->epoch = cpu_to_le64(5);
}

static void silk_wire_hello_rep(struct kunit *test)
{
	struct silk_hello_info info;
	struct silk_hello_rep p;
	const char *why;

	KUNIT_EXPECT_EQ(test, sizeof(p), (size_t)SILK_HELLO_REP_SIZE);
	silk_fill_hello_rep(&p);
	KUNIT_ASSERT_EQ(test, silk_hello_rep_parse(&p, SILK_FEAT_DDGST, &info, &why), 0);
	KUNIT_EXPECT_EQ(test, info.vol_id, 9u);
	KUNIT_EXPECT_EQ(test, info.block_size, 4096u);
	KUNIT_EXPECT_EQ(test, info.size, 1ull << 30);
	KUNIT_EXPECT_EQ(test, info.max_data, SILK_MAX_DATA);
	KUNIT_EXPECT_EQ(test, info.epoch, 5ull);

	/* Granted a feature that was not asked for. */
	KUNIT_EXPECT_EQ(test, silk_hello_rep_parse(&p, 0, &info, &why), -EPROTO);

	silk_fill_hello_rep(&p);
	p.version = cpu_to_le16(SILK_PROTO_VERSION_MAX + 1);
	KUNIT_EXPECT_EQ(test, silk_hello_rep_parse(&p, SILK_FEAT_ALL, &info, &why), -EPROTO);
	p.version = cpu_to_le16(0);
	KUNIT_EXPECT_EQ(test, silk_hello_rep_parse(&p, SILK_FEAT_ALL, &info, &why), -EPROTO);

	silk_fill_hello_rep(&p);
	p.block_size = cpu_to_le32(1024);
	KUNIT_EXPECT_EQ(test, silk_hello_rep_parse(&p, SILK_FEAT_ALL, &info, &why), -EPROTO);
	p.block_size = cpu_to_le32(0);
	KUNIT_EXPECT_EQ(test, silk_hello_rep_parse(&p, SILK_FEAT_ALL, &info, &why), -EPROTO);

	silk_fill_hello_rep(&p);
	p.size = cpu_to_le64((1ull << 30) + 512);	/* not a multiple of 4096 */
	KUNIT_EXPECT_EQ(test, silk_hello_rep_parse(&p, SILK_FEAT_ALL, &info, &why), -EPROTO);

	silk_fill_hello_rep(&p);
	p.max_data = cpu_to_le32(512);
	KUNIT_EXPECT_EQ(test, silk_hello_rep_parse(&p, SILK_FEAT_ALL, &info, &why), -EPROTO);
	p.max_data = cpu_to_le32(0xffffffff);		/* capped, not trusted */
	KUNIT_ASSERT_EQ(test, silk_hello_rep_parse(&p, SILK_FEAT_ALL, &info, &why), 0);
	KUNIT_EXPECT_EQ(test, info.max_data, SILK_MAX_DATA);
}

static struct kunit_case silk_wire_cases[] = {
	KUNIT_CASE(silk_wire_hdr_layout),
	KUNIT_CASE(silk_wire_keepalive),
	KUNIT_CASE(silk_wire_tags),
	KUNIT_CASE(silk_wire_reply_ok),
	KUNIT_CASE(silk_wire_reply_bad),
	KUNIT_CASE(silk_wire_reply_match),
	KUNIT_CASE(silk_wire_status),
	KUNIT_CASE(silk_wire_hello_build),
	KUNIT_CASE(silk_wire_hello_rep),
	{}
};

static struct kunit_suite silk_wire_suite = {
	.name = "silk_wire",
	.test_cases = silk_wire_cases,
};

kunit_test_suite(silk_wire_suite);

MODULE_LICENSE("GPL");
