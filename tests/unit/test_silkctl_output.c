// SPDX-License-Identifier: GPL-2.0
/* silkctl output: sizes, tables, JSON documents, events. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "output.h"
#include "table.h"

/* Captures what fn writes into a malloc()ed string. */
struct capture {
	char *buf;
	size_t len;
	FILE *f;
};

static FILE *cap_open(struct capture *c)
{
	memset(c, 0, sizeof(*c));
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
	return c->f;
}

static char *cap_close(struct capture *c)
{
	fclose(c->f);
	return c->buf;
}

static void size_is(uint64_t v, const char *want)
{
	char buf[32];

	fmt_size(v, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

static void test_fmt_size(void **state)
{
	size_is(0, "0 B");
	size_is(1, "1 B");
	size_is(1023, "1023 B");
	size_is(1024, "1 KiB");
	size_is(1536, "1.5 KiB");
	size_is(4096, "4 KiB");
	size_is(1ull << 30, "1 GiB");
	size_is(3ull << 29, "1.5 GiB");
	size_is(10ull << 40, "10 TiB");
	size_is(UINT64_MAX, "16.0 EiB");
	size_is(1ull << 63, "8 EiB");
}

static void test_fmt_server_path(void **state)
{
	struct silk_dev_info d = { .index = 4 };
	char buf[96];

	fmt_server("127.0.0.1", 7400, buf, sizeof(buf));
	assert_string_equal(buf, "127.0.0.1:7400");
	fmt_server("::1", 7400, buf, sizeof(buf));
	assert_string_equal(buf, "[::1]:7400");
	fmt_server("", 7400, buf, sizeof(buf));
	assert_string_equal(buf, "-");
	fmt_dev_path(&d, buf, sizeof(buf));
	assert_string_equal(buf, "/dev/silk4");
	strcpy(d.disk_name, "silk9");
	fmt_dev_path(&d, buf, sizeof(buf));
	assert_string_equal(buf, "/dev/silk9");
}

static void test_names(void **state)
{
	assert_string_equal(silk_transport_name(SILK_TRANSPORT_TCP), "tcp");
	assert_string_equal(silk_transport_name(SILK_TRANSPORT_RDMA), "rdma");
	assert_string_equal(silk_transport_name(0), "unknown");
	assert_string_equal(silk_state_name(SILK_STATE_LIVE), "live");
	assert_string_equal(silk_state_name(SILK_STATE_RECONNECTING), "reconnecting");
	assert_string_equal(silk_state_name(200), "unknown");
	assert_string_equal(silk_event_name(SILK_EVENT_CONN_LOST), "conn-lost");
	assert_string_equal(silk_event_name(SILK_EVENT_STALE_EPOCH), "stale-epoch");
	assert_string_equal(silk_event_name(0), "unknown");
}

static struct silk_dev_info sample_dev(void)
{
	struct silk_dev_info d = {
		.index = 0, .volume = "db0", .addr = "127.0.0.1", .port = 7400,
		.transport = SILK_TRANSPORT_TCP, .state = SILK_STATE_LIVE,
		.size = 1ull << 30, .nr_queues = 2, .queue_depth = 128,
		.block_size = 4096, .disk_name = "silk0", .epoch = 3,
		.io_errors = 0, .reconnects = 1, .vol_id = 7,
	};
	int a[] = { SILK_A_INDEX, SILK_A_VOLUME, SILK_A_ADDR, SILK_A_PORT,
		    SILK_A_TRANSPORT, SILK_A_STATE, SILK_A_SIZE, SILK_A_NR_QUEUES,
		    SILK_A_QUEUE_DEPTH, SILK_A_BLOCK_SIZE, SILK_A_DISK_NAME,
		    SILK_A_EPOCH, SILK_A_IO_ERRORS, SILK_A_RECONNECTS, SILK_A_VOL_ID };
	size_t i;

	for (i = 0; i < sizeof(a) / sizeof(a[0]); i++)
		d.present |= 1ull << a[i];
	return d;
}

static void test_dev_json(void **state)
{
	struct silk_dev_info d = sample_dev();
	json_object *o = dev_to_json(&d), *v, *back;
	const char *s;

	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "device", &v));
	assert_string_equal(json_object_get_string(v), "/dev/silk0");
	assert_true(json_object_object_get_ex(o, "volume", &v));
	assert_string_equal(json_object_get_string(v), "db0");
	assert_true(json_object_object_get_ex(o, "state", &v));
	assert_string_equal(json_object_get_string(v), "live");
	assert_true(json_object_object_get_ex(o, "transport", &v));
	assert_string_equal(json_object_get_string(v), "tcp");
	assert_true(json_object_object_get_ex(o, "size", &v));
	assert_true(json_object_get_uint64(v) == 1ull << 30);
	assert_true(json_object_object_get_ex(o, "queues", &v));
	assert_int_equal(json_object_get_int(v), 2);
	assert_true(json_object_object_get_ex(o, "port", &v));
	assert_int_equal(json_object_get_int(v), 7400);
	assert_false(json_object_object_get_ex(o, "io_timeout_ms", NULL));
	assert_false(json_object_object_get_ex(o, "transport_dev", NULL));

	/* What print_json writes is one line of valid JSON that reads back. */
	{
		struct capture c;

		print_json(cap_open(&c), o);
		s = cap_close(&c);
		assert_non_null(strchr(s, '\n'));
		assert_ptr_equal(strchr(s, '\n'), s + strlen(s) - 1);
		back = json_tokener_parse(s);
		assert_non_null(back);
		assert_true(json_object_equal(back, o));
		json_object_put(back);
		free(c.buf);
	}
	json_object_put(o);

	/* The RDMA device, when the kernel names it. */
	d.transport = SILK_TRANSPORT_RDMA;
	strcpy(d.transport_dev, "rxe0");
	d.present |= 1ull << SILK_A_TRANSPORT_DEV;
	o = dev_to_json(&d);
	assert_true(json_object_object_get_ex(o, "transport", &v));
	assert_string_equal(json_object_get_string(v), "rdma");
	assert_true(json_object_object_get_ex(o, "transport_dev", &v));
	assert_string_equal(json_object_get_string(v), "rxe0");
	json_object_put(o);

	/* Only what the kernel sent shows up. */
	memset(&d, 0, sizeof(d));
	d.present = 1ull << SILK_A_INDEX;
	d.index = 5;
	o = dev_to_json(&d);
	assert_true(json_object_object_get_ex(o, "device", &v));
	assert_string_equal(json_object_get_string(v), "/dev/silk5");
	assert_false(json_object_object_get_ex(o, "volume", NULL));
	assert_false(json_object_object_get_ex(o, "state", NULL));
	json_object_put(o);
}

static void test_dev_table(void **state)
{
	struct silk_dev_info d[2] = { sample_dev(), sample_dev() };
	struct capture c;
	char *s, *line2;

	d[1].index = 1;
	strcpy(d[1].disk_name, "silk1");
	strcpy(d[1].volume, "a-much-longer-volume-name");
	strcpy(d[1].addr, "::1");
	d[1].state = SILK_STATE_RECONNECTING;
	d[1].transport = SILK_TRANSPORT_RDMA;
	strcpy(d[1].transport_dev, "rxe0");
	d[1].present |= 1ull << SILK_A_TRANSPORT_DEV;
	print_devs(cap_open(&c), d, 2);
	s = cap_close(&c);
	assert_true(!strncmp(s, "DEVICE", 6));
	assert_non_null(strstr(s, "VOLUME"));
	assert_non_null(strstr(s, "/dev/silk0"));
	assert_non_null(strstr(s, "127.0.0.1:7400"));
	assert_non_null(strstr(s, "[::1]:7400"));
	assert_non_null(strstr(s, "reconnecting"));
	assert_non_null(strstr(s, "1 GiB"));
	assert_non_null(strstr(s, " tcp "));
	assert_non_null(strstr(s, "rdma/rxe0"));
	/* Columns line up: SERVER starts at the same offset on every row. */
	line2 = strchr(s, '\n') + 1;
	assert_int_equal(strstr(s, "SERVER") - s,
			 strstr(line2, "127.0.0.1") - line2);
	free(c.buf);

	print_devs(cap_open(&c), d, 0);
	s = cap_close(&c);
	assert_string_equal(s, "no silk devices attached\n");
	free(c.buf);
}

static void test_volumes(void **state)
{
	json_object *vols = json_tokener_parse(
		"[{\"name\":\"db0\",\"id\":1,\"size\":1073741824,\"block_size\":4096,"
		"\"backing\":\"file\",\"path\":\"/var/lib/silk/volumes/db0.img\","
		"\"allocated\":65536,\"connections\":2,\"epoch\":0},"
		"{\"name\":7,\"size\":\"huge\"}, 42]");
	json_object *empty = json_object_new_array();
	json_object *notarr = json_object_new_object();
	struct capture c;
	char *s;

	assert_non_null(vols);
	print_volumes(cap_open(&c), vols);
	s = cap_close(&c);
	assert_non_null(strstr(s, "NAME"));
	assert_non_null(strstr(s, "db0"));
	assert_non_null(strstr(s, "1 GiB"));
	assert_non_null(strstr(s, "64 KiB"));
	assert_non_null(strstr(s, "/var/lib/silk/volumes/db0.img"));
	/* The mistyped entry becomes a row of dashes; the non-object is skipped. */
	assert_int_equal(strchr(strchr(strchr(s, '\n') + 1, '\n') + 1, '\n')[1], '\0');
	free(c.buf);

	print_volumes(cap_open(&c), empty);
	s = cap_close(&c);
	assert_string_equal(s, "no volumes\n");
	free(c.buf);
	print_volumes(cap_open(&c), notarr);
	s = cap_close(&c);
	assert_string_equal(s, "no volumes\n");
	free(c.buf);

	print_volume(cap_open(&c), json_object_array_get_idx(vols, 0));
	s = cap_close(&c);
	assert_non_null(strstr(s, "name:        db0\n"));
	assert_non_null(strstr(s, "size:        1 GiB (1073741824 bytes)\n"));
	assert_non_null(strstr(s, "connections: 2\n"));
	free(c.buf);

	json_object_put(vols);
	json_object_put(empty);
	json_object_put(notarr);
}

static void test_node(void **state)
{
	json_object *node = json_tokener_parse(
		"{\"version\":\"0.1.0\",\"uptime_s\":12,\"data_dir\":\"/var/lib/silk\","
		"\"listen\":[\"0.0.0.0:7400\",\"[::]:7400\"],\"threads\":2,"
		"\"rdma_listen\":[\"192.0.2.1:7400\"],\"rdma_connections\":1,"
		"\"rdma_listen_down\":[\"192.0.2.2:7400\"],"
		"\"connections\":4,\"volumes\":1,\"stats\":{\"reads\":10,\"writes\":20}}");
	json_object *junk = json_tokener_parse("{\"listen\":\"nope\",\"stats\":[1]}");
	struct capture c;
	char *s;

	print_node(cap_open(&c), node);
	s = cap_close(&c);
	assert_non_null(strstr(s, "version:     0.1.0\n"));
	assert_non_null(strstr(s, "listen:      0.0.0.0:7400, [::]:7400\n"));
	assert_non_null(strstr(s, "rdma listen: 192.0.2.1:7400\n"));
	assert_non_null(strstr(s, "rdma down:   192.0.2.2:7400\n"));
	assert_non_null(strstr(s, "connections: 4 (rdma 1)\n"));
	assert_non_null(strstr(s, "reads=10"));
	assert_non_null(strstr(s, "writes=20"));
	assert_non_null(strstr(s, "flushes=-"));
	free(c.buf);

	print_node(cap_open(&c), junk);
	s = cap_close(&c);
	assert_non_null(strstr(s, "version:     -\n"));
	assert_non_null(strstr(s, "listen:      -\n"));
	assert_null(strstr(s, "rdma listen"));
	assert_null(strstr(s, "(rdma"));
	free(c.buf);
	json_object_put(node);
	json_object_put(junk);
}

static void test_events(void **state)
{
	struct silk_event_info e = {
		.event = SILK_EVENT_CONN_LOST, .index = 2, .disk_name = "silk2",
		.volume = "db0", .state = SILK_STATE_RECONNECTING, .err = -104,
	};
	json_object *o, *v;
	struct capture c;
	char *s;

	e.present = (1ull << SILK_A_EVENT) | (1ull << SILK_A_INDEX) |
		    (1ull << SILK_A_DISK_NAME) | (1ull << SILK_A_VOLUME) |
		    (1ull << SILK_A_STATE) | (1ull << SILK_A_ERRNO);
	print_event(cap_open(&c), &e);
	s = cap_close(&c);
	assert_string_equal(s, "conn-lost dev /dev/silk2 volume db0 state reconnecting "
			    "error Connection reset by peer (-104)\n");
	free(c.buf);

	o = event_to_json(&e);
	assert_true(json_object_object_get_ex(o, "event", &v));
	assert_string_equal(json_object_get_string(v), "conn-lost");
	assert_true(json_object_object_get_ex(o, "device", &v));
	assert_string_equal(json_object_get_string(v), "/dev/silk2");
	assert_true(json_object_object_get_ex(o, "errno", &v));
	assert_int_equal(json_object_get_int(v), -104);
	json_object_put(o);

	/* errno 0 (the usual case) is not shown as an error */
	e.event = SILK_EVENT_DEV_ADDED;
	e.err = 0;
	e.state = SILK_STATE_LIVE;
	print_event(cap_open(&c), &e);
	s = cap_close(&c);
	assert_string_equal(s, "dev-added dev /dev/silk2 volume db0 state live\n");
	free(c.buf);
	o = event_to_json(&e);
	assert_false(json_object_object_get_ex(o, "errno", NULL));
	json_object_put(o);

	memset(&e, 0, sizeof(e));
	e.event = 99;
	print_event(cap_open(&c), &e);
	s = cap_close(&c);
	assert_string_equal(s, "unknown\n");
	free(c.buf);
}

static void test_table(void **state)
{
	static const char *const hdr[] = { "A", "LONGER" };
	const char *row1[] = { "xxxxx", NULL };
	struct table t;
	struct capture c;
	char big[300];
	const char *row2[] = { big, "y" };
	char *s;

	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(table_init(&t, 0, hdr), -1);
	assert_int_equal(table_init(&t, TABLE_MAX_COLS + 1, hdr), -1);
	assert_int_equal(table_init(&t, 2, hdr), 0);
	assert_int_equal(table_add(&t, row1), 0);
	table_print(&t, cap_open(&c));
	s = cap_close(&c);
	assert_string_equal(s, "A      LONGER\nxxxxx  -\n");
	free(c.buf);
	/* Oversized cells are truncated, not overflowed. */
	assert_int_equal(table_add(&t, row2), 0);
	assert_int_equal(t.width[0], TABLE_CELL_MAX - 1);
	table_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fmt_size),
		cmocka_unit_test(test_fmt_server_path),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_dev_json),
		cmocka_unit_test(test_dev_table),
		cmocka_unit_test(test_volumes),
		cmocka_unit_test(test_node),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests_name("silkctl_output", tests, NULL, NULL);
}
