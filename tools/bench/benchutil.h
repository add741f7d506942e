/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by the Silk native benchmarks (tools/bench/):
 * monotonic time, strict number parsing, deterministic PRNG, writing a
 * json-c object to a file.  Benchmarks report figures; they never assert
 * on speed.
 */
#ifndef SILK_BENCHUTIL_H
#define SILK_BENCHUTIL_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t bu_now_ns(void);

/* CPU time (user + system) this process has used, in nanoseconds. */
uint64_t bu_self_cpu_ns(void);

/*
 * CPU time (utime + stime) of process pid from /proc/PID/stat, in
 * nanoseconds.  Returns 0 on success, -1 (errno set) if it cannot be read.
 */
int bu_proc_cpu_ns(int pid, uint64_t *ns);

/*
 * Parse an unsigned decimal number in [min, max]; accepts an optional
 * K/M/G (binary) suffix when suffix is true.  Returns 0 or -1 and prints a
 * one-line error naming opt.
 */
int bu_parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max,
		 bool suffix, uint64_t *out);
/* Positive seconds, fractions allowed, in (0, max]. */
int bu_parse_secs(const char *opt, const char *s, double max, double *out);

/* xorshift64* PRNG: deterministic for a given seed (seed 0 is remapped). */
struct bu_rng {
	uint64_t s;
};
void bu_rng_seed(struct bu_rng *r, uint64_t seed);
uint64_t bu_rng_next(struct bu_rng *r);
/* Uniform in [0, n) for n > 0. */
uint64_t bu_rng_below(struct bu_rng *r, uint64_t n);

/*
 * Write obj as pretty JSON to path ("-" means stdout).  Returns 0 or -1
 * after printing a one-line error.
 */
int bu_json_write(const char *prog, const char *path, struct json_object *obj);

/* A json object {"tool": prog, "date": ISO-8601 UTC, "host": ...}. */
struct json_object *bu_json_header(const char *prog);

#endif
