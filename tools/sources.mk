# silkctl sources other than main.c; shared by tools/Makefile and the unit
# tests (tests/unit/tools.mk), which link them built with sanitizers.
SILKCTL_LIB_SRCS := parse.c opts.c cmdline.c mgmt_addr.c mgmt.c nlmsg.c \
	nlclient.c table.c output.c devnode.c help.c report.c \
	cmd_volume.c cmd_dev.c cmd_status.c cmd_monitor.c
