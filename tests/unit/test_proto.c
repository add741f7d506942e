// SPDX-License-Identifier: GPL-2.0
/* Wire protocol helpers: encode/decode, validation of every field, digests. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proto.h"

static struct silk_msg req(uint8_t op)
{
	struct silk_msg m = {
		.magic = SILK_MAGIC, .opcode = op, .tag = 42, .vol_id = 1,
	};

	switch (op) {
	case SILK_OP_HELLO:
		m.data_len = SILK_HELLO_REQ_SIZE;
		break;
	case SILK_OP_READ:
	case SILK_OP_DISCARD:
	case SILK_OP_WRITE_ZEROES:
		m.length = 4096;
		m.offset = 8192;
		break;
	case SILK_OP_WRITE:
		m.length = m.data_len = 4096;
		m.offset = 8192;
		break;
	default:
		break;
	}
	return m;
}

/* Encode m and run the request check on the wire bytes. */
static int check(const struct silk_msg *m)
{
	uint8_t raw[SILK_HDR_SIZE];
	struct silk_msg d;

	silk_hdr_encode(m, raw);
	silk_hdr_decode(raw, &d);
	return silk_req_check(&d, raw);
}

static void test_crc32c_vectors(void **state)
{
	uint8_t zeros[32] = { 0 };

	(void)state;
	assert_int_equal(silk_crc32c("123456789", 9), 0xe3069283u);
	assert_int_equal(silk_crc32c("", 0), 0);
	/* RFC 3720 B.4: 32 bytes of zeroes. */
	assert_int_equal(silk_crc32c(zeros, sizeof(zeros)), 0x8a9136aau);
}

static void test_header_layout(void **state)
{
	struct silk_msg m = {
		.magic = SILK_MAGIC, .opcode = SILK_OP_WRITE, .flags = SILK_F_FUA,
		.status = 0x0102, .tag = 0x03040506, .data_len = 0x0708090a,
		.vol_id = 0x0b0c0d0e, .length = 0x0f101112,
		.offset = 0x1314151617181920ull, .epoch = 0x2122232425262728ull,
		.data_digest = 0x292a2b2c, .hdr_digest = 0x2d2e2f30,
	};
	static const uint8_t want[SILK_HDR_SIZE] = {
		0x53, 0x49, 0x4c, 0x4b, 0x03, 0x01, 0x02, 0x01,
		0x06, 0x05, 0x04, 0x03, 0x0a, 0x09, 0x08, 0x07,
		0x0e, 0x0d, 0x0c, 0x0b, 0x12, 0x11, 0x10, 0x0f,
		0x20, 0x19, 0x18, 0x17, 0x16, 0x15, 0x14, 0x13,
		0x28, 0x27, 0x26, 0x25, 0x24, 0x23, 0x22, 0x21,
		0x2c, 0x2b, 0x2a, 0x29, 0x30, 0x2f, 0x2e, 0x2d,
	};
	uint8_t raw[SILK_HDR_SIZE];
	struct silk_msg d;

	(void)state;
	silk_hdr_encode(&m, raw);
	assert_memory_equal(raw, want, sizeof(want));
	assert_memory_equal(raw, "SILK", 4);
	silk_hdr_decode(raw, &d);
	assert_memory_equal(&d, &m, sizeof(m));
}

static void test_header_digest(void **state)
{
	struct silk_msg m = req(SILK_OP_READ), d;
	uint8_t raw[SILK_HDR_SIZE];

	(void)state;
	m.flags = SILK_F_HDGST;
	silk_hdr_encode(&m, raw);
	silk_hdr_decode(raw, &d);
	assert_int_equal(d.hdr_digest, silk_hdr_digest(raw));
	assert_int_equal(silk_req_check(&d, raw), SILK_V_OK);
	/* Any flipped bit outside the digest field is caught. */
	for (int i = 0; i < 44; i++) {
		raw[i] ^= 0x10;
		silk_hdr_decode(raw, &d);
		assert_int_not_equal(silk_req_check(&d, raw), SILK_V_OK);
		raw[i] ^= 0x10;
	}
	raw[46] ^= 1;
	silk_hdr_decode(raw, &d);
	assert_int_equal(silk_req_check(&d, raw), SILK_V_HDGST);
}

static void test_valid_requests(void **state)
{
	(void)state;
	for (uint8_t op = SILK_OP_HELLO; op <= SILK_OP_MAX; op++) {
		struct silk_msg m = req(op);

		assert_int_equal(check(&m), SILK_V_OK);
	}
}

static void test_bad_magic(void **state)
{
	struct silk_msg m = req(SILK_OP_READ);

	(void)state;
	m.magic = 0x4b4c4954;
	assert_int_equal(check(&m), SILK_V_MAGIC);
	m.magic = 0;
	assert_int_equal(check(&m), SILK_V_MAGIC);
}

static void test_bad_opcode(void **state)
{
	struct silk_msg m = req(SILK_OP_READ);

	(void)state;
	m.opcode = 0;
	assert_int_equal(check(&m), SILK_V_OPCODE);
	m.opcode = SILK_OP_MAX + 1;
	assert_int_equal(check(&m), SILK_V_OPCODE);
	m.opcode = 0x7f;
	assert_int_equal(check(&m), SILK_V_OPCODE);
	m.opcode = SILK_OP_READ | SILK_OP_REPLY;
	assert_int_equal(check(&m), SILK_V_REPLY_BIT);
}

static void test_status_in_request(void **state)
{
	struct silk_msg m = req(SILK_OP_FLUSH);

	(void)state;
	m.status = SILK_S_IO;
	assert_int_equal(check(&m), SILK_V_STATUS);
}

static void test_flags(void **state)
{
	struct silk_msg m = req(SILK_OP_WRITE);

	(void)state;
	m.flags = 0x08;
	assert_int_equal(check(&m), SILK_V_FLAGS);
	m.flags = 0x80;
	assert_int_equal(check(&m), SILK_V_FLAGS);
	m.flags = SILK_F_FUA;
	assert_int_equal(check(&m), SILK_V_OK);
	m = req(SILK_OP_WRITE_ZEROES);
	m.flags = SILK_F_FUA;
	assert_int_equal(check(&m), SILK_V_OK);
	m = req(SILK_OP_READ);
	m.flags = SILK_F_FUA;
	assert_int_equal(check(&m), SILK_V_FLAGS);
	m = req(SILK_OP_FLUSH);
	m.flags = SILK_F_FUA;
	assert_int_equal(check(&m), SILK_V_FLAGS);
}

static void test_data_len_rules(void **state)
{
	struct silk_msg m;

	(void)state;
	m = req(SILK_OP_WRITE);
	m.data_len = 512;
	assert_int_equal(check(&m), SILK_V_DATA_LEN);
	m = req(SILK_OP_WRITE);
	m.length = m.data_len = SILK_MAX_DATA + 4096;
	assert_int_equal(check(&m), SILK_V_TOO_BIG);
	m = req(SILK_OP_WRITE);
	m.length = m.data_len = 0;
	assert_int_equal(check(&m), SILK_V_LENGTH);
	m = req(SILK_OP_WRITE);
	m.data_len = 0xffffffffu;
	assert_int_equal(check(&m), SILK_V_TOO_BIG);

	m = req(SILK_OP_READ);
	m.data_len = 4096;
	assert_int_equal(check(&m), SILK_V_DATA_LEN);
	m = req(SILK_OP_READ);
	m.length = SILK_MAX_DATA + 512;
	assert_int_equal(check(&m), SILK_V_TOO_BIG);
	m = req(SILK_OP_READ);
	m.length = 0;
	assert_int_equal(check(&m), SILK_V_LENGTH);
	m = req(SILK_OP_READ);
	m.length = SILK_MAX_DATA;
	assert_int_equal(check(&m), SILK_V_OK);

	m = req(SILK_OP_DISCARD);
	m.data_len = 1;
	assert_int_equal(check(&m), SILK_V_DATA_LEN);
	m = req(SILK_OP_DISCARD);
	m.length = 0;
	assert_int_equal(check(&m), SILK_V_LENGTH);
	m = req(SILK_OP_DISCARD);
	m.length = 64u << 20;	/* discards may exceed SILK_MAX_DATA */
	assert_int_equal(check(&m), SILK_V_OK);
	m = req(SILK_OP_WRITE_ZEROES);
	m.data_len = 4096;
	assert_int_equal(check(&m), SILK_V_DATA_LEN);

	m = req(SILK_OP_FLUSH);
	m.data_len = 8;
	assert_int_equal(check(&m), SILK_V_DATA_LEN);
	m = req(SILK_OP_KEEPALIVE);
	m.data_len = 8;
	assert_int_equal(check(&m), SILK_V_DATA_LEN);
	m = req(SILK_OP_HELLO);
	m.data_len = SILK_HELLO_REQ_SIZE - 1;
	assert_int_equal(check(&m), SILK_V_DATA_LEN);
	m.data_len = SILK_MAX_DATA + 1;
	assert_int_equal(check(&m), SILK_V_TOO_BIG);
}

static void test_reply_check(void **state)
{
	struct silk_msg m = {
		.magic = SILK_MAGIC, .opcode = SILK_OP_READ | SILK_OP_REPLY,
		.length = 4096, .data_len = 4096,
	};
	uint8_t raw[SILK_HDR_SIZE];

	(void)state;
	silk_hdr_encode(&m, raw);
	assert_int_equal(silk_rep_check(&m, raw), SILK_V_OK);
	m.data_len = 0;
	assert_int_equal(silk_rep_check(&m, raw), SILK_V_DATA_LEN);
	m.status = SILK_S_IO;
	assert_int_equal(silk_rep_check(&m, raw), SILK_V_OK);
	m.status = SILK_S_MAX + 1;
	assert_int_equal(silk_rep_check(&m, raw), SILK_V_STATUS);
	m.status = 0;
	m.opcode = SILK_OP_READ;
	assert_int_equal(silk_rep_check(&m, raw), SILK_V_REPLY_BIT);
	m.opcode = SILK_OP_HELLO | SILK_OP_REPLY;
	m.data_len = SILK_HELLO_REP_SIZE;
	assert_int_equal(silk_rep_check(&m, raw), SILK_V_OK);
	m.opcode = SILK_OP_FLUSH | SILK_OP_REPLY;
	assert_int_equal(silk_rep_check(&m, raw), SILK_V_DATA_LEN);
}

static void test_hello_roundtrip(void **state)
{
	struct silk_hello_req_h h = {
		.min_version = 1, .max_version = 3, .features = SILK_FEAT_ALL,
		.queue_id = 5, .queue_depth = 128, .epoch = 9,
	}, d;
	struct silk_hello_rep_h r = {
		.version = 1, .features = SILK_FEAT_DDGST, .vol_id = 7,
		.block_size = 4096, .size = 1ull << 40, .max_data = SILK_MAX_DATA,
		.epoch = 3,
	}, rd;
	uint8_t buf[SILK_HELLO_REQ_SIZE];

	(void)state;
	strcpy(h.volume, "db0");
	silk_hello_req_encode(&h, buf);
	assert_memory_equal(buf + 24, "db0\0", 4);
	assert_int_equal(silk_hello_req_decode(buf, &d), SILK_V_OK);
	assert_string_equal(d.volume, "db0");
	assert_int_equal(d.max_version, 3);
	assert_int_equal(d.queue_depth, 128);
	assert_int_equal(d.epoch, 9);
	silk_hello_rep_encode(&r, buf);
	silk_hello_rep_decode(buf, &rd);
	assert_int_equal(rd.vol_id, 7);
	assert_int_equal(rd.size, 1ull << 40);
	assert_int_equal(rd.epoch, 3);
	assert_int_equal(rd.max_data, SILK_MAX_DATA);
}

static void test_hello_malformed(void **state)
{
	struct silk_hello_req_h h = { .min_version = 1, .max_version = 1 }, d;
	uint8_t buf[SILK_HELLO_REQ_SIZE];

	(void)state;
	strcpy(h.volume, "x");
	silk_hello_req_encode(&h, buf);
	memset(buf + 24, 'a', 64);	/* name without NUL */
	assert_int_equal(silk_hello_req_decode(buf, &d), SILK_V_HELLO_PAYLOAD);
	h.min_version = 2;
	silk_hello_req_encode(&h, buf);
	assert_int_equal(silk_hello_req_decode(buf, &d), SILK_V_HELLO_PAYLOAD);
	h.min_version = 0;
	h.max_version = 0;
	silk_hello_req_encode(&h, buf);
	assert_int_equal(silk_hello_req_decode(buf, &d), SILK_V_HELLO_PAYLOAD);
}

static void test_pick_version(void **state)
{
	(void)state;
	assert_int_equal(silk_pick_version(1, 1), 1);
	assert_int_equal(silk_pick_version(1, 9), SILK_PROTO_VERSION_MAX);
	assert_int_equal(silk_pick_version(SILK_PROTO_VERSION_MAX + 1, 9), 0);
	assert_int_equal(silk_pick_version(3, 2), 0);
}

static void test_status_errno(void **state)
{
	(void)state;
	assert_int_equal(silk_status_to_errno(SILK_S_OK), 0);
	assert_int_equal(silk_status_to_errno(SILK_S_IO), -EIO);
	assert_int_equal(silk_status_to_errno(SILK_S_STALE), -ESTALE);
	assert_int_equal(silk_status_to_errno(SILK_S_RANGE), -ERANGE);
	assert_int_equal(silk_status_to_errno(SILK_S_NOTSUPP), -EOPNOTSUPP);
	assert_int_equal(silk_status_to_errno(999), -EIO);
	for (unsigned s = 0; s <= SILK_S_MAX; s++)
		assert_int_equal(silk_errno_to_status(silk_status_to_errno(s)), s);
	assert_int_equal(silk_errno_to_status(-ENOSPC), SILK_S_NOSPC);
	assert_int_equal(silk_errno_to_status(EDQUOT), SILK_S_NOSPC);
	assert_int_equal(silk_errno_to_status(-EBADF), SILK_S_IO);
	assert_string_equal(silk_status_str(SILK_S_PROTO), "PROTO");
	assert_string_equal(silk_op_str(SILK_OP_WRITE | SILK_OP_REPLY), "WRITE");
	assert_string_equal(silk_op_str(0), "UNKNOWN");
	assert_string_equal(silk_verr_str(SILK_V_MAGIC), "bad magic");
	assert_string_equal(silk_verr_str(-1), "unknown validation error");
}

static void test_volume_names(void **state)
{
	char longname[SILK_VOLUME_NAME_MAX + 2];

	(void)state;
	assert_true(silk_volume_name_valid("db0"));
	assert_true(silk_volume_name_valid("a.b_c-D9"));
	assert_false(silk_volume_name_valid(""));
	assert_false(silk_volume_name_valid(".hidden"));
	assert_false(silk_volume_name_valid("-x"));
	assert_false(silk_volume_name_valid("a/b"));
	assert_false(silk_volume_name_valid("a b"));
	assert_false(silk_volume_name_valid("caf\xc3\xa9"));
	memset(longname, 'a', sizeof(longname));
	longname[SILK_VOLUME_NAME_MAX] = '\0';
	assert_true(silk_volume_name_valid(longname));
	longname[SILK_VOLUME_NAME_MAX] = 'a';
	longname[SILK_VOLUME_NAME_MAX + 1] = '\0';
	assert_false(silk_volume_name_valid(longname));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c_vectors),
		cmocka_unit_test(test_header_layout),
		cmocka_unit_test(test_header_digest),
		cmocka_unit_test(test_valid_requests),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_bad_opcode),
		cmocka_unit_test(test_status_in_request),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_data_len_rules),
		cmocka_unit_test(test_reply_check),
		cmocka_unit_test(test_hello_roundtrip),
		cmocka_unit_test(test_hello_malformed),
		cmocka_unit_test(test_pick_version),
		cmocka_unit_test(test_status_errno),
		cmocka_unit_test(test_volume_names),
	};

	return cmocka_run_group_tests_name("proto", tests, NULL, NULL);
}
