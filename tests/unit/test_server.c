// SPDX-License-Identifier: GPL-2.0
/*
 * silkd end to end over loopback: starts the (sanitized) daemon in a
 * temporary directory on 127.0.0.1 with an ephemeral port, manages volumes
 * through the management socket and speaks the wire protocol to it.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <signal.h>
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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "proto.h"

#ifndef SILKD_PATH
#define SILKD_PATH "../daemon/silkd"
#endif

#define VOL_SIZE (64u << 20)

static struct {
	char dir[64];
	char data[96];
	char sock[96];
	char log[96];
	pid_t pid;
	int port;
	uint32_t vol_id;
	const char *busy_poll;		/* --busy-poll value, NULL: default */
} T;

/* ---- process control ---- */

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static pid_t spawn(const char *data, const char *sock, const char *log)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);

		if (fd >= 0) {
			dup2(fd, 2);
			close(fd);
		}
		execl(SILKD_PATH, "silkd", "-c", "/dev/null", "-l", "127.0.0.1:0",
		      "-d", data, "--mgmt-socket", sock, "-t", "2", "-q", "32",
		      "-v", "--busy-poll", T.busy_poll ? T.busy_poll : "off",
		      (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Wait for pid to exit (bounded); returns exit status or -1. */
static int wait_exit(pid_t pid, int ms)
{
	int status;

	for (int i = 0; i < ms / 10; i++) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) :
			       128 + WTERMSIG(status);
		sleep_ms(10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

/* ---- management API ---- */

static json_object *mgmt(const char *fmt, ...)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 20 };
	char req[1024], buf[65536];
	size_t n = 0;
	va_list ap;
	int fd;

	va_start(ap, fmt);
	vsnprintf(req, sizeof(req) - 1, fmt, ap);
	va_end(ap);
	strcat(req, "\n");
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", T.sock);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		close(fd);
		return NULL;
	}
	while (n < sizeof(buf) - 1) {
		ssize_t r = read(fd, buf + n, sizeof(buf) - 1 - n);

		if (r <= 0)
			break;
		n += (size_t)r;
		if (buf[n - 1] == '\n')
			break;
	}
	close(fd);
	buf[n] = '\0';
	return json_tokener_parse(buf);
}

static json_object *jget(json_object *o, const char *k1, const char *k2)
{
	json_object *v = NULL;

	if (!o || !json_object_object_get_ex(o, k1, &v))
		return NULL;
	if (k2 && !json_object_object_get_ex(v, k2, &v))
		return NULL;
	return v;
}

static bool mgmt_ok(json_object *o)
{
	bool ok = o && json_object_get_boolean(jget(o, "ok", NULL));

	json_object_put(o);
	return ok;
}

/* Start silkd and learn its port from the status reply. */
static int start_server(void)
{
	T.pid = spawn(T.data, T.sock, T.log);
	if (T.pid < 0)
		return -1;
	for (int i = 0; i < 3000; i++) {
		json_object *st = access(T.sock, F_OK) == 0 ? mgmt("{\"op\":\"status\"}") : NULL;
		json_object *l = jget(st, "node", "listen");

		if (l && json_object_array_length(l) == 1) {
			const char *a = json_object_get_string(
				json_object_array_get_idx(l, 0));

			T.port = atoi(strrchr(a, ':') + 1);
			json_object_put(st);
			return T.port > 0 ? 0 : -1;
		}
		json_object_put(st);
		if (waitpid(T.pid, NULL, WNOHANG) == T.pid)
			return -1;
		sleep_ms(10);
	}
	return -1;
}

static int stop_server(int sig)
{
	kill(T.pid, sig);
	return wait_exit(T.pid, 60000);
}

/* ---- wire protocol client ---- */

struct cl {
	int fd;
	uint32_t vol_id;
	uint32_t features;
};

static int tcp_connect(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct timeval tv = { .tv_sec = 20 };
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	sa.sin_port = htons((uint16_t)T.port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void send_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n > 0) {
		ssize_t w = send(fd, b, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		assert_true(w > 0);
		b += w;
		n -= (size_t)w;
	}
}

/* Returns bytes read: n, or fewer at EOF (0 = clean close). */
static size_t recv_all(int fd, void *p, size_t n)
{
	uint8_t *b = p;
	size_t got = 0;

	while (got < n) {
		ssize_t r = recv(fd, b + got, n - got, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == ECONNRESET)
			return got;
		assert_true(r >= 0);	/* a timeout fails the test */
		if (r == 0)
			return got;
		got += (size_t)r;
	}
	return got;
}

static void send_req(struct cl *c, struct silk_msg m, const void *data)
{
	uint8_t hdr[SILK_HDR_SIZE];

	m.magic = SILK_MAGIC;
	if (!m.vol_id)
		m.vol_id = c->vol_id;
	if (c->features & SILK_FEAT_HDGST)
		m.flags |= SILK_F_HDGST;
	if ((c->features & SILK_FEAT_DDGST) && m.data_len) {
		m.flags |= SILK_F_DDGST;
		m.data_digest = silk_crc32c(data, m.data_len);
	}
	silk_hdr_encode(&m, hdr);
	send_all(c->fd, hdr, sizeof(hdr));
	if (m.data_len)
		send_all(c->fd, data, m.data_len);
}

/* Read one reply; payload (if any) into buf (cap bytes). */
static struct silk_msg recv_rep(struct cl *c, void *buf, size_t cap)
{
	uint8_t hdr[SILK_HDR_SIZE];
	struct silk_msg m;

	assert_int_equal(recv_all(c->fd, hdr, sizeof(hdr)), sizeof(hdr));
	silk_hdr_decode(hdr, &m);
	assert_int_equal(silk_rep_check(&m, hdr), SILK_V_OK);
	assert_true(m.data_len <= cap);
	if (m.data_len)
		assert_int_equal(recv_all(c->fd, buf, m.data_len), m.data_len);
	if (m.flags & SILK_F_DDGST)
		assert_int_equal(m.data_digest, silk_crc32c(buf, m.data_len));
	if (c->features & SILK_FEAT_HDGST && (m.opcode & 0x7f) != SILK_OP_HELLO)
		assert_true(m.flags & SILK_F_HDGST);
	return m;
}

static struct cl hello(const char *vol, uint32_t features, unsigned *status)
{
	struct cl c = { .fd = tcp_connect() };
	struct silk_hello_req_h h = {
		.min_version = 1, .max_version = 1, .features = features,
		.queue_depth = 64,
	};
	struct silk_hello_rep_h r;
	uint8_t p[SILK_HELLO_REQ_SIZE];
	struct silk_msg m = { .opcode = SILK_OP_HELLO, .tag = 77,
			      .data_len = SILK_HELLO_REQ_SIZE };

	snprintf(h.volume, sizeof(h.volume), "%s", vol);
	silk_hello_req_encode(&h, p);
	c.vol_id = 0;
	send_req(&c, m, p);
	m = recv_rep(&c, p, sizeof(p));
	assert_int_equal(m.tag, 77);
	*status = m.status;
	if (m.status == SILK_S_OK) {
		silk_hello_rep_decode(p, &r);
		c.vol_id = r.vol_id;
		c.features = r.features;
		assert_int_equal(r.size, VOL_SIZE);
		assert_int_equal(r.block_size, 4096);
		assert_int_equal(r.max_data, SILK_MAX_DATA);
		assert_int_equal(r.features, features & SILK_FEAT_ALL);
	}
	return c;
}

static struct cl open_vol(uint32_t features)
{
	unsigned st;
	struct cl c = hello("vol0", features, &st);

	assert_int_equal(st, SILK_S_OK);
	return c;
}

static unsigned do_io(struct cl *c, uint8_t op, uint64_t off, uint32_t len,
		      uint8_t flags, void *buf)
{
	static uint32_t tag = 1000;
	struct silk_msg m = { .opcode = op, .tag = ++tag, .offset = off,
			      .length = len, .flags = flags };

	if (op == SILK_OP_WRITE)
		m.data_len = len;
	send_req(c, m, buf);
	m = recv_rep(c, buf, op == SILK_OP_READ ? len : 0);
	assert_int_equal(m.tag, tag);
	assert_int_equal(m.opcode, op | SILK_OP_REPLY);
	return m.status;
}

/* True when the server closed the connection (EOF) within the timeout. */
static bool closed_by_server(int fd)
{
	uint8_t b[SILK_HDR_SIZE + 64];

	for (int i = 0; i < 100; i++) {
		ssize_t r = recv(fd, b, sizeof(b), 0);

		if (r == 0 || (r < 0 && errno == ECONNRESET))
			return true;
		if (r < 0 && errno != EINTR)
			return false;
	}
	return false;
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(((i >> 3) * 13 + seed * 101 + i) & 0xff);
}

/* ---- fixture ---- */

static int group_setup(void **state)
{
	(void)state;
	snprintf(T.dir, sizeof(T.dir), "/tmp/silk-srv-XXXXXX");
	if (!mkdtemp(T.dir))
		return -1;
	snprintf(T.data, sizeof(T.data), "%s/data", T.dir);
	snprintf(T.sock, sizeof(T.sock), "%s/m.sock", T.dir);
	snprintf(T.log, sizeof(T.log), "%s/silkd.log", T.dir);
	signal(SIGPIPE, SIG_IGN);
	if (start_server() < 0) {
		fprintf(stderr, "silkd did not start; log %s\n", T.log);
		return -1;
	}
	if (!mgmt_ok(mgmt("{\"op\":\"volume.create\",\"name\":\"vol0\",\"size\":%u}",
			  VOL_SIZE)))
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[160];
	int rc;

	(void)state;
	rc = T.pid > 0 ? stop_server(SIGTERM) : 0;
	if (rc != 0) {
		snprintf(cmd, sizeof(cmd), "cat '%s' >&2", T.log);
		if (system(cmd) != 0)
			return -1;
		return -1;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", T.dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- tests ---- */

static void test_write_read_compare(void **state)
{
	static uint8_t w[SILK_MAX_DATA], r[SILK_MAX_DATA];
	static const uint32_t sizes[] = { 4096, 8192, 65536, 131072, SILK_MAX_DATA };
	struct cl c = open_vol(0);
	uint64_t off = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		fill(w, sizes[i], (unsigned)i);
		assert_int_equal(do_io(&c, SILK_OP_WRITE, off, sizes[i],
				       i % 2 ? SILK_F_FUA : 0, w), SILK_S_OK);
		memset(r, 0, sizes[i]);
		assert_int_equal(do_io(&c, SILK_OP_READ, off, sizes[i], 0, r),
				 SILK_S_OK);
		assert_memory_equal(r, w, sizes[i]);
		off += sizes[i];
	}
	assert_int_equal(do_io(&c, SILK_OP_FLUSH, 0, 0, 0, NULL), SILK_S_OK);
	/* The last block of the volume. */
	fill(w, 4096, 99);
	assert_int_equal(do_io(&c, SILK_OP_WRITE, VOL_SIZE - 4096, 4096, 0, w),
			 SILK_S_OK);
	assert_int_equal(do_io(&c, SILK_OP_READ, VOL_SIZE - 4096, 4096, 0, r),
			 SILK_S_OK);
	assert_memory_equal(r, w, 4096);
	close(c.fd);
}

static void test_discard_and_write_zeroes(void **state)
{
	static uint8_t w[65536], r[65536], z[65536];
	struct cl c = open_vol(0);

	(void)state;
	fill(w, sizeof(w), 7);
	assert_int_equal(do_io(&c, SILK_OP_WRITE, 8 << 20, sizeof(w), 0, w), 0);
	assert_int_equal(do_io(&c, SILK_OP_DISCARD, (8 << 20) + 4096, 8192, 0,
			       NULL), SILK_S_OK);
	assert_int_equal(do_io(&c, SILK_OP_WRITE_ZEROES, (8 << 20) + 32768, 4096,
			       SILK_F_FUA, NULL), SILK_S_OK);
	assert_int_equal(do_io(&c, SILK_OP_READ, 8 << 20, sizeof(r), 0, r), 0);
	assert_memory_equal(r, w, 4096);
	assert_memory_equal(r + 4096, z, 8192);
	assert_memory_equal(r + 12288, w + 12288, 32768 - 12288);
	assert_memory_equal(r + 32768, z, 4096);
	assert_memory_equal(r + 36864, w + 36864, sizeof(w) - 36864);
	close(c.fd);
}

static void test_pipelined(void **state)
{
	enum { N = 100, BS = 16384 };
	static uint8_t w[N][BS], r[BS];
	struct cl c = open_vol(0);
	bool seen[N] = { false };

	(void)state;
	/* All writes go out before any reply is read: more than the
	 * server's queue depth, so backpressure is exercised too. */
	for (uint32_t i = 0; i < N; i++) {
		struct silk_msg m = { .opcode = SILK_OP_WRITE, .tag = i,
				      .offset = (uint64_t)i * BS, .length = BS,
				      .data_len = BS };

		fill(w[i], BS, i + 1000);
		send_req(&c, m, w[i]);
	}
	for (int i = 0; i < N; i++) {
		struct silk_msg m = recv_rep(&c, NULL, 0);

		assert_int_equal(m.status, SILK_S_OK);
		assert_true(m.tag < N && !seen[m.tag]);
		seen[m.tag] = true;
	}
	for (uint32_t i = 0; i < N; i++) {
		struct silk_msg m = { .opcode = SILK_OP_READ, .tag = 500 + i,
				      .offset = (uint64_t)i * BS, .length = BS };

		send_req(&c, m, NULL);
	}
	memset(seen, 0, sizeof(seen));
	for (int i = 0; i < N; i++) {
		struct silk_msg m = recv_rep(&c, r, sizeof(r));
		uint32_t k = m.tag - 500;

		assert_int_equal(m.status, SILK_S_OK);
		assert_true(k < N && !seen[k]);
		seen[k] = true;
		assert_memory_equal(r, w[k], BS);
	}
	close(c.fd);
}

static void test_many_connections(void **state)
{
	enum { NC = 8 };
	struct cl c[NC];
	uint8_t w[4096], r[4096];

	(void)state;
	for (int i = 0; i < NC; i++)
		c[i] = open_vol(i % 2 ? SILK_FEAT_DDGST | SILK_FEAT_HDGST : 0);
	for (int i = 0; i < NC; i++) {
		fill(w, sizeof(w), 300 + (unsigned)i);
		assert_int_equal(do_io(&c[i], SILK_OP_WRITE, (uint64_t)(16 + i) << 20,
				       4096, 0, w), 0);
	}
	for (int i = NC; i-- > 0;) {
		fill(w, sizeof(w), 300 + (unsigned)i);
		/* Read through a different connection than the writer. */
		assert_int_equal(do_io(&c[(i + 1) % NC], SILK_OP_READ,
				       (uint64_t)(16 + i) << 20, 4096, 0, r), 0);
		assert_memory_equal(r, w, 4096);
	}
	for (int i = 0; i < NC; i++)
		close(c[i].fd);
}

static void test_semantic_errors_keep_connection(void **state)
{
	struct cl c = open_vol(0);
	uint8_t buf[8192];
	struct silk_msg m = { .opcode = SILK_OP_KEEPALIVE, .tag = 5 };

	(void)state;
	assert_int_equal(do_io(&c, SILK_OP_READ, VOL_SIZE, 4096, 0, buf),
			 SILK_S_RANGE);
	assert_int_equal(do_io(&c, SILK_OP_WRITE, VOL_SIZE - 4096, 8192, 0, buf),
			 SILK_S_RANGE);
	send_req(&c, m, NULL);
	m = recv_rep(&c, NULL, 0);
	assert_int_equal(m.opcode, SILK_OP_KEEPALIVE | SILK_OP_REPLY);
	assert_int_equal(m.tag, 5);
	assert_int_equal(do_io(&c, SILK_OP_READ, 0, 4096, 0, buf), SILK_S_OK);
	close(c.fd);
}

static void test_hello_refusals(void **state)
{
	unsigned st;
	struct cl c;

	(void)state;
	c = hello("missing", 0, &st);
	assert_int_equal(st, SILK_S_NOENT);
	assert_true(closed_by_server(c.fd));
	close(c.fd);
	c = hello("bad name!", 0, &st);
	assert_int_equal(st, SILK_S_NOENT);
	assert_true(closed_by_server(c.fd));
	close(c.fd);
}

struct bad {
	const char *what;
	struct silk_msg m;
	bool raw_garbage;
};

static void test_malformed_closes_only_that_connection(void **state)
{
	static const struct bad cases[] = {
		{ .what = "bad magic", .m = { .magic = 0x12345678, .opcode = SILK_OP_FLUSH } },
		{ .what = "unknown opcode", .m = { .opcode = 0x55 } },
		{ .what = "reply bit", .m = { .opcode = SILK_OP_READ | SILK_OP_REPLY, .length = 4096 } },
		{ .what = "status set", .m = { .opcode = SILK_OP_FLUSH, .status = 1 } },
		{ .what = "too big", .m = { .opcode = SILK_OP_WRITE, .length = 0x7ffff000,
			       .data_len = 0x7ffff000 } },
		{ .what = "write len", .m = { .opcode = SILK_OP_WRITE, .length = 4096,
				 .data_len = 8192 } },
		{ .what = "read data", .m = { .opcode = SILK_OP_READ, .length = 4096,
				 .data_len = 4096 } },
		{ .what = "discard data", .m = { .opcode = SILK_OP_DISCARD, .length = 4096,
				    .data_len = 16 } },
		{ .what = "misaligned", .m = { .opcode = SILK_OP_READ, .offset = 100,
				  .length = 4096 } },
		{ .what = "vol id", .m = { .opcode = SILK_OP_READ, .length = 4096, .vol_id = 999 } },
		{ .what = "second hello", .m = { .opcode = SILK_OP_HELLO,
				    .data_len = SILK_HELLO_REQ_SIZE } },
		{ .what = "digest not negotiated", .m = { .opcode = SILK_OP_FLUSH,
					     .flags = SILK_F_HDGST } },
		{ .what = "garbage", .raw_garbage = true },
	};
	struct cl good = open_vol(0);
	uint8_t buf[4096];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cl c = open_vol(0);
		uint8_t hdr[SILK_HDR_SIZE + SILK_HELLO_REQ_SIZE];
		struct silk_msg m = cases[i].m;

		if (cases[i].raw_garbage) {
			for (size_t k = 0; k < sizeof(hdr); k++)
				hdr[k] = (uint8_t)(k * 37 + 11);
		} else {
			if (!m.magic)
				m.magic = SILK_MAGIC;
			if (!m.vol_id)
				m.vol_id = c.vol_id;
			memset(hdr, 0, sizeof(hdr));
			silk_hdr_encode(&m, hdr);
		}
		send_all(c.fd, hdr, sizeof(hdr));
		if (!closed_by_server(c.fd)) {
			print_error("case '%s': connection not closed\n",
				    cases[i].what);
			fail();
		}
		close(c.fd);
		/* The other connection is unaffected. */
		assert_int_equal(do_io(&good, SILK_OP_READ, 0, 4096, 0, buf), 0);
	}
	/* A request before HELLO. */
	{
		struct cl c = { .fd = tcp_connect(), .vol_id = 1 };
		struct silk_msg m = { .opcode = SILK_OP_READ, .length = 4096 };

		send_req(&c, m, NULL);
		assert_true(closed_by_server(c.fd));
		close(c.fd);
	}
	/* A bad data digest. */
	{
		struct cl c = open_vol(SILK_FEAT_DDGST);
		struct silk_msg m = { .opcode = SILK_OP_WRITE, .tag = 1,
				      .length = 4096, .data_len = 4096,
				      .vol_id = c.vol_id, .magic = SILK_MAGIC,
				      .flags = SILK_F_DDGST, .data_digest = 1 };
		uint8_t h[SILK_HDR_SIZE];

		silk_hdr_encode(&m, h);
		send_all(c.fd, h, sizeof(h));
		send_all(c.fd, buf, sizeof(buf));
		assert_true(closed_by_server(c.fd));
		close(c.fd);
	}
	assert_int_equal(do_io(&good, SILK_OP_FLUSH, 0, 0, 0, NULL), 0);
	close(good.fd);
	{
		json_object *st = mgmt("{\"op\":\"status\"}");
		json_object *pe = jget(jget(st, "node", "stats"), "protocol_errors",
				       NULL);

		assert_true(json_object_get_int(pe) >= 15);
		json_object_put(st);
	}
}

static void test_delete_busy(void **state)
{
	struct cl c = open_vol(0);
	json_object *o;
	uint8_t buf[4096];

	(void)state;
	assert_int_equal(do_io(&c, SILK_OP_READ, 0, 4096, 0, buf), 0);
	o = mgmt("{\"op\":\"volume.delete\",\"name\":\"vol0\"}");
	assert_false(json_object_get_boolean(jget(o, "ok", NULL)));
	assert_int_equal(json_object_get_int(jget(o, "errno", NULL)), EBUSY);
	json_object_put(o);
	o = mgmt("{\"op\":\"volume.get\",\"name\":\"vol0\"}");
	assert_true(json_object_get_int(jget(o, "volume", "connections")) >= 1);
	json_object_put(o);
	close(c.fd);
	/* A throwaway volume: force-delete while connected closes the
	 * connection on its next request. */
	assert_true(mgmt_ok(mgmt("{\"op\":\"volume.create\",\"name\":\"tmp\","
				 "\"size\":%u}", VOL_SIZE)));
	{
		unsigned st;
		struct cl t = hello("tmp", 0, &st);
		struct silk_msg m = { .opcode = SILK_OP_READ, .tag = 1,
				      .length = 4096 };

		assert_int_equal(st, SILK_S_OK);
		assert_true(mgmt_ok(mgmt("{\"op\":\"volume.delete\",\"name\":\"tmp\","
					 "\"force\":true}")));
		send_req(&t, m, NULL);
		assert_true(closed_by_server(t.fd));
		close(t.fd);
	}
}

static void test_restart_keeps_data(void **state)
{
	static uint8_t w[65536], r[65536];
	char other_log[128];
	struct cl c = open_vol(0);
	pid_t second;

	(void)state;
	/* A second silkd on the same data directory is refused. */
	snprintf(other_log, sizeof(other_log), "%s/second.log", T.dir);
	{
		char sock2[128];

		snprintf(sock2, sizeof(sock2), "%s/m2.sock", T.dir);
		second = spawn(T.data, sock2, other_log);
		assert_int_equal(wait_exit(second, 30000), 1);
	}

	fill(w, sizeof(w), 4242);
	assert_int_equal(do_io(&c, SILK_OP_WRITE, 32 << 20, sizeof(w), SILK_F_FUA,
			       w), 0);
	fill(w, sizeof(w), 4343);
	assert_int_equal(do_io(&c, SILK_OP_WRITE, 40 << 20, sizeof(w), 0, w), 0);
	assert_int_equal(do_io(&c, SILK_OP_FLUSH, 0, 0, 0, NULL), 0);
	/* SIGKILL: what was FUA'd or flushed survives. */
	assert_int_equal(stop_server(SIGKILL), 128 + SIGKILL);
	assert_true(closed_by_server(c.fd));
	close(c.fd);
	unlink(T.sock);	/* a killed daemon leaves its socket behind */
	assert_int_equal(start_server(), 0);
	c = open_vol(0);
	assert_int_equal(do_io(&c, SILK_OP_READ, 32 << 20, sizeof(r), 0, r), 0);
	fill(w, sizeof(w), 4242);
	assert_memory_equal(r, w, sizeof(w));
	assert_int_equal(do_io(&c, SILK_OP_READ, 40 << 20, sizeof(r), 0, r), 0);
	fill(w, sizeof(w), 4343);
	assert_memory_equal(r, w, sizeof(w));
	/* SIGTERM with a connection open: clean exit 0. */
	assert_int_equal(stop_server(SIGTERM), 0);
	assert_true(closed_by_server(c.fd));
	close(c.fd);
	assert_int_equal(access(T.sock, F_OK), -1);
	assert_int_equal(start_server(), 0);
	c = open_vol(0);
	assert_int_equal(do_io(&c, SILK_OP_READ, 32 << 20, sizeof(r), 0, r), 0);
	fill(w, sizeof(w), 4242);
	assert_memory_equal(r, w, sizeof(w));
	close(c.fd);
}

/* silkd's CPU time so far, in clock ticks (utime + stime). */
static long cpu_ticks(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	assert_non_null(p);
	/* after ") ": state is field 3, utime 14, stime 15 */
	assert_int_equal(sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
				&ut, &st), 2);
	return (long)(ut + st);
}

static uint64_t node_stat(const char *key)
{
	json_object *st = mgmt("{\"op\":\"status\"}");
	json_object *v = jget(jget(st, "node", "stats"), key, NULL);
	uint64_t n;

	assert_non_null(v);
	n = (uint64_t)json_object_get_int64(v);
	json_object_put(st);
	return n;
}

/*
 * --busy-poll: requests one at a time and pipelined are answered right
 * while the workers poll, the polls that found work are counted, and a
 * worker whose window has passed sleeps: an idle silkd burns no CPU.
 */
static void test_busy_poll(void **state)
{
	static uint8_t w[65536], r[65536];
	struct cl c;
	long t0, t1;

	(void)state;
	assert_int_equal(stop_server(SIGTERM), 0);
	T.busy_poll = "50000";
	assert_int_equal(start_server(), 0);
	c = open_vol(0);
	for (unsigned i = 0; i < 300; i++) {
		uint64_t off = (uint64_t)(i % 64) * 65536 + 8192;
		uint32_t len = i % 3 ? 4096 : 65536;

		fill(w, len, i + 7000);
		assert_int_equal(do_io(&c, SILK_OP_WRITE, off, len, 0, w), 0);
		memset(r, 0, len);
		assert_int_equal(do_io(&c, SILK_OP_READ, off, len, 0, r), 0);
		assert_memory_equal(r, w, len);
	}
	/* 16 reads in flight at once, answered in any order. */
	fill(w, sizeof(w), 7777);
	assert_int_equal(do_io(&c, SILK_OP_WRITE, 48 << 20, sizeof(w), 0, w), 0);
	for (uint32_t i = 0; i < 16; i++) {
		struct silk_msg m = { .opcode = SILK_OP_READ, .tag = 9000 + i,
				      .offset = (48 << 20) + i * 4096,
				      .length = 4096 };

		send_req(&c, m, NULL);
	}
	for (uint32_t i = 0; i < 16; i++) {
		struct silk_msg m = recv_rep(&c, r, 4096);

		assert_int_equal(m.status, SILK_S_OK);
		assert_true(m.tag >= 9000 && m.tag < 9016);
		assert_memory_equal(r, w + (m.tag - 9000) * 4096, 4096);
	}
	/* 600 requests back to back: some arrive inside a 50 ms window. */
	assert_true(node_stat("busy_poll_hits") > 0);
	close(c.fd);
	/* Idle: the window closes and the workers sleep again. */
	sleep_ms(300);
	t0 = cpu_ticks(T.pid);
	sleep_ms(1500);
	t1 = cpu_ticks(T.pid);
	if (t1 - t0 > 30)
		fail_msg("idle silkd used %ld ticks of CPU in 1.5 s", t1 - t0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_read_compare),
		cmocka_unit_test(test_discard_and_write_zeroes),
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_many_connections),
		cmocka_unit_test(test_semantic_errors_keep_connection),
		cmocka_unit_test(test_hello_refusals),
		cmocka_unit_test(test_malformed_closes_only_that_connection),
		cmocka_unit_test(test_delete_busy),
		cmocka_unit_test(test_restart_keeps_data),
		cmocka_unit_test(test_busy_poll),
	};

	return cmocka_run_group_tests_name("server", tests, group_setup,
					   group_teardown);
}
