// SPDX-License-Identifier: GPL-2.0
/*
 * silkctl management API client against fake silkd servers running in a
 * thread: over a socketpair, a temporary UNIX socket and TCP loopback.
 * Good replies, server errors and every kind of malformed reply.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "cmdline.h"
#include "commands.h"
#include "mgmt.h"

enum fake_mode {
	FAKE_REPLY,		/* send reply, then close */
	FAKE_REPLY_BYTEWISE,	/* send reply one byte at a time */
	FAKE_CLOSE,		/* close without replying */
	FAKE_HANG,		/* never reply; wait for the client to go */
	FAKE_FLOOD,		/* send 5 MiB without a newline */
};

struct fake {
	int fd;			/* connected socket, or -1 */
	int listen_fd;		/* accept one connection first, or -1 */
	enum fake_mode mode;
	const char *reply;
	char request[65536];
	size_t request_len;
	pthread_t thread;
};

static void read_request(struct fake *f)
{
	f->request_len = 0;
	while (f->request_len < sizeof(f->request) - 1) {
		struct pollfd p = { .fd = f->fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 5000) <= 0)
			break;
		n = read(f->fd, f->request + f->request_len,
			 sizeof(f->request) - 1 - f->request_len);
		if (n <= 0)
			break;
		f->request_len += (size_t)n;
		if (memchr(f->request, '\n', f->request_len))
			break;
	}
	f->request[f->request_len] = '\0';
}

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	size_t i;

	if (f->listen_fd >= 0) {
		struct pollfd p = { .fd = f->listen_fd, .events = POLLIN };

		if (poll(&p, 1, 5000) <= 0)
			return NULL;
		f->fd = accept(f->listen_fd, NULL, NULL);
		if (f->fd < 0)
			return NULL;
	}
	read_request(f);
	switch (f->mode) {
	case FAKE_REPLY:
		(void)!send(f->fd, f->reply, strlen(f->reply), MSG_NOSIGNAL);
		break;
	case FAKE_REPLY_BYTEWISE:
		for (i = 0; f->reply[i]; i++) {
			if (send(f->fd, &f->reply[i], 1, MSG_NOSIGNAL) != 1)
				break;
			if (i % 7 == 0)
				usleep(100);
		}
		break;
	case FAKE_CLOSE:
		break;
	case FAKE_HANG: {
		struct pollfd p = { .fd = f->fd, .events = POLLIN };
		char c;

		/* Until the client closes, at most 10 s. */
		if (poll(&p, 1, 10000) > 0)
			(void)!read(f->fd, &c, 1);
		break;
	}
	case FAKE_FLOOD: {
		static char junk[65536];

		memset(junk, 'x', sizeof(junk));
		for (i = 0; i < 80; i++)
			if (send(f->fd, junk, sizeof(junk), MSG_NOSIGNAL) < 0)
				break;
		break;
	}
	}
	close(f->fd);
	return NULL;
}

static void fake_start(struct fake *f)
{
	assert_int_equal(pthread_create(&f->thread, NULL, fake_main, f), 0);
}

/* Runs one request over a socketpair against a fake in `mode`. */
static int call_pair(enum fake_mode mode, const char *reply, int timeout_ms,
		     struct fake *f, json_object **out, int *srv_errno,
		     char *err, size_t errlen)
{
	json_object *req = json_object_new_object();
	int sv[2], rc;

	memset(f, 0, sizeof(*f));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	f->fd = sv[1];
	f->listen_fd = -1;
	f->mode = mode;
	f->reply = reply;
	fake_start(f);
	json_object_object_add(req, "op", json_object_new_string("volume.get"));
	json_object_object_add(req, "name", json_object_new_string("db0"));
	rc = mgmt_call_fd(sv[0], req, timeout_ms, out, srv_errno, err, errlen);
	close(sv[0]);
	pthread_join(f->thread, NULL);
	json_object_put(req);
	return rc;
}

static void expect_proto(const char *reply, const char *needle)
{
	struct fake f;
	json_object *out = (json_object *)1;
	char err[512] = "";
	int e = -1;

	assert_int_equal(call_pair(FAKE_REPLY, reply, 5000, &f, &out, &e, err,
				   sizeof(err)), MGMT_ERR_PROTO);
	assert_null(out);
	if (!strstr(err, needle))
		fail_msg("error '%s' lacks '%s' (reply %s)", err, needle, reply);
	assert_null(strchr(err, '\n'));
}

static void test_good_reply(void **state)
{
	json_object *out = NULL, *vol, *v;
	struct fake f;
	char err[512];
	int e = -1;

	assert_int_equal(call_pair(FAKE_REPLY,
		"{\"ok\":true,\"volume\":{\"name\":\"db0\",\"size\":4096}}\n",
		5000, &f, &out, &e, err, sizeof(err)), MGMT_OK);
	assert_non_null(out);
	assert_int_equal(e, 0);
	assert_true(json_object_object_get_ex(out, "volume", &vol));
	assert_true(json_object_object_get_ex(vol, "size", &v));
	assert_int_equal(json_object_get_int64(v), 4096);
	json_object_put(out);

	/* The request went out as one JSON line with op and name. */
	assert_true(f.request_len > 0);
	assert_int_equal(f.request[f.request_len - 1], '\n');
	assert_ptr_equal(strchr(f.request, '\n'), &f.request[f.request_len - 1]);
	assert_non_null(strstr(f.request, "\"op\":\"volume.get\""));
	assert_non_null(strstr(f.request, "\"name\":\"db0\""));
}

static void test_bytewise_and_crlf(void **state)
{
	json_object *out = NULL;
	struct fake f;
	char err[512];

	assert_int_equal(call_pair(FAKE_REPLY_BYTEWISE,
		"{\"ok\":true,\"volumes\":[]}\r\n", 5000, &f, &out, NULL,
		err, sizeof(err)), MGMT_OK);
	json_object_put(out);
	/* Anything after the first line is ignored. */
	assert_int_equal(call_pair(FAKE_REPLY, "{\"ok\":true}\n{\"ok\":false}\n",
				   5000, &f, &out, NULL, err, sizeof(err)), MGMT_OK);
	json_object_put(out);
}

static void test_server_error(void **state)
{
	json_object *out = (json_object *)1;
	struct fake f;
	char err[512];
	int e = 0;

	assert_int_equal(call_pair(FAKE_REPLY,
		"{\"ok\":false,\"error\":\"volume 'db0' already exists\",\"errno\":17}\n",
		5000, &f, &out, &e, err, sizeof(err)), MGMT_ERR_SERVER);
	assert_null(out);
	assert_int_equal(e, 17);
	assert_string_equal(err, "volume 'db0' already exists");

	/* No message, bogus errno values. */
	assert_int_equal(call_pair(FAKE_REPLY, "{\"ok\":false,\"errno\":\"x\"}\n",
				   5000, &f, &out, &e, err, sizeof(err)), MGMT_ERR_SERVER);
	assert_int_equal(e, 0);
	assert_non_null(strstr(err, "unspecified"));
	assert_int_equal(call_pair(FAKE_REPLY, "{\"ok\":false,\"error\":\"\",\"errno\":-5}\n",
				   5000, &f, &out, &e, err, sizeof(err)), MGMT_ERR_SERVER);
	assert_int_equal(e, 0);
	assert_int_equal(call_pair(FAKE_REPLY, "{\"ok\":false,\"error\":7,\"errno\":99999}\n",
				   5000, &f, &out, &e, err, sizeof(err)), MGMT_ERR_SERVER);
	assert_int_equal(e, 0);
	assert_non_null(strstr(err, "unspecified"));

	/* Control characters in the server's message never reach the terminal. */
	assert_int_equal(call_pair(FAKE_REPLY,
		"{\"ok\":false,\"error\":\"bad\\nthing\\u001b[31m\",\"errno\":22}\n",
		5000, &f, &out, &e, err, sizeof(err)), MGMT_ERR_SERVER);
	assert_int_equal(e, 22);
	assert_null(strchr(err, '\n'));
	assert_null(strchr(err, '\x1b'));
	assert_non_null(strstr(err, "bad thing"));
}

static void test_malformed(void **state)
{
	expect_proto("\n", "empty");
	expect_proto("   \r\n", "empty");
	expect_proto("hello\n", "not JSON");
	expect_proto("{\"ok\":tru\n", "not JSON");
	expect_proto("{\"ok\":true\n", "not JSON");
	expect_proto("[1,2,3]\n", "not a JSON object");
	expect_proto("\"ok\"\n", "not a JSON object");
	expect_proto("{}\n", "no boolean \"ok\"");
	expect_proto("{\"ok\":\"true\"}\n", "no boolean \"ok\"");
	expect_proto("{\"ok\":1}\n", "no boolean \"ok\"");
	expect_proto("{\"ok\":true} trailing\n", "trailing");
	expect_proto("{\"ok\":true}{\"ok\":true}\n", "trailing");
	expect_proto("{\"ok\":true", "mid-reply");			/* no newline, then close */
}

static void test_closed_hang_flood(void **state)
{
	json_object *out = (json_object *)1;
	struct fake f;
	char err[512];

	assert_int_equal(call_pair(FAKE_CLOSE, NULL, 5000, &f, &out, NULL, err,
				   sizeof(err)), MGMT_ERR_PROTO);
	assert_null(out);
	assert_non_null(strstr(err, "without replying"));

	assert_int_equal(call_pair(FAKE_HANG, NULL, 200, &f, &out, NULL, err,
				   sizeof(err)), MGMT_ERR_IO);
	assert_non_null(strstr(err, "timed out"));

	assert_int_equal(call_pair(FAKE_FLOOD, NULL, 10000, &f, &out, NULL, err,
				   sizeof(err)), MGMT_ERR_PROTO);
	assert_non_null(strstr(err, "too long"));
}

static void test_parse_reply_direct(void **state)
{
	json_object *out = NULL;
	char err[256];
	int e;

	assert_int_equal(mgmt_parse_reply("{\"ok\":true}", 11, &out, &e, err,
					  sizeof(err)), MGMT_OK);
	json_object_put(out);
	/* Length is honoured: the object is cut short. */
	assert_int_equal(mgmt_parse_reply("{\"ok\":true}", 5, &out, &e, err,
					  sizeof(err)), MGMT_ERR_PROTO);
	assert_int_equal(mgmt_parse_reply("", 0, &out, &e, err, sizeof(err)),
			 MGMT_ERR_PROTO);
	/* An embedded NUL is not JSON, whatever follows it. */
	assert_int_equal(mgmt_parse_reply("{\"ok\":true}\0x", 13, &out, &e, err,
					  sizeof(err)), MGMT_ERR_PROTO);
	assert_non_null(strstr(err, "not JSON"));
}

static char sock_dir[64];

static int unix_listener(char *path, size_t len)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	snprintf(sock_dir, sizeof(sock_dir), "/tmp/silkctl-test-XXXXXX");
	assert_non_null(mkdtemp(sock_dir));
	snprintf(path, len, "%s/silkd.sock", sock_dir);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(fd, 4), 0);
	return fd;
}

static void test_unix_socket(void **state)
{
	struct mgmt_addr addr;
	json_object *req = json_object_new_object(), *out = NULL;
	struct fake f = { .fd = -1, .mode = FAKE_REPLY,
			  .reply = "{\"ok\":true,\"node\":{\"version\":\"0.1.0\"}}\n" };
	char path[128], err[512];

	f.listen_fd = unix_listener(path, sizeof(path));
	fake_start(&f);
	assert_int_equal(mgmt_parse_addr(path, &addr, err, sizeof(err)), 0);
	json_object_object_add(req, "op", json_object_new_string("status"));
	assert_int_equal(mgmt_call(&addr, req, 5000, &out, NULL, err, sizeof(err)),
			 MGMT_OK);
	pthread_join(f.thread, NULL);
	assert_non_null(strstr(f.request, "\"op\":\"status\""));
	json_object_put(out);
	close(f.listen_fd);
	unlink(path);

	/* Nobody listening any more: a connect error naming the socket. */
	assert_int_equal(mgmt_call(&addr, req, 5000, &out, NULL, err, sizeof(err)),
			 MGMT_ERR_CONNECT);
	assert_null(out);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "is silkd running?"));
	rmdir(sock_dir);
	json_object_put(req);
}

static void test_tcp_loopback(void **state)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sin);
	struct mgmt_addr addr;
	json_object *req = json_object_new_object(), *out = NULL;
	struct fake f = { .fd = -1, .mode = FAKE_REPLY,
			  .reply = "{\"ok\":false,\"error\":\"no such volume\",\"errno\":2}\n" };
	char spec[64], err[512];
	int e = 0;

	f.listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f.listen_fd >= 0);
	assert_int_equal(bind(f.listen_fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(f.listen_fd, 4), 0);
	assert_int_equal(getsockname(f.listen_fd, (struct sockaddr *)&sin, &sl), 0);
	snprintf(spec, sizeof(spec), "127.0.0.1:%u", ntohs(sin.sin_port));
	fake_start(&f);
	assert_int_equal(mgmt_parse_addr(spec, &addr, err, sizeof(err)), 0);
	json_object_object_add(req, "op", json_object_new_string("volume.get"));
	assert_int_equal(mgmt_call(&addr, req, 5000, &out, &e, err, sizeof(err)),
			 MGMT_ERR_SERVER);
	assert_int_equal(e, 2);
	assert_string_equal(err, "no such volume");
	pthread_join(f.thread, NULL);
	close(f.listen_fd);

	/* The port is closed now: connection refused, reported as such. */
	assert_int_equal(mgmt_call(&addr, req, 5000, &out, &e, err, sizeof(err)),
			 MGMT_ERR_CONNECT);
	assert_non_null(strstr(err, spec));
	json_object_put(req);
}

/* Whole commands against a fake silkd: exit status per reply. */
static int run_volume_cmd(const char *reply, enum silkctl_cmd cmd)
{
	struct fake f = { .fd = -1, .mode = FAKE_REPLY, .reply = reply };
	struct cli_args a = { .cmd = cmd, .name = "db0", .size = 1 << 20 };
	char path[128], err[256];
	int rc;

	f.listen_fd = unix_listener(path, sizeof(path));
	fake_start(&f);
	assert_int_equal(mgmt_parse_addr(path, &a.server, err, sizeof(err)), 0);
	if (cmd == CMD_VOLUME_LIST)
		a.name = NULL;
	rc = cmd_volume(&a);
	pthread_join(f.thread, NULL);
	close(f.listen_fd);
	unlink(path);
	rmdir(sock_dir);
	return rc;
}

static void test_volume_commands(void **state)
{
	assert_int_equal(run_volume_cmd(
		"{\"ok\":true,\"volumes\":[{\"name\":\"db0\",\"size\":4096}]}\n",
		CMD_VOLUME_LIST), EXIT_OK);
	assert_int_equal(run_volume_cmd("{\"ok\":true,\"volumes\":{}}\n",
					CMD_VOLUME_LIST), EXIT_ERR);
	assert_int_equal(run_volume_cmd("{\"ok\":true}\n", CMD_VOLUME_SHOW), EXIT_ERR);
	assert_int_equal(run_volume_cmd(
		"{\"ok\":true,\"volume\":{\"name\":5,\"size\":\"big\"}}\n",
		CMD_VOLUME_SHOW), EXIT_OK);
	assert_int_equal(run_volume_cmd(
		"{\"ok\":true,\"volume\":{\"name\":\"db0\",\"size\":1048576}}\n",
		CMD_VOLUME_CREATE), EXIT_OK);
	assert_int_equal(run_volume_cmd(
		"{\"ok\":false,\"error\":\"exists\",\"errno\":17}\n",
		CMD_VOLUME_CREATE), EXIT_ERR);
	assert_int_equal(run_volume_cmd("{\"ok\":true}\n", CMD_VOLUME_DELETE), EXIT_OK);
	assert_int_equal(run_volume_cmd("garbage\n", CMD_VOLUME_DELETE), EXIT_ERR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_reply),
		cmocka_unit_test(test_bytewise_and_crlf),
		cmocka_unit_test(test_server_error),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_closed_hang_flood),
		cmocka_unit_test(test_parse_reply_direct),
		cmocka_unit_test(test_unix_socket),
		cmocka_unit_test(test_tcp_loopback),
		cmocka_unit_test(test_volume_commands),
	};

	return cmocka_run_group_tests_name("silkctl_mgmt", tests, NULL, NULL);
}
