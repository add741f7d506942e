// SPDX-License-Identifier: GPL-2.0
/* silkctl --help texts (keep in sync with Documentation/man/silkctl.8). */
#include "help.h"

#include <string.h>

static const char common_opts[] =
"  -s, --server ADDR   silkd management API: /path/to.sock, HOST[:PORT] or\n"
"                      [V6][:PORT] (default $SILK_SERVER or /run/silk/silkd.sock)\n"
"  -j, --json          JSON output\n"
"  -h, --help          this help\n";

void help_main(FILE *f)
{
	fprintf(f,
"Usage: silkctl [OPTIONS] OBJECT [VERB] [ARGS...]\n"
"\n"
"Manage Silk volumes (on silkd) and attached /dev/silkN devices (in silk.ko).\n"
"\n"
"Commands:\n"
"  volume create NAME --size SIZE [--block-size 512|4096] [--backing /dev/X]\n"
"  volume list                      list the volumes of a silkd node\n"
"  volume show NAME                 show one volume\n"
"  volume delete NAME [--force]     delete a volume\n"
"  volume resize NAME --size SIZE   grow a volume\n"
"  attach VOLUME [OPTIONS]          attach a volume as /dev/silkN\n"
"  detach DEVICE                    detach /dev/silkN (also silkN or N)\n"
"  list                             attached devices (from the kernel)\n"
"  status                           kernel devices and silkd node status\n"
"  monitor [--count N] [--timeout S] print kernel events\n"
"  help [OBJECT]                    help for a command\n"
"\n"
"Options:\n"
"%s"
"  -V, --version       print the version\n"
"\n"
"SIZE takes bytes or a K, M, G, T (or KiB, MiB, GiB, TiB) suffix.\n"
"Exit status: 0 success, 1 error, 2 usage error.  See silkctl(8).\n",
		common_opts);
}

static void help_volume(FILE *f)
{
	fprintf(f,
"Usage: silkctl volume create NAME --size SIZE [--block-size 512|4096] [--backing /dev/X]\n"
"       silkctl volume list [--json]\n"
"       silkctl volume show NAME [--json]\n"
"       silkctl volume delete NAME [--force]\n"
"       silkctl volume resize NAME --size SIZE\n"
"\n"
"Volumes live on a silkd node, reached through its management API.\n"
"NAME: 1-63 characters of A-Z a-z 0-9 . _ -, not starting with . or -.\n"
"SIZE: bytes, or with a K, M, G, T (KiB, MiB, GiB, TiB) suffix; a\n"
"multiple of the block size.\n"
"\n"
"Options:\n"
"%s", common_opts);
}

void help_topic(FILE *f, const char *topic)
{
	if (!topic)
		help_main(f);
	else if (!strcmp(topic, "volume"))
		help_volume(f);
	else if (!strcmp(topic, "attach"))
		help_cmd(f, CMD_ATTACH);
	else if (!strcmp(topic, "detach"))
		help_cmd(f, CMD_DETACH);
	else if (!strcmp(topic, "list"))
		help_cmd(f, CMD_LIST);
	else if (!strcmp(topic, "status"))
		help_cmd(f, CMD_STATUS);
	else if (!strcmp(topic, "monitor"))
		help_cmd(f, CMD_MONITOR);
	else
		help_main(f);
}

void help_cmd(FILE *f, enum silkctl_cmd cmd)
{
	switch (cmd) {
	case CMD_VOLUME_CREATE:
		fprintf(f,
"Usage: silkctl volume create NAME --size SIZE [--block-size 512|4096] [--backing /dev/X]\n"
"\n"
"Create a volume on silkd.  Without --backing, silkd stores it as a sparse\n"
"file in its data directory.\n"
"\n"
"  --size SIZE         volume size: bytes or K, M, G, T (KiB...TiB) suffix;\n"
"                      a positive multiple of the block size\n"
"  --block-size N      logical block size, 512 or 4096 (default 4096)\n"
"  --backing PATH      absolute path of a block device to store the volume on\n"
"%s", common_opts);
		break;
	case CMD_VOLUME_LIST:
		fprintf(f, "Usage: silkctl volume list [--json]\n\nList the volumes of a silkd node.\n\n%s",
			common_opts);
		break;
	case CMD_VOLUME_SHOW:
		fprintf(f, "Usage: silkctl volume show NAME [--json]\n\nShow one volume.\n\n%s",
			common_opts);
		break;
	case CMD_VOLUME_DELETE:
		fprintf(f,
"Usage: silkctl volume delete NAME [--force]\n"
"\n"
"Delete a volume and its data.  silkd refuses while hosts are connected\n"
"unless --force is given.\n"
"\n"
"  -f, --force         delete even with connected hosts\n"
"%s", common_opts);
		break;
	case CMD_VOLUME_RESIZE:
		fprintf(f,
"Usage: silkctl volume resize NAME --size SIZE\n"
"\n"
"Grow a volume (shrinking is refused).\n"
"\n"
"  --size SIZE         new size, bytes or K, M, G, T (KiB...TiB) suffix\n"
"%s", common_opts);
		break;
	case CMD_ATTACH:
		fprintf(f,
"Usage: silkctl attach VOLUME [OPTIONS]\n"
"\n"
"Ask silk.ko to connect to a silkd server and create /dev/silkN for VOLUME;\n"
"prints the device path.  Needs root (CAP_NET_ADMIN).\n"
"\n"
"  --addr IP           server address, IPv4 or IPv6 literal (default 127.0.0.1)\n"
"  --port PORT         server port (default 7400)\n"
"  --transport T       tcp (default) or rdma\n"
"  --queues N          hardware queues wanted, 1..256 (default: module's, <= CPUs)\n"
"  --queue-depth N     requests in flight per queue, 1..1024\n"
"  --block-size N      512 or 4096 (default: the volume's)\n"
"  --io-timeout S      per-request timeout before retry, 1..3600 seconds\n"
"  --loss-timeout S    fail I/O after the server is gone this long, 0..86400 s\n"
"  --digest            crc32c data digests on every transfer\n"
"  --epoch N           pod map epoch to route with\n"
"  --no-wait           do not wait for / create the /dev node\n"
"%s", common_opts);
		break;
	case CMD_DETACH:
		fprintf(f,
"Usage: silkctl detach DEVICE\n"
"\n"
"Remove /dev/silkN.  DEVICE is /dev/silkN, silkN or N.  Needs root.\n"
"\n%s", common_opts);
		break;
	case CMD_LIST:
		fprintf(f,
"Usage: silkctl list [--json]\n"
"\n"
"List attached devices as the kernel reports them: device, volume, server,\n"
"transport, state, size and queues.\n"
"\n%s", common_opts);
		break;
	case CMD_STATUS:
		fprintf(f,
"Usage: silkctl status [--json]\n"
"\n"
"Show the kernel side (is silk.ko loaded, attached devices) and the silkd\n"
"node (version, uptime, listeners, volumes, I/O counters), each when\n"
"reachable.\n"
"\n%s", common_opts);
		break;
	case CMD_MONITOR:
		fprintf(f,
"Usage: silkctl monitor [--json] [--count N] [--timeout S]\n"
"\n"
"Print kernel events (device added/removed, connection lost/restored,\n"
"device failed, I/O errors, stale epoch) as they happen.\n"
"\n"
"  -c, --count N       exit after N events\n"
"  -t, --timeout S     exit after S seconds (status 0)\n"
"%s", common_opts);
		break;
	default:
		help_main(f);
		break;
	}
}
