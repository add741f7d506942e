// SPDX-License-Identifier: GPL-2.0
/* silkctl command-line parsing: every command, good and bad. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "cmdline.h"
#include "opts.h"

#define MAXARGS 32

static struct cli_args A;
static char err[512];

/* Parses "silkctl" + the NULL-terminated args, with SILK_SERVER = env. */
static int parse_env(const char *env, const char *first, va_list ap)
{
	char *argv[MAXARGS + 1];
	const char *s;
	int argc = 0;

	argv[argc++] = (char *)"silkctl";
	for (s = first; s && argc < MAXARGS; s = va_arg(ap, const char *))
		argv[argc++] = (char *)s;
	argv[argc] = NULL;
	err[0] = '\0';
	return cli_parse(argc, argv, env, &A, err, sizeof(err));
}

static int parse(const char *first, ...)
{
	va_list ap;
	int rc;

	va_start(ap, first);
	rc = parse_env(NULL, first, ap);
	va_end(ap);
	return rc;
}

static int parse_with_env(const char *env, const char *first, ...)
{
	va_list ap;
	int rc;

	va_start(ap, first);
	rc = parse_env(env, first, ap);
	va_end(ap);
	return rc;
}

/* Expects a usage error whose one-line message contains needle. */
#define BAD(needle, ...) do {						\
	assert_int_equal(parse(__VA_ARGS__, NULL), -1);			\
	if (!strstr(err, needle))					\
		fail_msg("error '%s' lacks '%s'", err, needle);		\
	assert_null(strchr(err, '\n'));					\
} while (0)

#define GOOD(...) do {							\
	if (parse(__VA_ARGS__, NULL))					\
		fail_msg("unexpected error: %s", err);			\
} while (0)

static void test_global(void **state)
{
	BAD("missing command", (const char *)NULL);
	GOOD("--version");
	assert_int_equal(A.cmd, CMD_VERSION);
	GOOD("-V");
	assert_int_equal(A.cmd, CMD_VERSION);
	GOOD("--help");
	assert_int_equal(A.cmd, CMD_HELP);
	assert_null(A.help_topic);
	GOOD("-h");
	assert_int_equal(A.cmd, CMD_HELP);
	GOOD("help");
	assert_int_equal(A.cmd, CMD_HELP);
	GOOD("help", "volume");
	assert_int_equal(A.cmd, CMD_HELP);
	assert_string_equal(A.help_topic, "volume");
	BAD("unknown command 'nope'", "help", "nope");
	BAD("unknown command 'frob'", "frob");
	BAD("unknown option '--frob'", "--frob", "list");
	BAD("unknown option '-x'", "-x", "list");
	BAD("requires a value", "-s");
	BAD("requires a value", "--server");
	BAD("takes no value", "--json=yes", "list");
}

static void test_server(void **state)
{
	GOOD("list");
	assert_int_equal(A.server.kind, MGMT_UNIX);
	assert_string_equal(A.server.path, "/run/silk/silkd.sock");

	assert_int_equal(parse_with_env("127.0.0.1:7555", "volume", "list", NULL), 0);
	assert_int_equal(A.server.kind, MGMT_TCP);
	assert_string_equal(A.server.port, "7555");

	/* -s beats the environment, before or after the command */
	assert_int_equal(parse_with_env("127.0.0.1:7555", "-s", "/tmp/x.sock",
					"volume", "list", NULL), 0);
	assert_string_equal(A.server.path, "/tmp/x.sock");
	assert_int_equal(parse_with_env("127.0.0.1:7555", "volume", "list",
					"--server=/tmp/y.sock", NULL), 0);
	assert_string_equal(A.server.path, "/tmp/y.sock");

	assert_int_equal(parse_with_env("host:99999", "list", NULL), -1);
	assert_non_null(strstr(err, "SILK_SERVER"));
	BAD("invalid server address", "-s", "host:0", "list");
	BAD("invalid server address", "volume", "list", "-s", "[::1");
	/* empty environment value means the default */
	assert_int_equal(parse_with_env("", "list", NULL), 0);
	assert_int_equal(A.server.kind, MGMT_UNIX);
}

static void test_json_everywhere(void **state)
{
	GOOD("-j", "list");
	assert_true(A.json);
	GOOD("list", "--json");
	assert_true(A.json);
	GOOD("volume", "list", "-j");
	assert_true(A.json);
	GOOD("volume", "show", "db0", "--json");
	assert_true(A.json);
	GOOD("status", "--json");
	assert_true(A.json);
	GOOD("monitor", "-j", "-c", "1");
	assert_true(A.json);
	GOOD("list");
	assert_false(A.json);
}

static void test_volume_create(void **state)
{
	GOOD("volume", "create", "db0", "--size", "1G");
	assert_int_equal(A.cmd, CMD_VOLUME_CREATE);
	assert_string_equal(A.name, "db0");
	assert_int_equal(A.size, 1ull << 30);
	assert_int_equal(A.block_size, 0);
	assert_null(A.backing);

	GOOD("volume", "create", "--size=512M", "--block-size", "512", "db1",
	     "--backing", "/dev/vdb");
	assert_string_equal(A.name, "db1");
	assert_int_equal(A.size, 512ull << 20);
	assert_int_equal(A.block_size, 512);
	assert_string_equal(A.backing, "/dev/vdb");

	GOOD("volume", "create", "x", "--size", "1536", "--block-size", "512");
	GOOD("volume", "create", "x", "--size", "3K", "--block-size", "512");

	BAD("missing NAME", "volume", "create", "--size", "1G");
	BAD("missing --size", "volume", "create", "db0");
	BAD("requires a value", "volume", "create", "db0", "--size");
	BAD("greater than zero", "volume", "create", "db0", "--size", "0");
	BAD("multiple of the block size", "volume", "create", "db0", "--size", "1000");
	BAD("multiple of the block size", "volume", "create", "db0", "--size", "1536");
	BAD("suffix", "volume", "create", "db0", "--size", "1.5G");
	BAD("too large", "volume", "create", "db0", "--size", "99999999999T");
	BAD("too large", "volume", "create", "db0", "--size", "8388608T");
	BAD("512 or 4096", "volume", "create", "db0", "--size", "1G", "--block-size", "1024");
	BAD("absolute path", "volume", "create", "db0", "--size", "1G", "--backing", "vdb");
	BAD("unexpected argument 'db1'", "volume", "create", "db0", "db1", "--size", "1G");
	BAD("invalid volume name", "volume", "create", ".db", "--size", "1G");
	BAD("invalid volume name", "volume", "create", "a/b", "--size", "1G");
	BAD("unknown option '--force'", "volume", "create", "db0", "--size", "1G", "--force");
}

static void test_volume_others(void **state)
{
	GOOD("volume", "list");
	assert_int_equal(A.cmd, CMD_VOLUME_LIST);
	BAD("unexpected argument", "volume", "list", "db0");

	GOOD("volume", "show", "db0");
	assert_int_equal(A.cmd, CMD_VOLUME_SHOW);
	assert_string_equal(A.name, "db0");
	BAD("missing NAME", "volume", "show");
	BAD("unexpected argument", "volume", "show", "a", "b");

	GOOD("volume", "delete", "db0");
	assert_int_equal(A.cmd, CMD_VOLUME_DELETE);
	assert_false(A.force);
	GOOD("volume", "delete", "db0", "--force");
	assert_true(A.force);
	GOOD("volume", "delete", "-f", "db0");
	assert_true(A.force);
	BAD("missing NAME", "volume", "delete");

	GOOD("volume", "resize", "db0", "--size", "2G");
	assert_int_equal(A.cmd, CMD_VOLUME_RESIZE);
	assert_int_equal(A.size, 2ull << 30);
	BAD("missing --size", "volume", "resize", "db0");
	BAD("greater than zero", "volume", "resize", "db0", "--size", "0");
	BAD("unknown option '--block-size'", "volume", "resize", "db0", "--size", "1G",
	    "--block-size", "512");

	BAD("missing subcommand", "volume");
	BAD("unknown subcommand 'frob'", "volume", "frob");
	GOOD("volume", "--help");
	assert_int_equal(A.cmd, CMD_HELP);
	assert_string_equal(A.help_topic, "volume");
	GOOD("volume", "help");
	assert_int_equal(A.cmd, CMD_HELP);
}

static void test_help_per_command(void **state)
{
	GOOD("volume", "create", "--help");
	assert_int_equal(A.cmd, CMD_VOLUME_CREATE);
	assert_true(A.help);
	/* --help wins over missing arguments */
	GOOD("attach", "-h");
	assert_int_equal(A.cmd, CMD_ATTACH);
	assert_true(A.help);
	GOOD("detach", "--help");
	assert_true(A.help);
	GOOD("monitor", "--help");
	assert_true(A.help);
}

static void test_attach(void **state)
{
	GOOD("attach", "db0");
	assert_int_equal(A.cmd, CMD_ATTACH);
	assert_string_equal(A.dev.volume, "db0");
	assert_string_equal(A.dev.addr, "127.0.0.1");
	assert_int_equal(A.dev.port, 7400);
	assert_int_equal(A.dev.transport, SILK_TRANSPORT_TCP);
	assert_int_equal(A.dev.nr_queues, 0);
	assert_int_equal(A.dev.queue_depth, 0);
	assert_int_equal(A.dev.block_size, 0);
	assert_false(A.dev.has_io_timeout);
	assert_false(A.dev.has_loss_timeout);
	assert_false(A.dev.digest);
	assert_false(A.dev.has_epoch);
	assert_false(A.no_wait);

	GOOD("attach", "db0", "--addr", "::1", "--port", "7401", "--transport", "rdma",
	     "--queues", "4", "--queue-depth", "128", "--block-size", "4096",
	     "--io-timeout", "30", "--loss-timeout", "0", "--digest", "--epoch",
	     "18446744073709551615", "--no-wait");
	assert_string_equal(A.dev.addr, "::1");
	assert_int_equal(A.dev.port, 7401);
	assert_int_equal(A.dev.transport, SILK_TRANSPORT_RDMA);
	assert_int_equal(A.dev.nr_queues, 4);
	assert_int_equal(A.dev.queue_depth, 128);
	assert_int_equal(A.dev.block_size, 4096);
	assert_true(A.dev.has_io_timeout);
	assert_int_equal(A.dev.io_timeout_ms, 30000);
	assert_true(A.dev.has_loss_timeout);
	assert_int_equal(A.dev.loss_timeout_ms, 0);
	assert_true(A.dev.digest);
	assert_true(A.dev.has_epoch);
	assert_true(A.dev.epoch == UINT64_MAX);
	assert_true(A.no_wait);

	BAD("missing VOLUME", "attach");
	BAD("unexpected argument", "attach", "a", "b");
	BAD("invalid address", "attach", "db0", "--addr", "localhost");
	BAD("invalid address", "attach", "db0", "--addr", "1.2.3");
	BAD("port '0' out of range", "attach", "db0", "--port", "0");
	BAD("out of range", "attach", "db0", "--port", "65536");
	BAD("invalid port", "attach", "db0", "--port", "http");
	BAD("tcp or rdma", "attach", "db0", "--transport", "udp");
	BAD("queue count '0' out of range", "attach", "db0", "--queues", "0");
	BAD("queue count '257' out of range", "attach", "db0", "--queues", "257");
	BAD("I/O timeout '3601' out of range", "attach", "db0", "--io-timeout", "3601");
	BAD("loss timeout '86401' out of range", "attach", "db0", "--loss-timeout", "86401");
	BAD("invalid queue count", "attach", "db0", "--queues", "-1");
	BAD("queue depth '0' out of range", "attach", "db0", "--queue-depth", "0");
	BAD("queue depth '1025' out of range", "attach", "db0", "--queue-depth", "1025");
	BAD("512 or 4096", "attach", "db0", "--block-size", "1000");
	BAD("I/O timeout '0' out of range", "attach", "db0", "--io-timeout", "0");
	BAD("invalid I/O timeout", "attach", "db0", "--io-timeout", "1s");
	BAD("loss timeout", "attach", "db0", "--loss-timeout", "99999999");
	BAD("invalid epoch", "attach", "db0", "--epoch", "-1");
	BAD("out of range", "attach", "db0", "--epoch", "18446744073709551616");
	BAD("requires a value", "attach", "db0", "--queues");
	BAD("takes no value", "attach", "db0", "--digest=1");
	BAD("unknown option '--size'", "attach", "db0", "--size", "1G");
	BAD("invalid volume name", "attach", "-");
	BAD("too long", "attach",
	    "a123456789012345678901234567890123456789012345678901234567890123");
}

static void test_detach(void **state)
{
	GOOD("detach", "/dev/silk3");
	assert_int_equal(A.cmd, CMD_DETACH);
	assert_int_equal(A.index, 3);
	GOOD("detach", "silk0");
	assert_int_equal(A.index, 0);
	GOOD("detach", "12");
	assert_int_equal(A.index, 12);
	BAD("missing DEVICE", "detach");
	BAD("invalid device '/dev/sda'", "detach", "/dev/sda");
	BAD("invalid device", "detach", "silk");
	BAD("unexpected argument", "detach", "0", "1");
	BAD("unknown option '--force'", "detach", "0", "--force");
}

static void test_list_status_monitor(void **state)
{
	GOOD("list");
	assert_int_equal(A.cmd, CMD_LIST);
	BAD("unexpected argument", "list", "x");
	GOOD("status");
	assert_int_equal(A.cmd, CMD_STATUS);
	BAD("unexpected argument", "status", "x");
	BAD("unknown option", "status", "--count", "1");

	GOOD("monitor");
	assert_int_equal(A.cmd, CMD_MONITOR);
	assert_int_equal(A.count, 0);
	assert_int_equal(A.timeout_s, 0);
	GOOD("monitor", "--count", "3", "--timeout", "10");
	assert_int_equal(A.count, 3);
	assert_int_equal(A.timeout_s, 10);
	GOOD("monitor", "-c5", "-t", "1");
	assert_int_equal(A.count, 5);
	assert_int_equal(A.timeout_s, 1);
	BAD("count '0' out of range", "monitor", "--count", "0");
	BAD("invalid timeout", "monitor", "--timeout", "x");
	BAD("timeout '0' out of range", "monitor", "--timeout", "0");
	BAD("requires a value", "monitor", "--count");
}

static void test_opts_iterator(void **state)
{
	static const struct opt_def defs[] = {
		{ "flag", 'f', OPT_FLAG, 1 },
		{ "val", 'v', OPT_VALUE, 2 },
		{ 0 },
	};
	char *argv[] = { "a", "-f", "--val", "x", "-vy", "--val=", "--", "-f", "-" };
	struct opt_iter it;
	const char *val;
	char e[128];

	opt_init(&it, 9, argv, defs);
	assert_int_equal(opt_next(&it, &val, e, sizeof(e)), OPT_POSITIONAL);
	assert_string_equal(val, "a");
	assert_int_equal(opt_next(&it, &val, e, sizeof(e)), 1);
	assert_int_equal(opt_next(&it, &val, e, sizeof(e)), 2);
	assert_string_equal(val, "x");
	assert_int_equal(opt_next(&it, &val, e, sizeof(e)), 2);
	assert_string_equal(val, "y");
	assert_int_equal(opt_next(&it, &val, e, sizeof(e)), 2);
	assert_string_equal(val, "");
	assert_int_equal(opt_next(&it, &val, e, sizeof(e)), OPT_POSITIONAL);
	assert_string_equal(val, "-f");
	assert_int_equal(opt_next(&it, &val, e, sizeof(e)), OPT_POSITIONAL);
	assert_string_equal(val, "-");
	assert_int_equal(opt_next(&it, &val, e, sizeof(e)), OPT_END);
	assert_int_equal(opt_next(&it, &val, e, sizeof(e)), OPT_END);
}

static void test_control_chars_in_errors(void **state)
{
	BAD("unknown command", "fr\nob");
	BAD("invalid device", "detach", "silk\r\n1");
	BAD("invalid size", "volume", "create", "db0", "--size", "\x1b[31m");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_global),
		cmocka_unit_test(test_server),
		cmocka_unit_test(test_json_everywhere),
		cmocka_unit_test(test_volume_create),
		cmocka_unit_test(test_volume_others),
		cmocka_unit_test(test_help_per_command),
		cmocka_unit_test(test_attach),
		cmocka_unit_test(test_detach),
		cmocka_unit_test(test_list_status_monitor),
		cmocka_unit_test(test_opts_iterator),
		cmocka_unit_test(test_control_chars_in_errors),
	};

	return cmocka_run_group_tests_name("silkctl_cmdline", tests, NULL, NULL);
}
