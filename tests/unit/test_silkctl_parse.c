// SPDX-License-Identifier: GPL-2.0
/* silkctl value parsers: sizes, numbers, devices, names, addresses. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <cmocka.h>

#include "devnode.h"
#include "mgmt.h"
#include "parse.h"
#include "silk_netlink.h"

static char err[256];

static uint64_t size_ok(const char *s)
{
	uint64_t v = 0;

	err[0] = '\0';
	assert_int_equal(silk_parse_size(s, &v, err, sizeof(err)), 0);
	return v;
}

static void size_bad(const char *s, const char *needle)
{
	uint64_t v = 12345;

	err[0] = '\0';
	assert_int_equal(silk_parse_size(s, &v, err, sizeof(err)), -1);
	assert_int_equal(v, 12345);	/* untouched on error */
	assert_non_null(strstr(err, needle));
	assert_null(strchr(err, '\n'));
}

static void test_size_plain(void **state)
{
	assert_int_equal(size_ok("0"), 0);
	assert_int_equal(size_ok("4096"), 4096);
	assert_int_equal(size_ok("4096B"), 4096);
	assert_int_equal(size_ok("18446744073709551615"), UINT64_MAX);
}

static void test_size_suffixes(void **state)
{
	assert_int_equal(size_ok("1K"), 1024);
	assert_int_equal(size_ok("1k"), 1024);
	assert_int_equal(size_ok("2KiB"), 2048);
	assert_int_equal(size_ok("512M"), 512ull << 20);
	assert_int_equal(size_ok("3MiB"), 3ull << 20);
	assert_int_equal(size_ok("1G"), 1ull << 30);
	assert_int_equal(size_ok("10GiB"), 10ull << 30);
	assert_int_equal(size_ok("10gib"), 10ull << 30);
	assert_int_equal(size_ok("2T"), 2ull << 40);
	assert_int_equal(size_ok("2TiB"), 2ull << 40);
	assert_int_equal(size_ok("16777215T"), 16777215ull << 40);
}

static void test_size_bad(void **state)
{
	size_bad("", "empty");
	size_bad("abc", "invalid size");
	size_bad("-1", "invalid size");
	size_bad("+1", "invalid size");
	size_bad(" 1", "invalid size");
	size_bad("1.5G", "suffix");
	size_bad("1 G", "suffix");
	size_bad("1GB", "suffix");
	size_bad("1X", "suffix");
	size_bad("1Gi", "suffix");
	size_bad("G", "invalid size");
	size_bad("18446744073709551616", "too large");
	size_bad("99999999999999999999999", "too large");
	size_bad("16777216T", "too large");
	size_bad("17179869184G", "too large");
}

static void test_volume_size(void **state)
{
	assert_int_equal(silk_check_volume_size(4096, 4096, err, sizeof(err)), 0);
	assert_int_equal(silk_check_volume_size(512, 512, err, sizeof(err)), 0);
	assert_int_equal(silk_check_volume_size(1ull << 40, 4096, err, sizeof(err)), 0);
	assert_int_equal(silk_check_volume_size(0, 4096, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "greater than zero"));
	assert_int_equal(silk_check_volume_size(512, 4096, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "multiple"));
	assert_int_equal(silk_check_volume_size(4097, 0, err, sizeof(err)), 0);
	assert_int_equal(silk_check_volume_size((uint64_t)INT64_MAX + 1, 0, err,
						sizeof(err)), -1);
	assert_non_null(strstr(err, "too large"));
}

static void test_numbers(void **state)
{
	uint32_t v32 = 0;
	uint64_t v64 = 0;

	assert_int_equal(silk_parse_u32("7", 1, 10, "n", &v32, err, sizeof(err)), 0);
	assert_int_equal(v32, 7);
	assert_int_equal(silk_parse_u32("4294967295", 0, UINT32_MAX, "n", &v32,
					err, sizeof(err)), 0);
	assert_int_equal(v32, UINT32_MAX);
	assert_int_equal(silk_parse_u32("4294967296", 0, UINT32_MAX, "n", &v32,
					err, sizeof(err)), -1);
	assert_non_null(strstr(err, "out of range"));
	assert_int_equal(silk_parse_u32("0", 1, 10, "queue depth", &v32, err,
					sizeof(err)), -1);
	assert_non_null(strstr(err, "queue depth '0' out of range (1..10)"));
	assert_int_equal(silk_parse_u32("11", 1, 10, "n", &v32, err, sizeof(err)), -1);
	assert_int_equal(silk_parse_u32("-1", 0, 10, "n", &v32, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "invalid n"));
	assert_int_equal(silk_parse_u32("1x", 0, 10, "n", &v32, err, sizeof(err)), -1);
	assert_int_equal(silk_parse_u32("0x10", 0, 100, "n", &v32, err, sizeof(err)), -1);
	assert_int_equal(silk_parse_u32("", 0, 10, "n", &v32, err, sizeof(err)), -1);
	assert_int_equal(silk_parse_u32(" 1", 0, 10, "n", &v32, err, sizeof(err)), -1);
	assert_int_equal(silk_parse_u64("18446744073709551615", 0, UINT64_MAX, "e",
					&v64, err, sizeof(err)), 0);
	assert_true(v64 == UINT64_MAX);
	assert_int_equal(silk_parse_u64("18446744073709551616", 0, UINT64_MAX, "e",
					&v64, err, sizeof(err)), -1);
}

static void test_seconds(void **state)
{
	uint32_t ms = 0;

	assert_int_equal(silk_parse_seconds_ms("30", 1, 100, "t", &ms, err, sizeof(err)), 0);
	assert_int_equal(ms, 30000);
	assert_int_equal(silk_parse_seconds_ms("0", 0, 100, "t", &ms, err, sizeof(err)), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(silk_parse_seconds_ms("0", 1, 100, "t", &ms, err, sizeof(err)), -1);
	/* max is clamped so the milliseconds fit in 32 bits */
	assert_int_equal(silk_parse_seconds_ms("4294968", 0, UINT32_MAX, "t", &ms,
					       err, sizeof(err)), -1);
	assert_int_equal(silk_parse_seconds_ms("4294967", 0, UINT32_MAX, "t", &ms,
					       err, sizeof(err)), 0);
	assert_int_equal(ms, 4294967000u);
	assert_int_equal(silk_parse_seconds_ms("1.5", 0, 100, "t", &ms, err, sizeof(err)), -1);
}

static void test_block_size_transport(void **state)
{
	uint32_t bs = 0;
	uint8_t t = 0;

	assert_int_equal(silk_parse_block_size("512", &bs, err, sizeof(err)), 0);
	assert_int_equal(bs, 512);
	assert_int_equal(silk_parse_block_size("4096", &bs, err, sizeof(err)), 0);
	assert_int_equal(bs, 4096);
	assert_int_equal(silk_parse_block_size("1000", &bs, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "512 or 4096"));
	assert_int_equal(silk_parse_block_size("4K", &bs, err, sizeof(err)), -1);
	assert_int_equal(silk_parse_block_size("04096", &bs, err, sizeof(err)), -1);
	assert_int_equal(silk_parse_transport("tcp", &t, err, sizeof(err)), 0);
	assert_int_equal(t, SILK_TRANSPORT_TCP);
	assert_int_equal(silk_parse_transport("rdma", &t, err, sizeof(err)), 0);
	assert_int_equal(t, SILK_TRANSPORT_RDMA);
	assert_int_equal(silk_parse_transport("TCP", &t, err, sizeof(err)), -1);
	assert_int_equal(silk_parse_transport("udp", &t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "tcp or rdma"));
}

static void test_device(void **state)
{
	static const char *const bad[] = {
		"", "silk", "/dev/silk", "/dev/sda", "sda", "silk-1", "-1", "silk01",
		"01", "/dev/silk0x", "silk 1", "/silk0", "dev/silk0", "/dev//silk0",
		"2147483648", "silk99999999999999999999", "/dev/0",
	};
	uint32_t n = 99;
	size_t i;

	assert_int_equal(silk_parse_device("/dev/silk0", &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	assert_int_equal(silk_parse_device("silk12", &n, err, sizeof(err)), 0);
	assert_int_equal(n, 12);
	assert_int_equal(silk_parse_device("7", &n, err, sizeof(err)), 0);
	assert_int_equal(n, 7);
	assert_int_equal(silk_parse_device("0", &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	assert_int_equal(silk_parse_device("2147483647", &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2147483647u);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = 99;
		assert_int_equal(silk_parse_device(bad[i], &n, err, sizeof(err)), -1);
		assert_int_equal(n, 99);
		assert_non_null(strstr(err, "invalid device") ? err : strstr(err, "empty"));
	}
}

static void test_volume_name(void **state)
{
	char long_name[80];

	assert_int_equal(silk_check_volume_name("db0", err, sizeof(err)), 0);
	assert_int_equal(silk_check_volume_name("A.b_c-9", err, sizeof(err)), 0);
	assert_int_equal(silk_check_volume_name("0", err, sizeof(err)), 0);
	memset(long_name, 'a', 63);
	long_name[63] = '\0';
	assert_int_equal(silk_check_volume_name(long_name, err, sizeof(err)), 0);
	long_name[63] = 'a';
	long_name[64] = '\0';
	assert_int_equal(silk_check_volume_name(long_name, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too long"));
	assert_int_equal(silk_check_volume_name("", err, sizeof(err)), -1);
	assert_int_equal(silk_check_volume_name(NULL, err, sizeof(err)), -1);
	assert_int_equal(silk_check_volume_name(".hidden", err, sizeof(err)), -1);
	assert_int_equal(silk_check_volume_name("-x", err, sizeof(err)), -1);
	assert_int_equal(silk_check_volume_name("a/b", err, sizeof(err)), -1);
	assert_int_equal(silk_check_volume_name("a b", err, sizeof(err)), -1);
	assert_int_equal(silk_check_volume_name("caf\xc3\xa9", err, sizeof(err)), -1);
	assert_int_equal(silk_check_volume_name("a\nb", err, sizeof(err)), -1);
	assert_null(strchr(err, '\n'));
}

static void test_ip_literal(void **state)
{
	assert_int_equal(silk_check_ip_literal("127.0.0.1", err, sizeof(err)), 0);
	assert_int_equal(silk_check_ip_literal("::1", err, sizeof(err)), 0);
	assert_int_equal(silk_check_ip_literal("fe80::1:2", err, sizeof(err)), 0);
	assert_int_equal(silk_check_ip_literal("localhost", err, sizeof(err)), -1);
	assert_int_equal(silk_check_ip_literal("127.0.0.256", err, sizeof(err)), -1);
	assert_int_equal(silk_check_ip_literal("", err, sizeof(err)), -1);
	assert_int_equal(silk_check_ip_literal("[::1]", err, sizeof(err)), -1);
}

static void test_mgmt_addr(void **state)
{
	struct mgmt_addr a;
	char buf[300];

	assert_int_equal(mgmt_parse_addr("/run/silk/silkd.sock", &a, err, sizeof(err)), 0);
	assert_int_equal(a.kind, MGMT_UNIX);
	assert_string_equal(a.path, "/run/silk/silkd.sock");
	mgmt_addr_str(&a, buf, sizeof(buf));
	assert_string_equal(buf, "/run/silk/silkd.sock");

	assert_int_equal(mgmt_parse_addr("127.0.0.1", &a, err, sizeof(err)), 0);
	assert_int_equal(a.kind, MGMT_TCP);
	assert_string_equal(a.host, "127.0.0.1");
	assert_string_equal(a.port, "7410");

	assert_int_equal(mgmt_parse_addr("localhost:9000", &a, err, sizeof(err)), 0);
	assert_string_equal(a.host, "localhost");
	assert_string_equal(a.port, "9000");
	mgmt_addr_str(&a, buf, sizeof(buf));
	assert_string_equal(buf, "localhost:9000");

	assert_int_equal(mgmt_parse_addr("[::1]:7411", &a, err, sizeof(err)), 0);
	assert_string_equal(a.host, "::1");
	assert_string_equal(a.port, "7411");
	mgmt_addr_str(&a, buf, sizeof(buf));
	assert_string_equal(buf, "[::1]:7411");

	assert_int_equal(mgmt_parse_addr("[::1]", &a, err, sizeof(err)), 0);
	assert_string_equal(a.port, "7410");
	assert_int_equal(mgmt_parse_addr("::1", &a, err, sizeof(err)), 0);
	assert_string_equal(a.host, "::1");

	assert_int_equal(mgmt_parse_addr("", &a, err, sizeof(err)), -1);
	assert_int_equal(mgmt_parse_addr("host:", &a, err, sizeof(err)), -1);
	assert_int_equal(mgmt_parse_addr("host:0", &a, err, sizeof(err)), -1);
	assert_int_equal(mgmt_parse_addr("host:65536", &a, err, sizeof(err)), -1);
	assert_int_equal(mgmt_parse_addr("host:x", &a, err, sizeof(err)), -1);
	assert_int_equal(mgmt_parse_addr(":7410", &a, err, sizeof(err)), -1);
	assert_int_equal(mgmt_parse_addr("[::1", &a, err, sizeof(err)), -1);
	assert_int_equal(mgmt_parse_addr("[]:1", &a, err, sizeof(err)), -1);
	assert_int_equal(mgmt_parse_addr("[::1]x", &a, err, sizeof(err)), -1);
	memset(buf, 'a', 200);
	buf[0] = '/';
	buf[200] = '\0';
	assert_int_equal(mgmt_parse_addr(buf, &a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too long"));
}

static void test_devt(void **state)
{
	dev_t d;

	assert_int_equal(devnode_parse_devt("259:3\n", &d), 0);
	assert_int_equal(major(d), 259);
	assert_int_equal(minor(d), 3);
	assert_int_equal(devnode_parse_devt("8:0", &d), 0);
	assert_int_equal(devnode_parse_devt("", &d), -EINVAL);
	assert_int_equal(devnode_parse_devt("8", &d), -EINVAL);
	assert_int_equal(devnode_parse_devt("8:", &d), -EINVAL);
	assert_int_equal(devnode_parse_devt(":1", &d), -EINVAL);
	assert_int_equal(devnode_parse_devt("8:1x", &d), -EINVAL);
	assert_int_equal(devnode_parse_devt("-8:1", &d), -EINVAL);
	assert_int_equal(devnode_parse_devt("99999:1", &d), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_plain),
		cmocka_unit_test(test_size_suffixes),
		cmocka_unit_test(test_size_bad),
		cmocka_unit_test(test_volume_size),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_seconds),
		cmocka_unit_test(test_block_size_transport),
		cmocka_unit_test(test_device),
		cmocka_unit_test(test_volume_name),
		cmocka_unit_test(test_ip_literal),
		cmocka_unit_test(test_mgmt_addr),
		cmocka_unit_test(test_devt),
	};

	return cmocka_run_group_tests_name("silkctl_parse", tests, NULL, NULL);
}
