/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Deterministic generator of database-like 8 KiB pages laid out like
 * PostgreSQL heap pages: a 24-byte page header, an array of 4-byte line
 * pointers growing up, tuples (23-byte tuple header padded to 24, then
 * columns of an "orders" table) growing down from the end, and the free
 * space between them zeroed.  Fill factor varies per page.
 */
#ifndef SILK_PGPAGE_H
#define SILK_PGPAGE_H

#include <stddef.h>
#include <stdint.h>

#define PG_PAGE_SIZE 8192

/*
 * Fill page number pageno (0, 1, ...) of a table generated from seed.
 * Rows are numbered consecutively across pages, so the same (seed, pageno)
 * always gives the same bytes.  *row is the first row id of the page on
 * entry and the next page's on return.  Returns the number of tuples.
 */
unsigned pg_page_fill(uint8_t *page, uint64_t seed, uint64_t pageno, uint64_t *row);

/* Bytes of the page that are free space (zeroed), from its header. */
unsigned pg_page_free(const uint8_t *page);

#endif
