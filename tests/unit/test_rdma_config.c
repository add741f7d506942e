// SPDX-License-Identifier: GPL-2.0
/* silkd's RDMA settings: rdma_listen, rdma_max_data, rdma_busy_poll,
 * rdma_queue_depth_max in the config file and on the command line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "silk_proto.h"

#define CONF_FIXTURE_PREFIX "silk-rconf"
#include "conf_fixture.h"

/* config_load with "-c conf_path" and a NULL-terminated argument list. */
static int load(struct silkd_config *c, char *err, size_t errlen, ...)
{
	char *argv[40];
	int argc = 0;
	va_list ap;
	FILE *out = fopen("/dev/null", "w");
	int rc;

	argv[argc++] = "silkd";
	argv[argc++] = "-c";
	argv[argc++] = conf_path;
	va_start(ap, errlen);
	for (char *a; (a = va_arg(ap, char *)) != NULL && argc < 39;)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	err[0] = '\0';
	rc = config_load(c, argc, argv, out, err, errlen);
	fclose(out);
	return rc;
}

static void test_defaults(void **state)
{
	struct silkd_config c;
	char err[256];

	(void)state;
	write_conf("");
	assert_int_equal(load(&c, err, sizeof(err), NULL), CONFIG_RUN);
	assert_int_equal(c.nrdma_listen, 0);
	assert_int_equal(c.rdma_max_data, SILK_RDMA_DEFAULT_MAX_DATA);
	assert_false(c.rdma_busy_poll);
	assert_int_equal(c.rdma_queue_depth_max, 1024);
	assert_int_equal(c.nlisten, 1);
}

static void test_file_values(void **state)
{
	struct silkd_config c;
	char err[256];

	(void)state;
	write_conf("listen = 127.0.0.1:7400\n"
		   "rdma_listen = 192.0.2.1:7400\n"
		   "rdma_listen = [fe80::1]:7401  # second\n"
		   "rdma_listen = 192.0.2.2\n"
		   "rdma_max_data = 1M\n"
		   "rdma_busy_poll = on\n"
		   "rdma_queue_depth_max = 64\n");
	assert_int_equal(load(&c, err, sizeof(err), NULL), CONFIG_RUN);
	/* TCP and RDMA at once */
	assert_int_equal(c.nlisten, 1);
	assert_string_equal(c.listen[0], "127.0.0.1:7400");
	assert_int_equal(c.nrdma_listen, 3);
	assert_string_equal(c.rdma_listen[0], "192.0.2.1:7400");
	assert_string_equal(c.rdma_listen[1], "[fe80::1]:7401");
	assert_string_equal(c.rdma_listen[2], "192.0.2.2");
	assert_int_equal(c.rdma_max_data, 1u << 20);
	assert_true(c.rdma_busy_poll);
	assert_int_equal(c.rdma_queue_depth_max, 64);
}

static void max_data_ok(const char *v, uint32_t want)
{
	struct silkd_config c;
	char err[256];

	write_conf("");
	assert_int_equal(load(&c, err, sizeof(err), "--rdma-max-data", v, NULL),
			 CONFIG_RUN);
	assert_int_equal(c.rdma_max_data, want);
}

static void test_max_data(void **state)
{
	(void)state;
	max_data_ok("4096", 4096);
	max_data_ok("4K", 4096);
	max_data_ok("4k", 4096);
	max_data_ok("256K", 256 * 1024);
	max_data_ok("1048576", 1u << 20);
	max_data_ok("1M", 1u << 20);
	max_data_ok("1m", 1u << 20);
	max_data_ok("12288", 12288);
}

static void test_cli_overrides_file(void **state)
{
	struct silkd_config c;
	char err[256];

	(void)state;
	write_conf("rdma_listen = 192.0.2.1:7400\nrdma_listen = 192.0.2.2:7400\n"
		   "rdma_busy_poll = on\nrdma_max_data = 64K\n");
	assert_int_equal(load(&c, err, sizeof(err), "--rdma-listen",
			      "192.0.2.9:1", "--rdma-busy-poll", "off",
			      "--rdma-max-data", "8192",
			      "--rdma-queue-depth-max", "1", NULL), CONFIG_RUN);
	assert_int_equal(c.nrdma_listen, 1);
	assert_string_equal(c.rdma_listen[0], "192.0.2.9:1");
	assert_false(c.rdma_busy_poll);
	assert_int_equal(c.rdma_max_data, 8192);
	assert_int_equal(c.rdma_queue_depth_max, 1);
	/* "none" clears the list from the file */
	assert_int_equal(load(&c, err, sizeof(err), "--rdma-listen", "none",
			      NULL), CONFIG_RUN);
	assert_int_equal(c.nrdma_listen, 0);
	/* repeated on the command line: all of them */
	assert_int_equal(load(&c, err, sizeof(err), "--rdma-listen", "192.0.2.7",
			      "--rdma-listen", "[::1]:9", NULL), CONFIG_RUN);
	assert_int_equal(c.nrdma_listen, 2);
	assert_string_equal(c.rdma_listen[1], "[::1]:9");
}

static void expect_err(const char *err, const char *want)
{
	if (strstr(err, want) == NULL) {
		print_error("error '%s' lacks '%s'\n", err, want);
		fail();
	}
	assert_null(strchr(err, '\n'));
}

static void bad_file(const char *text, const char *expect)
{
	struct silkd_config c;
	char err[512], want[256];

	write_conf(text);
	assert_int_equal(load(&c, err, sizeof(err), NULL), CONFIG_ERR_FILE);
	snprintf(want, sizeof(want), "%s:%s", conf_path, expect);
	expect_err(err, want);
}

static void test_bad_file_lines(void **state)
{
	char many[2048] = "";

	(void)state;
	bad_file("rdma_max_data = 0\n", "1: rdma_max_data must be 4K to 1M");
	bad_file("rdma_max_data = 4095\n", "1: rdma_max_data must be");
	bad_file("rdma_max_data = 5000\n", "1: rdma_max_data must be");
	bad_file("rdma_max_data = 1052672\n", "1: rdma_max_data must be");
	bad_file("rdma_max_data = 2M\n", "1: rdma_max_data must be");
	bad_file("rdma_max_data = 4G\n", "1: rdma_max_data must be");
	bad_file("rdma_max_data = 99999999999999999999999\n",
		 "1: rdma_max_data must be");
	bad_file("rdma_max_data = -4096\n", "1: rdma_max_data must be");
	bad_file("rdma_max_data = 4096x\n", "1: rdma_max_data must be");
	bad_file("rdma_max_data = 4KB\n", "1: rdma_max_data must be");
	bad_file("rdma_max_data = lots\n", "1: rdma_max_data must be");
	bad_file("rdma_busy_poll = yes\n", "1: rdma_busy_poll must be on or off: 'yes'");
	bad_file("rdma_busy_poll = ON\n", "1: rdma_busy_poll must be on or off");
	bad_file("rdma_queue_depth_max = 0\n",
		 "1: rdma_queue_depth_max must be 1 to 1024: '0'");
	bad_file("rdma_queue_depth_max = 1025\n", "1: rdma_queue_depth_max must be");
	bad_file("rdma_queue_depth_max = -1\n", "1: rdma_queue_depth_max must be");
	bad_file("rdma_queue_depth_max = 8x\n", "1: rdma_queue_depth_max must be");
	bad_file("\nrdma_listen = example.com:7400\n",
		 "2: rdma_listen: 'example.com:7400': not a numeric");
	bad_file("rdma_listen = 1.2.3.4:99999\n", "1: rdma_listen: '1.2.3.4:99999': port");
	bad_file("rdma_listen =\n", "1: empty value");
	for (int i = 0; i <= CONFIG_MAX_LISTEN; i++)
		strcat(many, "rdma_listen = 192.0.2.1:7400\n");
	bad_file(many, "17: rdma_listen: at most 16 addresses");
}

static void bad_cli(const char *expect, ...)
{
	struct silkd_config c;
	char err[256];
	char *argv[16];
	int argc = 0;
	va_list ap;
	FILE *out = fopen("/dev/null", "w");

	argv[argc++] = "silkd";
	argv[argc++] = "-c";
	argv[argc++] = conf_path;
	va_start(ap, expect);
	for (char *a; (a = va_arg(ap, char *)) != NULL && argc < 15;)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	write_conf("");
	assert_int_equal(config_load(&c, argc, argv, out, err, sizeof(err)),
			 CONFIG_ERR_USAGE);
	fclose(out);
	expect_err(err, expect);
}

static void test_bad_cli(void **state)
{
	(void)state;
	bad_cli("--rdma-listen: rdma_listen: 'nowhere'", "--rdma-listen",
		"nowhere", NULL);
	bad_cli("--rdma-max-data: rdma_max_data must be", "--rdma-max-data",
		"3K", NULL);
	bad_cli("--rdma-busy-poll: rdma_busy_poll must be on or off",
		"--rdma-busy-poll", "1", NULL);
	bad_cli("--rdma-queue-depth-max: rdma_queue_depth_max must be",
		"--rdma-queue-depth-max", "5000", NULL);
	bad_cli("needs a value", "--rdma-listen", NULL);
}

static void test_help_mentions_rdma(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	config_usage(f);
	fclose(f);
	assert_non_null(strstr(text, "--rdma-listen ADDR:PORT"));
	assert_non_null(strstr(text, "--rdma-max-data BYTES"));
	assert_non_null(strstr(text, "--rdma-busy-poll on|off"));
	assert_non_null(strstr(text, "--rdma-queue-depth-max N"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_file_values),
		cmocka_unit_test(test_max_data),
		cmocka_unit_test(test_cli_overrides_file),
		cmocka_unit_test(test_bad_file_lines),
		cmocka_unit_test(test_bad_cli),
		cmocka_unit_test(test_help_mentions_rdma),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
