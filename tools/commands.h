/* SPDX-License-Identifier: GPL-2.0 */
/* silkctl command implementations; each returns an exit status. */
#ifndef SILKCTL_COMMANDS_H
#define SILKCTL_COMMANDS_H

#include "cmdline.h"

enum {
	EXIT_OK = 0,
	EXIT_ERR = 1,
	EXIT_USAGE = 2,
};

/* "silkctl: <message>\n" on stderr. */
void silkctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int cmd_volume(const struct cli_args *a);
int cmd_attach(const struct cli_args *a);
int cmd_detach(const struct cli_args *a);
int cmd_list(const struct cli_args *a);
int cmd_status(const struct cli_args *a);
int cmd_monitor(const struct cli_args *a);

/* Shared by list and status: all devices from a SILK_CMD_DEV_GET dump. */
struct silk_nl;
struct silk_dev_info;
int silk_dump_devices(struct silk_nl *nl, struct silk_dev_info **out, size_t *n);

#endif
