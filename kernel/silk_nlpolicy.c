// SPDX-License-Identifier: GPL-2.0
/*
 * Strict policies for every command of the silk family, and the
 * conversion of validated DEV_ADD attributes into a struct silk_dev_config.
 * Attributes a command does not list are NLA_UNSPEC in its policy, which
 * strict validation rejects.
 */
#include <linux/inet.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include "silk_nlpolicy.h"

static struct netlink_range_validation silk_io_timeout_range = {
	.min = SILK_IO_TIMEOUT_MIN_MS,
	.max = SILK_IO_TIMEOUT_MAX_MS,
};

static struct netlink_range_validation silk_loss_timeout_range = {
	.min = 0,
	.max = SILK_LOSS_TIMEOUT_MAX_MS,
};

static int silk_nl_validate_volume(const struct nlattr *attr,
				   struct netlink_ext_ack *extack)
{
	if (!silk_volume_name_valid(nla_data(attr))) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "volume name must be 1-63 characters [A-Za-z0-9._-], not starting with '.' or '-'");
		return -EINVAL;
	}
	return 0;
}

const struct nla_policy silk_nl_add_policy[SILK_A_MAX + 1] = {
	[SILK_A_VOLUME]		= NLA_POLICY_VALIDATE_FN(NLA_NUL_STRING,
							 silk_nl_validate_volume,
							 SILK_VOLUME_NAME_MAX),
	[SILK_A_ADDR]		= { .type = NLA_NUL_STRING,
				    .len = SILK_ADDR_STR_MAX },
	[SILK_A_PORT]		= NLA_POLICY_MIN(NLA_U16, 1),
	[SILK_A_TRANSPORT]	= NLA_POLICY_RANGE(NLA_U8, SILK_TRANSPORT_TCP,
						   SILK_TRANSPORT_RDMA),
	[SILK_A_NR_QUEUES]	= NLA_POLICY_RANGE(NLA_U32, 1,
						   SILK_MAX_HW_QUEUES),
	[SILK_A_QUEUE_DEPTH]	= NLA_POLICY_RANGE(NLA_U32, 1,
						   SILK_MAX_QUEUE_DEPTH),
	/*
	 * A plain u32: 6.1's netlink_ack() WARNs when it dumps the policy
	 * of an integer attribute that has a validate function, so the
	 * 512/4096 check lives in silk_nl_parse_add().
	 */
	[SILK_A_BLOCK_SIZE]	= { .type = NLA_U32 },
	[SILK_A_IO_TIMEOUT]	= NLA_POLICY_FULL_RANGE(NLA_U32,
							&silk_io_timeout_range),
	[SILK_A_LOSS_TIMEOUT]	= NLA_POLICY_FULL_RANGE(NLA_U32,
							&silk_loss_timeout_range),
	[SILK_A_DIGEST]		= { .type = NLA_FLAG },
	[SILK_A_EPOCH]		= { .type = NLA_U64 },
};

const struct nla_policy silk_nl_index_policy[SILK_A_MAX + 1] = {
	[SILK_A_INDEX]		= { .type = NLA_U32 },
};

/**
 * silk_volume_name_valid() - check a volume name
 * @name: NUL-terminated name
 *
 * Same rule as silkd: 1 to SILK_VOLUME_NAME_MAX characters from
 * [A-Za-z0-9._-], not starting with '.' or '-'.
 */
bool silk_volume_name_valid(const char *name)
{
	size_t i, len = strnlen(name, SILK_VOLUME_NAME_MAX + 1);

	if (!len || len > SILK_VOLUME_NAME_MAX)
		return false;
	if (name[0] == '.' || name[0] == '-')
		return false;
	/* ASCII only: the kernel's isalnum() also accepts Latin-1 letters. */
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
		    !(c >= '0' && c <= '9') && c != '.' && c != '_' && c != '-')
			return false;
	}
	return true;
}

/*
 * inet_pton_with_scope() ignores what follows a valid IPv4 address (so
 * "10.0.0.1:7400" would quietly lose its port): insist on the whole string
 * being one address literal, an IPv6 one optionally with a %scope.
 */
static bool silk_addr_literal_ok(const char *s)
{
	const char *end;
	u8 a[16];

	if (in4_pton(s, -1, a, -1, &end))
		return !*end;
	if (in6_pton(s, -1, a, '%', &end))
		return !*end || (*end == '%' && end[1]);
	return false;
}

/**
 * silk_nl_parse_add() - turn DEV_ADD attributes into a configuration
 * @net: network namespace for address scope lookups
 * @tb: attributes, already validated against silk_nl_add_policy
 * @def: values for optional attributes that are absent
 * @cfg: result
 * @extack: gets a message (and the offending attribute) on rejection
 *
 * Return: 0, or -EINVAL for a missing or bad attribute (or digests asked
 * for over RDMA).
 */
int silk_nl_parse_add(struct net *net, struct nlattr **tb,
		      const struct silk_dev_defaults *def,
		      struct silk_dev_config *cfg,
		      struct netlink_ext_ack *extack)
{
	char port[8];
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	if (NL_REQ_ATTR_CHECK(extack, NULL, tb, SILK_A_VOLUME)) {
		NL_SET_ERR_MSG(extack, "SILK_A_VOLUME (volume name) is required");
		return -EINVAL;
	}
	if (NL_REQ_ATTR_CHECK(extack, NULL, tb, SILK_A_ADDR)) {
		NL_SET_ERR_MSG(extack, "SILK_A_ADDR (server address) is required");
		return -EINVAL;
	}
	nla_strscpy(cfg->volume, tb[SILK_A_VOLUME], sizeof(cfg->volume));
	nla_strscpy(cfg->addr, tb[SILK_A_ADDR], sizeof(cfg->addr));

	cfg->port = tb[SILK_A_PORT] ? nla_get_u16(tb[SILK_A_PORT]) :
				      SILK_DEFAULT_PORT;
	snprintf(port, sizeof(port), "%u", cfg->port);
	ret = silk_addr_literal_ok(cfg->addr) ? 0 : -EINVAL;
	if (!ret)
		ret = inet_pton_with_scope(net, AF_UNSPEC, cfg->addr, port,
					   &cfg->sa);
	if (ret) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SILK_A_ADDR],
				    "server address is not an IPv4 or IPv6 address literal");
		return -EINVAL;
	}

	/* The policy allows TCP and RDMA; silk_dev_add() finds the module. */
	cfg->transport = tb[SILK_A_TRANSPORT] ?
			 nla_get_u8(tb[SILK_A_TRANSPORT]) : SILK_TRANSPORT_TCP;

	cfg->nr_queues = tb[SILK_A_NR_QUEUES] ?
			 nla_get_u32(tb[SILK_A_NR_QUEUES]) : def->nr_queues;
	cfg->queue_depth = tb[SILK_A_QUEUE_DEPTH] ?
			   nla_get_u32(tb[SILK_A_QUEUE_DEPTH]) :
			   def->queue_depth;
	cfg->block_size = tb[SILK_A_BLOCK_SIZE] ?
			  nla_get_u32(tb[SILK_A_BLOCK_SIZE]) : 0;
	if (tb[SILK_A_BLOCK_SIZE] && cfg->block_size != 512 &&
	    cfg->block_size != 4096) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SILK_A_BLOCK_SIZE],
				    "block size must be 512 or 4096");
		return -EINVAL;
	}
	cfg->io_timeout_ms = tb[SILK_A_IO_TIMEOUT] ?
			     nla_get_u32(tb[SILK_A_IO_TIMEOUT]) :
			     def->io_timeout_ms;
	cfg->loss_timeout_ms = tb[SILK_A_LOSS_TIMEOUT] ?
			       nla_get_u32(tb[SILK_A_LOSS_TIMEOUT]) :
			       def->loss_timeout_ms;
	cfg->digest = nla_get_flag(tb[SILK_A_DIGEST]);
	if (cfg->digest && cfg->transport == SILK_TRANSPORT_RDMA) {
		/* Protocol section 13.1: the link's own CRC covers RDMA. */
		NL_SET_ERR_MSG_ATTR(extack, tb[SILK_A_DIGEST],
				    "data digests are not used with the RDMA transport");
		return -EINVAL;
	}
	cfg->epoch = tb[SILK_A_EPOCH] ? nla_get_u64(tb[SILK_A_EPOCH]) : 0;
	return 0;
}

/**
 * silk_nl_parse_index() - get the required SILK_A_INDEX
 * @tb: attributes, already validated against silk_nl_index_policy
 * @index: result
 * @extack: gets a message on rejection
 *
 * Return: 0 or -EINVAL.
 */
int silk_nl_parse_index(struct nlattr **tb, u32 *index,
			struct netlink_ext_ack *extack)
{
	if (NL_REQ_ATTR_CHECK(extack, NULL, tb, SILK_A_INDEX)) {
		NL_SET_ERR_MSG(extack, "SILK_A_INDEX (device index) is required");
		return -EINVAL;
	}
	*index = nla_get_u32(tb[SILK_A_INDEX]);
	return 0;
}
