# silkd unit tests: daemon sources rebuilt with ASan + UBSan, linked into
# one cmocka binary per test file, plus an instrumented silkd that
# test_server drives over loopback.
SILKD_DIR := $(TOP)/daemon
include $(SILKD_DIR)/sources.mk

SILKD_T_OBJDIR := unit/obj-daemon
SILKD_T_CFLAGS = $(BASE_CFLAGS) $(SAN) $(JSON_CFLAGS) -I$(SILKD_DIR) -pthread
SILKD_T_LIBS = $(DAEMON_LIBS) $(CMOCKA_LIBS)
SILKD_T_OBJS := $(addprefix $(SILKD_T_OBJDIR)/,\
	$(DAEMON_PROTO_SRCS:.c=.o) $(DAEMON_CORE_SRCS:.c=.o))
SILKD_T_SILKD := unit/silkd-asan

SILKD_T_TESTS := $(addprefix unit/,test_proto test_sess test_store test_pipes \
	test_config test_meta test_mgmt test_server)

UNIT_TESTS += $(SILKD_T_TESTS)

$(SILKD_T_OBJDIR):
	mkdir -p $@

$(SILKD_T_OBJDIR)/%.o: $(SILKD_DIR)/%.c | $(SILKD_T_OBJDIR)
	$(CC) $(SILKD_T_CFLAGS) -c -o $@ $<

$(SILKD_T_SILKD): $(SILKD_T_OBJDIR)/main.o $(SILKD_T_OBJS)
	$(CC) $(SILKD_T_CFLAGS) -o $@ $^ $(DAEMON_LIBS)

$(SILKD_T_TESTS): unit/%: unit/%.c $(SILKD_T_OBJS)
	$(CC) $(SILKD_T_CFLAGS) -DSILKD_PATH='"$(abspath $(SILKD_T_SILKD))"' \
		-o $@ $< $(SILKD_T_OBJS) $(SILKD_T_LIBS)

unit/test_server: $(SILKD_T_SILKD)

clean: silkd-test-clean
.PHONY: silkd-test-clean
silkd-test-clean:
	rm -rf $(SILKD_T_OBJDIR) $(SILKD_T_SILKD)

-include $(wildcard $(SILKD_T_OBJDIR)/*.d)
