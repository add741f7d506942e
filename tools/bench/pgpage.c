// SPDX-License-Identifier: GPL-2.0
/*
 * Database-like page generator: see pgpage.h.  The layout follows
 * PostgreSQL's bufpage.h / htup_details.h closely enough that compressors
 * see the same structure (little-endian fields, MAXALIGN 8), without
 * claiming to be readable by PostgreSQL.
 */
#include "pgpage.h"

#include <string.h>

#include "benchutil.h"

#define PAGE_HDR 24
#define TUPLE_HDR 24	/* 23 bytes + padding to MAXALIGN */
#define MAXALIGN(x) (((x) + 7u) & ~7u)

static const char *const statuses[] = {
	"pending", "paid", "shipped", "delivered", "cancelled", "refunded",
};
static const char *const words[] = {
	"express", "standard", "gift", "fragile", "priority", "return",
	"warehouse", "north", "south", "customer", "requested", "delivery",
	"window", "morning", "evening", "leave", "at", "door", "call", "first",
};

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* A text column as PostgreSQL stores short varlena: 1-byte header. */
static unsigned put_text(uint8_t *p, const char *s, unsigned len)
{
	p[0] = (uint8_t)(((len + 1) << 1) | 1);
	memcpy(p + 1, s, len);
	return len + 1;
}

/*
 * One tuple of the table
 *   orders(id int8, customer_id int4, status text, amount_cents int8,
 *          created_at timestamptz, note text)
 * Returns its length (unaligned); writes nothing past buf + cap.
 */
static unsigned make_tuple(uint8_t *buf, unsigned cap, uint64_t row, struct bu_rng *r)
{
	uint8_t t[256];
	char note[128];
	unsigned n = TUPLE_HDR, nl = 0, nw, i;
	const char *st = statuses[bu_rng_below(r, 6)];

	memset(t, 0, TUPLE_HDR);
	put32(t + 0, 1000 + (uint32_t)(row / 50));	/* t_xmin: batches of 50 */
	put32(t + 4, 0);				/* t_xmax */
	put32(t + 8, (uint32_t)(row % 50));		/* t_cid */
	put16(t + 18, 6);				/* t_infomask2: natts */
	put16(t + 20, 0x0902);				/* t_infomask */
	t[22] = TUPLE_HDR;				/* t_hoff */

	put64(t + n, row + 1);				/* id */
	n += 8;
	put32(t + n, (uint32_t)bu_rng_below(r, 5000) + 1);	/* customer_id */
	n += 4;
	n += put_text(t + n, st, (unsigned)strlen(st));
	n = MAXALIGN(n);
	put64(t + n, 100 * bu_rng_below(r, 2000) + 99);	/* amount_cents */
	n += 8;
	/* created_at: microseconds since 2000-01-01, rows ~3 s apart */
	put64(t + n, 780000000000000ull + row * 3000000ull + bu_rng_below(r, 1000000));
	n += 8;
	nw = 1 + (unsigned)bu_rng_below(r, 6);
	for (i = 0; i < nw; i++) {
		const char *w = words[bu_rng_below(r, 20)];
		unsigned wl = (unsigned)strlen(w);

		if (nl + wl + 1 >= sizeof(note))
			break;
		if (nl)
			note[nl++] = ' ';
		memcpy(note + nl, w, wl);
		nl += wl;
	}
	n += put_text(t + n, note, nl);
	if (n > cap)
		return 0;
	memcpy(buf, t, n);
	return n;
}

unsigned pg_page_fill(uint8_t *page, uint64_t seed, uint64_t pageno, uint64_t *row)
{
	struct bu_rng r;
	unsigned lower = PAGE_HDR, upper = PG_PAGE_SIZE, ntup = 0, limit, len;
	uint8_t tup[256];

	bu_rng_seed(&r, seed * 0x100000001b3ull + pageno + 1);
	memset(page, 0, PG_PAGE_SIZE);
	/* Fill factor between 60% and 100% of the page. */
	limit = PG_PAGE_SIZE * (60 + (unsigned)bu_rng_below(&r, 41)) / 100;
	for (;;) {
		len = make_tuple(tup, sizeof(tup), *row, &r);
		if (!len || lower + 4 + MAXALIGN(len) > upper ||
		    PG_PAGE_SIZE - upper + MAXALIGN(len) + lower + 4 > limit)
			break;
		upper -= MAXALIGN(len);
		memcpy(page + upper, tup, len);
		/* ItemIdData: lp_off:15, lp_flags:2 (1 = normal), lp_len:15 */
		put32(page + lower, upper | (1u << 15) | (len << 17));
		lower += 4;
		ntup++;
		(*row)++;
	}
	put64(page + 0, 0x16000000ull + pageno * 0x2000);	/* pd_lsn */
	put16(page + 8, (uint16_t)(bu_rng_next(&r) & 0xffff));	/* pd_checksum */
	put16(page + 10, 0);					/* pd_flags */
	put16(page + 12, (uint16_t)lower);			/* pd_lower */
	put16(page + 14, (uint16_t)upper);			/* pd_upper */
	put16(page + 16, PG_PAGE_SIZE);				/* pd_special */
	put16(page + 18, PG_PAGE_SIZE | 4);			/* pd_pagesize_version */
	put32(page + 20, 0);					/* pd_prune_xid */
	return ntup;
}

unsigned pg_page_free(const uint8_t *page)
{
	uint16_t lower, upper;

	memcpy(&lower, page + 12, 2);
	memcpy(&upper, page + 14, 2);
	return upper > lower ? (unsigned)(upper - lower) : 0;
}
