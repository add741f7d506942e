// SPDX-License-Identifier: GPL-2.0
/*
 * silk-loadgen: drive a running silkd over the Silk wire protocol and
 * report IOPS, and IOPS per core of silkd CPU time (from /proc/PID/stat).
 *
 * It opens N connections to the volume (HELLO on each), optionally writes
 * the whole range once so the store is warm, then keeps QD random reads in
 * flight on every connection, one thread per connection.  The first RAMP
 * seconds are not counted.
 *
 *   silk-loadgen --volume NAME [--addr HOST] [--port N] [--conns N]
 *                [--qd N] [--bs SIZE] [--range SIZE] [--time S] [--ramp S]
 *                [--prefill] [--pid SILKD_PID] [--json FILE]
 */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "benchutil.h"
#include "lg_conn.h"
#include "silk_proto.h"

#define MAX_CONNS 64
#define PREFILL_BS (128u << 10)
#define PREFILL_QD 8

static const char *prog = "silk-loadgen";

struct opts {
	struct lg_params p;
	unsigned conns;
	double secs, ramp;
	bool prefill;
	int pid;
	const char *json;
};

struct worker {
	struct lg_conn c;
	enum lg_mode mode;
	atomic_bool *failed;
	int rc;
	pthread_t t;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: silk-loadgen --volume NAME [OPTIONS]\n"
		"Random-read load over the Silk wire protocol; reports IOPS and IOPS per\n"
		"core of silkd CPU time.  A benchmark: it asserts nothing about speed.\n\n"
		"  -v, --volume NAME   volume to open (required)\n"
		"  -a, --addr HOST     silkd address (default 127.0.0.1)\n"
		"  -p, --port PORT     silkd data port (default %d)\n"
		"  -c, --conns N       connections, one thread each (default 2)\n"
		"  -q, --qd N          requests in flight per connection (default 32)\n"
		"  -b, --bs SIZE       bytes per read (default 4K)\n"
		"  -r, --range SIZE    bytes of the volume to use (default: all)\n"
		"  -t, --time SECS     measured time (default 5)\n"
		"  -R, --ramp SECS     warm-up before measuring (default 1)\n"
		"  -P, --prefill       first write the whole range (128K writes)\n"
		"  -i, --pid PID       silkd's process id, for CPU time per I/O\n"
		"  -T, --timeout SECS  give up after this long without a reply (default 10)\n"
		"  -j, --json FILE     also write the figures as JSON ('-': stdout)\n"
		"  -h, --help          this text\n", SILK_DEFAULT_PORT);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	w->rc = lg_conn_run(&w->c, w->mode);
	if (w->rc)
		atomic_store(w->failed, true);
	return NULL;
}

static int parse(int argc, char **argv, struct opts *o, char *portbuf, size_t portlen)
{
	static const struct option lo[] = {
		{ "volume", required_argument, NULL, 'v' },
		{ "addr", required_argument, NULL, 'a' },
		{ "port", required_argument, NULL, 'p' },
		{ "conns", required_argument, NULL, 'c' },
		{ "qd", required_argument, NULL, 'q' },
		{ "bs", required_argument, NULL, 'b' },
		{ "range", required_argument, NULL, 'r' },
		{ "time", required_argument, NULL, 't' },
		{ "ramp", required_argument, NULL, 'R' },
		{ "prefill", no_argument, NULL, 'P' },
		{ "pid", required_argument, NULL, 'i' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "json", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "v:a:p:c:q:b:r:t:R:Pi:T:j:h", lo, NULL)) != -1) {
		switch (c) {
		case 'v':
			if (strlen(optarg) > SILK_VOLUME_NAME_MAX || !*optarg) {
				fprintf(stderr, "%s: --volume: name must be 1-%d characters\n",
					prog, SILK_VOLUME_NAME_MAX);
				return -1;
			}
			o->p.volume = optarg;
			break;
		case 'a': o->p.host = optarg; break;
		case 'p':
			if (bu_parse_u64("--port", optarg, 1, 65535, false, &v))
				return -1;
			snprintf(portbuf, portlen, "%llu", (unsigned long long)v);
			o->p.port = portbuf;
			break;
		case 'c':
			if (bu_parse_u64("--conns", optarg, 1, MAX_CONNS, false, &v))
				return -1;
			o->conns = (unsigned)v;
			break;
		case 'q':
			if (bu_parse_u64("--qd", optarg, 1, 1024, false, &v))
				return -1;
			o->p.qd = (unsigned)v;
			break;
		case 'b':
			if (bu_parse_u64("--bs", optarg, 512, SILK_MAX_DATA, true, &v))
				return -1;
			if (v % 512) {
				fprintf(stderr, "%s: --bs must be a multiple of 512: '%s'\n", prog, optarg);
				return -1;
			}
			o->p.bs = (uint32_t)v;
			break;
		case 'r':
			if (bu_parse_u64("--range", optarg, 4096, UINT64_MAX / 2, true, &v))
				return -1;
			o->p.range = v;
			break;
		case 't':
			if (bu_parse_secs("--time", optarg, 3600, &o->secs))
				return -1;
			break;
		case 'R':
			if (bu_parse_secs("--ramp", optarg, 3600, &o->ramp))
				return -1;
			break;
		case 'P': o->prefill = true; break;
		case 'i':
			if (bu_parse_u64("--pid", optarg, 1, 1u << 30, false, &v))
				return -1;
			o->pid = (int)v;
			break;
		case 'T':
			if (bu_parse_secs("--timeout", optarg, 3600, &o->p.timeout))
				return -1;
			break;
		case 'j': o->json = optarg; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
		return -1;
	}
	if (!o->p.volume) {
		fprintf(stderr, "%s: --volume is required\n", prog);
		return -1;
	}
	return 0;
}

/* Open n connections with params p (index set per connection). */
static int open_all(struct worker *w, unsigned n, struct lg_params p, atomic_bool *stop,
		    atomic_bool *failed, enum lg_mode mode)
{
	for (unsigned i = 0; i < n; i++) {
		p.index = i;
		p.nconns = n;
		w[i].mode = mode;
		w[i].failed = failed;
		if (lg_conn_open(&w[i].c, &p, stop)) {
			fprintf(stderr, "%s: connection %u: %s\n", prog, i, w[i].c.err);
			for (unsigned j = 0; j <= i; j++)
				lg_conn_close(&w[j].c);
			return -1;
		}
	}
	return 0;
}

/* Start a thread per worker; returns how many started. */
static unsigned start_all(struct worker *w, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (pthread_create(&w[i].t, NULL, worker_main, &w[i]) != 0) {
			fprintf(stderr, "%s: cannot start thread %u\n", prog, i);
			break;
		}
	return i;
}

/* Join started workers, close all; returns -1 if any failed. */
static int finish_all(struct worker *w, unsigned started, unsigned n)
{
	int rc = started == n ? 0 : -1;

	for (unsigned i = 0; i < started; i++) {
		pthread_join(w[i].t, NULL);
		if (w[i].rc) {
			fprintf(stderr, "%s: connection %u: %s\n", prog, i, w[i].c.err);
			rc = -1;
		}
	}
	for (unsigned i = 0; i < n; i++)
		lg_conn_close(&w[i].c);
	return rc;
}

static uint64_t total_done(struct worker *w, unsigned n)
{
	uint64_t s = 0;

	for (unsigned i = 0; i < n; i++)
		s += atomic_load(&w[i].c.done);
	return s;
}

/* Sleep secs in small steps; false if a worker failed meanwhile. */
static bool sleep_watch(double secs, atomic_bool *failed)
{
	uint64_t end = bu_now_ns() + (uint64_t)(secs * 1e9);

	while (bu_now_ns() < end) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };

		if (atomic_load(failed))
			return false;
		nanosleep(&ts, NULL);
	}
	return !atomic_load(failed);
}

struct sample {
	uint64_t t, ios, self_cpu, silkd_cpu;
};

static int take(struct sample *s, struct worker *w, unsigned n, int pid)
{
	s->t = bu_now_ns();
	s->ios = total_done(w, n);
	s->self_cpu = bu_self_cpu_ns();
	s->silkd_cpu = 0;
	if (pid && bu_proc_cpu_ns(pid, &s->silkd_cpu)) {
		fprintf(stderr, "%s: cannot read CPU time of process %d\n", prog, pid);
		return -1;
	}
	return 0;
}

static int prefill(const struct opts *o, double *mbs)
{
	struct worker w[MAX_CONNS];
	struct lg_params p = o->p;
	atomic_bool stop, failed;
	uint64_t t0, bytes;
	unsigned started;

	memset(w, 0, sizeof(w));
	atomic_init(&stop, false);
	atomic_init(&failed, false);
	p.bs = PREFILL_BS;
	p.qd = PREFILL_QD;
	if (open_all(w, o->conns, p, &stop, &failed, LG_WRITE_SEQ))
		return -1;
	t0 = bu_now_ns();
	started = start_all(w, o->conns);
	if (finish_all(w, started, o->conns))
		return -1;
	bytes = total_done(w, o->conns) * PREFILL_BS;
	*mbs = (double)bytes / ((double)(bu_now_ns() - t0) / 1e9) / 1e6;
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = {
		.p = { .host = "127.0.0.1", .port = "7400", .qd = 32, .bs = 4096,
		       .timeout = 10, .seed = 1 },
		.conns = 2, .secs = 5, .ramp = 1,
	};
	static struct worker w[MAX_CONNS];
	char portbuf[16];
	atomic_bool stop, failed;
	struct sample a, b;
	double prefill_mbs = 0, wall, iops, silkd_cores = 0, lg_cores;
	unsigned started;
	int rc;

	if (parse(argc, argv, &o, portbuf, sizeof(portbuf)))
		return 2;
	if (o.prefill && prefill(&o, &prefill_mbs))
		return 1;

	atomic_init(&stop, false);
	atomic_init(&failed, false);
	if (open_all(w, o.conns, o.p, &stop, &failed, LG_READ_RANDOM))
		return 1;
	started = start_all(w, o.conns);
	rc = started == o.conns ? 0 : -1;
	if (!rc && (!sleep_watch(o.ramp, &failed) || take(&a, w, o.conns, o.pid)))
		rc = -1;
	if (!rc && (!sleep_watch(o.secs, &failed) || take(&b, w, o.conns, o.pid)))
		rc = -1;
	atomic_store(&stop, true);
	if (finish_all(w, started, o.conns) || rc)
		return 1;

	wall = (double)(b.t - a.t) / 1e9;
	iops = (double)(b.ios - a.ios) / wall;
	lg_cores = (double)(b.self_cpu - a.self_cpu) / 1e9 / wall;
	if (o.pid)
		silkd_cores = (double)(b.silkd_cpu - a.silkd_cpu) / 1e9 / wall;

	char per_core[32] = "n/a";

	if (silkd_cores > 0)
		snprintf(per_core, sizeof(per_core), "%.0f", iops / silkd_cores);
	printf("%-10s %5s %4s %5s %10s %9s %11s %15s %13s\n", "workload", "conns", "qd", "bs",
	       "IOPS", "MB/s", "silkd cores", "IOPS/silkd-core", "loadgen cores");
	printf("%-10s %5u %4u %4uK %10.0f %9.1f %11.2f %15s %13.2f\n", "randread",
	       o.conns, o.p.qd, o.p.bs >> 10, iops, iops * o.p.bs / 1e6, silkd_cores,
	       per_core, lg_cores);

	if (o.json) {
		struct json_object *j = bu_json_header(prog);

		json_object_object_add(j, "volume", json_object_new_string(o.p.volume));
		json_object_object_add(j, "workload", json_object_new_string("randread"));
		json_object_object_add(j, "conns", json_object_new_int((int)o.conns));
		json_object_object_add(j, "qd", json_object_new_int((int)o.p.qd));
		json_object_object_add(j, "bs", json_object_new_int((int)o.p.bs));
		json_object_object_add(j, "range_bytes", json_object_new_int64((int64_t)w[0].c.p.range));
		json_object_object_add(j, "seconds", json_object_new_double(wall));
		json_object_object_add(j, "ramp_seconds", json_object_new_double(o.ramp));
		json_object_object_add(j, "ios", json_object_new_int64((int64_t)(b.ios - a.ios)));
		json_object_object_add(j, "iops", json_object_new_double(iops));
		json_object_object_add(j, "mb_s", json_object_new_double(iops * o.p.bs / 1e6));
		json_object_object_add(j, "loadgen_cores", json_object_new_double(lg_cores));
		if (o.pid) {
			json_object_object_add(j, "silkd_pid", json_object_new_int(o.pid));
			json_object_object_add(j, "silkd_cores", json_object_new_double(silkd_cores));
			json_object_object_add(j, "iops_per_silkd_core", silkd_cores > 0 ?
					       json_object_new_double(iops / silkd_cores) : NULL);
			json_object_object_add(j, "silkd_cpu_us_per_io", b.ios > a.ios ?
					       json_object_new_double((double)(b.silkd_cpu - a.silkd_cpu) /
								      1e3 / (double)(b.ios - a.ios)) : NULL);
		}
		if (o.prefill)
			json_object_object_add(j, "prefill_mb_s", json_object_new_double(prefill_mbs));
		rc = bu_json_write(prog, o.json, j);
		json_object_put(j);
		if (rc)
			return 1;
	}
	return 0;
}
