// SPDX-License-Identifier: GPL-2.0
/*
 * ecbench: isa-l erasure-code encode throughput for k+m layouts (4+2, 8+3
 * by default) against memcpy of the same data bytes.  Each stripe is
 * STRIPE bytes of data split into k fragments; encode computes m parity
 * fragments with ec_encode_data().  Throughput counts data bytes.
 *
 *   ecbench [--time SECS] [--stripe SIZE]... [--json FILE]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <isa-l/erasure_code.h>

#include "benchutil.h"

#define MAX_K 16
#define MAX_M 8
#define MAX_STRIPES 8
#define POOL_BYTES (64u << 20)	/* data cycled through: beyond the caches */
#define MAX_STRIPE (16u << 20)
#define PARITY_BYTES ((size_t)MAX_M * (MAX_STRIPE / 4))	/* k >= 4 */

struct layout {
	int k, m;
};

struct result {
	int k, m;
	uint64_t stripe;
	double encode_mbs, memcpy_mbs;
};

static const char *prog = "ecbench";

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: ecbench [--time SECS] [--stripe SIZE]... [--json FILE]\n"
		"isa-l erasure-code encode throughput (4+2 and 8+3) vs memcpy.\n\n"
		"  -t, --time SECS     measuring time per figure (default 2)\n"
		"  -s, --stripe SIZE   data bytes per stripe, repeatable\n"
		"                      (default 64K and 1M; multiple of 64*k)\n"
		"  -j, --json FILE     also write the figures as JSON ('-': stdout)\n"
		"  -h, --help          this text\n");
}

/*
 * One measurement: run op over consecutive stripes of the pool until secs
 * have passed; returns data MB/s (10^6 bytes).  The clock is read every
 * `batch` stripes so timing costs nothing measurable.
 */
struct pool {
	unsigned char *data;	/* POOL_BYTES of pseudo-random data */
	unsigned char *dst;	/* memcpy destination, POOL_BYTES */
	unsigned char *parity;	/* MAX_M fragments of the largest size */
	uint64_t nstripes;	/* stripes of the current size in the pool */
};

static double run_encode(struct pool *p, const struct layout *l, uint64_t stripe,
			 unsigned char *gtbls, double secs)
{
	uint64_t frag = stripe / (uint64_t)l->k, done = 0, i = 0;
	uint64_t t0 = bu_now_ns(), lim = t0 + (uint64_t)(secs * 1e9), t = t0;
	unsigned char *src[MAX_K], *par[MAX_M];
	int j;

	for (j = 0; j < l->m; j++)
		par[j] = p->parity + (uint64_t)j * frag;
	while (t < lim) {
		for (int b = 0; b < 16; b++) {
			unsigned char *base = p->data + (i % p->nstripes) * stripe;

			for (j = 0; j < l->k; j++)
				src[j] = base + (uint64_t)j * frag;
			ec_encode_data((int)frag, l->k, l->m, gtbls, src, par);
			i++;
			done += stripe;
		}
		t = bu_now_ns();
	}
	return (double)done / ((double)(t - t0) / 1e9) / 1e6;
}

static double run_memcpy(struct pool *p, uint64_t stripe, double secs)
{
	uint64_t done = 0, i = 0;
	uint64_t t0 = bu_now_ns(), lim = t0 + (uint64_t)(secs * 1e9), t = t0;

	while (t < lim) {
		for (int b = 0; b < 16; b++) {
			uint64_t off = (i % p->nstripes) * stripe;

			memcpy(p->dst + off, p->data + off, stripe);
			i++;
			done += stripe;
		}
		t = bu_now_ns();
	}
	/* Keep the copies observable so they cannot be optimised away. */
	if (p->dst[done % POOL_BYTES] == 0x5a && p->dst[0] == 0xa5)
		fputc('\0', stderr);
	return (double)done / ((double)(t - t0) / 1e9) / 1e6;
}

/* The optimised encoder must agree with isa-l's reference (base) encoder:
 * a sanity check of the setup, not a speed check. */
static int sanity(struct pool *p, const struct layout *l, unsigned char *gt)
{
	uint64_t frag = 4096;
	unsigned char *src[MAX_K], *a[MAX_M], *b[MAX_M];
	unsigned char *buf = malloc(2 * MAX_M * frag);
	int j, rc = 0;

	if (!buf)
		return -1;
	for (j = 0; j < l->k; j++)
		src[j] = p->data + (uint64_t)j * frag;
	for (j = 0; j < l->m; j++) {
		a[j] = buf + (uint64_t)j * frag;
		b[j] = buf + (uint64_t)(MAX_M + j) * frag;
	}
	ec_encode_data((int)frag, l->k, l->m, gt, src, a);
	ec_encode_data_base((int)frag, l->k, l->m, gt, src, b);
	for (j = 0; j < l->m; j++)
		if (memcmp(a[j], b[j], frag) != 0)
			rc = -1;
	free(buf);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "time", required_argument, NULL, 't' },
		{ "stripe", required_argument, NULL, 's' },
		{ "json", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct layout layouts[] = { { 4, 2 }, { 8, 3 } };
	const size_t nl = sizeof(layouts) / sizeof(layouts[0]);
	uint64_t stripes[MAX_STRIPES];
	struct result res[MAX_STRIPES * 2];
	size_t ns = 0, nr = 0, si, li;
	const char *json_path = NULL;
	double secs = 2;
	struct pool p = { 0 };
	struct bu_rng rng;
	int c, rc = 1;

	while ((c = getopt_long(argc, argv, "t:s:j:h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (bu_parse_secs("--time", optarg, 3600, &secs))
				return 2;
			break;
		case 's':
			if (ns == MAX_STRIPES) {
				fprintf(stderr, "%s: at most %d --stripe options\n", prog, MAX_STRIPES);
				return 2;
			}
			if (bu_parse_u64("--stripe", optarg, 512, MAX_STRIPE, true,
					 &stripes[ns]))
				return 2;
			/* Fragments must be a multiple of 64 bytes for every k. */
			if (stripes[ns] % (64 * 4) || stripes[ns] % (64 * 8)) {
				fprintf(stderr, "%s: --stripe must be a multiple of 512 bytes: '%s'\n",
					prog, optarg);
				return 2;
			}
			ns++;
			break;
		case 'j':
			json_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
		return 2;
	}
	if (ns == 0) {
		stripes[ns++] = 64u << 10;
		stripes[ns++] = 1u << 20;
	}

	p.data = aligned_alloc(64, POOL_BYTES);
	p.dst = aligned_alloc(64, POOL_BYTES);
	p.parity = aligned_alloc(64, PARITY_BYTES);
	if (!p.data || !p.dst || !p.parity) {
		fprintf(stderr, "%s: out of memory\n", prog);
		goto out;
	}
	bu_rng_seed(&rng, 42);
	for (size_t i = 0; i < POOL_BYTES / 8; i++) {
		uint64_t v = bu_rng_next(&rng);

		memcpy(p.data + i * 8, &v, 8);
	}
	memset(p.dst, 0, POOL_BYTES);
	memset(p.parity, 0, PARITY_BYTES);

	for (li = 0; li < nl; li++) {
		const struct layout *l = &layouts[li];
		unsigned char a[(MAX_K + MAX_M) * MAX_K];
		unsigned char gt[MAX_K * MAX_M * 32];

		gf_gen_cauchy1_matrix(a, l->k + l->m, l->k);
		ec_init_tables(l->k, l->m, &a[l->k * l->k], gt);
		if (sanity(&p, l, gt)) {
			fprintf(stderr, "%s: %d+%d optimised encode disagrees with the reference\n", prog, l->k, l->m);
			goto out;
		}
		for (si = 0; si < ns; si++) {
			struct result *r = &res[nr++];

			p.nstripes = POOL_BYTES / stripes[si];
			if (p.nstripes == 0)
				p.nstripes = 1;
			r->k = l->k;
			r->m = l->m;
			r->stripe = stripes[si];
			r->encode_mbs = run_encode(&p, l, stripes[si], gt, secs);
			r->memcpy_mbs = run_memcpy(&p, stripes[si], secs);
		}
	}

	printf("%-6s %10s %14s %14s %8s\n", "layout", "stripe", "encode MB/s",
	       "memcpy MB/s", "ratio");
	for (size_t i = 0; i < nr; i++)
		printf("%d+%-4d %9lluK %14.0f %14.0f %7.2fx\n", res[i].k, res[i].m,
		       (unsigned long long)(res[i].stripe >> 10), res[i].encode_mbs,
		       res[i].memcpy_mbs, res[i].encode_mbs / res[i].memcpy_mbs);

	rc = 0;
	if (json_path) {
		struct json_object *o = bu_json_header(prog), *arr = json_object_new_array();

		json_object_object_add(o, "seconds_per_figure", json_object_new_double(secs));
		json_object_object_add(o, "pool_bytes", json_object_new_int64(POOL_BYTES));
		for (size_t i = 0; i < nr; i++) {
			struct json_object *e = json_object_new_object();

			json_object_object_add(e, "k", json_object_new_int(res[i].k));
			json_object_object_add(e, "m", json_object_new_int(res[i].m));
			json_object_object_add(e, "stripe_bytes", json_object_new_int64((int64_t)res[i].stripe));
			json_object_object_add(e, "encode_mb_s", json_object_new_double(res[i].encode_mbs));
			json_object_object_add(e, "memcpy_mb_s", json_object_new_double(res[i].memcpy_mbs));
			json_object_object_add(e, "encode_vs_memcpy",
					       json_object_new_double(res[i].encode_mbs / res[i].memcpy_mbs));
			json_object_array_add(arr, e);
		}
		json_object_object_add(o, "results", arr);
		rc = bu_json_write(prog, json_path, o) ? 1 : 0;
		json_object_put(o);
	}
out:
	free(p.data);
	free(p.dst);
	free(p.parity);
	return rc;
}
