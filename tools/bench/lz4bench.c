// SPDX-License-Identifier: GPL-2.0
/*
 * lz4bench: lz4 compress and decompress throughput on database-like 8 KiB
 * pages (PostgreSQL-style heap pages, see pgpage.h), each page compressed
 * on its own as a storage node would.  Throughput counts uncompressed
 * bytes in both directions.
 *
 *   lz4bench [--time SECS] [--pages N] [--seed N] [--accel N] [--json FILE]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lz4.h>

#include "benchutil.h"
#include "pgpage.h"

static const char *prog = "lz4bench";

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: lz4bench [--time SECS] [--pages N] [--seed N] [--accel N] [--json FILE]\n"
		"lz4 throughput on generated PostgreSQL-style 8 KiB pages.\n\n"
		"  -t, --time SECS   measuring time per direction (default 2)\n"
		"  -p, --pages N     pages in the data set (default 4096 = 32 MiB)\n"
		"  -s, --seed N      data set seed (default 1)\n"
		"  -a, --accel N     LZ4_compress_fast acceleration (default 1)\n"
		"  -j, --json FILE   also write the figures as JSON ('-': stdout)\n"
		"  -h, --help        this text\n");
}

struct set {
	uint8_t *pages;		/* npages * PG_PAGE_SIZE */
	uint8_t *comp;		/* npages * bound */
	int *clen;		/* compressed length per page */
	uint8_t *out;		/* decompression target, npages * PG_PAGE_SIZE */
	size_t npages;
	int bound;
};

static double compress_all(struct set *s, int accel, double secs, uint64_t *ctotal)
{
	uint64_t t0 = bu_now_ns(), lim = t0 + (uint64_t)(secs * 1e9), t = t0, done = 0;
	size_t i = 0;

	*ctotal = 0;
	while (t < lim) {
		for (int b = 0; b < 64; b++, i = (i + 1) % s->npages) {
			int n = LZ4_compress_fast((const char *)s->pages + i * PG_PAGE_SIZE,
						  (char *)s->comp + i * (size_t)s->bound,
						  PG_PAGE_SIZE, s->bound, accel);
			if (n <= 0)
				return -1;
			s->clen[i] = n;
			done += PG_PAGE_SIZE;
		}
		t = bu_now_ns();
	}
	/* Compressed size of the whole set, from the last pass over it. */
	for (i = 0; i < s->npages; i++)
		*ctotal += (uint64_t)s->clen[i];
	return (double)done / ((double)(t - t0) / 1e9) / 1e6;
}

static double decompress_all(struct set *s, double secs)
{
	uint64_t t0 = bu_now_ns(), lim = t0 + (uint64_t)(secs * 1e9), t = t0, done = 0;
	size_t i = 0;

	while (t < lim) {
		for (int b = 0; b < 64; b++, i = (i + 1) % s->npages) {
			int n = LZ4_decompress_safe((const char *)s->comp + i * (size_t)s->bound,
						    (char *)s->out + i * PG_PAGE_SIZE,
						    s->clen[i], PG_PAGE_SIZE);
			if (n != PG_PAGE_SIZE)
				return -1;
			done += PG_PAGE_SIZE;
		}
		t = bu_now_ns();
	}
	return (double)done / ((double)(t - t0) / 1e9) / 1e6;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "time", required_argument, NULL, 't' },
		{ "pages", required_argument, NULL, 'p' },
		{ "seed", required_argument, NULL, 's' },
		{ "accel", required_argument, NULL, 'a' },
		{ "json", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t npages = 4096, seed = 1, accel = 1, row = 0, freeb = 0, tuples = 0, ctotal;
	const char *json_path = NULL;
	double secs = 2, cmbs, dmbs, ratio;
	struct set s = { 0 };
	int c, rc = 1;

	while ((c = getopt_long(argc, argv, "t:p:s:a:j:h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (bu_parse_secs("--time", optarg, 3600, &secs))
				return 2;
			break;
		case 'p':
			if (bu_parse_u64("--pages", optarg, 1, 1u << 20, false, &npages))
				return 2;
			break;
		case 's':
			if (bu_parse_u64("--seed", optarg, 0, UINT64_MAX, false, &seed))
				return 2;
			break;
		case 'a':
			if (bu_parse_u64("--accel", optarg, 1, 65537, false, &accel))
				return 2;
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

	s.npages = npages;
	s.bound = LZ4_compressBound(PG_PAGE_SIZE);
	s.pages = malloc(npages * PG_PAGE_SIZE);
	s.out = malloc(npages * PG_PAGE_SIZE);
	s.comp = malloc(npages * (size_t)s.bound);
	s.clen = calloc(npages, sizeof(*s.clen));
	if (!s.pages || !s.out || !s.comp || !s.clen) {
		fprintf(stderr, "%s: out of memory for %llu pages\n", prog,
			(unsigned long long)npages);
		goto out;
	}
	for (size_t i = 0; i < npages; i++) {
		tuples += pg_page_fill(s.pages + i * PG_PAGE_SIZE, seed, i, &row);
		freeb += pg_page_free(s.pages + i * PG_PAGE_SIZE);
	}

	cmbs = compress_all(&s, (int)accel, secs, &ctotal);
	if (cmbs < 0) {
		fprintf(stderr, "%s: LZ4_compress_fast failed\n", prog);
		goto out;
	}
	dmbs = decompress_all(&s, secs);
	if (dmbs < 0) {
		fprintf(stderr, "%s: LZ4_decompress_safe failed\n", prog);
		goto out;
	}
	/* Round trip: every page must come back byte for byte. */
	for (size_t i = 0; i < npages; i++) {
		if (LZ4_decompress_safe((const char *)s.comp + i * (size_t)s.bound,
					(char *)s.out, s.clen[i], PG_PAGE_SIZE) != PG_PAGE_SIZE ||
		    memcmp(s.out, s.pages + i * PG_PAGE_SIZE, PG_PAGE_SIZE) != 0) {
			fprintf(stderr, "%s: page %zu did not survive the round trip\n", prog, i);
			goto out;
		}
	}
	ratio = (double)(npages * PG_PAGE_SIZE) / (double)ctotal;

	printf("%-10s %8s %10s %8s %16s %16s\n", "data", "pages", "free", "ratio",
	       "compress MB/s", "decompress MB/s");
	printf("%-10s %8llu %9.1f%% %7.2fx %16.0f %16.0f\n", "pg-heap",
	       (unsigned long long)npages, 100.0 * (double)freeb / (double)(npages * PG_PAGE_SIZE),
	       ratio, cmbs, dmbs);

	rc = 0;
	if (json_path) {
		struct json_object *o = bu_json_header(prog);

		json_object_object_add(o, "lz4_version", json_object_new_string(LZ4_versionString()));
		json_object_object_add(o, "seconds_per_figure", json_object_new_double(secs));
		json_object_object_add(o, "pages", json_object_new_int64((int64_t)npages));
		json_object_object_add(o, "page_bytes", json_object_new_int(PG_PAGE_SIZE));
		json_object_object_add(o, "seed", json_object_new_int64((int64_t)seed));
		json_object_object_add(o, "acceleration", json_object_new_int64((int64_t)accel));
		json_object_object_add(o, "tuples", json_object_new_int64((int64_t)tuples));
		json_object_object_add(o, "free_space_fraction",
				       json_object_new_double((double)freeb / (double)(npages * PG_PAGE_SIZE)));
		json_object_object_add(o, "compressed_bytes", json_object_new_int64((int64_t)ctotal));
		json_object_object_add(o, "ratio", json_object_new_double(ratio));
		json_object_object_add(o, "compress_mb_s", json_object_new_double(cmbs));
		json_object_object_add(o, "decompress_mb_s", json_object_new_double(dmbs));
		rc = bu_json_write(prog, json_path, o) ? 1 : 0;
		json_object_put(o);
	}
out:
	free(s.pages);
	free(s.out);
	free(s.comp);
	free(s.clen);
	return rc;
}
