// SPDX-License-Identifier: GPL-2.0
/* Silk generic netlink message building and parsing (see nlmsg.h). */
#include "nlmsg.h"

#include <string.h>

#include <linux/netlink.h>
#include <netlink/genl/genl.h>

const struct nla_policy silk_nl_policy[SILK_A_MAX + 1] = {
	[SILK_A_INDEX]		= { .type = NLA_U32 },
	[SILK_A_VOLUME]		= { .type = NLA_STRING, .maxlen = SILK_VOLUME_NAME_MAX + 1 },
	[SILK_A_ADDR]		= { .type = NLA_STRING, .maxlen = 64 },
	[SILK_A_PORT]		= { .type = NLA_U16 },
	[SILK_A_TRANSPORT]	= { .type = NLA_U8 },
	[SILK_A_NR_QUEUES]	= { .type = NLA_U32 },
	[SILK_A_QUEUE_DEPTH]	= { .type = NLA_U32 },
	[SILK_A_BLOCK_SIZE]	= { .type = NLA_U32 },
	[SILK_A_IO_TIMEOUT]	= { .type = NLA_U32 },
	[SILK_A_LOSS_TIMEOUT]	= { .type = NLA_U32 },
	[SILK_A_DIGEST]		= { .type = NLA_FLAG },
	[SILK_A_EPOCH]		= { .type = NLA_U64 },
	[SILK_A_STATE]		= { .type = NLA_U8 },
	[SILK_A_SIZE]		= { .type = NLA_U64 },
	[SILK_A_VOL_ID]		= { .type = NLA_U32 },
	[SILK_A_DISK_NAME]	= { .type = NLA_STRING, .maxlen = SILK_DISK_NAME_MAX },
	[SILK_A_EVENT]		= { .type = NLA_U8 },
	[SILK_A_ERRNO]		= { .type = NLA_U32 },	/* s32 on the wire */
	[SILK_A_RECONNECTS]	= { .type = NLA_U32 },
	[SILK_A_IO_ERRORS]	= { .type = NLA_U64 },
	[SILK_A_TRANSPORT_DEV]	= { .type = NLA_STRING, .maxlen = 64 },
};

static struct nl_msg *msg_new(int family, int flags, uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, flags,
			 cmd, SILK_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

struct nl_msg *silk_msg_dev_add(int family, const struct silk_dev_params *p)
{
	struct nl_msg *msg = msg_new(family, 0, SILK_CMD_DEV_ADD);
	int rc = 0;

	if (!msg)
		return NULL;
	rc |= nla_put_string(msg, SILK_A_VOLUME, p->volume);
	rc |= nla_put_string(msg, SILK_A_ADDR, p->addr);
	rc |= nla_put_u16(msg, SILK_A_PORT, p->port);
	rc |= nla_put_u8(msg, SILK_A_TRANSPORT, p->transport);
	if (p->nr_queues)
		rc |= nla_put_u32(msg, SILK_A_NR_QUEUES, p->nr_queues);
	if (p->queue_depth)
		rc |= nla_put_u32(msg, SILK_A_QUEUE_DEPTH, p->queue_depth);
	if (p->block_size)
		rc |= nla_put_u32(msg, SILK_A_BLOCK_SIZE, p->block_size);
	if (p->has_io_timeout)
		rc |= nla_put_u32(msg, SILK_A_IO_TIMEOUT, p->io_timeout_ms);
	if (p->has_loss_timeout)
		rc |= nla_put_u32(msg, SILK_A_LOSS_TIMEOUT, p->loss_timeout_ms);
	if (p->digest)
		rc |= nla_put_flag(msg, SILK_A_DIGEST);
	if (p->has_epoch)
		rc |= nla_put_u64(msg, SILK_A_EPOCH, p->epoch);
	if (rc) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

struct nl_msg *silk_msg_dev_remove(int family, uint32_t index)
{
	struct nl_msg *msg = msg_new(family, 0, SILK_CMD_DEV_REMOVE);

	if (msg && nla_put_u32(msg, SILK_A_INDEX, index)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

struct nl_msg *silk_msg_dev_get(int family, bool dump, uint32_t index)
{
	struct nl_msg *msg = msg_new(family, dump ? NLM_F_DUMP : 0,
				     SILK_CMD_DEV_GET);

	if (msg && !dump && nla_put_u32(msg, SILK_A_INDEX, index)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static void get_str(struct nlattr *a, char *dst, size_t len)
{
	nla_strlcpy(dst, a, len);
}

/* Parse a reply or event against the policy; note which attributes came. */
static int parse_attrs(struct nlmsghdr *nlh, struct nlattr **tb,
		       uint64_t *present)
{
	int rc, i;

	rc = genlmsg_parse(nlh, 0, tb, SILK_A_MAX, silk_nl_policy);
	if (rc < 0)
		return rc;
	for (i = 1; i <= SILK_A_MAX; i++)
		if (tb[i])
			*present |= 1ull << i;
	return 0;
}

int silk_parse_dev(struct nlmsghdr *nlh, struct silk_dev_info *out)
{
	struct nlattr *tb[SILK_A_MAX + 1];
	int rc;

	memset(out, 0, sizeof(*out));
	rc = parse_attrs(nlh, tb, &out->present);
	if (rc < 0)
		return rc;
	if (tb[SILK_A_INDEX])
		out->index = nla_get_u32(tb[SILK_A_INDEX]);
	if (tb[SILK_A_DISK_NAME])
		get_str(tb[SILK_A_DISK_NAME], out->disk_name, sizeof(out->disk_name));
	if (tb[SILK_A_VOLUME])
		get_str(tb[SILK_A_VOLUME], out->volume, sizeof(out->volume));
	if (tb[SILK_A_ADDR])
		get_str(tb[SILK_A_ADDR], out->addr, sizeof(out->addr));
	if (tb[SILK_A_PORT])
		out->port = nla_get_u16(tb[SILK_A_PORT]);
	if (tb[SILK_A_TRANSPORT])
		out->transport = nla_get_u8(tb[SILK_A_TRANSPORT]);
	if (tb[SILK_A_TRANSPORT_DEV])
		get_str(tb[SILK_A_TRANSPORT_DEV], out->transport_dev,
			sizeof(out->transport_dev));
	if (tb[SILK_A_STATE])
		out->state = nla_get_u8(tb[SILK_A_STATE]);
	if (tb[SILK_A_NR_QUEUES])
		out->nr_queues = nla_get_u32(tb[SILK_A_NR_QUEUES]);
	if (tb[SILK_A_QUEUE_DEPTH])
		out->queue_depth = nla_get_u32(tb[SILK_A_QUEUE_DEPTH]);
	if (tb[SILK_A_BLOCK_SIZE])
		out->block_size = nla_get_u32(tb[SILK_A_BLOCK_SIZE]);
	if (tb[SILK_A_IO_TIMEOUT])
		out->io_timeout_ms = nla_get_u32(tb[SILK_A_IO_TIMEOUT]);
	if (tb[SILK_A_LOSS_TIMEOUT])
		out->loss_timeout_ms = nla_get_u32(tb[SILK_A_LOSS_TIMEOUT]);
	if (tb[SILK_A_VOL_ID])
		out->vol_id = nla_get_u32(tb[SILK_A_VOL_ID]);
	if (tb[SILK_A_RECONNECTS])
		out->reconnects = nla_get_u32(tb[SILK_A_RECONNECTS]);
	out->digest = tb[SILK_A_DIGEST] != NULL;
	if (tb[SILK_A_SIZE])
		out->size = nla_get_u64(tb[SILK_A_SIZE]);
	if (tb[SILK_A_EPOCH])
		out->epoch = nla_get_u64(tb[SILK_A_EPOCH]);
	if (tb[SILK_A_IO_ERRORS])
		out->io_errors = nla_get_u64(tb[SILK_A_IO_ERRORS]);
	return 0;
}

int silk_parse_event(struct nlmsghdr *nlh, struct silk_event_info *out)
{
	struct nlattr *tb[SILK_A_MAX + 1];
	int rc;

	memset(out, 0, sizeof(*out));
	rc = parse_attrs(nlh, tb, &out->present);
	if (rc < 0)
		return rc;
	if (tb[SILK_A_EVENT])
		out->event = nla_get_u8(tb[SILK_A_EVENT]);
	if (tb[SILK_A_INDEX])
		out->index = nla_get_u32(tb[SILK_A_INDEX]);
	if (tb[SILK_A_DISK_NAME])
		get_str(tb[SILK_A_DISK_NAME], out->disk_name, sizeof(out->disk_name));
	if (tb[SILK_A_VOLUME])
		get_str(tb[SILK_A_VOLUME], out->volume, sizeof(out->volume));
	if (tb[SILK_A_STATE])
		out->state = nla_get_u8(tb[SILK_A_STATE]);
	if (tb[SILK_A_ERRNO])
		out->err = nla_get_s32(tb[SILK_A_ERRNO]);
	return 0;
}

bool silk_extack_msg(const struct nlmsghdr *nlh, char *msg, size_t len)
{
	struct nla_policy pol[NLMSGERR_ATTR_MAX + 1] = {
		[NLMSGERR_ATTR_MSG] = { .type = NLA_STRING },
		[NLMSGERR_ATTR_OFFS] = { .type = NLA_U32 },
	};
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	const struct nlmsgerr *e;
	size_t off, total;

	if (len)
		msg[0] = '\0';
	if (!nlh || nlh->nlmsg_type != NLMSG_ERROR ||
	    !(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return false;
	total = nlh->nlmsg_len;
	off = NLMSG_HDRLEN + sizeof(*e);
	if (total < off)
		return false;
	e = (const struct nlmsgerr *)((const char *)nlh + NLMSG_HDRLEN);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < NLMSG_HDRLEN)
			return false;
		off += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
	}
	if (off >= total)
		return false;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)nlh + off), (int)(total - off), pol) < 0)
		return false;
	if (!tb[NLMSGERR_ATTR_MSG] || !len)
		return false;
	nla_strlcpy(msg, tb[NLMSGERR_ATTR_MSG], len);
	return msg[0] != '\0';
}
