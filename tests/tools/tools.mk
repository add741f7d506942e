# Test helper programs for the integration suite (run inside the VM).
# Included by tests/Makefile, which runs in tests/.
NL_MALFORMED_SRCS := tools/nl_malformed.c $(TOP)/tools/nlclient.c $(TOP)/tools/nlmsg.c

TEST_TOOLS += tools/nl_malformed

tools/nl_malformed: $(NL_MALFORMED_SRCS)
	$(CC) $(BASE_CFLAGS) $(NL_CFLAGS) -I$(TOP)/tools -o $@ $(NL_MALFORMED_SRCS) $(NL_LIBS)
