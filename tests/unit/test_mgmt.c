// SPDX-License-Identifier: GPL-2.0
/*
 * Management API: every request and error of Documentation/mgmt-api.md,
 * through mgmt_handle() and through the UNIX socket transport (framing,
 * permissions, peer credentials).
 */
#include <errno.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "mgmt.h"
#include "mgmt_ops.h"

struct fx {
	char dir[64];
	char sock[128];
	struct volreg reg;
	struct mgmt_ctx ctx;
};

static void fill_node(void *arg, json_object *node)
{
	(void)arg;
	json_object_object_add(node, "version", json_object_new_string("test"));
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[256];

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/silk-mgmt-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->sock, sizeof(f->sock), "%s/m.sock", f->dir);
	if (volreg_open(&f->reg, f->dir, err, sizeof(err)) < 0)
		return -1;
	f->ctx.reg = &f->reg;
	f->ctx.fill_node = fill_node;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	volreg_close(&f->reg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* Send one request; returns the parsed reply (caller puts it). */
static json_object *call(struct fx *f, const char *req)
{
	char *rep = mgmt_handle(&f->ctx, req, strlen(req));
	json_object *o;

	assert_non_null(rep);
	assert_null(strchr(rep, '\n'));
	o = json_tokener_parse(rep);
	free(rep);
	assert_non_null(o);
	return o;
}

static json_object *get(json_object *o, const char *path)
{
	char buf[128], *save = NULL;
	json_object *cur = o;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save))
		if (!json_object_object_get_ex(cur, k, &cur))
			return NULL;
	return cur;
}

static void expect_ok(struct fx *f, const char *req)
{
	json_object *o = call(f, req);

	if (!json_object_get_boolean(get(o, "ok"))) {
		print_error("%s -> %s\n", req, json_object_to_json_string(o));
		fail();
	}
	json_object_put(o);
}

static void expect_err(struct fx *f, const char *req, int eno, const char *msg)
{
	json_object *o = call(f, req);
	const char *e;

	assert_false(json_object_get_boolean(get(o, "ok")));
	e = json_object_get_string(get(o, "error"));
	if (json_object_get_int(get(o, "errno")) != eno || !e || !strstr(e, msg)) {
		print_error("%s -> %s (want errno %d, '%s')\n", req,
			    json_object_to_json_string(o), eno, msg);
		fail();
	}
	json_object_put(o);
}

static void test_volume_lifecycle(void **state)
{
	struct fx *f = *state;
	json_object *o;

	o = call(f, "{\"op\":\"volume.create\",\"name\":\"db0\",\"size\":1048576}");
	assert_true(json_object_get_boolean(get(o, "ok")));
	assert_string_equal(json_object_get_string(get(o, "volume.name")), "db0");
	assert_int_equal(json_object_get_int(get(o, "volume.id")), 1);
	assert_int_equal(json_object_get_int64(get(o, "volume.size")), 1048576);
	assert_int_equal(json_object_get_int(get(o, "volume.block_size")), 4096);
	assert_string_equal(json_object_get_string(get(o, "volume.backing")), "file");
	assert_int_equal(json_object_get_int(get(o, "volume.connections")), 0);
	assert_int_equal(json_object_get_int(get(o, "volume.epoch")), 0);
	assert_non_null(get(o, "volume.allocated"));
	assert_non_null(strstr(json_object_get_string(get(o, "volume.path")),
			       "/volumes/db0.img"));
	json_object_put(o);
	expect_ok(f, "{\"op\":\"volume.create\",\"name\":\"db1\",\"size\":4096,"
		     "\"block_size\":512}");
	o = call(f, "{\"op\":\"volume.list\"}");
	assert_int_equal(json_object_array_length(get(o, "volumes")), 2);
	json_object_put(o);
	o = call(f, "{\"op\":\"volume.resize\",\"name\":\"db1\",\"size\":8192}");
	assert_int_equal(json_object_get_int64(get(o, "volume.size")), 8192);
	json_object_put(o);
	o = call(f, "{\"op\":\"volume.get\",\"name\":\"db1\"}");
	assert_int_equal(json_object_get_int64(get(o, "volume.size")), 8192);
	assert_int_equal(json_object_get_int(get(o, "volume.block_size")), 512);
	json_object_put(o);
	expect_ok(f, "{\"op\":\"volume.delete\",\"name\":\"db1\"}");
	expect_err(f, "{\"op\":\"volume.get\",\"name\":\"db1\"}", ENOENT, "no volume");
	o = call(f, "{\"op\":\"status\"}");
	assert_string_equal(json_object_get_string(get(o, "node.version")), "test");
	json_object_put(o);
}

static void test_errors(void **state)
{
	struct fx *f = *state;

	expect_ok(f, "{\"op\":\"volume.create\",\"name\":\"a\",\"size\":4096}");
	expect_err(f, "{\"op\":\"volume.create\",\"name\":\"a\",\"size\":4096}",
		   EEXIST, "already exists");
	expect_err(f, "{\"op\":\"volume.create\",\"name\":\"b\"}", EINVAL,
		   "missing 'size'");
	expect_err(f, "{\"op\":\"volume.create\",\"size\":4096}", EINVAL,
		   "missing 'name'");
	expect_err(f, "{\"op\":\"volume.create\",\"name\":7,\"size\":4096}",
		   EINVAL, "'name' must be a string");
	expect_err(f, "{\"op\":\"volume.create\",\"name\":\"b\",\"size\":\"4096\"}",
		   EINVAL, "'size' must be an integer");
	expect_err(f, "{\"op\":\"volume.create\",\"name\":\"b\",\"size\":-1}",
		   EINVAL, "positive");
	expect_err(f, "{\"op\":\"volume.create\",\"name\":\"b\",\"size\":4097}",
		   EINVAL, "multiple");
	expect_err(f, "{\"op\":\"volume.create\",\"name\":\"b\",\"size\":4096,"
		      "\"block_size\":1024}", EINVAL, "512 or 4096");
	expect_err(f, "{\"op\":\"volume.create\",\"name\":\".b\",\"size\":4096}",
		   EINVAL, "invalid volume name");
	expect_err(f, "{\"op\":\"volume.create\",\"name\":\"b\",\"size\":4096,"
		      "\"backing\":\"/nonexistent/dev\"}", ENOENT, "cannot open");
	expect_err(f, "{\"op\":\"volume.delete\",\"name\":\"a\",\"force\":1}",
		   EINVAL, "'force' must be true or false");
	expect_err(f, "{\"op\":\"volume.resize\",\"name\":\"a\",\"size\":2048}",
		   EINVAL, "multiple");
	expect_err(f, "{\"op\":\"volume.resize\",\"name\":\"zz\",\"size\":8192}",
		   ENOENT, "no volume");
	expect_err(f, "{\"op\":\"volume.delete\",\"name\":\"zz\"}", ENOENT,
		   "no volume");
	expect_err(f, "{\"op\":\"volume.frobnicate\"}", EOPNOTSUPP, "unknown op");
	expect_err(f, "{\"name\":\"a\"}", EINVAL, "missing 'op'");
	expect_err(f, "{\"op\":5}", EINVAL, "missing 'op'");
	expect_err(f, "[1,2]", EINVAL, "must be a JSON object");
	expect_err(f, "42", EINVAL, "must be a JSON object");
	expect_err(f, "{\"op\":", EINVAL, "not valid JSON");
	expect_err(f, "not json", EINVAL, "not valid JSON");
	expect_err(f, "{\"op\":\"status\"} trailing", EINVAL, "not valid JSON");
}

static void test_busy_delete(void **state)
{
	struct fx *f = *state;
	struct vol *v;
	json_object *o;

	expect_ok(f, "{\"op\":\"volume.create\",\"name\":\"a\",\"size\":4096}");
	assert_int_equal(volreg_attach(&f->reg, "a", &v), 0);
	o = call(f, "{\"op\":\"volume.get\",\"name\":\"a\"}");
	assert_int_equal(json_object_get_int(get(o, "volume.connections")), 1);
	json_object_put(o);
	expect_err(f, "{\"op\":\"volume.delete\",\"name\":\"a\"}", EBUSY,
		   "connection");
	expect_ok(f, "{\"op\":\"volume.delete\",\"name\":\"a\",\"force\":true}");
	volreg_detach(&f->reg, v);
}

static int connect_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct timeval tv = { .tv_sec = 10 };

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Read one line (bounded); returns length or -1 on EOF/timeout. */
static ssize_t read_line(int fd, char *buf, size_t cap)
{
	size_t n = 0;

	while (n + 1 < cap) {
		ssize_t r = read(fd, buf + n, 1);

		if (r <= 0)
			return -1;
		if (buf[n] == '\n') {
			buf[n] = '\0';
			return (ssize_t)n;
		}
		n++;
	}
	return -1;
}

static void test_socket_transport(void **state)
{
	struct fx *f = *state;
	struct mgmt m;
	struct stat st;
	char err[256], line[4096];
	static char big[MGMT_MAX_LINE + 100];
	int fd;

	assert_int_equal(mgmt_start(&m, &f->ctx, f->sock, "", err, sizeof(err)), 0);
	assert_int_equal(stat(f->sock, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);

	/* A second server on the same socket is refused. */
	{
		struct mgmt m2;

		assert_int_equal(mgmt_start(&m2, &f->ctx, f->sock, "", err,
					    sizeof(err)), -1);
		assert_non_null(strstr(err, "another silkd"));
	}

	fd = connect_unix(f->sock);
	assert_true(fd >= 0);
	/* Two requests in one write, answered in order. */
	static const char two[] = "{\"op\":\"volume.create\",\"name\":\"s\",\"size\":4096}\n"
				  "{\"op\":\"volume.list\"}\n";
	assert_int_equal(write(fd, two, sizeof(two) - 1), (ssize_t)sizeof(two) - 1);
	assert_true(read_line(fd, line, sizeof(line)) > 0);
	assert_non_null(strstr(line, "\"volume\":{\"name\":\"s\""));
	assert_true(read_line(fd, line, sizeof(line)) > 0);
	assert_non_null(strstr(line, "\"volumes\":["));
	/* A request split over writes. */
	assert_int_equal(write(fd, "{\"op\":\"sta", 10), 10);
	usleep(10000);
	assert_int_equal(write(fd, "tus\"}\n", 6), 6);
	assert_true(read_line(fd, line, sizeof(line)) > 0);
	assert_non_null(strstr(line, "\"ok\":true"));
	/* Garbage gets an error reply, the connection stays. */
	assert_int_equal(write(fd, "}}}\n", 4), 4);
	assert_true(read_line(fd, line, sizeof(line)) > 0);
	assert_non_null(strstr(line, "\"ok\":false"));
	/* Too long a line: error, then the server closes. */
	memset(big, 'x', sizeof(big));
	assert_int_equal(write(fd, big, sizeof(big)), (ssize_t)sizeof(big));
	assert_true(read_line(fd, line, sizeof(line)) > 0);
	assert_non_null(strstr(line, "longer than 64 KiB"));
	assert_int_equal(read_line(fd, line, sizeof(line)), -1);
	close(fd);

	/* A non-root, different user: refused by mode 0600, and by the
	 * credential check even when the mode is opened up. */
	if (geteuid() == 0) {
		struct passwd *pw = getpwnam("nobody");
		uid_t uid = pw ? pw->pw_uid : 65534;
		int status;
		pid_t pid = fork();

		assert_true(pid >= 0);
		if (pid == 0) {
			int c;

			if (setgid(uid) < 0 || setuid(uid) < 0)
				_exit(10);
			c = connect_unix(f->sock);
			if (c >= 0 || errno != EACCES)
				_exit(11);
			_exit(0);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);

		assert_int_equal(chmod(f->sock, 0666), 0);
		assert_int_equal(chmod(f->dir, 0755), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			int c;

			if (setgid(uid) < 0 || setuid(uid) < 0)
				_exit(10);
			c = connect_unix(f->sock);
			if (c < 0)
				_exit(12);
			if (read_line(c, line, sizeof(line)) <= 0 ||
			    !strstr(line, "permission denied") ||
			    !strstr(line, "\"errno\":13"))
				_exit(13);
			if (read_line(c, line, sizeof(line)) != -1)
				_exit(14);
			_exit(0);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	mgmt_stop(&m);
	assert_int_equal(access(f->sock, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_volume_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_transport, setup, teardown),
	};

	return cmocka_run_group_tests_name("mgmt", tests, NULL, NULL);
}
