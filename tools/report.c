// SPDX-License-Identifier: GPL-2.0
/* One-line error reporting for silkctl. */
#include <stdarg.h>
#include <stdio.h>

#include "commands.h"
#include "parse.h"

void silkctl_err(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	silk_one_line(msg);
	fflush(stdout);
	fprintf(stderr, "silkctl: %s\n", msg);
}
