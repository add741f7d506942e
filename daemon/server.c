// SPDX-License-Identifier: GPL-2.0
#include "server.h"

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#ifndef SILK_VERSION
#define SILK_VERSION "0.1.0"
#endif

static int lock_data_dir(struct server *srv, char *err, size_t errlen)
{
	char path[PATH_MAX + 16], pid[32];
	int fd, n;

	if (mkdir(srv->cfg.data_dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create data directory %s: %s",
			 srv->cfg.data_dir, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/silkd.lock", srv->cfg.data_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		char other[32] = "";
		ssize_t r = pread(fd, other, sizeof(other) - 1, 0);

		if (r > 0)
			other[strcspn(other, "\n")] = '\0';
		snprintf(err, errlen,
			 "data directory %s is in use by another silkd%s%s",
			 srv->cfg.data_dir, other[0] ? " (pid " : "",
			 other[0] ? other : "");
		if (other[0])
			strncat(err, ")", errlen - strlen(err) - 1);
		close(fd);
		return -1;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == 0)
		(void)!pwrite(fd, pid, (size_t)n, 0);
	srv->lock_fd = fd;
	return 0;
}

static int open_listeners(struct server *srv, char *err, size_t errlen)
{
	for (int i = 0; i < srv->cfg.nlisten; i++) {
		struct sockaddr_storage ss;
		socklen_t sl;
		int fd;

		if (netaddr_parse(srv->cfg.listen[i], SILK_DEFAULT_PORT, &ss, &sl,
				  err, errlen) < 0)
			return -1;
		fd = netaddr_listen(&ss, sl, err, errlen);
		if (fd < 0)
			return -1;
		sl = sizeof(ss);
		getsockname(fd, (struct sockaddr *)&ss, &sl);
		netaddr_format((struct sockaddr *)&ss, srv->listen_name[srv->nlisten],
			       NETADDR_STRLEN);
		srv->listen_fd[srv->nlisten++] = fd;
	}
	return 0;
}

/* The node's "stats": each key, the workers' counter it sums. */
#define NODE_STAT(name) { #name, offsetof(struct silk_stats, name) }
static const struct {
	const char *key;
	size_t off;
} node_stats[] = {
	NODE_STAT(reads), NODE_STAT(writes), NODE_STAT(flushes),
	NODE_STAT(discards), NODE_STAT(write_zeroes), NODE_STAT(keepalives),
	NODE_STAT(bytes_read), NODE_STAT(bytes_written), NODE_STAT(errors),
	NODE_STAT(protocol_errors), NODE_STAT(reads_spliced),
	NODE_STAT(busy_poll_hits),
};
#undef NODE_STAT
#define NODE_NSTATS (sizeof(node_stats) / sizeof(node_stats[0]))

static void fill_node(void *arg, json_object *node)
{
	struct server *srv = arg;
	json_object *arr = json_object_new_array();
	json_object *st = json_object_new_object();
	uint64_t sum[NODE_NSTATS] = { 0 };
	json_object *rarr = json_object_new_array();
	json_object *rdown = json_object_new_array();
	unsigned conns = 0, rconns = 0;
	size_t nvols;
	struct vol **vols;

	for (int i = 0; i < srv->nworkers; i++) {
		struct silk_stats *s = worker_stats(srv->workers[i]);

		conns += worker_nconns(srv->workers[i]);
		rconns += worker_rdma_nconns(srv->workers[i]);
		for (size_t k = 0; k < NODE_NSTATS; k++)
			sum[k] += stat_get((_Atomic uint64_t *)
					   ((char *)s + node_stats[k].off));
	}
	for (size_t k = 0; k < NODE_NSTATS; k++)
		json_object_object_add(st, node_stats[k].key,
				       json_object_new_int64((int64_t)sum[k]));
	for (int i = 0; i < srv->nlisten; i++)
		json_object_array_add(arr,
				      json_object_new_string(srv->listen_name[i]));
	/* A listener whose device went away is down until it is back. */
	for (int i = 0; i < rdma_listen_count(srv->rdma); i++)
		json_object_array_add(rdma_listen_up(srv->rdma, i) ? rarr : rdown,
				      json_object_new_string(
					      rdma_listen_name(srv->rdma, i)));
	vols = volreg_get_all(&srv->reg, &nvols);
	volreg_put_all(vols, nvols);
	json_object_object_add(node, "version",
			       json_object_new_string(SILK_VERSION));
	json_object_object_add(node, "pid", json_object_new_int((int)getpid()));
	json_object_object_add(node, "uptime_s", json_object_new_int64(
		(int64_t)(time(NULL) - srv->started)));
	json_object_object_add(node, "data_dir",
			       json_object_new_string(srv->cfg.data_dir));
	json_object_object_add(node, "listen", arr);
	json_object_object_add(node, "rdma_listen", rarr);
	json_object_object_add(node, "rdma_listen_down", rdown);
	json_object_object_add(node, "threads",
			       json_object_new_int(srv->nworkers));
	json_object_object_add(node, "queue_depth",
			       json_object_new_int((int)srv->cfg.queue_depth));
	json_object_object_add(node, "connections", json_object_new_int((int)conns));
	json_object_object_add(node, "rdma_connections",
			       json_object_new_int((int)rconns));
	json_object_object_add(node, "volumes",
			       json_object_new_int((int)nvols));
	json_object_object_add(node, "stats", st);
}

static int write_pidfile(struct server *srv, char *err, size_t errlen)
{
	char tmp[PATH_MAX + 8];
	FILE *f;

	if (!srv->cfg.pidfile[0])
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp", srv->cfg.pidfile);
	f = fopen(tmp, "we");
	if (!f || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f) != 0 ||
	    rename(tmp, srv->cfg.pidfile) < 0) {
		snprintf(err, errlen, "cannot write pidfile %s: %s",
			 srv->cfg.pidfile, strerror(errno));
		return -1;
	}
	srv->pidfile_written = true;
	return 0;
}

static int start_workers(struct server *srv, char *err, size_t errlen)
{
	int n = srv->cfg.threads;

	if (n <= 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);

		n = cpus > 0 ? (int)cpus : 1;
		if (n > CONFIG_MAX_THREADS)
			n = CONFIG_MAX_THREADS;
	}
	srv->workers = calloc((size_t)n, sizeof(*srv->workers));
	if (!srv->workers) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (int i = 0; i < n; i++) {
		struct worker_params p = {
			.id = i,
			.reg = &srv->reg,
			.limits = {
				.max_inflight = srv->cfg.queue_depth,
				.max_bytes = 32u << 20,
				.features = SILK_FEAT_DDGST | SILK_FEAT_HDGST,
			},
			.ring_entries = 256,
			.splice_min = srv->cfg.splice_min,
			.rdma_devs = srv->rdma_devs,
			.rdma_depth_max = srv->cfg.rdma_queue_depth_max,
			.rdma_max_data = srv->cfg.rdma_max_data,
			.rdma_busy_poll = srv->cfg.rdma_busy_poll,
			.busy_poll_us = srv->cfg.busy_poll_us,
		};

		srv->workers[i] = worker_start(&p, err, errlen);
		if (!srv->workers[i])
			return -1;
		srv->nworkers++;
	}
	return 0;
}

/* The RDMA listener hands each new connection to the next worker. */
static int rdma_handoff(void *arg, struct rdma_conn *c)
{
	struct server *srv = arg;
	struct worker *w = srv->workers[srv->next_worker++ % (unsigned)srv->nworkers];

	return worker_add_rdma(w, c);
}

int server_start(struct server *srv, const struct silkd_config *cfg,
		 char *err, size_t errlen)
{
	struct mgmt_ctx mctx;
	sigset_t set;

	memset(srv, 0, sizeof(*srv));
	srv->cfg = *cfg;
	srv->lock_fd = srv->sig_fd = -1;
	srv->started = time(NULL);

	/* Signals are taken synchronously by the main thread only. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	srv->sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (srv->sig_fd < 0) {
		snprintf(err, errlen, "signalfd: %s", strerror(errno));
		goto fail;
	}
	if (lock_data_dir(srv, err, errlen) < 0)
		goto fail;
	if (volreg_open(&srv->reg, cfg->data_dir, err, errlen) < 0) {
		volreg_close(&srv->reg);
		goto fail;
	}
	srv->reg_open = true;
	if (open_listeners(srv, err, errlen) < 0)
		goto fail;
	/* Connect requests are only taken in server_run, once workers exist. */
	if (cfg->nrdma_listen > 0) {
		srv->rdma_devs = rdma_devs_new();
		if (!srv->rdma_devs) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		srv->rdma = rdma_listen_start(
			(const char (*)[CONFIG_ADDR_LEN])cfg->rdma_listen,
			cfg->nrdma_listen, srv->rdma_devs, rdma_handoff, srv,
			err, errlen);
		if (!srv->rdma)
			goto fail;
	}
	if (start_workers(srv, err, errlen) < 0)
		goto fail;
	mctx.reg = &srv->reg;
	mctx.fill_node = fill_node;
	mctx.arg = srv;
	if ((cfg->mgmt_socket[0] || cfg->mgmt_listen[0])) {
		if (mgmt_start(&srv->mgmt, &mctx, cfg->mgmt_socket,
			       cfg->mgmt_listen, err, errlen) < 0)
			goto fail;
		srv->mgmt_on = true;
	}
	if (write_pidfile(srv, err, errlen) < 0)
		goto fail;
	return 0;
fail:
	server_stop(srv);
	return -1;
}

static void accept_on(struct server *srv, int lfd)
{
	/* Bounded: the rest waits for the next epoll round. */
	for (int i = 0; i < 64; i++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct worker *w;

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				/* Out of descriptors: do not spin on the
				 * still-readable listener. */
				log_err("accept: %s", strerror(errno));
				usleep(50000);
			}
			return;
		}
		w = srv->workers[srv->next_worker++ % (unsigned)srv->nworkers];
		if (worker_add_conn(w, fd) < 0)
			close(fd);
	}
}

/*
 * The RDMA device registry has work: ids to destroy on devices that went
 * away, device events from the kernel.  When an RDMA device in use went
 * away, whatever silkd has on it goes (rdma_dev.h says why not only on
 * RDMA_CM_EVENT_DEVICE_REMOVAL); when one came, listeners that are down
 * try again at once, so that hosts can connect as soon as it is there.
 */
static void rdma_devices_event(struct server *srv)
{
	unsigned flags = rdma_devs_run(srv->rdma_devs);

	if ((flags & RDMA_DEVS_REMOVED) && rdma_devs_check(srv->rdma_devs)) {
		rdma_listen_check_gone(srv->rdma);
		for (int i = 0; i < srv->nworkers; i++)
			worker_rdma_check_gone(srv->workers[i]);
	}
	if (flags & RDMA_DEVS_ADDED)
		rdma_listen_retry_now(srv->rdma);
}

int server_run(struct server *srv)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN };

	if (ep < 0) {
		log_err("epoll_create1: %s", strerror(errno));
		return 1;
	}
	ev.data.fd = srv->sig_fd;
	epoll_ctl(ep, EPOLL_CTL_ADD, srv->sig_fd, &ev);
	for (int i = 0; i < srv->nlisten; i++) {
		ev.data.fd = srv->listen_fd[i];
		epoll_ctl(ep, EPOLL_CTL_ADD, srv->listen_fd[i], &ev);
		log_info("listening on %s", srv->listen_name[i]);
	}
	if (srv->rdma) {
		ev.data.fd = rdma_listen_fd(srv->rdma);
		epoll_ctl(ep, EPOLL_CTL_ADD, ev.data.fd, &ev);
		ev.data.fd = rdma_devs_fd(srv->rdma_devs);
		epoll_ctl(ep, EPOLL_CTL_ADD, ev.data.fd, &ev);
		for (int i = 0; i < rdma_listen_count(srv->rdma); i++)
			log_info("listening on %s (RDMA)",
				 rdma_listen_name(srv->rdma, i));
	}
	log_info("serving %s with %d worker thread(s)%s%s", srv->cfg.data_dir,
		 srv->nworkers, srv->mgmt_on && srv->mgmt.sock_path[0] ?
		 ", management socket " : "", srv->mgmt.sock_path);
	for (;;) {
		struct epoll_event evs[16];
		/* RDMA listeners that are down are retried from here. */
		int n = epoll_wait(ep, evs, 16, rdma_listen_timeout(srv->rdma));

		if (n < 0 && errno != EINTR) {
			log_err("epoll_wait: %s", strerror(errno));
			close(ep);
			return 1;
		}
		for (int i = 0; i < n; i++) {
			if (evs[i].data.fd == srv->sig_fd) {
				struct signalfd_siginfo si;

				if (read(srv->sig_fd, &si, sizeof(si)) != sizeof(si))
					continue;
				if (si.ssi_signo == SIGHUP) {
					log_info("SIGHUP ignored (restart to apply config changes)");
					continue;
				}
				log_info("%s received: shutting down",
					 strsignal((int)si.ssi_signo));
				close(ep);
				return 0;
			}
			if (srv->rdma && evs[i].data.fd == rdma_listen_fd(srv->rdma))
				rdma_listen_on_event(srv->rdma);
			else if (srv->rdma &&
				 evs[i].data.fd == rdma_devs_fd(srv->rdma_devs))
				rdma_devices_event(srv);
			else
				accept_on(srv, evs[i].data.fd);
		}
		rdma_listen_retry(srv->rdma);
	}
}

int server_stop(struct server *srv)
{
	int failed = 0;

	for (int i = 0; i < srv->nlisten; i++)
		close(srv->listen_fd[i]);
	srv->nlisten = 0;
	/* Before the RDMA listener: status requests look at it. */
	if (srv->mgmt_on)
		mgmt_stop(&srv->mgmt);
	srv->mgmt_on = false;
	/* Ids go with their event channels from here on. */
	if (srv->rdma_devs)
		rdma_devs_close(srv->rdma_devs);
	rdma_listen_stop(srv->rdma);
	srv->rdma = NULL;
	for (int i = 0; i < srv->nworkers; i++)
		worker_stop(srv->workers[i], SERVER_DRAIN_MS);
	free(srv->workers);
	srv->workers = NULL;
	srv->nworkers = 0;
	rdma_devs_free(srv->rdma_devs);
	srv->rdma_devs = NULL;
	if (srv->reg_open) {
		failed = volreg_sync_all(&srv->reg);
		volreg_close(&srv->reg);
		srv->reg_open = false;
	}
	if (srv->pidfile_written)
		unlink(srv->cfg.pidfile);
	srv->pidfile_written = false;
	if (srv->lock_fd >= 0)
		close(srv->lock_fd);
	srv->lock_fd = -1;
	if (srv->sig_fd >= 0)
		close(srv->sig_fd);
	srv->sig_fd = -1;
	return failed ? 1 : 0;
}
