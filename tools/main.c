// SPDX-License-Identifier: GPL-2.0
/* silkctl: the Silk admin CLI.  Parses the command line and dispatches. */
#include <stdio.h>
#include <stdlib.h>

#include "cmdline.h"
#include "commands.h"
#include "help.h"

int main(int argc, char **argv)
{
	struct cli_args a;
	char err[512];

	if (cli_parse(argc, argv, getenv("SILK_SERVER"), &a, err, sizeof(err))) {
		silkctl_err("%s", err);
		return EXIT_USAGE;
	}
	if (a.cmd == CMD_VERSION) {
		printf("silkctl %s\n", SILKCTL_VERSION);
		return EXIT_OK;
	}
	if (a.cmd == CMD_HELP) {
		help_topic(stdout, a.help_topic);
		return EXIT_OK;
	}
	if (a.help) {
		help_cmd(stdout, a.cmd);
		return EXIT_OK;
	}
	switch (a.cmd) {
	case CMD_VOLUME_CREATE:
	case CMD_VOLUME_LIST:
	case CMD_VOLUME_SHOW:
	case CMD_VOLUME_DELETE:
	case CMD_VOLUME_RESIZE:
		return cmd_volume(&a);
	case CMD_ATTACH:
		return cmd_attach(&a);
	case CMD_DETACH:
		return cmd_detach(&a);
	case CMD_LIST:
		return cmd_list(&a);
	case CMD_STATUS:
		return cmd_status(&a);
	case CMD_MONITOR:
		return cmd_monitor(&a);
	default:
		silkctl_err("internal error: no command");
		return EXIT_ERR;
	}
}
