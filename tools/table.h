/* SPDX-License-Identifier: GPL-2.0 */
/* Aligned text tables for human-readable output. */
#ifndef SILKCTL_TABLE_H
#define SILKCTL_TABLE_H

#include <stddef.h>
#include <stdio.h>

#define TABLE_MAX_COLS 12
#define TABLE_CELL_MAX 128

struct table {
	size_t ncols;
	size_t nrows;			/* including the header row */
	size_t cap;
	char (*cells)[TABLE_MAX_COLS][TABLE_CELL_MAX];
	size_t width[TABLE_MAX_COLS];
};

/* header: ncols column titles.  0 or -1 (out of memory / bad ncols). */
int table_init(struct table *t, size_t ncols, const char *const *header);
/* Adds a row; cells longer than TABLE_CELL_MAX - 1 are truncated. */
int table_add(struct table *t, const char *const *row);
void table_print(const struct table *t, FILE *f);
void table_free(struct table *t);

#endif
