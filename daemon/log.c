// SPDX-License-Identifier: GPL-2.0
#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The one process-wide setting: the threshold, set at startup. */
static _Atomic int log_level = LOG_LVL_INFO;

/* journald understands "<N>" priority prefixes; only use them there. */
static _Atomic int log_journal = -1;

static const char *const names[] = { "error", "warn", "info", "debug" };

void log_set_level(int level)
{
	if (level < LOG_LVL_ERROR)
		level = LOG_LVL_ERROR;
	if (level > LOG_LVL_DEBUG)
		level = LOG_LVL_DEBUG;
	atomic_store(&log_level, level);
}

int log_get_level(void)
{
	return atomic_load(&log_level);
}

int log_parse_level(const char *s)
{
	for (int i = 0; i <= LOG_LVL_DEBUG; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	if (strcmp(s, "warning") == 0)
		return LOG_LVL_WARN;
	return -1;
}

const char *log_level_name(int level)
{
	if (level < 0 || level > LOG_LVL_DEBUG)
		return "?";
	return names[level];
}

void log_msg(int level, const char *fmt, ...)
{
	/* syslog-style priority prefix, understood by journald. */
	static const int prio[] = { 3, 4, 6, 7 };
	char line[1024];
	va_list ap;
	int n;

	if (level > atomic_load(&log_level))
		return;
	if (atomic_load(&log_journal) < 0)
		atomic_store(&log_journal, getenv("JOURNAL_STREAM") ? 1 : 0);
	if (atomic_load(&log_journal))
		n = snprintf(line, sizeof(line), "<%d>%s: ", prio[level],
			     names[level]);
	else
		n = snprintf(line, sizeof(line), "silkd: %s: ", names[level]);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	/* One write per line so threads do not interleave. */
	fprintf(stderr, "%s\n", line);
}
