/* SPDX-License-Identifier: GPL-2.0 */
/* Leveled logging to stderr (journald adds timestamps under systemd). */
#ifndef SILK_DAEMON_LOG_H
#define SILK_DAEMON_LOG_H

enum log_level {
	LOG_LVL_ERROR = 0,
	LOG_LVL_WARN = 1,
	LOG_LVL_INFO = 2,
	LOG_LVL_DEBUG = 3,
};

void log_set_level(int level);
int log_get_level(void);
/* "error", "warn", "info", "debug" -> level, or -1. */
int log_parse_level(const char *s);
const char *log_level_name(int level);
void log_msg(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
