/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny, reentrant command-line option iterator (no getopt globals).
 * Accepts "--name value", "--name=value", "-x value", "-xvalue", flags
 * "--name"/"-x", and "--" to end options.  Options and positional
 * arguments may be interleaved.
 */
#ifndef SILKCTL_OPTS_H
#define SILKCTL_OPTS_H

#include <stdbool.h>
#include <stddef.h>

enum opt_kind { OPT_FLAG, OPT_VALUE };

struct opt_def {
	const char *lname;	/* long name without "--", or NULL */
	char sname;		/* short letter, or 0 */
	enum opt_kind kind;
	int id;			/* > 0, returned by opt_next() */
};

#define OPT_POSITIONAL	0	/* *val is a positional argument */
#define OPT_END		(-1)	/* no more arguments */
#define OPT_ERROR	(-2)	/* err holds a one-line message */

struct opt_iter {
	int argc;
	char **argv;
	int i;
	bool no_more_opts;
	const struct opt_def *defs;	/* terminated by an entry with id 0 */
};

void opt_init(struct opt_iter *it, int argc, char **argv,
	      const struct opt_def *defs);
/* Next option id, OPT_POSITIONAL, OPT_END or OPT_ERROR. */
int opt_next(struct opt_iter *it, const char **val, char *err, size_t errlen);

#endif
