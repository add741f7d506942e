// SPDX-License-Identifier: GPL-2.0
/* Aligned text tables (see table.h). */
#include "table.h"

#include <stdlib.h>
#include <string.h>

int table_init(struct table *t, size_t ncols, const char *const *header)
{
	memset(t, 0, sizeof(*t));
	if (ncols == 0 || ncols > TABLE_MAX_COLS)
		return -1;
	t->ncols = ncols;
	return table_add(t, header);
}

int table_add(struct table *t, const char *const *row)
{
	size_t c;

	if (t->nrows == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 8;
		void *n = realloc(t->cells, ncap * sizeof(*t->cells));

		if (!n)
			return -1;
		t->cells = n;
		t->cap = ncap;
	}
	for (c = 0; c < t->ncols; c++) {
		char *cell = t->cells[t->nrows][c];
		size_t len;

		snprintf(cell, TABLE_CELL_MAX, "%s", row[c] ? row[c] : "-");
		len = strlen(cell);
		if (len > t->width[c])
			t->width[c] = len;
	}
	t->nrows++;
	return 0;
}

void table_print(const struct table *t, FILE *f)
{
	size_t r, c;

	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			if (c + 1 == t->ncols)
				fprintf(f, "%s", t->cells[r][c]);
			else
				fprintf(f, "%-*s  ", (int)t->width[c], t->cells[r][c]);
		}
		fputc('\n', f);
	}
}

void table_free(struct table *t)
{
	free(t->cells);
	memset(t, 0, sizeof(*t));
}
