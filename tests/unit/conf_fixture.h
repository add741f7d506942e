/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A temporary silkd config file for the config unit tests: setup() makes
 * it, teardown() removes it, write_conf() replaces its text.  Include after
 * <cmocka.h>; the including test defines CONF_FIXTURE_PREFIX.
 */
#ifndef SILK_TEST_CONF_FIXTURE_H
#define SILK_TEST_CONF_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char conf_path[64];

static int setup(void **state)
{
	int fd;

	(void)state;
	snprintf(conf_path, sizeof(conf_path), "/tmp/%s-XXXXXX",
		 CONF_FIXTURE_PREFIX);
	fd = mkstemp(conf_path);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(conf_path);
	return 0;
}

static void write_conf(const char *text)
{
	FILE *f = fopen(conf_path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

#endif
