// SPDX-License-Identifier: GPL-2.0
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "netaddr.h"
#include "silk_proto.h"

#ifndef SILK_VERSION
#define SILK_VERSION "0.1.0"
#endif

void config_defaults(struct silkd_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->listen[0], sizeof(c->listen[0]), "0.0.0.0:%d",
		 SILK_DEFAULT_PORT);
	c->nlisten = 1;
	snprintf(c->data_dir, sizeof(c->data_dir), "%s", CONFIG_DEFAULT_DATA_DIR);
	snprintf(c->mgmt_socket, sizeof(c->mgmt_socket), "%s",
		 CONFIG_DEFAULT_MGMT_SOCKET);
	c->queue_depth = CONFIG_DEFAULT_QUEUE_DEPTH;
	c->log_level = LOG_LVL_INFO;
	c->rdma_max_data = SILK_RDMA_DEFAULT_MAX_DATA;
	c->rdma_queue_depth_max = CONFIG_DEFAULT_RDMA_DEPTH_MAX;
	c->splice_min = CONFIG_DEFAULT_SPLICE_MIN;
}

void config_usage(FILE *out)
{
	fprintf(out,
"Usage: silkd [OPTIONS]\n"
"Serve Silk volumes over TCP and RDMA.\n\n"
"  -c, --config FILE         config file (default " CONFIG_DEFAULT_FILE ")\n"
"  -l, --listen ADDR:PORT    data listener, repeatable (default 0.0.0.0:%d)\n"
"  -d, --data-dir DIR        volumes and metadata (default " CONFIG_DEFAULT_DATA_DIR ")\n"
"      --mgmt-socket PATH    management UNIX socket, 'none' to disable\n"
"                            (default " CONFIG_DEFAULT_MGMT_SOCKET ")\n"
"      --mgmt-listen ADDR:PORT  management TCP listener (default off)\n"
"  -t, --threads N           worker threads (default: online CPUs)\n"
"  -q, --queue-depth N       requests in flight per TCP connection (default %d)\n"
"      --rdma-listen ADDR:PORT  RDMA (rdma_cm) listener, repeatable;\n"
"                            'none' for none (the default)\n"
"      --rdma-max-data BYTES largest RDMA transfer per command, 4K-1M in\n"
"                            4K steps (default %uK)\n"
"      --rdma-queue-depth-max N  most commands in flight per RDMA\n"
"                            connection, 1-%d (default %d)\n"
"      --rdma-busy-poll on|off  spin on RDMA completions (default off)\n"
"      --busy-poll US|off    after work, a worker keeps polling its sockets\n"
"                            and queues this many microseconds (0-%d)\n"
"                            before it sleeps: lower latency for a\n"
"                            spinning CPU (default off)\n"
"      --splice-min BYTES    TCP reads this large (4K-1M) from direct-I/O\n"
"                            backings go by splice(), uncopied; 'off' for\n"
"                            never (default %uK)\n"
"      --pidfile PATH        write the process id to PATH\n"
"  -v, --verbose             more logging (repeat for debug)\n"
"  -h, --help                this text\n"
"      --version             print the version\n",
		SILK_DEFAULT_PORT, CONFIG_DEFAULT_QUEUE_DEPTH,
		SILK_RDMA_DEFAULT_MAX_DATA >> 10, CONFIG_MAX_QUEUE_DEPTH,
		CONFIG_DEFAULT_RDMA_DEPTH_MAX, CONFIG_MAX_BUSY_POLL_US,
		CONFIG_DEFAULT_SPLICE_MIN >> 10);
}

static int parse_uint(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int set_path(char *dst, size_t dstlen, const char *key, const char *v,
		    bool allow_none, char *err, size_t errlen)
{
	if (allow_none && strcmp(v, "none") == 0) {
		dst[0] = '\0';
		return 0;
	}
	if (v[0] != '/') {
		snprintf(err, errlen, "%s must be an absolute path: '%s'", key, v);
		return -1;
	}
	if (strlen(v) >= dstlen) {
		snprintf(err, errlen, "%s is too long (max %zu bytes)", key,
			 dstlen - 1);
		return -1;
	}
	snprintf(dst, dstlen, "%s", v);
	return 0;
}

static int check_addr(const char *key, const char *v, int def_port,
		      char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char why[160];

	if (strlen(v) >= CONFIG_ADDR_LEN) {
		snprintf(err, errlen, "%s: address too long", key);
		return -1;
	}
	if (netaddr_parse(v, def_port, &ss, &len, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s: %s", key, why);
		return -1;
	}
	return 0;
}

/* listen values accumulate; the caller resets the list when overriding. */
static int add_listen(struct silkd_config *c, const char *v, char *err,
		      size_t errlen)
{
	if (check_addr("listen", v, SILK_DEFAULT_PORT, err, errlen) < 0)
		return -1;
	if (c->nlisten >= CONFIG_MAX_LISTEN) {
		snprintf(err, errlen, "listen: at most %d addresses",
			 CONFIG_MAX_LISTEN);
		return -1;
	}
	snprintf(c->listen[c->nlisten++], CONFIG_ADDR_LEN, "%s", v);
	return 0;
}

static int add_rdma_listen(struct silkd_config *c, const char *v, char *err,
			   size_t errlen)
{
	if (strcmp(v, "none") == 0) {
		c->nrdma_listen = 0;
		return 0;
	}
	if (check_addr("rdma_listen", v, SILK_DEFAULT_PORT, err, errlen) < 0)
		return -1;
	if (c->nrdma_listen >= CONFIG_MAX_LISTEN) {
		snprintf(err, errlen, "rdma_listen: at most %d addresses",
			 CONFIG_MAX_LISTEN);
		return -1;
	}
	snprintf(c->rdma_listen[c->nrdma_listen++], CONFIG_ADDR_LEN, "%s", v);
	return 0;
}

/* Bytes, optionally with a K or M suffix (powers of 1024). */
static int parse_bytes(const char *s, unsigned long long max,
		       unsigned long long *out)
{
	unsigned long long v, mult = 1;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	if (*end == 'K' || *end == 'k')
		mult = 1024, end++;
	else if (*end == 'M' || *end == 'm')
		mult = 1024 * 1024, end++;
	if (*end || v > max / mult)
		return -1;
	*out = v * mult;
	return 0;
}

static int set_rdma(struct silkd_config *c, const char *key, const char *value,
		    char *err, size_t errlen)
{
	unsigned long long b;
	long n;

	if (strcmp(key, "rdma_listen") == 0)
		return add_rdma_listen(c, value, err, errlen);
	if (strcmp(key, "rdma_max_data") == 0) {
		if (parse_bytes(value, SILK_MAX_DATA, &b) < 0 ||
		    b < CONFIG_RDMA_MIN_DATA || b % CONFIG_RDMA_MIN_DATA) {
			snprintf(err, errlen,
				 "rdma_max_data must be 4K to 1M, a multiple of 4096 bytes: '%s'",
				 value);
			return -1;
		}
		c->rdma_max_data = (uint32_t)b;
		return 0;
	}
	if (strcmp(key, "rdma_busy_poll") == 0) {
		if (strcmp(value, "on") && strcmp(value, "off")) {
			snprintf(err, errlen,
				 "rdma_busy_poll must be on or off: '%s'", value);
			return -1;
		}
		c->rdma_busy_poll = strcmp(value, "on") == 0;
		return 0;
	}
	if (parse_uint(value, 1, CONFIG_MAX_QUEUE_DEPTH, &n) < 0) {
		snprintf(err, errlen, "%s must be 1 to %d: '%s'", key,
			 CONFIG_MAX_QUEUE_DEPTH, value);
		return -1;
	}
	c->rdma_queue_depth_max = (unsigned)n;
	return 0;
}

int config_set(struct silkd_config *c, const char *key, const char *value,
	       char *err, size_t errlen)
{
	long n;

	if (strcmp(key, "listen") == 0)
		return add_listen(c, value, err, errlen);
	if (strcmp(key, "rdma_listen") == 0 ||
	    strcmp(key, "rdma_max_data") == 0 ||
	    strcmp(key, "rdma_busy_poll") == 0 ||
	    strcmp(key, "rdma_queue_depth_max") == 0)
		return set_rdma(c, key, value, err, errlen);
	if (strcmp(key, "data_dir") == 0)
		return set_path(c->data_dir, sizeof(c->data_dir), key, value,
				false, err, errlen);
	if (strcmp(key, "mgmt_socket") == 0)
		return set_path(c->mgmt_socket, sizeof(c->mgmt_socket), key,
				value, true, err, errlen);
	if (strcmp(key, "pidfile") == 0)
		return set_path(c->pidfile, sizeof(c->pidfile), key, value,
				true, err, errlen);
	if (strcmp(key, "mgmt_listen") == 0) {
		if (strcmp(value, "none") == 0) {
			c->mgmt_listen[0] = '\0';
			return 0;
		}
		if (check_addr(key, value, SILK_DEFAULT_MGMT_PORT, err, errlen))
			return -1;
		snprintf(c->mgmt_listen, sizeof(c->mgmt_listen), "%s", value);
		return 0;
	}
	if (strcmp(key, "threads") == 0) {
		if (parse_uint(value, 0, CONFIG_MAX_THREADS, &n) < 0) {
			snprintf(err, errlen,
				 "threads must be 0 (auto) to %d: '%s'",
				 CONFIG_MAX_THREADS, value);
			return -1;
		}
		c->threads = (int)n;
		return 0;
	}
	if (strcmp(key, "queue_depth") == 0) {
		if (parse_uint(value, 1, CONFIG_MAX_QUEUE_DEPTH, &n) < 0) {
			snprintf(err, errlen, "queue_depth must be 1 to %d: '%s'",
				 CONFIG_MAX_QUEUE_DEPTH, value);
			return -1;
		}
		c->queue_depth = (unsigned)n;
		return 0;
	}
	if (strcmp(key, "splice_min") == 0) {
		unsigned long long b;

		if (strcmp(value, "off") == 0) {
			c->splice_min = 0;
			return 0;
		}
		if (parse_bytes(value, SILK_MAX_DATA, &b) < 0 ||
		    (b && b < CONFIG_MIN_SPLICE)) {
			snprintf(err, errlen,
				 "splice_min must be off (or 0), or 4K to 1M bytes: '%s'",
				 value);
			return -1;
		}
		c->splice_min = (uint32_t)b;
		return 0;
	}
	if (strcmp(key, "busy_poll") == 0) {
		if (strcmp(value, "off") == 0) {
			c->busy_poll_us = 0;
			return 0;
		}
		if (parse_uint(value, 0, CONFIG_MAX_BUSY_POLL_US, &n) < 0) {
			snprintf(err, errlen,
				 "busy_poll must be off (or 0) or 1 to %d microseconds: '%s'",
				 CONFIG_MAX_BUSY_POLL_US, value);
			return -1;
		}
		c->busy_poll_us = (uint32_t)n;
		return 0;
	}
	if (strcmp(key, "log_level") == 0) {
		int lvl = log_parse_level(value);

		if (lvl < 0) {
			snprintf(err, errlen,
				 "log_level must be error, warn, info or debug: '%s'",
				 value);
			return -1;
		}
		c->log_level = lvl;
		return 0;
	}
	snprintf(err, errlen, "unknown key '%s'", key);
	return -1;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int config_parse_file(struct silkd_config *c, const char *path,
		      bool missing_ok, char *err, size_t errlen)
{
	char line[1024], why[256];
	bool listen_seen = false;
	unsigned lineno = 0;
	FILE *f = fopen(path, "re");

	if (!f) {
		if (missing_ok && errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *key, *val, *eq, *hash;
		size_t len = strlen(line);

		lineno++;
		if (len == sizeof(line) - 1 && line[len - 1] != '\n' && !feof(f)) {
			snprintf(err, errlen, "%s:%u: line too long", path, lineno);
			goto bad;
		}
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		key = trim(line);
		if (*key == '\0')
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%u: expected 'key = value'",
				 path, lineno);
			goto bad;
		}
		*eq = '\0';
		key = trim(key);
		val = trim(eq + 1);
		if (*key == '\0' || *val == '\0') {
			snprintf(err, errlen, "%s:%u: empty %s", path, lineno,
				 *key ? "value" : "key");
			goto bad;
		}
		if (strcmp(key, "listen") == 0 && !listen_seen) {
			/* The file's listen lines replace the default. */
			c->nlisten = 0;
			listen_seen = true;
		}
		if (config_set(c, key, val, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "%s:%u: %s", path, lineno, why);
			goto bad;
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		goto bad;
	}
	fclose(f);
	return 0;
bad:
	fclose(f);
	return -1;
}

enum {
	OPT_MGMT_SOCKET = 256,
	OPT_MGMT_LISTEN,
	OPT_PIDFILE,
	OPT_VERSION,
	OPT_RDMA_LISTEN,
	OPT_RDMA_MAX_DATA,
	OPT_RDMA_BUSY_POLL,
	OPT_RDMA_DEPTH_MAX,
	OPT_SPLICE_MIN,
	OPT_BUSY_POLL,
};

static const struct option long_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "listen", required_argument, NULL, 'l' },
	{ "data-dir", required_argument, NULL, 'd' },
	{ "mgmt-socket", required_argument, NULL, OPT_MGMT_SOCKET },
	{ "mgmt-listen", required_argument, NULL, OPT_MGMT_LISTEN },
	{ "threads", required_argument, NULL, 't' },
	{ "queue-depth", required_argument, NULL, 'q' },
	{ "pidfile", required_argument, NULL, OPT_PIDFILE },
	{ "rdma-listen", required_argument, NULL, OPT_RDMA_LISTEN },
	{ "rdma-max-data", required_argument, NULL, OPT_RDMA_MAX_DATA },
	{ "rdma-busy-poll", required_argument, NULL, OPT_RDMA_BUSY_POLL },
	{ "rdma-queue-depth-max", required_argument, NULL, OPT_RDMA_DEPTH_MAX },
	{ "splice-min", required_argument, NULL, OPT_SPLICE_MIN },
	{ "busy-poll", required_argument, NULL, OPT_BUSY_POLL },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static const char short_opts[] = ":c:l:d:t:q:vh";

static const char *opt_key(int opt)
{
	switch (opt) {
	case 'l': return "listen";
	case 'd': return "data_dir";
	case 't': return "threads";
	case 'q': return "queue_depth";
	case OPT_MGMT_SOCKET: return "mgmt_socket";
	case OPT_MGMT_LISTEN: return "mgmt_listen";
	case OPT_PIDFILE: return "pidfile";
	case OPT_RDMA_LISTEN: return "rdma_listen";
	case OPT_RDMA_MAX_DATA: return "rdma_max_data";
	case OPT_RDMA_BUSY_POLL: return "rdma_busy_poll";
	case OPT_RDMA_DEPTH_MAX: return "rdma_queue_depth_max";
	case OPT_SPLICE_MIN: return "splice_min";
	case OPT_BUSY_POLL: return "busy_poll";
	default: return NULL;
	}
}

static const char *opt_name(int opt)
{
	for (const struct option *o = long_opts; o->name; o++)
		if (o->val == opt)
			return o->name;
	return "?";
}

int config_load(struct silkd_config *c, int argc, char **argv, FILE *out,
		char *err, size_t errlen)
{
	const char *file = CONFIG_DEFAULT_FILE;
	bool file_given = false, listen_given = false, rdma_given = false;
	int verbose = 0;
	char why[256];
	int opt;

	config_defaults(c);
	/* Pass 1: the config file, help, version and option syntax. */
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			file = optarg;
			file_given = true;
			break;
		case 'h':
			config_usage(out);
			return CONFIG_EXIT;
		case OPT_VERSION:
			fprintf(out, "silkd %s (protocol %d-%d)\n", SILK_VERSION,
				SILK_PROTO_VERSION_MIN, SILK_PROTO_VERSION_MAX);
			return CONFIG_EXIT;
		case ':':
			snprintf(err, errlen, "option '%s' needs a value",
				 argv[optind - 1]);
			return CONFIG_ERR_USAGE;
		case '?':
			snprintf(err, errlen, "unknown option '%s'",
				 argv[optind - 1]);
			return CONFIG_ERR_USAGE;
		default:
			break;
		}
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
		return CONFIG_ERR_USAGE;
	}
	if (strlen(file) >= sizeof(c->config_file)) {
		snprintf(err, errlen, "config file path too long");
		return CONFIG_ERR_USAGE;
	}
	snprintf(c->config_file, sizeof(c->config_file), "%s", file);
	if (config_parse_file(c, file, !file_given, err, errlen) < 0)
		return CONFIG_ERR_FILE;

	/* Pass 2: command-line values override the file. */
	optind = 0;
	while ((opt = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
		const char *key = opt_key(opt);

		if (opt == 'v') {
			verbose++;
			continue;
		}
		if (!key)
			continue;
		if (opt == 'l' && !listen_given) {
			c->nlisten = 0;
			listen_given = true;
		}
		if (opt == OPT_RDMA_LISTEN && !rdma_given) {
			c->nrdma_listen = 0;
			rdma_given = true;
		}
		if (config_set(c, key, optarg, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "--%s: %s", opt_name(opt), why);
			return CONFIG_ERR_USAGE;
		}
	}
	c->log_level += verbose;
	if (c->log_level > LOG_LVL_DEBUG)
		c->log_level = LOG_LVL_DEBUG;
	if (c->nlisten == 0) {
		snprintf(err, errlen, "no listen address");
		return CONFIG_ERR_USAGE;
	}
	return CONFIG_RUN;
}
