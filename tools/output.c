// SPDX-License-Identifier: GPL-2.0
/* silkctl output formatting (see output.h). */
#include "output.h"

#include <inttypes.h>
#include <string.h>

#include "table.h"

const char *silk_transport_name(uint8_t t)
{
	switch (t) {
	case SILK_TRANSPORT_TCP: return "tcp";
	case SILK_TRANSPORT_RDMA: return "rdma";
	default: return "unknown";
	}
}

const char *silk_state_name(uint8_t s)
{
	switch (s) {
	case SILK_STATE_CONNECTING: return "connecting";
	case SILK_STATE_LIVE: return "live";
	case SILK_STATE_RECONNECTING: return "reconnecting";
	case SILK_STATE_FAILED: return "failed";
	case SILK_STATE_DELETING: return "deleting";
	default: return "unknown";
	}
}

const char *silk_event_name(uint8_t e)
{
	switch (e) {
	case SILK_EVENT_DEV_ADDED: return "dev-added";
	case SILK_EVENT_DEV_REMOVED: return "dev-removed";
	case SILK_EVENT_CONN_LOST: return "conn-lost";
	case SILK_EVENT_CONN_RESTORED: return "conn-restored";
	case SILK_EVENT_DEV_FAILED: return "dev-failed";
	case SILK_EVENT_IO_ERROR: return "io-error";
	case SILK_EVENT_STALE_EPOCH: return "stale-epoch";
	default: return "unknown";
	}
}

void fmt_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	unsigned int u = 0;

	while (u + 1 < sizeof(units) / sizeof(units[0]) &&
	       bytes >> (10 * (u + 1)) != 0)
		u++;
	if ((bytes & ((1ull << (10 * u)) - 1)) == 0)
		snprintf(buf, len, "%" PRIu64 " %s", bytes >> (10 * u), units[u]);
	else
		snprintf(buf, len, "%.1f %s",
			 (double)bytes / (double)(1ull << (10 * u)), units[u]);
}

void fmt_dev_path(const struct silk_dev_info *d, char *buf, size_t len)
{
	if (d->disk_name[0])
		snprintf(buf, len, "/dev/%s", d->disk_name);
	else
		snprintf(buf, len, "/dev/silk%" PRIu32, d->index);
}

void fmt_server(const char *addr, uint16_t port, char *buf, size_t len)
{
	if (!addr || !*addr)
		snprintf(buf, len, "-");
	else if (strchr(addr, ':'))
		snprintf(buf, len, "[%s]:%u", addr, (unsigned int)port);
	else
		snprintf(buf, len, "%s:%u", addr, (unsigned int)port);
}

void print_json(FILE *f, json_object *o)
{
	fprintf(f, "%s\n", json_object_to_json_string_ext(o,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

static void jadd(json_object *o, const char *k, json_object *v)
{
	json_object_object_add(o, k, v);
}

json_object *dev_to_json(const struct silk_dev_info *d)
{
	json_object *o = json_object_new_object();
	char buf[64];

	if (!o)
		return NULL;
	fmt_dev_path(d, buf, sizeof(buf));
	jadd(o, "device", json_object_new_string(buf));
	if (SILK_HAS(d, SILK_A_INDEX))
		jadd(o, "index", json_object_new_int64(d->index));
	if (SILK_HAS(d, SILK_A_VOLUME))
		jadd(o, "volume", json_object_new_string(d->volume));
	if (SILK_HAS(d, SILK_A_VOL_ID))
		jadd(o, "volume_id", json_object_new_int64(d->vol_id));
	if (SILK_HAS(d, SILK_A_ADDR))
		jadd(o, "addr", json_object_new_string(d->addr));
	if (SILK_HAS(d, SILK_A_PORT))
		jadd(o, "port", json_object_new_int(d->port));
	if (SILK_HAS(d, SILK_A_TRANSPORT))
		jadd(o, "transport", json_object_new_string(silk_transport_name(d->transport)));
	if (SILK_HAS(d, SILK_A_TRANSPORT_DEV))
		jadd(o, "transport_dev", json_object_new_string(d->transport_dev));
	if (SILK_HAS(d, SILK_A_STATE))
		jadd(o, "state", json_object_new_string(silk_state_name(d->state)));
	if (SILK_HAS(d, SILK_A_SIZE))
		jadd(o, "size", json_object_new_uint64(d->size));
	if (SILK_HAS(d, SILK_A_BLOCK_SIZE))
		jadd(o, "block_size", json_object_new_int64(d->block_size));
	if (SILK_HAS(d, SILK_A_NR_QUEUES))
		jadd(o, "queues", json_object_new_int64(d->nr_queues));
	if (SILK_HAS(d, SILK_A_QUEUE_DEPTH))
		jadd(o, "queue_depth", json_object_new_int64(d->queue_depth));
	if (SILK_HAS(d, SILK_A_IO_TIMEOUT))
		jadd(o, "io_timeout_ms", json_object_new_int64(d->io_timeout_ms));
	if (SILK_HAS(d, SILK_A_LOSS_TIMEOUT))
		jadd(o, "loss_timeout_ms", json_object_new_int64(d->loss_timeout_ms));
	jadd(o, "digest", json_object_new_boolean(d->digest));
	if (SILK_HAS(d, SILK_A_EPOCH))
		jadd(o, "epoch", json_object_new_uint64(d->epoch));
	if (SILK_HAS(d, SILK_A_RECONNECTS))
		jadd(o, "reconnects", json_object_new_int64(d->reconnects));
	if (SILK_HAS(d, SILK_A_IO_ERRORS))
		jadd(o, "io_errors", json_object_new_uint64(d->io_errors));
	return o;
}

json_object *devs_to_json(const struct silk_dev_info *d, size_t n)
{
	json_object *a = json_object_new_array();
	size_t i;

	if (!a)
		return NULL;
	for (i = 0; i < n; i++)
		json_object_array_add(a, dev_to_json(&d[i]));
	return a;
}

/* "tcp", "rdma" or "rdma/rxe0" when the RDMA device is known. */
static void fmt_transport(const struct silk_dev_info *d, char *buf,
			  size_t len)
{
	if (!SILK_HAS(d, SILK_A_TRANSPORT))
		snprintf(buf, len, "-");
	else if (SILK_HAS(d, SILK_A_TRANSPORT_DEV) && d->transport_dev[0])
		snprintf(buf, len, "%s/%s", silk_transport_name(d->transport),
			 d->transport_dev);
	else
		snprintf(buf, len, "%s", silk_transport_name(d->transport));
}

void print_devs(FILE *f, const struct silk_dev_info *d, size_t n)
{
	static const char *const hdr[] = {
		"DEVICE", "VOLUME", "SERVER", "TRANSPORT", "STATE", "SIZE", "QUEUES",
	};
	struct table t;
	size_t i;

	if (n == 0) {
		fprintf(f, "no silk devices attached\n");
		return;
	}
	if (table_init(&t, 7, hdr)) {
		fprintf(f, "out of memory\n");
		return;
	}
	for (i = 0; i < n; i++) {
		char dev[64], srv[96], size[32], q[16], tr[96];
		const char *row[7];

		fmt_dev_path(&d[i], dev, sizeof(dev));
		fmt_server(SILK_HAS(&d[i], SILK_A_ADDR) ? d[i].addr : NULL,
			   d[i].port, srv, sizeof(srv));
		if (SILK_HAS(&d[i], SILK_A_SIZE))
			fmt_size(d[i].size, size, sizeof(size));
		else
			snprintf(size, sizeof(size), "-");
		snprintf(q, sizeof(q), "%" PRIu32, d[i].nr_queues);
		row[0] = dev;
		row[1] = SILK_HAS(&d[i], SILK_A_VOLUME) ? d[i].volume : "-";
		row[2] = srv;
		fmt_transport(&d[i], tr, sizeof(tr));
		row[3] = tr;
		row[4] = SILK_HAS(&d[i], SILK_A_STATE) ? silk_state_name(d[i].state) : "-";
		row[5] = size;
		row[6] = SILK_HAS(&d[i], SILK_A_NR_QUEUES) ? q : "-";
		if (table_add(&t, row))
			break;
	}
	table_print(&t, f);
	table_free(&t);
}

/* Field accessors tolerant of missing or mistyped fields. */
static const char *jstr(json_object *o, const char *k)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int jint(json_object *o, const char *k, int64_t *out)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_int))
		return 0;
	*out = json_object_get_int64(v);
	return 1;
}

static void jint_str(json_object *o, const char *k, char *buf, size_t len)
{
	int64_t v;

	if (jint(o, k, &v))
		snprintf(buf, len, "%" PRId64, v);
	else
		snprintf(buf, len, "-");
}

static void jsize_str(json_object *o, const char *k, char *buf, size_t len)
{
	int64_t v;

	if (jint(o, k, &v) && v >= 0)
		fmt_size((uint64_t)v, buf, len);
	else
		snprintf(buf, len, "-");
}

void print_volumes(FILE *f, json_object *volumes)
{
	static const char *const hdr[] = {
		"NAME", "ID", "SIZE", "BLOCK", "BACKING", "STATE", "ALLOCATED", "CONNS",
		"PATH",
	};
	struct table t;
	size_t i, n;

	if (!json_object_is_type(volumes, json_type_array) ||
	    json_object_array_length(volumes) == 0) {
		fprintf(f, "no volumes\n");
		return;
	}
	if (table_init(&t, 9, hdr)) {
		fprintf(f, "out of memory\n");
		return;
	}
	n = json_object_array_length(volumes);
	for (i = 0; i < n; i++) {
		json_object *v = json_object_array_get_idx(volumes, i);
		char id[24], size[32], bs[24], alloc[32], conns[24];
		const char *row[9];

		if (!json_object_is_type(v, json_type_object))
			continue;
		jint_str(v, "id", id, sizeof(id));
		jsize_str(v, "size", size, sizeof(size));
		jint_str(v, "block_size", bs, sizeof(bs));
		jsize_str(v, "allocated", alloc, sizeof(alloc));
		jint_str(v, "connections", conns, sizeof(conns));
		row[0] = jstr(v, "name");
		row[1] = id;
		row[2] = size;
		row[3] = bs;
		row[4] = jstr(v, "backing");
		row[5] = jstr(v, "state");
		row[6] = alloc;
		row[7] = conns;
		row[8] = jstr(v, "path");
		if (table_add(&t, row))
			break;
	}
	table_print(&t, f);
	table_free(&t);
}

void print_volume(FILE *f, json_object *vol)
{
	char buf[64];
	int64_t v;
	const char *s;

	s = jstr(vol, "name");
	fprintf(f, "name:        %s\n", s ? s : "-");
	jint_str(vol, "id", buf, sizeof(buf));
	fprintf(f, "id:          %s\n", buf);
	jsize_str(vol, "size", buf, sizeof(buf));
	if (jint(vol, "size", &v))
		fprintf(f, "size:        %s (%" PRId64 " bytes)\n", buf, v);
	else
		fprintf(f, "size:        -\n");
	jint_str(vol, "block_size", buf, sizeof(buf));
	fprintf(f, "block size:  %s\n", buf);
	s = jstr(vol, "backing");
	fprintf(f, "backing:     %s\n", s ? s : "-");
	s = jstr(vol, "state");
	if (s)
		fprintf(f, "state:       %s\n", s);
	s = jstr(vol, "path");
	fprintf(f, "path:        %s\n", s ? s : "-");
	jsize_str(vol, "allocated", buf, sizeof(buf));
	fprintf(f, "allocated:   %s\n", buf);
	jint_str(vol, "connections", buf, sizeof(buf));
	fprintf(f, "connections: %s\n", buf);
	jint_str(vol, "epoch", buf, sizeof(buf));
	fprintf(f, "epoch:       %s\n", buf);
}

/* "label a, b" from an array of strings at key; "-" when absent or empty. */
static void print_addr_list(FILE *f, const char *label, json_object *node,
			    const char *key)
{
	json_object *a;
	size_t i;

	fputs(label, f);
	if (!json_object_object_get_ex(node, key, &a) ||
	    !json_object_is_type(a, json_type_array) ||
	    json_object_array_length(a) == 0) {
		fputs("-\n", f);
		return;
	}
	for (i = 0; i < json_object_array_length(a); i++) {
		json_object *l = json_object_array_get_idx(a, i);

		fprintf(f, "%s%s", i ? ", " : "",
			json_object_is_type(l, json_type_string) ?
			json_object_get_string(l) : "?");
	}
	fputc('\n', f);
}

void print_node(FILE *f, json_object *node)
{
	static const char *const stat_keys[] = {
		"reads", "writes", "flushes", "discards", "write_zeroes",
		"bytes_read", "bytes_written", "errors", "protocol_errors",
		"reads_spliced", "busy_poll_hits",
	};
	json_object *stats;
	char buf[64];
	const char *s;
	size_t i;

	s = jstr(node, "version");
	fprintf(f, "version:     %s\n", s ? s : "-");
	jint_str(node, "uptime_s", buf, sizeof(buf));
	fprintf(f, "uptime:      %s s\n", buf);
	s = jstr(node, "data_dir");
	fprintf(f, "data dir:    %s\n", s ? s : "-");
	print_addr_list(f, "listen:      ", node, "listen");
	/* Older silkd versions do not report RDMA listeners. */
	if (json_object_object_get_ex(node, "rdma_listen", NULL))
		print_addr_list(f, "rdma listen: ", node, "rdma_listen");
	if (json_object_object_get_ex(node, "rdma_listen_down", NULL))
		print_addr_list(f, "rdma down:   ", node, "rdma_listen_down");
	jint_str(node, "threads", buf, sizeof(buf));
	fprintf(f, "threads:     %s\n", buf);
	jint_str(node, "connections", buf, sizeof(buf));
	fprintf(f, "connections: %s", buf);
	if (json_object_object_get_ex(node, "rdma_connections", NULL)) {
		jint_str(node, "rdma_connections", buf, sizeof(buf));
		fprintf(f, " (rdma %s)", buf);
	}
	fputc('\n', f);
	jint_str(node, "volumes", buf, sizeof(buf));
	fprintf(f, "volumes:     %s\n", buf);
	if (json_object_object_get_ex(node, "stats", &stats) &&
	    json_object_is_type(stats, json_type_object)) {
		fprintf(f, "stats:      ");
		for (i = 0; i < sizeof(stat_keys) / sizeof(stat_keys[0]); i++) {
			jint_str(stats, stat_keys[i], buf, sizeof(buf));
			fprintf(f, " %s=%s", stat_keys[i], buf);
		}
		fputc('\n', f);
	}
}

json_object *event_to_json(const struct silk_event_info *e)
{
	json_object *o = json_object_new_object();
	char buf[64];

	if (!o)
		return NULL;
	jadd(o, "event", json_object_new_string(silk_event_name(e->event)));
	if (SILK_HAS(e, SILK_A_INDEX) || e->disk_name[0]) {
		if (e->disk_name[0])
			snprintf(buf, sizeof(buf), "/dev/%s", e->disk_name);
		else
			snprintf(buf, sizeof(buf), "/dev/silk%" PRIu32, e->index);
		jadd(o, "device", json_object_new_string(buf));
	}
	if (SILK_HAS(e, SILK_A_INDEX))
		jadd(o, "index", json_object_new_int64(e->index));
	if (SILK_HAS(e, SILK_A_VOLUME))
		jadd(o, "volume", json_object_new_string(e->volume));
	if (SILK_HAS(e, SILK_A_STATE))
		jadd(o, "state", json_object_new_string(silk_state_name(e->state)));
	if (SILK_HAS(e, SILK_A_ERRNO) && e->err) {
		jadd(o, "errno", json_object_new_int(e->err));
		jadd(o, "error", json_object_new_string(strerror(e->err < 0 ? -e->err : e->err)));
	}
	return o;
}

void print_event(FILE *f, const struct silk_event_info *e)
{
	fprintf(f, "%s", silk_event_name(e->event));
	if (e->disk_name[0])
		fprintf(f, " dev /dev/%s", e->disk_name);
	else if (SILK_HAS(e, SILK_A_INDEX))
		fprintf(f, " dev /dev/silk%" PRIu32, e->index);
	if (SILK_HAS(e, SILK_A_VOLUME))
		fprintf(f, " volume %s", e->volume);
	if (SILK_HAS(e, SILK_A_STATE))
		fprintf(f, " state %s", silk_state_name(e->state));
	if (SILK_HAS(e, SILK_A_ERRNO) && e->err)
		fprintf(f, " error %s (%d)", strerror(e->err < 0 ? -e->err : e->err),
			(int)e->err);
	fputc('\n', f);
}
