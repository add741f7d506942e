// SPDX-License-Identifier: GPL-2.0
/* silkctl command line parsing (see cmdline.h). */
#include "cmdline.h"

#include <stdio.h>
#include <string.h>

#include "opts.h"
#include "parse.h"

enum {
	O_JSON = 1, O_HELP, O_SERVER, O_VERSION,
	O_SIZE, O_BLOCK_SIZE, O_BACKING, O_FORCE,
	O_ADDR, O_PORT, O_TRANSPORT, O_QUEUES, O_QUEUE_DEPTH, O_IO_TIMEOUT,
	O_LOSS_TIMEOUT, O_DIGEST, O_EPOCH, O_NO_WAIT,
	O_COUNT, O_TIMEOUT,
};

#define COMMON_OPTS \
	{ "json", 'j', OPT_FLAG, O_JSON }, \
	{ "help", 'h', OPT_FLAG, O_HELP }, \
	{ "server", 's', OPT_VALUE, O_SERVER }

static const struct opt_def global_opts[] = {
	COMMON_OPTS,
	{ "version", 'V', OPT_FLAG, O_VERSION },
	{ 0 },
};

static const struct opt_def plain_opts[] = { COMMON_OPTS, { 0 } };

static const struct opt_def create_opts[] = {
	COMMON_OPTS,
	{ "size", 0, OPT_VALUE, O_SIZE },
	{ "block-size", 0, OPT_VALUE, O_BLOCK_SIZE },
	{ "backing", 0, OPT_VALUE, O_BACKING },
	{ 0 },
};

static const struct opt_def delete_opts[] = {
	COMMON_OPTS,
	{ "force", 'f', OPT_FLAG, O_FORCE },
	{ 0 },
};

static const struct opt_def resize_opts[] = {
	COMMON_OPTS,
	{ "size", 0, OPT_VALUE, O_SIZE },
	{ 0 },
};

static const struct opt_def attach_opts[] = {
	COMMON_OPTS,
	{ "addr", 0, OPT_VALUE, O_ADDR },
	{ "port", 0, OPT_VALUE, O_PORT },
	{ "transport", 0, OPT_VALUE, O_TRANSPORT },
	{ "queues", 0, OPT_VALUE, O_QUEUES },
	{ "queue-depth", 0, OPT_VALUE, O_QUEUE_DEPTH },
	{ "block-size", 0, OPT_VALUE, O_BLOCK_SIZE },
	{ "io-timeout", 0, OPT_VALUE, O_IO_TIMEOUT },
	{ "loss-timeout", 0, OPT_VALUE, O_LOSS_TIMEOUT },
	{ "digest", 0, OPT_FLAG, O_DIGEST },
	{ "epoch", 0, OPT_VALUE, O_EPOCH },
	{ "no-wait", 0, OPT_FLAG, O_NO_WAIT },
	{ 0 },
};

static const struct opt_def monitor_opts[] = {
	COMMON_OPTS,
	{ "count", 'c', OPT_VALUE, O_COUNT },
	{ "timeout", 't', OPT_VALUE, O_TIMEOUT },
	{ 0 },
};

struct cmd_desc {
	const char *object;
	const char *verb;		/* NULL: object-level command */
	enum silkctl_cmd cmd;
	const struct opt_def *opts;
	int npos;			/* positional arguments required */
	const char *pos_name;		/* how the positional is called */
};

static const struct cmd_desc commands[] = {
	{ "volume", "create", CMD_VOLUME_CREATE, create_opts, 1, "NAME" },
	{ "volume", "list", CMD_VOLUME_LIST, plain_opts, 0, NULL },
	{ "volume", "show", CMD_VOLUME_SHOW, plain_opts, 1, "NAME" },
	{ "volume", "delete", CMD_VOLUME_DELETE, delete_opts, 1, "NAME" },
	{ "volume", "resize", CMD_VOLUME_RESIZE, resize_opts, 1, "NAME" },
	{ "attach", NULL, CMD_ATTACH, attach_opts, 1, "VOLUME" },
	{ "detach", NULL, CMD_DETACH, plain_opts, 1, "DEVICE" },
	{ "list", NULL, CMD_LIST, plain_opts, 0, NULL },
	{ "status", NULL, CMD_STATUS, plain_opts, 0, NULL },
	{ "monitor", NULL, CMD_MONITOR, monitor_opts, 0, NULL },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

const char *cli_cmd_name(enum silkctl_cmd cmd)
{
	static const char *const names[] = {
		[CMD_VOLUME_CREATE] = "volume create",
		[CMD_VOLUME_LIST] = "volume list",
		[CMD_VOLUME_SHOW] = "volume show",
		[CMD_VOLUME_DELETE] = "volume delete",
		[CMD_VOLUME_RESIZE] = "volume resize",
		[CMD_ATTACH] = "attach",
		[CMD_DETACH] = "detach",
		[CMD_LIST] = "list",
		[CMD_STATUS] = "status",
		[CMD_MONITOR] = "monitor",
	};

	if ((size_t)cmd < sizeof(names) / sizeof(names[0]) && names[cmd])
		return names[cmd];
	return "silkctl";
}

static bool is_object(const char *s)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].object, s))
			return true;
	return false;
}

static void defaults(struct cli_args *a)
{
	memset(a, 0, sizeof(*a));
	a->cmd = CMD_NONE;
	snprintf(a->dev.addr, sizeof(a->dev.addr), "127.0.0.1");
	a->dev.port = SILK_DEFAULT_PORT;
	a->dev.transport = SILK_TRANSPORT_TCP;
}

/* Options every command shares; returns 1 if handled, -1 on error. */
static int common_opt(struct cli_args *a, int id, const char *val,
		      char *err, size_t errlen)
{
	switch (id) {
	case O_JSON:
		a->json = true;
		return 1;
	case O_HELP:
		a->help = true;
		return 1;
	case O_SERVER:
		return mgmt_parse_addr(val, &a->server, err, errlen) ? -1 : 1;
	default:
		return 0;
	}
}

static int cmd_opt(struct cli_args *a, int id, const char *val,
		   bool *has_size, char *err, size_t errlen)
{
	uint32_t v32;

	switch (id) {
	case O_SIZE:
		*has_size = true;
		return silk_parse_size(val, &a->size, err, errlen);
	case O_BLOCK_SIZE:
		if (silk_parse_block_size(val, &a->block_size, err, errlen))
			return -1;
		a->dev.block_size = a->block_size;
		return 0;
	case O_BACKING:
		if (val[0] != '/') {
			snprintf(err, errlen, "--backing needs an absolute path, got '%s'", val);
			return -1;
		}
		a->backing = val;
		return 0;
	case O_FORCE:
		a->force = true;
		return 0;
	case O_ADDR:
		if (silk_check_ip_literal(val, err, errlen))
			return -1;
		snprintf(a->dev.addr, sizeof(a->dev.addr), "%s", val);
		return 0;
	case O_PORT:
		if (silk_parse_u32(val, 1, 65535, "port", &v32, err, errlen))
			return -1;
		a->dev.port = (uint16_t)v32;
		return 0;
	case O_TRANSPORT:
		return silk_parse_transport(val, &a->dev.transport, err, errlen);
	case O_QUEUES:
		return silk_parse_u32(val, 1, 256, "queue count",
				      &a->dev.nr_queues, err, errlen);
	case O_QUEUE_DEPTH:
		return silk_parse_u32(val, 1, 1024, "queue depth",
				      &a->dev.queue_depth, err, errlen);
	case O_IO_TIMEOUT:
		a->dev.has_io_timeout = true;
		return silk_parse_seconds_ms(val, 1, 3600, "I/O timeout",
					     &a->dev.io_timeout_ms, err, errlen);
	case O_LOSS_TIMEOUT:
		a->dev.has_loss_timeout = true;
		return silk_parse_seconds_ms(val, 0, 86400, "loss timeout",
					     &a->dev.loss_timeout_ms, err, errlen);
	case O_DIGEST:
		a->dev.digest = true;
		return 0;
	case O_EPOCH:
		a->dev.has_epoch = true;
		return silk_parse_u64(val, 0, UINT64_MAX, "epoch",
				      &a->dev.epoch, err, errlen);
	case O_NO_WAIT:
		a->no_wait = true;
		return 0;
	case O_COUNT:
		return silk_parse_u32(val, 1, UINT32_MAX, "count",
				      &a->count, err, errlen);
	case O_TIMEOUT:
		return silk_parse_u32(val, 1, 31536000, "timeout",
				      &a->timeout_s, err, errlen);
	default:
		snprintf(err, errlen, "internal error: unhandled option");
		return -1;
	}
}

/* Checks that need every option seen (required options, combinations). */
static int finish(struct cli_args *a, bool has_size, char *err, size_t errlen)
{
	switch (a->cmd) {
	case CMD_VOLUME_CREATE:
		if (silk_check_volume_name(a->name, err, errlen))
			return -1;
		if (!has_size) {
			snprintf(err, errlen, "missing --size");
			return -1;
		}
		return silk_check_volume_size(a->size, a->block_size ? a->block_size : 4096,
					      err, errlen);
	case CMD_VOLUME_RESIZE:
		if (silk_check_volume_name(a->name, err, errlen))
			return -1;
		if (!has_size) {
			snprintf(err, errlen, "missing --size");
			return -1;
		}
		return silk_check_volume_size(a->size, 0, err, errlen);
	case CMD_VOLUME_SHOW:
	case CMD_VOLUME_DELETE:
		return silk_check_volume_name(a->name, err, errlen);
	case CMD_ATTACH:
		if (silk_check_volume_name(a->name, err, errlen))
			return -1;
		snprintf(a->dev.volume, sizeof(a->dev.volume), "%s", a->name);
		return 0;
	case CMD_DETACH:
		return silk_parse_device(a->name, &a->index, err, errlen);
	default:
		return 0;
	}
}

static int parse_command(const struct cmd_desc *c, int argc, char **argv,
			 struct cli_args *a, char *err, size_t errlen)
{
	char why[200];
	struct opt_iter it;
	bool has_size = false;
	int npos = 0;
	const char *val;
	int id;

	a->cmd = c->cmd;
	opt_init(&it, argc, argv, c->opts);
	while ((id = opt_next(&it, &val, why, sizeof(why))) != OPT_END) {
		int rc;

		if (id == OPT_ERROR) {
			snprintf(err, errlen, "%s: %s", cli_cmd_name(c->cmd), why);
			return -1;
		}
		if (id == OPT_POSITIONAL) {
			if (npos >= c->npos) {
				snprintf(err, errlen, "%s: unexpected argument '%s'",
					 cli_cmd_name(c->cmd), val);
				return -1;
			}
			a->name = val;
			npos++;
			continue;
		}
		rc = common_opt(a, id, val, why, sizeof(why));
		if (rc == 0)
			rc = cmd_opt(a, id, val, &has_size, why, sizeof(why));
		if (rc < 0) {
			snprintf(err, errlen, "%s: %s", cli_cmd_name(c->cmd), why);
			return -1;
		}
		if (a->help)
			return 0;
	}
	if (npos < c->npos) {
		snprintf(err, errlen, "%s: missing %s argument",
			 cli_cmd_name(c->cmd), c->pos_name);
		return -1;
	}
	if (finish(a, has_size, why, sizeof(why))) {
		snprintf(err, errlen, "%s: %s", cli_cmd_name(c->cmd), why);
		return -1;
	}
	return 0;
}

static int parse_all(int argc, char **argv, const char *env_server,
		     struct cli_args *a, char *err, size_t errlen)
{
	struct opt_iter it;
	const char *val = NULL, *object = NULL, *verb;
	char why[200];
	size_t i;
	int id, rest;

	defaults(a);
	if (mgmt_parse_addr(env_server && *env_server ? env_server :
			    SILK_MGMT_DEFAULT_SOCKET, &a->server, why, sizeof(why))) {
		snprintf(err, errlen, "SILK_SERVER: %s", why);
		return -1;
	}

	/* Global options, up to the OBJECT. */
	opt_init(&it, argc - 1, argv + 1, global_opts);
	while ((id = opt_next(&it, &val, why, sizeof(why))) != OPT_END) {
		if (id == OPT_ERROR) {
			snprintf(err, errlen, "%s", why);
			return -1;
		}
		if (id == OPT_POSITIONAL) {
			object = val;
			break;
		}
		if (id == O_VERSION) {
			a->cmd = CMD_VERSION;
			return 0;
		}
		if (common_opt(a, id, val, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "%s", why);
			return -1;
		}
		if (a->help) {
			a->cmd = CMD_HELP;
			return 0;
		}
	}
	if (!object) {
		snprintf(err, errlen, "missing command (try 'silkctl --help')");
		return -1;
	}
	rest = it.i;	/* index in argv + 1 of the first argument after OBJECT */

	if (!strcmp(object, "help")) {
		a->cmd = CMD_HELP;
		if (rest < argc - 1) {
			a->help_topic = argv[1 + rest];
			if (!is_object(a->help_topic)) {
				snprintf(err, errlen, "unknown command '%s' (try 'silkctl --help')",
					 a->help_topic);
				return -1;
			}
		}
		return 0;
	}
	if (!is_object(object)) {
		snprintf(err, errlen, "unknown command '%s' (try 'silkctl --help')", object);
		return -1;
	}
	for (i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].object, object) && !commands[i].verb)
			return parse_command(&commands[i], argc - 1 - rest,
					     argv + 1 + rest, a, err, errlen);

	/* OBJECT VERB */
	verb = rest < argc - 1 ? argv[1 + rest] : NULL;
	if (!verb || !strcmp(verb, "help") || !strcmp(verb, "--help") ||
	    !strcmp(verb, "-h")) {
		if (!verb) {
			snprintf(err, errlen, "%s: missing subcommand (try 'silkctl %s --help')",
				 object, object);
			return -1;
		}
		a->cmd = CMD_HELP;
		a->help_topic = object;
		return 0;
	}
	for (i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].object, object) && commands[i].verb &&
		    !strcmp(commands[i].verb, verb))
			return parse_command(&commands[i], argc - 2 - rest,
					     argv + 2 + rest, a, err, errlen);
	snprintf(err, errlen, "%s: unknown subcommand '%s' (try 'silkctl %s --help')",
		 object, verb, object);
	return -1;
}

int cli_parse(int argc, char **argv, const char *env_server,
	      struct cli_args *a, char *err, size_t errlen)
{
	int rc;

	if (errlen)
		err[0] = '\0';
	rc = parse_all(argc, argv, env_server, a, err, errlen);
	if (rc)
		silk_one_line(err);
	return rc;
}
