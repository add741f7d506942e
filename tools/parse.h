/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure value parsers for silkctl: sizes, numbers, device names, volume
 * names, addresses.  No I/O, no global state: every function reports a
 * problem by returning -1 and writing a one-line reason into err.
 */
#ifndef SILKCTL_PARSE_H
#define SILKCTL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "4096", "512K", "1GiB", "2t" ... -> bytes (binary multiples). */
int silk_parse_size(const char *s, uint64_t *out, char *err, size_t errlen);

/* Volume size: > 0, multiple of block_size, representable as int64. */
int silk_check_volume_size(uint64_t size, uint32_t block_size,
			   char *err, size_t errlen);

/* Unsigned decimal in [min, max]; what names the value in messages. */
int silk_parse_u64(const char *s, uint64_t min, uint64_t max, const char *what,
		   uint64_t *out, char *err, size_t errlen);
int silk_parse_u32(const char *s, uint32_t min, uint32_t max, const char *what,
		   uint32_t *out, char *err, size_t errlen);

/* Whole seconds in [min_s, max_s] -> milliseconds. */
int silk_parse_seconds_ms(const char *s, uint32_t min_s, uint32_t max_s,
			  const char *what, uint32_t *out_ms,
			  char *err, size_t errlen);

/* 512 or 4096. */
int silk_parse_block_size(const char *s, uint32_t *out, char *err, size_t errlen);

/* "tcp" | "rdma" -> SILK_TRANSPORT_*. */
int silk_parse_transport(const char *s, uint8_t *out, char *err, size_t errlen);

/* "/dev/silkN", "silkN" or "N" -> N. */
int silk_parse_device(const char *s, uint32_t *out, char *err, size_t errlen);

/* 1..SILK_VOLUME_NAME_MAX chars of [A-Za-z0-9._-], not starting '.' or '-'. */
int silk_check_volume_name(const char *s, char *err, size_t errlen);

/* IPv4 or IPv6 address literal. */
int silk_check_ip_literal(const char *s, char *err, size_t errlen);

/* Replaces control characters in s with '?' so it prints as one line. */
void silk_one_line(char *s);

#endif
