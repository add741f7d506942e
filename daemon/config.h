/* SPDX-License-Identifier: GPL-2.0 */
/*
 * silkd settings: defaults, then the config file (key = value lines),
 * then the command line, each overriding the one before.
 */
#ifndef SILK_DAEMON_CONFIG_H
#define SILK_DAEMON_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/un.h>

#define CONFIG_DEFAULT_FILE "/etc/silk/silkd.conf"
#define CONFIG_DEFAULT_DATA_DIR "/var/lib/silk"
#define CONFIG_DEFAULT_MGMT_SOCKET "/run/silk/silkd.sock"
#define CONFIG_MAX_LISTEN 16
#define CONFIG_ADDR_LEN 80
#define CONFIG_MAX_THREADS 256
#define CONFIG_MAX_QUEUE_DEPTH 1024
#define CONFIG_DEFAULT_QUEUE_DEPTH 128
#define CONFIG_RDMA_MIN_DATA 4096u
#define CONFIG_DEFAULT_RDMA_DEPTH_MAX 1024
#define CONFIG_DEFAULT_SPLICE_MIN (64u * 1024)
#define CONFIG_MIN_SPLICE 4096u
#define CONFIG_MAX_BUSY_POLL_US 100000

struct silkd_config {
	char config_file[PATH_MAX];
	char listen[CONFIG_MAX_LISTEN][CONFIG_ADDR_LEN];
	int nlisten;
	char data_dir[PATH_MAX];
	char mgmt_socket[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char mgmt_listen[CONFIG_ADDR_LEN];	/* "" = no TCP management */
	int threads;				/* 0 = online CPUs */
	unsigned queue_depth;			/* in-flight cap per connection */
	char pidfile[PATH_MAX];			/* "" = none */
	int log_level;
	uint32_t splice_min;			/* TCP READs spliced from this
						 * size up; 0 = never */
	uint32_t busy_poll_us;			/* workers look for work this
						 * long before sleeping */
	/* RDMA transport (Documentation/protocol.md section 13) */
	char rdma_listen[CONFIG_MAX_LISTEN][CONFIG_ADDR_LEN];
	int nrdma_listen;			/* 0 = no RDMA listener */
	uint32_t rdma_max_data;			/* largest SGL transfer granted */
	bool rdma_busy_poll;			/* spin on completion queues */
	unsigned rdma_queue_depth_max;		/* cap on the depth granted */
};

enum {
	CONFIG_RUN = 0,		/* settings complete: run */
	CONFIG_EXIT = 1,	/* --help/--version printed: exit 0 */
	CONFIG_ERR_USAGE = 2,	/* bad command line: exit 2 */
	CONFIG_ERR_FILE = 3,	/* bad config file: exit 2 */
};

void config_defaults(struct silkd_config *c);
/*
 * Parse argv (and the config file it names, or the default one when it
 * exists) into c.  Help/version text goes to out.  On error returns
 * CONFIG_ERR_* with a one-line message in err.
 */
int config_load(struct silkd_config *c, int argc, char **argv, FILE *out,
		char *err, size_t errlen);
/* Apply one config file; missing_ok for the default path. */
int config_parse_file(struct silkd_config *c, const char *path,
		      bool missing_ok, char *err, size_t errlen);
/* Apply one "key = value" setting; returns 0 or -1 with a reason. */
int config_set(struct silkd_config *c, const char *key, const char *value,
	       char *err, size_t errlen);
void config_usage(FILE *out);

#endif
