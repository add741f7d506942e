// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: mapping (op, flags, pos, len) to Silk messages.
 */
#include <kunit/test.h>
#include "silk_map.h"

static const struct silk_map_geo silk_geo_4k = {
	.block_size = 4096,
	.capacity = 1ull << 30,
	.max_data = SILK_MAX_DATA,
};

static const struct silk_map_geo silk_geo_512 = {
	.block_size = 512,
	.capacity = 1ull << 20,
	.max_data = 64 * 1024,
};

static void silk_map_read_write(struct kunit *test)
{
	struct silk_msg_desc d;

	KUNIT_ASSERT_EQ(test, silk_map_request(REQ_OP_READ, 0, 8192, 16384,
					       &silk_geo_4k, &d), 0);
	KUNIT_EXPECT_EQ(test, d.opcode, SILK_OP_READ);
	KUNIT_EXPECT_EQ(test, d.flags, 0);
	KUNIT_EXPECT_EQ(test, d.offset, 8192ull);
	KUNIT_EXPECT_EQ(test, d.length, 16384u);
	KUNIT_EXPECT_EQ(test, d.tx_len, 0u);
	KUNIT_EXPECT_EQ(test, d.rx_len, 16384u);

	KUNIT_ASSERT_EQ(test, silk_map_request(REQ_OP_WRITE, 0, 0, 4096,
					       &silk_geo_4k, &d), 0);
	KUNIT_EXPECT_EQ(test, d.opcode, SILK_OP_WRITE);
	KUNIT_EXPECT_EQ(test, d.flags, 0);
	KUNIT_EXPECT_EQ(test, d.tx_len, 4096u);
	KUNIT_EXPECT_EQ(test, d.rx_len, 0u);

	/* FUA travels; PREFLUSH is split off by blk-mq and ignored here. */
	KUNIT_ASSERT_EQ(test, silk_map_request(REQ_OP_WRITE, REQ_FUA | REQ_SYNC,
					       4096, 4096, &silk_geo_4k, &d), 0);
	KUNIT_EXPECT_EQ(test, d.flags, SILK_F_FUA);
	/* FUA means nothing on a read. */
	KUNIT_ASSERT_EQ(test, silk_map_request(REQ_OP_READ, REQ_FUA, 0, 4096,
					       &silk_geo_4k, &d), 0);
	KUNIT_EXPECT_EQ(test, d.flags, 0);
}

static void silk_map_flush(struct kunit *test)
{
	struct silk_msg_desc d;

	/* Position and length of a flush are meaningless and ignored. */
	KUNIT_ASSERT_EQ(test, silk_map_request(REQ_OP_FLUSH, REQ_PREFLUSH,
					       123, 7, &silk_geo_4k, &d), 0);
	KUNIT_EXPECT_EQ(test, d.opcode, SILK_OP_FLUSH);
	KUNIT_EXPECT_EQ(test, d.offset, 0ull);
	KUNIT_EXPECT_EQ(test, d.length, 0u);
	KUNIT_EXPECT_EQ(test, d.tx_len, 0u);
	KUNIT_EXPECT_EQ(test, d.rx_len, 0u);
}

static void silk_map_discard_zeroes(struct kunit *test)
{
	struct silk_msg_desc d;

	/* No payload either way, and larger than max_data is fine. */
	KUNIT_ASSERT_EQ(test, silk_map_request(REQ_OP_DISCARD, 0, 0,
					       64u << 20, &silk_geo_4k, &d), 0);
	KUNIT_EXPECT_EQ(test, d.opcode, SILK_OP_DISCARD);
	KUNIT_EXPECT_EQ(test, d.length, 64u << 20);
	KUNIT_EXPECT_EQ(test, d.tx_len, 0u);
	KUNIT_EXPECT_EQ(test, d.rx_len, 0u);

	KUNIT_ASSERT_EQ(test, silk_map_request(REQ_OP_WRITE_ZEROES, REQ_FUA,
					       4096, 8192, &silk_geo_4k, &d), 0);
	KUNIT_EXPECT_EQ(test, d.opcode, SILK_OP_WRITE_ZEROES);
	KUNIT_EXPECT_EQ(test, d.flags, SILK_F_FUA);
	KUNIT_EXPECT_EQ(test, d.tx_len, 0u);
}

static void silk_map_unsupported(struct kunit *test)
{
	struct silk_msg_desc d;

	KUNIT_EXPECT_EQ(test, silk_map_request(REQ_OP_SECURE_ERASE, 0, 0, 4096,
					       &silk_geo_4k, &d), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, silk_map_request(REQ_OP_ZONE_RESET, 0, 0, 4096,
					       &silk_geo_4k, &d), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, silk_map_request(REQ_OP_DRV_IN, 0, 0, 4096,
					       &silk_geo_4k, &d), -EOPNOTSUPP);
}

static void silk_map_alignment(struct kunit *test)
{
	struct silk_msg_desc d;

	KUNIT_EXPECT_EQ(test, silk_map_request(REQ_OP_READ, 0, 0, 0,
					       &silk_geo_4k, &d), -EINVAL);
	KUNIT_EXPECT_EQ(test, silk_map_request(REQ_OP_WRITE, 0, 512, 4096,
					       &silk_geo_4k, &d), -EINVAL);
	KUNIT_EXPECT_EQ(test, silk_map_request(REQ_OP_WRITE, 0, 4096, 4096 + 512,
					       &silk_geo_4k, &d), -EINVAL);
	KUNIT_EXPECT_EQ(test, silk_map_request(REQ_OP_DISCARD, 0, 0, 0,
					       &silk_geo_4k, &d), -EINVAL);
	/* 512-byte devices accept 512-byte granularity. */
	KUNIT_EXPECT_EQ(test, silk_map_request(REQ_OP_WRITE, 0, 512, 1024,
					       &silk_geo_512, &d), 0);
	KUNIT_EXPECT_EQ(test, silk_map_request(REQ_OP_WRITE, 0, 100, 512,
					       &silk_geo_512, &d), -EINVAL);
}

static void silk_map_range(struct kunit *test)
{
	u64 cap = silk_geo_4k.capacity;
	struct silk_msg_desc d;

	KUNIT_EXPECT_EQ(test, silk_map_request(REQ_OP_READ, 0, cap - 4096, 4096,
					       &silk_geo_4k, &d), 0);
	KUNIT_EXPECT_EQ(test, silk_map_request(REQ_OP_READ, 0, cap, 4096,
					       &silk_geo_4k, &d), -ERANGE);
	KUNIT_EXPECT_EQ(test, silk_map_request(REQ_OP_WRITE, 0, cap - 4096, 8192,
					       &silk_geo_4k, &d), -ERANGE);
	/* Overflow of pos + len must not wrap into range. */
	KUNIT_EXPECT_EQ(test, silk_map_request(REQ_OP_WRITE, 0,
					       U64_MAX - 4095, 8192,
					       &silk_geo_4k, &d), -ERANGE);
	KUNIT_EXPECT_EQ(test, silk_map_request(REQ_OP_DISCARD, 0, 0,
					       0xfffff000u, &silk_geo_4k, &d),
			-ERANGE);
}

static void silk_map_size_limit(struct kunit *test)
{
	struct silk_msg_desc d;

	KUNIT_EXPECT_EQ(test, silk_map_request(REQ_OP_WRITE, 0, 0, SILK_MAX_DATA,
					       &silk_geo_4k, &d), 0);
	KUNIT_EXPECT_EQ(test, d.tx_len, SILK_MAX_DATA);
	KUNIT_EXPECT_EQ(test, silk_map_request(REQ_OP_WRITE, 0, 0,
					       SILK_MAX_DATA + 4096,
					       &silk_geo_4k, &d), -E2BIG);
	KUNIT_EXPECT_EQ(test, silk_map_request(REQ_OP_READ, 0, 0, 128 * 1024,
					       &silk_geo_512, &d), -E2BIG);
	/* The limit is for payloads only. */
	KUNIT_EXPECT_EQ(test, silk_map_request(REQ_OP_WRITE_ZEROES, 0, 0,
					       128 * 1024, &silk_geo_512, &d), 0);
}

static struct kunit_case silk_map_cases[] = {
	KUNIT_CASE(silk_map_read_write),
	KUNIT_CASE(silk_map_flush),
	KUNIT_CASE(silk_map_discard_zeroes),
	KUNIT_CASE(silk_map_unsupported),
	KUNIT_CASE(silk_map_alignment),
	KUNIT_CASE(silk_map_range),
	KUNIT_CASE(silk_map_size_limit),
	{}
};

static struct kunit_suite silk_map_suite = {
	.name = "silk_map",
	.test_cases = silk_map_cases,
};

kunit_test_suite(silk_map_suite);
