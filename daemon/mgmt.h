/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Management API transport: a thread serving line-delimited JSON on a
 * UNIX socket (mode 0600, peer uid checked) and optionally on TCP.
 */
#ifndef SILK_DAEMON_MGMT_H
#define SILK_DAEMON_MGMT_H

#include <pthread.h>
#include <stddef.h>
#include <sys/un.h>

#include "mgmt_ops.h"

#define MGMT_MAX_LINE (64 * 1024)
#define MGMT_MAX_CONNS 64

struct mconn;

struct mgmt {
	struct mgmt_ctx ctx;
	int epfd;
	int stop_efd;
	int unix_fd;
	int tcp_fd;
	char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char tcp_name[64];
	pthread_t thread;
	bool running;
	struct mconn *conns;
	unsigned nconns;
};

/*
 * Bind the sockets (sock_path "" = none, tcp "" = none) and start the
 * thread.  Returns 0 or -1 with err set.
 */
int mgmt_start(struct mgmt *m, const struct mgmt_ctx *ctx,
	       const char *sock_path, const char *tcp, char *err,
	       size_t errlen);
/* Stop the thread, close everything, remove the socket file. */
void mgmt_stop(struct mgmt *m);

#endif
