/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The silkd process: settings, data-directory lock, volume registry,
 * listeners (TCP and RDMA), workers, management API; startup, accept loop
 * and shutdown.
 */
#ifndef SILK_DAEMON_SERVER_H
#define SILK_DAEMON_SERVER_H

#include <time.h>

#include "config.h"
#include "mgmt.h"
#include "netaddr.h"
#include "rdma_dev.h"
#include "rdma_listen.h"
#include "volumes.h"
#include "worker.h"

#define SERVER_DRAIN_MS 20000

struct server {
	struct silkd_config cfg;
	struct volreg reg;
	bool reg_open;
	int lock_fd;
	int nworkers;
	struct worker **workers;
	unsigned next_worker;
	int listen_fd[CONFIG_MAX_LISTEN];
	char listen_name[CONFIG_MAX_LISTEN][NETADDR_STRLEN];
	int nlisten;
	struct rdma_listener *rdma;	/* NULL without rdma_listen */
	struct rdma_devs *rdma_devs;
	struct mgmt mgmt;
	bool mgmt_on;
	int sig_fd;
	time_t started;
	bool pidfile_written;
};

/* Set everything up; returns 0 or -1 with err set (nothing left running). */
int server_start(struct server *srv, const struct silkd_config *cfg,
		 char *err, size_t errlen);
/* Accept connections until SIGTERM/SIGINT; returns the exit status. */
int server_run(struct server *srv);
/* Drain, sync and release everything. */
int server_stop(struct server *srv);

#endif
