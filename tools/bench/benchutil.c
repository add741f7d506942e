// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the Silk native benchmarks; see benchutil.h. */
#include "benchutil.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

uint64_t bu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t bu_self_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int bu_proc_cpu_ns(int pid, uint64_t *ns)
{
	char path[64], buf[1024];
	unsigned long long ut, st;
	const char *p;
	long hz = sysconf(_SC_CLK_TCK);
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name may hold spaces and ')': skip to the last ')'. */
	p = strrchr(buf, ')');
	/* After ") ": state ppid pgrp session tty tpgid flags minflt
	 * cminflt majflt cmajflt utime stime (fields 3..15). */
	if (!p || hz <= 0 ||
	    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
		   &ut, &st) != 2) {
		errno = EPROTO;
		return -1;
	}
	*ns = (uint64_t)(ut + st) * (1000000000ull / (uint64_t)hz);
	return 0;
}

int bu_parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max,
		 bool suffix, uint64_t *out)
{
	unsigned long long v;
	uint64_t mult = 1;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		goto bad;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		goto bad;
	if (suffix && *end) {
		switch (*end) {
		case 'k': case 'K': mult = 1ull << 10; break;
		case 'm': case 'M': mult = 1ull << 20; break;
		case 'g': case 'G': mult = 1ull << 30; break;
		default: goto bad;
		}
		end++;
		if (*end == 'i' && end[1] == 'B')
			end += 2;
	}
	if (*end)
		goto bad;
	if (v > UINT64_MAX / mult)
		goto bad;
	v *= mult;
	if (v < min || v > max) {
		fprintf(stderr, "%s: must be between %" PRIu64 " and %" PRIu64 ": '%s'\n",
			opt, min, max, s);
		return -1;
	}
	*out = v;
	return 0;
bad:
	fprintf(stderr, "%s: not a valid number: '%s'\n", opt, s ? s : "");
	return -1;
}

int bu_parse_secs(const char *opt, const char *s, double max, double *out)
{
	char *end;
	double v;

	if (!s || !*s) {
		fprintf(stderr, "%s: not a valid number of seconds: ''\n", opt);
		return -1;
	}
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || v > max) {
		fprintf(stderr, "%s: seconds must be > 0 and <= %g: '%s'\n", opt, max, s);
		return -1;
	}
	*out = v;
	return 0;
}

void bu_rng_seed(struct bu_rng *r, uint64_t seed)
{
	r->s = seed ? seed : 0x9e3779b97f4a7c15ull;
}

uint64_t bu_rng_next(struct bu_rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dull;
}

uint64_t bu_rng_below(struct bu_rng *r, uint64_t n)
{
	/* 128-bit multiply-shift: unbiased enough for benchmarks. */
	return (uint64_t)(((unsigned __int128)bu_rng_next(r) * n) >> 64);
}

int bu_json_write(const char *prog, const char *path, struct json_object *obj)
{
	const char *txt = json_object_to_json_string_ext(obj,
		JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	FILE *f;

	if (strcmp(path, "-") == 0) {
		printf("%s\n", txt);
		return 0;
	}
	f = fopen(path, "we");
	if (!f) {
		fprintf(stderr, "%s: cannot write %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	fprintf(f, "%s\n", txt);
	if (fclose(f) != 0) {
		fprintf(stderr, "%s: cannot write %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	return 0;
}

struct json_object *bu_json_header(const char *prog)
{
	struct json_object *o = json_object_new_object();
	char date[32];
	struct utsname u;
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_object_add(o, "tool", json_object_new_string(prog));
	json_object_object_add(o, "date", json_object_new_string(date));
	if (uname(&u) == 0)
		json_object_object_add(o, "kernel", json_object_new_string(u.release));
	json_object_object_add(o, "online_cpus",
			       json_object_new_int64(sysconf(_SC_NPROCESSORS_ONLN)));
	return o;
}
