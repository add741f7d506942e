// SPDX-License-Identifier: GPL-2.0
/* silkd: the Silk storage daemon.  See Documentation/man/silkd.8. */
#include <stdio.h>

#include "config.h"
#include "log.h"
#include "server.h"

int main(int argc, char **argv)
{
	struct silkd_config cfg;
	struct server srv;
	char err[512];
	int rc;

	rc = config_load(&cfg, argc, argv, stdout, err, sizeof(err));
	if (rc == CONFIG_EXIT)
		return 0;
	if (rc != CONFIG_RUN) {
		fprintf(stderr, "silkd: %s\n", err);
		if (rc == CONFIG_ERR_USAGE)
			fprintf(stderr, "Try 'silkd --help'.\n");
		return 2;
	}
	log_set_level(cfg.log_level);
	if (server_start(&srv, &cfg, err, sizeof(err)) < 0) {
		log_err("%s", err);
		return 1;
	}
	rc = server_run(&srv);
	if (server_stop(&srv) != 0)
		rc = 1;
	if (rc == 0)
		log_info("stopped cleanly");
	return rc;
}
