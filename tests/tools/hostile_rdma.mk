# hostile_rdma: a misbehaving Silk server on the RDMA transport (protocol.md
# section 13) for the integration suite.  Links silkd's protocol helpers and
# address parsing.
HOSTILE_RDMA_SRCS := tools/hostile_rdma.c tools/hostile_rdma_conn.c \
	tools/hostile_rdma_cmd.c $(TOP)/daemon/proto.c $(TOP)/daemon/netaddr.c

TEST_TOOLS += tools/hostile_rdma

tools/hostile_rdma: $(HOSTILE_RDMA_SRCS) tools/hostile_rdma.h
	$(CC) $(BASE_CFLAGS) -I$(TOP)/daemon -o $@ $(HOSTILE_RDMA_SRCS) \
		$(ISAL_LIBS) -lrdmacm -libverbs
