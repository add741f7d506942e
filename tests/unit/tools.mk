# silkctl unit tests (cmocka, ASan + UBSan).  Included by tests/Makefile,
# which runs in tests/: paths are relative to it.  The silkctl sources are
# rebuilt here with $(SAN) into unit/silkctl-obj/.
include $(TOP)/tools/sources.mk

SILKCTL_T_OBJDIR := unit/silkctl-obj
SILKCTL_T_OBJS := $(addprefix $(SILKCTL_T_OBJDIR)/,$(SILKCTL_LIB_SRCS:.c=.o))
SILKCTL_T_CFLAGS := $(BASE_CFLAGS) $(SAN) $(NL_CFLAGS) $(JSON_CFLAGS) -I$(TOP)/tools
SILKCTL_T_LIBS := $(NL_LIBS) $(JSON_LIBS) $(CMOCKA_LIBS) -pthread

SILKCTL_UNIT := unit/test_silkctl_parse unit/test_silkctl_cmdline \
	unit/test_silkctl_mgmt unit/test_silkctl_output unit/test_silkctl_nlmsg

UNIT_TESTS += $(SILKCTL_UNIT)

$(SILKCTL_T_OBJDIR)/%.o: $(TOP)/tools/%.c
	@mkdir -p $(@D)
	$(CC) $(SILKCTL_T_CFLAGS) -c -o $@ $<

$(SILKCTL_UNIT): unit/test_silkctl_%: unit/test_silkctl_%.c $(SILKCTL_T_OBJS)
	$(CC) $(SILKCTL_T_CFLAGS) -o $@ $< $(SILKCTL_T_OBJS) $(SILKCTL_T_LIBS)

clean: clean-silkctl-unit
.PHONY: clean-silkctl-unit
clean-silkctl-unit:
	rm -rf $(SILKCTL_T_OBJDIR)

-include $(SILKCTL_T_OBJS:.o=.d) $(addsuffix .d,$(SILKCTL_UNIT))
