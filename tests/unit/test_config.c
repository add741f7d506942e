// SPDX-License-Identifier: GPL-2.0
/* silkd settings: defaults, config file, command line, every kind of error. */
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
#include "log.h"
#include "netaddr.h"

#define CONF_FIXTURE_PREFIX "silk-conf"
#include "conf_fixture.h"

/* Run config_load on a NULL-terminated argument list. */
static int load(struct silkd_config *c, char *err, size_t errlen, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;
	FILE *out = fopen("/dev/null", "w");
	int rc;

	argv[argc++] = "silkd";
	va_start(ap, errlen);
	for (char *a; (a = va_arg(ap, char *)) != NULL && argc < 31;)
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
	assert_int_equal(load(&c, err, sizeof(err), "-c", conf_path, NULL),
			 CONFIG_RUN);
	assert_int_equal(c.nlisten, 1);
	assert_string_equal(c.listen[0], "0.0.0.0:7400");
	assert_string_equal(c.data_dir, "/var/lib/silk");
	assert_string_equal(c.mgmt_socket, "/run/silk/silkd.sock");
	assert_string_equal(c.mgmt_listen, "");
	assert_int_equal(c.threads, 0);
	assert_int_equal(c.queue_depth, CONFIG_DEFAULT_QUEUE_DEPTH);
	assert_int_equal(c.log_level, LOG_LVL_INFO);
	assert_int_equal(c.splice_min, CONFIG_DEFAULT_SPLICE_MIN);
	assert_int_equal(c.busy_poll_us, 0);
}

static void test_file_values(void **state)
{
	struct silkd_config c;
	char err[256];

	(void)state;
	write_conf("# silkd test\n"
		   "\n"
		   "listen = 127.0.0.1:7500   # first\n"
		   "listen=[::1]:7501\n"
		   "  data_dir =  /srv/silk  \n"
		   "mgmt_socket = none\n"
		   "mgmt_listen = 127.0.0.1:7410\n"
		   "threads = 3\n"
		   "queue_depth = 64\n"
		   "log_level = debug\n"
		   "pidfile = /run/silkd.pid\n");
	assert_int_equal(load(&c, err, sizeof(err), "-c", conf_path, NULL),
			 CONFIG_RUN);
	assert_int_equal(c.nlisten, 2);
	assert_string_equal(c.listen[0], "127.0.0.1:7500");
	assert_string_equal(c.listen[1], "[::1]:7501");
	assert_string_equal(c.data_dir, "/srv/silk");
	assert_string_equal(c.mgmt_socket, "");
	assert_string_equal(c.mgmt_listen, "127.0.0.1:7410");
	assert_int_equal(c.threads, 3);
	assert_int_equal(c.queue_depth, 64);
	assert_int_equal(c.log_level, LOG_LVL_DEBUG);
	assert_string_equal(c.pidfile, "/run/silkd.pid");
}

static void test_cli_overrides_file(void **state)
{
	struct silkd_config c;
	char err[256];

	(void)state;
	write_conf("listen = 127.0.0.1:7500\nthreads = 3\ndata_dir = /a\n"
		   "log_level = error\n");
	assert_int_equal(load(&c, err, sizeof(err), "--config", conf_path,
			      "-l", "127.0.0.2:1", "--listen", "[::]:2", "-t", "5",
			      "--data-dir", "/b", "-v", "-v",
			      "--mgmt-socket", "/tmp/x.sock", "-q", "7", NULL),
			 CONFIG_RUN);
	assert_int_equal(c.nlisten, 2);
	assert_string_equal(c.listen[0], "127.0.0.2:1");
	assert_string_equal(c.listen[1], "[::]:2");
	assert_int_equal(c.threads, 5);
	assert_string_equal(c.data_dir, "/b");
	assert_string_equal(c.mgmt_socket, "/tmp/x.sock");
	assert_int_equal(c.queue_depth, 7);
	assert_int_equal(c.log_level, LOG_LVL_INFO);	/* error + 2 */
}

static void bad_file(const char *text, const char *expect)
{
	struct silkd_config c;
	char err[512], want[256];

	write_conf(text);
	assert_int_equal(load(&c, err, sizeof(err), "-c", conf_path, NULL),
			 CONFIG_ERR_FILE);
	snprintf(want, sizeof(want), "%s:%s", conf_path, expect);
	if (strstr(err, want) == NULL) {
		print_error("error '%s' lacks '%s'\n", err, want);
		fail();
	}
	assert_null(strchr(err, '\n'));
}

/* splice_min: off, 0, sizes with suffixes; nonsense refused. */
static void test_splice_min(void **state)
{
	struct silkd_config c;
	char err[256];

	(void)state;
	write_conf("splice_min = 128K\n");
	assert_int_equal(load(&c, err, sizeof(err), "-c", conf_path, NULL),
			 CONFIG_RUN);
	assert_int_equal(c.splice_min, 128 * 1024);
	assert_int_equal(load(&c, err, sizeof(err), "-c", conf_path,
			      "--splice-min", "off", NULL), CONFIG_RUN);
	assert_int_equal(c.splice_min, 0);
	assert_int_equal(load(&c, err, sizeof(err), "-c", conf_path,
			      "--splice-min", "0", NULL), CONFIG_RUN);
	assert_int_equal(c.splice_min, 0);
	assert_int_equal(load(&c, err, sizeof(err), "-c", conf_path,
			      "--splice-min", "1M", NULL), CONFIG_RUN);
	assert_int_equal(c.splice_min, 1024 * 1024);
	assert_int_equal(load(&c, err, sizeof(err), "-c", conf_path,
			      "--splice-min", "2M", NULL), CONFIG_ERR_USAGE);
	assert_non_null(strstr(err, "--splice-min: splice_min must be"));
	assert_int_equal(load(&c, err, sizeof(err), "-c", conf_path,
			      "--splice-min", "512", NULL), CONFIG_ERR_USAGE);
	bad_file("splice_min = yes\n", "1: splice_min must be");
	bad_file("splice_min = -4K\n", "1: splice_min must be");
}

/* busy_poll: microseconds, off or 0; the command line overrides the file. */
static void test_busy_poll(void **state)
{
	struct silkd_config c;
	char err[256];

	(void)state;
	write_conf("busy_poll = 500\n");
	assert_int_equal(load(&c, err, sizeof(err), "-c", conf_path, NULL),
			 CONFIG_RUN);
	assert_int_equal(c.busy_poll_us, 500);
	assert_int_equal(load(&c, err, sizeof(err), "-c", conf_path,
			      "--busy-poll", "off", NULL), CONFIG_RUN);
	assert_int_equal(c.busy_poll_us, 0);
	assert_int_equal(load(&c, err, sizeof(err), "-c", conf_path,
			      "--busy-poll", "100000", NULL), CONFIG_RUN);
	assert_int_equal(c.busy_poll_us, CONFIG_MAX_BUSY_POLL_US);
	assert_int_equal(load(&c, err, sizeof(err), "-c", conf_path,
			      "--busy-poll", "100001", NULL), CONFIG_ERR_USAGE);
	assert_non_null(strstr(err, "--busy-poll: busy_poll must be off"));
	assert_int_equal(load(&c, err, sizeof(err), "-c", conf_path,
			      "--busy-poll", NULL), CONFIG_ERR_USAGE);
	bad_file("busy_poll = on\n", "1: busy_poll must be off (or 0) or 1 to 100000 microseconds: 'on'");
	bad_file("busy_poll = -5\n", "1: busy_poll must be");
	bad_file("busy_poll = 50us\n", "1: busy_poll must be");
}

static void test_bad_file_lines(void **state)
{
	(void)state;
	bad_file("threads = 2\nbogus = 1\n", "2: unknown key 'bogus'");
	bad_file("listen\n", "1: expected 'key = value'");
	bad_file("listen =\n", "1: empty value");
	bad_file(" = 3\n", "1: empty key");
	bad_file("threads = -1\n", "1: threads must be");
	bad_file("threads = 2x\n", "1: threads must be");
	bad_file("threads = 100000\n", "1: threads must be");
	bad_file("queue_depth = 0\n", "1: queue_depth must be");
	bad_file("data_dir = relative/path\n", "1: data_dir must be an absolute path");
	bad_file("listen = 1.2.3.4:99999\n", "1: listen: '1.2.3.4:99999': port");
	bad_file("listen = example.com:7400\n", "1: listen: 'example.com:7400': not a numeric");
	bad_file("listen = [::1:7400\n", "1: listen: '[::1:7400': missing ']'");
	bad_file("log_level = loud\n", "1: log_level must be");
	bad_file("\n\nmgmt_listen = 1.2.3:4\n", "3: mgmt_listen");
}

static void test_missing_files(void **state)
{
	struct silkd_config c;
	char err[256];

	(void)state;
	assert_int_equal(load(&c, err, sizeof(err), "-c", "/nonexistent/silkd.conf",
			      NULL), CONFIG_ERR_FILE);
	assert_non_null(strstr(err, "/nonexistent/silkd.conf"));
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
	if (strstr(err, expect) == NULL) {
		print_error("error '%s' lacks '%s'\n", err, expect);
		fail();
	}
}

static void test_bad_cli(void **state)
{
	(void)state;
	bad_cli("unknown option '--bogus'", "--bogus", NULL);
	bad_cli("unknown option '-x'", "-x", NULL);
	bad_cli("needs a value", "-t", NULL);
	bad_cli("--threads: threads must be", "-t", "many", NULL);
	bad_cli("--listen: listen: 'nowhere'", "-l", "nowhere", NULL);
	bad_cli("unexpected argument 'extra'", "extra", NULL);
	bad_cli("--data-dir: data_dir must be an absolute path", "-d", "x", NULL);
	bad_cli("--queue-depth", "-q", "5000", NULL);
}

static void test_help_version(void **state)
{
	struct silkd_config c;
	char err[256];

	(void)state;
	assert_int_equal(load(&c, err, sizeof(err), "--help", NULL), CONFIG_EXIT);
	assert_int_equal(load(&c, err, sizeof(err), "-h", NULL), CONFIG_EXIT);
	assert_int_equal(load(&c, err, sizeof(err), "--version", NULL), CONFIG_EXIT);
}

static void test_netaddr(void **state)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char err[160], out[NETADDR_STRLEN];

	(void)state;
	assert_int_equal(netaddr_parse("127.0.0.1:7400", 1, &ss, &len, err,
				       sizeof(err)), 0);
	netaddr_format((struct sockaddr *)&ss, out, sizeof(out));
	assert_string_equal(out, "127.0.0.1:7400");
	assert_int_equal(netaddr_parse("::1", 7400, &ss, &len, err,
				       sizeof(err)), 0);
	netaddr_format((struct sockaddr *)&ss, out, sizeof(out));
	assert_string_equal(out, "[::1]:7400");
	assert_int_equal(netaddr_parse("[fe80::1]:0", 1, &ss, &len, err,
				       sizeof(err)), 0);
	assert_int_equal(netaddr_parse("10.0.0.1", 9, &ss, &len, err,
				       sizeof(err)), 0);
	netaddr_format((struct sockaddr *)&ss, out, sizeof(out));
	assert_string_equal(out, "10.0.0.1:9");
	assert_int_equal(netaddr_parse(":7400", 1, &ss, &len, err, sizeof(err)), -1);
	assert_int_equal(netaddr_parse("1.2.3.4:", 1, &ss, &len, err, sizeof(err)), -1);
	assert_int_equal(netaddr_parse("1.2.3.4:-1", 1, &ss, &len, err, sizeof(err)), -1);
	assert_int_equal(netaddr_parse("[::1]x", 1, &ss, &len, err, sizeof(err)), -1);
	assert_int_equal(netaddr_parse("", 1, &ss, &len, err, sizeof(err)), -1);
	assert_int_equal(netaddr_parse("999.1.1.1:1", 1, &ss, &len, err, sizeof(err)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_splice_min),
		cmocka_unit_test(test_busy_poll),
		cmocka_unit_test(test_file_values),
		cmocka_unit_test(test_cli_overrides_file),
		cmocka_unit_test(test_bad_file_lines),
		cmocka_unit_test(test_missing_files),
		cmocka_unit_test(test_bad_cli),
		cmocka_unit_test(test_help_version),
		cmocka_unit_test(test_netaddr),
	};

	return cmocka_run_group_tests_name("config", tests, setup, teardown);
}
