/* SPDX-License-Identifier: GPL-2.0 */
/*
 * silkctl command line -> struct cli_args.  Pure: no I/O; the caller
 * passes the environment's SILK_SERVER.  Returns 0 or -1 with a one-line
 * message in err (a usage error: exit status 2).
 */
#ifndef SILKCTL_CMDLINE_H
#define SILKCTL_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mgmt.h"
#include "nlmsg.h"

enum silkctl_cmd {
	CMD_NONE = 0,
	CMD_HELP,		/* help_topic: NULL or an object name */
	CMD_VERSION,
	CMD_VOLUME_CREATE,
	CMD_VOLUME_LIST,
	CMD_VOLUME_SHOW,
	CMD_VOLUME_DELETE,
	CMD_VOLUME_RESIZE,
	CMD_ATTACH,
	CMD_DETACH,
	CMD_LIST,
	CMD_STATUS,
	CMD_MONITOR,
};

struct cli_args {
	enum silkctl_cmd cmd;
	bool help;			/* --help given for cmd */
	const char *help_topic;		/* CMD_HELP: "volume", ... or NULL */
	bool json;
	struct mgmt_addr server;

	/* volume create/show/delete/resize */
	const char *name;
	uint64_t size;
	uint32_t block_size;		/* 0: server default */
	const char *backing;
	bool force;

	/* attach */
	struct silk_dev_params dev;
	bool no_wait;			/* don't wait for /dev/silkN */

	/* detach */
	uint32_t index;

	/* monitor */
	uint32_t count;			/* 0: unlimited */
	uint32_t timeout_s;		/* 0: unlimited */
};

int cli_parse(int argc, char **argv, const char *env_server,
	      struct cli_args *a, char *err, size_t errlen);

/* "volume create" etc. for messages; "silkctl" for CMD_NONE/CMD_HELP. */
const char *cli_cmd_name(enum silkctl_cmd cmd);

#endif
