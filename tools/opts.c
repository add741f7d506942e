// SPDX-License-Identifier: GPL-2.0
/* Reentrant command-line option iterator (see opts.h). */
#include "opts.h"

#include <stdio.h>
#include <string.h>

void opt_init(struct opt_iter *it, int argc, char **argv,
	      const struct opt_def *defs)
{
	it->argc = argc;
	it->argv = argv;
	it->i = 0;
	it->no_more_opts = false;
	it->defs = defs;
}

static const struct opt_def *find_long(const struct opt_def *d,
				       const char *name, size_t len)
{
	for (; d->id; d++)
		if (d->lname && strlen(d->lname) == len &&
		    !strncmp(d->lname, name, len))
			return d;
	return NULL;
}

static const struct opt_def *find_short(const struct opt_def *d, char c)
{
	for (; d->id; d++)
		if (d->sname && d->sname == c)
			return d;
	return NULL;
}

static int take_value(struct opt_iter *it, const char *shown,
		      const char **val, char *err, size_t errlen)
{
	if (it->i >= it->argc) {
		snprintf(err, errlen, "option '%s' requires a value", shown);
		return OPT_ERROR;
	}
	*val = it->argv[it->i++];
	return 0;
}

int opt_next(struct opt_iter *it, const char **val, char *err, size_t errlen)
{
	const struct opt_def *d;
	const char *arg;

	*val = NULL;
	if (it->i >= it->argc)
		return OPT_END;
	arg = it->argv[it->i++];

	if (it->no_more_opts || arg[0] != '-' || arg[1] == '\0') {
		*val = arg;
		return OPT_POSITIONAL;
	}
	if (!strcmp(arg, "--")) {
		it->no_more_opts = true;
		return opt_next(it, val, err, errlen);
	}
	if (arg[1] == '-') {
		const char *name = arg + 2;
		const char *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);

		d = find_long(it->defs, name, len);
		if (!d) {
			snprintf(err, errlen, "unknown option '--%.*s'", (int)len, name);
			return OPT_ERROR;
		}
		if (d->kind == OPT_FLAG) {
			if (eq) {
				snprintf(err, errlen, "option '--%s' takes no value", d->lname);
				return OPT_ERROR;
			}
			return d->id;
		}
		if (eq) {
			*val = eq + 1;
			return d->id;
		}
		if (take_value(it, arg, val, err, errlen))
			return OPT_ERROR;
		return d->id;
	}

	/* Short option: "-x", "-xVALUE" or "-x VALUE"; no bundling of flags. */
	d = find_short(it->defs, arg[1]);
	if (!d) {
		snprintf(err, errlen, "unknown option '%s'", arg);
		return OPT_ERROR;
	}
	if (d->kind == OPT_FLAG) {
		if (arg[2]) {
			snprintf(err, errlen, "unknown option '%s'", arg);
			return OPT_ERROR;
		}
		return d->id;
	}
	if (arg[2]) {
		*val = arg + 2;
		return d->id;
	}
	if (take_value(it, arg, val, err, errlen))
		return OPT_ERROR;
	return d->id;
}
