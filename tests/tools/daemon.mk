# hostile_server: a misbehaving Silk server for the integration suite.
# Links silkd's protocol helpers and address parsing.
HOSTILE_SRCS := tools/hostile_server.c $(TOP)/daemon/proto.c $(TOP)/daemon/netaddr.c

TEST_TOOLS += tools/hostile_server

tools/hostile_server: $(HOSTILE_SRCS)
	$(CC) $(BASE_CFLAGS) -I$(TOP)/daemon -pthread -o $@ $(HOSTILE_SRCS) \
		$(ISAL_LIBS) -lpthread
