# silkd source lists, shared by daemon/Makefile and the tests/ fragments
# (which rebuild them with sanitizers).  Paths are relative to daemon/.

# Wire-protocol helpers: libsilkproto.a (tests, tools, benchmarks link it).
DAEMON_PROTO_SRCS := proto.c

# Everything in silkd except main.c.
DAEMON_CORE_SRCS := log.c config.c netaddr.c vol.c store.c sess.c meta.c \
	volumes.c mgmt_ops.c mgmt.c pipes.c conn.c rdma_capsule.c rdma_dev.c \
	rdma_conn.c rdma_worker.c rdma_listen.c worker.c server.c

DAEMON_MAIN_SRCS := main.c

# Libraries silkd needs (besides libc and pthreads).  pc_libs: config.mk.
DAEMON_RDMA_LIBS = $(call pc_libs,librdmacm libibverbs)
DAEMON_LIBS = $(JSON_LIBS) $(URING_LIBS) $(ISAL_LIBS) $(DAEMON_RDMA_LIBS) \
	-lpthread
DAEMON_CFLAGS = $(JSON_CFLAGS)
